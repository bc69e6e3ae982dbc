// CompareView on this machine: cpu (float32) against reference (float64), cudnn when a GPU is
// usable. The numbers it shows must equal an independent computation from executeRun's results,
// the comparison must run off the UI thread, be cancellable, and go stale when the input changes.
#include "model/document.h"
#include "model/run_controller.h"
#include "plots/compare_view.h"

#include "gruscope/device.h"

#include "test_support.h"

#include <qcustomplot.h>

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>

#include <cmath>
#include <random>

using namespace gruscope;
using namespace gsui;

namespace {

// A random layer (every weight uniform in [−0.6, 0.6]) on a random batch: float32 rounding then
// shows up in every state, so cpu differs from the float64 reference by a little, not by zero.
void randomModel(Document& doc, int64_t B, int64_t T, int64_t I, int64_t U, uint32_t seed = 11)
{
    GruConfig c = doc.config();
    c.units = U;
    c.return_sequences = true;
    GruWeights w = initializeWeights(c, I, 1);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-0.6f, 0.6f);
    for (ArrayF* a : {&w.kernel, &w.recurrentKernel, &w.bias})
        for (float& v : a->data)
            v = dist(rng);
    doc.setModel(c, std::move(w), {});
    ArrayF x(Shape{B, T, I});
    std::normal_distribution<float> nd(0.f, 1.f);
    for (float& v : x.data)
        v = nd(rng);
    doc.setInput(std::move(x), QStringLiteral("random"));
}

bool waitDone(CompareView& view, int ms = 120000)
{
    QElapsedTimer t;
    t.start();
    while (view.running() && t.elapsed() < ms)
        QTest::qWait(10);
    return !view.running();
}

} // namespace

class TstCompareView : public QObject {
    Q_OBJECT
private slots:
    void cpuAgainstReference()
    {
        Document doc;
        randomModel(doc, 3, 40, 4, 16);
        CompareView view(&doc);
        QSignalSpy done(&view, &CompareView::finished);
        view.runComparison(3);
        QVERIFY(view.running()); // returned at once: the runs are on a worker thread
        QVERIFY(waitDone(view));
        QCOMPARE(done.count(), 1);
        QCOMPARE(done.first().at(0).toBool(), true);

        const DeviceInfo& dev = probeDevice();
        const QStringList compared = view.backendsCompared();
        QVERIFY(compared.contains(QStringLiteral("cpu")));
        QVERIFY(compared.contains(QStringLiteral("reference")));
        auto* gpuLine = view.findChild<QLabel*>(QStringLiteral("gpuStatus"));
        QVERIFY(gpuLine);
        if (!dev.present) {
            QCOMPARE(compared, (QStringList{QStringLiteral("reference"), QStringLiteral("cpu")}));
            QVERIFY(!view.gpuStatus().isEmpty());
            QCOMPARE(view.gpuStatus(), QString::fromStdString(dev.reason));
            QVERIFY2(gpuLine->text().contains(view.gpuStatus()), qPrintable(gpuLine->text()));
            QVERIFY(gpuLine->text().contains(QStringLiteral("No cudnn comparison")));
            QVERIFY(std::isnan(view.maxAbsDelta(QStringLiteral("cudnn"))));
        } else {
            QVERIFY(view.gpuStatus().isEmpty());
            QVERIFY(gpuLine->text().contains(QString::fromStdString(dev.name)));
        }

        // Small but not zero, and exactly what executeRun gives.
        const double shown = view.maxAbsDelta(QStringLiteral("cpu"));
        QVERIFY2(shown > 0 && shown < 1e-5, qPrintable(QString::number(shown, 'g', 17)));

        const auto cpu = executeRun(makeRunRequest(doc, BackendKind::Cpu), nullptr);
        const auto ref = executeRun(makeRunRequest(doc, BackendKind::Reference), nullptr);
        // What the comparison measured against is the reference backend's own run (deterministic).
        const BackendComparison& shownRef = view.result()->backends.front();
        QCOMPARE(shownRef.backend, QStringLiteral("reference"));
        QVERIFY(shownRef.outcome->result.trace.h.data == ref->result.trace.h.data);
        QVERIFY(shownRef.outcome->result.output64.data == ref->result.output64.data);
        QCOMPARE(cpu->result.trace.h.shape, ref->result.trace.h.shape);
        double independent = 0;
        std::vector<double> perStep(size_t(cpu->result.trace.steps()), 0.0);
        const int64_t U = cpu->U;
        for (size_t k = 0; k < cpu->result.trace.h.data.size(); ++k) {
            const double d = std::fabs(double(cpu->result.trace.h.data[k]) - double(ref->result.trace.h.data[k]));
            independent = std::max(independent, d);
            const size_t step = (k / size_t(U)) % perStep.size();
            perStep[step] = std::max(perStep[step], d);
        }
        QCOMPARE(shown, independent);
        double outIndependent = 0;
        QCOMPARE(ref->result.output64.shape, cpu->result.output.shape);
        for (size_t k = 0; k < cpu->result.output.data.size(); ++k)
            outIndependent = std::max(outIndependent,
                                      std::fabs(double(cpu->result.output.data[k]) - ref->result.output64.data[k]));
        QCOMPARE(view.maxAbsOutputDelta(QStringLiteral("cpu")), outIndependent);
        QVERIFY(outIndependent > 0 && outIndependent < 1e-5);

        // The per-step curve is that max over samples and units (exact zeros sit on the floor).
        QCPGraph* g = nullptr;
        for (int i = 0; i < view.plot()->graphCount(); ++i)
            if (view.plot()->graph(i)->name() == QLatin1String("cpu: h (trace)"))
                g = view.plot()->graph(i);
        QVERIFY(g);
        QCOMPARE(g->dataCount(), int(perStep.size()));
        for (int i = 0; i < g->dataCount(); ++i)
            QCOMPARE(g->data()->at(i)->value, perStep[size_t(i)] > 0 ? perStep[size_t(i)] : 1e-10);
        QCOMPARE(g->valueAxis()->scaleType(), QCPAxis::stLogarithmic);

        // The table: one row per backend, times and errors.
        QTableWidget* table = view.table();
        QCOMPARE(table->rowCount(), int(view.result()->backends.size()));
        QVERIFY(table->item(0, 0)->text().startsWith(QStringLiteral("reference")));
        QCOMPARE(table->item(1, 0)->text(), QStringLiteral("cpu"));
        QCOMPARE(table->item(1, 4)->text(), QString::number(shown, 'e', 2));
        const BackendComparison& b = view.result()->backends[1];
        QCOMPARE(int(b.forwardSeconds.size()), 3);
        QCOMPARE(int(b.wallSeconds.size()), 3);
        for (size_t k = 0; k < 3; ++k) {
            QVERIFY(b.forwardSeconds[k] > 0);
            QVERIFY(b.wallSeconds[k] >= b.forwardSeconds[k]); // the call includes the forward pass
        }
        int64_t firstOver = -1;
        for (size_t s = 0; s < perStep.size(); ++s)
            if (perStep[s] > 1e-6) {
                firstOver = int64_t(s);
                break;
            }
        QCOMPARE(b.firstStepOver, firstOver);
        // ULP-ish: |Δ| in float32 ULPs at the output's largest magnitude; a few, not thousands.
        double scale = 0;
        for (double v : ref->result.output64.data)
            scale = std::max(scale, std::fabs(v));
        int e = 0;
        std::frexp(scale, &e);
        QCOMPARE(b.maxUlps, outIndependent / std::ldexp(1.0, e - 24));
        QVERIFY2(b.maxUlps > 0 && b.maxUlps < 100, qPrintable(QString::number(b.maxUlps)));

        // What the view exports is what it shows.
        const auto data = view.exportData();
        QCOMPARE(data.front().name, QStringLiteral("delta_h_per_step"));
        QCOMPARE(data.front().rows, int64_t(perStep.size()));
        for (size_t s = 0; s < perStep.size(); ++s)
            QCOMPARE(data.front().values[s], perStep[s]);
        for (const ShownData& t : data) {
            QCOMPARE(int64_t(t.values.size()), t.rows * t.columns);
            QCOMPARE(int64_t(t.rowNames.size()), t.rows);
            QCOMPARE(int64_t(t.columnNames.size()), t.columns);
        }
        QCOMPARE(data.back().name, QStringLiteral("backend_timings"));
        QCOMPARE(data.back().rowNames, compared);
        QVERIFY(!view.stale());
    }

    void inputChangeMarksStale()
    {
        Document doc;
        randomModel(doc, 2, 12, 3, 8);
        CompareView view(&doc);
        view.resize(900, 600);
        view.show();
        auto* staleLine = view.findChild<QLabel*>(QStringLiteral("compareStale"));
        QVERIFY(staleLine);
        doc.setInputValue(0, 0, 0, 0.25f); // no comparison yet: nothing to be stale
        QVERIFY(!view.stale());
        QVERIFY(!staleLine->isVisible());

        view.runComparison(2);
        QVERIFY(waitDone(view));
        QVERIFY(!view.stale());
        const double before = view.maxAbsDelta(QStringLiteral("cpu"));
        doc.setInputValue(1, 3, 2, 2.5f);
        QVERIFY(view.stale());
        QVERIFY(staleLine->isVisible());
        QVERIFY(staleLine->text().contains(QStringLiteral("Re-run")));
        QCOMPARE(view.maxAbsDelta(QStringLiteral("cpu")), before); // the old numbers stay, marked stale

        // The mask and the weights are run inputs too; re-running clears the mark.
        view.runComparison(2);
        QVERIFY(waitDone(view));
        QVERIFY(!view.stale());
        QVERIFY(!staleLine->isVisible());
        ArrayU8 mask(Shape{2, 12}, 1);
        mask.data[5] = 0;
        doc.setMask(mask);
        QVERIFY(view.stale());

        // An edit during a run makes that run's result stale as soon as it arrives.
        view.runComparison(2);
        doc.setInputValue(0, 1, 1, -1.0f);
        QVERIFY(waitDone(view));
        QVERIFY(view.stale());
    }

    void buttonRunsAndCancelStops()
    {
        Document doc;
        randomModel(doc, 8, 3000, 8, 64);
        CompareView view(&doc);
        auto* button = view.findChild<QPushButton*>(QStringLiteral("runCompare"));
        QVERIFY(button);
        QCOMPARE(button->text(), QStringLiteral("Compare backends"));
        QSignalSpy done(&view, &CompareView::finished);
        QTest::mouseClick(button, Qt::LeftButton);
        QVERIFY(view.running());
        QVERIFY(!button->isEnabled());
        QTest::qWait(50);
        QElapsedTimer t;
        t.start();
        view.cancel();
        QVERIFY(waitDone(view, 30000));
        QVERIFY2(t.elapsed() < 10000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(done.count(), 1);
        QCOMPARE(done.first().at(0).toBool(), false);
        QCOMPARE(done.first().at(1).toString(), QStringLiteral("cancelled"));
        QVERIFY(view.backendsCompared().isEmpty()); // nothing was shown before, nothing now
        QVERIFY(button->isEnabled());
    }

    void invalidArgumentsAreReported()
    {
        Document doc;
        GruConfig c = doc.config();
        c.activation = "no_such_activation";
        doc.setConfig(c);
        QVERIFY(!doc.configValid());
        CompareView view(&doc);
        QSignalSpy done(&view, &CompareView::finished);
        view.runComparison(2);
        QVERIFY(!view.running());
        QCOMPARE(done.count(), 1);
        QCOMPARE(done.first().at(0).toBool(), false);
        QVERIFY2(done.first().at(1).toString().contains(QStringLiteral("activation")),
                 qPrintable(done.first().at(1).toString()));
        auto* status = view.findChild<QLabel*>(QStringLiteral("compareStatus"));
        QCOMPARE(status->text(), done.first().at(1).toString());
    }
};

QTEST_MAIN(TstCompareView)
#include "tst_compare_view.moc"
