#include "backends/cpu_gemm.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

// The register tiles below only work when their small loops are unrolled completely, so that
// every accumulator lives in a register; -O2 (the default RelWithDebInfo build) does not do it on
// its own (measured: 28 instead of 100+ GFLOP/s per core), so the loops say so.
#if defined(__clang__)
#define GRUSCOPE_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define GRUSCOPE_UNROLL _Pragma("GCC unroll 16")
#else
#define GRUSCOPE_UNROLL
#endif

namespace gruscope::detail::cpugemm {
namespace {

// One vector of kLanes floats: load, store, broadcast and c + a·b as a single rounding (FMA),
// or as two roundings where the machine has no FMA.
#if defined(__AVX512F__)
using V = __m512;
inline V vload(const float* p) noexcept { return _mm512_loadu_ps(p); }
inline void vstore(float* p, V v) noexcept { _mm512_storeu_ps(p, v); }
inline V vset1(float x) noexcept { return _mm512_set1_ps(x); }
inline V vzero() noexcept { return _mm512_setzero_ps(); }
inline V vfma(V a, V b, V c) noexcept { return _mm512_fmadd_ps(a, b, c); }
#elif defined(__AVX2__) && defined(__FMA__)
using V = __m256;
inline V vload(const float* p) noexcept { return _mm256_loadu_ps(p); }
inline void vstore(float* p, V v) noexcept { _mm256_storeu_ps(p, v); }
inline V vset1(float x) noexcept { return _mm256_set1_ps(x); }
inline V vzero() noexcept { return _mm256_setzero_ps(); }
inline V vfma(V a, V b, V c) noexcept { return _mm256_fmadd_ps(a, b, c); }
#else
struct V {
    float v[kLanes];
};
inline V vload(const float* p) noexcept { V r; std::memcpy(r.v, p, sizeof r.v); return r; }
inline void vstore(float* p, V x) noexcept { std::memcpy(p, x.v, sizeof x.v); }
inline V vset1(float x) noexcept { V r; std::fill(r.v, r.v + kLanes, x); return r; }
inline V vzero() noexcept { return vset1(0.0f); }
inline V vfma(V a, V b, V c) noexcept
{
    for (int i = 0; i < kLanes; ++i)
        c.v[i] = a.v[i] * b.v[i] + c.v[i];
    return c;
}
#endif

// MR rows × NV vectors of C, accumulated in registers over k in [k0, k1). MR·NV + NV + 1 vector
// registers: 6×4 fits AVX-512's 32 (24 accumulators), as in the usual GEMM micro-kernels; one row
// (B = 1, a matrix-vector product bound by streaming P) takes 8 vectors so that enough FMA chains
// run at once to hide their latency. The chains start from the bias (first k block) or from what
// the previous k block left in C, so blocking over k changes no rounding.
template <int MR, int NV>
void tile(const float* const* a, int64_t k0, int64_t k1, const float* p, int64_t ldp, const float* bias, bool first,
          float* const* c, int64_t col) noexcept
{
    V acc[MR][NV];
    GRUSCOPE_UNROLL
    for (int v = 0; v < NV; ++v) {
        const V b0 = bias ? vload(bias + col + v * kLanes) : vzero();
        GRUSCOPE_UNROLL
        for (int r = 0; r < MR; ++r)
            acc[r][v] = first ? b0 : vload(c[r] + col + v * kLanes);
    }
    const float* pk = p + k0 * ldp + col;
    for (int64_t k = k0; k < k1; ++k, pk += ldp) {
        V w[NV];
        GRUSCOPE_UNROLL
        for (int v = 0; v < NV; ++v)
            w[v] = vload(pk + v * kLanes);
        GRUSCOPE_UNROLL
        for (int r = 0; r < MR; ++r) {
            const V x = vset1(a[r][k]);
            GRUSCOPE_UNROLL
            for (int v = 0; v < NV; ++v)
                acc[r][v] = vfma(x, w[v], acc[r][v]);
        }
    }
    GRUSCOPE_UNROLL
    for (int r = 0; r < MR; ++r)
        GRUSCOPE_UNROLL
        for (int v = 0; v < NV; ++v)
            vstore(c[r] + col + v * kLanes, acc[r][v]);
}

// The columns [col, colEnd) of MR rows: the widest tiles first, then the remaining vectors.
template <int MR>
void rowBlock(const float* const* a, int64_t k0, int64_t k1, const float* p, int64_t ldp, const float* bias,
              bool first, float* const* c, int64_t col, int64_t colEnd) noexcept
{
    constexpr int wide = MR == 1 ? 8 : 4;
    for (; col + wide * kLanes <= colEnd; col += wide * kLanes)
        tile<MR, wide>(a, k0, k1, p, ldp, bias, first, c, col);
    if constexpr (wide == 8)
        if (col + 4 * kLanes <= colEnd) {
            tile<MR, 4>(a, k0, k1, p, ldp, bias, first, c, col);
            col += 4 * kLanes;
        }
    if (col + 2 * kLanes <= colEnd) {
        tile<MR, 2>(a, k0, k1, p, ldp, bias, first, c, col);
        col += 2 * kLanes;
    }
    if (col + kLanes <= colEnd)
        tile<MR, 1>(a, k0, k1, p, ldp, bias, first, c, col);
}

using RowBlockFn = void (*)(const float* const*, int64_t, int64_t, const float*, int64_t, const float*, bool,
                            float* const*, int64_t, int64_t) noexcept;
constexpr RowBlockFn kRowBlocks[7] = {nullptr,       &rowBlock<1>, &rowBlock<2>, &rowBlock<3>,
                                      &rowBlock<4>, &rowBlock<5>, &rowBlock<6>};

} // namespace

Panel packPanel(const float* W, int64_t rows, int64_t U, int64_t u0, int64_t nu, const float* bias)
{
    Panel p;
    p.u0 = u0;
    p.nu = nu;
    p.nuPad = padUnits(nu);
    p.rows = rows;
    p.w.assign(size_t(rows * p.ld()), 0.0f);
    p.bias.assign(size_t(p.ld()), 0.0f);
    for (int64_t k = 0; k < rows; ++k)
        for (int g = 0; g < 3; ++g)
            std::memcpy(p.w.data() + k * p.ld() + g * p.nuPad, W + k * 3 * U + g * U + u0, size_t(nu) * sizeof(float));
    if (bias)
        for (int g = 0; g < 3; ++g)
            std::memcpy(p.bias.data() + g * p.nuPad, bias + g * U + u0, size_t(nu) * sizeof(float));
    return p;
}

void gemmRows(int64_t rows, const float* const* a, int64_t K, const float* p, int64_t ldp, int64_t n,
              const float* bias, float* const* c) noexcept
{
    if (rows <= 0)
        return;
    if (rows == 1) {
        // A matrix-vector product reuses nothing: walk P once, in strips as wide as the tile.
        rowBlock<1>(a, 0, K, p, ldp, bias, true, c, 0, n);
        return;
    }
    // The usual GEMM blocking (Goto & van de Geijn), for this machine's caches: a block of k
    // (kc) and a chunk of rows (mc) whose rows of A stay in L2 while every strip of P (kc × 64
    // floats, 32 KiB) passes under them from L1. Rows are cut into nearly equal blocks of at
    // most 6, so no block is left with one or two rows and too few chains to hide FMA latency.
    constexpr int64_t kc = 128, mc = 96, strip = 4 * kLanes;
    for (int64_t k0 = 0; k0 < K || k0 == 0; k0 += kc) {
        const int64_t k1 = std::min(K, k0 + kc);
        const bool first = k0 == 0;
        for (int64_t m0 = 0; m0 < rows; m0 += mc) {
            const int64_t m = std::min(mc, rows - m0);
            const int64_t blocks = (m + 5) / 6, base = m / blocks, extra = m % blocks;
            for (int64_t col = 0; col < n; col += strip) {
                const int64_t colEnd = std::min(n, col + strip);
                int64_t r = m0;
                for (int64_t blk = 0; blk < blocks; ++blk) {
                    const int64_t mr = base + (blk < extra ? 1 : 0);
                    kRowBlocks[mr](a + r, k0, k1, p, ldp, bias, first, c + r, col, colEnd);
                    r += mr;
                }
            }
        }
        if (k1 >= K)
            break;
    }
}

double fmaPeakGflops(double seconds) noexcept
{
    // 12 independent chains: enough to cover the FMA latency on two FMA ports. The multiplier is
    // just below 1 and the addend small, so the values stay finite however long it runs.
    constexpr int kChains = 12;
    V acc[kChains];
    for (int i = 0; i < kChains; ++i)
        acc[i] = vset1(float(i) * 1e-3f);
    const V m = vset1(0.999999f), add = vset1(1e-7f);
    const auto t0 = std::chrono::steady_clock::now();
    int64_t iterations = 0;
    double elapsed = 0;
    do {
        for (int k = 0; k < 4096; ++k)
            GRUSCOPE_UNROLL
            for (int i = 0; i < kChains; ++i)
                acc[i] = vfma(acc[i], m, add);
        iterations += 4096;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (elapsed < seconds);
    float sink[kLanes];
    V sum = acc[0];
    for (int i = 1; i < kChains; ++i)
        sum = vfma(acc[i], vset1(1.0f), sum);
    vstore(sink, sum);
    volatile float keep = sink[0]; // the loop must not be optimised away
    (void)keep;
    return double(iterations) * kChains * kLanes * 2.0 / elapsed / 1e9;
}

} // namespace gruscope::detail::cpugemm
