// gruscope-peer-onednn: times oneDNN's GRU forward inference on weights and inputs that
// `gruscope-cli bench` wrote, and writes oneDNN's outputs back for the agreement check.
// Built only when CMake finds oneDNN (a benchmark-only dependency); GruScope never needs it.
//
//   gruscope-peer-onednn DIR B T I U RESET_AFTER WARMUP RUNS
// DIR holds kernel.f32 (I×3U), recurrent_kernel.f32 (U×3U), bias.f32 (2×3U or 3U), x.f32 (B×T×I),
// all float32, Keras layouts. Writes DIR/out.f32 (B×T×U) and prints one JSON line:
//   {"peer":"onednn","version":"2.6.3","median_ms":…,"min_ms":…,"runs":…}
// Threads: oneDNN's OpenMP runtime reads OMP_NUM_THREADS (the CLI sets it).
//
// Mapping (oneDNN doc/primitives/rnn.md): gates u, r, o are Keras's z, r, h, in the same order,
// so kernel (I, 3U) is ldigo (1, 1, I, 3, U) as it stands. Biases:
//   reset_after=True  → lbr_gru_forward, bias (4, U) = [b_in_z + b_rec_z, b_in_r + b_rec_r, b_in_h, b_rec_h]
//   reset_after=False → gru_forward,     bias (3, U) = b_in
// Data is time-major (tnc), so x is transposed once before timing (Keras is batch-major).
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

std::vector<float> readFloats(const std::string& path, size_t n)
{
    std::vector<float> v(n);
    std::ifstream f(path, std::ios::binary);
    if (!f.read(reinterpret_cast<char*>(v.data()), std::streamsize(n * sizeof(float)))) {
        std::fprintf(stderr, "gruscope-peer-onednn: cannot read %zu floats from %s\n", n, path.c_str());
        std::exit(2);
    }
    return v;
}

// The instruction set oneDNN's JIT generated its kernels for (dnnl_types.h's names).
const char* isaName(dnnl_cpu_isa_t isa)
{
    switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_all: return "all (no limit)";
    }
    return "unknown";
}

// OMP_NUM_THREADS as the bench set it (oneDNN's OpenMP runtime takes it).
std::string threadsText()
{
    const char* t = std::getenv("OMP_NUM_THREADS");
    return t && *t ? t : "default";
}

void writeToMemory(const std::vector<float>& v, memory& m)
{
    std::copy(v.begin(), v.end(), static_cast<float*>(m.get_data_handle()));
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 9) {
        std::fprintf(stderr, "usage: gruscope-peer-onednn DIR B T I U RESET_AFTER WARMUP RUNS\n");
        return 2;
    }
    const std::string dir = argv[1];
    const memory::dim B = std::atol(argv[2]), T = std::atol(argv[3]), I = std::atol(argv[4]), U = std::atol(argv[5]);
    const bool lbr = std::atoi(argv[6]) != 0;
    const int warmup = std::atoi(argv[7]), runs = std::max(1, std::atoi(argv[8]));
    try {
        engine eng(engine::kind::cpu, 0);
        stream strm(eng);
        const std::vector<float> K = readFloats(dir + "/kernel.f32", size_t(I * 3 * U));
        const std::vector<float> R = readFloats(dir + "/recurrent_kernel.f32", size_t(U * 3 * U));
        const std::vector<float> b = readFloats(dir + "/bias.f32", size_t((lbr ? 2 : 1) * 3 * U));
        const std::vector<float> x = readFloats(dir + "/x.f32", size_t(B * T * I));

        std::vector<float> xt(size_t(T * B * I)); // (B, T, I) → (T, B, I)
        for (memory::dim bb = 0; bb < B; ++bb)
            for (memory::dim t = 0; t < T; ++t)
                std::copy_n(x.begin() + (bb * T + t) * I, I, xt.begin() + (t * B + bb) * I);
        std::vector<float> bias(size_t((lbr ? 4 : 3) * U));
        for (memory::dim j = 0; j < 3 * U; ++j)
            bias[size_t(j)] = b[size_t(j)] + (lbr && j < 2 * U ? b[size_t(3 * U + j)] : 0.0f);
        if (lbr)
            std::copy_n(b.begin() + 5 * U, U, bias.begin() + 3 * U);

        const memory::desc srcMd({T, B, I}, dt::f32, tag::tnc), dstMd({T, B, U}, dt::f32, tag::tnc);
        const memory::desc wlAny({1, 1, I, 3, U}, dt::f32, tag::any), wiAny({1, 1, U, 3, U}, dt::f32, tag::any);
        const memory::desc biasMd({1, 1, lbr ? 4 : 3, U}, dt::f32, tag::ldgo);
        const memory::desc none;
        // The primitive and the layouts it chose for the weights.
        primitive prim;
        memory::desc wlMd, wiMd, scratchMd, workMd;
        auto take = [&](const auto& pd, auto make) {
            wlMd = pd.weights_layer_desc();
            wiMd = pd.weights_iter_desc();
            scratchMd = pd.scratchpad_desc();
            workMd = pd.workspace_desc();
            prim = make(pd);
        };
        if (lbr)
            take(lbr_gru_forward::primitive_desc(
                     lbr_gru_forward::desc(prop_kind::forward_inference, rnn_direction::unidirectional_left2right, srcMd,
                                           none, wlAny, wiAny, biasMd, dstMd, none),
                     eng),
                 [](const lbr_gru_forward::primitive_desc& pd) { return primitive(lbr_gru_forward(pd)); });
        else
            take(gru_forward::primitive_desc(gru_forward::desc(prop_kind::forward_inference,
                                                               rnn_direction::unidirectional_left2right, srcMd, none,
                                                               wlAny, wiAny, biasMd, dstMd, none),
                                             eng),
                 [](const gru_forward::primitive_desc& pd) { return primitive(gru_forward(pd)); });

        // Weights in Keras's layout (ldigo), reordered into what the primitive asked for.
        memory wlUser({{1, 1, I, 3, U}, dt::f32, tag::ldigo}, eng), wiUser({{1, 1, U, 3, U}, dt::f32, tag::ldigo}, eng);
        writeToMemory(K, wlUser);
        writeToMemory(R, wiUser);
        memory wl(wlMd, eng), wi(wiMd, eng);
        reorder(wlUser, wl).execute(strm, wlUser, wl);
        reorder(wiUser, wi).execute(strm, wiUser, wi);
        memory src(srcMd, eng), dst(dstMd, eng), biasMem(biasMd, eng);
        writeToMemory(xt, src);
        writeToMemory(bias, biasMem);
        memory scratch(scratchMd, eng), workspace(workMd, eng);
        const std::unordered_map<int, memory> args = {
            {DNNL_ARG_SRC_LAYER, src},          {DNNL_ARG_WEIGHTS_LAYER, wl}, {DNNL_ARG_WEIGHTS_ITER, wi},
            {DNNL_ARG_BIAS, biasMem},           {DNNL_ARG_DST_LAYER, dst},    {DNNL_ARG_SCRATCHPAD, scratch},
            {DNNL_ARG_WORKSPACE, workspace}};

        std::vector<double> ms;
        for (int k = 0; k < warmup + runs; ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            prim.execute(strm, args);
            strm.wait();
            const double e = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (k >= warmup)
                ms.push_back(e);
        }
        std::sort(ms.begin(), ms.end());

        // Outputs back in Keras's (B, T, U) order.
        const float* y = static_cast<const float*>(dst.get_data_handle());
        std::vector<float> out(size_t(B * T * U));
        for (memory::dim t = 0; t < T; ++t)
            for (memory::dim bb = 0; bb < B; ++bb)
                std::copy_n(y + (t * B + bb) * U, U, out.begin() + (bb * T + t) * U);
        std::ofstream(dir + "/out.f32", std::ios::binary)
            .write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size() * sizeof(float)));

        const dnnl_version_t* v = dnnl_version();
        std::printf("{\"peer\":\"onednn\",\"version\":\"%d.%d.%d\",\"kernel\":\"oneDNN JIT, ISA %s, %s threads\","
                    "\"median_ms\":%.6f,\"min_ms\":%.6f,\"runs\":%d}\n",
                    v->major, v->minor, v->patch, isaName(dnnl_get_effective_cpu_isa()), threadsText().c_str(),
                    ms[ms.size() / 2], ms.front(), runs);
        return 0;
    } catch (const dnnl::error& e) {
        std::fprintf(stderr, "gruscope-peer-onednn: oneDNN error: %s\n", e.what());
        return 1;
    }
}
