// The cpu backend's matrix products, on weights packed once per layer into per-thread panels.
//
// A panel holds, for one thread's units [u0, u0+nu), the columns of the three gates of a Keras
// weight matrix (kernel I×3U or recurrent_kernel U×3U, gate order z, r, h), each gate padded to
// nuPad (a multiple of the vector width) so the products need no tail code:
//     panel[k][g·nuPad + j] = W[k][g·U + u0 + j]      (0 for j ≥ nu)
// Rows of a panel are contiguous, so a step streams only the thread's share of R, from its own
// cache, and the gate arithmetic of a unit finds its z, r and h columns in one place.
//
// gemmRows computes, for every listed row r (rows given by pointer, so masked samples and
// reordered time steps cost nothing to skip or gather):
//     C_r[j] = bias[j] + Σ_k A_r[k] · P[k·ldp + j]        j < n,  n a multiple of kLanes
// each C_r[j] one fused multiply-add chain over k in order, whatever the panel, the row count or
// the thread: splitting the units differently never changes a number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace gruscope::detail::cpugemm {

#if defined(__AVX512F__)
inline constexpr int kLanes = 16;
#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr int kLanes = 8;
#else
inline constexpr int kLanes = 4;
#endif

// Storage on 64-byte (cache line, AVX-512 vector) boundaries. With every gate block a multiple of
// kLanes floats, each thread's units start on a boundary too: no two threads write one cache
// line, and Eigen's activation kernels take the same vector path for a unit whatever the split.
template <class T>
struct AlignedAllocator {
    using value_type = T;
    AlignedAllocator() noexcept = default;
    template <class U>
    AlignedAllocator(const AlignedAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(64))); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t(64)); }
    template <class U>
    bool operator==(const AlignedAllocator<U>&) const noexcept { return true; }
};
using Floats = std::vector<float, AlignedAllocator<float>>;

inline int64_t padUnits(int64_t nu) noexcept { return (nu + kLanes - 1) / kLanes * kLanes; }

struct Panel {
    int64_t u0 = 0, nu = 0, nuPad = 0, rows = 0;
    Floats w;    // rows × ld()
    Floats bias; // ld(); zeros where the matrix has no bias
    int64_t ld() const noexcept { return 3 * nuPad; }
};

// W: rows × 3U, row-major (Keras layout). bias: 3U values or null.
Panel packPanel(const float* W, int64_t rows, int64_t U, int64_t u0, int64_t nu, const float* bias);

void gemmRows(int64_t rows, const float* const* a, int64_t K, const float* p, int64_t ldp, int64_t n,
              const float* bias, float* const* c) noexcept;

// One thread's peak multiply-add rate with this build's vectors, measured for about `seconds`.
double fmaPeakGflops(double seconds) noexcept;

} // namespace gruscope::detail::cpugemm
