// What-if edits (gruscope/weight_edits.h): each touches exactly the entries it names, and the
// layer then does what the edit promises: an ablated unit stays at its initial state of 0 and no
// other unit reads it; a held unit keeps any initial state; a bias scale changes one gate only.
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "gruscope/weight_edits.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <random>

using namespace gruscope;

namespace {

constexpr int64_t I = 3, U = 4, T = 40, B = 2;

GruWeights randomWeights(bool resetAfter, uint32_t seed = 5)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(-0.8f, 0.8f);
    GruWeights w;
    w.kernel = ArrayF({I, 3 * U});
    w.recurrentKernel = ArrayF({U, 3 * U});
    w.bias = resetAfter ? ArrayF({2, 3 * U}) : ArrayF({3 * U});
    for (ArrayF* a : {&w.kernel, &w.recurrentKernel, &w.bias})
        for (float& v : a->data)
            v = d(rng);
    return w;
}

GruConfig config(bool resetAfter)
{
    GruConfig c;
    c.units = U;
    c.reset_after = resetAfter;
    c.return_sequences = true;
    return c;
}

ArrayF run(const GruConfig& c, const GruWeights& w, const ArrayF& h0)
{
    GruLayer layer(c, w);
    CallInputs in;
    in.x = ArrayF({B, T, I});
    for (size_t k = 0; k < in.x.data.size(); ++k)
        in.x.data[k] = float(std::sin(0.37 * double(k)));
    in.initialState = h0;
    return layer.call(in, BackendKind::Reference).output;
}

// Data rows for a test run with both reset_after variants.
void addResetAfterRows()
{
    QTest::addColumn<bool>("resetAfter");
    QTest::newRow("reset_after=True") << true;
    QTest::newRow("reset_after=False") << false;
}

int countDiffering(const ArrayF& a, const ArrayF& b)
{
    int n = 0;
    for (size_t k = 0; k < a.data.size(); ++k)
        n += a.data[k] != b.data[k] ? 1 : 0;
    return n;
}

} // namespace

class TstWeightEdits : public QObject {
    Q_OBJECT
private slots:
    void setChangesOneEntry()
    {
        const GruWeights before = randomWeights(true);
        GruWeights w = before;
        WeightEdit e;
        e.tensor = WeightEdit::Tensor::RecurrentKernel;
        e.row = 1;
        e.column = U + 2;
        e.value = 0.75f;
        applyWeightEdit(w, U, e);
        QCOMPARE(w.recurrentKernel.data[size_t(1 * 3 * U + U + 2)], 0.75f);
        QCOMPARE(countDiffering(w.recurrentKernel, before.recurrentKernel), 1);
        QCOMPARE(countDiffering(w.kernel, before.kernel), 0);
        QCOMPARE(describeWeightEdit(e, U), std::string("recurrent_kernel[1, 6] (r of unit 2) = 0.75"));
        // Out of range, non-finite: refused, nothing changed.
        GruWeights same = before;
        e.row = U;
        QVERIFY_THROWS_EXCEPTION(Error, applyWeightEdit(same, U, e));
        e.row = 0;
        e.value = std::nanf("");
        QVERIFY_THROWS_EXCEPTION(Error, applyWeightEdit(same, U, e));
        QCOMPARE(countDiffering(same.recurrentKernel, before.recurrentKernel), 0);
    }

    void scaleBiasTouchesOneGate()
    {
        const GruWeights before = randomWeights(true);
        GruWeights w = before;
        WeightEdit e;
        e.kind = WeightEdit::Kind::ScaleBias;
        e.gate = 1;
        e.factor = -2;
        applyWeightEdit(w, U, e);
        for (int64_t r = 0; r < 2; ++r)
            for (int64_t c = 0; c < 3 * U; ++c) {
                const float b = before.bias.data[size_t(r * 3 * U + c)];
                QCOMPARE(w.bias.data[size_t(r * 3 * U + c)], c / U == 1 ? -2.0f * b : b);
            }
        QCOMPARE(describeWeightEdit(e, U), std::string("bias of r × -2"));
    }

    // Every unit's bias of one gate = value: the input row takes it, the recurrent row (with
    // reset_after) 0; the other gates and the kernels are untouched.
    void setBiasSetsOneGate_data() { addResetAfterRows(); }
    void setBiasSetsOneGate()
    {
        QFETCH(bool, resetAfter);
        const GruWeights before = randomWeights(resetAfter);
        GruWeights w = before;
        WeightEdit e;
        e.kind = WeightEdit::Kind::SetBias;
        e.gate = 1;
        e.value = -10;
        applyWeightEdit(w, U, e);
        const int64_t rows = resetAfter ? 2 : 1;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < 3 * U; ++c) {
                const float want = c / U != 1 ? before.bias.data[size_t(r * 3 * U + c)] : r == 0 ? -10.0f : 0.0f;
                QCOMPARE(w.bias.data[size_t(r * 3 * U + c)], want);
            }
        QCOMPARE(countDiffering(w.kernel, before.kernel), 0);
        QCOMPARE(countDiffering(w.recurrentKernel, before.recurrentKernel), 0);
        QCOMPARE(describeWeightEdit(e, U), std::string("bias of r = -10"));
        // Refused: a gate that does not exist, a value that is not a number, a layer without bias.
        GruWeights same = before;
        e.gate = 3;
        QVERIFY_THROWS_EXCEPTION(Error, applyWeightEdit(same, U, e));
        e.gate = 1;
        e.value = std::numeric_limits<float>::infinity();
        QVERIFY_THROWS_EXCEPTION(Error, applyWeightEdit(same, U, e));
        QCOMPARE(countDiffering(same.bias, before.bias), 0);
        same.bias = ArrayF();
        e.value = 1;
        QVERIFY_THROWS_EXCEPTION(Error, applyWeightEdit(same, U, e));
    }

    void ablatedUnitStaysSilent_data() { addResetAfterRows(); }
    void ablatedUnitStaysSilent()
    {
        QFETCH(bool, resetAfter);
        const GruConfig c = config(resetAfter);
        GruWeights w = randomWeights(resetAfter);
        WeightEdit e;
        e.kind = WeightEdit::Kind::Ablate;
        e.unit = 2;
        applyWeightEdit(w, U, e);
        const ArrayF out = run(c, w, ArrayF({B, U}, 0.0f));
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                QCOMPARE(out.data[size_t((b * T + t) * U + 2)], 0.0f);
        // No other unit reads it: its row of R is zero.
        for (int64_t col = 0; col < 3 * U; ++col)
            QCOMPARE(w.recurrentKernel.data[size_t(2 * 3 * U + col)], 0.0f);
        QCOMPARE(describeWeightEdit(e, U), std::string("ablate unit 2"));
    }

    void heldUnitKeepsItsState_data() { ablatedUnitStaysSilent_data(); }
    void heldUnitKeepsItsState()
    {
        QFETCH(bool, resetAfter);
        const GruConfig c = config(resetAfter);
        GruWeights w = randomWeights(resetAfter);
        WeightEdit e;
        e.kind = WeightEdit::Kind::Hold;
        e.unit = 1;
        applyWeightEdit(w, U, e);
        ArrayF h0({B, U}, 0.0f);
        h0.data[size_t(0 * U + 1)] = 0.7f;
        h0.data[size_t(1 * U + 1)] = -0.4f;
        const ArrayF out = run(c, w, h0);
        // z = σ(20): h moves by 2e-9 of (h~ − h) per step, under 1e-7 over 40 steps.
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                QVERIFY(std::fabs(out.data[size_t((b * T + t) * U + 1)] - h0.data[size_t(b * U + 1)]) < 1e-6f);
        // Without a bias a unit cannot be held.
        GruWeights noBias = randomWeights(false);
        noBias.bias = ArrayF();
        QVERIFY_THROWS_EXCEPTION(Error, applyWeightEdit(noBias, U, e));
        e.unit = U;
        QVERIFY_THROWS_EXCEPTION(Error, applyWeightEdit(w, U, e));
    }
};

QTEST_APPLESS_MAIN(TstWeightEdits)
#include "tst_weight_edits.moc"
