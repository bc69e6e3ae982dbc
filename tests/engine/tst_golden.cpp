// Every case of the Keras-generated matrix (tests/data/golden, made by tools/make_golden.py with
// real Keras): the cpu backend must match Keras's float32 numbers and the reference backend must
// match Keras's float64 twin of the same layer.
#include "gruscope/config.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "gruscope/npy.h"
#include "golden.h"
#include "test_support.h"

#include <QTest>

#include <algorithm>

using namespace gruscope;

using gstest::GoldenCase;


class TstGolden : public QObject {
    Q_OBJECT
    double m_worstCpu = 0, m_worstRef32 = 0, m_worstRef64 = 0;

private slots:
    void cleanupTestCase()
    {
        // The figures quoted in the issue note come from here.
        qInfo("largest |difference| over all cases: cpu vs Keras float32 %.3g, reference vs Keras float32 %.3g, "
              "reference float64 vs Keras float64 %.3g",
              m_worstCpu, m_worstRef32, m_worstRef64);
    }

    void manifestNamesVersions()
    {
        const auto& v = gstest::goldenManifest()["versions"];
        QVERIFY(v.contains("keras"));
        QVERIFY(v.contains("tensorflow"));
        QVERIFY(gstest::goldenManifest()["cases"].size() >= 100);
    }

    void matchesKeras_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<QString>("backend");
        const auto& cases = gstest::goldenManifest()["cases"];
        for (size_t i = 0; i < cases.size(); ++i) {
            const std::string name = cases[i]["name"].get<std::string>();
            QTest::newRow((name + "/cpu").c_str()) << int(i) << QStringLiteral("cpu");
            QTest::newRow((name + "/reference").c_str()) << int(i) << QStringLiteral("reference");
        }
    }

    void matchesKeras()
    {
        QFETCH(int, index);
        QFETCH(QString, backend);
        const GoldenCase gc = gstest::loadGoldenCase(size_t(index));
        const bool reference = backend == QLatin1String("reference");
        std::string issues;
        const GruConfig config = gstest::goldenConfig(gc, &issues);
        QVERIFY2(issues.empty(), issues.c_str());
        GruLayer layer(config, gstest::goldenWeights(gc));
        const int calls = gc.meta["calls"].get<int>();
        for (int k = 0; k < calls; ++k) {
            const std::string sfx = GoldenCase::suffix(k);
            const RunResult r = layer.call(gstest::goldenInputs(gc, k), reference ? BackendKind::Reference : BackendKind::Cpu);
            // float32 Keras: both backends within about 1e-5.
            const double atol32 = reference ? 2e-6 : 1e-5;
            double& worst = reference ? m_worstRef32 : m_worstCpu;
            worst = std::max({worst, gstest::maxAbsDiff(r.output, gc.f("output" + sfx)), gstest::maxAbsDiff(r.state, gc.f("state" + sfx))});
            if (reference)
                m_worstRef64 = std::max({m_worstRef64, gstest::maxAbsDiff(r.output64, gc.d("output64" + sfx)),
                                         gstest::maxAbsDiff(r.state64, gc.d("state64" + sfx))});
            GS_VERIFY_CLOSE(r.output, gc.f("output" + sfx), atol32, 1e-5);
            GS_VERIFY_CLOSE(r.state, gc.f("state" + sfx), atol32, 1e-5);
            if (reference) {
                // float64 Keras twin: the reference backend computes the same sums in float64.
                GS_VERIFY_CLOSE(r.output64, gc.d("output64" + sfx), 1e-10, 1e-10);
                GS_VERIFY_CLOSE(r.state64, gc.d("state64" + sfx), 1e-10, 1e-10);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TstGolden)
#include "tst_golden.moc"
