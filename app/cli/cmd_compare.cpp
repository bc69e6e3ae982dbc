// gruscope-cli compare: one call on several backends side by side — median times after warm-up
// (host <-> device copies apart) and the differences from the float64 reference per timestep.
// A backend that cannot run here is a row with its reason, never a failure of the command.
#include "cli_common.h"
#include "commands.h"
#include "layer_source.h"

#include "gruscope/compare.h"
#include "gruscope/error.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

namespace cli {

using namespace gruscope;

namespace {

struct CompareArgs {
    CallSource src;
    std::string backends = "cpu,reference,cudnn,cuda";
    int repeats = 5, warmups = 1;
    double tolerance = 1e-5;
    bool json = false;
    GpuArgs gpu;
};

std::vector<BackendKind> parseBackends(const std::string& text)
{
    std::vector<BackendKind> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto k = backendFromName(item);
        if (!k || *k == BackendKind::Auto)
            throw UsageError{"--backends " + text + ": '" + item + "' is not one of cpu, reference, cudnn, cuda"};
        out.push_back(*k);
    }
    if (out.empty())
        throw UsageError{"--backends is empty; name at least one of cpu, reference, cudnn, cuda"};
    return out;
}

std::string num(double v, const char* fmt = "%.3g")
{
    char b[32];
    std::snprintf(b, sizeof b, fmt, v);
    return b;
}

int compareCommand(CompareArgs& a)
{
    CompareOptions o;
    o.backends = parseBackends(a.backends);
    if (a.repeats < 1 || a.warmups < 0)
        throw UsageError{"--repeats must be at least 1 and --warmup at least 0"};
    if (!(a.tolerance > 0))
        throw UsageError{"--tolerance must be positive"};
    o.repeats = a.repeats;
    o.warmups = a.warmups;
    o.tolerance = a.tolerance;
    a.src.command = "compare";
    LoadedCall call = loadCall(a.src);
    if (call.backwardConfig)
        throw UsageError{a.src.weights + ": --layer names a Bidirectional; compare runs one GRU: name its forward or backward half"};
    call.inputs.gpu = gpuOptions(a.gpu);
    const CompareReport rep = compareBackends(call.config, call.weights, call.inputs, o);

    if (a.json) {
        std::cout << rep.toJson() << "\n";
        return kExitOk;
    }
    std::cout << "GruScope compare: B=" << rep.B << " T=" << rep.T << " I=" << rep.I << " U=" << rep.U << ", " << o.warmups
              << " warm-up + " << o.repeats << " timed call(s) per backend; |Δ| against the float64 reference\n\n";
    std::cout << "  backend    median ms  copies ms  device ms  max|Δ| output  max|Δ| state  ULPs   first step > " << num(o.tolerance)
              << "  worst (step, unit)\n";
    for (const CompareRow& r : rep.rows) {
        std::string name = r.name;
        name.resize(10, ' ');
        if (!r.ran) {
            std::cout << "  " << name << " not run: " << r.reason << "\n";
            continue;
        }
        char line[256];
        std::snprintf(line, sizeof line, "  %s %9.3f  %9.3f  %9.3f  %13.3g  %12.3g  %5.0f  %-17s  (%lld, %lld)\n", name.c_str(),
                      r.medianSeconds * 1e3, r.medianTransferSeconds * 1e3, r.medianDeviceSeconds * 1e3, r.maxAbsOutput, r.maxAbsState, r.ulpsMax,
                      r.firstStepOver < 0 ? "none" : std::to_string(r.firstStepOver).c_str(), (long long)r.worstStep,
                      (long long)r.worstUnit);
        std::cout << line;
    }
    // Per-step differences of every backend that ran, at most 20 rows (evenly spaced).
    std::vector<const CompareRow*> ran;
    for (const CompareRow& r : rep.rows)
        if (r.ran && !r.maxAbsPerStep.empty() && r.kind != BackendKind::Reference)
            ran.push_back(&r);
    if (!ran.empty()) {
        const size_t W = ran.front()->maxAbsPerStep.size();
        const size_t every = std::max<size_t>(1, (W + 19) / 20);
        std::cout << "\n  max|Δ h| per processing step (traced samples, every unit)\n  step";
        for (const CompareRow* r : ran)
            std::cout << "  " << std::string(10 - std::min<size_t>(10, r->name.size()), ' ') << r->name;
        std::cout << "\n";
        for (size_t w = 0; w < W; w += every) {
            char s[32];
            std::snprintf(s, sizeof s, "  %4lld", static_cast<long long>(rep.traceStepBegin) + static_cast<long long>(w));
            std::cout << s;
            for (const CompareRow* r : ran)
                std::cout << "  " << num(w < r->maxAbsPerStep.size() ? r->maxAbsPerStep[w] : 0.0, "%10.3g");
            std::cout << "\n";
        }
    }
    for (const CompareRow& r : rep.rows)
        if (r.ran && r.traceRebuilt) {
            std::cout << "\n  " << r.name << ": gate traces rebuilt on the CPU from the GPU's states";
        }
    std::cout << "\n";
    return kExitOk;
}

} // namespace

Runner addCompareCommand(CLI::App& app)
{
    auto a = std::make_shared<CompareArgs>();
    CLI::App* cmd = app.add_subcommand("compare", "Run one call on several backends: timings and differences from float64");
    cmd->add_option("--config", a->src.config, "Layer configuration: the JSON of layer.get_config() (overrides the file's)");
    cmd->add_option("--weights", a->src.weights, "Any weight file GruScope reads (without it, the config's initializers with --seed)");
    cmd->add_option("--layer", a->src.layer, "The GRU to run when the file holds several");
    cmd->add_option("--input", a->src.input, "X.npy (batch, timesteps, features), .npz or .csv")->required();
    cmd->add_option("--mask", a->src.mask, "M.npy: bool or 0/1, (batch, timesteps)");
    cmd->add_option("--initial-state", a->src.initialState, "H0.npy: (batch, units)");
    cmd->add_option("--flavor", a->src.flavor, "keras3 or tf_keras (default: guessed from the config)");
    cmd->add_flag("--training", a->src.training, "Training mode: dropout applies (the same masks on every backend)");
    cmd->add_option("--seed", a->src.seed, "Seed for dropout masks and initializer-made weights")->check(CLI::NonNegativeNumber);
    cmd->add_option("--backends", a->backends, "Comma-separated: cpu, reference, cudnn, cuda")->capture_default_str();
    cmd->add_option("--repeats", a->repeats, "Timed calls per backend (the median is reported)")->capture_default_str();
    cmd->add_option("--warmup", a->warmups, "Untimed calls first")->capture_default_str();
    cmd->add_option("--tolerance", a->tolerance, "|Δ| that marks the first step past it")->capture_default_str();
    addGpuOptions(cmd, a->gpu);
    cmd->add_flag("--json", a->json, "Print the report as JSON (per-step and per-unit differences included)");
    cmd->add_flag("-q,--quiet", a->src.quiet, "No notes on stderr");
    return [a] { return compareCommand(*a); };
}

} // namespace cli
