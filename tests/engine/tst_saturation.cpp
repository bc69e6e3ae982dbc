// analyzeSaturation on hand-built traces whose fractions, z̄ and flags are known by construction
// (masked steps excluded, one slot or every sample, τ at z̄ = 0.5 and 0.9 and at its ∞ and 0
// edges, every refusal with its reason), and on a real run of the cpu backend whose update-gate
// biases make one unit stuck (b_z = +10: z ≈ 1, τ huge) and another forgetful (b_z = −10: τ ≈ 0).
#include "test_support.h"

#include "gruscope/weights.h"
#include "gruscope/layer.h"
#include "gruscope/saturation.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <random>

using namespace gruscope;

namespace {

// S samples × W steps × U units, every value `fill`, every step kept.
Trace makeTrace(int64_t S, int64_t W, int64_t U, float fill = 0.5f)
{
    Trace t;
    for (int64_t s = 0; s < S; ++s)
        t.samples.push_back(s);
    t.stepBegin = 0;
    t.stepEnd = W;
    t.units = U;
    for (ArrayF* a : {&t.z, &t.r, &t.hh, &t.h, &t.preZ, &t.preR, &t.preH})
        *a = ArrayF(Shape{S, W, U}, fill);
    t.kept = ArrayU8(Shape{S, W}, uint8_t(1));
    for (int64_t w = 0; w < W; ++w)
        t.timeIndex.push_back(w);
    return t;
}

float& at(ArrayF& a, const Trace& t, int64_t s, int64_t w, int64_t u)
{
    return a.data[size_t((s * t.steps() + w) * t.units + u)];
}

bool near(double a, double b, double tol = 1e-9) { return std::abs(a - b) <= tol; }

} // namespace

class TstSaturation : public QObject {
    Q_OBJECT
private slots:
    // 10 steps, unit 0: z = 0.05 ×3, 0.95 ×5, 0.5 ×2; r = 0.02 ×1, 0.99 ×4; |h~| > 0.9 on 2 steps.
    void fractionsByHand()
    {
        Trace t = makeTrace(1, 10, 2);
        const float z[10] = {0.05f, 0.05f, 0.05f, 0.95f, 0.95f, 0.95f, 0.95f, 0.95f, 0.5f, 0.5f};
        for (int w = 0; w < 10; ++w) {
            at(t.z, t, 0, w, 0) = z[w];
            at(t.r, t, 0, w, 0) = w == 0 ? 0.02f : w < 5 ? 0.99f : 0.5f;
            at(t.hh, t, 0, w, 0) = w == 3 ? -0.95f : w == 7 ? 0.97f : 0.2f;
            at(t.h, t, 0, w, 0) = 0.1f * float(w); // moves: not dead
            at(t.h, t, 0, w, 1) = 0.01f * float(w);
        }
        const SaturationReport rep = analyzeSaturation(t);
        QVERIFY2(rep.valid(), rep.message.c_str());
        QCOMPARE(rep.steps, int64_t(10));
        QCOMPARE(rep.units.size(), size_t(2));
        const UnitSaturation& u = rep.units[0];
        QVERIFY(near(u.lowZ, 0.3));
        QVERIFY(near(u.highZ, 0.5));
        QVERIFY(near(u.lowR, 0.1));
        QVERIFY(near(u.highR, 0.4));
        QVERIFY(near(u.satHh, 0.2));
        const double zMean = (3 * double(0.05f) + 5 * double(0.95f) + 2 * 0.5) / 10;
        QVERIFY(near(u.zMean, zMean, 1e-12));
        QVERIFY(near(u.tau, -1.0 / std::log(zMean), 1e-9));
        QCOMPARE(u.flags, unsigned(kSatNone));
        // Unit 1: everything 0.5, nothing saturated.
        const UnitSaturation& v = rep.units[1];
        QCOMPARE(v.lowZ + v.highZ + v.lowR + v.highR + v.satHh, 0.0);
        QCOMPARE(v.zMean, 0.5);
    }

    // τ = −1/ln z̄: 1/ln 2 ≈ 1.4427 steps at 0.5, ≈ 9.491 at 0.9; ∞ at and above 1, 0 at and below 0.
    void timeConstant()
    {
        QVERIFY(near(memoryTimeConstant(0.5), 1.0 / std::log(2.0), 1e-12));
        QVERIFY(near(memoryTimeConstant(0.5), 1.4427, 1e-4));
        QVERIFY(near(memoryTimeConstant(0.9), 9.4912, 1e-4));
        QVERIFY(std::isinf(memoryTimeConstant(1.0)) && memoryTimeConstant(1.0) > 0);
        QVERIFY(std::isinf(memoryTimeConstant(1.5)));
        QCOMPARE(memoryTimeConstant(0.0), 0.0);
        QCOMPARE(memoryTimeConstant(-0.25), 0.0);
        QVERIFY(std::isnan(memoryTimeConstant(std::numeric_limits<double>::quiet_NaN())));

        // The same through a trace: unit 0 z ≡ 0.5, unit 1 z ≡ 0.9 (float), unit 2 z ≡ 1, unit 3 z ≡ 0.
        Trace t = makeTrace(2, 6, 4);
        for (int s = 0; s < 2; ++s)
            for (int w = 0; w < 6; ++w) {
                at(t.z, t, s, w, 1) = 0.9f;
                at(t.z, t, s, w, 2) = 1.0f;
                at(t.z, t, s, w, 3) = 0.0f;
            }
        const SaturationReport rep = analyzeSaturation(t);
        QVERIFY2(rep.valid(), rep.message.c_str());
        QVERIFY(near(rep.units[0].tau, 1.0 / std::log(2.0), 1e-12));
        QVERIFY(near(rep.units[1].tau, -1.0 / std::log(double(0.9f)), 1e-9));
        QVERIFY(std::isinf(rep.units[2].tau));
        QCOMPARE(rep.units[3].tau, 0.0);
        QCOMPARE(rep.units[2].highZ, 1.0);
        QCOMPARE(rep.units[3].lowZ, 1.0);
    }

    // Masked steps are left out: their wild gates change nothing, and the step count drops.
    void maskedStepsExcluded()
    {
        Trace t = makeTrace(2, 8, 1);
        for (int s = 0; s < 2; ++s)
            for (int w = 0; w < 8; ++w)
                at(t.h, t, s, w, 0) = 0.1f * float(w);
        // Sample 0 masks steps 5..7 and sample 1 step 0, each with z = 0.99, r = 0.01 and h = 5.
        for (auto [s, w] : {std::pair{0, 5}, {0, 6}, {0, 7}, {1, 0}}) {
            t.kept.data[size_t(s * 8 + w)] = 0;
            at(t.z, t, s, w, 0) = 0.99f;
            at(t.r, t, s, w, 0) = 0.01f;
            at(t.h, t, s, w, 0) = 5.0f;
        }
        const SaturationReport rep = analyzeSaturation(t);
        QVERIFY2(rep.valid(), rep.message.c_str());
        QCOMPARE(rep.steps, int64_t(12));
        QCOMPARE(rep.units[0].highZ, 0.0);
        QCOMPARE(rep.units[0].lowR, 0.0);
        QCOMPARE(rep.units[0].zMean, 0.5);
        // h over sample 0's kept steps 0..4 spans 0.4, sample 1's steps 1..7 span 0.6 (not 5 − 0).
        QVERIFY(near(rep.units[0].hRange, double(0.7f) - double(0.1f), 1e-7));

        // One slot: sample 0 alone.
        const SaturationReport one = analyzeSaturation(t, SaturationOptions{0, {}});
        QVERIFY(one.valid());
        QCOMPARE(one.steps, int64_t(5));
        QCOMPARE(one.samples, std::vector<int64_t>{0});
        QCOMPARE(rep.samples, (std::vector<int64_t>{0, 1}));

        // Everything masked: nothing to analyse, and why.
        std::fill(t.kept.data.begin(), t.kept.data.end(), uint8_t(0));
        const SaturationReport none = analyzeSaturation(t);
        QVERIFY(!none.valid());
        QCOMPARE(none.steps, int64_t(0));
        QVERIFY(QString::fromStdString(none.message).contains(QLatin1String("mask")));
    }

    // dead: h flat within 1e-4; stuck: z > 0.9 on ≥ 95 % of the steps; always-reset: r < 0.1 on
    // ≥ 95 %. 20 steps: 19 saturated steps are exactly 95 % (flagged), 18 are 90 % (not).
    void flags()
    {
        Trace t = makeTrace(1, 20, 6);
        for (int w = 0; w < 20; ++w) {
            for (int u = 0; u < 6; ++u)
                at(t.h, t, 0, w, u) = 0.05f * float(w); // moving
            at(t.h, t, 0, w, 0) = 0.3f + (w % 2 ? 4e-5f : 0.0f); // dead: range 4e-5
            at(t.h, t, 0, w, 1) = 0.3f + (w % 2 ? 3e-4f : 0.0f); // alive: range 3e-4
            at(t.z, t, 0, w, 2) = w < 19 ? 0.95f : 0.5f;         // stuck: 19 of 20
            at(t.z, t, 0, w, 3) = w < 18 ? 0.95f : 0.5f;         // 18 of 20: not stuck
            at(t.r, t, 0, w, 4) = w < 19 ? 0.05f : 0.5f;         // always-reset
            at(t.r, t, 0, w, 5) = w < 18 ? 0.05f : 0.5f;         // 18 of 20: not
        }
        const SaturationReport rep = analyzeSaturation(t);
        QVERIFY2(rep.valid(), rep.message.c_str());
        QCOMPARE(rep.units[0].flags, unsigned(kSatDead));
        QCOMPARE(rep.units[1].flags, unsigned(kSatNone));
        QCOMPARE(rep.units[2].flags, unsigned(kSatStuck));
        QCOMPARE(rep.units[3].flags, unsigned(kSatNone));
        QCOMPARE(rep.units[4].flags, unsigned(kSatAlwaysReset));
        QCOMPARE(rep.units[5].flags, unsigned(kSatNone));
        QCOMPARE(rep.count(kSatDead), 1);
        QCOMPARE(rep.count(kSatStuck), 1);
        QCOMPARE(rep.count(kSatAlwaysReset), 1);
        QCOMPARE(saturationFlagNames(kSatDead | kSatAlwaysReset), std::string("dead, always-reset"));
        QCOMPARE(saturationFlagNames(kSatNone), std::string());

        // A single kept step per sample cannot show movement: nobody is called dead.
        Trace one = makeTrace(3, 1, 2);
        const SaturationReport r1 = analyzeSaturation(one);
        QVERIFY(r1.valid());
        QCOMPARE(r1.count(kSatDead), 0);
    }

    void refusals()
    {
        QVERIFY(!analyzeSaturation(Trace{}).valid());
        QVERIFY(!analyzeSaturation(Trace{}).message.empty());
        const Trace t = makeTrace(2, 3, 1);
        const SaturationReport bad = analyzeSaturation(t, SaturationOptions{2, {}});
        QVERIFY(!bad.valid());
        QVERIFY(QString::fromStdString(bad.message).contains(QLatin1String("slot 2")));
        Trace wrong = t;
        wrong.z = ArrayF(Shape{2, 3, 2});
        QVERIFY(!analyzeSaturation(wrong).valid());
    }

    // A real run: unit 0's update-gate bias is +10 (z ≈ 1: stuck, τ in the thousands of steps),
    // unit 1's is −10 (z ≈ 0: τ ≈ 0.1 step), unit 2 keeps its initial weights. With reset_after the
    // bias is (2, 3U), row 0 the input bias; columns 0..U−1 are the z block (Keras order z, r, h).
    void realRunWithCraftedBiases()
    {
        GruConfig cfg;
        cfg.units = 3;
        cfg.return_sequences = true;
        const int64_t B = 2, T = 40, I = 2, U = 3;
        GruWeights w = initializeWeights(cfg, I, 11);
        QCOMPARE(w.bias.shape, (Shape{2, 3 * U}));
        w.bias.data[0] = 10.0f;
        w.bias.data[1] = -10.0f;
        GruLayer layer(cfg, std::move(w));
        CallInputs in;
        in.x = ArrayF(Shape{B, T, I});
        std::mt19937 rng(5);
        std::uniform_real_distribution<float> d(-1.0f, 1.0f);
        for (float& v : in.x.data)
            v = d(rng);
        in.mask = ArrayU8(Shape{B, T}, uint8_t(1));
        for (int64_t t = 30; t < T; ++t)
            in.mask->data[size_t(1 * T + t)] = 0; // sample 1: the last 10 steps masked
        TraceOptions trace;
        trace.enabled = true;
        const RunResult res = layer.call(in, BackendKind::Cpu, trace);
        QVERIFY(res.trace.recorded());

        const SaturationReport rep = analyzeSaturation(res.trace);
        QVERIFY2(rep.valid(), rep.message.c_str());
        QCOMPARE(rep.steps, int64_t(2 * T - 10));
        const UnitSaturation& stuck = rep.units[0];
        QVERIFY2(stuck.zMean > 0.999, qPrintable(QString::number(stuck.zMean)));
        QCOMPARE(stuck.highZ, 1.0);
        QVERIFY2(stuck.tau > 1000, qPrintable(QString::number(stuck.tau)));
        QVERIFY(stuck.flags & kSatStuck);
        const UnitSaturation& forgets = rep.units[1];
        QCOMPARE(forgets.lowZ, 1.0);
        QVERIFY2(forgets.tau < 0.2, qPrintable(QString::number(forgets.tau)));
        QVERIFY(!(forgets.flags & kSatStuck));
        QVERIFY(!(forgets.flags & kSatDead)); // it follows the candidate, which follows the input
        QVERIFY(std::isfinite(rep.units[2].tau) && rep.units[2].tau > 0);

        // Sample 1 alone: 30 kept steps.
        const SaturationReport one = analyzeSaturation(res.trace, SaturationOptions{res.trace.samples[1] == 1 ? 1 : 0, {}});
        QCOMPARE(one.steps, int64_t(30));
    }
};

QTEST_GUILESS_MAIN(TstSaturation)
#include "tst_saturation.moc"
