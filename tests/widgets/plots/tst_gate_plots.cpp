// The gate plots on real runs: the heatmaps hold the trace of the selected sample, stepping moves
// the cursor (and never refills the maps), a click on a cell selects that unit and step, Ctrl+click
// toggles the unit in the line plot, the time axes move together, masked steps and untraced
// samples are shown; the unit lines follow the unit picker; the bars show the current step.
#include "model/document.h"
#include "model/examples.h"
#include "model/run_controller.h"
#include "plots/gate_heatmaps.h"
#include "plots/step_bars_plot.h"
#include "plots/unit_lines_plot.h"

#include "gruscope/config.h"
#include "gruscope/input_files.h"
#include "gruscope/npy.h"
#include "gruscope/weights.h"

#include "test_support.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QLineEdit>
#include <QTest>

#include <random>

using namespace gsui;
using namespace gruscope;

namespace {

void loadRandom(Document& doc, GruConfig config, int64_t B, int64_t T, int64_t I, uint64_t seed, float scale)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    GruWeights w = initializeWeights(config, I, seed);
    doc.setModel(config, std::move(w), ModelOrigin{});
    ArrayF x(Shape{B, T, I});
    for (float& v : x.data)
        v = scale * d(rng);
    doc.setInput(std::move(x));
}

// The window's plots side by side at a realistic size, laid out and drawn.
struct Views {
    explicit Views(Document* doc) : heat(doc), lines(doc), bars(doc)
    {
        heat.resize(700, 640);
        lines.resize(600, 300);
        bars.resize(500, 360);
        heat.show();
        lines.show();
        bars.show();
    }
    void draw()
    {
        heat.plot()->replot();
        lines.plot()->replot();
        bars.plot()->replot();
    }
    GateHeatmaps heat;
    UnitLinesPlot lines;
    StepBarsPlot bars;
};

} // namespace

class TstGatePlots : public QObject {
    Q_OBJECT

private slots:
    void heatmapsHoldTheTrace()
    {
        Document doc;
        RunController controller(&doc);
        Views v(&doc);
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        QVERIFY2(doc.lastError().isEmpty(), qPrintable(doc.lastError()));
        doc.setSelectedSample(1);
        const auto out = doc.result();
        const int slot = out->traceSlot(1);
        QVERIFY(slot >= 0);
        QVERIFY(v.heat.message().isEmpty());
        const Trace& tr = out->result.trace;
        const ArrayF* arrays[] = {&tr.z, &tr.r, &tr.hh, &tr.h};
        for (int p = 0; p < GateHeatmaps::kPanels; ++p) {
            QCPColorMapData* d = v.heat.colorMap(p)->data();
            QCOMPARE(d->keySize(), 100);
            QCOMPARE(d->valueSize(), 8);
            for (int s : {0, 13, 99})
                for (int u : {0, 4, 7})
                    QCOMPARE(d->cell(s, u), double(out->traced(*arrays[p], slot, s, u)));
        }
        // Fixed colour ranges for the default activations.
        QCOMPARE(v.heat.colorMap(0)->dataRange(), QCPRange(0, 1));
        QCOMPARE(v.heat.colorMap(1)->dataRange(), QCPRange(0, 1));
        QCOMPARE(v.heat.colorMap(2)->dataRange(), QCPRange(-1, 1));
        QCOMPARE(v.heat.colorMap(3)->dataRange(), QCPRange(-1, 1));
        QVERIFY(v.heat.titleText().contains(QStringLiteral("sample 1")));
        // Export: one units × steps table per panel, the same numbers.
        const auto tables = v.heat.exportData();
        QCOMPARE(tables.size(), size_t(4));
        QCOMPARE(tables[2].name, QStringLiteral("hh_sample1"));
        QCOMPARE(tables[2].rows, int64_t(8));
        QCOMPARE(tables[2].columns, int64_t(100));
        QCOMPARE(tables[2].values[size_t(5 * 100 + 42)], double(out->traced(tr.hh, slot, 42, 5)));
    }

    // In a short view (a small window with a lesson open) each panel is a few lines high: its
    // rotated labels must fit its height and its unit numbers must not run into each other; a
    // tall view keeps the long labels.
    void shortPanelsKeepLabelsAndTicksApart()
    {
        Document doc;
        RunController controller(&doc);
        Views v(&doc);
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        auto scaleAxis = [&](int p) {
            auto* layout = v.heat.plot()->plotLayout();
            auto* scale = qobject_cast<QCPColorScale*>(layout->elementAt(layout->rowColToIndex(p + 1, 1)));
            return scale ? scale->axis() : nullptr;
        };
        for (int height : {300, 900}) {
            v.heat.resize(700, height);
            v.heat.plot()->replot(); // lays out, then fits the labels to the heights
            v.heat.plot()->replot();
            for (int p = 0; p < GateHeatmaps::kPanels; ++p) {
                QCPAxisRect* rect = v.heat.panelRect(p);
                QCPAxis* y = rect->axis(QCPAxis::atLeft);
                QCPAxis* right = scaleAxis(p);
                QVERIFY(right);
                const QString where = QStringLiteral("panel %1, %2 px high in a %3 px view").arg(p).arg(rect->height()).arg(height);
                QVERIFY2(QFontMetrics(y->labelFont()).horizontalAdvance(y->label()) <= rect->height(),
                         qPrintable(where + QStringLiteral(": left label ") + y->label()));
                QVERIFY2(QFontMetrics(right->labelFont()).horizontalAdvance(right->label()) <= rect->height(),
                         qPrintable(where + QStringLiteral(": right label ") + right->label()));
                QVERIFY2(!y->label().isEmpty(), qPrintable(where)); // the panel still says which gate it is
                const QVector<double> ticks = y->tickVector();
                QVERIFY2(!ticks.isEmpty(), qPrintable(where));
                const int lineHeight = QFontMetrics(y->tickLabelFont()).height();
                for (int k = 1; k < ticks.size(); ++k)
                    QVERIFY2(std::abs(y->coordToPixel(ticks[k]) - y->coordToPixel(ticks[k - 1])) >= lineHeight,
                             qPrintable(where + QStringLiteral(": unit ticks %1 and %2 overlap").arg(ticks[k - 1]).arg(ticks[k])));
                if (height == 900) {
                    QVERIFY2(y->label().endsWith(QStringLiteral("· unit")), qPrintable(where + y->label()));
                    QVERIFY2(!right->label().isEmpty(), qPrintable(where));
                }
            }
            if (height == 300)
                QVERIFY2(scaleAxis(0)->label().isEmpty(),
                         "a 300 px view should be short enough to need the compact labels");
            // Every colour scale names both ends of its range, however short: with one tick
            // the signed scales of h~ and h showed a lone "0".
            for (int p = 0; p < GateHeatmaps::kPanels; ++p) {
                QCPAxis* right = scaleAxis(p);
                const QString where = QStringLiteral("scale %1 in a %2 px view").arg(p).arg(height);
                const QVector<double> ticks = right->tickVector();
                QVERIFY2(ticks.contains(right->range().lower) && ticks.contains(right->range().upper),
                         qPrintable(where + QStringLiteral(": ticks do not reach both ends")));
                const QStringList labels = right->tickVectorLabels().toList();
                QVERIFY2(labels.contains(p < 2 ? QStringLiteral("0") : QStringLiteral("-1")) && labels.contains(QStringLiteral("1")),
                         qPrintable(where + QStringLiteral(": ") + labels.join(QStringLiteral(", "))));
            }
        }
    }

    void steppingMovesTheCursorOnly()
    {
        Document doc;
        RunController controller(&doc);
        Views v(&doc);
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        v.draw();
        QCOMPARE(v.heat.cursorKey(), 0.0);
        const int refills = v.heat.refillCount();
        for (int s : {17, 18, 63, 99, 0}) {
            doc.setCurrentStep(s);
            QCOMPARE(v.heat.cursorKey(), double(s));
            QCOMPARE(v.lines.cursorKey(), double(s));
            QCOMPARE(v.bars.shownStep(), s);
        }
        // Stepping never refills the colour maps: only a new result or sample does.
        QCOMPARE(v.heat.refillCount(), refills);
        doc.setSelectedSample(2);
        QCOMPARE(v.heat.refillCount(), refills + 1);
        // The cursor is drawn at the step: its pixel is the cell centre's.
        doc.setCurrentStep(40);
        v.draw();
        auto* x = v.heat.panelRect(3)->axis(QCPAxis::atBottom);
        QCOMPARE(x->coordToPixel(v.heat.cursorKey()), x->coordToPixel(40));
        // The cursor items live on the buffered layer, above the maps.
        QCPLayer* layer = v.heat.plot()->layer(QStringLiteral("cursor"));
        QVERIFY(layer);
        QCOMPARE(layer->mode(), QCPLayer::lmBuffered);
        QVERIFY(layer->index() > v.heat.plot()->layer(QStringLiteral("main"))->index());
    }

    void clickSelectsUnitAndStep()
    {
        Document doc;
        RunController controller(&doc);
        Views v(&doc);
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        v.draw();
        doc.setSelectedUnit(0);
        // A click in the h~ panel on unit 5 at step 30.
        QPoint at = v.heat.cellCenter(2, 30, 5);
        QVERIFY(v.heat.panelRect(2)->rect().contains(at));
        QTest::mouseClick(v.heat.plot(), Qt::LeftButton, Qt::NoModifier, at);
        QCOMPARE(doc.selectedUnit(), 5);
        QCOMPARE(doc.currentStep(), 30);
        QCOMPARE(v.heat.cursorKey(), 30.0);
        QCOMPARE(v.bars.highlightedUnit(), 5);
        // Every row of the z panel maps to its unit.
        for (int u = 0; u < 8; ++u) {
            QTest::mouseClick(v.heat.plot(), Qt::LeftButton, Qt::NoModifier, v.heat.cellCenter(0, 70, u));
            QCOMPARE(doc.selectedUnit(), u);
        }
        // Ctrl+click adds the unit to the line plot (keeping the selected one), again removes it.
        doc.setSelectedUnit(5);
        QVERIFY(doc.plottedUnits().isEmpty());
        QTest::mouseClick(v.heat.plot(), Qt::LeftButton, Qt::ControlModifier, v.heat.cellCenter(3, 10, 2));
        QCOMPARE(doc.plottedUnits(), (QList<int>{5, 2}));
        QCOMPARE(doc.selectedUnit(), 5);
        QCOMPARE(v.lines.shownUnits(), (QList<int>{5, 2}));
        QCOMPARE(v.lines.plot()->graphCount(), 2);
        QTest::mouseClick(v.heat.plot(), Qt::LeftButton, Qt::ControlModifier, v.heat.cellCenter(1, 10, 2));
        QCOMPARE(doc.plottedUnits(), (QList<int>{5}));
        // A click outside the maps (on a colour scale) changes nothing.
        const QPoint scale = v.heat.plot()->plotLayout()->elementAt(v.heat.plot()->plotLayout()->rowColToIndex(1, 1))
                                 ->rect()
                                 .center();
        QTest::mouseClick(v.heat.plot(), Qt::LeftButton, Qt::NoModifier, scale);
        QCOMPARE(doc.selectedUnit(), 5);
    }

    void timeAxesMoveTogether()
    {
        Document doc;
        RunController controller(&doc);
        Views v(&doc);
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        for (int p = 0; p < 4; ++p)
            QCOMPARE(v.heat.panelRect(p)->axis(QCPAxis::atBottom)->range(), QCPRange(-0.5, 99.5));
        v.heat.panelRect(1)->axis(QCPAxis::atBottom)->setRange(20, 40);
        for (int p = 0; p < 4; ++p)
            QCOMPARE(v.heat.panelRect(p)->axis(QCPAxis::atBottom)->range(), QCPRange(20, 40));
        // Kept inside the run.
        v.heat.panelRect(0)->axis(QCPAxis::atBottom)->setRange(90, 110);
        QCOMPARE(v.heat.panelRect(3)->axis(QCPAxis::atBottom)->range(), QCPRange(79.5, 99.5));
    }

    void maskedStepsAndWideActivations()
    {
        Document doc;
        RunController controller(&doc);
        Views v(&doc);
        loadExample(doc, QStringLiteral("masked_sum"));
        QVERIFY(controller.waitForIdle());
        doc.setSelectedSample(3); // keeps 3 of 12 steps
        QVERIFY(v.heat.titleText().contains(QStringLiteral("hatched: masked steps")));
        doc.setSelectedSample(0); // keeps every step
        QVERIFY(!v.heat.titleText().contains(QStringLiteral("hatched")));
        doc.setSelectedSample(3);
        doc.setCurrentStep(6);
        QVERIFY(v.bars.titleText().contains(QStringLiteral("masked step")));
        doc.setCurrentStep(1);
        QVERIFY(!v.bars.titleText().contains(QStringLiteral("masked step")));

        // relu candidates leave [−1, 1]: the h~ scale widens to the data, symmetric around 0.
        GruConfig c;
        c.units = 6;
        c.activation = "relu";
        loadRandom(doc, c, 1, 30, 3, 4, 6.0f);
        QVERIFY(controller.waitForIdle());
        QVERIFY2(doc.lastError().isEmpty(), qPrintable(doc.lastError()));
        const auto out = doc.result();
        double maxHh = 0;
        for (float f : out->result.trace.hh.data)
            maxHh = std::max(maxHh, double(f));
        QVERIFY2(maxHh > 1.0, "the test needs candidates above 1");
        const QCPRange r = v.heat.colorMap(2)->dataRange();
        QCOMPARE(r.upper, maxHh);
        QCOMPARE(r.lower, -maxHh);
        QCOMPARE(v.heat.colorMap(0)->dataRange(), QCPRange(0, 1)); // sigmoid gates stay put
    }

    void untracedSampleIsSaid()
    {
        Document doc;
        Views v(&doc);
        GruConfig c;
        c.units = 4;
        loadRandom(doc, c, 3, 10, 2, 8, 1.0f);
        RunRequest rq = makeRunRequest(doc);
        rq.traceSamples = {0};
        rq.generation = 1;
        doc.publishResult(executeRun(rq, nullptr));
        QVERIFY(v.heat.message().isEmpty());
        doc.setSelectedSample(2);
        QVERIFY(v.heat.message().contains(QStringLiteral("not traced")));
        QVERIFY(v.heat.titleText().contains(QStringLiteral("not traced")));
        QVERIFY(std::isnan(v.heat.colorMap(0)->data()->cell(3, 1)));
        QCOMPARE(v.heat.cursorKey(), -1.0);
        QVERIFY(v.heat.exportData().empty());
        QVERIFY(v.bars.titleText().contains(QStringLiteral("not traced")));
        QCOMPARE(v.bars.shownStep(), -1);
        // A click there selects nothing.
        v.draw();
        const int unit = doc.selectedUnit();
        QTest::mouseClick(v.heat.plot(), Qt::LeftButton, Qt::NoModifier, v.heat.panelRect(0)->rect().center());
        QCOMPARE(doc.selectedUnit(), unit);
        doc.setSelectedSample(0);
        QVERIFY(v.heat.message().isEmpty());
    }

    void unitLinesFollowThePicker()
    {
        Document doc;
        RunController controller(&doc);
        Views v(&doc);
        loadExample(doc, QStringLiteral("parity"));
        QVERIFY(controller.waitForIdle());
        const auto out = doc.result();
        const Trace& tr = out->result.trace;
        doc.setSelectedUnit(4);
        // Nothing listed: the selected unit's h.
        QCOMPARE(v.lines.shownUnits(), QList<int>{4});
        QCOMPARE(v.lines.plot()->graphCount(), 1);
        const auto* g = v.lines.plot()->graph(0);
        QCOMPARE(g->dataCount(), 30);
        QCOMPARE(g->data()->at(11)->value, double(out->traced(tr.h, 0, 11, 4)));

        v.lines.unitEdit()->setText(QStringLiteral("0, 2-3"));
        emit v.lines.unitEdit()->editingFinished();
        QCOMPARE(doc.plottedUnits(), (QList<int>{0, 2, 3}));
        QCOMPARE(v.lines.plot()->graphCount(), 3);
        QCOMPARE(v.lines.unitEdit()->text(), QStringLiteral("0, 2, 3"));
        v.lines.setQuantity(UnitLinesPlot::Quantity::Z);
        QCOMPARE(v.lines.plot()->graph(1)->data()->at(7)->value, double(out->traced(tr.z, 0, 7, 2)));
        QCOMPARE(v.lines.plot()->graph(1)->name(), QStringLiteral("unit 2"));

        // Bad text: a message, the list stays.
        v.lines.unitEdit()->setText(QStringLiteral("1, 9"));
        emit v.lines.unitEdit()->editingFinished();
        QCOMPARE(doc.plottedUnits(), (QList<int>{0, 2, 3}));
        QString error;
        QVERIFY(!UnitLinesPlot::parseUnitList(QStringLiteral("1, 9"), 6, &error));
        QVERIFY(error.contains(QStringLiteral("0–5")));
        QVERIFY(!UnitLinesPlot::parseUnitList(QStringLiteral("two"), 6, &error));
        QCOMPARE(*UnitLinesPlot::parseUnitList(QStringLiteral("5 - 3; 0"), 6, &error), (QList<int>{3, 4, 5, 0}));
        QCOMPARE(*UnitLinesPlot::parseUnitList(QString(), 6, &error), QList<int>{});

        // All four quantities of one unit.
        doc.setSelectedUnit(2);
        v.lines.setQuantity(UnitLinesPlot::Quantity::AllOfOneUnit);
        QCOMPARE(v.lines.plot()->graphCount(), 4);
        QCOMPARE(v.lines.plot()->graph(2)->data()->at(5)->value, double(out->traced(tr.hh, 0, 5, 2)));
        QCOMPARE(v.lines.plot()->graph(3)->data()->at(5)->value, double(out->traced(tr.h, 0, 5, 2)));
        const auto table = v.lines.exportData();
        QCOMPARE(table.size(), size_t(1));
        QCOMPARE(table[0].columns, int64_t(4));
        QCOMPARE(table[0].rows, int64_t(30));

        // A click in the plot moves the step.
        v.draw();
        const QPoint at(int(v.lines.plot()->xAxis->coordToPixel(12)), v.lines.plot()->axisRect()->rect().center().y());
        QTest::mouseClick(v.lines.plot(), Qt::LeftButton, Qt::NoModifier, at);
        QCOMPARE(doc.currentStep(), 12);
    }

    void barsShowTheCurrentStep()
    {
        Document doc;
        RunController controller(&doc);
        Views v(&doc);
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        const auto out = doc.result();
        const Trace& tr = out->result.trace;
        const ArrayF* arrays[] = {&tr.z, &tr.r, &tr.hh, &tr.h};
        doc.setSelectedUnit(6);
        for (int s : {0, 25, 99}) {
            doc.setCurrentStep(s);
            QCOMPARE(v.bars.shownStep(), s);
            for (int p = 0; p < StepBarsPlot::kPanels; ++p) {
                const auto values = v.bars.shownValues(p);
                QCOMPARE(values.size(), size_t(8));
                for (int u = 0; u < 8; ++u)
                    QCOMPARE(values[size_t(u)], double(out->traced(*arrays[p], 0, s, u)));
            }
            QVERIFY(v.bars.titleText().contains(QStringLiteral("step %1").arg(s)));
            QVERIFY(v.bars.titleText().contains(QString::number(out->traced(tr.z, 0, s, 6), 'f', 4)));
        }
        QCOMPARE(v.bars.highlightedUnit(), 6);
        // At 500 px the step and the unit's values fit on one line; in a narrow dock the values go
        // on a second line rather than being clipped at both ends of the centred title.
        QVERIFY2(!v.bars.titleText().contains(QLatin1Char('\n')), qPrintable(v.bars.titleText()));
        v.bars.resize(260, 360);
        QVERIFY2(v.bars.titleText().startsWith(QStringLiteral("step 99 (t = 99)\nunit 6: z ")), qPrintable(v.bars.titleText()));
        v.bars.resize(500, 360);
        QVERIFY2(!v.bars.titleText().contains(QLatin1Char('\n')), qPrintable(v.bars.titleText()));
        // Short panels keep one tick interval (no labels piled up); tall ones get two.
        auto tickCount = [&](int p) { return v.bars.panelRect(p)->axis(QCPAxis::atLeft)->ticker()->tickCount(); };
        for (auto [height, want] : {std::pair{230, 1}, std::pair{900, 2}}) {
            v.bars.resize(500, height);
            v.bars.plot()->replot();
            for (int p = 0; p < StepBarsPlot::kPanels; ++p)
                QVERIFY2(tickCount(p) == want, qPrintable(QStringLiteral("panel %1 at %2 px: %3 ticks").arg(p).arg(height).arg(tickCount(p))));
        }
        v.bars.resize(500, 360);
        const auto table = v.bars.exportData();
        QCOMPARE(table.size(), size_t(1));
        QCOMPARE(table[0].rows, int64_t(4));
        QCOMPARE(table[0].values[size_t(3 * 8 + 2)], double(out->traced(tr.h, 0, 99, 2)));
        // Clicking a bar selects its unit.
        v.draw();
        QCPAxisRect* rect = v.bars.panelRect(3);
        const QPoint at(int(rect->axis(QCPAxis::atBottom)->coordToPixel(1)), rect->rect().center().y());
        QTest::mouseClick(v.bars.plot(), Qt::LeftButton, Qt::NoModifier, at);
        QCOMPARE(doc.selectedUnit(), 1);
        QCOMPARE(v.bars.highlightedUnit(), 1);
    }
};

QTEST_MAIN(TstGatePlots)
#include "tst_gate_plots.moc"
