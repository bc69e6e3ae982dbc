// The scroll area of the central pages (weights, compare, saturation, diff): the page fills the
// view whenever its minimum fits, and scrolls only below that.
//
// QScrollArea's own resizable mode cannot do this for these pages. A word-wrapped label makes a
// page's layout height-for-width, and QScrollArea then takes the layout's heightForWidth as the
// page's least height: for a box layout that is the preferred height of every other item. In a
// 1600 × 1000 window the weights page was 904 px tall for a 642 px view, where its minimum is 670,
// and its histograms sat below the fold. Here the least height is the layout's minimum for the width.
#pragma once

#include <QScrollArea>

namespace gsui {

class FitScrollArea : public QScrollArea {
public:
    explicit FitScrollArea(QWidget* parent = nullptr);

    // Sizes the page: the view's width (less the vertical scroll bar when the page must scroll),
    // at least the page's minimum width; the view's height, at least the page's minimum height
    // for that width.
    void fitPage();

protected:
    void resizeEvent(QResizeEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;
};

} // namespace gsui
