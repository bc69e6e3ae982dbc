#include "error_banner.h"

#include "theme.h"

#include <QEvent>
#include <QGuiApplication>

namespace gsui {

ErrorBanner::ErrorBanner(QWidget* parent) : QLabel(parent)
{
    setObjectName(QStringLiteral("errorBanner"));
    setWordWrap(true);
    setTextInteractionFlags(Qt::TextSelectableByMouse);
    restyle();
    hide();
    // A label with a style sheet gets no palette change of its own: its palette is the style
    // sheet's. The application announces a new palette to itself, so listen there.
    qApp->installEventFilter(this);
}

void ErrorBanner::showMessage(const QString& text)
{
    setText(text);
    show();
}

bool ErrorBanner::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == qApp && event->type() == QEvent::ApplicationPaletteChange)
        restyle();
    return QLabel::eventFilter(watched, event);
}

void ErrorBanner::restyle()
{
    // From the application's palette, not the label's own: the style sheet sets the label's
    // palette, and reading that back would keep the first theme forever. Setting an unchanged
    // style sheet again would post another palette change, hence the comparison.
    const QString css = errorBannerStyleSheet(QGuiApplication::palette());
    if (styleSheet() != css)
        setStyleSheet(css);
}

} // namespace gsui
