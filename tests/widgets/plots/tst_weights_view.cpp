// WeightsView on real weights: the parity example trained by Keras and hand-made weights with NaN
// and Inf. The heatmaps must hold the weights themselves, non-finite values must be counted and
// shown, and the selected unit must follow the Document both ways (outline ← selectedUnit, click
// → setSelectedUnit).
#include "model/document.h"
#include "model/examples.h"
#include "plots/plot_theme.h"
#include "plots/weights_view.h"

#include "gruscope/config.h"
#include "gruscope/npy.h"

#include "test_support.h"
#include "plot_checks.h"

#include <qcustomplot.h>

#include <QLabel>
#include <QListWidget>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <set>

using namespace gruscope;
using namespace gsui;

namespace {

// The bundled parity example, as the window opens it.
void loadParity(Document& doc, GruWeights* copy = nullptr)
{
    loadExample(doc, QStringLiteral("parity"));
    if (copy)
        *copy = *doc.weights();
}

// A small layer whose every weight is distinct: w = ±(0.01·k + 0.05).
GruWeights madeWeights(const GruConfig& c, int64_t I)
{
    GruWeights w = initializeWeights(c, I, 3);
    int k = 0;
    for (ArrayF* a : {&w.kernel, &w.recurrentKernel, &w.bias})
        for (float& v : a->data) {
            v = float((k % 2 ? -1 : 1) * (0.01 * k + 0.05));
            ++k;
        }
    return w;
}

// Every cell of the colour map equals the tensor (finite cells exactly, NaN as NaN).
void verifyCells(QCPColorMap* map, const ArrayF& a)
{
    QVERIFY(map);
    const int64_t cols = a.shape.back(), rows = a.size() / cols;
    QCOMPARE(map->data()->keySize(), int(cols));
    QCOMPARE(map->data()->valueSize(), int(rows));
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
            const float v = a.data[size_t(r * cols + c)];
            const double cell = map->data()->cell(int(c), int(r));
            if (std::isnan(v))
                QVERIFY2(std::isnan(cell), qPrintable(QStringLiteral("cell %1,%2 should be NaN").arg(c).arg(r)));
            else if (std::isfinite(v))
                QVERIFY2(cell == double(v), qPrintable(QStringLiteral("%1[%2, %3]: cell %4, weight %5")
                                                           .arg(map->name())
                                                           .arg(r)
                                                           .arg(c)
                                                           .arg(cell)
                                                           .arg(double(v))));
        }
}

// Centres (x, y) of the visible outline rectangles on the unit overlay, one per (halo, line) pair.
std::set<std::pair<double, double>> outlineCentres(QCustomPlot* plot, QCPColorMap* map, bool columns)
{
    std::set<std::pair<double, double>> out;
    for (int i = 0; i < plot->itemCount(); ++i) {
        auto* r = qobject_cast<QCPItemRect*>(plot->item(i));
        if (!r || !r->visible() || r->layer()->name() != QLatin1String("unitOverlay") ||
            r->clipAxisRect() != map->keyAxis()->axisRect())
            continue;
        const QPointF a = r->topLeft->coords(), b = r->bottomRight->coords();
        const bool isColumn = std::abs(std::abs(b.x() - a.x()) - 1.0) < 1e-9;
        if (isColumn == columns)
            out.insert({(a.x() + b.x()) / 2, (a.y() + b.y()) / 2});
    }
    return out;
}

double barTotal(QCustomPlot* plot, QCPAxisRect* rect)
{
    double total = 0;
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* b = qobject_cast<QCPBars*>(plot->plottable(i)); b && b->keyAxis()->axisRect() == rect)
            for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it)
                total += it->value;
    return total;
}

int barsIn(QCustomPlot* plot, QCPAxisRect* rect)
{
    int n = 0;
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* b = qobject_cast<QCPBars*>(plot->plottable(i)); b && b->keyAxis()->axisRect() == rect)
            ++n;
    return n;
}

} // namespace

class TstWeightsView : public QObject {
    Q_OBJECT
private slots:
    void heatmapsHoldTheParityWeights()
    {
        Document doc;
        GruWeights w;
        loadParity(doc, &w);
        WeightsView view(&doc);
        const int64_t U = w.units();
        QCOMPARE(U, int64_t(6));
        verifyCells(view.heatmap(QStringLiteral("kernel")), w.kernel);
        verifyCells(view.heatmap(QStringLiteral("recurrent_kernel")), w.recurrentKernel);
        verifyCells(view.heatmap(QStringLiteral("bias")), w.bias);
        QCOMPARE(view.heatmap(QStringLiteral("bias"))->data()->valueSize(), 2); // reset_after: input and recurrent rows

        // One diverging scale, symmetric around 0, reaching the largest |weight|.
        double maxAbs = 0;
        for (const ArrayF* a : {&w.kernel, &w.recurrentKernel, &w.bias})
            for (float v : a->data)
                maxAbs = std::max(maxAbs, double(std::fabs(v)));
        const QCPRange range = view.heatmap(QStringLiteral("kernel"))->dataRange();
        QCOMPARE(range.upper, maxAbs);
        QCOMPARE(range.lower, -maxAbs);

        QCOMPARE(view.nanCount(), 0);
        QCOMPARE(view.infCount(), 0);
        QVERIFY2(view.nonFiniteSummary().contains(QStringLiteral("All %1 weights are finite")
                                                      .arg(w.kernel.size() + w.recurrentKernel.size() + w.bias.size())),
                 qPrintable(view.nonFiniteSummary()));

        // The statistics table: the kernel row carries inspectWeights' numbers.
        auto* table = view.findChild<QTableWidget*>(QStringLiteral("weightStats"));
        QVERIFY(table);
        const Inspection ins = inspectWeights(doc.config(), w, "gru");
        QCOMPARE(table->rowCount(), int(ins.tensors.size() + ins.blocks.size()));
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("kernel"));
        QCOMPARE(table->item(0, 2)->text(), QString::number(ins.tensors[0].min, 'g', 4));
        QCOMPARE(table->item(0, 3)->text(), QString::number(ins.tensors[0].max, 'g', 4));
        QCOMPARE(table->item(1, 0)->text().trimmed(), QStringLiteral("kernel[z]"));

        // Exported tables are the weights.
        const auto data = view.exportData();
        QVERIFY(data.size() >= 3);
        QCOMPARE(data[1].name, QStringLiteral("recurrent_kernel"));
        QCOMPARE(data[1].rows, U);
        QCOMPARE(data[1].columns, 3 * U);
        for (size_t i = 0; i < w.recurrentKernel.data.size(); ++i)
            QCOMPARE(data[1].values[i], double(w.recurrentKernel.data[i]));
        QCOMPARE(data[1].columnNames.value(int(U) + 2), QStringLiteral("r2"));
        for (const ShownData& t : data) {
            QCOMPARE(int64_t(t.values.size()), t.rows * t.columns);
            QCOMPARE(int64_t(t.rowNames.size()), t.rows);
            QCOMPARE(int64_t(t.columnNames.size()), t.columns);
        }
        QCOMPARE(data.back().name, QStringLiteral("weight_stats"));
        QCOMPARE(data.back().rows, int64_t(ins.tensors.size() + ins.blocks.size()));
    }

    void nanAndInfAreCountedAndShown()
    {
        Document doc;
        GruConfig c = doc.config();
        c.units = 3;
        GruWeights w = madeWeights(c, 2);
        const int64_t G = 9;
        w.kernel.data[size_t(0 * G + 1)] = std::nanf("");                         // kernel[0, 1]: z block
        w.recurrentKernel.data[size_t(2 * G + 4)] = std::numeric_limits<float>::infinity(); // R[2, 4]: r block
        w.bias.data[size_t(1 * G + 7)] = std::nanf("");                           // recurrent bias, h block
        const GruWeights copy = w;
        doc.setModel(c, std::move(w), {});
        WeightsView view(&doc);

        QCOMPARE(view.nanCount(), 2);
        QCOMPARE(view.infCount(), 1);
        const QString s = view.nonFiniteSummary();
        QVERIFY2(s.startsWith(QStringLiteral("3 non-finite weights: 2 NaN")), qPrintable(s));
        QVERIFY2(s.contains(QStringLiteral("1 Inf")), qPrintable(s));
        QVERIFY2(s.contains(QStringLiteral("recurrent_kernel: 1 Inf, the first at [2, 4]")), qPrintable(s));
        QVERIFY2(s.contains(QStringLiteral("kernel: 1 NaN, the first at [0, 1]")), qPrintable(s));
        auto* caption = view.findChild<QLabel*>(QStringLiteral("nonFiniteSummary"));
        QVERIFY(caption);
        QCOMPARE(caption->text(), s);

        // NaN cells stay NaN (the gradient's NaN colour); the Inf cell has the scale's end colour
        // and a marker at its place.
        verifyCells(view.heatmap(QStringLiteral("kernel")), copy.kernel);
        verifyCells(view.heatmap(QStringLiteral("bias")), copy.bias);
        QCPColorMap* rmap = view.heatmap(QStringLiteral("recurrent_kernel"));
        QCOMPARE(rmap->data()->cell(4, 2), rmap->dataRange().upper);
        QCOMPARE(rmap->gradient().nanHandling(), QCPColorGradient::nhNanColor);
        QVERIFY(rmap->gradient().nanColor() != rmap->gradient().color(0, QCPRange(-1, 1)));
        QCPGraph* marks = nullptr;
        for (int i = 0; i < view.plot()->graphCount(); ++i)
            if (view.plot()->graph(i)->name() == QLatin1String("recurrent_kernel Inf"))
                marks = view.plot()->graph(i);
        QVERIFY(marks);
        QCOMPARE(marks->dataCount(), 1);
        QCOMPARE(marks->data()->at(0)->key, 4.0);
        QCOMPARE(marks->data()->at(0)->value, 2.0);

        // The statistics table and the diagnostics name them too.
        auto* table = view.findChild<QTableWidget*>(QStringLiteral("weightStats"));
        bool sawKernelNan = false;
        for (int r = 0; r < table->rowCount(); ++r)
            if (table->item(r, 0)->text() == QLatin1String("kernel"))
                sawKernelNan = table->item(r, 7)->text() == QLatin1String("1");
        QVERIFY(sawKernelNan);
        auto* diag = view.findChild<QListWidget*>(QStringLiteral("weightDiagnostics"));
        bool sawInf = false;
        for (int r = 0; r < diag->count(); ++r)
            sawInf |= diag->item(r)->text().contains(QStringLiteral("recurrent_kernel[r]")) &&
                      diag->item(r)->text().contains(QStringLiteral("1 Inf"));
        QVERIFY(sawInf);

        // Fixing the weights clears the report.
        GruWeights fixed = madeWeights(c, 2);
        doc.setWeights(fixed);
        QCOMPARE(view.nanCount(), 0);
        QCOMPARE(view.infCount(), 0);
        QVERIFY(view.nonFiniteSummary().startsWith(QStringLiteral("All 63 weights are finite")));
        verifyCells(view.heatmap(QStringLiteral("recurrent_kernel")), fixed.recurrentKernel);
    }

    void selectedUnitIsOutlined()
    {
        Document doc;
        loadParity(doc);
        WeightsView view(&doc);
        const int U = int(doc.config().units);
        doc.setSelectedUnit(2);
        QCOMPARE(view.highlightedUnit(), 2);
        const std::set<double> expected = {2.0, double(U + 2), double(2 * U + 2)};
        for (const char* t : {"kernel", "recurrent_kernel", "bias"}) {
            QCPColorMap* map = view.heatmap(QString::fromLatin1(t));
            std::set<double> xs;
            for (const auto& [x, y] : outlineCentres(view.plot(), map, true))
                xs.insert(x);
            QCOMPARE(xs, expected);
        }
        // The unit's row of the recurrent kernel: how h_2 feeds every gate.
        std::set<double> rows;
        for (const auto& [x, y] : outlineCentres(view.plot(), view.heatmap(QStringLiteral("recurrent_kernel")), false))
            rows.insert(y);
        QCOMPARE(rows, std::set<double>{2.0});

        doc.setSelectedUnit(5);
        QCOMPARE(view.highlightedUnit(), 5);
        std::set<double> xs;
        for (const auto& [x, y] : outlineCentres(view.plot(), view.heatmap(QStringLiteral("kernel")), true))
            xs.insert(x);
        QCOMPARE(xs, (std::set<double>{5.0, double(U + 5), double(2 * U + 5)}));

        doc.setSelectedUnit(-1);
        QCOMPARE(view.highlightedUnit(), -1);
        QVERIFY(outlineCentres(view.plot(), view.heatmap(QStringLiteral("kernel")), true).empty());
    }

    void showTensorMarksItsHeatmapAndRow()
    {
        // The File panel points at one tensor: its heatmap's title is marked and its statistics
        // row selected; another tensor moves both; a new model clears it.
        Document doc;
        loadParity(doc);
        WeightsView view(&doc);
        auto title = [&](const char* t) {
            return view.heatmap(QString::fromLatin1(t))->keyAxis()->axisRect()->axis(QCPAxis::atTop)->label();
        };
        auto* table = view.findChild<QTableWidget*>(QStringLiteral("weightStats"));
        QVERIFY(table);
        QCOMPARE(view.shownTensor(), QString());
        QVERIFY(!title("kernel").startsWith(QStringLiteral("▶")));
        view.showTensor(QStringLiteral("recurrent_kernel"));
        QCOMPARE(view.shownTensor(), QStringLiteral("recurrent_kernel"));
        QVERIFY(title("recurrent_kernel").startsWith(QStringLiteral("▶ ")));
        QVERIFY(!title("kernel").startsWith(QStringLiteral("▶")));
        QVERIFY(!table->selectedItems().isEmpty());
        QCOMPARE(table->item(table->selectedItems().first()->row(), 0)->text(), QStringLiteral("recurrent_kernel"));
        view.showTensor(QStringLiteral("kernel"));
        QVERIFY(title("kernel").startsWith(QStringLiteral("▶ ")));
        QVERIFY(!title("recurrent_kernel").startsWith(QStringLiteral("▶")));
        QCOMPARE(table->item(table->selectedItems().first()->row(), 0)->text(), QStringLiteral("kernel"));
        loadParity(doc);
        QCOMPARE(view.shownTensor(), QString());
    }

    void clickingAColumnSelectsItsUnit()
    {
        Document doc;
        loadParity(doc);
        WeightsView view(&doc);
        view.resize(1100, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.plot()->replot(); // lays out the axis rects so that coordinates map to pixels
        const int U = int(doc.config().units);

        auto clickCell = [&](const char* tensor, double col, double row) {
            QCPColorMap* map = view.heatmap(QString::fromLatin1(tensor));
            const QPoint at(int(map->keyAxis()->coordToPixel(col)), int(map->valueAxis()->coordToPixel(row)));
            QTest::mouseClick(view.plot(), Qt::LeftButton, {}, at);
        };
        QSignalSpy picked(&view, &WeightsView::cellPicked);
        auto lastPick = [&] {
            const QList<QVariant> a = picked.last();
            return QStringLiteral("%1[%2, %3]").arg(a.at(0).toString()).arg(a.at(1).toInt()).arg(a.at(2).toInt());
        };
        doc.setSelectedUnit(0);
        clickCell("recurrent_kernel", U + 4, 1); // r_4
        QCOMPARE(doc.selectedUnit(), 4);
        QCOMPARE(lastPick(), QStringLiteral("recurrent_kernel[1, %1]").arg(U + 4));
        QCOMPARE(view.highlightedUnit(), 4);
        clickCell("kernel", 2 * U + 1, 0); // h~_1
        QCOMPARE(doc.selectedUnit(), 1);
        QCOMPARE(lastPick(), QStringLiteral("kernel[0, %1]").arg(2 * U + 1));
        clickCell("bias", 3, 1); // z_3, recurrent bias row
        QCOMPARE(doc.selectedUnit(), 3);
        QCOMPARE(lastPick(), QStringLiteral("bias[1, 3]"));
        QCOMPARE(picked.count(), 3);
        QCOMPARE(view.highlightedUnit(), 3);
        // Hovering names the weight, its gate and unit, and its value.
        {
            QCPColorMap* map = view.heatmap(QStringLiteral("recurrent_kernel"));
            const QPoint at(int(map->keyAxis()->coordToPixel(U + 4)), int(map->valueAxis()->coordToPixel(1)));
            QTest::mouseMove(view.plot(), at);
            QTRY_VERIFY2(QToolTip::text().startsWith(QStringLiteral("recurrent_kernel[1, %1]").arg(U + 4)),
                         qPrintable(QToolTip::text()));
            QVERIFY(QToolTip::text().contains(QStringLiteral("gate r of unit 4")));
            QVERIFY(QToolTip::text().contains(
                QString::number(double(doc.weights()->recurrentKernel.data[size_t(1 * 3 * U + U + 4)]), 'g', 7)));
        }
        // A click beside the heatmaps changes nothing.
        QTest::mouseClick(view.plot(), Qt::LeftButton, {}, QPoint(2, 2));
        QCOMPARE(doc.selectedUnit(), 3);
        QCOMPARE(picked.count(), 3);

        // Drawn with everything shown: the clicked cells have their weights' colours.
        gstest::verifyCellDrawn(view, view.plot(), view.heatmap(QStringLiteral("recurrent_kernel")), U + 4, 1);
        gstest::verifyCellDrawn(view, view.plot(), view.heatmap(QStringLiteral("kernel")), 2 * U + 1, 0);
    }

    void biasVariantsRender()
    {
        // reset_after=False: one bias row (3U,).
        Document doc;
        GruConfig c = doc.config();
        c.units = 4;
        c.reset_after = false;
        GruWeights w = madeWeights(c, 3);
        QCOMPARE(w.bias.shape, (Shape{12}));
        const GruWeights copy = w;
        doc.setModel(c, std::move(w), {});
        WeightsView view(&doc);
        view.resize(900, 700);
        view.show();
        verifyCells(view.heatmap(QStringLiteral("bias")), copy.bias);
        QCOMPARE(view.heatmap(QStringLiteral("bias"))->data()->valueSize(), 1);
        verifyCells(view.heatmap(QStringLiteral("kernel")), copy.kernel);
        // One bias row, drawn: its first and last cells (the most negative and positive weights).
        gstest::verifyCellDrawn(view, view.plot(), view.heatmap(QStringLiteral("bias")), 0, 0);
        gstest::verifyCellDrawn(view, view.plot(), view.heatmap(QStringLiteral("bias")), 11, 0);
        doc.setSelectedUnit(1);
        std::set<double> xs;
        for (const auto& [x, y] : outlineCentres(view.plot(), view.heatmap(QStringLiteral("bias")), true))
            xs.insert(x);
        QCOMPARE(xs, (std::set<double>{1.0, 5.0, 9.0}));

        // use_bias=False: no bias heatmap, no bias histogram, the rest still drawn.
        GruConfig nb = c;
        nb.use_bias = false;
        GruWeights wn = madeWeights(nb, 3);
        QVERIFY(wn.bias.data.empty());
        const GruWeights copyN = wn;
        doc.setModel(nb, std::move(wn), {});
        QCOMPARE(view.heatmap(QStringLiteral("bias")), nullptr);
        verifyCells(view.heatmap(QStringLiteral("kernel")), copyN.kernel);
        verifyCells(view.heatmap(QStringLiteral("recurrent_kernel")), copyN.recurrentKernel);
        gstest::verifyCellDrawn(view, view.plot(), view.heatmap(QStringLiteral("recurrent_kernel")), 7, 2);
        for (const auto& t : view.exportData())
            QVERIFY(t.name != QLatin1String("bias"));
        QCOMPARE(view.plot()->axisRects().size(), 4); // 2 heatmaps + 2 histograms

        // The argument panel switching reset_after converts the bias; the view follows.
        GruConfig back = nb;
        back.use_bias = true;
        back.reset_after = true;
        doc.setConfig(back);
        QVERIFY(view.heatmap(QStringLiteral("bias")));
        QCOMPARE(view.heatmap(QStringLiteral("bias"))->data()->valueSize(), 2);
        verifyCells(view.heatmap(QStringLiteral("bias")), doc.weights()->bias);
    }

    void invalidArgumentsKeepTheWeightsShown()
    {
        Document doc;
        GruWeights w;
        loadParity(doc, &w);
        WeightsView view(&doc);
        GruConfig bad = doc.config();
        bad.units = 0; // invalid: the Document keeps the weights and marks the argument
        doc.setConfig(bad);
        QVERIFY(!doc.configValid());
        verifyCells(view.heatmap(QStringLiteral("recurrent_kernel")), w.recurrentKernel);
        auto* diag = view.findChild<QListWidget*>(QStringLiteral("weightDiagnostics"));
        QVERIFY(diag->count() > 0);
        view.resize(1000, 750);
        view.show();
        gstest::verifyCellDrawn(view, view.plot(), view.heatmap(QStringLiteral("recurrent_kernel")), 3, 4);
    }

    void histogramsCountTheFiniteWeights()
    {
        Document doc;
        GruConfig c = doc.config();
        c.units = 5;
        GruWeights w = madeWeights(c, 2);
        w.kernel.data[3] = std::nanf("");
        doc.setModel(c, std::move(w), {});
        WeightsView view(&doc);
        const auto rects = view.plot()->axisRects();
        QCOMPARE(rects.size(), 6); // 3 heatmaps, 3 histograms
        // Stacked by gate: three bars per histogram adding up to the finite count.
        QVERIFY(view.histogramsByGate());
        QCOMPARE(barsIn(view.plot(), rects[3]), 3);
        QVERIFY(view.plot()->legend);
        QCOMPARE(view.plot()->legend->itemCount(), 3); // z, r, h~ once, not per histogram
        QCOMPARE(barTotal(view.plot(), rects[3]), 2.0 * 15 - 1); // kernel: one NaN left out
        QCOMPARE(barTotal(view.plot(), rects[4]), 5.0 * 15);
        QCOMPARE(barTotal(view.plot(), rects[5]), 2.0 * 15);
        view.setHistogramsByGate(false);
        const auto rects2 = view.plot()->axisRects();
        QCOMPARE(barsIn(view.plot(), rects2[3]), 1);
        QCOMPARE(barTotal(view.plot(), rects2[3]), 2.0 * 15 - 1);
        QCOMPARE(barTotal(view.plot(), rects2[4]), 5.0 * 15);
    }

    void darkPaletteRenders()
    {
        Document doc;
        loadParity(doc);
        WeightsView view(&doc);
        view.resize(1000, 750);
        const QPalette dark = gsui::darkPalette();
        view.setPalette(dark);
        QCOMPARE(view.plot()->axisRects().first()->axis(QCPAxis::atLeft)->tickLabelColor(), dark.color(QPalette::Text));
        QCOMPARE(view.plot()->axisRects().first()->backgroundBrush().color(), dark.color(QPalette::Base));
        view.show();
        // Drawn dark: the plot's margin has the dark base colour, and the weights keep their scale.
        view.plot()->replot();
        const QImage img = view.grab().toImage();
        const QPoint corner = view.plot()->mapTo(&view, QPoint(2, 2)) * img.devicePixelRatio();
        QCOMPARE(img.pixelColor(corner), dark.color(QPalette::Base));
        gstest::verifyCellDrawn(view, view.plot(), view.heatmap(QStringLiteral("kernel")), 5, 0);
    }
};

QTEST_MAIN(TstWeightsView)
#include "tst_weights_view.moc"
