#include "plots/legend_placement.h"

#include <qcustomplot.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace gsui {

namespace {

// Whether the segment a-b touches `box` (an end inside, or crossing one of its edges).
bool touches(const QRectF& box, const QPointF& a, const QPointF& b)
{
    if (box.contains(a) || box.contains(b))
        return true;
    const QLineF segment(a, b);
    const QLineF edges[] = {{box.topLeft(), box.topRight()}, {box.topRight(), box.bottomRight()},
                            {box.bottomRight(), box.bottomLeft()}, {box.bottomLeft(), box.topLeft()}};
    for (const QLineF& e : edges)
        if (segment.intersects(e, nullptr) == QLineF::BoundedIntersection)
            return true;
    return false;
}

// How much of the graphs `box` would hide, in pixels: the points inside it plus the segments
// between points that cross it. Long series are sampled: about 400 points per graph tell which
// corner is empty as well as all of them do.
int coveredData(const QCustomPlot* plot, const QCPAxisRect* rect, const QRectF& box)
{
    int covered = 0;
    for (int g = 0; g < plot->graphCount(); ++g) {
        const QCPGraph* graph = plot->graph(g);
        if (!graph->visible() || graph->keyAxis()->axisRect() != rect)
            continue;
        const auto data = graph->data();
        const int n = data->size();
        const int stride = std::max(1, n / 400);
        QPointF previous;
        bool havePrevious = false;
        for (int i = 0; i < n; i += stride) {
            const auto it = data->at(i);
            if (std::isnan(it->value)) {
                havePrevious = false;
                continue;
            }
            const QPointF p(graph->keyAxis()->coordToPixel(it->key), graph->valueAxis()->coordToPixel(it->value));
            covered += box.contains(p) ? 1 : 0;
            if (havePrevious && touches(box, previous, p))
                ++covered;
            previous = p;
            havePrevious = true;
        }
    }
    return covered;
}

} // namespace

void keepLegendOffTheData(QCustomPlot* plot, QCPAxisRect* rect, QCPLegend* legend)
{
    QObject::connect(plot, &QCustomPlot::afterLayout, legend, [plot, rect, legend] {
        if (!legend->visible() || rect->insetLayout()->elementCount() == 0 || rect->insetLayout()->elementAt(0) != legend)
            return;
        const QSize size = legend->outerRect().size();
        const QRect area = rect->rect();
        if (size.isEmpty() || area.isEmpty())
            return;
        const Qt::Alignment current = rect->insetLayout()->insetAlignment(0);
        // Top right first: where the legend has always been, and where a reader looks for it.
        const std::array<Qt::Alignment, 4> corners{Qt::AlignTop | Qt::AlignRight, Qt::AlignTop | Qt::AlignLeft,
                                                   Qt::AlignBottom | Qt::AlignRight, Qt::AlignBottom | Qt::AlignLeft};
        // A border-aligned inset puts the legend's outer rect against the axis rect's corner.
        Qt::Alignment best = current;
        int bestCovered = -1;
        for (Qt::Alignment corner : corners) {
            const int x = (corner & Qt::AlignLeft) ? area.left() : area.right() + 1 - size.width();
            const int y = (corner & Qt::AlignTop) ? area.top() : area.bottom() + 1 - size.height();
            // A few pixels around the box: a marker or a line just outside its border still
            // reads as touching it.
            const QRectF box = QRectF(x, y, size.width(), size.height()).adjusted(-4, -4, 4, 4);
            const int covered = coveredData(plot, rect, box);
            if (bestCovered < 0 || covered < bestCovered || (covered == bestCovered && corner == current)) {
                best = corner;
                bestCovered = covered;
            }
        }
        // Where every corner hides something (a wide legend over a curve that fills the plot),
        // the lines show through it.
        QBrush brush = legend->brush();
        QColor fill = brush.color();
        const int alpha = bestCovered > 0 ? 170 : 255;
        const bool refill = fill.alpha() != alpha && brush.style() != Qt::NoBrush;
        if (refill) {
            fill.setAlpha(alpha);
            brush.setColor(fill);
            legend->setBrush(brush);
        }
        if (best != current)
            rect->insetLayout()->setInsetAlignment(0, best);
        if (best != current || refill)
            plot->replot(QCustomPlot::rpQueuedReplot);
    });
}

} // namespace gsui
