// keepLegendOffTheData: a plot's legend goes to the corner where it hides no point and no line,
// follows the data when it moves, stays put when every corner is as good, and leaves a plot alone
// whose legend is hidden.
#include "plots/legend_placement.h"

#include "test_support.h"

#include <qcustomplot.h>

#include <QTest>

using namespace gsui;

namespace {

struct Plot {
    QCustomPlot plot;
    QCPGraph* graph = nullptr;
    bool exposed = false;
    Plot()
    {
        plot.resize(500, 260);
        plot.show(); // a hidden widget gets its size (QCustomPlot's viewport) only when shown
        exposed = QTest::qWaitForWindowExposed(&plot);
        plot.legend->setVisible(true);
        plot.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
        keepLegendOffTheData(&plot, plot.axisRect(), plot.legend);
        graph = plot.addGraph();
        graph->setName(QStringLiteral("unit 0"));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
        plot.xAxis->setRange(-0.5, 20.5);
        plot.yAxis->setRange(-1.1, 1.1);
    }
    // Two replots: the first lays out and picks a corner, the second places the legend there.
    Qt::Alignment settle(const QVector<double>& values)
    {
        if (!exposed)
            qFatal("the test plot was never shown, so it has no size");
        QVector<double> keys(values.size());
        for (int i = 0; i < keys.size(); ++i)
            keys[i] = i;
        graph->setData(keys, values, true);
        plot.replot();
        plot.replot();
        return plot.axisRect()->insetLayout()->insetAlignment(0);
    }
    // Whether any drawn point or segment between points lies inside the legend's box.
    bool legendHidesData() const
    {
        const QRectF box = QRectF(plot.legend->outerRect());
        QPointF previous;
        for (int i = 0; i < graph->data()->size(); ++i) {
            const auto it = graph->data()->at(i);
            const QPointF p(plot.xAxis->coordToPixel(it->key), plot.yAxis->coordToPixel(it->value));
            if (box.contains(p))
                return true;
            if (i > 0)
                for (double f = 0; f <= 1.0; f += 0.02)
                    if (box.contains(previous + f * (p - previous)))
                        return true;
            previous = p;
        }
        return false;
    }
};

} // namespace

class TstLegendPlacement : public QObject {
    Q_OBJECT
private slots:
    void legendLeavesTheDataAlone()
    {
        Plot p;
        // A line along the top: both bottom corners are free, the right one comes first.
        QVector<double> v(21, 0.9);
        QCOMPARE(p.settle(v), Qt::AlignBottom | Qt::AlignRight);
        QVERIFY(!p.legendHidesData());

        // A line along the bottom: back to the top right.
        v.fill(-0.95);
        QCOMPARE(p.settle(v), Qt::AlignTop | Qt::AlignRight);
        QVERIFY(!p.legendHidesData());

        // A rise through the top left's edge only (the case a point-only count missed), high
        // elsewhere: the bottom left is the one free corner.
        for (int i = 0; i < 21; ++i)
            v[i] = i < 3 ? -0.3 : 0.8;
        v[20] = -0.9;
        v[19] = -0.9;
        QCOMPARE(p.settle(v), Qt::AlignBottom | Qt::AlignLeft);
        QVERIFY(!p.legendHidesData());
    }

    // A zigzag through every corner: the legend cannot avoid the line, so the line shows through
    // it; once a corner is free again the legend is opaque.
    void crowdedPlotsGetATranslucentLegend()
    {
        Plot p;
        QVector<double> zigzag(21);
        for (int i = 0; i < 21; ++i)
            zigzag[i] = i % 2 ? 1.0 : -1.0;
        p.settle(zigzag);
        QVERIFY2(p.plot.legend->brush().color().alpha() < 255, "a legend over the data must let it show through");
        QVector<double> flat(21, 0.0);
        p.settle(flat);
        QCOMPARE(p.plot.legend->brush().color().alpha(), 255);
        QVERIFY(!p.legendHidesData());
    }

    void tiesKeepTheCurrentCorner()
    {
        Plot p;
        p.plot.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
        QVector<double> flat(21, 0.0); // through the middle: every corner is free
        QCOMPARE(p.settle(flat), Qt::AlignTop | Qt::AlignLeft);
    }

    void hiddenLegendIsLeftAlone()
    {
        Plot p;
        p.plot.legend->setVisible(false);
        QVector<double> v(21, 0.9); // along the top
        QCOMPARE(p.settle(v), Qt::AlignTop | Qt::AlignRight);
    }
};

QTEST_MAIN(TstLegendPlacement)
#include "tst_legend_placement.moc"
