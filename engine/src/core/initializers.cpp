// Keras weight initializers (Keras 3 / tf_keras semantics), seeded and deterministic.
//
// Random bits: std::mt19937_64 seeded through std::seed_seq from (seed, salt); both are fully
// specified by the C++ standard, and the mapping to uniform / normal numbers below is our own (no
// std::*_distribution, whose output differs between standard libraries), so the same
// (spec, shape, seed, salt) gives the same array with every compiler.
//
// Distributions, as in keras/src/initializers/random_initializers.py:
//   random_uniform    U[minval, maxval)
//   random_normal     N(mean, stddev)
//   truncated_normal  N(mean, stddev) redrawn until within mean +- 2 stddev
//   variance_scaling  s = scale / max(1, fan), fan by mode (fan_in | fan_out | fan_avg), then
//                     truncated_normal: stddev = sqrt(s) / 0.87962566103423978 (truncated at 2 stddev)
//                     untruncated_normal: stddev = sqrt(s)
//                     uniform: U[-sqrt(3 s), sqrt(3 s))
//   glorot_* = variance_scaling(1, fan_avg), he_* = (2, fan_in), lecun_* = (1, fan_in);
//   *_uniform uses "uniform", *_normal "truncated_normal".
//   orthogonal        Q of QR(normal(max(r,c), min(r,c))) times sign(diag(R)), transposed when
//                     r < c, times gain
//   identity          gain * eye(r, c)
#include "gruscope/initializers.h"

#include "gruscope/error.h"

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <random>
#include <unordered_map>

namespace gruscope {

namespace {

// Canonical names in the order documented in the header, with their Keras class names.
struct NameEntry {
    const char* canonical;
    const char* className;
};

constexpr std::array<NameEntry, 15> kNames{{
    {"zeros", "Zeros"},
    {"ones", "Ones"},
    {"constant", "Constant"},
    {"glorot_uniform", "GlorotUniform"},
    {"glorot_normal", "GlorotNormal"},
    {"he_uniform", "HeUniform"},
    {"he_normal", "HeNormal"},
    {"lecun_uniform", "LecunUniform"},
    {"lecun_normal", "LecunNormal"},
    {"orthogonal", "Orthogonal"},
    {"random_uniform", "RandomUniform"},
    {"random_normal", "RandomNormal"},
    {"truncated_normal", "TruncatedNormal"},
    {"identity", "Identity"},
    {"variance_scaling", "VarianceScaling"},
}};

// Every identifier Keras 3 (keras.src.initializers.ALL_OBJECTS_DICT) or tf_keras
// (tf_keras.src.initializers LOCAL.ALL_OBJECTS) deserializes to one of the initializers above.
// Lookup is case-sensitive, as in Keras.
const std::unordered_map<std::string, std::string>& aliasTable()
{
    static const std::unordered_map<std::string, std::string> table = [] {
        std::unordered_map<std::string, std::string> t;
        for (const NameEntry& e : kNames) {
            t.emplace(e.canonical, e.canonical);
            t.emplace(e.className, e.canonical);
            // tf_keras compatibility aliases "GlorotUniformV2", ...
            t.emplace(std::string(e.className) + "V2", e.canonical);
        }
        // Keras 3 and tf_keras legacy aliases.
        t.emplace("normal", "random_normal");
        t.emplace("uniform", "random_uniform");
        t.emplace("one", "ones");
        t.emplace("zero", "zeros");
        // Keras 3 compatibility aliases.
        t.emplace("OrthogonalInitializer", "orthogonal");
        t.emplace("IdentityInitializer", "identity");
        // tf_keras: "glorot_normalV2", "he_uniformV2", ... (snake_case + V2 for the fan-based ones).
        for (const char* n : {"glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform"})
            t.emplace(std::string(n) + "V2", n);
        return t;
    }();
    return table;
}

std::string formatNumber(double v)
{
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string lowerAscii(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Keras lower-cases `distribution` and maps "normal" to "truncated_normal"; "" when not allowed.
std::string canonicalDistribution(std::string_view distribution)
{
    std::string d = lowerAscii(distribution);
    if (d == "normal")
        return "truncated_normal";
    if (d == "truncated_normal" || d == "untruncated_normal" || d == "uniform")
        return d;
    return {};
}

bool isAllowedMode(std::string_view mode) { return mode == "fan_in" || mode == "fan_out" || mode == "fan_avg"; }

// ---- random numbers --------------------------------------------------------------------------

class Random {
public:
    Random(uint64_t seed, uint64_t salt)
    {
        std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                          static_cast<uint32_t>(salt), static_cast<uint32_t>(salt >> 32)};
        m_engine.seed(seq);
    }

    // [0, 1), 53 random bits.
    double uniform() { return static_cast<double>(m_engine() >> 11) * 0x1.0p-53; }

    // Standard normal by Box-Muller; both values of a pair are used.
    double normal()
    {
        if (m_haveSpare) {
            m_haveSpare = false;
            return m_spare;
        }
        const double u1 = static_cast<double>((m_engine() >> 11) + 1) * 0x1.0p-53; // (0, 1]
        const double u2 = uniform();                                              // [0, 1)
        const double r = std::sqrt(-2.0 * std::log(u1));
        constexpr double twoPi = 6.283185307179586476925286766559;
        const double theta = twoPi * u2;
        m_spare = r * std::sin(theta);
        m_haveSpare = true;
        return r * std::cos(theta);
    }

    // Standard normal redrawn until |z| <= 2 (Keras/TF truncated_normal).
    double truncatedNormal()
    {
        for (;;) {
            const double z = normal();
            if (std::fabs(z) <= 2.0)
                return z;
        }
    }

private:
    std::mt19937_64 m_engine;
    bool m_haveSpare = false;
    double m_spare = 0.0;
};

// ---- shapes ----------------------------------------------------------------------------------

struct Fans {
    double in = 1.0, out = 1.0;
};

// keras compute_fans for rank 1 and 2.
Fans computeFans(const Shape& shape)
{
    if (shape.size() == 1)
        return {static_cast<double>(shape[0]), static_cast<double>(shape[0])};
    return {static_cast<double>(shape[0]), static_cast<double>(shape[1])};
}

void checkShape(const InitializerSpec& spec, const std::string& canonical, const Shape& shape)
{
    if (shape.size() != 1 && shape.size() != 2)
        throw Error(ErrorCode::InvalidArgument,
                    "initializer " + quoted(spec.name) + ": the shape to initialize must be rank 1 or 2, got "
                        + shapeToString(shape) + " of rank " + std::to_string(shape.size()));
    for (int64_t d : shape)
        if (d < 0)
            throw Error(ErrorCode::InvalidArgument,
                        "initializer " + quoted(spec.name) + ": the shape to initialize has a negative dimension: "
                            + shapeToString(shape));
    if ((canonical == "orthogonal" || canonical == "identity") && shape.size() != 2)
        throw Error(ErrorCode::InvalidArgument,
                    "initializer " + quoted(spec.name) + " can only initialize 2D matrices; got shape "
                        + shapeToString(shape) + " of rank " + std::to_string(shape.size()));
}

// ---- distributions ---------------------------------------------------------------------------

void fillUniform(ArrayF& out, Random& rng, double minval, double maxval)
{
    const double width = maxval - minval;
    for (float& v : out.data)
        v = static_cast<float>(minval + width * rng.uniform());
}

void fillNormal(ArrayF& out, Random& rng, double mean, double stddev)
{
    for (float& v : out.data)
        v = static_cast<float>(mean + stddev * rng.normal());
}

void fillTruncatedNormal(ArrayF& out, Random& rng, double mean, double stddev)
{
    for (float& v : out.data)
        v = static_cast<float>(mean + stddev * rng.truncatedNormal());
}

void fillVarianceScaling(ArrayF& out, Random& rng, const Shape& shape, double scale, const std::string& mode,
                         const std::string& distribution)
{
    const Fans fans = computeFans(shape);
    if (mode == "fan_in")
        scale /= std::max(1.0, fans.in);
    else if (mode == "fan_out")
        scale /= std::max(1.0, fans.out);
    else
        scale /= std::max(1.0, (fans.in + fans.out) / 2.0);

    if (distribution == "truncated_normal") {
        // scipy.stats.truncnorm.std(a=-2, b=2, loc=0., scale=1.)
        const double stddev = std::sqrt(scale) / 0.87962566103423978;
        fillTruncatedNormal(out, rng, 0.0, stddev);
    } else if (distribution == "untruncated_normal") {
        fillNormal(out, rng, 0.0, std::sqrt(scale));
    } else {
        const double limit = std::sqrt(3.0 * scale);
        fillUniform(out, rng, -limit, limit);
    }
}

void fillOrthogonal(ArrayF& out, Random& rng, int64_t rows, int64_t cols, double gain)
{
    const Eigen::Index m = static_cast<Eigen::Index>(std::max(rows, cols));
    const Eigen::Index n = static_cast<Eigen::Index>(std::min(rows, cols));
    Eigen::MatrixXd a(m, n);
    for (Eigen::Index i = 0; i < m; ++i)
        for (Eigen::Index j = 0; j < n; ++j)
            a(i, j) = rng.normal(); // drawn in C order, like random.normal(flat_shape)

    Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(m, n); // reduced Q, m x n
    const auto& r = qr.matrixQR();
    for (Eigen::Index j = 0; j < n; ++j) {
        // Keras multiplies by sign(diag(R)); a zero diagonal (probability zero with normal draws)
        // keeps +1 so the result stays orthogonal.
        if (r(j, j) < 0.0)
            q.col(j) = -q.col(j);
    }

    float* dst = out.ptr();
    if (rows < cols) {
        // output (rows, cols) = transpose of q (cols x rows)
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j)
                dst[i * cols + j] = static_cast<float>(gain * q(j, i));
    } else {
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j)
                dst[i * cols + j] = static_cast<float>(gain * q(i, j));
    }
}

void fillIdentity(ArrayF& out, int64_t rows, int64_t cols, double gain)
{
    const int64_t k = std::min(rows, cols);
    for (int64_t i = 0; i < k; ++i)
        out.data[static_cast<size_t>(i * cols + i)] = static_cast<float>(gain);
}

void requireFinite(std::vector<std::string>& problems, const std::string& argument, const std::string& canonical,
                   const char* field, double v)
{
    if (!std::isfinite(v))
        problems.push_back(argument + ": " + canonical + " `" + field + "` must be a finite number, got " + formatNumber(v));
}

} // namespace

const std::vector<std::string>& initializerNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        v.reserve(kNames.size());
        for (const NameEntry& e : kNames)
            v.emplace_back(e.canonical);
        return v;
    }();
    return names;
}

std::string canonicalInitializerName(std::string_view anyName)
{
    const auto& table = aliasTable();
    auto it = table.find(std::string(anyName));
    return it == table.end() ? std::string() : it->second;
}

std::string initializerClassName(const std::string& canonical)
{
    const std::string c = canonicalInitializerName(canonical);
    for (const NameEntry& e : kNames)
        if (c == e.canonical)
            return e.className;
    return {};
}

InitializerSpec defaultInitializer(const std::string& canonical)
{
    const std::string c = canonicalInitializerName(canonical);
    if (c.empty()) {
        std::string allowed;
        for (const std::string& n : initializerNames())
            allowed += (allowed.empty() ? "" : ", ") + n;
        throw Error(ErrorCode::InvalidArgument,
                    "unknown initializer " + quoted(canonical) + "; allowed: " + allowed);
    }
    // Keras's defaults are the struct's defaults: Constant(0.0), Identity/Orthogonal(gain=1.0),
    // RandomNormal/TruncatedNormal(0.0, 0.05), RandomUniform(-0.05, 0.05),
    // VarianceScaling(1.0, "fan_in", "truncated_normal"), seed None.
    InitializerSpec spec;
    spec.name = c;
    return spec;
}

std::vector<std::string> validateInitializer(const InitializerSpec& spec, const std::string& argument)
{
    std::vector<std::string> problems;
    const std::string c = canonicalInitializerName(spec.name);
    if (c.empty()) {
        std::string allowed;
        for (const std::string& n : initializerNames())
            allowed += (allowed.empty() ? "" : ", ") + n;
        problems.push_back(argument + ": unknown initializer " + quoted(spec.name) + "; allowed: " + allowed
                           + " (or their Keras class names)");
        return problems;
    }

    if (c == "constant") {
        requireFinite(problems, argument, c, "value", spec.value);
    } else if (c == "orthogonal" || c == "identity") {
        requireFinite(problems, argument, c, "gain", spec.gain);
    } else if (c == "random_normal" || c == "truncated_normal") {
        requireFinite(problems, argument, c, "mean", spec.mean);
        if (!std::isfinite(spec.stddev) || spec.stddev < 0.0)
            problems.push_back(argument + ": " + c + " `stddev` must be a finite number >= 0, got "
                               + formatNumber(spec.stddev));
    } else if (c == "random_uniform") {
        requireFinite(problems, argument, c, "minval", spec.minval);
        requireFinite(problems, argument, c, "maxval", spec.maxval);
        if (std::isfinite(spec.minval) && std::isfinite(spec.maxval) && spec.minval > spec.maxval)
            problems.push_back(argument + ": " + c + " `minval` must be <= `maxval`, got minval="
                               + formatNumber(spec.minval) + ", maxval=" + formatNumber(spec.maxval));
        else if (std::isfinite(spec.minval) && std::isfinite(spec.maxval) && !std::isfinite(spec.maxval - spec.minval))
            problems.push_back(argument + ": " + c + " range `maxval - minval` overflows, got minval="
                               + formatNumber(spec.minval) + ", maxval=" + formatNumber(spec.maxval));
    } else if (c == "variance_scaling") {
        if (!std::isfinite(spec.scale) || spec.scale <= 0.0)
            problems.push_back(argument + ": " + c + " `scale` must be a positive finite number, got "
                               + formatNumber(spec.scale));
        if (!isAllowedMode(spec.mode))
            problems.push_back(argument + ": " + c + " `mode` must be one of fan_in, fan_out, fan_avg, got "
                               + quoted(spec.mode));
        if (canonicalDistribution(spec.distribution).empty())
            problems.push_back(argument + ": " + c
                               + " `distribution` must be one of truncated_normal, untruncated_normal, uniform"
                                 " (or normal, an alias of truncated_normal), got "
                               + quoted(spec.distribution));
    }
    // zeros, ones and the glorot/he/lecun family take no parameters besides the seed.
    return problems;
}

ArrayF initialize(const InitializerSpec& spec, const Shape& shape, uint64_t seed, uint64_t salt)
{
    const std::vector<std::string> problems = validateInitializer(spec, "initializer");
    if (!problems.empty()) {
        std::string msg;
        for (const std::string& p : problems)
            msg += (msg.empty() ? "" : "; ") + p;
        throw Error(ErrorCode::InvalidArgument, msg);
    }
    const std::string c = canonicalInitializerName(spec.name);
    checkShape(spec, c, shape);

    ArrayF out(shape, 0.0f);
    if (c == "zeros" || out.data.empty())
        return out;
    if (c == "ones") {
        std::fill(out.data.begin(), out.data.end(), 1.0f);
        return out;
    }
    if (c == "constant") {
        std::fill(out.data.begin(), out.data.end(), static_cast<float>(spec.value));
        return out;
    }
    if (c == "identity") {
        fillIdentity(out, shape[0], shape[1], spec.gain);
        return out;
    }

    const uint64_t effectiveSeed = spec.seed ? static_cast<uint64_t>(*spec.seed) : seed;
    Random rng(effectiveSeed, salt);

    if (c == "random_uniform")
        fillUniform(out, rng, spec.minval, spec.maxval);
    else if (c == "random_normal")
        fillNormal(out, rng, spec.mean, spec.stddev);
    else if (c == "truncated_normal")
        fillTruncatedNormal(out, rng, spec.mean, spec.stddev);
    else if (c == "variance_scaling")
        fillVarianceScaling(out, rng, shape, spec.scale, spec.mode, canonicalDistribution(spec.distribution));
    else if (c == "glorot_uniform")
        fillVarianceScaling(out, rng, shape, 1.0, "fan_avg", "uniform");
    else if (c == "glorot_normal")
        fillVarianceScaling(out, rng, shape, 1.0, "fan_avg", "truncated_normal");
    else if (c == "he_uniform")
        fillVarianceScaling(out, rng, shape, 2.0, "fan_in", "uniform");
    else if (c == "he_normal")
        fillVarianceScaling(out, rng, shape, 2.0, "fan_in", "truncated_normal");
    else if (c == "lecun_uniform")
        fillVarianceScaling(out, rng, shape, 1.0, "fan_in", "uniform");
    else if (c == "lecun_normal")
        fillVarianceScaling(out, rng, shape, 1.0, "fan_in", "truncated_normal");
    else if (c == "orthogonal")
        fillOrthogonal(out, rng, shape[0], shape[1], spec.gain);
    else
        throw Error(ErrorCode::Internal, "initializer " + quoted(c) + " has no implementation");
    return out;
}

} // namespace gruscope
