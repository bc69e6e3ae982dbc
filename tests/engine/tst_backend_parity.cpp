// Every backend against the float64 reference on every golden case, in the style of ggml's
// test-backend-ops: a backend joins by registering (backends/registry.cpp) and is checked here on
// every machine where it can run. The cudnn backend's host logic also runs on a CPU stand-in for
// cuDNN (tests/support/cudnn_standin.h), so it is checked on machines without a GPU.
//
// Error bound, for the float32 backends against the float64 reference: outputs, states and
// traced gates within 2e-5 + 1e-5·|reference| (Keras itself is matched at 1e-5 by tst_golden; the
// reference matches Keras's float32 numbers within 2e-6).
#include "backends/backend.h"
#include "backends/cudnn_executor.h"
#include "cudnn_standin.h"
#include "golden.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "test_support.h"

#include <QTest>

#include <map>

using namespace gruscope;

namespace {

constexpr double kAtol = 2e-5, kRtol = 1e-5;
const char* const kStandIn = "cudnn-standin";

TraceOptions fullTrace()
{
    TraceOptions t;
    t.enabled = true;
    return t;
}

} // namespace

class TstBackendParity : public QObject {
    Q_OBJECT
    std::map<std::string, double> m_worst;
    std::map<std::string, int> m_ran;

private slots:
    void cleanupTestCase()
    {
        for (const auto& [name, worst] : m_worst)
            qInfo("%s: %d case(s) run, largest |difference| from the reference %.3g", name.c_str(), m_ran[name], worst);
    }

    void everyBackendIsRegisteredAndDescribed()
    {
        // The registry knows every kind; each says what it is and, where it cannot run, why.
        const std::vector<BackendDescription> all = describeBackends();
        QCOMPARE(int(all.size()), 4);
        for (BackendKind k : {BackendKind::Cudnn, BackendKind::Cuda, BackendKind::Cpu, BackendKind::Reference}) {
            const auto it = std::find_if(all.begin(), all.end(), [&](const BackendDescription& d) { return d.kind == k; });
            QVERIFY2(it != all.end(), backendName(k));
            QVERIFY(!it->summary.empty());
            QVERIFY2(it->usable || !it->reason.empty(), backendName(k));
        }
        // auto's order is Keras's preference: cuDNN, the generic GPU loop, the CPU.
        QCOMPARE(all[0].kind, BackendKind::Cudnn);
        QCOMPARE(all[1].kind, BackendKind::Cuda);
        QCOMPARE(all[2].kind, BackendKind::Cpu);
        QVERIFY(!detail::autoConsiders(BackendKind::Reference));
    }

    void matchesReference_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<QString>("backend");
        std::vector<std::string> variants;
        for (const BackendDescription& d : describeBackends())
            if (d.usable && d.kind != BackendKind::Reference)
                variants.push_back(d.name);
        variants.push_back(kStandIn);
        const auto& cases = gstest::goldenManifest()["cases"];
        for (size_t i = 0; i < cases.size(); ++i)
            for (const std::string& v : variants)
                QTest::newRow((cases[i]["name"].get<std::string>() + "/" + v).c_str()) << int(i) << QString::fromStdString(v);
    }

    void matchesReference()
    {
        QFETCH(int, index);
        QFETCH(QString, backend);
        const gstest::GoldenCase gc = gstest::loadGoldenCase(size_t(index));
        const GruConfig config = gstest::goldenConfig(gc);
        GruLayer ref(config, gstest::goldenWeights(gc));
        GruLayer layer(config, gstest::goldenWeights(gc));
        BackendKind kind;
        gstest::CudnnStandIn::Control control;
        if (backend == QLatin1String(kStandIn)) {
            kind = BackendKind::Cudnn;
            layer.adoptBackend(detail::makeCudnnBackendWith(std::make_unique<gstest::CudnnStandIn>(&control), DeviceInfo::assumedGpu()));
        } else {
            kind = *backendFromName(backend.toStdString());
        }

        for (int k = 0; k < gc.calls(); ++k) {
            const BackendSupport support = layer.supports(gstest::goldenInputs(gc, k), kind);
            if (!support.ok)
                QSKIP(("not run on this backend: " + support.reason).c_str());
        }

        double worst = 0;
        for (int k = 0; k < gc.calls(); ++k) {
            const CallInputs in = gstest::goldenInputs(gc, k);
            const RunResult r = ref.call(in, BackendKind::Reference, fullTrace());
            const RunResult got = layer.call(in, kind, fullTrace());
            QCOMPARE(got.backend, std::string(backendName(kind)));
            GS_VERIFY_CLOSE(got.output, r.output64, kAtol, kRtol);
            GS_VERIFY_CLOSE(got.state, r.state64, kAtol, kRtol);
            worst = std::max({worst, gstest::maxAbsDiff(got.output, r.output64), gstest::maxAbsDiff(got.state, r.state64)});
            // The trace: gates recorded (cpu) or rebuilt from the device's states (GPU backends).
            QCOMPARE(got.trace.samples, r.trace.samples);
            QCOMPARE(got.trace.kept.data, r.trace.kept.data);
            QCOMPARE(got.trace.rebuilt, kind == BackendKind::Cudnn || kind == BackendKind::Cuda);
            for (auto member : {&Trace::z, &Trace::r, &Trace::hh, &Trace::h, &Trace::preZ, &Trace::preR, &Trace::preH}) {
                GS_VERIFY_CLOSE(got.trace.*member, r.trace.*member, kAtol, kRtol);
                worst = std::max(worst, gstest::maxAbsDiff(got.trace.*member, r.trace.*member));
            }
        }
        const std::string name = backend.toStdString();
        m_worst[name] = std::max(m_worst[name], worst);
        ++m_ran[name];
        if (backend == QLatin1String(kStandIn))
            QCOMPARE(control.counters.uploads, 1); // weights packed and uploaded once per layer
    }
};

QTEST_GUILESS_MAIN(TstBackendParity)
#include "tst_backend_parity.moc"
