#include "gruscope/saturation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gruscope {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool shapeIs(const ArrayF& a, int64_t S, int64_t W, int64_t U) { return a.shape == Shape{S, W, U}; }

} // namespace

int SaturationReport::count(SaturationFlag flag) const noexcept
{
    int n = 0;
    for (const UnitSaturation& u : units)
        n += (u.flags & flag) != 0;
    return n;
}

double memoryTimeConstant(double zMean) noexcept
{
    // h_{t+k} = z̄^k h_t = e^{k ln z̄}: the state falls by e after τ = −1/ln z̄ steps.
    if (std::isnan(zMean))
        return kNaN;
    if (zMean >= 1.0)
        return std::numeric_limits<double>::infinity();
    if (zMean <= 0.0)
        return 0.0;
    return -1.0 / std::log(zMean);
}

SaturationReport analyzeSaturation(const Trace& trace, const SaturationOptions& options)
{
    SaturationReport rep;
    rep.thresholds = options.thresholds;
    const SaturationThresholds& th = options.thresholds;
    if (!trace.recorded()) {
        rep.message = "the run recorded no trace";
        return rep;
    }
    const int64_t S = int64_t(trace.samples.size()), W = trace.steps(), U = trace.units;
    if (U <= 0 || !shapeIs(trace.z, S, W, U) || !shapeIs(trace.r, S, W, U) || !shapeIs(trace.hh, S, W, U) ||
        !shapeIs(trace.h, S, W, U)) {
        rep.message = "the trace's arrays do not have the shape (samples, steps, units)";
        return rep;
    }
    if (options.slot >= S) {
        rep.message = "trace slot " + std::to_string(options.slot) + " is outside 0.." + std::to_string(S - 1);
        return rep;
    }
    const bool haveKept = trace.kept.shape == Shape{S, W};
    const int64_t s0 = options.slot < 0 ? 0 : options.slot, s1 = options.slot < 0 ? S : options.slot + 1;
    for (int64_t s = s0; s < s1; ++s)
        rep.samples.push_back(trace.samples[size_t(s)]);

    // Counts in double: n can pass 2^24 on a long traced batch.
    struct Acc {
        double lowZ = 0, highZ = 0, lowR = 0, highR = 0, satHh = 0, zSum = 0, hRange = 0;
    };
    std::vector<Acc> acc(static_cast<size_t>(U));
    std::vector<double> hMin(static_cast<size_t>(U)), hMax(static_cast<size_t>(U));
    int64_t n = 0;
    bool moveSeen = false; // some sample kept two steps or more: h could have moved
    for (int64_t s = s0; s < s1; ++s) {
        bool any = false;
        int64_t keptHere = 0;
        for (int64_t w = 0; w < W; ++w) {
            // A masked step leaves h as it was (Keras discards the cell's result): its gates were
            // computed but never acted on, so it is not a step of the unit's life.
            if (haveKept && trace.kept.data[size_t(s * W + w)] == 0)
                continue;
            ++n;
            ++keptHere;
            const size_t row = size_t((s * W + w) * U);
            for (int64_t u = 0; u < U; ++u) {
                const size_t i = row + size_t(u);
                const double z = trace.z.data[i], r = trace.r.data[i], hh = trace.hh.data[i], h = trace.h.data[i];
                Acc& a = acc[size_t(u)];
                a.lowZ += z < th.low;
                a.highZ += z > th.high;
                a.lowR += r < th.low;
                a.highR += r > th.high;
                a.satHh += std::abs(hh) > th.high;
                a.zSum += z;
                if (!any) {
                    hMin[size_t(u)] = hMax[size_t(u)] = h;
                } else {
                    hMin[size_t(u)] = std::min(hMin[size_t(u)], h);
                    hMax[size_t(u)] = std::max(hMax[size_t(u)], h);
                }
            }
            any = true;
        }
        moveSeen = moveSeen || keptHere >= 2;
        // Each sample has a state of its own; a dead unit is flat within every one of them.
        if (any)
            for (int64_t u = 0; u < U; ++u)
                acc[size_t(u)].hRange = std::max(acc[size_t(u)].hRange, hMax[size_t(u)] - hMin[size_t(u)]);
    }
    rep.steps = n;
    if (n == 0) {
        rep.message = "the mask kept none of the traced steps";
        return rep;
    }

    rep.units.resize(size_t(U));
    const double dn = double(n);
    for (int64_t u = 0; u < U; ++u) {
        const Acc& a = acc[size_t(u)];
        UnitSaturation& out = rep.units[size_t(u)];
        out.lowZ = a.lowZ / dn;
        out.highZ = a.highZ / dn;
        out.lowR = a.lowR / dn;
        out.highR = a.highR / dn;
        out.satHh = a.satHh / dn;
        out.zMean = a.zSum / dn;
        out.tau = memoryTimeConstant(out.zMean);
        out.hRange = a.hRange;
        // One step shows no change at all: dead needs two kept steps of one sample to be judged.
        if (moveSeen && !(a.hRange >= th.deadRange))
            out.flags |= kSatDead;
        if (out.highZ >= th.most)
            out.flags |= kSatStuck;
        if (out.lowR >= th.most)
            out.flags |= kSatAlwaysReset;
    }
    return rep;
}

std::string saturationFlagNames(unsigned flags)
{
    std::string s;
    auto add = [&](SaturationFlag f, const char* name) {
        if (!(flags & f))
            return;
        if (!s.empty())
            s += ", ";
        s += name;
    };
    add(kSatDead, "dead");
    add(kSatStuck, "stuck");
    add(kSatAlwaysReset, "always-reset");
    return s;
}

} // namespace gruscope
