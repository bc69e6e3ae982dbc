// The input generators and mask presets against their closed forms (gruscope/signal_generators.h):
// every element of every periodic and positional kind, noise statistics with tolerances from the
// sample size, the walk as the running sum of the noise, seeds, and bad parameters.
#include "test_support.h"

#include "gruscope/eligibility.h"
#include "gruscope/error.h"
#include "gruscope/signal_generators.h"

#include <QTest>

#include <cmath>
#include <numbers>

using namespace gruscope;

namespace {

float at(const ArrayF& x, int64_t b, int64_t t, int64_t i)
{
    return x.data[size_t((b * x.shape[1] + t) * x.shape[2] + i)];
}

uint8_t cell(const ArrayU8& m, int64_t b, int64_t t) { return m.data[size_t(b * m.shape[1] + t)]; }

GeneratorSpec periodicSpec(GeneratorKind kind)
{
    GeneratorSpec s;
    s.kind = kind;
    s.batch = 3;
    s.steps = 64;
    s.features = 4;
    s.baseFrequency = 0.05;
    s.frequencyStep = 0.03;
    s.basePhase = 0.1;
    s.phaseStep = 0.07;
    s.samplePhaseStep = 0.125;
    s.amplitude = 2.0;
    s.offset = 0.5;
    return s;
}

double phaseOf(const GeneratorSpec& s, int64_t b, int64_t t, int64_t i)
{
    return s.frequencyOf(i) * double(t) + s.phaseOf(i) + double(b) * s.samplePhaseStep;
}

// The error code and message a bad call throws.
template <class F>
std::pair<gruscope::ErrorCode, std::string> thrown(F&& f)
{
    try {
        f();
    } catch (const gruscope::Error& e) {
        return {e.code(), e.what()};
    }
    return {gruscope::ErrorCode::Internal, "(nothing thrown)"};
}

} // namespace

class TstSignalGenerators : public QObject {
    Q_OBJECT
private slots:
    void kindNamesRoundTrip()
    {
        QCOMPARE(int(generatorKinds().size()), 8);
        for (GeneratorKind k : generatorKinds()) {
            const auto back = generatorKindFromName(generatorKindName(k));
            QVERIFY(back.has_value());
            QCOMPARE(int(*back), int(k));
        }
        QVERIFY(!generatorKindFromName("triangle").has_value());
    }

    void sineMatchesClosedForm()
    {
        const GeneratorSpec s = periodicSpec(GeneratorKind::Sine);
        const ArrayF x = generate(s);
        QCOMPARE(x.shape, (Shape{3, 64, 4}));
        for (int64_t b = 0; b < 3; ++b)
            for (int64_t t = 0; t < 64; ++t)
                for (int64_t i = 0; i < 4; ++i) {
                    const double want = 0.5 + 2.0 * std::sin(2.0 * std::numbers::pi * phaseOf(s, b, t, i));
                    QVERIFY2(std::abs(at(x, b, t, i) - want) < 1e-5,
                             qPrintable(QStringLiteral("b=%1 t=%2 i=%3: %4 vs %5").arg(b).arg(t).arg(i).arg(at(x, b, t, i)).arg(want)));
                }
        // By hand: f = 0.25 cycles/step, no phase: t = 1 is the crest, t = 3 the trough.
        GeneratorSpec q;
        q.steps = 8;
        q.baseFrequency = 0.25;
        q.amplitude = 3;
        q.offset = 1;
        const ArrayF y = generate(q);
        QVERIFY(std::abs(at(y, 0, 0, 0) - 1.0f) < 1e-6);
        QVERIFY(std::abs(at(y, 0, 1, 0) - 4.0f) < 1e-6);
        QVERIFY(std::abs(at(y, 0, 2, 0) - 1.0f) < 1e-5);
        QVERIFY(std::abs(at(y, 0, 3, 0) + 2.0f) < 1e-6);
        // Samples differ: the per-sample phase shift.
        GeneratorSpec batch = q;
        batch.batch = 2;
        const ArrayF z = generate(batch);
        QVERIFY(std::abs(at(z, 1, 0, 0) - at(z, 0, 0, 0)) > 0.5);
    }

    void perFeatureListsOverrideBaseAndStep()
    {
        GeneratorSpec s = periodicSpec(GeneratorKind::Sine);
        s.features = 2;
        s.frequencies = {0.1, 0.25};
        s.phases = {0.0, 0.25};
        s.samplePhaseStep = 0;
        const ArrayF x = generate(s);
        for (int64_t t = 0; t < s.steps; ++t) {
            QVERIFY(std::abs(at(x, 0, t, 0) - (0.5 + 2.0 * std::sin(2 * std::numbers::pi * 0.1 * double(t)))) < 1e-5);
            // φ = 0.25 cycles: a cosine.
            QVERIFY(std::abs(at(x, 0, t, 1) - (0.5 + 2.0 * std::cos(2 * std::numbers::pi * 0.25 * double(t)))) < 1e-5);
        }
    }

    void squareIsTheSignOfTheSine()
    {
        const GeneratorSpec s = periodicSpec(GeneratorKind::Square);
        const ArrayF x = generate(s);
        int checked = 0;
        for (int64_t b = 0; b < 3; ++b)
            for (int64_t t = 0; t < 64; ++t)
                for (int64_t i = 0; i < 4; ++i) {
                    const double sine = std::sin(2.0 * std::numbers::pi * phaseOf(s, b, t, i));
                    if (std::abs(sine) < 1e-9)
                        continue; // the edge itself
                    QCOMPARE(at(x, b, t, i), float(sine > 0 ? 0.5 + 2.0 : 0.5 - 2.0));
                    ++checked;
                }
        QVERIFY(checked > 700);
    }

    void sawtoothRisesOverEachPeriod()
    {
        const GeneratorSpec s = periodicSpec(GeneratorKind::Sawtooth);
        const ArrayF x = generate(s);
        for (int64_t b = 0; b < 3; ++b)
            for (int64_t t = 0; t < 64; ++t)
                for (int64_t i = 0; i < 4; ++i) {
                    const double th = phaseOf(s, b, t, i);
                    const double want = 0.5 + 2.0 * (2.0 * (th - std::floor(th)) - 1.0);
                    QVERIFY(std::abs(at(x, b, t, i) - want) < 1e-5);
                    QVERIFY(at(x, b, t, i) >= -1.5f && at(x, b, t, i) < 2.5f);
                }
        // f = 0.25: −A, −A/2, 0, A/2, then back to −A.
        GeneratorSpec q;
        q.kind = GeneratorKind::Sawtooth;
        q.steps = 5;
        q.baseFrequency = 0.25;
        const ArrayF y = generate(q);
        const float want[] = {-1.0f, -0.5f, 0.0f, 0.5f, -1.0f};
        for (int t = 0; t < 5; ++t)
            QVERIFY(std::abs(at(y, 0, t, 0) - want[t]) < 1e-6);
    }

    void stepStartsAtItsPosition()
    {
        GeneratorSpec s;
        s.kind = GeneratorKind::Step;
        s.batch = 3;
        s.steps = 20;
        s.features = 2;
        s.position = 5;
        s.positionStep = 4;
        s.amplitude = 1.5;
        s.offset = -0.5;
        const ArrayF x = generate(s);
        for (int64_t b = 0; b < 3; ++b)
            for (int64_t t = 0; t < 20; ++t)
                for (int64_t i = 0; i < 2; ++i)
                    QCOMPARE(at(x, b, t, i), t >= 5 + 4 * b ? 1.0f : -0.5f);
    }

    void impulseIsOneStep()
    {
        GeneratorSpec s;
        s.kind = GeneratorKind::Impulse;
        s.batch = 4;
        s.steps = 12;
        s.position = 3;
        s.positionStep = 3; // sample 3's impulse at t = 12 lies past the end
        const ArrayF x = generate(s);
        for (int64_t b = 0; b < 4; ++b) {
            int ones = 0;
            for (int64_t t = 0; t < 12; ++t) {
                QCOMPARE(at(x, b, t, 0), t == 3 + 3 * b ? 1.0f : 0.0f);
                ones += at(x, b, t, 0) != 0.0f;
            }
            QCOMPARE(ones, b < 3 ? 1 : 0);
        }
    }

    void rampRisesLinearlyFromItsPosition()
    {
        GeneratorSpec s;
        s.kind = GeneratorKind::Ramp;
        s.batch = 2;
        s.steps = 11;
        s.position = 0;
        s.positionStep = 5;
        s.amplitude = 2.0;
        s.offset = 1.0;
        const ArrayF x = generate(s);
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t t = 0; t < 11; ++t) {
                const int64_t p = 5 * b;
                const double want = t >= p ? 1.0 + 2.0 * double(t - p) / 10.0 : 1.0;
                QVERIFY(std::abs(at(x, b, t, 0) - want) < 1e-6);
            }
        QVERIFY(std::abs(at(x, 0, 10, 0) - 3.0f) < 1e-6); // reaches c + A at the last step
        // T = 1 must not divide by zero.
        s.steps = 1;
        s.batch = 1;
        QCOMPARE(generate(s).data.front(), 1.0f);
    }

    void noiseHasItsMeanAndStd()
    {
        GeneratorSpec s;
        s.kind = GeneratorKind::WhiteNoise;
        s.batch = 4;
        s.steps = 2500;
        s.features = 2;
        s.amplitude = 0.7;
        s.offset = 0.3;
        s.seed = 42;
        const ArrayF x = generate(s);
        const double n = double(x.size());
        double sum = 0, sq = 0;
        for (float v : x.data)
            sum += v;
        const double mean = sum / n;
        for (float v : x.data)
            sq += (v - mean) * (v - mean);
        const double sd = std::sqrt(sq / (n - 1));
        // 5 standard errors: the mean's is σ/√n, the standard deviation's about σ/√(2n).
        QVERIFY2(std::abs(mean - 0.3) < 5 * 0.7 / std::sqrt(n), qPrintable(QString::number(mean)));
        QVERIFY2(std::abs(sd - 0.7) < 5 * 0.7 / std::sqrt(2 * n), qPrintable(QString::number(sd)));
        // Samples and features are not copies of each other.
        QVERIFY(at(x, 0, 0, 0) != at(x, 1, 0, 0));
        QVERIFY(at(x, 0, 0, 0) != at(x, 0, 0, 1));
    }

    void sameSeedSameOutput_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("noise") << int(GeneratorKind::WhiteNoise);
        QTest::newRow("walk") << int(GeneratorKind::RandomWalk);
    }
    void sameSeedSameOutput()
    {
        QFETCH(int, kind);
        GeneratorSpec s;
        s.kind = GeneratorKind(kind);
        s.batch = 2;
        s.steps = 30;
        s.features = 3;
        s.seed = 7;
        const ArrayF a = generate(s), b = generate(s);
        QVERIFY(a.data == b.data);
        s.seed = 8;
        QVERIFY(generate(s).data != a.data);
    }

    void walkIsTheCumulativeSumOfTheNoise()
    {
        GeneratorSpec s;
        s.kind = GeneratorKind::WhiteNoise;
        s.batch = 3;
        s.steps = 200;
        s.features = 2;
        s.amplitude = 0.5;
        s.seed = 123;
        const ArrayF noise = generate(s);
        s.kind = GeneratorKind::RandomWalk;
        s.offset = 2.0;
        const ArrayF walk = generate(s);
        ArrayF expected(walk.shape);
        for (int64_t b = 0; b < 3; ++b)
            for (int64_t i = 0; i < 2; ++i) {
                double acc = 2.0;
                for (int64_t t = 0; t < 200; ++t) {
                    acc += at(noise, b, t, i);
                    expected.data[size_t((b * 200 + t) * 2 + i)] = float(acc);
                }
            }
        GS_VERIFY_CLOSE(walk, expected, 1e-4, 1e-5);
    }

    void badSpecsAreRefusedWithAMessage()
    {
        GeneratorSpec s;
        s.batch = 0;
        auto [code, msg] = thrown([&] { generate(s); });
        QCOMPARE(int(code), int(gruscope::ErrorCode::InvalidArgument));
        QVERIFY2(msg.find("batch") != std::string::npos, msg.c_str());

        s = GeneratorSpec{};
        s.features = 3;
        s.frequencies = {0.1, 0.2};
        std::tie(code, msg) = thrown([&] { generate(s); });
        QCOMPARE(int(code), int(gruscope::ErrorCode::InvalidArgument));
        QVERIFY2(msg.find("one frequency per feature") != std::string::npos, msg.c_str());

        s = GeneratorSpec{};
        s.amplitude = std::nan("");
        QVERIFY(!validateSpec(s).empty());

        s = GeneratorSpec{};
        s.batch = 1 << 20;
        s.steps = 1 << 20;
        std::tie(code, msg) = thrown([&] { generate(s); });
        QCOMPARE(int(code), int(gruscope::ErrorCode::ResourceLimit));
        QVERIFY(validateSpec(GeneratorSpec{}).empty());
    }

    void rightPaddedByLengths()
    {
        const ArrayU8 m = maskRightPadded(4, 10, {10, 8, 5}); // sample 3 repeats 5
        QCOMPARE(m.shape, (Shape{4, 10}));
        const int64_t lengths[] = {10, 8, 5, 5};
        for (int64_t b = 0; b < 4; ++b)
            for (int64_t t = 0; t < 10; ++t)
                QCOMPARE(int(cell(m, b, t)), t < lengths[b] ? 1 : 0);
        QVERIFY(gruscope::isRightPadded(m));
    }

    void leftPaddedByLengths()
    {
        const ArrayU8 m = maskLeftPadded(3, 10, {10, 6, 3});
        const int64_t lengths[] = {10, 6, 3};
        for (int64_t b = 0; b < 3; ++b)
            for (int64_t t = 0; t < 10; ++t)
                QCOMPARE(int(cell(m, b, t)), t >= 10 - lengths[b] ? 1 : 0);
        int64_t bad = -1;
        QVERIFY(!gruscope::isRightPadded(m, &bad));
        QCOMPARE(bad, int64_t(1));
        // Full lengths are both left- and right-padded: nothing is padded.
        QVERIFY(gruscope::isRightPadded(maskLeftPadded(2, 5, {5})));
    }

    void randomHolesFollowTheProbability()
    {
        const ArrayU8 m = maskRandomHoles(20, 500, 0.3, 9);
        double holes = 0;
        for (uint8_t c : m.data)
            holes += c == 0;
        const double n = double(m.size()), p = holes / n;
        QVERIFY2(std::abs(p - 0.3) < 5 * std::sqrt(0.3 * 0.7 / n), qPrintable(QString::number(p)));
        QVERIFY(maskRandomHoles(20, 500, 0.3, 9).data == m.data);
        QVERIFY(maskRandomHoles(20, 500, 0.3, 10).data != m.data);
        for (uint8_t c : maskRandomHoles(3, 7, 0.0, 1).data)
            QCOMPARE(int(c), 1);
        for (uint8_t c : maskRandomHoles(3, 7, 1.0, 1).data)
            QCOMPARE(int(c), 0);
        for (uint8_t c : maskNone(2, 4).data)
            QCOMPARE(int(c), 1);
    }

    void badMaskParametersAreRefused()
    {
        auto [code, msg] = thrown([] { maskRightPadded(2, 5, {6}); });
        QCOMPARE(int(code), int(gruscope::ErrorCode::InvalidArgument));
        QVERIFY2(msg.find("length 6") != std::string::npos, msg.c_str());
        std::tie(code, msg) = thrown([] { maskLeftPadded(2, 5, {}); });
        QCOMPARE(int(code), int(gruscope::ErrorCode::InvalidArgument));
        std::tie(code, msg) = thrown([] { maskRandomHoles(2, 5, 1.5, 1); });
        QVERIFY2(msg.find("probability") != std::string::npos, msg.c_str());
        std::tie(code, msg) = thrown([] { maskNone(0, 5); });
        QCOMPARE(int(code), int(gruscope::ErrorCode::InvalidArgument));
    }

    void parseLengthsReadsLists()
    {
        QCOMPARE(parseLengths("10, 8, 5"), (std::vector<int64_t>{10, 8, 5}));
        QCOMPARE(parseLengths(" 3;4  7 "), (std::vector<int64_t>{3, 4, 7}));
        auto [code, msg] = thrown([] { parseLengths("10, eight"); });
        QCOMPARE(int(code), int(gruscope::ErrorCode::InvalidArgument));
        QVERIFY2(msg.find("eight") != std::string::npos, msg.c_str());
        std::tie(code, msg) = thrown([] { parseLengths("  , "); });
        QCOMPARE(int(code), int(gruscope::ErrorCode::InvalidArgument));
        std::tie(code, msg) = thrown([] { parseLengths("-3"); });
        QVERIFY2(msg.find("negative") != std::string::npos, msg.c_str());
        std::tie(code, msg) = thrown([] { parseLengths("2.5"); });
        QCOMPARE(int(code), int(gruscope::ErrorCode::InvalidArgument));
    }

    void describeNamesTheSignal()
    {
        GeneratorSpec s = periodicSpec(GeneratorKind::Sine);
        const std::string d = describeSpec(s);
        QVERIFY2(d.find("sine") != std::string::npos && d.find("f=0.05+0.03·i") != std::string::npos, d.c_str());
        s.kind = GeneratorKind::WhiteNoise;
        s.seed = 99;
        const std::string n = describeSpec(s);
        QVERIFY2(n.find("noise") != std::string::npos && n.find("seed 99") != std::string::npos, n.c_str());
    }
};

QTEST_MAIN(TstSignalGenerators)
#include "tst_signal_generators.moc"
