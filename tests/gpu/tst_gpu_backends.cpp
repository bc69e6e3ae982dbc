// The cudnn and cuda backends on the device, against the float64 reference: every golden case
// made by real Keras (cuda must run every one; cudnn the eligible ones), TF32 and the persistent
// algorithms, cuDNN's raw padded outputs, a large shape against the cpu backend, cancellation and
// run-to-run equality. Without a usable GPU every test skips and says why.
#include "golden.h"
#include "gruscope/device.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "test_support.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

using namespace gruscope;

namespace {

// The stated bound of tst_backend_parity: 2e-5 + 1e-5·|reference|.
constexpr double kAtol = 2e-5, kRtol = 1e-5;

TraceOptions fullTrace()
{
    TraceOptions t;
    t.enabled = true;
    return t;
}

struct Random {
    std::mt19937 rng{42};
    ArrayF array(Shape s, float scale)
    {
        std::normal_distribution<float> n(0.0f, scale);
        ArrayF a(std::move(s));
        for (float& v : a.data)
            v = n(rng);
        return a;
    }
    GruWeights weights(int64_t I, int64_t U)
    {
        GruWeights w;
        w.kernel = array({I, 3 * U}, 1.0f / std::sqrt(float(I)));
        w.recurrentKernel = array({U, 3 * U}, 1.0f / std::sqrt(float(U)));
        w.bias = array({2, 3 * U}, 0.1f);
        return w;
    }
};

GruConfig sequences(int64_t U)
{
    GruConfig c;
    c.units = U;
    c.return_sequences = true;
    return c;
}

} // namespace

class TstGpuBackends : public QObject {
    Q_OBJECT
    double m_worst[2] = {0, 0};
    int m_ran[2] = {0, 0};

private slots:
    void initTestCase()
    {
        const DeviceInfo& d = probeDevice();
        QVERIFY(!d.reason.empty());
        if (!d.cudaUsable)
            QSKIP(("no usable GPU: " + d.reason).c_str());
        qInfo("%s", d.reason.c_str());
    }

    void cleanupTestCase()
    {
        qInfo("golden cases: cudnn %d run, largest |difference| from the reference %.3g; cuda %d run, %.3g", m_ran[0], m_worst[0],
              m_ran[1], m_worst[1]);
    }

    void goldenCases_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<int>("backend");
        const auto& cases = gstest::goldenManifest()["cases"];
        for (size_t i = 0; i < cases.size(); ++i)
            for (BackendKind k : {BackendKind::Cudnn, BackendKind::Cuda})
                QTest::newRow((cases[i]["name"].get<std::string>() + "/" + backendName(k)).c_str()) << int(i) << int(k);
    }

    void goldenCases()
    {
        QFETCH(int, index);
        QFETCH(int, backend);
        const BackendKind kind = BackendKind(backend);
        const gstest::GoldenCase gc = gstest::loadGoldenCase(size_t(index));
        const GruConfig config = gstest::goldenConfig(gc);
        GruLayer ref(config, gstest::goldenWeights(gc)), layer(config, gstest::goldenWeights(gc));
        for (int k = 0; k < gc.calls(); ++k) {
            const BackendSupport s = layer.supports(gstest::goldenInputs(gc, k), kind);
            if (!s.ok) {
                // The generic GPU loop runs every configuration; cuDNN only what Keras would give it.
                QVERIFY2(kind == BackendKind::Cudnn, s.reason.c_str());
                QVERIFY2(s.eligibility && !s.eligibility->eligible, s.reason.c_str());
                QSKIP(("not eligible for cuDNN: " + s.reason).c_str());
            }
        }
        double worst = 0;
        for (int k = 0; k < gc.calls(); ++k) {
            const CallInputs in = gstest::goldenInputs(gc, k);
            const RunResult want = ref.call(in, BackendKind::Reference, fullTrace());
            const RunResult got = layer.call(in, kind, fullTrace());
            QCOMPARE(got.backend, std::string(backendName(kind)));
            GS_VERIFY_CLOSE(got.output, want.output64, kAtol, kRtol);
            GS_VERIFY_CLOSE(got.state, want.state64, kAtol, kRtol);
            QVERIFY(got.trace.rebuilt);
            for (auto m : {&Trace::z, &Trace::r, &Trace::hh, &Trace::h})
                GS_VERIFY_CLOSE(got.trace.*m, want.trace.*m, kAtol, kRtol);
            // And Keras's own float32 numbers.
            GS_VERIFY_CLOSE(got.output, gc.f("output" + gstest::GoldenCase::suffix(k)), 2e-5, 1e-5);
            worst = std::max({worst, gstest::maxAbsDiff(got.output, want.output64), gstest::maxAbsDiff(got.state, want.state64)});
        }
        const int slot = kind == BackendKind::Cudnn ? 0 : 1;
        m_worst[slot] = std::max(m_worst[slot], worst);
        ++m_ran[slot];
    }

    void cudnnOptions_data()
    {
        QTest::addColumn<int>("algo");
        QTest::addColumn<bool>("tf32");
        QTest::addColumn<int>("units");
        QTest::newRow("standard, FMA") << int(GpuOptions::CudnnAlgo::Standard) << false << 256;
        QTest::newRow("standard, TF32") << int(GpuOptions::CudnnAlgo::Standard) << true << 256;
        QTest::newRow("persist static small h, U=128") << int(GpuOptions::CudnnAlgo::PersistStaticSmallH) << false << 128;
        QTest::newRow("persist dynamic") << int(GpuOptions::CudnnAlgo::PersistDynamic) << false << 256;
    }

    void cudnnOptions()
    {
        QFETCH(int, algo);
        QFETCH(bool, tf32);
        QFETCH(int, units);
        if (!probeDevice().present)
            QSKIP(("no usable GPU with cuDNN: " + probeDevice().reason).c_str());
        Random r;
        const int64_t B = 8, T = 50, I = 128, U = units;
        const GruWeights w = r.weights(I, U);
        GruLayer layer(sequences(U), w), ref(sequences(U), w);
        CallInputs in;
        in.x = r.array({B, T, I}, 1.0f);
        in.gpu.algo = GpuOptions::CudnnAlgo(algo);
        in.gpu.allowTf32 = tf32;
        RunResult got;
        try {
            got = layer.call(in, BackendKind::Cudnn);
        } catch (const Error& e) {
            if (std::string(e.what()).find("NOT_SUPPORTED") != std::string::npos)
                QSKIP(("cuDNN does not support this algorithm here: " + std::string(e.what())).c_str());
            throw;
        }
        const RunResult want = ref.call(in, BackendKind::Reference);
        const double d = gstest::maxAbsDiff(got.output, want.output64);
        qInfo("max|Δ| from float64: %.3g (device forward %.3f ms, copies %.3f ms)", d, got.deviceSeconds * 1e3, got.transferSeconds * 1e3);
        // TF32 keeps a 10-bit mantissa in the products: about 1e-3, reported, not held to 1e-5.
        QVERIFY2(d < (tf32 ? 2e-2 : 5e-5), std::to_string(d).c_str());
        QVERIFY(got.deviceSeconds > 0);
    }

    void rawPaddedOutputsAreZeros()
    {
        if (!probeDevice().present)
            QSKIP(("no usable GPU with cuDNN: " + probeDevice().reason).c_str());
        Random r;
        const int64_t B = 3, T = 10, I = 4, U = 16;
        GruLayer layer(sequences(U), r.weights(I, U));
        CallInputs in;
        in.x = r.array({B, T, I}, 1.0f);
        in.mask = ArrayU8({B, T}, 1);
        for (int64_t t = 6; t < T; ++t)
            in.mask->data[size_t(t)] = 0; // sample 0 has length 6
        in.gpu.rawPaddedOutputs = true;
        const RunResult raw = layer.call(in, BackendKind::Cudnn);
        for (int64_t t = 6; t < T; ++t)
            for (int64_t j = 0; j < U; ++j)
                QCOMPARE(raw.output.data[size_t(t * U + j)], 0.0f);
        in.gpu.rawPaddedOutputs = false;
        const RunResult keras = layer.call(in, BackendKind::Cudnn);
        for (int64_t j = 0; j < U; ++j)
            QCOMPARE(keras.output.data[size_t(8 * U + j)], keras.output.data[size_t(5 * U + j)]);
    }

    void largeShapeAgreesWithTheCpu_data()
    {
        QTest::addColumn<int>("backend");
        QTest::newRow("cudnn") << int(BackendKind::Cudnn);
        QTest::newRow("cuda") << int(BackendKind::Cuda);
    }

    void largeShapeAgreesWithTheCpu()
    {
        QFETCH(int, backend);
        if (BackendKind(backend) == BackendKind::Cudnn && !probeDevice().present)
            QSKIP(("no usable GPU with cuDNN: " + probeDevice().reason).c_str());
        Random r;
        const int64_t B = 64, T = 100, I = 512, U = 512;
        GruLayer layer(sequences(U), r.weights(I, U)), cpu(layer.config(), layer.weights());
        CallInputs in;
        in.x = r.array({B, T, I}, 1.0f);
        const RunResult got = layer.call(in, BackendKind(backend));
        const RunResult want = cpu.call(in, BackendKind::Cpu);
        const double d = gstest::maxAbsDiff(got.output, want.output);
        qInfo("%s vs cpu at 64×100×512×512: max|Δ| %.3g; %.2f ms (device %.2f ms) vs cpu %.1f ms", got.backend.c_str(), d,
              got.seconds * 1e3, got.deviceSeconds * 1e3, want.seconds * 1e3);
        QVERIFY2(d < 1e-4, std::to_string(d).c_str());
    }

    void sameBitsEveryRun_data()
    {
        largeShapeAgreesWithTheCpu_data();
    }

    void sameBitsEveryRun()
    {
        QFETCH(int, backend);
        if (BackendKind(backend) == BackendKind::Cudnn && !probeDevice().present)
            QSKIP(("no usable GPU with cuDNN: " + probeDevice().reason).c_str());
        Random r;
        GruLayer layer(sequences(96), r.weights(32, 96));
        CallInputs in;
        in.x = r.array({16, 40, 32}, 1.0f);
        const RunResult a = layer.call(in, BackendKind(backend)), b = layer.call(in, BackendKind(backend));
        QCOMPARE(a.output.data, b.output.data);
    }

    void cudaCallsCanBeCancelled()
    {
        Random r;
        GruConfig c = sequences(128);
        c.stateful = true;
        GruLayer layer(c, r.weights(16, 128));
        CallProgress progress;
        CallInputs in;
        in.x = r.array({1, 200000, 16}, 1.0f);
        in.progress = &progress;
        std::thread canceller([&] {
            while (progress.stepsDone.load() < 100)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            progress.cancel = true;
        });
        try {
            layer.call(in, BackendKind::Cuda);
            canceller.join();
            QFAIL("the call ran to its end although it was cancelled");
        } catch (const Error& e) {
            canceller.join();
            QCOMPARE(e.code(), ErrorCode::Cancelled);
        }
        QVERIFY(progress.stepsDone.load() < 200000);
        QVERIFY(!layer.storedState()); // a cancelled call leaves a stateful layer as it was
    }
};

QTEST_GUILESS_MAIN(TstGpuBackends)
#include "tst_gpu_backends.moc"
