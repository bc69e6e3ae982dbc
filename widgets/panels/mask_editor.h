// MaskEditor: the (B × T) mask as a grid to click. A kept step (1) is a filled cell; a masked
// step (0) is empty and hatched — the layer skips it and carries the state over unchanged
// (h_t = h_{t−1}, and the output repeats or is zero with zero_output_for_mask). Clicking a cell
// toggles it; dragging paints the value the first cell took across every cell the pointer
// crosses, so a stroke along a row pads a sequence in one gesture. Clicking a time label sets the
// current step, clicking a sample label selects the sample.
//
// The grid scales to long sequences: cells shrink to 2 px, and below that the widget asks for
// more width (put it in a QScrollArea for horizontal scrolling; it then keeps the current step in
// view). The current step's column is outlined.
#pragma once

#include "model/document.h"

#include <QPoint>
#include <QRect>
#include <QWidget>

namespace gsui {

class MaskEditor : public QWidget {
    Q_OBJECT
public:
    explicit MaskEditor(Document* doc, QWidget* parent = nullptr);

    // The cell of sample b at time index t, in widget coordinates (empty when out of range).
    QRect cellRect(int b, int t) const;
    // The cell under a widget point: {b, t}, or {-1, -1} outside the grid.
    QPoint cellAt(const QPoint& pos) const;
    // Whether (b, t) is kept; true when the document has no mask.
    bool isKept(int b, int t) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    static constexpr int kMinCell = 2;  // px, a cell's narrowest width
    static constexpr int kMaxCell = 22; // px, wider cells look like buttons, not a grid

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;
    bool event(QEvent* event) override; // tooltips

private:
    struct Geometry {
        int left = 0, top = 0; // grid origin
        int cellW = kMinCell, cellH = kMinCell;
    };
    Geometry geometryFor(int width, int height) const;
    void relayout();
    void onShapeChanged();
    void onStepChanged();
    void ensureStepVisible();
    int currentTimeIndex() const;
    int timeAtHeader(const QPoint& pos) const;
    int sampleAtLabel(const QPoint& pos) const;
    void paintTo(int b, int t); // paints m_strokeValue on the cells from the last one to (b, t)
    int leftMargin() const;
    int labelLeft() const; // x of the sample-label strip: the visible left edge
    int topMargin() const;

    Document* m_doc;
    Geometry m_geo;
    bool m_stroke = false;
    bool m_strokeValue = true;
    QPoint m_lastCell{-1, -1};
};

} // namespace gsui
