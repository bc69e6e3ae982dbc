// Keras weight initializers: distributions (moments, bounds, tails) against values this test
// derives itself from Keras 3's formulas, orthogonality, identity, determinism and seeding, names
// and aliases (Keras 3 and tf_keras), validation messages.
//
// Statistical checks use fixed seeds, so they are deterministic; their tolerances are still derived
// from the sample size (6 standard errors), so they would pass for any seed with overwhelming
// probability, yet a wrong formula (fan, limit, missing truncation or its 0.8796 correction) moves
// a moment by far more than that.
#include "gruscope/error.h"
#include "gruscope/initializers.h"
#include "test_support.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

using gruscope::ArrayF;
using gruscope::ErrorCode;
using gruscope::InitializerSpec;
using gruscope::Shape;

Q_DECLARE_METATYPE(gruscope::InitializerSpec)
Q_DECLARE_METATYPE(gruscope::Shape)
Q_DECLARE_METATYPE(std::vector<std::string>)

namespace {

enum Kind { Uniform = 0, Normal = 1, Truncated = 2 };

constexpr double kKerasTruncCorrection = 0.87962566103423978; // as written in Keras's VarianceScaling

// Standard normal truncated to [-a, a], computed here from erf (not from Keras's constant).
double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi); }
double truncMass(double a) { return std::erf(a / std::sqrt(2.0)); }
double truncVariance(double a) { return 1.0 - 2.0 * a * phi(a) / truncMass(a); }
double truncFourthMoment(double a) { return 3.0 - (2.0 * a * a * a * phi(a) + 6.0 * a * phi(a)) / truncMass(a); }

InitializerSpec spec(const std::string& name)
{
    InitializerSpec s;
    s.name = name;
    return s;
}

InitializerSpec vs(double scale, const std::string& mode, const std::string& distribution)
{
    InitializerSpec s = spec("variance_scaling");
    s.scale = scale;
    s.mode = mode;
    s.distribution = distribution;
    return s;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string joined(const std::vector<std::string>& v)
{
    std::string s;
    for (const auto& x : v)
        s += (s.empty() ? "" : " | ") + x;
    return s;
}

// Fraction of elements where a and b differ.
double fractionDifferent(const ArrayF& a, const ArrayF& b)
{
    if (a.data.size() != b.data.size() || a.data.empty())
        return 1.0;
    size_t n = 0;
    for (size_t i = 0; i < a.data.size(); ++i)
        n += a.data[i] != b.data[i];
    return double(n) / double(a.data.size());
}

bool isRandom(const std::string& canonical)
{
    return !(canonical == "zeros" || canonical == "ones" || canonical == "constant" || canonical == "identity");
}

} // namespace

class TstInitializers : public QObject {
    Q_OBJECT

private slots:
    void truncationConstant();
    void distribution_data();
    void distribution();
    void orthogonal_data();
    void orthogonal();
    void orthogonalSignCorrection_data();
    void orthogonalSignCorrection();
    void identity_data();
    void identity();
    void constants_data();
    void constants();
    void degenerateParameters();
    void emptyShapes();
    void seeding_data();
    void seeding();
    void goldenValues();
    void names_data();
    void names();
    void unknownNames_data();
    void unknownNames();
    void canonicalList();
    void defaults();
    void aliasesGiveSameValues();
    void validation_data();
    void validation();
    void validSpecs_data();
    void validSpecs();
    void multipleProblems();
    void badShapes_data();
    void badShapes();
};

void TstInitializers::truncationConstant()
{
    // Keras's constant is scipy.stats.truncnorm.std(a=-2, b=2): check it against erf.
    QVERIFY(std::abs(std::sqrt(truncVariance(2.0)) - kKerasTruncCorrection) < 1e-12);
    QVERIFY(std::abs(truncVariance(2.0) - 0.7737413035499232) < 1e-12);
}

// ---- distributions ---------------------------------------------------------------------------

void TstInitializers::distribution_data()
{
    QTest::addColumn<InitializerSpec>("spec");
    QTest::addColumn<Shape>("shape");
    QTest::addColumn<int>("kind");
    QTest::addColumn<double>("center"); // mean of the distribution
    QTest::addColumn<double>("width");  // uniform: half width; normal/truncated: stddev before truncation

    const Shape s2{400, 600};  // fan_in 400, fan_out 600, fan_avg 500
    const Shape s1{240000};    // rank 1: fan_in = fan_out = 240000
    const double c = kKerasTruncCorrection;

    {
        InitializerSpec s = spec("random_uniform");
        QTest::newRow("random_uniform default") << s << s2 << int(Uniform) << 0.0 << 0.05;
        s.minval = -0.3;
        s.maxval = 0.9;
        QTest::newRow("random_uniform [-0.3, 0.9)") << s << s2 << int(Uniform) << 0.3 << 0.6;
        QTest::newRow("random_uniform rank 1") << s << s1 << int(Uniform) << 0.3 << 0.6;
    }
    {
        InitializerSpec s = spec("random_normal");
        QTest::newRow("random_normal default") << s << s2 << int(Normal) << 0.0 << 0.05;
        s.mean = 1.5;
        s.stddev = 2.0;
        QTest::newRow("random_normal mean 1.5 stddev 2") << s << s2 << int(Normal) << 1.5 << 2.0;
    }
    {
        InitializerSpec s = spec("truncated_normal");
        QTest::newRow("truncated_normal default") << s << s2 << int(Truncated) << 0.0 << 0.05;
        s.mean = -0.3;
        s.stddev = 0.7;
        QTest::newRow("truncated_normal mean -0.3 stddev 0.7") << s << s2 << int(Truncated) << -0.3 << 0.7;
    }
    // glorot: scale 1, fan_avg; he: scale 2, fan_in; lecun: scale 1, fan_in.
    // uniform limit = sqrt(3 * scale / n); truncated stddev = sqrt(scale / n) / 0.8796...
    QTest::newRow("glorot_uniform") << spec("glorot_uniform") << s2 << int(Uniform) << 0.0 << std::sqrt(6.0 / (400 + 600));
    QTest::newRow("glorot_uniform transposed") << spec("glorot_uniform") << Shape{600, 400} << int(Uniform) << 0.0 << std::sqrt(6.0 / 1000);
    QTest::newRow("glorot_uniform rank 1") << spec("glorot_uniform") << s1 << int(Uniform) << 0.0 << std::sqrt(3.0 / 240000);
    QTest::newRow("glorot_normal") << spec("glorot_normal") << s2 << int(Truncated) << 0.0 << std::sqrt(2.0 / 1000) / c;
    QTest::newRow("he_uniform") << spec("he_uniform") << s2 << int(Uniform) << 0.0 << std::sqrt(6.0 / 400);
    QTest::newRow("he_uniform transposed") << spec("he_uniform") << Shape{600, 400} << int(Uniform) << 0.0 << std::sqrt(6.0 / 600);
    QTest::newRow("he_normal") << spec("he_normal") << s2 << int(Truncated) << 0.0 << std::sqrt(2.0 / 400) / c;
    QTest::newRow("he_normal rank 1") << spec("he_normal") << s1 << int(Truncated) << 0.0 << std::sqrt(2.0 / 240000) / c;
    QTest::newRow("lecun_uniform") << spec("lecun_uniform") << s2 << int(Uniform) << 0.0 << std::sqrt(3.0 / 400);
    QTest::newRow("lecun_normal") << spec("lecun_normal") << s2 << int(Truncated) << 0.0 << std::sqrt(1.0 / 400) / c;
    QTest::newRow("lecun_normal fan_in 1") << spec("lecun_normal") << Shape{1, 240000} << int(Truncated) << 0.0 << 1.0 / c;

    QTest::newRow("variance_scaling default") << spec("variance_scaling") << s2 << int(Truncated) << 0.0 << std::sqrt(1.0 / 400) / c;
    const struct {
        const char* mode;
        double fan;
    } modes[] = {{"fan_in", 400}, {"fan_out", 600}, {"fan_avg", 500}};
    for (const auto& m : modes) {
        const double scale = 0.7;
        const std::string tag = std::string("variance_scaling ") + m.mode;
        QTest::newRow((tag + " truncated_normal").c_str()) << vs(scale, m.mode, "truncated_normal") << s2 << int(Truncated) << 0.0 << std::sqrt(scale / m.fan) / c;
        QTest::newRow((tag + " untruncated_normal").c_str()) << vs(scale, m.mode, "untruncated_normal") << s2 << int(Normal) << 0.0 << std::sqrt(scale / m.fan);
        QTest::newRow((tag + " uniform").c_str()) << vs(scale, m.mode, "uniform") << s2 << int(Uniform) << 0.0 << std::sqrt(3.0 * scale / m.fan);
    }
    QTest::newRow("variance_scaling 'normal' = truncated_normal") << vs(2.0, "fan_out", "normal") << s2 << int(Truncated) << 0.0 << std::sqrt(2.0 / 600) / c;
    QTest::newRow("variance_scaling 'Uniform' lower-cased") << vs(3.0, "fan_avg", "Uniform") << s2 << int(Uniform) << 0.0 << std::sqrt(9.0 / 500);
    QTest::newRow("variance_scaling rank 1 fan_avg untruncated") << vs(2.0, "fan_avg", "untruncated_normal") << s1 << int(Normal) << 0.0 << std::sqrt(2.0 / 240000);
    QTest::newRow("variance_scaling fan_out 1") << vs(0.5, "fan_out", "uniform") << Shape{240000, 1} << int(Uniform) << 0.0 << std::sqrt(1.5);
    QTest::newRow("GlorotUniform class name") << spec("GlorotUniform") << s2 << int(Uniform) << 0.0 << std::sqrt(6.0 / 1000);
    QTest::newRow("normal alias") << spec("normal") << s2 << int(Normal) << 0.0 << 0.05;
    QTest::newRow("uniform alias") << spec("uniform") << s2 << int(Uniform) << 0.0 << 0.05;
}

void TstInitializers::distribution()
{
    QFETCH(InitializerSpec, spec);
    QFETCH(Shape, shape);
    QFETCH(int, kind);
    QFETCH(double, center);
    QFETCH(double, width);

    const ArrayF a = gruscope::initialize(spec, shape, 1234, 7);
    QCOMPARE(a.shape, shape);
    const double n = double(a.data.size());
    QCOMPARE(a.data.size(), size_t(gruscope::shapeElementCount(shape)));

    // Theoretical moments about the mean: variance, fourth moment.
    double var = 0, m4 = 0;
    switch (kind) {
    case Uniform: // U(center - w, center + w)
        var = width * width / 3.0;
        m4 = std::pow(width, 4) / 5.0;
        break;
    case Normal:
        var = width * width;
        m4 = 3.0 * std::pow(width, 4);
        break;
    case Truncated:
        var = width * width * truncVariance(2.0);
        m4 = std::pow(width, 4) * truncFourthMoment(2.0);
        break;
    }
    const double kurtosis = m4 / (var * var);

    double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (float v : a.data) {
        QVERIFY(std::isfinite(v));
        sum += v;
        lo = std::min(lo, double(v));
        hi = std::max(hi, double(v));
    }
    const double mean = sum / n;
    double s2 = 0, s4 = 0, beyond2 = 0;
    for (float v : a.data) {
        const double d = double(v) - mean;
        s2 += d * d;
        s4 += d * d * d * d;
        if (kind != Uniform && std::abs(double(v) - center) > 2.0 * width)
            ++beyond2;
    }
    const double sampleVar = s2 / (n - 1);
    const double sampleKurt = (s4 / n) / ((s2 / n) * (s2 / n));

    // 6 standard errors: mean se = sigma / sqrt(n); variance se = sqrt((m4 - var^2) / n);
    // kurtosis se <= sqrt(24 / n) for these (normal or lighter tails).
    const double meanTol = 6.0 * std::sqrt(var / n) + 1e-7 * std::abs(center);
    const double varTol = 6.0 * std::sqrt((m4 - var * var) / n);
    const double kurtTol = 6.0 * std::sqrt(24.0 / n);
    QVERIFY2(std::abs(mean - center) <= meanTol,
             qPrintable(QString("mean %1, expected %2 +- %3").arg(mean, 0, 'g', 10).arg(center).arg(meanTol)));
    QVERIFY2(std::abs(sampleVar - var) <= varTol,
             qPrintable(QString("variance %1, expected %2 +- %3").arg(sampleVar, 0, 'g', 10).arg(var, 0, 'g', 10).arg(varTol)));
    QVERIFY2(std::abs(sampleKurt - kurtosis) <= kurtTol,
             qPrintable(QString("kurtosis %1, expected %2 +- %3").arg(sampleKurt).arg(kurtosis).arg(kurtTol)));

    const double eps = 1e-6 * (std::abs(center) + width); // float rounding of the stored values
    if (kind == Uniform) {
        QVERIFY2(lo >= center - width - eps && hi <= center + width + eps,
                 qPrintable(QString("range [%1, %2] outside [%3, %4]").arg(lo).arg(hi).arg(center - width).arg(center + width)));
        // With 240000 draws the extremes come within 0.1% of the width of the limits.
        QVERIFY2(lo < center - 0.999 * width && hi > center + 0.999 * width,
                 qPrintable(QString("range [%1, %2] does not reach the limits +-%3").arg(lo).arg(hi).arg(width)));
    } else if (kind == Truncated) {
        QVERIFY2(lo >= center - 2 * width - eps && hi <= center + 2 * width + eps,
                 qPrintable(QString("range [%1, %2] goes beyond 2 stddev = %3").arg(lo).arg(hi).arg(2 * width)));
        QVERIFY2(lo < center - 1.99 * width && hi > center + 1.99 * width,
                 qPrintable(QString("range [%1, %2] does not reach 2 stddev = %3").arg(lo).arg(hi).arg(2 * width)));
        QCOMPARE(beyond2, 0.0);
    } else {
        // Untruncated: P(|z| > 2) = 1 - erf(sqrt 2).
        const double p = 1.0 - truncMass(2.0);
        const double frac = beyond2 / n;
        QVERIFY2(std::abs(frac - p) <= 6.0 * std::sqrt(p * (1 - p) / n),
                 qPrintable(QString("fraction beyond 2 stddev %1, expected %2").arg(frac).arg(p)));
    }
}

// ---- orthogonal ------------------------------------------------------------------------------

void TstInitializers::orthogonal_data()
{
    QTest::addColumn<Shape>("shape");
    QTest::addColumn<double>("gain");
    QTest::newRow("64x96") << Shape{64, 96} << 1.0;
    QTest::newRow("96x64") << Shape{96, 64} << 1.0;
    QTest::newRow("50x50") << Shape{50, 50} << 1.0;
    QTest::newRow("30x80 gain 2.5") << Shape{30, 80} << 2.5;
    QTest::newRow("80x30 gain -0.5") << Shape{80, 30} << -0.5;
    QTest::newRow("GRU recurrent 32x96") << Shape{32, 96} << 1.0;
    QTest::newRow("1x10") << Shape{1, 10} << 1.0;
    QTest::newRow("10x1") << Shape{10, 1} << 1.0;
    QTest::newRow("1x1") << Shape{1, 1} << 3.0;
    QTest::newRow("gain 0") << Shape{7, 5} << 0.0;
}

void TstInitializers::orthogonal()
{
    QFETCH(Shape, shape);
    QFETCH(double, gain);
    InitializerSpec s = spec("orthogonal");
    s.gain = gain;
    const ArrayF a = gruscope::initialize(s, shape, 99, 3);
    QCOMPARE(a.shape, shape);
    const int64_t r = shape[0], c = shape[1];
    auto at = [&](int64_t i, int64_t j) { return double(a.data[size_t(i * c + j)]); };

    // rows < cols: orthogonal rows, Q Q^T = gain^2 I (r x r); otherwise Q^T Q = gain^2 I (c x c).
    const bool rowsOrth = r < c;
    const int64_t k = rowsOrth ? r : c, len = rowsOrth ? c : r;
    const double tol = 1e-5 * std::max(1.0, gain * gain);
    double worst = 0;
    for (int64_t p = 0; p < k; ++p)
        for (int64_t q = 0; q < k; ++q) {
            double dot = 0;
            for (int64_t t = 0; t < len; ++t)
                dot += rowsOrth ? at(p, t) * at(q, t) : at(t, p) * at(t, q);
            const double expected = p == q ? gain * gain : 0.0;
            worst = std::max(worst, std::abs(dot - expected));
        }
    QVERIFY2(worst <= tol, qPrintable(QString("orthogonality off by %1 (tol %2)").arg(worst).arg(tol)));

    // Deterministic.
    const ArrayF b = gruscope::initialize(s, shape, 99, 3);
    QVERIFY(a.data == b.data);
}

void TstInitializers::orthogonalSignCorrection_data()
{
    QTest::addColumn<Shape>("shape");
    QTest::newRow("6x4") << Shape{6, 4};
    QTest::newRow("4x6 (transposed)") << Shape{4, 6};
    QTest::newRow("5x5") << Shape{5, 5};
}

void TstInitializers::orthogonalSignCorrection()
{
    // Multiplying Q by sign(diag(R)) makes Q Haar-distributed: each diagonal entry is positive
    // with probability 1/2. Householder QR without the correction gives Q(0,0) < 0 always and
    // the diagonal mostly negative (about 8-28% positive for these shapes).
    QFETCH(Shape, shape);
    const int64_t k = std::min(shape[0], shape[1]);
    int positive = 0, positiveFirst = 0, total = 0;
    const int seeds = 400;
    for (int seed = 0; seed < seeds; ++seed) {
        const ArrayF a = gruscope::initialize(spec("orthogonal"), shape, uint64_t(seed), 0);
        for (int64_t i = 0; i < k; ++i) {
            positive += a.data[size_t(i * shape[1] + i)] > 0;
            ++total;
        }
        positiveFirst += a.data[0] > 0;
    }
    const double frac = double(positive) / total;
    const double tol = 6.0 * std::sqrt(0.25 / total);
    QVERIFY2(std::abs(frac - 0.5) <= tol, qPrintable(QString("fraction of positive diagonal entries %1").arg(frac)));
    const double fracFirst = double(positiveFirst) / seeds;
    QVERIFY2(std::abs(fracFirst - 0.5) <= 6.0 * std::sqrt(0.25 / seeds),
             qPrintable(QString("fraction of positive Q(0,0) %1").arg(fracFirst)));
}

// ---- identity / constants --------------------------------------------------------------------

void TstInitializers::identity_data()
{
    QTest::addColumn<Shape>("shape");
    QTest::addColumn<double>("gain");
    QTest::newRow("3x3") << Shape{3, 3} << 1.0;
    QTest::newRow("3x5") << Shape{3, 5} << 1.0;
    QTest::newRow("5x3 gain -2") << Shape{5, 3} << -2.0;
    QTest::newRow("1x4 gain 0.5") << Shape{1, 4} << 0.5;
    QTest::newRow("4x1 gain 3") << Shape{4, 1} << 3.0;
    QTest::newRow("0x3") << Shape{0, 3} << 1.0;
}

void TstInitializers::identity()
{
    QFETCH(Shape, shape);
    QFETCH(double, gain);
    InitializerSpec s = spec("identity");
    s.gain = gain;
    const ArrayF a = gruscope::initialize(s, shape, 5);
    ArrayF expected(shape, 0.0f);
    for (int64_t i = 0; i < std::min(shape[0], shape[1]); ++i)
        expected.data[size_t(i * shape[1] + i)] = float(gain);
    QCOMPARE(a.shape, expected.shape);
    QVERIFY(a.data == expected.data);
    // The seed plays no part.
    QVERIFY(gruscope::initialize(s, shape, 6, 9).data == a.data);
    // Class name and Keras 3 alias.
    s.name = "IdentityInitializer";
    QVERIFY(gruscope::initialize(s, shape, 5).data == a.data);
}

void TstInitializers::constants_data()
{
    QTest::addColumn<InitializerSpec>("spec");
    QTest::addColumn<Shape>("shape");
    QTest::addColumn<float>("expected");
    InitializerSpec cst = spec("constant");
    cst.value = 0.25;
    InitializerSpec neg = spec("Constant");
    neg.value = -3.0;
    QTest::newRow("zeros") << spec("zeros") << Shape{4, 7} << 0.0f;
    QTest::newRow("zero alias rank 1") << spec("zero") << Shape{9} << 0.0f;
    QTest::newRow("Zeros") << spec("Zeros") << Shape{2, 3} << 0.0f;
    QTest::newRow("ones") << spec("ones") << Shape{4, 7} << 1.0f;
    QTest::newRow("one alias") << spec("one") << Shape{3} << 1.0f;
    QTest::newRow("Ones") << spec("Ones") << Shape{2, 96} << 1.0f;
    QTest::newRow("constant 0.25") << cst << Shape{5, 6} << 0.25f;
    QTest::newRow("Constant -3 rank 1") << neg << Shape{11} << -3.0f;
    QTest::newRow("constant default") << spec("constant") << Shape{2, 2} << 0.0f;
}

void TstInitializers::constants()
{
    QFETCH(InitializerSpec, spec);
    QFETCH(Shape, shape);
    QFETCH(float, expected);
    const ArrayF a = gruscope::initialize(spec, shape, 17, 2);
    QCOMPARE(a.shape, shape);
    QCOMPARE(a.size(), gruscope::shapeElementCount(shape));
    for (float v : a.data)
        QCOMPARE(v, expected);
}

void TstInitializers::degenerateParameters()
{
    // stddev 0 -> all at the mean; minval == maxval -> all at that value.
    InitializerSpec n = spec("random_normal");
    n.mean = 0.5;
    n.stddev = 0.0;
    for (float v : gruscope::initialize(n, {10, 10}, 1).data)
        QCOMPARE(v, 0.5f);
    n.name = "truncated_normal";
    for (float v : gruscope::initialize(n, {10, 10}, 1).data)
        QCOMPARE(v, 0.5f);
    InitializerSpec u = spec("random_uniform");
    u.minval = u.maxval = -1.25;
    for (float v : gruscope::initialize(u, {10, 10}, 1).data)
        QCOMPARE(v, -1.25f);
}

void TstInitializers::emptyShapes()
{
    for (const std::string& name : gruscope::initializerNames()) {
        for (const Shape& shape : {Shape{0, 5}, Shape{5, 0}, Shape{0, 0}}) {
            const ArrayF a = gruscope::initialize(spec(name), shape, 1);
            QCOMPARE(a.shape, shape);
            QVERIFY2(a.data.empty(), name.c_str());
        }
        if (name != "orthogonal" && name != "identity") {
            const ArrayF a = gruscope::initialize(spec(name), Shape{0}, 1);
            QCOMPARE(a.shape, Shape{0});
            QVERIFY(a.data.empty());
        }
    }
}

// ---- seeding ---------------------------------------------------------------------------------

void TstInitializers::seeding_data()
{
    QTest::addColumn<std::string>("name");
    for (const std::string& name : gruscope::initializerNames())
        QTest::newRow(name.c_str()) << name;
}

void TstInitializers::seeding()
{
    QFETCH(std::string, name);
    const Shape shape{37, 23};
    InitializerSpec s = spec(name);
    if (name == "constant")
        s.value = 0.75;

    const ArrayF a = gruscope::initialize(s, shape, 42, 1);
    QCOMPARE(a.shape, shape);
    // Same inputs, same output.
    QVERIFY(gruscope::initialize(s, shape, 42, 1).data == a.data);

    const ArrayF otherSeed = gruscope::initialize(s, shape, 43, 1);
    const ArrayF otherSalt = gruscope::initialize(s, shape, 42, 2);
    if (!isRandom(name)) {
        QVERIFY(otherSeed.data == a.data);
        QVERIFY(otherSalt.data == a.data);
        return;
    }
    QVERIFY2(fractionDifferent(a, otherSeed) > 0.9, "a different seed must give different values");
    QVERIFY2(fractionDifferent(a, otherSalt) > 0.9, "a different salt must give different values");
    // Large seeds and salts use all 64 bits.
    const ArrayF hi1 = gruscope::initialize(s, shape, 42 + (uint64_t(1) << 40), 1);
    const ArrayF hi2 = gruscope::initialize(s, shape, 42, 1 + (uint64_t(1) << 40));
    QVERIFY(fractionDifferent(a, hi1) > 0.9);
    QVERIFY(fractionDifferent(a, hi2) > 0.9);

    // spec.seed replaces `seed`; the salt still separates weights that share a config seed.
    InitializerSpec seeded = s;
    seeded.seed = 42;
    const ArrayF fromSpec = gruscope::initialize(seeded, shape, 1000, 1);
    QVERIFY(gruscope::initialize(seeded, shape, 2000, 1).data == fromSpec.data);
    QVERIFY(fromSpec.data == a.data);
    QVERIFY(fractionDifferent(fromSpec, gruscope::initialize(seeded, shape, 1000, 2)) > 0.9);
    seeded.seed = 7;
    QVERIFY(fractionDifferent(fromSpec, gruscope::initialize(seeded, shape, 1000, 1)) > 0.9);
    seeded.seed = -7; // negative config seeds are allowed and distinct
    QVERIFY(fractionDifferent(fromSpec, gruscope::initialize(seeded, shape, 1000, 1)) > 0.9);
    QVERIFY(gruscope::initialize(seeded, shape, 1, 1).data == gruscope::initialize(seeded, shape, 1, 1).data);
}

void TstInitializers::goldenValues()
{
    // Pins the generator (mt19937_64 + seed_seq, 53-bit uniform mapping, Box-Muller): the same
    // numbers on every compiler and standard library. Uniform values involve no libm call and must
    // match exactly; normal values go through log/sin/cos, so they get a small tolerance.
    InitializerSpec u = spec("random_uniform");
    u.minval = 0.0;
    u.maxval = 1.0;
    const ArrayF gotU = gruscope::initialize(u, {2, 3}, 2024, 5);
    const ArrayF expectedU({2, 3}, std::vector<float>{0.058578182f, 0.693610311f, 0.760458171f, 0.598382115f, 0.945282996f, 0.83010757f});
    QVERIFY(gotU.data == expectedU.data);

    InitializerSpec n = spec("random_normal");
    n.stddev = 1.0;
    const ArrayF gotN = gruscope::initialize(n, {2, 3}, 2024, 5);
    const ArrayF expectedN({2, 3}, std::vector<float>{-0.826474845f, -2.23421693f, -0.603100777f, -0.428879738f, 0.161813825f, -0.293867499f});
    GS_VERIFY_CLOSE(gotN, expectedN, 1e-6, 0.0);
}

// ---- names -----------------------------------------------------------------------------------

void TstInitializers::names_data()
{
    QTest::addColumn<QString>("alias");
    QTest::addColumn<QString>("canonical");
    const char* rows[][2] = {
        // snake_case (Keras 3 and tf_keras) and class names
        {"zeros", "zeros"}, {"Zeros", "zeros"}, {"ones", "ones"}, {"Ones", "ones"},
        {"constant", "constant"}, {"Constant", "constant"},
        {"glorot_uniform", "glorot_uniform"}, {"GlorotUniform", "glorot_uniform"},
        {"glorot_normal", "glorot_normal"}, {"GlorotNormal", "glorot_normal"},
        {"he_uniform", "he_uniform"}, {"HeUniform", "he_uniform"},
        {"he_normal", "he_normal"}, {"HeNormal", "he_normal"},
        {"lecun_uniform", "lecun_uniform"}, {"LecunUniform", "lecun_uniform"},
        {"lecun_normal", "lecun_normal"}, {"LecunNormal", "lecun_normal"},
        {"orthogonal", "orthogonal"}, {"Orthogonal", "orthogonal"},
        {"random_uniform", "random_uniform"}, {"RandomUniform", "random_uniform"},
        {"random_normal", "random_normal"}, {"RandomNormal", "random_normal"},
        {"truncated_normal", "truncated_normal"}, {"TruncatedNormal", "truncated_normal"},
        {"identity", "identity"}, {"Identity", "identity"},
        {"variance_scaling", "variance_scaling"}, {"VarianceScaling", "variance_scaling"},
        // legacy aliases (both)
        {"normal", "random_normal"}, {"uniform", "random_uniform"}, {"one", "ones"}, {"zero", "zeros"},
        // Keras 3 compatibility aliases
        {"OrthogonalInitializer", "orthogonal"}, {"IdentityInitializer", "identity"},
        // tf_keras compatibility aliases
        {"ConstantV2", "constant"}, {"GlorotNormalV2", "glorot_normal"}, {"GlorotUniformV2", "glorot_uniform"},
        {"HeNormalV2", "he_normal"}, {"HeUniformV2", "he_uniform"}, {"IdentityV2", "identity"},
        {"LecunNormalV2", "lecun_normal"}, {"LecunUniformV2", "lecun_uniform"}, {"OnesV2", "ones"},
        {"OrthogonalV2", "orthogonal"}, {"RandomNormalV2", "random_normal"}, {"RandomUniformV2", "random_uniform"},
        {"TruncatedNormalV2", "truncated_normal"}, {"VarianceScalingV2", "variance_scaling"}, {"ZerosV2", "zeros"},
        {"glorot_normalV2", "glorot_normal"}, {"glorot_uniformV2", "glorot_uniform"},
        {"he_normalV2", "he_normal"}, {"he_uniformV2", "he_uniform"},
        {"lecun_normalV2", "lecun_normal"}, {"lecun_uniformV2", "lecun_uniform"},
    };
    for (const auto& r : rows)
        QTest::newRow(r[0]) << QString(r[0]) << QString(r[1]);
}

void TstInitializers::names()
{
    QFETCH(QString, alias);
    QFETCH(QString, canonical);
    QCOMPARE(QString::fromStdString(gruscope::canonicalInitializerName(alias.toStdString())), canonical);
    const std::string cls = gruscope::initializerClassName(canonical.toStdString());
    QVERIFY(!cls.empty());
    QCOMPARE(QString::fromStdString(gruscope::canonicalInitializerName(cls)), canonical);
    QCOMPARE(gruscope::defaultInitializer(alias.toStdString()).name, canonical.toStdString());
    QVERIFY(gruscope::validateInitializer(spec(alias.toStdString()), "kernel_initializer").empty());
}

void TstInitializers::unknownNames_data()
{
    QTest::addColumn<QString>("name");
    // Keras lookups are case-sensitive; STFT exists in Keras 3 but is not a GRU initializer.
    for (const char* n : {"", "glorot", "GLOROT_UNIFORM", "glorotuniform", "Glorot_Uniform", "STFT", "stft",
                          "Initializer", "initializer", "he_normal ", "xavier_uniform", "random_normalV2"})
        QTest::newRow(n[0] ? n : "(empty)") << QString(n);
}

void TstInitializers::unknownNames()
{
    QFETCH(QString, name);
    const std::string n = name.toStdString();
    QCOMPARE(gruscope::canonicalInitializerName(n), std::string());
    QCOMPARE(gruscope::initializerClassName(n), std::string());
    try {
        gruscope::defaultInitializer(n);
        QFAIL("defaultInitializer accepted an unknown name");
    } catch (const gruscope::Error& e) {
        QCOMPARE(e.code(), ErrorCode::InvalidArgument);
        QVERIFY2(contains(e.what(), "'" + n + "'"), e.what());
    }
    const auto problems = gruscope::validateInitializer(spec(n), "bias_initializer");
    QCOMPARE(problems.size(), size_t(1));
    QVERIFY2(contains(problems[0], "bias_initializer") && contains(problems[0], "'" + n + "'"), problems[0].c_str());
    QVERIFY2(contains(problems[0], "glorot_uniform"), "the message lists the allowed names");
    QVERIFY_THROWS_EXCEPTION(gruscope::Error, gruscope::initialize(spec(n), {3, 3}, 1));
}

void TstInitializers::canonicalList()
{
    const std::vector<std::string> expected{"zeros", "ones", "constant", "glorot_uniform", "glorot_normal",
                                            "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
                                            "orthogonal", "random_uniform", "random_normal", "truncated_normal",
                                            "identity", "variance_scaling"};
    QCOMPARE(gruscope::initializerNames(), expected);
    const std::vector<std::string> classes{"Zeros", "Ones", "Constant", "GlorotUniform", "GlorotNormal",
                                           "HeUniform", "HeNormal", "LecunUniform", "LecunNormal",
                                           "Orthogonal", "RandomUniform", "RandomNormal", "TruncatedNormal",
                                           "Identity", "VarianceScaling"};
    for (size_t i = 0; i < expected.size(); ++i) {
        QCOMPARE(gruscope::initializerClassName(expected[i]), classes[i]);
        QCOMPARE(gruscope::canonicalInitializerName(expected[i]), expected[i]);
    }
}

void TstInitializers::defaults()
{
    // Keras 3 constructor defaults.
    for (const std::string& name : gruscope::initializerNames()) {
        const InitializerSpec d = gruscope::defaultInitializer(name);
        QCOMPARE(d.name, name);
        QCOMPARE(d.value, 0.0);
        QCOMPARE(d.gain, 1.0);
        QCOMPARE(d.mean, 0.0);
        QCOMPARE(d.stddev, 0.05);
        QCOMPARE(d.minval, -0.05);
        QCOMPARE(d.maxval, 0.05);
        QCOMPARE(d.scale, 1.0);
        QCOMPARE(d.mode, std::string("fan_in"));
        QCOMPARE(d.distribution, std::string("truncated_normal"));
        QVERIFY(!d.seed.has_value());
        QVERIFY(gruscope::validateInitializer(d, "kernel_initializer").empty());
    }
    QCOMPARE(gruscope::defaultInitializer("HeNormal").name, std::string("he_normal"));
}

void TstInitializers::aliasesGiveSameValues()
{
    const Shape shape{20, 30};
    const std::pair<const char*, const char*> pairs[] = {
        {"GlorotUniform", "glorot_uniform"}, {"glorot_uniformV2", "glorot_uniform"}, {"HeNormal", "he_normal"},
        {"TruncatedNormal", "truncated_normal"}, {"normal", "random_normal"}, {"uniform", "random_uniform"},
        {"OrthogonalInitializer", "orthogonal"}, {"VarianceScaling", "variance_scaling"},
    };
    for (const auto& [alias, canonical] : pairs)
        QVERIFY2(gruscope::initialize(spec(alias), shape, 3, 4).data == gruscope::initialize(spec(canonical), shape, 3, 4).data, alias);

    // The fan-based initializers are VarianceScaling with fixed arguments.
    const struct {
        const char* name;
        double scale;
        const char* mode;
        const char* distribution;
    } equivalents[] = {
        {"glorot_uniform", 1.0, "fan_avg", "uniform"}, {"glorot_normal", 1.0, "fan_avg", "truncated_normal"},
        {"he_uniform", 2.0, "fan_in", "uniform"},      {"he_normal", 2.0, "fan_in", "truncated_normal"},
        {"lecun_uniform", 1.0, "fan_in", "uniform"},   {"lecun_normal", 1.0, "fan_in", "truncated_normal"},
    };
    for (const auto& e : equivalents) {
        const ArrayF named = gruscope::initialize(spec(e.name), shape, 11, 1);
        const ArrayF general = gruscope::initialize(vs(e.scale, e.mode, e.distribution), shape, 11, 1);
        QVERIFY2(named.data == general.data, e.name);
        // Their own scale/mode/distribution fields are not Keras config keys and are ignored.
        InitializerSpec odd = spec(e.name);
        odd.scale = 123.0;
        odd.mode = "fan_out";
        odd.distribution = "uniform";
        QVERIFY2(gruscope::initialize(odd, shape, 11, 1).data == named.data, e.name);
    }
}

// ---- validation ------------------------------------------------------------------------------

void TstInitializers::validation_data()
{
    QTest::addColumn<InitializerSpec>("spec");
    QTest::addColumn<std::vector<std::string>>("mentions");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();

    QTest::newRow("scale 0") << vs(0.0, "fan_in", "uniform") << std::vector<std::string>{"scale", "0"};
    QTest::newRow("scale -1") << vs(-1.0, "fan_in", "uniform") << std::vector<std::string>{"scale", "-1"};
    QTest::newRow("scale nan") << vs(nan, "fan_in", "uniform") << std::vector<std::string>{"scale", "nan"};
    QTest::newRow("scale inf") << vs(inf, "fan_in", "uniform") << std::vector<std::string>{"scale", "inf"};
    QTest::newRow("mode") << vs(1.0, "fan_everything", "uniform") << std::vector<std::string>{"mode", "'fan_everything'", "fan_avg"};
    QTest::newRow("mode is case-sensitive") << vs(1.0, "FAN_IN", "uniform") << std::vector<std::string>{"mode", "'FAN_IN'"};
    QTest::newRow("distribution") << vs(1.0, "fan_in", "gaussian") << std::vector<std::string>{"distribution", "'gaussian'", "untruncated_normal"};
    QTest::newRow("distribution empty") << vs(1.0, "fan_in", "") << std::vector<std::string>{"distribution", "''"};
    {
        InitializerSpec s = spec("random_normal");
        s.stddev = -0.1;
        QTest::newRow("random_normal stddev < 0") << s << std::vector<std::string>{"stddev", "-0.1"};
        s.stddev = 1.0;
        s.mean = inf;
        QTest::newRow("random_normal mean inf") << s << std::vector<std::string>{"mean", "inf"};
    }
    {
        InitializerSpec s = spec("TruncatedNormal");
        s.stddev = inf;
        QTest::newRow("truncated_normal stddev inf") << s << std::vector<std::string>{"stddev", "inf"};
        s.stddev = nan;
        QTest::newRow("truncated_normal stddev nan") << s << std::vector<std::string>{"stddev", "nan"};
    }
    {
        InitializerSpec s = spec("random_uniform");
        s.minval = 1.0;
        s.maxval = 0.5;
        QTest::newRow("minval > maxval") << s << std::vector<std::string>{"minval", "maxval", "1", "0.5"};
        s.minval = nan;
        QTest::newRow("minval nan") << s << std::vector<std::string>{"minval", "nan"};
        s.minval = 0.0;
        s.maxval = -inf;
        QTest::newRow("maxval -inf") << s << std::vector<std::string>{"maxval", "-inf"};
    }
    {
        InitializerSpec s = spec("orthogonal");
        s.gain = inf;
        QTest::newRow("orthogonal gain inf") << s << std::vector<std::string>{"gain", "inf"};
        s.name = "identity";
        s.gain = nan;
        QTest::newRow("identity gain nan") << s << std::vector<std::string>{"gain", "nan"};
    }
    {
        InitializerSpec s = spec("constant");
        s.value = -inf;
        QTest::newRow("constant value -inf") << s << std::vector<std::string>{"value", "-inf"};
    }
}

void TstInitializers::validation()
{
    QFETCH(InitializerSpec, spec);
    QFETCH(std::vector<std::string>, mentions);
    const auto problems = gruscope::validateInitializer(spec, "recurrent_initializer");
    QCOMPARE(problems.size(), size_t(1));
    const std::string& msg = problems[0];
    QVERIFY2(contains(msg, "recurrent_initializer"), msg.c_str());
    for (const std::string& m : mentions)
        QVERIFY2(contains(msg, m), qPrintable(QString::fromStdString("'" + m + "' missing from: " + msg)));

    try {
        gruscope::initialize(spec, {4, 4}, 1);
        QFAIL("initialize accepted an invalid spec");
    } catch (const gruscope::Error& e) {
        QCOMPARE(e.code(), ErrorCode::InvalidArgument);
        for (const std::string& m : mentions)
            QVERIFY2(contains(e.what(), m), e.what());
    }
}

void TstInitializers::validSpecs_data()
{
    QTest::addColumn<InitializerSpec>("spec");
    QTest::newRow("distribution normal") << vs(1.0, "fan_in", "normal");
    QTest::newRow("distribution Uniform") << vs(1.0, "fan_out", "Uniform");
    QTest::newRow("distribution TRUNCATED_NORMAL") << vs(0.1, "fan_avg", "TRUNCATED_NORMAL");
    QTest::newRow("tiny scale") << vs(1e-300, "fan_avg", "untruncated_normal");
    InitializerSpec n = spec("random_normal");
    n.stddev = 0.0;
    QTest::newRow("stddev 0") << n;
    InitializerSpec u = spec("random_uniform");
    u.minval = u.maxval = 2.0;
    QTest::newRow("minval == maxval") << u;
    InitializerSpec o = spec("orthogonal");
    o.gain = -1.0;
    QTest::newRow("orthogonal gain -1") << o;
    InitializerSpec i = spec("identity");
    i.gain = 0.0;
    QTest::newRow("identity gain 0") << i;
    // Parameters that belong to other initializers are not checked.
    InitializerSpec g = spec("glorot_uniform");
    g.scale = -5.0;
    g.mode = "nonsense";
    g.stddev = -1.0;
    g.minval = 1.0;
    g.maxval = 0.0;
    QTest::newRow("glorot_uniform ignores unrelated fields") << g;
    InitializerSpec z = spec("zeros");
    z.gain = std::numeric_limits<double>::infinity();
    QTest::newRow("zeros ignores gain") << z;
}

void TstInitializers::validSpecs()
{
    QFETCH(InitializerSpec, spec);
    const auto problems = gruscope::validateInitializer(spec, "kernel_initializer");
    QVERIFY2(problems.empty(), joined(problems).c_str());
    const ArrayF a = gruscope::initialize(spec, {6, 4}, 8);
    for (float v : a.data)
        QVERIFY(std::isfinite(v));
}

void TstInitializers::multipleProblems()
{
    const auto problems = gruscope::validateInitializer(vs(-1.0, "fan", "bad"), "kernel_initializer");
    QCOMPARE(problems.size(), size_t(3));
    for (const auto& p : problems)
        QVERIFY2(contains(p, "kernel_initializer"), p.c_str());
}

void TstInitializers::badShapes_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<Shape>("shape");
    QTest::addColumn<QString>("mention");
    QTest::newRow("orthogonal rank 1") << "orthogonal" << Shape{5} << "(5,)";
    QTest::newRow("identity rank 1") << "identity" << Shape{5} << "(5,)";
    QTest::newRow("Identity rank 1") << "Identity" << Shape{3} << "(3,)";
    QTest::newRow("glorot rank 3") << "glorot_uniform" << Shape{2, 3, 4} << "(2, 3, 4)";
    QTest::newRow("zeros rank 0") << "zeros" << Shape{} << "()";
    QTest::newRow("orthogonal rank 3") << "orthogonal" << Shape{2, 3, 4} << "(2, 3, 4)";
    QTest::newRow("negative dimension") << "random_normal" << Shape{3, -2} << "(3, -2)";
}

void TstInitializers::badShapes()
{
    QFETCH(QString, name);
    QFETCH(Shape, shape);
    QFETCH(QString, mention);
    try {
        gruscope::initialize(spec(name.toStdString()), shape, 1);
        QFAIL("initialize accepted a bad shape");
    } catch (const gruscope::Error& e) {
        QCOMPARE(e.code(), ErrorCode::InvalidArgument);
        QVERIFY2(contains(e.what(), mention.toStdString()), e.what());
        QVERIFY2(contains(e.what(), name.toStdString()), e.what());
    }
}

QTEST_GUILESS_MAIN(TstInitializers)
#include "tst_initializers.moc"
