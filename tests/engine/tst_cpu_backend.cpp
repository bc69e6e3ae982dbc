// The cpu backend's own promises, beyond matching Keras (tst_golden) and the reference
// (tst_backend_parity), whose cases are small enough to run on one thread:
//   - threads change no number: outputs, states and every traced gate are the same bits on one
//     thread and split across several, for every variant (masks, go_backwards, dropout, both
//     reset_after forms, units that are not whole vectors, softmax);
//   - and stay within the parity bound of the float64 reference;
//   - two layers running at once (one gets the thread team, the other runs alone) agree too;
//   - the time loop allocates nothing, and its memory does not grow with T;
//   - a cancelled call stops.
#include "backends/backend.h"
#include "core/prepared_call.h"
#include "gruscope/cpu_info.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "test_support.h"

#include <QTest>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <thread>

using namespace gruscope;

// Counts allocations while armed, in any thread: the time loop must make none.
namespace {
std::atomic<bool> g_countAllocations{false};
std::atomic<int64_t> g_allocations{0};
} // namespace

void* operator new(std::size_t n)
{
    if (g_countAllocations.load(std::memory_order_relaxed))
        g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a)
{
    // The backend's scratch is 64-byte aligned: its allocations come here.
    if (g_countAllocations.load(std::memory_order_relaxed))
        g_allocations.fetch_add(1, std::memory_order_relaxed);
    const std::size_t align = std::max(std::size_t(a), sizeof(void*));
    if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

struct Case {
    bool resetAfter = true, backwards = false, dropout = false, trace = true, softmax = false;
    int mask = 0; // 0 none, 1 right-padded lengths (one sample fully masked), 2 holes
    std::string recurrentActivation = "sigmoid";
};

struct Made {
    GruConfig cfg;
    CallInputs in;
};

// B=5, T=23, I=37, U=200: 200 units split into parts of whole 16-float vectors leave a ragged
// last part, and every step is large enough for several parts.
Made make(const Case& k)
{
    Made m;
    m.cfg.units = 200;
    m.cfg.reset_after = k.resetAfter;
    m.cfg.go_backwards = k.backwards;
    m.cfg.return_sequences = true;
    m.cfg.recurrent_activation = k.recurrentActivation;
    if (k.softmax)
        m.cfg.activation = "softmax";
    if (k.dropout) {
        m.cfg.dropout = 0.25;
        m.cfg.recurrent_dropout = 0.3;
        m.in.training = true;
        m.in.seed = 7;
    }
    const int64_t B = 5, T = 23, I = 37;
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    m.in.x = ArrayF(Shape{B, T, I});
    for (float& v : m.in.x.data)
        v = d(rng);
    if (k.mask) {
        ArrayU8 mask(Shape{B, T}, 1);
        const int64_t lengths[B] = {23, 17, 0, 5, 1};
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                mask.data[size_t(b * T + t)] = k.mask == 1 ? (t < lengths[b] ? 1 : 0) : ((t + b) % 4 != 0 ? 1 : 0);
        m.in.mask = mask;
    }
    return m;
}

RunResult runCpu(GruLayer& layer, const Made& m, bool trace, int threads)
{
    setCpuThreads(threads);
    TraceOptions t;
    t.enabled = trace;
    RunResult r = layer.call(m.in, BackendKind::Cpu, t);
    setCpuThreads(0);
    return r;
}

} // namespace

class TstCpuBackend : public QObject {
    Q_OBJECT
    // Runs that really went parallel. A run may finish on one thread when the team falls behind
    // (four threads on a two-core machine, other suites running): the bits must not care, and
    // some runs must still have been parallel.
    int m_parallel = 0;

private slots:
    void initTestCase()
    {
        // Before the team exists: four threads even on a two-core machine, so splits of 2, 3
        // and 4 parts all run here.
        qputenv("GRUSCOPE_CPU_THREADS", "4");
        QCOMPARE(cpuThreads(), 4);
    }

    void threadsChangeNoNumber_data()
    {
        QTest::addColumn<bool>("resetAfter");
        QTest::addColumn<bool>("backwards");
        QTest::addColumn<bool>("dropout");
        QTest::addColumn<int>("mask");
        QTest::addColumn<QString>("recAct");
        QTest::addColumn<bool>("softmax");
        for (bool ra : {true, false}) {
            const char* v = ra ? "reset_after" : "reset_before";
            QTest::addRow("%s plain", v) << ra << false << false << 0 << "sigmoid" << false;
            QTest::addRow("%s right-padded, one sample empty", v) << ra << false << false << 1 << "sigmoid" << false;
            QTest::addRow("%s holes, go_backwards", v) << ra << true << false << 2 << "sigmoid" << false;
            QTest::addRow("%s dropout + recurrent dropout", v) << ra << false << true << 1 << "sigmoid" << false;
            QTest::addRow("%s hard_sigmoid", v) << ra << false << false << 0 << "hard_sigmoid" << false;
        }
        QTest::addRow("softmax candidate (one part)") << true << false << false << 1 << "sigmoid" << true;
    }

    void threadsChangeNoNumber()
    {
        QFETCH(bool, resetAfter);
        QFETCH(bool, backwards);
        QFETCH(bool, dropout);
        QFETCH(int, mask);
        QFETCH(QString, recAct);
        QFETCH(bool, softmax);
        Case k;
        k.resetAfter = resetAfter, k.backwards = backwards, k.dropout = dropout, k.mask = mask;
        k.recurrentActivation = recAct.toStdString();
        k.softmax = softmax;
        const Made m = make(k);
        GruLayer layer(m.cfg, initializeWeights(m.cfg, m.in.x.shape[2], 3));

        const RunResult one = runCpu(layer, m, true, 1);
        QCOMPARE(one.threads, 1);
        for (int threads : {2, 3, 4}) {
            const RunResult many = runCpu(layer, m, true, threads);
            // 200 units: at most 3 parts of whole vectors (64 units or more each); softmax: one.
            const int planned = softmax ? 1 : std::min(threads, 3);
            QVERIFY2(many.threads == planned || many.threads == 1, qPrintable(QString::number(many.threads)));
            m_parallel += many.threads > 1 ? 1 : 0;
            QVERIFY2(gstest::sameBits(one.output, many.output), qPrintable(QStringLiteral("output, %1 threads").arg(threads)));
            QVERIFY(gstest::sameBits(one.state, many.state));
            for (auto [name, a, b] : {std::tuple{"z", &one.trace.z, &many.trace.z}, std::tuple{"r", &one.trace.r, &many.trace.r},
                                      std::tuple{"hh", &one.trace.hh, &many.trace.hh}, std::tuple{"h", &one.trace.h, &many.trace.h},
                                      std::tuple{"preZ", &one.trace.preZ, &many.trace.preZ},
                                      std::tuple{"preR", &one.trace.preR, &many.trace.preR},
                                      std::tuple{"preH", &one.trace.preH, &many.trace.preH}})
                QVERIFY2(gstest::sameBits(*a, *b), name);
            QVERIFY(one.trace.kept.data == many.trace.kept.data);
        }

        // And the numbers are the equations': within the parity bound of the float64 loop, gates too.
        TraceOptions t;
        t.enabled = true;
        const RunResult ref = layer.call(m.in, BackendKind::Reference, t);
        GS_VERIFY_CLOSE(one.output, ref.output64, 2e-5, 1e-5);
        GS_VERIFY_CLOSE(one.state, ref.state64, 2e-5, 1e-5);
        GS_VERIFY_CLOSE(one.trace.z, ref.trace.z, 2e-5, 1e-5);
        GS_VERIFY_CLOSE(one.trace.hh, ref.trace.hh, 2e-5, 1e-5);
        GS_VERIFY_CLOSE(one.trace.h, ref.trace.h, 2e-5, 1e-5);
    }

    void twoLayersAtOnceAgree()
    {
        // One call holds the team; the other, on another thread, runs its parts in order alone.
        const Made m = make(Case{});
        GruLayer a(m.cfg, initializeWeights(m.cfg, 37, 3)), b(m.cfg, initializeWeights(m.cfg, 37, 4));
        TraceOptions none;
        const RunResult wantA = a.call(m.in, BackendKind::Cpu, none), wantB = b.call(m.in, BackendKind::Cpu, none);
        std::atomic<int> mismatches{0};
        auto loop = [&](GruLayer& layer, const RunResult& want) {
            for (int i = 0; i < 40; ++i)
                if (!gstest::sameBits(layer.call(m.in, BackendKind::Cpu, none).output, want.output))
                    ++mismatches;
        };
        std::thread other([&] { loop(b, wantB); });
        loop(a, wantA);
        other.join();
        QCOMPARE(mismatches.load(), 0);
    }

    void timeLoopAllocatesNothing_data()
    {
        QTest::addColumn<bool>("resetAfter");
        QTest::addColumn<bool>("dropout");
        QTest::addRow("reset_after") << true << false;
        QTest::addRow("reset_before") << false << false;
        QTest::addRow("dropout, masks, trace") << true << true;
    }

    void timeLoopAllocatesNothing()
    {
        // Straight through the backend interface, so only run() is watched: prepareCall and
        // reserve() may allocate, the loop may not (on any of the team's threads).
        QFETCH(bool, resetAfter);
        QFETCH(bool, dropout);
        Case k;
        k.resetAfter = resetAfter, k.dropout = dropout, k.mask = 1;
        const Made m = make(k);
        const GruWeights w = initializeWeights(m.cfg, 37, 3);
        std::unique_ptr<detail::Backend> backend = detail::makeCpuBackend();
        backend->prepare(m.cfg, w);
        TraceOptions t;
        t.enabled = true;
        for (int pass = 0; pass < 2; ++pass) { // the first pass starts the team's threads
            detail::PreparedCall p;
            RunResult r;
            detail::prepareCall(m.cfg, w, std::nullopt, {}, m.in, t, false, p, r);
            backend->reserve(p, r);
            g_allocations = 0;
            g_countAllocations = pass == 1;
            const detail::RunStatus st = backend->run(p, r);
            g_countAllocations = false;
            QVERIFY(st.code == detail::RunStatus::Code::Ok);
            m_parallel += pass == 1 && r.threads > 1 ? 1 : 0;
        }
        QCOMPARE(g_allocations.load(), int64_t(0));
    }

    void someRunsWereParallel() { QVERIFY(m_parallel > 0); }

    void memoryDoesNotGrowWithT()
    {
        // B=1, U=256: the input projections are made a block of steps at a time, so a call of
        // 4 000 steps holds what one of 1 000 does (both longer than a block).
        GruConfig cfg;
        cfg.units = 256;
        cfg.return_sequences = false;
        GruLayer layer(cfg, initializeWeights(cfg, 64, 1));
        int64_t scratch[2] = {0, 0};
        for (int i = 0; i < 2; ++i) {
            CallInputs in;
            in.x = ArrayF(Shape{1, i == 0 ? 1000 : 4000, 64}, 0.1f);
            scratch[i] = layer.call(in, BackendKind::Cpu, TraceOptions{}).scratchBytes;
        }
        QVERIFY(scratch[0] > 0);
        QCOMPARE(scratch[1], scratch[0]);
        QVERIFY2(scratch[0] < 8 << 20, qPrintable(QString::number(scratch[0])));
    }

    void cancelledCallStops()
    {
        const Made m = make(Case{});
        GruLayer layer(m.cfg, initializeWeights(m.cfg, 37, 3));
        CallProgress progress;
        progress.cancel = true;
        CallInputs in = m.in;
        in.progress = &progress;
        try {
            layer.call(in, BackendKind::Cpu, TraceOptions{});
            QFAIL("a cancelled call returned");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Cancelled);
        }
        QCOMPARE(progress.stepsDone.load(), int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TstCpuBackend)
#include "tst_cpu_backend.moc"
