// gruscope-cli bench: how fast GruScope's backends run a GRU on this machine, beside the peers a
// user would otherwise reach for (oneDNN, PyTorch, Keras), measured in the same run on the same
// weights and inputs. Ratios between rows of one run are what to compare: a shared or busy
// machine moves every absolute time, a ratio much less.
//
// Per shape and backend: median and min of the forward pass (RunResult::seconds: the backend's
// time loop, outputs allocated; "call" adds validation and allocation), µs per step, GFLOP/s of
// the 2·B·T·3U·(I+U) multiply-add work (of the kept steps under a mask), % of this machine's
// measured FMA peak at the same thread count, the memory the backend held beyond inputs and
// outputs, and per peer its time, the ratio ours/peer (below 1: GruScope is faster) and the
// largest difference between the outputs.
#include "bench_peers.h"
#include "bench_shapes.h"
#include "cli_common.h"
#include "commands.h"

#include "gruscope/cpu_info.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "gruscope/stats.h"
#include "gruscope/trace.h"
#include "gruscope/weights.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <random>
#include <sstream>

namespace cli {

using namespace gruscope;
using json = nlohmann::json;

namespace {

struct BenchArgs {
    std::vector<std::string> presets, shapes;
    std::string backends = "cpu", peers = "onednn,torch,keras", resetAfter = "true", json, python, kerasPython;
    int threads = 0, warmup = 2, repeats = 7, rounds = 3;
    double guard = 0;
    bool trace = false;
    double traceCapMiB = 1024;
};

struct Timing {
    double medianMs = 0, minMs = 0, callMedianMs = 0;
    int runs = 0, threads = 1;
    int64_t scratchBytes = 0;
    RunResult last;
};

// Warm-ups, then timed calls; fewer when one call is slow, so a big shape or the float64
// reference does not hold the bench for minutes.
Timing timeBackend(GruLayer& layer, const CallInputs& in, BackendKind kind, const TraceOptions& tr, int warmup,
                   int repeats)
{
    using clock = std::chrono::steady_clock;
    Timing t;
    std::vector<double> run, call;
    for (int k = 0; k < warmup + repeats; ++k) {
        const auto t0 = clock::now();
        RunResult r = layer.call(in, kind, tr);
        const double wall = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
        if (k < warmup) {
            if (wall > 2000)
                k = warmup - 1; // one warm-up is enough for a slow call
            continue;
        }
        run.push_back(r.seconds * 1e3);
        call.push_back(wall);
        t.threads = r.threads;
        t.scratchBytes = r.scratchBytes;
        t.last = std::move(r);
        if ((wall > 1000 && run.size() >= 3) || wall > 10000)
            break;
    }
    t.runs = int(run.size());
    t.medianMs = median(run);
    t.minMs = *std::min_element(run.begin(), run.end());
    t.callMedianMs = median(call);
    return t;
}

std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

std::string fmt(const char* f, double v)
{
    char b[48];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b)
{
    double d = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        d = std::max(d, double(std::fabs(a[i] - b[i])));
    return d;
}

int benchCommand(BenchArgs& a)
{
    if (a.repeats < 1 || a.rounds < 1 || a.warmup < 0 || a.threads < 0)
        throw UsageError{"--repeats and --rounds must be at least 1, --warmup and --threads at least 0"};
    std::vector<BenchShape> shapes;
    for (const std::string& p : a.presets)
        for (const std::string& name : splitList(p))
            for (BenchShape& s : benchPreset(name))
                shapes.push_back(std::move(s));
    int given = 0;
    for (const std::string& s : a.shapes)
        for (const std::string& one : splitList(s)) {
            shapes.push_back(parseBenchShape(one));
            shapes.back().id = "#" + std::to_string(++given); // the shape column says the rest
        }
    if (shapes.empty())
        shapes = benchPreset("standard");
    std::vector<BackendKind> backends;
    for (const std::string& b : splitList(a.backends)) {
        const auto k = backendFromName(b);
        if (!k || *k == BackendKind::Auto)
            throw UsageError{"--backends " + a.backends + ": '" + b + "' is not one of cpu, reference, cudnn, cuda"};
        backends.push_back(*k);
    }
    std::vector<std::string> peers = a.peers == "none" ? std::vector<std::string>{} : splitList(a.peers);
    for (const std::string& p : peers)
        if (p != "onednn" && p != "torch" && p != "keras")
            throw UsageError{"--peers " + a.peers + ": '" + p + "' is not one of onednn, torch, keras (or none)"};
    std::vector<bool> variants;
    if (a.resetAfter == "true" || a.resetAfter == "both")
        variants.push_back(true);
    if (a.resetAfter == "false" || a.resetAfter == "both")
        variants.push_back(false);
    if (variants.empty())
        throw UsageError{"--reset-after " + a.resetAfter + ": expected true, false or both"};
    if (a.guard > 0 && std::find(backends.begin(), backends.end(), BackendKind::Reference) == backends.end())
        backends.push_back(BackendKind::Reference);

    setCpuThreads(a.threads);
    const int threads = cpuThreads();
    std::vector<int> peerThreads = {threads};
    if (threads > 1)
        peerThreads.push_back(1); // a peer may be faster on one thread at small sizes: keep its best
    const double peak1 = measureCpuPeakGflops(1), peakN = threads > 1 ? measureCpuPeakGflops(threads) : peak1;

    const bool human = a.json != "-";
    std::ostream& out = human ? std::cout : std::cerr;
    out << "GruScope bench: float32 forward pass, zero initial state, x ~ U[-1,1], Keras's default initializers (seed 42)\n"
        << "machine: " << cpuModelName() << ", " << cpuThreads() << " thread(s) allowed; products compiled for " << cpuSimd()
        << "\npeak (measured now, FMA loop): " << fmt("%.0f", peak1) << " GFLOP/s on 1 thread"
        << (threads > 1 ? ", " + fmt("%.0f", peakN) + " on " + std::to_string(threads) : std::string()) << "\n"
        << "ms = median of the backend's forward pass (RunResult::seconds) after " << a.warmup
        << " warm-up(s), best of " << a.rounds << " rounds (each round: every backend, then every peer, which times its\n"
        << "own forward call at " << threads << (threads > 1 ? " and 1 thread(s), keeping the faster" : " thread")
        << "); ratio = cpu / other, the median of the rounds' ratios (below 1: GruScope's cpu backend faster)\n\n";
    char head[256];
    std::snprintf(head, sizeof head, "%-6s %-17s %-12s %-10s %3s %10s %10s %9s %8s %6s %9s  %s\n", "id", "BxTxIxU", "variant",
                  "backend", "thr", "ms", "min ms", "us/step", "GFLOP/s", "%peak", "scratch", "vs cpu / notes");
    out << head << std::string(140, '-') << "\n";

    std::unique_ptr<PeerRunner> runner;
    json rows = json::array();
    std::vector<std::string> targetLines;
    std::map<std::string, std::set<std::string>> peerKernels; // what each peer said it ran on
    bool guardFailed = false;
    for (const BenchShape& s : shapes) {
        for (bool resetAfter : variants) {
            GruConfig cfg;
            cfg.units = s.U;
            cfg.reset_after = resetAfter;
            cfg.return_sequences = !s.last;
            cfg.go_backwards = s.backwards;
            GruLayer layer(cfg, initializeWeights(cfg, s.I, 42));
            CallInputs in;
            std::mt19937_64 rng(1234 + uint64_t(s.B * 131 + s.T * 7 + s.I * 3 + s.U));
            std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
            in.x = ArrayF(Shape{s.B, s.T, s.I});
            for (float& v : in.x.data)
                v = dist(rng);
            double kept = 1.0;
            if (s.masked) {
                ArrayU8 m(Shape{s.B, s.T}, 0);
                std::uniform_int_distribution<int64_t> len(1, s.T);
                int64_t sum = 0;
                for (int64_t b = 0; b < s.B; ++b) {
                    const int64_t L = len(rng);
                    sum += L;
                    std::fill_n(m.data.begin() + b * s.T, L, uint8_t(1));
                }
                in.mask = std::move(m);
                kept = double(sum) / double(s.B * s.T);
            }
            // Multiply-add work; with a mask only the kept (sample, step) pairs are computed.
            const double gflop = kept * 2.0 * double(s.B) * double(s.T) * 3.0 * double(s.U) * double(s.I + s.U) / 1e9;
            TraceOptions tr;
            tr.enabled = a.trace;
            tr.memoryCapBytes = uint64_t(std::max(a.traceCapMiB, 0.0) * 1048576.0);
            std::string variant = resetAfter ? "reset_after" : "reset_before";
            if (s.masked)
                variant += "+mask";
            if (s.backwards)
                variant += "+back";
            if (s.last)
                variant += "+last";
            char dims[64];
            std::snprintf(dims, sizeof dims, "%lldx%lldx%lldx%lld", (long long)s.B, (long long)s.T, (long long)s.I,
                          (long long)s.U);

            // Rounds: every backend, then every peer, back to back; again. Times shown are the best
            // round's median; ratios are the median of the rounds' own ratios, so a machine that
            // slows down for a few seconds shifts both sides of a ratio together.
            const bool plain = !s.masked && !s.backwards && !s.last;
            std::map<std::string, Timing> ours;
            std::map<std::string, std::string> errors;
            std::map<std::string, PeerTiming> theirs;
            std::map<std::string, std::vector<double>> ratios; // per round: cpu / that backend or peer
            std::vector<float> cpuOut;
            bool peersReady = false;
            for (int round = 0; round < a.rounds; ++round) {
                std::map<std::string, double> cpuRound;
                for (BackendKind kind : backends) {
                    const std::string name = backendName(kind);
                    if (errors.count(name))
                        continue;
                    Timing t;
                    try {
                        t = timeBackend(layer, in, kind, tr, round == 0 ? a.warmup : 1, a.repeats);
                    } catch (const Error& e) {
                        errors[name] = e.what();
                        continue;
                    }
                    if (kind == BackendKind::Cpu && cpuOut.empty())
                        cpuOut = t.last.output.data;
                    if (kind == BackendKind::Cpu)
                        cpuRound["cpu"] = t.medianMs;
                    else if (cpuRound.count("cpu"))
                        ratios[name].push_back(cpuRound["cpu"] / t.medianMs);
                    auto it = ours.find(name);
                    if (it == ours.end() || t.medianMs < it->second.medianMs)
                        ours[name] = std::move(t);
                }
                if (peers.empty() || !cpuRound.count("cpu") || !plain)
                    continue;
                if (!peersReady) {
                    if (!runner)
                        runner = std::make_unique<PeerRunner>(a.python, a.kerasPython);
                    const GruWeights& w = layer.weights();
                    PeerProblem pp{s.B, s.T, s.I, s.U, resetAfter, a.warmup, std::max(3, a.repeats)};
                    runner->setProblem(pp, w.kernel.data, w.recurrentKernel.data, w.bias.data, in.x.data);
                    peersReady = true;
                }
                for (const std::string& peer : peers) {
                    auto have = theirs.find(peer);
                    if (have != theirs.end() && !have->second.ran)
                        continue; // not installed or failed: said once
                    PeerTiming pt = runner->time(peer, peerThreads, cpuOut);
                    if (pt.ran)
                        ratios[peer].push_back(cpuRound["cpu"] / pt.medianMs);
                    if (have == theirs.end() || (pt.ran && pt.medianMs < have->second.medianMs) || !pt.ran)
                        theirs[peer] = std::move(pt);
                }
            }

            auto baseRow = [&](const std::string& backend) {
                return json{{"id", s.id}, {"B", s.B}, {"T", s.T}, {"I", s.I}, {"U", s.U}, {"reset_after", resetAfter},
                            {"masked", s.masked}, {"go_backwards", s.backwards}, {"return_sequences", !s.last},
                            {"backend", backend}, {"gflop", gflop}};
            };
            auto ratioOf = [&](const std::string& name) { return median(ratios[name]); };
            for (BackendKind kind : backends) {
                const std::string name = backendName(kind);
                json row = baseRow(name);
                char line[640];
                if (errors.count(name)) {
                    std::snprintf(line, sizeof line, "%-6s %-17s %-12s %-10s     cannot run here: %s\n", s.id.c_str(), dims,
                                  variant.c_str(), name.c_str(), errors[name].c_str());
                    out << line;
                    row["error"] = errors[name];
                    rows.push_back(row);
                    continue;
                }
                const Timing& t = ours[name];
                const double gfs = gflop / (t.medianMs * 1e-3);
                const double peak = t.threads > 1 ? peakN : peak1;
                std::string notes;
                if (kind != BackendKind::Cpu && !ratios[name].empty())
                    notes = "cpu/" + name + " " + fmt("%.3f", ratioOf(name)) + "x; max|cpu - " + name + "| " +
                            fmt("%.2g", maxAbsDiff(cpuOut, t.last.output.data));
                if (s.masked)
                    notes += (notes.empty() ? "" : "; ") + fmt("%.2f", kept) + " of the steps kept";
                if (a.trace) {
                    const Trace& trc = t.last.trace;
                    const double mib = double(Trace::bytesFor(int64_t(trc.samples.size()), trc.steps(), trc.units)) / 1048576.0;
                    notes += (notes.empty() ? "" : "; ") + fmt("trace %.0f MiB", mib) +
                             fmt(" (cap %.0f MiB", double(tr.memoryCapBytes) / 1048576.0) +
                             (trc.truncated ? ", window shortened)" : ")");
                }
                std::snprintf(line, sizeof line, "%-6s %-17s %-12s %-10s %3d %10.4f %10.4f %9.2f %8.1f %5.0f%% %8.2fM  %s\n",
                              s.id.c_str(), dims, variant.c_str(), name.c_str(), t.threads, t.medianMs, t.minMs,
                              t.medianMs * 1e3 / double(s.T), gfs, 100.0 * gfs / peak,
                              double(t.scratchBytes) / (1024.0 * 1024.0), notes.c_str());
                out << line;
                row.update({{"threads", t.threads}, {"runs", t.runs}, {"median_ms", t.medianMs}, {"min_ms", t.minMs},
                            {"call_median_ms", t.callMedianMs}, {"us_per_step", t.medianMs * 1e3 / double(s.T)},
                            {"gflops", gfs}, {"percent_of_peak", 100.0 * gfs / peak}, {"scratch_bytes", t.scratchBytes}});
                if (kind != BackendKind::Cpu && !ratios[name].empty())
                    row["ratio_cpu_to_this"] = ratioOf(name);
                if (s.masked)
                    row["kept_fraction"] = kept;
                rows.push_back(row);
            }
            if (a.guard > 0 && !ratios["reference"].empty()) {
                const double speedup = 1.0 / ratioOf("reference");
                const bool ok = speedup >= a.guard;
                guardFailed = guardFailed || !ok;
                out << "       guard: cpu " << fmt("%.1f", speedup) << "x faster than the reference loop (need ≥ "
                    << fmt("%.1f", a.guard) << "x): " << (ok ? "ok" : "FAILED") << "\n";
            }
            for (const std::string& peer : peers) {
                if (!ours.count("cpu"))
                    break;
                PeerTiming pt;
                if (plain)
                    pt = theirs[peer];
                else
                    pt.why = "n/a: the peers run plain forward sequences (no masks, go_backwards or last output)";
                json row = baseRow(peer);
                row["peer"] = true;
                char line[640];
                if (!pt.ran) {
                    std::snprintf(line, sizeof line, "%-6s %-17s %-12s %-10s     %s\n", s.id.c_str(), dims, variant.c_str(),
                                  peer.c_str(), pt.why.c_str());
                    row["error"] = pt.why;
                } else {
                    const double gfs = gflop / (pt.medianMs * 1e-3), ratio = ratioOf(peer);
                    const double peak = pt.threads > 1 ? peakN : peak1;
                    std::string notes = "cpu/" + peer + " " + fmt("%.3f", ratio) + "x";
                    if (pt.maxAbsDiff >= 0)
                        notes += "; max|cpu - " + peer + "| " + fmt("%.2g", pt.maxAbsDiff);
                    notes += " (" + pt.version + ")";
                    std::snprintf(line, sizeof line, "%-6s %-17s %-12s %-10s %3d %10.4f %10.4f %9.2f %8.1f %5.0f%% %9s  %s\n",
                                  s.id.c_str(), dims, variant.c_str(), peer.c_str(), pt.threads, pt.medianMs, pt.minMs,
                                  pt.medianMs * 1e3 / double(s.T), gfs, 100.0 * gfs / peak, "", notes.c_str());
                    row.update({{"threads", pt.threads}, {"median_ms", pt.medianMs}, {"min_ms", pt.minMs},
                                {"us_per_step", pt.medianMs * 1e3 / double(s.T)}, {"gflops", gfs},
                                {"percent_of_peak", 100.0 * gfs / peak}, {"version", pt.version}, {"kernel", pt.kernel},
                                {"ratio_cpu_to_this", ratio}, {"ratios_per_round", ratios[peer]},
                                {"max_abs_diff_from_cpu", pt.maxAbsDiff}});
                    for (const Target& tg : s.targets)
                        if (tg.peer == peer) {
                            const bool met = ratio <= tg.maxRatio;
                            targetLines.push_back(s.id + " " + dims + " " + variant + ": cpu/" + peer + " = " +
                                                  fmt("%.3f", ratio) + "x, target " + tg.text + ": " +
                                                  (met ? "met" : "NOT met"));
                            row["target"] = {{"max_ratio", tg.maxRatio}, {"met", met}};
                        }
                }
                if (pt.ran && !pt.kernel.empty())
                    peerKernels[peer].insert(pt.kernel);
                out << line;
                rows.push_back(row);
            }
            out << std::flush;
        }
    }
    if (!peerKernels.empty()) {
        // Peers run without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (bench_peers.h): this is what they chose.
        out << "\npeer kernels (as each peer reported them, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset):\n";
        for (const auto& [peer, kernels] : peerKernels)
            for (const std::string& k : kernels)
                out << "  " << peer << ": " << k << "\n";
    }
    if (!targetLines.empty()) {
        out << "\ntargets (ratios of this run):\n";
        for (const std::string& l : targetLines)
            out << "  " << l << "\n";
    }
    std::ifstream la("/proc/loadavg");
    double load = -1;
    la >> load;
    out << "\nload average " << fmt("%.2f", load) << " at the end (above " << threads
        << " means other work competed for the cores: ratios still compare rows of this run)\n";
    if (!a.json.empty()) {
        const json doc = {{"machine",
                           {{"cpu", cpuModelName()}, {"simd", cpuSimd()}, {"threads", threads},
                            {"peak_gflops_1_thread", peak1}, {"peak_gflops_all_threads", peakN}, {"load_average", load}}},
                          {"rows", rows}};
        if (a.json == "-")
            std::cout << doc.dump(1) << "\n";
        else
            std::ofstream(a.json) << doc.dump(1) << "\n";
    }
    if (guardFailed) {
        std::cerr << "gruscope-cli bench: the cpu backend is no longer " << fmt("%.1f", a.guard)
                  << "x faster than the float64 reference loop (see the guard lines above)\n";
        return 1;
    }
    return kExitOk;
}

} // namespace

Runner addBenchCommand(CLI::App& app)
{
    auto args = std::make_shared<BenchArgs>();
    CLI::App* cmd = app.add_subcommand("bench", "Time the backends on this machine beside oneDNN, PyTorch and Keras");
    cmd->add_option("--preset", args->presets,
                    "Shape sets: standard (S1–S16 of the performance notes), targets, quick, scale, sweep");
    cmd->add_option("--shape", args->shapes, "BxTxIxU[:masked][:backwards][:last], repeatable or comma-separated");
    cmd->add_option("--backends", args->backends, "Backends to time, comma-separated (cpu, reference, cudnn, cuda)");
    cmd->add_option("--peers", args->peers, "Peers to time beside them: onednn, torch, keras, or none");
    cmd->add_option("--reset-after", args->resetAfter, "true, false or both");
    cmd->add_option("--threads", args->threads, "Cap on the cpu backend's threads (0: as many as pay); peers get the same");
    cmd->add_option("--warmup", args->warmup, "Untimed calls before timing");
    cmd->add_option("--repeats", args->repeats, "Timed calls per backend (fewer when a call takes over a second)");
    cmd->add_option("--rounds", args->rounds, "Rounds of every backend then every peer; ratios are the rounds' median");
    cmd->add_flag("--trace", args->trace, "Record the full gate trace in every call");
    cmd->add_option("--trace-cap-mb", args->traceCapMiB, "Memory cap of that trace in MiB (a larger one records what fits)")
        ->capture_default_str();
    cmd->add_option("--json", args->json, "Also write the rows as JSON to this file (- for stdout, the table then goes to stderr)");
    cmd->add_option("--python", args->python, "Python for the PyTorch and Keras peers (default /usr/bin/python3)");
    cmd->add_option("--keras-python", args->kerasPython,
                    "Python for the Keras peer, e.g. a virtual environment's (default: GRUSCOPE_KERAS_PYTHON, else --python)")
        ->envname("GRUSCOPE_KERAS_PYTHON");
    cmd->add_option("--guard", args->guard,
                    "Exit 1 unless the cpu backend is at least this many times faster than the float64 reference "
                    "on every shape (adds the reference backend)");
    return [args] { return benchCommand(*args); };
}

} // namespace cli
