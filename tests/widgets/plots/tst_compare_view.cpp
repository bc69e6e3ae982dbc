// CompareView on this machine: every registered backend through the engine's compareBackends —
// cpu (float32) and reference (float64) everywhere, cudnn and cuda where a GPU is usable, and
// otherwise rows that say why not. The numbers it shows must equal an independent computation from
// two plain GruLayer calls, the comparison must run off the UI thread, be cancellable, and go
// stale when the input changes (but not when only the window's backend choice does).
#include "model/comparison.h"
#include "model/document.h"
#include "model/run_controller.h"
#include "plots/compare_view.h"

#include "gruscope/device.h"

#include "test_support.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHeaderView>
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
        QCOMPARE(view.tolerance(), 1e-6);
        QSignalSpy done(&view, &CompareView::finished);
        view.runComparison(3);
        QVERIFY(view.running()); // returned at once: the runs are on a worker thread
        QVERIFY(waitDone(view));
        QCOMPARE(done.count(), 1);
        QCOMPARE(done.first().at(0).toBool(), true);

        // One row per registered backend, in the registry's order, whether it ran or not.
        QStringList registered;
        for (const BackendDescription& d : describeBackends())
            registered << QString::fromStdString(d.name);
        QCOMPARE(registered.size(), 4);
        QTableWidget* table = view.table();
        QCOMPARE(table->rowCount(), registered.size());
        for (int i = 0; i < registered.size(); ++i) {
            QVERIFY(table->item(i, 0)->text().startsWith(registered[i]));
            QVERIFY(view.row(registered[i]));
        }
        const QStringList compared = view.backendsCompared();
        QVERIFY(compared.contains(QStringLiteral("cpu")));
        QVERIFY(compared.contains(QStringLiteral("reference")));
        if (!probeDevice().cudaUsable)
            QCOMPARE(compared, (QStringList{QStringLiteral("cpu"), QStringLiteral("reference")}));

        // The same call, twice, by hand: cpu and the reference, both traced.
        const CallInputs in = callInputsFor(makeRunRequest(doc), nullptr);
        TraceOptions trace;
        trace.enabled = true;
        GruLayer layer(doc.config(), *doc.weights());
        const RunResult cpu = layer.call(in, BackendKind::Cpu, trace);
        const RunResult ref = layer.call(in, BackendKind::Reference, trace);
        QCOMPARE(cpu.trace.h.shape, ref.trace.h.shape);
        const int64_t W = cpu.trace.steps(), U = 16;
        std::vector<double> perStep(size_t(W), 0.0), perUnit(size_t(U), 0.0);
        double worst = -1;
        int64_t worstStep = -1, worstUnit = -1;
        for (size_t k = 0; k < cpu.trace.h.data.size(); ++k) {
            const double d = std::fabs(double(cpu.trace.h.data[k]) - double(ref.trace.h.data[k]));
            const size_t step = (k / size_t(U)) % size_t(W), unit = k % size_t(U);
            perStep[step] = std::max(perStep[step], d);
            perUnit[unit] = std::max(perUnit[unit], d);
            if (d > worst) {
                worst = d;
                worstStep = int64_t(step);
                worstUnit = int64_t(unit);
            }
        }
        double outDelta = 0, stateDelta = 0;
        for (size_t k = 0; k < cpu.output.data.size(); ++k)
            outDelta = std::max(outDelta, std::fabs(double(cpu.output.data[k]) - ref.output64.data[k]));
        for (size_t k = 0; k < cpu.state.data.size(); ++k)
            stateDelta = std::max(stateDelta, std::fabs(double(cpu.state.data[k]) - ref.state64.data[k]));
        int64_t firstOver = -1;
        for (size_t w = 0; w < perStep.size() && firstOver < 0; ++w)
            if (perStep[w] > 1e-6)
                firstOver = int64_t(w);

        // Small but not zero, and exactly what the two calls give.
        const CompareRow* row = view.row(QStringLiteral("cpu"));
        QVERIFY(row && row->ran);
        QVERIFY2(worst > 0 && worst < 1e-5, qPrintable(QString::number(worst, 'g', 17)));
        QVERIFY(row->maxAbsPerStep == perStep);
        QVERIFY(row->maxAbsPerUnit == perUnit);
        QCOMPARE(view.maxAbsDelta(QStringLiteral("cpu")), worst);
        QCOMPARE(view.maxAbsOutputDelta(QStringLiteral("cpu")), outDelta);
        QCOMPARE(row->maxAbsState, stateDelta);
        QCOMPARE(row->firstStepOver, firstOver);
        QCOMPARE(row->worstStep, worstStep);
        QCOMPARE(row->worstUnit, worstUnit);
        QCOMPARE(row->timedCalls, 3);
        QVERIFY(row->medianSeconds > 0 && row->minSeconds > 0 && row->minSeconds <= row->medianSeconds);
        QVERIFY(!row->traceRebuilt);

        // The per-step curve is that max over samples and units (exact zeros sit on the floor); the
        // reference against itself gets no curve.
        QCPGraph* g = nullptr;
        for (int i = 0; i < view.plot()->graphCount(); ++i) {
            QVERIFY(!view.plot()->graph(i)->name().startsWith(QStringLiteral("reference")));
            if (view.plot()->graph(i)->name() == QLatin1String("cpu: h"))
                g = view.plot()->graph(i);
        }
        QVERIFY(g);
        QCOMPARE(g->dataCount(), int(perStep.size()));
        for (int i = 0; i < g->dataCount(); ++i)
            QCOMPARE(g->data()->at(i)->value, perStep[size_t(i)] > 0 ? perStep[size_t(i)] : 1e-10);
        QCOMPARE(g->valueAxis()->scaleType(), QCPAxis::stLogarithmic);

        // The table: the cpu row's numbers as shown.
        const int cpuRow = int(registered.indexOf(QStringLiteral("cpu")));
        auto cell = [&](int r, const QString& headerStart) {
            for (int c = 0; c < table->columnCount(); ++c)
                if (table->horizontalHeaderItem(c)->text().startsWith(headerStart))
                    return table->item(r, c) ? table->item(r, c)->text() : QString();
            return QStringLiteral("no column %1").arg(headerStart);
        };
        QCOMPARE(cell(cpuRow, QStringLiteral("max |Δh|")), QString::number(worst, 'e', 2));
        QCOMPARE(cell(cpuRow, QStringLiteral("max |Δ output|")), QString::number(outDelta, 'e', 2));
        QCOMPARE(cell(cpuRow, QStringLiteral("first step\n|Δh| > 1e-6")),
                 firstOver < 0 ? QStringLiteral("none") : QString::number(firstOver));
        QCOMPARE(cell(cpuRow, QStringLiteral("worst")), QStringLiteral("%1, %2").arg(worstStep).arg(worstUnit));
        QCOMPARE(cell(cpuRow, QStringLiteral("output error")), QString::number(row->ulpsMax, 'f', 1));
        QCOMPARE(cell(cpuRow, QStringLiteral("copies")), QStringLiteral("—")); // no device, no copies
        // The copy and device columns show only when a GPU backend ran.
        bool gpuRan = false;
        for (const char* gpu : {"cudnn", "cuda"})
            if (const CompareRow* g = view.row(QLatin1String(gpu)))
                gpuRan = gpuRan || g->ran;
        for (int c = 0; c < table->columnCount(); ++c) {
            const QString header = table->horizontalHeaderItem(c)->text();
            if (header.startsWith(QStringLiteral("copies")) || header.startsWith(QStringLiteral("device")))
                QVERIFY2(table->isColumnHidden(c) == !gpuRan, qPrintable(header));
        }
        QCOMPARE(cell(cpuRow, QStringLiteral("gate trace")), QStringLiteral("from the backend"));

        // What the view exports is what it shows.
        const auto data = view.exportData();
        QCOMPARE(data.front().name, QStringLiteral("delta_h_per_step"));
        QCOMPARE(data.front().rows, int64_t(perStep.size()));
        const int64_t cpuColumn = data.front().columnNames.indexOf(QStringLiteral("cpu"));
        QVERIFY(cpuColumn >= 0);
        for (size_t s = 0; s < perStep.size(); ++s)
            QCOMPARE(data.front().values[s * size_t(data.front().columns) + size_t(cpuColumn)], perStep[s]);
        for (const ShownData& t : data) {
            QCOMPARE(int64_t(t.values.size()), t.rows * t.columns);
            QCOMPARE(int64_t(t.rowNames.size()), t.rows);
            QCOMPARE(int64_t(t.columnNames.size()), t.columns);
        }
        QCOMPARE(data.back().name, QStringLiteral("backend_timings"));
        QCOMPARE(data.back().rowNames, compared);
        QVERIFY(!view.stale());
    }

    // Without a GPU the cudnn and cuda rows are there and give the probe's reason, in a row the
    // width of the view (wrapped, not cut off by the numbers' horizontal scroll bar).
    void gpuRowsSayWhyNot_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("cudnn") << "cudnn";
        QTest::newRow("cuda") << "cuda";
    }
    void gpuRowsSayWhyNot()
    {
        QFETCH(QString, backend);
        const DeviceInfo& dev = probeDevice();
        if (dev.cudaUsable)
            QSKIP("a GPU is usable here: its rows run (tests/gpu covers them)");
        Document doc;
        randomModel(doc, 2, 30, 3, 32);
        CompareView view(&doc);
        view.resize(520, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.runComparison(1);
        QVERIFY(waitDone(view));

        const QString reason = QString::fromStdString(dev.reason);
        QVERIFY(!reason.isEmpty());
        QCOMPARE(view.gpuStatus(), reason);
        QVERIFY(view.findChild<QLabel*>(QStringLiteral("gpuStatus"))->text().contains(reason));
        const CompareRow* row = view.row(backend);
        QVERIFY(row);
        QVERIFY(!row->ran);
        QVERIFY2(QString::fromStdString(row->reason).contains(reason), row->reason.c_str());
        QVERIFY(std::isnan(view.maxAbsDelta(backend)));
        QVERIFY(!view.backendsCompared().contains(backend));
        for (int i = 0; i < view.plot()->graphCount(); ++i)
            QVERIFY(!view.plot()->graph(i)->name().startsWith(backend));

        QTableWidget* table = view.table();
        int r = -1;
        for (int i = 0; i < table->rowCount(); ++i)
            if (table->item(i, 0)->text() == backend)
                r = i;
        QVERIFY(r >= 0);
        QTableWidgetItem* why = table->item(r, 1);
        QVERIFY(why);
        QVERIFY2(why->text().contains(QString::fromStdString(row->reason)), qPrintable(why->text()));
        // Wrapped within the view: as wide as it may be without scrolling, taller than one line.
        QVERIFY(table->columnSpan(r, 1) >= 1);
        const QRect rect = table->visualRect(table->model()->index(r, 1));
        QVERIFY2(rect.right() <= table->viewport()->width(),
                 qPrintable(QStringLiteral("%1 > %2").arg(rect.right()).arg(table->viewport()->width())));
        QVERIFY2(table->rowHeight(r) > table->fontMetrics().height() * 3 / 2 ||
                     table->fontMetrics().horizontalAdvance(why->text()) < rect.width(),
                 qPrintable(QString::number(table->rowHeight(r))));
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
        // The window's backend choice is no input of a comparison of every backend.
        doc.setBackend(BackendKind::Reference);
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
