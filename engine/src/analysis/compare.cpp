// compareBackends: one call on each asked-for backend against the float64 reference. Timings come
// from untraced calls (a trace costs the CPU backends a copy per step and the GPU backends a
// rebuild on the CPU); the differences come from one traced call per backend, so every traced
// step and unit is compared, not only the outputs Keras returns.
#include "gruscope/compare.h"

#include "gruscope/error.h"
#include "gruscope/stats.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace gruscope {
namespace {

// The spacing of float32 values at magnitude v (one ULP there).
double floatSpacing(double v)
{
    const float a = std::fabs(float(v));
    return double(std::nextafter(a, std::numeric_limits<float>::infinity()) - a);
}

template <class A, class B>
double maxAbs(const std::vector<A>& got, const std::vector<B>& want)
{
    double m = 0;
    for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
        const double d = std::fabs(double(got[i]) - double(want[i]));
        m = std::isnan(d) ? std::numeric_limits<double>::infinity() : std::max(m, d);
    }
    return m;
}

void fillDifferences(const RunResult& got, const RunResult& ref, double tolerance, CompareRow& row)
{
    row.maxAbsOutput = maxAbs(got.output.data, ref.output64.data);
    row.maxAbsState = maxAbs(got.state.data, ref.state64.data);
    double scale = 0;
    for (double v : ref.output64.data)
        scale = std::max(scale, std::fabs(v));
    const double ulp = floatSpacing(scale > 0 ? scale : 1.0);
    row.ulpsMax = ulp > 0 ? row.maxAbsOutput / ulp : 0.0;
    row.traceRebuilt = got.trace.rebuilt;
    const Trace& g = got.trace;
    const Trace& r = ref.trace;
    if (!g.recorded() || g.h.shape != r.h.shape)
        return;
    const int64_t S = g.h.shape[0], W = g.h.shape[1], U = g.h.shape[2];
    row.maxAbsPerStep.assign(size_t(W), 0.0);
    row.maxAbsPerUnit.assign(size_t(U), 0.0);
    double worst = -1;
    for (int64_t k = 0; k < S; ++k)
        for (int64_t w = 0; w < W; ++w)
            for (int64_t u = 0; u < U; ++u) {
                const size_t at = size_t((k * W + w) * U + u);
                double d = std::fabs(double(g.h.data[at]) - double(r.h.data[at]));
                if (std::isnan(d))
                    d = std::numeric_limits<double>::infinity();
                row.maxAbsPerStep[size_t(w)] = std::max(row.maxAbsPerStep[size_t(w)], d);
                row.maxAbsPerUnit[size_t(u)] = std::max(row.maxAbsPerUnit[size_t(u)], d);
                if (d > worst) {
                    worst = d;
                    row.worstStep = g.stepBegin + w;
                    row.worstUnit = u;
                }
            }
    for (int64_t w = 0; w < W; ++w)
        if (row.maxAbsPerStep[size_t(w)] > tolerance) {
            row.firstStepOver = g.stepBegin + w;
            break;
        }
}

} // namespace

CompareReport compareBackends(const GruConfig& config, const GruWeights& weights, const CallInputs& inputs,
                              const CompareOptions& o)
{
    CompareReport rep;
    TraceOptions trace;
    trace.enabled = true;
    trace.memoryCapBytes = o.traceCapBytes;

    // The oracle first: an error here is the inputs' fault, and no backend could run them.
    GruLayer refLayer(config, weights);
    const RunResult ref = refLayer.call(inputs, BackendKind::Reference, trace);
    rep.U = config.units;
    rep.I = weights.inputSize();
    rep.B = config.time_major ? inputs.x.shape[1] : inputs.x.shape[0];
    rep.T = config.time_major ? inputs.x.shape[0] : inputs.x.shape[1];
    rep.traceStepBegin = ref.trace.stepBegin;
    rep.tracedSamples = ref.trace.samples;

    for (BackendKind kind : o.backends) {
        CompareRow row;
        row.kind = kind;
        row.name = backendName(kind);
        try {
            GruLayer layer(config, weights);
            const BackendSupport sup = layer.supports(inputs, kind);
            if (!sup.ok) {
                row.reason = sup.reason;
                rep.rows.push_back(std::move(row));
                continue;
            }
            std::vector<double> secs, transfers, device;
            for (int k = 0; k < o.warmups + o.repeats; ++k) {
                layer.resetStates(); // every call starts where the reference started
                const RunResult r = layer.call(inputs, kind);
                if (k >= o.warmups) {
                    secs.push_back(r.seconds);
                    transfers.push_back(r.transferSeconds);
                    device.push_back(r.deviceSeconds);
                }
            }
            row.timedCalls = int(secs.size());
            row.medianSeconds = median(secs);
            row.medianTransferSeconds = median(transfers);
            row.medianDeviceSeconds = median(device);
            row.minSeconds = secs.empty() ? 0 : *std::min_element(secs.begin(), secs.end());
            layer.resetStates();
            const RunResult traced = layer.call(inputs, kind, trace);
            row.notes = traced.notes;
            fillDifferences(traced, ref, o.tolerance, row);
            row.ran = true;
        } catch (const Error& e) {
            row.ran = false;
            row.reason = e.what();
        }
        rep.rows.push_back(std::move(row));
    }
    return rep;
}

std::string CompareReport::toJson(int indent) const
{
    nlohmann::ordered_json j;
    j["shape"] = {{"batch", B}, {"timesteps", T}, {"features", I}, {"units", U}};
    j["traced_samples"] = tracedSamples;
    j["trace_step_begin"] = traceStepBegin;
    j["backends"] = nlohmann::ordered_json::array();
    auto finite = [](double v) -> nlohmann::ordered_json { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json("inf"); };
    for (const CompareRow& r : rows) {
        nlohmann::ordered_json b;
        b["backend"] = r.name;
        b["ran"] = r.ran;
        if (!r.ran) {
            b["reason"] = r.reason;
            j["backends"].push_back(b);
            continue;
        }
        b["median_ms"] = r.medianSeconds * 1e3;
        b["median_transfer_ms"] = r.medianTransferSeconds * 1e3;
        b["median_device_ms"] = r.medianDeviceSeconds * 1e3;
        b["min_ms"] = r.minSeconds * 1e3;
        b["timed_calls"] = r.timedCalls;
        b["max_abs_output"] = finite(r.maxAbsOutput);
        b["max_abs_state"] = finite(r.maxAbsState);
        b["max_ulps_output"] = finite(r.ulpsMax);
        b["first_step_over_tolerance"] = r.firstStepOver;
        b["worst_step"] = r.worstStep;
        b["worst_unit"] = r.worstUnit;
        nlohmann::ordered_json steps = nlohmann::ordered_json::array(), units = nlohmann::ordered_json::array();
        for (double v : r.maxAbsPerStep)
            steps.push_back(finite(v));
        for (double v : r.maxAbsPerUnit)
            units.push_back(finite(v));
        b["max_abs_per_step"] = steps;
        b["max_abs_per_unit"] = units;
        b["trace_rebuilt"] = r.traceRebuilt;
        b["notes"] = r.notes;
        j["backends"].push_back(b);
    }
    return j.dump(indent);
}

} // namespace gruscope
