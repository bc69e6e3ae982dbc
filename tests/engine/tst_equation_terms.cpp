// computeEquationTerms on cases small enough to check by hand (U = 1, I = 1, both reset_after
// variants), the cases where it must take the engine's numbers instead of recomputing (dropout in
// training, softmax), masked steps, and every input it refuses, each with its reason. The equation
// view's tests (tests/widgets/panels) check the same terms against real runs.
#include "test_support.h"

#include "gruscope/equation_terms.h"

#include <QTest>

#include <cmath>

using namespace gruscope;

namespace {

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// One unit, one feature: K = [0.5 | −1 | 2], R = [0.25 | 1.5 | −0.5], x = 2, h_{t−1} = 0.6.
struct HandCase {
    GruConfig config;
    GruWeights weights;
    EquationInputs in;

    explicit HandCase(bool resetAfter)
    {
        config.units = 1;
        config.reset_after = resetAfter;
        weights.kernel = ArrayF(Shape{1, 3}, std::vector<float>{0.5f, -1.0f, 2.0f});
        weights.recurrentKernel = ArrayF(Shape{1, 3}, std::vector<float>{0.25f, 1.5f, -0.5f});
        weights.bias = resetAfter ? ArrayF(Shape{2, 3}, std::vector<float>{0.1f, 0.2f, 0.3f, -0.1f, 0.05f, 0.4f})
                                  : ArrayF(Shape{3}, std::vector<float>{0.1f, 0.2f, 0.3f});
        in.config = config;
        in.weights = &weights;
        in.x = {2.0};
        in.hPrev = {0.6};
        in.traceR = {0.25}; // reset_after=False reads the whole r vector from the trace
    }
};

} // namespace

class TstEquationTerms : public QObject {
    Q_OBJECT
private slots:
    // reset_after=True: h~ = tanh(x·K_h + b_in,h + r·(h·R_h + b_rec,h)).
    void resetAfterByHand()
    {
        HandCase h(true);
        const EquationTerms t = computeEquationTerms(h.in);
        QVERIFY2(t.valid, t.message.c_str());
        const double preZ = 2.0 * 0.5 + double(0.1f) + 0.6 * 0.25 + double(-0.1f);
        const double preR = 2.0 * -1.0 + double(0.2f) + 0.6 * 1.5 + double(0.05f);
        const double z = sigmoid(preZ), r = sigmoid(preR);
        const double preH = 2.0 * 2.0 + double(0.3f) + r * (0.6 * -0.5 + double(0.4f));
        const double hh = std::tanh(preH);
        QVERIFY(std::abs(t.z.xK - 1.0) < 1e-12);
        QVERIFY(std::abs(t.z.hR - 0.15) < 1e-12);
        QCOMPARE(t.z.bIn, double(0.1f));
        QCOMPARE(t.z.bRec, double(-0.1f));
        QVERIFY(std::abs(t.z.pre - preZ) < 1e-12);
        QVERIFY(std::abs(t.r.pre - preR) < 1e-7);
        QVERIFY(std::abs(t.z.value - z) < 1e-7);
        QVERIFY(std::abs(t.r.value - r) < 1e-7);
        QVERIFY(std::abs(t.hh.pre - preH) < 1e-7);
        QVERIFY(std::abs(t.hh.value - hh) < 1e-7);
        QVERIFY(std::abs(t.hNew - (z * 0.6 + (1 - z) * hh)) < 1e-7);
        QCOMPARE(t.hOut, t.hNew); // kept
        QVERIFY(t.recomputed);
        QVERIFY(t.notes.empty());
    }

    // reset_after=False: h~ = tanh(x·K_h + b_h + (r ⊙ h)·R_h) with r from the trace, no b_rec.
    void resetBeforeByHand()
    {
        HandCase h(false);
        const EquationTerms t = computeEquationTerms(h.in);
        QVERIFY2(t.valid, t.message.c_str());
        QCOMPARE(t.hh.bRec, 0.0);
        QCOMPARE(t.z.bRec, 0.0);
        QVERIFY(std::abs(t.hh.hR - 0.25 * 0.6 * -0.5) < 1e-12);
        QVERIFY(std::abs(t.hh.pre - (4.0 + double(0.3f) + 0.25 * 0.6 * -0.5)) < 1e-7);
    }

    // A masked step is evaluated, but the state carries over: h' = h_{t−1}.
    void maskedStepKeepsTheState()
    {
        HandCase h(true);
        h.in.kept = false;
        const EquationTerms t = computeEquationTerms(h.in);
        QVERIFY(t.valid);
        QVERIFY(!t.kept);
        QCOMPARE(t.hOut, 0.6);
        QVERIFY(std::abs(t.hNew - t.hOut) > 1e-3);
        QCOMPARE(int(t.notes.size()), 1);
        QVERIFY(t.notes.front().find("masked step") != std::string::npos);
    }

    // Dropout in training multiplies x and h by masks the terms do not have: the trace's numbers.
    void trainingWithDropoutTakesTheTrace()
    {
        HandCase h(true);
        h.in.config.dropout = 0.5;
        h.in.training = true;
        h.in.tracePreZ = {0.1};
        h.in.traceZ = {0.4};
        h.in.tracePreR = {0.2};
        h.in.traceR = {0.7};
        h.in.tracePreH = {0.3};
        h.in.traceHh = {-0.2};
        const EquationTerms t = computeEquationTerms(h.in);
        QVERIFY(t.valid);
        QVERIFY(!t.recomputed);
        QCOMPARE(t.z.pre, 0.1);
        QCOMPARE(t.z.value, 0.4);
        QCOMPARE(t.hh.value, -0.2);
        QVERIFY(std::abs(t.hOut - (0.4 * 0.6 + 0.6 * -0.2)) < 1e-12);
        // The same layer at inference is recomputed.
        h.in.training = false;
        QVERIFY(computeEquationTerms(h.in).recomputed);
    }

    // softmax normalises across units, so one unit's sum does not give its value.
    void softmaxValuesComeFromTheTrace_data()
    {
        QTest::addColumn<bool>("recurrent");
        QTest::newRow("activation") << false;
        QTest::newRow("recurrent_activation") << true;
    }
    void softmaxValuesComeFromTheTrace()
    {
        QFETCH(bool, recurrent);
        HandCase h(true);
        (recurrent ? h.in.config.recurrent_activation : h.in.config.activation) = "softmax";
        h.in.traceZ = {0.125};
        h.in.traceR = {0.375};
        h.in.traceHh = {0.625};
        const EquationTerms t = computeEquationTerms(h.in);
        QVERIFY2(t.valid, t.message.c_str());
        QCOMPARE(t.gatesFromTrace, recurrent);
        QCOMPARE(t.candidateFromTrace, !recurrent);
        if (recurrent) {
            QCOMPARE(t.z.value, 0.125);
            QCOMPARE(t.r.value, 0.375);
        } else {
            QCOMPARE(t.hh.value, 0.625);
        }
    }

    // Inputs that do not fit give valid = false and say why; nothing throws.
    void refusals_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("reason");
        QTest::newRow("no weights") << "no weights" << "no weights";
        QTest::newRow("unit past the end") << "unit 3" << "unit 3 is outside 0..0";
        QTest::newRow("negative unit") << "unit -1" << "unit -1 is outside 0..0";
        QTest::newRow("x too long") << "x" << "do not fit together (x has 2 features";
        QTest::newRow("state too short") << "h" << "the state has 0 units";
        QTest::newRow("bias of the other variant") << "bias" << "does not fit use_bias/reset_after";
        QTest::newRow("unknown activation") << "activation" << "unknown activation 'swishy'";
    }
    void refusals()
    {
        QFETCH(QString, what);
        QFETCH(QString, reason);
        HandCase h(true);
        if (what == "no weights")
            h.in.weights = nullptr;
        else if (what == "unit 3")
            h.in.unit = 3;
        else if (what == "unit -1")
            h.in.unit = -1;
        else if (what == "x")
            h.in.x = {2.0, 1.0};
        else if (what == "h")
            h.in.hPrev.clear();
        else if (what == "bias")
            h.weights.bias = ArrayF(Shape{3}, 0.1f);
        else if (what == "activation")
            h.in.config.activation = "swishy";
        const EquationTerms t = computeEquationTerms(h.in);
        QVERIFY(!t.valid);
        QVERIFY2(QString::fromStdString(t.message).contains(reason), t.message.c_str());
    }
};

QTEST_GUILESS_MAIN(TstEquationTerms)
#include "tst_equation_terms.moc"
