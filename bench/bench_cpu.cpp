// bench_cpu: wall-clock benchmark of the float32 `cpu` backend on the shape matrix S1–S16 of
// shared/reference/performance.md §7, compared with the oneDNN-2T anchors of §6 (measured on this
// machine kind). Plain std::chrono, no framework.
//
//   bench_cpu                 every shape (S1–S13, S16), reference backend on S1/S2, trace cost on S3/S7
//   bench_cpu --quick         a few shapes, 3 runs each (CI: proves it builds and runs)
//   bench_cpu --shape S3      one shape (repeatable, or comma-separated)
//   bench_cpu --runs N        timed runs per shape (default: adaptive, ≥ 7; 3 when a run takes > 1 s)
//   bench_cpu --json FILE     also write the results as JSON
//
// Every timing is one GruLayer::call (validation, output allocation and the backend's time loop);
// the "backend" column is RunResult::seconds, the time inside Backend::run only.
#include "gruscope/config.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "gruscope/trace.h"
#include "gruscope/weights.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <time.h>

using namespace gruscope;

namespace {

struct ShapeSpec {
    std::string id;
    int64_t B, T, I, U;
    bool goBackwards = false;
    bool masked = false;      // right-padded random lengths in [1, T]
    double anchorMs = 0;      // oneDNN 2.6.3 LBR-GRU, 2 threads (performance.md §6); 0 = none
    double targetMs = 0;      // performance.md §7 CPU target; 0 = relative to another row
    const char* note = "";
};

// performance.md §6 (A2–A13) and §7.
const std::vector<ShapeSpec> kShapes = {
    {"S1", 1, 1, 256, 256, false, false, 0.0114, 0.015, "per-call overhead"},
    {"S2", 1, 100, 64, 128, false, false, 0.188, 0.18, ""},
    {"S3", 1, 100, 256, 256, false, false, 0.433, 0.52, ""},
    {"S4", 1, 100, 512, 512, false, false, 2.22, 2.7, ""},
    {"S5", 1, 100, 1024, 1024, false, false, 9.5, 11.5, ""},
    {"S6", 8, 100, 128, 256, false, false, 1.66, 2.2, ""},
    {"S7", 32, 100, 128, 256, false, false, 5.39, 7.0, ""},
    {"S8", 64, 100, 512, 512, false, false, 46.2, 60.0, ""},
    {"S9", 256, 50, 512, 512, false, false, 86.3, 112.0, ""},
    {"S10", 128, 50, 1024, 1024, false, false, 172.0, 224.0, ""},
    {"S11", 32, 100, 1, 64, false, false, 1.02, 0.6, "oneDNN-1T 0.595 ms is faster"},
    {"S12", 32, 100, 128, 256, false, true, 0.0, 0.0, "masked; target 1.1*(sum len/BT)*S7"},
    {"S13", 3, 37, 100, 250, false, false, 0.390, 0.45, ""},
    {"S16", 32, 100, 128, 256, true, false, 0.0, 0.0, "S7 go_backwards; target 1.05*S7"},
};

struct Row {
    std::string id, backend, variant;
    int64_t B = 0, T = 0, I = 0, U = 0;
    int runs = 0;
    double medianMs = 0, minMs = 0, backendMedianMs = 0, cpuMedianMs = 0, faultsPerCall = 0;
    double anchorMs = 0, targetMs = 0;
    double maxAbsDiff = -1; // reference rows: max |cpu - reference|
    std::string note;

    double flops() const { return 2.0 * double(B) * double(T) * 3.0 * double(U) * double(I + U); }
    double gflops() const { return medianMs > 0 ? flops() / (medianMs * 1e-3) / 1e9 : 0; }
    double usPerStep() const { return medianMs * 1e3 / double(T); }
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string readCpuModel()
{
    std::ifstream f("/proc/cpuinfo");
    std::string line, model = "?", family, modelNo;
    bool avx512 = false, avx2 = false;
    while (std::getline(f, line)) {
        auto value = [&] { auto p = line.find(':'); return p == std::string::npos ? std::string() : line.substr(p + 2); };
        if (line.rfind("model name", 0) == 0 && model == "?")
            model = value();
        else if (line.rfind("cpu family", 0) == 0 && family.empty())
            family = value();
        else if (line.rfind("model\t", 0) == 0 && modelNo.empty())
            modelNo = value();
        else if (line.rfind("flags", 0) == 0) {
            avx512 = avx512 || line.find(" avx512f") != std::string::npos;
            avx2 = avx2 || line.find(" avx2") != std::string::npos;
        }
    }
    std::ostringstream o;
    o << model << " (family " << family << ", model " << modelNo << "; CPU has " << (avx512 ? "AVX-512" : avx2 ? "AVX2" : "no AVX2")
      << ")";
    return o.str();
}

// CPU time of the whole process (all threads): on a shared, loaded VM this is what the work cost
// even when the wall clock includes time spent waiting for a core.
double processCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
}

// Minor page faults of the process so far: fresh (mmap'd) buffers cost one fault per 4 KiB page.
long minorFaults()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

double loadAverage1()
{
    std::ifstream f("/proc/loadavg");
    double l = -1;
    f >> l;
    return l;
}

bool processHasLib(const char* name)
{
    std::ifstream f("/proc/self/maps");
    std::string line;
    while (std::getline(f, line))
        if (line.find(name) != std::string::npos)
            return true;
    return false;
}

const char* compiledSimd()
{
#if defined(__AVX512F__)
    return "AVX-512 (16-float Eigen packets)";
#elif defined(__AVX2__) && defined(__FMA__)
    return "AVX2+FMA (8-float Eigen packets)";
#elif defined(__AVX__)
    return "AVX (8-float packets, no FMA)";
#else
    return "SSE2 only (4-float Eigen packets, no FMA): no -march flag";
#endif
}

struct Bench {
    int forcedRuns = 0;
    bool quick = false;
    std::vector<Row> rows;
    std::optional<double> s7MedianMs;
    double s12KeptFraction = 0;

    static GruConfig makeConfig(const ShapeSpec& s)
    {
        GruConfig c;
        c.units = s.U;
        c.return_sequences = true;
        c.go_backwards = s.goBackwards;
        return c;
    }

    static CallInputs makeInputs(const ShapeSpec& s, double* keptFraction = nullptr)
    {
        std::mt19937_64 rng(1234 + uint64_t(s.B * 131 + s.T * 7 + s.I * 3 + s.U));
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        CallInputs in;
        in.x = ArrayF(Shape{s.B, s.T, s.I});
        for (auto& v : in.x.data)
            v = dist(rng);
        if (s.masked) {
            ArrayU8 m(Shape{s.B, s.T}, 0);
            std::uniform_int_distribution<int64_t> len(1, s.T);
            int64_t kept = 0;
            for (int64_t b = 0; b < s.B; ++b) {
                const int64_t L = len(rng);
                kept += L;
                for (int64_t t = 0; t < L; ++t)
                    m.data[size_t(b * s.T + t)] = 1;
            }
            in.mask = std::move(m);
            if (keptFraction)
                *keptFraction = double(kept) / double(s.B * s.T);
        }
        return in;
    }

    // Times `layer.call`: warm-ups, then adaptive run count. Returns (wall ms, backend ms) per run.
    struct Timing {
        std::vector<double> wallMs, backendMs, cpuMs, faults;
        RunResult last;
    };
    Timing time(GruLayer& layer, const CallInputs& in, BackendKind kind, const TraceOptions& tr, int maxRuns = 0)
    {
        using clock = std::chrono::steady_clock;
        Timing t;
        auto once = [&](bool keep) {
            const long f0 = minorFaults();
            const double c0 = processCpuMs();
            const auto t0 = clock::now();
            RunResult r = layer.call(in, kind, tr);
            const double ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
            const double cpuMs = processCpuMs() - c0;
            const double faults = double(minorFaults() - f0);
            if (keep) {
                t.wallMs.push_back(ms);
                t.backendMs.push_back(r.seconds * 1e3);
                t.cpuMs.push_back(cpuMs);
                t.faults.push_back(faults);
            }
            t.last = std::move(r);
            return ms;
        };
        double first = once(false); // warm-up 1
        int runs;
        if (forcedRuns > 0) {
            runs = forcedRuns;
        } else if (quick) {
            runs = 3;
        } else if (first > 1000.0) {
            runs = 3; // big shapes: keep the whole run within ~2 minutes
        } else {
            // ≥ 7 runs; more for fast shapes (≈ 0.5 s of timed runs), at most 101.
            runs = std::clamp(int(500.0 / std::max(first, 1e-3)), 7, 101);
        }
        if (maxRuns > 0)
            runs = std::min(runs, maxRuns);
        if (first <= 1000.0 || quick)
            once(false); // warm-up 2 (skipped for > 1 s runs)
        for (int k = 0; k < runs; ++k)
            once(true);
        return t;
    }

    Row makeRow(const ShapeSpec& s, const std::string& backend, const std::string& variant, const Timing& t)
    {
        Row r;
        r.id = s.id;
        r.backend = backend;
        r.variant = variant;
        r.B = s.B;
        r.T = s.T;
        r.I = s.I;
        r.U = s.U;
        r.runs = int(t.wallMs.size());
        r.medianMs = median(t.wallMs);
        r.minMs = *std::min_element(t.wallMs.begin(), t.wallMs.end());
        r.backendMedianMs = median(t.backendMs);
        r.cpuMedianMs = median(t.cpuMs);
        r.faultsPerCall = median(t.faults);
        r.note = s.note;
        return r;
    }

    void runCpu(const ShapeSpec& s)
    {
        double kept = 1.0;
        CallInputs in = makeInputs(s, &kept);
        GruConfig cfg = makeConfig(s);
        GruLayer layer(cfg, initializeWeights(cfg, s.I, 42));
        Timing t = time(layer, in, BackendKind::Cpu, {});
        Row r = makeRow(s, "cpu", s.masked ? "masked" : s.goBackwards ? "go_backwards" : "", t);
        r.anchorMs = s.anchorMs;
        r.targetMs = s.targetMs;
        if (s.id == "S7")
            s7MedianMs = r.medianMs;
        if (s.masked) {
            s12KeptFraction = kept;
            std::ostringstream o;
            o << "masked: sum(len)/(B*T) = " << std::fixed;
            o.precision(3);
            o << kept;
            if (s7MedianMs) {
                r.targetMs = 1.1 * kept * *s7MedianMs;
                o << "; target 1.1*" << kept << "*S7";
            }
            r.note = o.str();
        }
        if (s.goBackwards && s7MedianMs) {
            r.targetMs = 1.05 * *s7MedianMs;
            r.note = "S7 go_backwards; target 1.05*S7 (this run)";
        }
        rows.push_back(r);
        printRow(r);
    }

    void runReference(const ShapeSpec& s)
    {
        CallInputs in = makeInputs(s);
        GruConfig cfg = makeConfig(s);
        GruLayer layer(cfg, initializeWeights(cfg, s.I, 42));
        RunResult cpu = layer.call(in, BackendKind::Cpu);
        Timing t = time(layer, in, BackendKind::Reference, {}, quick ? 3 : 9);
        Row r = makeRow(s, "reference", "float64", t);
        double d = 0;
        for (size_t k = 0; k < cpu.output.data.size(); ++k)
            d = std::max(d, double(std::abs(cpu.output.data[k] - t.last.output.data[k])));
        r.maxAbsDiff = d;
        r.note = "max|cpu-ref| = " + fmtSci(d);
        rows.push_back(r);
        printRow(r);
    }

    void runTrace(const ShapeSpec& s)
    {
        CallInputs in = makeInputs(s);
        GruConfig cfg = makeConfig(s);
        GruLayer layer(cfg, initializeWeights(cfg, s.I, 42));
        TraceOptions on;
        on.enabled = true;
        // Off and on alternate run by run, so that drift on this shared VM hits both alike.
        using clock = std::chrono::steady_clock;
        Timing toff, ton;
        auto once = [&](const TraceOptions& tr, Timing* into) {
            const long f0 = minorFaults();
            const double c0 = processCpuMs();
            const auto t0 = clock::now();
            RunResult r = layer.call(in, BackendKind::Cpu, tr);
            const double ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
            const double cpuMs = processCpuMs() - c0;
            const double faults = double(minorFaults() - f0);
            if (into) {
                into->wallMs.push_back(ms);
                into->backendMs.push_back(r.seconds * 1e3);
                into->cpuMs.push_back(cpuMs);
                into->faults.push_back(faults);
            }
            return ms;
        };
        const double first = once(on, nullptr) + once({}, nullptr);
        const int runs = forcedRuns > 0 ? forcedRuns : quick ? 3 : std::clamp(int(1000.0 / std::max(first, 1e-3)), 7, 101);
        std::vector<double> ratios;
        for (int k = 0; k < runs; ++k) {
            const double a = once({}, &toff);
            const double b = once(on, &ton);
            ratios.push_back(b / a);
        }
        Row roff = makeRow(s, "cpu", "trace off", toff);
        Row ron = makeRow(s, "cpu", "trace on", ton);
        const uint64_t bytes = Trace::bytesFor(s.B, s.T, s.U);
        std::ostringstream o;
        o.setf(std::ios::fixed);
        o.precision(2);
        o << "trace " << double(bytes) / (1 << 20) << " MiB; on/off: median of paired ratios " << median(ratios) << "x, min/min "
          << ron.minMs / roff.minMs << "x (+" << (ron.minMs - roff.minMs) * 1e3 / double(s.T) << " us/step)";
        ron.note = o.str();
        rows.push_back(roff);
        printRow(roff);
        rows.push_back(ron);
        printRow(ron);
    }

    static std::string fmtSci(double v)
    {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2e", v);
        return buf;
    }

    static void printHeader()
    {
        std::printf("%-4s %-9s %-12s %-16s %4s %10s %10s %10s %7s %7s %9s %7s %9s %6s %9s  %s\n", "id", "backend", "variant", "BxTxIxU",
                    "runs", "median ms", "min ms", "cpu ms", "pf/call", "ovh us", "us/step", "GFLOP/s", "oneDNN2T", "ratio", "target", "note");
        std::printf("%s\n", std::string(168, '-').c_str());
    }

    static void printRow(const Row& r)
    {
        char shape[64];
        std::snprintf(shape, sizeof shape, "%lldx%lldx%lldx%lld", (long long)r.B, (long long)r.T, (long long)r.I, (long long)r.U);
        char anchor[16] = "-", ratio[16] = "-", target[24] = "-";
        if (r.anchorMs > 0) {
            std::snprintf(anchor, sizeof anchor, "%.3f", r.anchorMs);
            std::snprintf(ratio, sizeof ratio, "%.2f", r.medianMs / r.anchorMs);
        }
        if (r.targetMs > 0)
            std::snprintf(target, sizeof target, "%.3f%s", r.targetMs, r.medianMs <= r.targetMs ? "" : "!");
        std::printf("%-4s %-9s %-12s %-16s %4d %10.4f %10.4f %10.4f %7.0f %7.1f %9.2f %7.1f %9s %6s %9s  %s\n", r.id.c_str(),
                    r.backend.c_str(), r.variant.c_str(), shape, r.runs, r.medianMs, r.minMs, r.cpuMedianMs,
                    r.faultsPerCall, (r.medianMs - r.backendMedianMs) * 1e3, r.usPerStep(), r.gflops(), anchor, ratio, target, r.note.c_str());
        std::fflush(stdout);
    }

    static std::string jsonEscape(const std::string& s)
    {
        std::string o;
        for (char ch : s) {
            if (ch == '"' || ch == '\\') {
                o += '\\';
                o += ch;
            } else if (static_cast<unsigned char>(ch) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", ch);
                o += buf;
            } else {
                o += ch;
            }
        }
        return o;
    }

    void writeJson(const std::string& path, const std::string& cpu, unsigned nproc) const
    {
        std::ofstream f(path);
        if (!f)
            throw std::runtime_error("cannot write " + path);
        f << "{\n  \"machine\": {\"cpu\": \"" << jsonEscape(cpu) << "\", \"nproc\": " << nproc << ", \"compiled_simd\": \""
          << jsonEscape(compiledSimd()) << "\"},\n  \"flops_formula\": \"2*B*T*3U*(I+U)\",\n  \"results\": [\n";
        for (size_t k = 0; k < rows.size(); ++k) {
            const Row& r = rows[k];
            f << "    {\"id\": \"" << r.id << "\", \"backend\": \"" << r.backend << "\", \"variant\": \"" << jsonEscape(r.variant)
              << "\", \"B\": " << r.B << ", \"T\": " << r.T << ", \"I\": " << r.I << ", \"U\": " << r.U << ", \"runs\": " << r.runs
              << ", \"median_ms\": " << r.medianMs << ", \"min_ms\": " << r.minMs << ", \"backend_median_ms\": " << r.backendMedianMs << ", \"cpu_median_ms\": " << r.cpuMedianMs << ", \"minor_faults_per_call\": " << r.faultsPerCall
              << ", \"us_per_step\": " << r.usPerStep() << ", \"gflops\": " << r.gflops();
            if (r.anchorMs > 0)
                f << ", \"onednn_2t_ms\": " << r.anchorMs << ", \"ratio_to_onednn_2t\": " << r.medianMs / r.anchorMs;
            if (r.targetMs > 0)
                f << ", \"target_ms\": " << r.targetMs << ", \"meets_target\": " << (r.medianMs <= r.targetMs ? "true" : "false");
            if (r.maxAbsDiff >= 0)
                f << ", \"max_abs_diff_vs_cpu\": " << r.maxAbsDiff;
            f << ", \"note\": \"" << jsonEscape(r.note) << "\"}" << (k + 1 < rows.size() ? "," : "") << "\n";
        }
        f << "  ]\n}\n";
    }
};

void usage()
{
    std::puts("usage: bench_cpu [--quick] [--shape ID[,ID...]]... [--runs N] [--json FILE]\n"
              "  shapes: S1-S13, S16 (performance.md section 7); S12 is S7 with right-padded random lengths,\n"
              "  S16 is S7 with go_backwards. Without --shape: all shapes, the reference backend on S1/S2 and\n"
              "  the --trace cost on S3/S7.");
}

} // namespace

int main(int argc, char** argv)
{
    Bench bench;
    std::vector<std::string> only;
    std::string jsonPath;
    for (int k = 1; k < argc; ++k) {
        const std::string a = argv[k];
        auto next = [&]() -> std::string {
            if (k + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++k];
        };
        if (a == "--quick") {
            bench.quick = true;
        } else if (a == "--shape") {
            std::stringstream ss(next());
            std::string id;
            while (std::getline(ss, id, ','))
                only.push_back(id);
        } else if (a == "--runs") {
            bench.forcedRuns = std::max(1, std::atoi(next().c_str()));
        } else if (a == "--json") {
            jsonPath = next();
        } else if (a == "-h" || a == "--help") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            usage();
            return 2;
        }
    }
    for (const auto& id : only) {
        if (std::none_of(kShapes.begin(), kShapes.end(), [&](const ShapeSpec& s) { return s.id == id; })) {
            std::fprintf(stderr, "unknown shape %s (known: S1-S13, S16)\n", id.c_str());
            return 2;
        }
    }
    if (bench.quick && only.empty())
        only = {"S1", "S2", "S3", "S7", "S12", "S13"};
    auto selected = [&](const std::string& id) { return only.empty() || std::find(only.begin(), only.end(), id) != only.end(); };

    const std::string cpu = readCpuModel();
    const unsigned nproc = std::thread::hardware_concurrency();
    std::printf("GruScope bench_cpu: cpu backend, float32, Keras3 GRU defaults (tanh/sigmoid, reset_after, bias),\n"
                "return_sequences=True, zero initial state, weights from initializeWeights (seed 42), x ~ U[-1,1].\n");
    std::printf("machine : %s, nproc %u, load average %.2f at start\n", cpu.c_str(), nproc, loadAverage1());
    std::printf("build   : compiled SIMD %s; %s\n", compiledSimd(),
#ifdef NDEBUG
                "NDEBUG"
#else
                "asserts ON (no NDEBUG)"
#endif
    );
    std::printf("threads : the engine's Eigen is %s; OPENBLAS_*/OMP_NUM_THREADS settings are irrelevant (Eigen's own GEMM, no BLAS)\n",
                processHasLib("libgomp") ? "linked with OpenMP (libgomp mapped): GEMMs may use OMP_NUM_THREADS threads"
                                         : "not built with OpenMP (no libgomp): every product runs on ONE thread");
    std::printf("timing  : median/min wall ms of N timed runs after 2 warm-ups (1 warm-up, 3 runs when a run takes > 1 s); 'cpu ms' =\n"
                "          median process CPU time per call (wall >> cpu means the VM was busy); 'pf/call' = minor page faults per call\n"
                "          (fresh 4 KiB pages the call touched); 'ovh us' = median call time minus\n"
                "          median time inside Backend::run (validation, allocation, zero-fill); GFLOP/s counts 2*B*T*3U*(I+U) on the median; oneDNN2T = performance.md section 6\n"
                "          anchor (2.6.3, 2 threads, min of runs), ratio = median/anchor; '!' = misses the section 7 target.\n\n");
    Bench::printHeader();

    try {
        for (const auto& s : kShapes) {
            if (selected(s.id)) {
                // S12/S16 targets are relative to S7: measure S7 first when it was not selected.
                if ((s.masked || s.goBackwards) && !bench.s7MedianMs) {
                    const auto& s7 = *std::find_if(kShapes.begin(), kShapes.end(), [](const ShapeSpec& x) { return x.id == "S7"; });
                    bench.runCpu(s7);
                }
                if (s.id == "S7" && bench.s7MedianMs)
                    continue; // already measured for S12/S16
                bench.runCpu(s);
            }
        }
        std::printf("\nreference backend (float64, slow by design), smallest shapes:\n");
        for (const auto& s : kShapes)
            if ((s.id == "S1" || s.id == "S2") && selected(s.id))
                bench.runReference(s);
        std::printf("\n--trace cost (cpu backend, TraceOptions{enabled}, all samples, all steps) vs off:\n");
        for (const auto& s : kShapes)
            if ((s.id == "S3" || s.id == "S7") && selected(s.id))
                bench.runTrace(s);
        std::printf("\nload average %.2f at the end (> nproc means other processes competed for the cores: compare cpu ms)\n",
                    loadAverage1());
        if (!jsonPath.empty()) {
            bench.writeJson(jsonPath, cpu, nproc);
            std::printf("\nwrote %s\n", jsonPath.c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_cpu: %s\n", e.what());
        return 1;
    }
    return 0;
}
