#include "fit_scroll_area.h"

#include <QEvent>
#include <QLayout>
#include <QScrollBar>

#include <algorithm>

namespace gsui {

FitScrollArea::FitScrollArea(QWidget* parent) : QScrollArea(parent)
{
    // Not QScrollArea's resizable mode (see the header): fitPage() sizes the page.
    setWidgetResizable(false);
}

namespace {

int minimumHeightFor(const QWidget* page, int width)
{
    const QLayout* layout = page->layout();
    const int least = layout && layout->hasHeightForWidth() ? layout->totalMinimumHeightForWidth(width)
                                                            : page->minimumSizeHint().height();
    return std::max(least, page->minimumHeight());
}

} // namespace

void FitScrollArea::fitPage()
{
    QWidget* page = widget();
    if (!page)
        return;
    const QSize view = maximumViewportSize(); // the viewport without scroll bars
    const int minWidth = std::max(page->minimumSizeHint().width(), page->minimumWidth());
    int width = std::max(view.width(), minWidth);
    int height = minimumHeightFor(page, width);
    int room = view.height();
    if (minWidth > view.width())
        room -= horizontalScrollBar()->sizeHint().height();
    if (height > room) {
        // It scrolls vertically: the bar takes its width from the view.
        width = std::max(view.width() - verticalScrollBar()->sizeHint().width(), minWidth);
        height = minimumHeightFor(page, width);
    }
    const QSize size(width, std::max(height, room));
    if (page->size() != size)
        page->resize(size);
}

void FitScrollArea::resizeEvent(QResizeEvent* event)
{
    QScrollArea::resizeEvent(event);
    fitPage();
}

bool FitScrollArea::eventFilter(QObject* watched, QEvent* event)
{
    // A page whose contents change (a longer caption, another layer's plots) asks for a new layout.
    if (watched == widget() && event->type() == QEvent::LayoutRequest)
        fitPage();
    return QScrollArea::eventFilter(watched, event);
}

} // namespace gsui
