#include "gruscope/signal_generators.h"

#include "gruscope/error.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <numbers>
#include <random>
#include <sstream>

namespace gruscope {

namespace {

struct KindInfo {
    GeneratorKind kind;
    const char* name;
    const char* label;
};

constexpr KindInfo kKinds[] = {
    {GeneratorKind::Sine, "sine", "sine"},
    {GeneratorKind::Square, "square", "square wave"},
    {GeneratorKind::Sawtooth, "sawtooth", "sawtooth"},
    {GeneratorKind::Step, "step", "step"},
    {GeneratorKind::Impulse, "impulse", "impulse"},
    {GeneratorKind::Ramp, "ramp", "ramp"},
    {GeneratorKind::WhiteNoise, "noise", "white noise (Gaussian)"},
    {GeneratorKind::RandomWalk, "walk", "random walk"},
};

const KindInfo& info(GeneratorKind kind)
{
    for (const KindInfo& k : kKinds)
        if (k.kind == kind)
            return k;
    return kKinds[0];
}

std::string num(double v)
{
    std::ostringstream os;
    os << v;
    return os.str();
}

double frac(double v) { return v - std::floor(v); }

// Sample b's length: lengths[b], or the last one when the list is shorter than the batch.
int64_t lengthOf(const std::vector<int64_t>& lengths, int64_t b)
{
    return lengths[size_t(std::min<int64_t>(b, int64_t(lengths.size()) - 1))];
}

void checkMaskShape(int64_t batch, int64_t steps)
{
    if (batch < 1 || steps < 1)
        throw Error(ErrorCode::InvalidArgument, "a mask needs batch ≥ 1 and timesteps ≥ 1, not " +
                                                    gruscope::shapeToString({batch, steps}));
    if (batch > kMaxGeneratedElements / steps)
        throw Error(ErrorCode::ResourceLimit, "a mask of " + gruscope::shapeToString({batch, steps}) +
                                                  " cells is larger than the limit of " +
                                                  std::to_string(kMaxGeneratedElements));
}

void checkLengths(const std::vector<int64_t>& lengths, int64_t batch, int64_t steps)
{
    if (lengths.empty())
        throw Error(ErrorCode::InvalidArgument, "give at least one sequence length, e.g. \"10, 8, 5\"");
    const size_t n = std::min(lengths.size(), size_t(batch));
    for (size_t b = 0; b < n; ++b)
        if (lengths[b] < 0 || lengths[b] > steps)
            throw Error(ErrorCode::InvalidArgument, "length " + std::to_string(lengths[b]) + " of sample " +
                                                        std::to_string(b) + " is outside 0.." +
                                                        std::to_string(steps) + " (the number of timesteps)");
}

} // namespace

const std::vector<GeneratorKind>& generatorKinds()
{
    static const std::vector<GeneratorKind> kinds = [] {
        std::vector<GeneratorKind> v;
        for (const KindInfo& k : kKinds)
            v.push_back(k.kind);
        return v;
    }();
    return kinds;
}

const char* generatorKindName(GeneratorKind kind) { return info(kind).name; }
const char* generatorKindLabel(GeneratorKind kind) { return info(kind).label; }

std::optional<GeneratorKind> generatorKindFromName(std::string_view name)
{
    for (const KindInfo& k : kKinds)
        if (name == k.name)
            return k.kind;
    return std::nullopt;
}

bool isPeriodic(GeneratorKind kind)
{
    return kind == GeneratorKind::Sine || kind == GeneratorKind::Square || kind == GeneratorKind::Sawtooth;
}

bool isPositional(GeneratorKind kind)
{
    return kind == GeneratorKind::Step || kind == GeneratorKind::Impulse || kind == GeneratorKind::Ramp;
}

bool isRandom(GeneratorKind kind) { return kind == GeneratorKind::WhiteNoise || kind == GeneratorKind::RandomWalk; }

double GeneratorSpec::frequencyOf(int64_t i) const
{
    return frequencies.empty() ? baseFrequency + double(i) * frequencyStep : frequencies[size_t(i)];
}

double GeneratorSpec::phaseOf(int64_t i) const
{
    return phases.empty() ? basePhase + double(i) * phaseStep : phases[size_t(i)];
}

std::string validateSpec(const GeneratorSpec& s)
{
    if (s.batch < 1)
        return "batch size must be at least 1, not " + std::to_string(s.batch);
    if (s.steps < 1)
        return "timesteps must be at least 1, not " + std::to_string(s.steps);
    if (s.features < 1)
        return "features must be at least 1, not " + std::to_string(s.features);
    if (s.batch > kMaxGeneratedElements / s.steps || s.batch * s.steps > kMaxGeneratedElements / s.features)
        return "an input of " + gruscope::shapeToString({s.batch, s.steps, s.features}) +
               " is larger than the limit of " + std::to_string(kMaxGeneratedElements) + " values";
    if (!s.frequencies.empty() && int64_t(s.frequencies.size()) != s.features)
        return "give one frequency per feature: " + std::to_string(s.frequencies.size()) + " for " +
               std::to_string(s.features) + " features";
    if (!s.phases.empty() && int64_t(s.phases.size()) != s.features)
        return "give one phase per feature: " + std::to_string(s.phases.size()) + " for " +
               std::to_string(s.features) + " features";
    auto finite = [](double v) { return std::isfinite(v); };
    if (!std::all_of(s.frequencies.begin(), s.frequencies.end(), finite) || !finite(s.baseFrequency) ||
        !finite(s.frequencyStep))
        return "frequencies must be finite numbers";
    if (!std::all_of(s.phases.begin(), s.phases.end(), finite) || !finite(s.basePhase) || !finite(s.phaseStep) ||
        !finite(s.samplePhaseStep))
        return "phases must be finite numbers";
    if (!finite(s.amplitude))
        return "the amplitude must be a finite number";
    if (!finite(s.offset))
        return "the offset must be a finite number";
    return {};
}

ArrayF generate(const GeneratorSpec& s)
{
    if (const std::string why = validateSpec(s); !why.empty()) {
        const bool tooLarge = why.find("limit") != std::string::npos;
        throw Error(tooLarge ? ErrorCode::ResourceLimit : ErrorCode::InvalidArgument, why);
    }
    const int64_t B = s.batch, T = s.steps, I = s.features;
    ArrayF x(Shape{B, T, I});
    const double A = s.amplitude, c = s.offset;
    auto at = [&](int64_t b, int64_t t, int64_t i) -> float& { return x.data[size_t((b * T + t) * I + i)]; };

    if (isPeriodic(s.kind)) {
        constexpr double twoPi = 2.0 * std::numbers::pi;
        for (int64_t b = 0; b < B; ++b)
            for (int64_t i = 0; i < I; ++i) {
                const double f = s.frequencyOf(i), phi = s.phaseOf(i) + double(b) * s.samplePhaseStep;
                for (int64_t t = 0; t < T; ++t) {
                    const double theta = f * double(t) + phi;
                    double v = 0;
                    switch (s.kind) {
                    case GeneratorKind::Sine: v = c + A * std::sin(twoPi * theta); break;
                    case GeneratorKind::Square: v = frac(theta) < 0.5 ? c + A : c - A; break;
                    default: v = c + A * (2.0 * frac(theta) - 1.0); break; // sawtooth
                    }
                    at(b, t, i) = float(v);
                }
            }
    } else if (isPositional(s.kind)) {
        const double rampSlope = A / double(std::max<int64_t>(1, T - 1));
        for (int64_t b = 0; b < B; ++b) {
            const int64_t p = s.position + b * s.positionStep;
            for (int64_t t = 0; t < T; ++t) {
                double v = c;
                if (s.kind == GeneratorKind::Step && t >= p)
                    v = c + A;
                else if (s.kind == GeneratorKind::Impulse && t == p)
                    v = c + A;
                else if (s.kind == GeneratorKind::Ramp && t >= p)
                    v = c + rampSlope * double(t - p);
                for (int64_t i = 0; i < I; ++i)
                    at(b, t, i) = float(v);
            }
        }
    } else {
        // One normal draw per element in C order: noise and walk share the stream, so a walk is
        // exactly the running sum of the noise with the same seed.
        std::mt19937_64 rng(s.seed);
        std::normal_distribution<double> normal(0.0, 1.0);
        if (s.kind == GeneratorKind::WhiteNoise) {
            for (float& v : x.data)
                v = float(c + A * normal(rng));
        } else {
            std::vector<double> sum(size_t(I), 0.0); // accumulated in double: no drift over long T
            for (int64_t b = 0; b < B; ++b) {
                std::fill(sum.begin(), sum.end(), 0.0);
                for (int64_t t = 0; t < T; ++t)
                    for (int64_t i = 0; i < I; ++i) {
                        sum[size_t(i)] += A * normal(rng);
                        at(b, t, i) = float(c + sum[size_t(i)]);
                    }
            }
        }
    }
    return x;
}

std::string describeSpec(const GeneratorSpec& s)
{
    std::string d = generatorKindLabel(s.kind);
    if (isPeriodic(s.kind)) {
        if (s.frequencies.empty())
            d += " f=" + num(s.baseFrequency) + (s.frequencyStep != 0 ? "+" + num(s.frequencyStep) + "·i" : "");
        else
            d += " f=per feature";
        d += " cycles/step";
        if (s.samplePhaseStep != 0)
            d += ", phase +" + num(s.samplePhaseStep) + " per sample";
    } else if (isPositional(s.kind)) {
        d += " at t=" + std::to_string(s.position);
        if (s.positionStep != 0)
            d += (s.positionStep > 0 ? "+" : "") + std::to_string(s.positionStep) + "·b";
    } else {
        d += " seed " + std::to_string(s.seed);
    }
    d += ", A=" + num(s.amplitude);
    if (s.offset != 0)
        d += ", offset " + num(s.offset);
    return d;
}

// ---- masks -------------------------------------------------------------------------------------

ArrayU8 maskNone(int64_t batch, int64_t steps)
{
    checkMaskShape(batch, steps);
    return ArrayU8(Shape{batch, steps}, 1);
}

ArrayU8 maskRightPadded(int64_t batch, int64_t steps, const std::vector<int64_t>& lengths)
{
    checkMaskShape(batch, steps);
    checkLengths(lengths, batch, steps);
    ArrayU8 m(Shape{batch, steps}, 0);
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t t = 0; t < lengthOf(lengths, b); ++t)
            m.data[size_t(b * steps + t)] = 1;
    return m;
}

ArrayU8 maskLeftPadded(int64_t batch, int64_t steps, const std::vector<int64_t>& lengths)
{
    checkMaskShape(batch, steps);
    checkLengths(lengths, batch, steps);
    ArrayU8 m(Shape{batch, steps}, 0);
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t t = steps - lengthOf(lengths, b); t < steps; ++t)
            m.data[size_t(b * steps + t)] = 1;
    return m;
}

ArrayU8 maskRandomHoles(int64_t batch, int64_t steps, double probability, uint64_t seed)
{
    checkMaskShape(batch, steps);
    if (!(probability >= 0.0 && probability <= 1.0))
        throw Error(ErrorCode::InvalidArgument,
                    "the hole probability must lie in [0, 1], not " + num(probability));
    ArrayU8 m(Shape{batch, steps}, 1);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (uint8_t& cell : m.data)
        cell = u(rng) < probability ? 0 : 1;
    return m;
}

std::vector<int64_t> parseLengths(std::string_view text)
{
    std::vector<int64_t> out;
    size_t pos = 0;
    auto isSep = [](char ch) { return ch == ',' || ch == ';' || std::isspace(static_cast<unsigned char>(ch)); };
    while (pos < text.size()) {
        while (pos < text.size() && isSep(text[pos]))
            ++pos;
        if (pos >= text.size())
            break;
        size_t end = pos;
        while (end < text.size() && !isSep(text[end]))
            ++end;
        const std::string_view token = text.substr(pos, end - pos);
        int64_t v = 0;
        const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
        if (ec != std::errc() || ptr != token.data() + token.size())
            throw Error(ErrorCode::InvalidArgument,
                        "\"" + std::string(token) + "\" is not a whole number (lengths look like \"10, 8, 5\")");
        if (v < 0)
            throw Error(ErrorCode::InvalidArgument, "a length cannot be negative: " + std::string(token));
        out.push_back(v);
        pos = end;
    }
    if (out.empty())
        throw Error(ErrorCode::InvalidArgument, "give at least one sequence length, e.g. \"10, 8, 5\"");
    return out;
}

} // namespace gruscope
