// bench_gpu: the GPU backends against the cpu backend in one run, on the shapes of
// shared/reference/performance.md §7. For every shape and backend: median ms per call (copies
// included), the device's own forward time (CUDA events), the host <-> device copies, and the
// engine's overhead = call − device − copies, as a share of device + copies. Then cuDNN's
// variants (STANDARD vs PERSIST_STATIC_SMALL_H where allowed, FMA vs TF32) and the CPU/GPU
// crossover over batch × units.
//
//   bench_gpu             every shape, 7 timed calls after 2 warm-ups
//   bench_gpu --quick     three shapes, 3 timed calls, a small crossover grid (gpu-check)
//   bench_gpu --json F    also write every row as JSON
// Without a usable GPU it prints why and exits 0.
#include "gruscope/device.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "gruscope/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace gruscope;

namespace {

struct BenchShape {
    const char* id;
    int64_t B, T, I, U;
    bool masked = false;
};

const std::vector<BenchShape> kShapes = {
    {"S1", 1, 1, 256, 256},     {"S2", 1, 100, 64, 128},    {"S3", 1, 100, 256, 256},     {"S4", 1, 100, 512, 512},
    {"S5", 1, 100, 1024, 1024}, {"S6", 8, 100, 128, 256},   {"S7", 32, 100, 128, 256},    {"S8", 64, 100, 512, 512},
    {"S9", 256, 50, 512, 512},  {"S10", 128, 50, 1024, 1024}, {"S11", 32, 100, 1, 64},    {"S12", 32, 100, 128, 256, true},
    {"S13", 3, 37, 100, 250},
};

struct Timing {
    bool ran = false;
    std::string why;
    double callMs = 0, deviceMs = 0, copyMs = 0, maxAbs = 0;
};

struct Problem {
    GruLayer layer;
    CallInputs in;
};

Problem makeProblem(const BenchShape& s, uint64_t seed)
{
    std::mt19937 rng{uint32_t(seed)};
    std::normal_distribution<float> n(0.0f, 1.0f);
    GruConfig c;
    c.units = s.U;
    c.return_sequences = true;
    GruWeights w;
    w.kernel = ArrayF({s.I, 3 * s.U});
    w.recurrentKernel = ArrayF({s.U, 3 * s.U});
    w.bias = ArrayF({2, 3 * s.U});
    const float ki = 1.0f / std::sqrt(float(s.I)), ku = 1.0f / std::sqrt(float(s.U));
    for (float& v : w.kernel.data)
        v = n(rng) * ki;
    for (float& v : w.recurrentKernel.data)
        v = n(rng) * ku;
    for (float& v : w.bias.data)
        v = 0.1f * n(rng);
    Problem p{GruLayer(c, std::move(w)), {}};
    p.in.x = ArrayF({s.B, s.T, s.I});
    for (float& v : p.in.x.data)
        v = n(rng);
    if (s.masked) {
        // Right-padded with lengths drawn uniformly from [1, T].
        std::uniform_int_distribution<int64_t> len(1, s.T);
        p.in.mask = ArrayU8({s.B, s.T}, 0);
        for (int64_t b = 0; b < s.B; ++b)
            std::fill_n(p.in.mask->data.begin() + b * s.T, len(rng), uint8_t(1));
    }
    return p;
}

Timing time(Problem& p, BackendKind kind, const GpuOptions& gpu, int warmups, int runs, const ArrayF* cpuOut)
{
    Timing t;
    p.in.gpu = gpu;
    const BackendSupport s = p.layer.supports(p.in, kind);
    if (!s.ok) {
        t.why = s.reason;
        return t;
    }
    std::vector<double> call, dev, copy;
    try {
        RunResult last;
        for (int k = 0; k < warmups + runs; ++k) {
            last = p.layer.call(p.in, kind);
            if (k >= warmups) {
                call.push_back(last.seconds * 1e3);
                dev.push_back(last.deviceSeconds * 1e3);
                copy.push_back(last.transferSeconds * 1e3);
            }
        }
        if (cpuOut)
            for (size_t i = 0; i < last.output.data.size(); ++i)
                t.maxAbs = std::max(t.maxAbs, double(std::fabs(last.output.data[i] - cpuOut->data[i])));
    } catch (const Error& e) {
        t.why = e.what();
        return t;
    }
    t.ran = true;
    t.callMs = median(call);
    t.deviceMs = median(dev);
    t.copyMs = median(copy);
    return t;
}

std::string cell(const Timing& t)
{
    char b[64];
    if (!t.ran)
        return "      —";
    std::snprintf(b, sizeof b, "%9.3f", t.callMs);
    return b;
}

} // namespace

int main(int argc, char** argv)
{
    bool quick = false;
    std::string jsonPath;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick"))
            quick = true;
        else if (!std::strcmp(argv[i], "--json") && i + 1 < argc)
            jsonPath = argv[++i];
        else {
            std::fprintf(stderr, "usage: bench_gpu [--quick] [--json FILE]\n");
            return 2;
        }
    }
    const DeviceInfo& d = probeDevice();
    if (!d.cudaUsable) {
        std::printf("bench_gpu: no usable GPU here (%s); nothing to measure\n", d.reason.c_str());
        return 0;
    }
    std::printf("bench_gpu on %s\n", d.reason.c_str());
    const int warmups = 2, runs = quick ? 3 : 7;
    std::vector<BenchShape> shapes;
    for (const BenchShape& s : kShapes)
        if (!quick || !std::strcmp(s.id, "S3") || !std::strcmp(s.id, "S7") || !std::strcmp(s.id, "S8"))
            shapes.push_back(s);

    std::string json = "[";
    std::printf("\nms per call (median of %d after %d warm-ups; GPU rows include host<->device copies)\n", runs, warmups);
    std::printf("shape  B×T×I×U              cpu      cudnn  cudnn-tf32 cudnn-smallH      cuda   cudnn dev  copies  overhead  cuda dev  max|Δ| vs cpu\n");
    for (const BenchShape& s : shapes) {
        Problem p = makeProblem(s, 7);
        const Timing cpu = time(p, BackendKind::Cpu, {}, 1, quick ? 3 : std::max(3, runs / 2), nullptr);
        RunResult ref = p.layer.call(p.in, BackendKind::Cpu);
        GpuOptions tf32;
        tf32.allowTf32 = true;
        GpuOptions small;
        small.algo = GpuOptions::CudnnAlgo::PersistStaticSmallH;
        const Timing cudnn = time(p, BackendKind::Cudnn, {}, warmups, runs, &ref.output);
        const Timing cudnnTf32 = time(p, BackendKind::Cudnn, tf32, warmups, runs, &ref.output);
        // PyTorch's rule: SMALL_H for GRU forward only when U ≤ 192 and all lengths are equal.
        const Timing cudnnSmall = s.U <= 192 && !s.masked ? time(p, BackendKind::Cudnn, small, warmups, runs, &ref.output) : Timing{};
        const Timing cuda = time(p, BackendKind::Cuda, {}, warmups, runs, &ref.output);
        // The engine's share of a call beyond the device's work and the copies.
        const double overhead = cudnn.ran && cudnn.deviceMs + cudnn.copyMs > 0
                                    ? (cudnn.callMs - cudnn.deviceMs - cudnn.copyMs) / (cudnn.deviceMs + cudnn.copyMs) * 100
                                    : 0;
        char dims[48];
        std::snprintf(dims, sizeof dims, "%lld×%lld×%lld×%lld%s", (long long)s.B, (long long)s.T, (long long)s.I, (long long)s.U,
                      s.masked ? " m" : "");
        std::printf("%-5s  %-18s %s  %s  %s  %s  %s  %9.3f  %6.3f  %7.1f%%  %8.3f  %.2g / %.2g\n", s.id, dims, cell(cpu).c_str(),
                    cell(cudnn).c_str(), cell(cudnnTf32).c_str(), cell(cudnnSmall).c_str(), cell(cuda).c_str(), cudnn.deviceMs,
                    cudnn.copyMs, overhead, cuda.deviceMs, cudnn.maxAbs, cuda.maxAbs);
        for (const Timing* t : {&cudnn, &cuda})
            if (!t->ran)
                std::printf("       %s: %s\n", t == &cudnn ? "cudnn" : "cuda", t->why.c_str());
        char row[512];
        std::snprintf(row, sizeof row,
                      "%s{\"shape\":\"%s\",\"B\":%lld,\"T\":%lld,\"I\":%lld,\"U\":%lld,\"cpu_ms\":%.4f,\"cudnn_ms\":%.4f,"
                      "\"cudnn_tf32_ms\":%.4f,\"cudnn_small_h_ms\":%.4f,\"cuda_ms\":%.4f,\"cudnn_device_ms\":%.4f,\"copies_ms\":%.4f,"
                      "\"overhead_pct\":%.2f,\"cuda_device_ms\":%.4f}",
                      json.size() > 1 ? "," : "", s.id, (long long)s.B, (long long)s.T, (long long)s.I, (long long)s.U, cpu.callMs,
                      cudnn.callMs, cudnnTf32.callMs, cudnnSmall.callMs, cuda.callMs, cudnn.deviceMs, cudnn.copyMs, overhead,
                      cuda.deviceMs);
        json += row;
    }
    json += "]";

    // Crossover: the fastest GPU backend against the cpu backend over batch × units (T = 100, I = U).
    std::printf("\nCPU/GPU crossover at T=100, I=U: cpu ms / best GPU ms (> 1: the GPU wins)\n      U:");
    const std::vector<int64_t> Bs = quick ? std::vector<int64_t>{1, 16} : std::vector<int64_t>{1, 4, 16, 64, 256};
    const std::vector<int64_t> Us = quick ? std::vector<int64_t>{64, 256} : std::vector<int64_t>{32, 64, 128, 256, 512, 1024};
    for (int64_t U : Us)
        std::printf("%8lld", (long long)U);
    std::printf("\n");
    for (int64_t B : Bs) {
        std::printf("B=%-5lld ", (long long)B);
        for (int64_t U : Us) {
            Problem p = makeProblem({"X", B, 100, U, U}, 3);
            const Timing cpu = time(p, BackendKind::Cpu, {}, 1, 3, nullptr);
            const Timing a = time(p, BackendKind::Cudnn, {}, 2, 3, nullptr), b = time(p, BackendKind::Cuda, {}, 2, 3, nullptr);
            double best = 0;
            for (const Timing* t : {&a, &b})
                if (t->ran && (best == 0 || t->callMs < best))
                    best = t->callMs;
            if (best > 0 && cpu.ran)
                std::printf("%7.2f%s", cpu.callMs / best, cpu.callMs / best > 1 ? "*" : " ");
            else
                std::printf("%8s", "—");
        }
        std::printf("\n");
    }
    std::printf("(* the GPU is faster; the engine runs on one CPU core here unless built with OpenMP)\n");
    if (!jsonPath.empty()) {
        std::ofstream(jsonPath) << json << "\n";
        std::printf("wrote %s\n", jsonPath.c_str());
    }
    return 0;
}
