// gruscope-cli sweep: time one GRU layer over a grid of T × B × U on the backends this machine has
// (gruscope/sweep.h), each point tagged with Keras's cuDNN verdict for the layer, the CPU/GPU
// crossover per (T, B), and the grid as CSV for plotting.
#include "cli_common.h"
#include "commands.h"

#include "gruscope/atomic_file.h"
#include "gruscope/error.h"
#include "gruscope/sweep.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace cli {

using namespace gruscope;

namespace {

struct SweepArgs {
    std::string T = "10,100,1000", B = "1,8,64", U = "32,128,512", backends, resetAfter = "true", csv;
    int64_t features = 0;
    int warmup = 1, repeats = 3;
    double maxSeconds = 5;
};

std::vector<int64_t> sizes(const std::string& text, const char* what)
{
    std::vector<int64_t> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty())
            continue;
        size_t used = 0;
        long long v = 0;
        try {
            v = std::stoll(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != item.size() || v <= 0 || v > (int64_t(1) << 24))
            throw UsageError{std::string("--") + what + ": '" + item + "' is not a size from 1 to 16777216"};
        out.push_back(v);
    }
    if (out.empty())
        throw UsageError{std::string("--") + what + " needs at least one size"};
    return out;
}

int runSweepCommand(const SweepArgs& a)
{
    SweepSpec spec;
    spec.T = sizes(a.T, "T");
    spec.B = sizes(a.B, "B");
    spec.U = sizes(a.U, "U");
    spec.features = a.features;
    if (a.resetAfter != "true" && a.resetAfter != "false")
        throw UsageError{"--reset-after must be true or false"};
    spec.resetAfter = a.resetAfter == "true";
    spec.warmup = a.warmup;
    spec.repeats = a.repeats;
    spec.maxSecondsPerPoint = a.maxSeconds;
    if (!a.backends.empty()) {
        std::stringstream ss(a.backends);
        std::string name;
        while (std::getline(ss, name, ','))
            if (const auto k = backendFromName(name); k && *k != BackendKind::Auto)
                spec.backends.push_back(*k);
            else if (!name.empty())
                throw UsageError{"--backends: unknown backend '" + name + "' (cpu, reference, cudnn, cuda)"};
    }
    const bool tty = ::isatty(2) != 0;
    if (tty)
        spec.progress = [](int done, int total) { std::fprintf(stderr, "\rpoint %d of %d", done, total); };
    const SweepResult r = runSweep(spec);
    if (tty)
        std::fprintf(stderr, "\r%*s\r", 24, "");

    std::printf("sweep of a GRU layer, reset_after=%s, I = %s, median of %d call(s) after %d warm-up(s)\n",
                spec.resetAfter ? "True" : "False", a.features > 0 ? std::to_string(a.features).c_str() : "U", spec.repeats,
                spec.warmup);
    for (const std::string& n : r.backendNotes)
        std::printf("  not timed: %s\n", n.c_str());
    std::printf("\n%7s %5s %6s  %-9s %10s %10s %7s  %s\n", "T", "B", "U", "backend", "ms/call", "µs/step", "vs cpu",
                "Keras on a GPU");
    for (const SweepPoint& p : r.points) {
        double cpu = 0;
        for (const SweepPoint& q : r.points)
            if (q.T == p.T && q.B == p.B && q.U == p.U && q.backend == BackendKind::Cpu && q.ran)
                cpu = q.medianMs;
        if (!p.ran) {
            std::printf("%7lld %5lld %6lld  %-9s %10s %10s %7s  %s (did not run: %s)\n", (long long)p.T, (long long)p.B,
                        (long long)p.U, backendName(p.backend), "-", "-", "-", p.verdict.c_str(), p.why.c_str());
            continue;
        }
        char ratio[16] = "-";
        if (cpu > 0)
            std::snprintf(ratio, sizeof ratio, "%.2f", p.medianMs / cpu);
        std::printf("%7lld %5lld %6lld  %-9s %10.3f %10.2f %7s  %s\n", (long long)p.T, (long long)p.B, (long long)p.U,
                    backendName(p.backend), p.medianMs, p.usPerStep, ratio, p.verdict.c_str());
    }
    std::printf("\ncrossover (the smallest U at which a GPU backend beats cpu):\n");
    // One line when every (T, B) has the same reason for none (no GPU here).
    const bool allSame = std::all_of(r.crossovers.begin(), r.crossovers.end(), [&](const SweepCrossover& x) {
        return !x.fromU && x.note == r.crossovers.front().note;
    });
    if (allSame && r.crossovers.size() > 1)
        std::printf("  none at any T and B: %s\n", r.crossovers.front().note.c_str());
    else
        for (const SweepCrossover& x : r.crossovers)
            std::printf("  T=%lld B=%lld: %s\n", (long long)x.T, (long long)x.B,
                        x.fromU ? (x.gpuBackend + " from U=" + std::to_string(*x.fromU)).c_str() : x.note.c_str());
    if (!a.csv.empty()) {
        writeBytesAtomically(a.csv, sweepToCsv(r));
        std::printf("\nwrote %s (%zu points)\n", a.csv.c_str(), r.points.size());
    }
    return 0;
}

} // namespace

Runner addSweepCommand(CLI::App& app)
{
    auto args = std::make_shared<SweepArgs>();
    CLI::App* cmd = app.add_subcommand("sweep", "Time a GRU over a grid of T × B × U on this machine's backends, with the "
                                                "cuDNN verdict of each point and the CPU/GPU crossover");
    cmd->add_option("--T", args->T, "Sequence lengths, comma-separated")->capture_default_str();
    cmd->add_option("--B", args->B, "Batch sizes, comma-separated")->capture_default_str();
    cmd->add_option("--U", args->U, "Unit counts, comma-separated")->capture_default_str();
    cmd->add_option("--I", args->features, "Input features (0: the same as U at each point)")->capture_default_str();
    cmd->add_option("--backends", args->backends,
                    "Backends, comma-separated (default: every usable one but the float64 reference)");
    cmd->add_option("--reset-after", args->resetAfter, "true (Keras 3's default, cuDNN-eligible) or false")
        ->capture_default_str();
    cmd->add_option("--warmup", args->warmup, "Untimed calls per point")->capture_default_str()->check(CLI::Range(0, 100));
    cmd->add_option("--repeats", args->repeats, "Timed calls per point; the median is reported")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--max-seconds", args->maxSeconds, "Fewer repeats once a point has taken this long")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 3600.0));
    cmd->add_option("--csv", args->csv, "Also write every point as CSV (with the crossovers as # lines)");
    return [args] { return runSweepCommand(*args); };
}

} // namespace cli
