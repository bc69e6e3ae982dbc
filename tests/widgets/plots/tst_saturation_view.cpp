// The "Saturation & memory" view on real runs: it draws the engine's numbers (bars, τ, flags,
// export), a click on a unit selects it in the document, the document's selected unit (also when
// chosen in the heatmaps) is shaded here, the scope follows the selected sample, crafted biases
// show up as a stuck unit, and a hidden view waits to recompute until it is shown.
#include "model/document.h"
#include "model/examples.h"
#include "model/run_controller.h"
#include "plots/gate_heatmaps.h"
#include "plots/saturation_view.h"

#include "gruscope/saturation.h"
#include "gruscope/weights.h"

#include "test_support.h"

#include <qcustomplot.h>

#include <QTabWidget>
#include <QTest>

#include <cmath>
#include <random>

using namespace gsui;
using namespace gruscope;

namespace {

std::vector<double> graphKeys(QCPGraph* g)
{
    std::vector<double> k;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        k.push_back(it->key);
    return k;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

} // namespace

class TstSaturationView : public QObject {
    Q_OBJECT

private slots:
    void drawsTheEngineNumbers()
    {
        Document doc;
        RunController controller(&doc);
        SaturationView v(&doc);
        v.resize(900, 600);
        v.show();
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        QVERIFY2(doc.lastError().isEmpty(), qPrintable(doc.lastError()));
        const auto out = doc.result();
        const SaturationReport expected = analyzeSaturation(out->result.trace);
        QVERIFY(expected.valid());
        QCOMPARE(v.report().steps, expected.steps);

        const auto tables = v.exportData();
        QCOMPARE(tables.size(), size_t(1));
        const ShownData& t = tables[0];
        QCOMPARE(t.rows, int64_t(out->U));
        QCOMPARE(t.columns, int64_t(12));
        QCOMPARE(t.columnNames.value(6), QStringLiteral("tau"));
        for (int64_t u = 0; u < out->U; ++u) {
            const UnitSaturation& e = expected.units[size_t(u)];
            const double want[12] = {e.lowZ, e.highZ, e.lowR, e.highR, e.satHh, e.zMean, e.tau, e.hRange,
                                     double((e.flags & kSatDead) != 0), double((e.flags & kSatStuck) != 0),
                                     double((e.flags & kSatAlwaysReset) != 0), double(expected.steps)};
            for (int c = 0; c < 12; ++c)
                QVERIFY2(same(t.values[size_t(u * 12 + c)], want[c]), qPrintable(QStringLiteral("unit %1 column %2").arg(u).arg(c)));
        }
        // The bars are the same fractions in percent: z > 0.9 is the second series.
        QCPBars* highZ = nullptr;
        for (int i = 0; i < v.plot()->plottableCount(); ++i)
            if (auto* b = qobject_cast<QCPBars*>(v.plot()->plottable(i)); b && b->name() == QLatin1String("z > 0.9"))
                highZ = b;
        QVERIFY(highZ);
        QCOMPARE(highZ->data()->size(), int(out->U));
        for (auto it = highZ->data()->constBegin(); it != highZ->data()->constEnd(); ++it)
            QCOMPARE(it->value, 100.0 * expected.units[size_t(std::lround(it->key))].highZ);
        QVERIFY(v.titleText().contains(QStringLiteral("kept steps")));
        // Panels with something to draw carry no note; τ never does.
        QVERIFY(v.emptyNote(SaturationView::Fractions).isEmpty());
        QVERIFY(v.emptyNote(SaturationView::Tau).isEmpty());
        QCOMPARE(v.emptyNote(SaturationView::Flags).isEmpty(), expected.count(kSatDead) + expected.count(kSatStuck) +
                                                                     expected.count(kSatAlwaysReset) > 0);
    }

    // masked_sum saturates nothing: the empty panels say so instead of staying blank.
    void emptyPanelsSaySo()
    {
        Document doc;
        RunController controller(&doc);
        SaturationView v(&doc);
        v.show();
        QVERIFY(v.emptyNote(SaturationView::Fractions).isEmpty()); // no run yet: the title says so
        QCOMPARE(v.titleText(), QStringLiteral("no run yet"));
        loadExample(doc, QStringLiteral("masked_sum"));
        QVERIFY(controller.waitForIdle());
        const SaturationReport& rep = v.report();
        QVERIFY(rep.valid());
        bool any = false;
        for (const auto& u : rep.units)
            any = any || u.lowZ + u.highZ + u.lowR + u.highR > 0;
        QVERIFY2(!any, "masked_sum was expected to saturate no gate");
        QVERIFY(v.emptyNote(SaturationView::Fractions).contains(QStringLiteral("no gate saturates")));
        QVERIFY(v.emptyNote(SaturationView::Tau).isEmpty());
        // Masked steps are not counted: fewer kept steps than B × T.
        QVERIFY(rep.steps < doc.batch() * doc.steps());
    }

    // Click a unit's bars: the document selects it; the document's unit (from here, from the
    // heatmaps or set directly) is the one shaded.
    void linkedSelection()
    {
        Document doc;
        RunController controller(&doc);
        SaturationView v(&doc);
        GateHeatmaps heat(&doc);
        v.resize(900, 600);
        heat.resize(700, 640);
        v.show();
        heat.show();
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        v.plot()->replot();
        heat.plot()->replot();
        QVERIFY(doc.result()->U >= 6);

        for (int u : {3, 0, 5}) {
            const QPoint at = v.unitCenter(u);
            QVERIFY(v.panelRect(SaturationView::Fractions)->rect().contains(at));
            QCOMPARE(v.unitAt(at), u);
            QTest::mouseClick(v.plot(), Qt::LeftButton, Qt::NoModifier, at);
            QCOMPARE(doc.selectedUnit(), u);
            QCOMPARE(v.highlightedUnit(), u);
            QVERIFY(v.titleText().contains(QStringLiteral("unit %1:").arg(u)));
        }
        // A click in the τ panel selects as well.
        const QPoint inTau(v.unitCenter(2).x(), v.panelRect(SaturationView::Tau)->rect().center().y());
        QTest::mouseClick(v.plot(), Qt::LeftButton, Qt::NoModifier, inTau);
        QCOMPARE(doc.selectedUnit(), 2);

        doc.setSelectedUnit(4);
        QCOMPARE(v.highlightedUnit(), 4);
        QTest::mouseClick(heat.plot(), Qt::LeftButton, Qt::NoModifier, heat.cellCenter(0, 20, 1));
        QCOMPARE(doc.selectedUnit(), 1);
        QCOMPARE(v.highlightedUnit(), 1);
        doc.setSelectedUnit(-1);
        QCOMPARE(v.highlightedUnit(), -1);
    }

    // "the selected sample": the numbers of that sample's steps alone, following the document.
    void scopeFollowsTheSample()
    {
        Document doc;
        RunController controller(&doc);
        SaturationView v(&doc);
        v.show();
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        QVERIFY(doc.batch() >= 2);
        v.setScope(SaturationView::Scope::SelectedSample);
        doc.setSelectedSample(1);
        const auto out = doc.result();
        const SaturationReport one = analyzeSaturation(out->result.trace, SaturationOptions{out->traceSlot(1), {}});
        QCOMPARE(v.report().samples, std::vector<int64_t>{1});
        QCOMPARE(v.report().steps, one.steps);
        QCOMPARE(v.report().units[0].zMean, one.units[0].zMean);
        QVERIFY(v.titleText().contains(QStringLiteral("sample 1")));
        v.setScope(SaturationView::Scope::AllSamples);
        QCOMPARE(int64_t(v.report().samples.size()), int64_t(out->result.trace.samples.size()));
    }

    // Unit 0's update-gate bias +10: stuck (a mark in the stuck row), τ off the top of the axis or
    // in the thousands; unit 1's −10: τ below a step.
    void craftedBiasesShowAStuckUnit()
    {
        Document doc;
        RunController controller(&doc);
        SaturationView v(&doc);
        v.show();
        GruConfig cfg;
        cfg.units = 4;
        cfg.return_sequences = true;
        GruWeights w = initializeWeights(cfg, 2, 3);
        w.bias.data[0] = 10.0f;
        w.bias.data[1] = -10.0f;
        doc.setModel(cfg, std::move(w), ModelOrigin{});
        ArrayF x(Shape{2, 30, 2});
        std::mt19937 rng(1);
        std::uniform_real_distribution<float> d(-1.0f, 1.0f);
        for (float& e : x.data)
            e = d(rng);
        doc.setInput(std::move(x));
        QVERIFY(controller.waitForIdle());
        QVERIFY2(doc.lastError().isEmpty(), qPrintable(doc.lastError()));
        const SaturationReport& rep = v.report();
        QVERIFY(rep.valid());
        QVERIFY(rep.units[0].flags & kSatStuck);
        QVERIFY(rep.units[0].tau > 1000);
        QVERIFY(rep.units[1].tau < 0.2);
        QCPGraph* stuck = nullptr;
        for (int i = 0; i < v.plot()->graphCount(); ++i)
            if (v.plot()->graph(i)->name() == QLatin1String("stuck"))
                stuck = v.plot()->graph(i);
        QVERIFY(stuck);
        const auto keys = graphKeys(stuck);
        QVERIFY(std::find(keys.begin(), keys.end(), 0.0) != keys.end());
        QVERIFY(std::find(keys.begin(), keys.end(), 1.0) == keys.end());
        QVERIFY(v.titleText().contains(QStringLiteral("stuck")));
        QVERIFY(v.emptyNote(SaturationView::Flags).isEmpty());
        QVERIFY(v.emptyNote(SaturationView::Fractions).isEmpty());
    }

    // On a tab page behind another, a new result waits; showing the page recomputes once.
    void hiddenViewWaits()
    {
        Document doc;
        RunController controller(&doc);
        QTabWidget tabs;
        auto* other = new QWidget;
        auto* v = new SaturationView(&doc);
        tabs.addTab(other, QStringLiteral("other"));
        tabs.addTab(v, QStringLiteral("saturation"));
        tabs.resize(900, 600);
        tabs.show();
        tabs.setCurrentIndex(1);
        QVERIFY(QTest::qWaitForWindowExposed(&tabs));
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        QCoreApplication::processEvents();
        tabs.setCurrentIndex(0);
        const int before = v->rebuildCount();
        doc.reinitializeWeights(99);
        QVERIFY(controller.waitForIdle());
        QCoreApplication::processEvents();
        QCOMPARE(v->rebuildCount(), before);
        tabs.setCurrentIndex(1);
        QCoreApplication::processEvents();
        QCOMPARE(v->rebuildCount(), before + 1);
        QCOMPARE(v->report().steps, analyzeSaturation(doc.result()->result.trace).steps);
    }
};

QTEST_MAIN(TstSaturationView)
#include "tst_saturation_view.moc"
