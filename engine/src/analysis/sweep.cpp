// Timing sweeps (gruscope/sweep.h). Each point builds a layer with Keras's default initialisers
// (seed fixed, so every backend runs the same numbers) and a random input in [−1, 1], then times
// warm-up + repeats calls of each backend without a trace.
#include "gruscope/sweep.h"

#include "gruscope/device.h"
#include "gruscope/eligibility.h"
#include "gruscope/error.h"
#include "gruscope/stats.h"
#include "gruscope/weights.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <sstream>

namespace gruscope {

namespace {

bool isGpu(BackendKind k) { return k == BackendKind::Cudnn || k == BackendKind::Cuda; }

GruConfig configFor(const SweepSpec& spec, int64_t U)
{
    GruConfig c;
    c.units = U;
    c.reset_after = spec.resetAfter;
    c.return_sequences = true;
    return c;
}

// Keras's verdict on a GPU machine: the device is assumed present, so that the tag speaks of the
// layer, not of this machine.
void tagEligibility(const GruConfig& c, SweepPoint& p)
{
    DeviceInfo gpu;
    gpu.present = gpu.cudaUsable = gpu.gpuBackendBuilt = true;
    const EligibilityReport r = checkCudnnEligibility(c, nullptr, gpu, EligibilityContext{});
    p.cudnnEligible = r.eligible;
    if (r.eligible) {
        p.verdict = "cuDNN-eligible";
        return;
    }
    std::string failing;
    for (const auto& cond : r.conditions)
        if (cond.applies && !cond.ok)
            failing += (failing.empty() ? "" : ", ") + cond.id;
    p.verdict = "generic loop: " + failing;
}

std::vector<BackendKind> chooseBackends(const SweepSpec& spec, std::vector<std::string>& notes)
{
    if (!spec.backends.empty())
        return spec.backends;
    std::vector<BackendKind> out;
    for (const BackendDescription& d : describeBackends()) {
        if (d.kind == BackendKind::Reference) {
            notes.push_back("reference: left out (float64, for checking; name it to time it)");
        } else if (d.usable) {
            out.push_back(d.kind);
        } else {
            notes.push_back(d.name + ": " + d.reason);
        }
    }
    return out;
}

} // namespace

SweepResult runSweep(const SweepSpec& spec)
{
    for (const auto* axis : {&spec.T, &spec.B, &spec.U}) {
        if (axis->empty())
            throw Error(ErrorCode::InvalidArgument, "a sweep needs at least one value of T, B and U");
        for (int64_t v : *axis)
            if (v <= 0)
                throw Error(ErrorCode::InvalidArgument, "sweep sizes must be positive; got " + std::to_string(v));
    }
    if (spec.features < 0 || spec.repeats < 1 || spec.warmup < 0)
        throw Error(ErrorCode::InvalidArgument, "sweep: features must be ≥ 0, repeats ≥ 1 and warm-up ≥ 0");
    SweepResult out;
    out.spec = spec;
    const std::vector<BackendKind> backends = chooseBackends(spec, out.backendNotes);
    if (backends.empty())
        throw Error(ErrorCode::DeviceUnavailable, "no backend can run here");
    const int total = int(spec.T.size() * spec.B.size() * spec.U.size() * backends.size());
    int done = 0;
    using clock = std::chrono::steady_clock;
    for (int64_t T : spec.T)
        for (int64_t B : spec.B)
            for (int64_t U : spec.U) {
                const int64_t I = spec.features > 0 ? spec.features : U;
                const GruConfig c = configFor(spec, U);
                GruLayer layer(c, initializeWeights(c, I, 42));
                CallInputs in;
                in.x = ArrayF({B, T, I});
                std::mt19937 rng(uint32_t(T * 7919 + B * 131 + U));
                std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
                for (float& v : in.x.data)
                    v = dist(rng);
                for (BackendKind kind : backends) {
                    SweepPoint p;
                    p.T = T, p.B = B, p.U = U, p.I = I, p.backend = kind;
                    tagEligibility(c, p);
                    if (spec.cancel && spec.cancel->load()) {
                        out.cancelled = true;
                        return out;
                    }
                    try {
                        std::vector<double> ms;
                        const auto start = clock::now();
                        for (int k = 0; k < spec.warmup + spec.repeats; ++k) {
                            const RunResult r = layer.call(in, kind);
                            if (k >= spec.warmup)
                                ms.push_back(r.seconds * 1e3);
                            const double spent = std::chrono::duration<double>(clock::now() - start).count();
                            if (spent > spec.maxSecondsPerPoint && !ms.empty())
                                break;
                        }
                        p.ran = true;
                        p.repeats = int(ms.size());
                        p.medianMs = median(ms);
                        p.usPerStep = p.medianMs * 1e3 / double(T);
                    } catch (const Error& e) {
                        p.why = e.what();
                    }
                    out.points.push_back(std::move(p));
                    if (spec.progress)
                        spec.progress(++done, total);
                }
            }

    out.crossovers = sweepCrossovers(out);
    return out;
}

// Per (T, B): the smallest U where the fastest GPU backend that ran beats cpu.
std::vector<SweepCrossover> sweepCrossovers(const SweepResult& result)
{
    std::vector<SweepCrossover> out;
    const bool anyGpu = std::any_of(result.points.begin(), result.points.end(), [](const SweepPoint& p) { return p.ran && isGpu(p.backend); });
    const bool anyCpu = std::any_of(result.points.begin(), result.points.end(),
                                    [](const SweepPoint& p) { return p.ran && p.backend == BackendKind::Cpu; });
    for (int64_t T : result.spec.T)
        for (int64_t B : result.spec.B) {
            SweepCrossover x;
            x.T = T, x.B = B;
            if (!anyGpu || !anyCpu) {
                std::string why;
                for (const std::string& n : result.backendNotes)
                    if (n.rfind("cudnn", 0) == 0 || n.rfind("cuda", 0) == 0)
                        why += (why.empty() ? "" : "; ") + n;
                x.note = !anyCpu ? "the cpu backend did not run" : "no GPU backend ran" + (why.empty() ? "" : " (" + why + ")");
                out.push_back(x);
                continue;
            }
            for (int64_t U : result.spec.U) {
                double cpu = -1, gpu = -1;
                std::string gpuName;
                for (const SweepPoint& p : result.points) {
                    if (p.T != T || p.B != B || p.U != U || !p.ran)
                        continue;
                    if (p.backend == BackendKind::Cpu)
                        cpu = p.medianMs;
                    else if (isGpu(p.backend) && (gpu < 0 || p.medianMs < gpu)) {
                        gpu = p.medianMs;
                        gpuName = backendName(p.backend);
                    }
                }
                if (cpu > 0 && gpu > 0 && gpu < cpu) {
                    x.fromU = U;
                    x.gpuBackend = gpuName;
                    break;
                }
            }
            if (!x.fromU)
                x.note = "cpu faster at every U of the grid";
            out.push_back(x);
        }
    return out;
}

std::string sweepToCsv(const SweepResult& result)
{
    // Text cells are quoted; a quote inside doubles.
    auto quote = [](const std::string& s) {
        std::string q = "\"";
        for (char ch : s)
            q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        return q + "\"";
    };
    std::ostringstream o;
    o << "T,B,U,I,backend,ran,median_ms,us_per_step,repeats,cudnn_eligible,verdict,why\n";
    for (const SweepPoint& p : result.points)
        o << p.T << ',' << p.B << ',' << p.U << ',' << p.I << ',' << backendName(p.backend) << ',' << (p.ran ? 1 : 0) << ','
          << p.medianMs << ',' << p.usPerStep << ',' << p.repeats << ',' << (p.cudnnEligible ? 1 : 0) << ',' << quote(p.verdict)
          << ',' << quote(p.why) << '\n';
    for (const SweepCrossover& x : result.crossovers)
        o << "# crossover T=" << x.T << " B=" << x.B << ": "
          << (x.fromU ? x.gpuBackend + " faster than cpu from U=" + std::to_string(*x.fromU) : x.note) << '\n';
    return o.str();
}

} // namespace gruscope
