// Timing sweeps (gruscope/sweep.h): the grid is complete and in order, every point carries Keras's
// cuDNN verdict for the layer, a backend that cannot run says why, the crossover is the smallest U
// at which a GPU backend beats cpu, and the CSV holds every point. No assertion on a time's size:
// only that times were measured.
#include "gruscope/device.h"
#include "gruscope/error.h"
#include "gruscope/sweep.h"

#include <QTest>

#include <sstream>

using namespace gruscope;

namespace {

SweepSpec tiny()
{
    SweepSpec s;
    s.T = {3, 5};
    s.B = {1, 2};
    s.U = {4, 8};
    s.backends = {BackendKind::Cpu, BackendKind::Reference};
    s.warmup = 0;
    s.repeats = 2;
    return s;
}

SweepPoint point(int64_t T, int64_t B, int64_t U, BackendKind k, double ms)
{
    SweepPoint p;
    p.T = T, p.B = B, p.U = U, p.backend = k, p.ran = true, p.medianMs = ms;
    return p;
}

} // namespace

class TstSweep : public QObject {
    Q_OBJECT
private slots:
    void gridIsCompleteAndTagged()
    {
        int calls = 0, last = 0, total = 0;
        SweepSpec spec = tiny();
        spec.progress = [&](int done, int all) {
            ++calls;
            last = done;
            total = all;
        };
        const SweepResult r = runSweep(spec);
        QCOMPARE(int(r.points.size()), 2 * 2 * 2 * 2);
        QCOMPARE(calls, 16);
        QCOMPARE(last, 16);
        QCOMPARE(total, 16);
        size_t k = 0;
        for (int64_t T : spec.T)
            for (int64_t B : spec.B)
                for (int64_t U : spec.U)
                    for (BackendKind kind : spec.backends) {
                        const SweepPoint& p = r.points[k++];
                        QCOMPARE(p.T, T);
                        QCOMPARE(p.B, B);
                        QCOMPARE(p.U, U);
                        QCOMPARE(p.I, U); // features 0: I = U
                        QCOMPARE(p.backend, kind);
                        QVERIFY2(p.ran, p.why.c_str());
                        QCOMPARE(p.repeats, 2);
                        QVERIFY(p.medianMs > 0);
                        QCOMPARE(p.usPerStep, p.medianMs * 1e3 / double(T));
                        QVERIFY(p.cudnnEligible);
                        QCOMPARE(p.verdict, std::string("cuDNN-eligible"));
                    }
        // No GPU backend was asked for: no crossover, and it says why.
        QCOMPARE(int(r.crossovers.size()), 4);
        for (const SweepCrossover& x : r.crossovers) {
            QVERIFY(!x.fromU);
            QVERIFY2(x.note.rfind("no GPU backend ran", 0) == 0, x.note.c_str());
        }
    }

    void resetAfterFalseIsTheGenericLoop()
    {
        SweepSpec spec = tiny();
        spec.T = {3};
        spec.B = {1};
        spec.U = {4};
        spec.features = 6;
        spec.resetAfter = false;
        const SweepResult r = runSweep(spec);
        QCOMPARE(int(r.points.size()), 2);
        QCOMPARE(r.points[0].I, int64_t(6));
        QVERIFY(!r.points[0].cudnnEligible);
        QCOMPARE(r.points[0].verdict, std::string("generic loop: reset_after"));
    }

    void aBackendThatCannotRunSaysWhy()
    {
        if (probeDevice().present)
            QSKIP("a GPU is present here; the refusal of a missing device cannot be seen");
        SweepSpec spec = tiny();
        spec.T = {3};
        spec.B = {1};
        spec.U = {4};
        spec.backends = {BackendKind::Cpu, BackendKind::Cudnn};
        const SweepResult r = runSweep(spec);
        QCOMPARE(int(r.points.size()), 2);
        QVERIFY(r.points[0].ran);
        QVERIFY(!r.points[1].ran);
        QVERIFY2(r.points[1].why.find("cudnn") != std::string::npos, r.points[1].why.c_str());
    }

    void crossoverIsTheSmallestUWhereAGpuWins()
    {
        SweepResult r;
        r.spec.T = {100};
        r.spec.B = {1, 64};
        r.spec.U = {32, 128, 512};
        // B=1: cpu wins everywhere. B=64: cuda wins from U=128 (cudnn from 512; the fastest counts).
        for (int64_t U : r.spec.U) {
            r.points.push_back(point(100, 1, U, BackendKind::Cpu, 0.1 * double(U)));
            r.points.push_back(point(100, 1, U, BackendKind::Cudnn, 100));
            r.points.push_back(point(100, 64, U, BackendKind::Cpu, double(U)));
            r.points.push_back(point(100, 64, U, BackendKind::Cudnn, U >= 512 ? 50 : 1000));
            r.points.push_back(point(100, 64, U, BackendKind::Cuda, U >= 128 ? 60 : 1000));
        }
        const auto x = sweepCrossovers(r);
        QCOMPARE(int(x.size()), 2);
        QVERIFY(!x[0].fromU);
        QCOMPARE(x[0].note, std::string("cpu faster at every U of the grid"));
        QCOMPARE(x[1].fromU, std::optional<int64_t>(128));
        QCOMPARE(x[1].gpuBackend, std::string("cuda"));
    }

    void csvHoldsEveryPoint()
    {
        SweepSpec spec = tiny();
        spec.backends = {BackendKind::Cpu};
        const SweepResult r = runSweep(spec);
        std::istringstream in(sweepToCsv(r));
        std::string line;
        std::getline(in, line);
        QCOMPARE(line, std::string("T,B,U,I,backend,ran,median_ms,us_per_step,repeats,cudnn_eligible,verdict,why"));
        int rows = 0, crossovers = 0;
        while (std::getline(in, line)) {
            if (line.rfind("# crossover", 0) == 0) {
                ++crossovers;
                continue;
            }
            ++rows;
            QVERIFY2(line.find(",cpu,1,") != std::string::npos, line.c_str());
            QVERIFY2(line.find(",1,\"cuDNN-eligible\",\"\"") != std::string::npos, line.c_str());
        }
        QCOMPARE(rows, 8);
        QCOMPARE(crossovers, 4);
    }

    void badGridsAndCancel()
    {
        SweepSpec spec = tiny();
        spec.U = {};
        QVERIFY_THROWS_EXCEPTION(Error, runSweep(spec));
        spec = tiny();
        spec.B = {0};
        QVERIFY_THROWS_EXCEPTION(Error, runSweep(spec));
        spec = tiny();
        std::atomic<bool> cancel{true};
        spec.cancel = &cancel;
        const SweepResult r = runSweep(spec);
        QVERIFY(r.cancelled);
        QVERIFY(r.points.empty());
    }
};

QTEST_APPLESS_MAIN(TstSweep)
#include "tst_sweep.moc"
