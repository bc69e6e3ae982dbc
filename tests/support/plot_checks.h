// Checks on what a QCustomPlot draws, for the widget and window tests (they link QCustomPlot;
// the shared test library does not).
#pragma once

#include <qcustomplot.h>

#include <QTest>
#include <QWidget>

#include <algorithm>
#include <cstdlib>

namespace gstest {

// What the screen shows at cell (column, row) of `map` must be the colour its gradient gives that
// cell's value: the heatmap is not only filled but drawn, on the scale shown.
inline void verifyCellDrawn(QWidget& view, QCustomPlot* plot, QCPColorMap* map, int column, int row)
{
    QVERIFY(map);
    plot->replot();
    const QImage img = view.grab().toImage();
    const QPoint inPlot(int(map->keyAxis()->coordToPixel(column)), int(map->valueAxis()->coordToPixel(row)));
    const QPoint at = plot->mapTo(&view, inPlot) * img.devicePixelRatio();
    QVERIFY2(img.rect().contains(at), qPrintable(QStringLiteral("cell %1,%2 is off the image").arg(column).arg(row)));
    const QColor got = img.pixelColor(at);
    const QColor want = QColor::fromRgb(map->gradient().color(map->data()->cell(column, row), map->dataRange()));
    const int off = std::max({std::abs(got.red() - want.red()), std::abs(got.green() - want.green()),
                              std::abs(got.blue() - want.blue())});
    QVERIFY2(off <= 2, qPrintable(QStringLiteral("%1[%2, %3]: drawn %4, the scale says %5")
                                      .arg(map->name())
                                      .arg(row)
                                      .arg(column)
                                      .arg(got.name(), want.name())));
}

} // namespace gstest
