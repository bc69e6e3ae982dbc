// compareBackends: the differences it reports equal the ones computed here from two plain calls,
// backends that cannot run are rows with reasons, and every backend starts from the same state.
#include "gruscope/compare.h"
#include "gruscope/error.h"
#include "test_support.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace gruscope;

namespace {

struct Case {
    GruConfig config;
    GruWeights weights;
    CallInputs in;
};

Case makeCase(bool stateful)
{
    std::mt19937 rng(11);
    std::normal_distribution<float> n(0.0f, 0.6f);
    Case c;
    c.config.units = 5;
    c.config.return_sequences = true;
    c.config.stateful = stateful;
    c.config.reset_after = false; // not cuDNN-eligible: the cudnn row must say so where a GPU exists
    c.weights.kernel = ArrayF({3, 15});
    c.weights.recurrentKernel = ArrayF({5, 15});
    c.weights.bias = ArrayF({15});
    for (ArrayF* a : {&c.weights.kernel, &c.weights.recurrentKernel, &c.weights.bias})
        for (float& v : a->data)
            v = n(rng);
    c.in.x = ArrayF({2, 9, 3});
    for (float& v : c.in.x.data)
        v = n(rng);
    c.in.mask = ArrayU8({2, 9}, 1);
    c.in.mask->data[4] = 0; // a hole in sample 0
    return c;
}

} // namespace

class TstCompare : public QObject {
    Q_OBJECT

private slots:
    void differencesAreThoseOfPlainCalls()
    {
        const Case c = makeCase(false);
        CompareOptions o;
        o.backends = {BackendKind::Cpu};
        o.repeats = 2;
        const CompareReport rep = compareBackends(c.config, c.weights, c.in, o);
        QCOMPARE(rep.rows.size(), size_t(1));
        const CompareRow& row = rep.rows[0];
        QVERIFY2(row.ran, row.reason.c_str());
        QCOMPARE(row.timedCalls, 2);

        TraceOptions t;
        t.enabled = true;
        GruLayer a(c.config, c.weights), b(c.config, c.weights);
        const RunResult cpu = a.call(c.in, BackendKind::Cpu, t), ref = b.call(c.in, BackendKind::Reference, t);
        QCOMPARE(row.maxAbsOutput, gstest::maxAbsDiff(cpu.output, ref.output64));
        QCOMPARE(row.maxAbsState, gstest::maxAbsDiff(cpu.state, ref.state64));
        QCOMPARE(row.maxAbsPerStep.size(), size_t(9));
        QCOMPARE(row.maxAbsPerUnit.size(), size_t(5));
        double worst = 0;
        for (int64_t s = 0; s < 9; ++s) {
            double m = 0;
            for (int64_t k = 0; k < 2; ++k)
                for (int64_t u = 0; u < 5; ++u) {
                    const size_t at = size_t((k * 9 + s) * 5 + u);
                    m = std::max(m, std::fabs(double(cpu.trace.h.data[at]) - double(ref.trace.h.data[at])));
                }
            QCOMPARE(row.maxAbsPerStep[size_t(s)], m);
            worst = std::max(worst, m);
        }
        QVERIFY(worst > 0 && worst < 1e-5);
        QCOMPARE(row.maxAbsPerStep[size_t(row.worstStep)], worst);
        QCOMPARE(row.firstStepOver, int64_t(-1));
    }

    void backendsThatCannotRunAreRowsWithReasons()
    {
        const Case c = makeCase(false);
        const CompareReport rep = compareBackends(c.config, c.weights, c.in); // cpu, reference, cudnn, cuda
        QCOMPARE(rep.rows.size(), size_t(4));
        QVERIFY(rep.rows[0].ran && rep.rows[1].ran);
        const CompareRow& cudnn = rep.rows[2];
        QVERIFY(!cudnn.ran);
        // Without a GPU the reason is the device; with one, Keras's conditions (reset_after=False, a hole).
        QVERIFY2(!cudnn.reason.empty(), cudnn.reason.c_str());
        if (probeDevice().present)
            QVERIFY2(cudnn.reason.find("reset_after") != std::string::npos, cudnn.reason.c_str());
        else
            QVERIFY2(cudnn.reason.find(probeDevice().reason) != std::string::npos, cudnn.reason.c_str());
        const std::string json = rep.toJson();
        QVERIFY(json.find("\"reason\"") != std::string::npos && json.find("\"max_abs_per_step\"") != std::string::npos);
    }

    void statefulLayersStartFromTheSameStateEveryCall()
    {
        const Case c = makeCase(true);
        CompareOptions o;
        o.backends = {BackendKind::Reference};
        o.warmups = 2;
        o.repeats = 3;
        const CompareReport rep = compareBackends(c.config, c.weights, c.in, o);
        // Five calls before the traced one: had the state carried over, float64 against itself
        // would differ by far more than the float32 rounding of its own output.
        QVERIFY(rep.rows[0].ran);
        QVERIFY2(rep.rows[0].maxAbsState < 1e-7, std::to_string(rep.rows[0].maxAbsState).c_str());
    }

    void badInputsThrowInsteadOfFillingRows()
    {
        Case c = makeCase(false);
        c.in.x.data[3] = std::nanf("");
        QVERIFY_THROWS_EXCEPTION(Error, compareBackends(c.config, c.weights, c.in));
    }
};

QTEST_GUILESS_MAIN(TstCompare)
#include "tst_compare.moc"
