#include "model/comparison.h"

#include "model/engine_qt.h"

#include "gruscope/device.h"
#include "gruscope/error.h"

#include <QObject>

#include <algorithm>
#include <cmath>

namespace gsui {

using namespace gruscope;

namespace {

// |a − b| where a NaN on one side only is an infinite difference (and NaN on both sides none).
double absDiff(double a, double b)
{
    const bool na = std::isnan(a), nb = std::isnan(b);
    if (na || nb)
        return na && nb ? 0.0 : std::numeric_limits<double>::infinity();
    if (a == b) // also equal infinities
        return 0.0;
    return std::fabs(a - b);
}

// The spacing of float32 numbers at |x|: x = m·2^e with m in [0.5, 1) has ULP 2^(e − 24).
double ulp32(double x)
{
    int e = 0;
    std::frexp(std::max(std::fabs(x), double(std::numeric_limits<float>::min())), &e);
    return std::ldexp(1.0, e - 24);
}

// Every Δ of one backend against the reference (the first entry of `all`).
void computeDeltas(BackendComparison& b, const BackendComparison& ref, const GruConfig& config, QStringList& notes)
{
    const RunResult& x = b.outcome->result;
    const RunResult& r = ref.outcome->result;
    const Trace& tx = x.trace;
    const Trace& tr = r.trace;
    if (tx.h.shape == tr.h.shape && tx.samples == tr.samples && tx.stepBegin == tr.stepBegin && tx.h.rank() == 3) {
        const int64_t S = tx.h.shape[0], W = tx.h.shape[1], U = tx.h.shape[2];
        b.deltaPerStep.assign(size_t(W), 0.0);
        b.deltaPerUnit.assign(size_t(U), 0.0);
        b.maxDelta = 0;
        for (int64_t s = 0; s < S; ++s)
            for (int64_t w = 0; w < W; ++w)
                for (int64_t u = 0; u < U; ++u) {
                    const size_t k = size_t((s * W + w) * U + u);
                    const double d = absDiff(tx.h.data[k], tr.h.data[k]);
                    b.deltaPerStep[size_t(w)] = std::max(b.deltaPerStep[size_t(w)], d);
                    b.deltaPerUnit[size_t(u)] = std::max(b.deltaPerUnit[size_t(u)], d);
                    b.maxDelta = std::max(b.maxDelta, d);
                }
        for (int64_t w = 0; w < W; ++w)
            if (b.deltaPerStep[size_t(w)] > kFirstStepThreshold) {
                b.firstStepOver = tx.stepBegin + w;
                break;
            }
    } else {
        notes << QObject::tr("%1: its gate trace does not cover the reference's samples and steps; only the output is "
                             "compared")
                     .arg(b.backend);
    }

    // The output against the reference's float64 output (its float32 output when that is absent).
    const bool has64 = r.output64.shape == x.output.shape && !r.output64.data.empty();
    if (!has64 && r.output.shape != x.output.shape) {
        notes << QObject::tr("%1: output shape %2 differs from the reference's %3")
                     .arg(b.backend, qs(x.output.shape), qs(r.output.shape));
        return;
    }
    auto refAt = [&](size_t k) { return has64 ? r.output64.data[k] : double(r.output.data[k]); };
    b.maxOutputDelta = 0;
    double scale = 0; // the output's largest finite magnitude
    const Shape& sh = x.output.shape;
    const bool sequence = sh.size() == 3;
    // (B, T, U), or (T, B, U) for time_major; each output timestep is a processing step.
    const int64_t T = sequence ? (config.time_major ? sh[0] : sh[1]) : 0;
    if (sequence)
        b.outputDeltaPerStep.assign(size_t(T), 0.0);
    for (size_t k = 0; k < x.output.data.size(); ++k) {
        const double ref64 = refAt(k);
        const double d = absDiff(x.output.data[k], ref64);
        b.maxOutputDelta = std::max(b.maxOutputDelta, d);
        if (std::isfinite(ref64))
            scale = std::max(scale, std::fabs(ref64));
        if (sequence) {
            const int64_t U = sh[2];
            const int64_t t = config.time_major ? int64_t(k) / (sh[1] * U) : (int64_t(k) / U) % sh[1];
            b.outputDeltaPerStep[size_t(t)] = std::max(b.outputDeltaPerStep[size_t(t)], d);
        }
    }
    // "ULP-ish": the error in float32 ULPs at the output's own scale. The states of a recurrence
    // carry an absolute error of a few ULPs of their magnitude (about 1), so counting ULPs of each
    // element would make a state near 0 read as thousands of ULPs for the same absolute error.
    b.maxUlps = b.maxOutputDelta / ulp32(scale);
}

} // namespace

double medianOf(std::vector<double> v)
{
    if (v.empty())
        return std::numeric_limits<double>::quiet_NaN();
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<RunRequest> comparisonRequests(const Document& doc)
{
    std::vector<RunRequest> requests;
    requests.push_back(makeRunRequest(doc, BackendKind::Reference));
    requests.push_back(makeRunRequest(doc, BackendKind::Cpu));
    if (probeDevice().present)
        requests.push_back(makeRunRequest(doc, BackendKind::Cudnn));
    // Every backend traces the same samples (the request decides by size), so the traces line up.
    for (auto& rq : requests)
        rq.traceSamples = requests.front().traceSamples;
    return requests;
}

std::shared_ptr<ComparisonResult> compareBackends(const std::vector<RunRequest>& requests, int repeats,
                                                  CallProgress& call, ComparisonProgress* where)
{
    ComparisonProgress unused;
    ComparisonProgress& progress = where ? *where : unused;
    progress.backends = int(requests.size());
    progress.repeats = repeats;
    auto out = std::make_shared<ComparisonResult>();
    out->repeats = repeats;
    if (requests.empty()) {
        out->error = QObject::tr("nothing to compare");
        return out;
    }
    out->notes = requests.front().notes;
    const auto cancelled = [] { return Error(ErrorCode::Cancelled, "the comparison was cancelled"); };
    for (size_t k = 0; k < requests.size(); ++k) {
        BackendComparison b;
        b.backend = QString::fromLatin1(backendName(requests[k].backend));
        progress.backend = int(k);
        for (int rep = 0; rep < repeats; ++rep) {
            progress.repeat = rep;
            if (call.cancel)
                throw cancelled();
            call.stepsDone = 0;
            try {
                auto o = executeRun(requests[k], &call);
                b.forwardSeconds.push_back(o->result.seconds);
                b.wallSeconds.push_back(o->wallSeconds);
                b.outcome = std::move(o);
            } catch (const Error& e) {
                if (e.code() == ErrorCode::Cancelled || call.cancel)
                    throw cancelled();
                b.error = QString::fromUtf8(e.what());
                break;
            } catch (const std::exception& e) {
                b.error = errorText(e);
                break;
            }
        }
        if (!b.error.isEmpty())
            b.outcome.reset();
        out->backends.push_back(std::move(b));
    }
    const BackendComparison& ref = out->backends.front();
    if (!ref.outcome) {
        out->error = QObject::tr("the reference backend failed, nothing to compare with: %1").arg(ref.error);
        return out;
    }
    out->traceStepBegin = ref.outcome->result.trace.stepBegin;
    out->backends.front().maxDelta = 0;
    out->backends.front().maxOutputDelta = 0;
    const GruConfig& config = requests.front().config;
    for (size_t k = 1; k < out->backends.size(); ++k)
        if (out->backends[k].outcome)
            computeDeltas(out->backends[k], ref, config, out->notes);
    return out;
}

} // namespace gsui
