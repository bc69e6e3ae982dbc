// GruScope's CUDA kernels: the Keras GRU generic loop on the GPU, for every configuration the
// engine supports (the equations are those of backends/cell_math.h, in float32):
//   z  = σ(xp_z + (h⊙n_z)·R_z + b_rec,z)        r = σ(xp_r + (h⊙n_r)·R_r + b_rec,r)
//   reset_after:       h~ = φ(xp_h + r ⊙ ((h⊙n_h)·R_h + b_rec,h))
//   reset_after=False: h~ = φ(xp_h + (r ⊙ h ⊙ n_h)·R_h)
//   h' = z ⊙ h + (1 − z) ⊙ h~
// where xp = (x⊙m)·K + b_in comes from one projection GEMM over all steps, σ is
// recurrent_activation and φ activation (any Keras activation; softmax over the units).
// Keras's masking: a kept step takes h' as state and output; a masked step keeps the state and
// outputs the previous output (0 before the first step) or 0 with zero_output_for_mask.
#include "gpu/cuda/gru_kernels.h"

#include "gruscope/activations.h"
#include "gruscope/flavor.h"

#include <cfloat>

namespace gruscope::gpu {
namespace {

// ---- activations, as core/activations.cpp defines them (float32) --------------------------------

__device__ float sigmoidf(float x)
{
    return x >= 0.0f ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
}

__device__ float softplusf(float x)
{
    return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); // log(1 + e^x) without overflow
}

__device__ float hardSigmoidf(float x, int flavor)
{
    // Keras 3: relu6(x + 3) / 6; tf.keras: clip(0.2·x + 0.5, 0, 1).
    const float y = flavor == int(Flavor::Keras3) ? x / 6.0f + 0.5f : 0.2f * x + 0.5f;
    return fminf(fmaxf(y, 0.0f), 1.0f);
}

__device__ float activate(int kind, int flavor, float x)
{
    constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
    constexpr float kSeluScale = 1.0507009873554804934193349852946f;
    constexpr float kInvSqrt2 = 0.70710678118654752440f;
    switch (ActivationKind(kind)) {
    case ActivationKind::Tanh: return tanhf(x);
    case ActivationKind::Sigmoid: return sigmoidf(x);
    case ActivationKind::HardSigmoid: return hardSigmoidf(x, flavor);
    case ActivationKind::Linear: return x;
    case ActivationKind::Relu: return fmaxf(x, 0.0f);
    case ActivationKind::Relu6: return fminf(fmaxf(x, 0.0f), 6.0f);
    case ActivationKind::Elu: return x > 0.0f ? x : expm1f(x);
    case ActivationKind::Selu: return kSeluScale * (x > 0.0f ? x : kSeluAlpha * expm1f(x));
    case ActivationKind::Gelu: return 0.5f * x * (1.0f + erff(x * kInvSqrt2));
    case ActivationKind::Silu: return x * sigmoidf(x);
    case ActivationKind::Softplus: return softplusf(x);
    case ActivationKind::Softsign: return x / (1.0f + fabsf(x));
    case ActivationKind::Exponential: return expf(x);
    case ActivationKind::HardSilu: return x * hardSigmoidf(x, int(Flavor::Keras3));
    case ActivationKind::LeakyRelu: return x >= 0.0f ? x : 0.2f * x;
    case ActivationKind::LogSigmoid: return -softplusf(-x);
    case ActivationKind::Mish: return x * tanhf(softplusf(x));
    case ActivationKind::Celu: return x > 0.0f ? x : expm1f(x);
    case ActivationKind::Softmax: return x; // not elementwise: see activateUnits
    }
    return x;
}

// Block-wide reductions over the threads of a block (scratch: 32 floats of shared memory).
__device__ float blockReduce(float v, bool isMax, float* scratch)
{
    for (int o = 16; o > 0; o >>= 1) {
        const float w = __shfl_down_sync(0xffffffffu, v, o);
        v = isMax ? fmaxf(v, w) : v + w;
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    __syncthreads();
    if (lane == 0)
        scratch[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < warps ? scratch[lane] : (isMax ? -FLT_MAX : 0.0f);
        for (int o = 16; o > 0; o >>= 1) {
            const float w = __shfl_down_sync(0xffffffffu, v, o);
            v = isMax ? fmaxf(v, w) : v + w;
        }
        if (lane == 0)
            scratch[0] = v;
    }
    __syncthreads();
    const float r = scratch[0];
    __syncthreads();
    return r;
}

// The activation over the U values of one sample in shared memory (every thread calls it).
__device__ void activateUnits(int kind, int flavor, float* v, int U, float* scratch)
{
    if (ActivationKind(kind) != ActivationKind::Softmax) {
        for (int j = threadIdx.x; j < U; j += blockDim.x)
            v[j] = activate(kind, flavor, v[j]);
        __syncthreads();
        return;
    }
    // softmax over the units: e^(x − max) / Σ e^(x − max)
    float m = -FLT_MAX;
    for (int j = threadIdx.x; j < U; j += blockDim.x)
        m = fmaxf(m, v[j]);
    m = blockReduce(m, true, scratch);
    float s = 0.0f;
    for (int j = threadIdx.x; j < U; j += blockDim.x) {
        v[j] = expf(v[j] - m);
        s += v[j];
    }
    s = blockReduce(s, false, scratch);
    for (int j = threadIdx.x; j < U; j += blockDim.x)
        v[j] /= s;
    __syncthreads();
}

// ---- the input projection: one tiled GEMM over all steps ------------------------------------------

constexpr int kTile = 16;

__global__ void projectionKernel(ProjectionArgs a)
{
    __shared__ float xs[kTile][kTile + 1];
    __shared__ float ks[kTile][kTile + 1];
    const int G = 3 * a.U, rows = a.B * a.T;
    const int row = blockIdx.y * kTile + threadIdx.y, col = blockIdx.x * kTile + threadIdx.x;
    // The gate of this block's columns decides the dropout mask; a tile may straddle two gates,
    // so each thread applies the mask of its own column while loading x for its row.
    const int b = row < rows ? (a.timeMajor ? row % a.B : row / a.T) : 0;
    float acc = 0.0f;
    for (int i0 = 0; i0 < a.I; i0 += kTile) {
        // xs[r][c] = x[row r of the tile, input i0 + c]; masks follow the column thread's gate below.
        const int xr = blockIdx.y * kTile + threadIdx.y, xc = i0 + threadIdx.x;
        xs[threadIdx.y][threadIdx.x] = xr < rows && xc < a.I ? a.x[size_t(xr) * a.I + xc] : 0.0f;
        const int kr = i0 + threadIdx.y;
        ks[threadIdx.y][threadIdx.x] = kr < a.I && col < G ? a.kernel[size_t(kr) * G + col] : 0.0f;
        __syncthreads();
        if (a.maskCount == 0) {
            for (int k = 0; k < kTile; ++k)
                acc += xs[threadIdx.y][k] * ks[k][threadIdx.x];
        } else {
            const int g = a.maskCount == 3 && col < G ? col / a.U : 0;
            const float* m = a.masks + (size_t(g) * a.B + b) * a.I;
            for (int k = 0; k < kTile && i0 + k < a.I; ++k)
                acc += xs[threadIdx.y][k] * m[i0 + k] * ks[k][threadIdx.x];
        }
        __syncthreads();
    }
    if (row < rows && col < G)
        a.xp[size_t(row) * G + col] = acc + (a.bias ? a.bias[col] : 0.0f);
}

// ---- the recurrent loop -----------------------------------------------------------------------------

// Shared memory per block: h, z, r, the candidate and the recurrent part of h~ (U each), 32 floats
// of reduction scratch.
__global__ void recurrentKernel(RecurrentArgs a)
{
    extern __shared__ float shared[];
    const int U = a.U, G = 3 * U, b = blockIdx.x;
    float* hs = shared;       // h_{t−1}
    float* zs = hs + U;       // pre_z, then z
    float* rs = zs + U;       // pre_r, then r
    float* cs = rs + U;       // pre_h, then h~
    float* rec = cs + U;      // (h⊙n_h)·R_h + b_rec,h (reset_after), or r ⊙ h ⊙ n_h (reset_after=False)
    float* scratch = rec + U; // 32 floats
    const float* nz = a.recMasks ? a.recMasks + (size_t(0) * a.B + b) * U : nullptr;
    const float* nr = a.recMasks ? a.recMasks + (size_t(1) * a.B + b) * U : nullptr;
    const float* nh = a.recMasks ? a.recMasks + (size_t(2) * a.B + b) * U : nullptr;
    float* h = a.h + size_t(b) * U;
    float* prev = a.prevOut + size_t(b) * U;
    const int slot = a.recordSlot ? a.recordSlot[b] : -1;
    const int W = a.recordEnd - a.recordBegin;

    for (int j = threadIdx.x; j < U; j += blockDim.x)
        hs[j] = h[j];
    __syncthreads();

    for (int s = a.stepBegin; s < a.stepEnd; ++s) {
        const int t = a.goBackwards ? a.T - 1 - s : s;
        const float* xp = a.xp + (a.timeMajor ? size_t(t) * a.B + b : size_t(b) * a.T + t) * G;
        // z, r and the recurrent part of the candidate: each thread owns units j.
        for (int j = threadIdx.x; j < U; j += blockDim.x) {
            float hz = 0.0f, hr = 0.0f, hh = 0.0f;
            for (int k = 0; k < U; ++k) {
                const float* Rk = a.recurrentKernel + size_t(k) * G;
                const float hk = hs[k];
                hz += (nz ? hk * nz[k] : hk) * Rk[j];
                hr += (nr ? hk * nr[k] : hk) * Rk[U + j];
                if (a.resetAfter)
                    hh += (nh ? hk * nh[k] : hk) * Rk[2 * U + j];
            }
            const float* br = a.recurrentBias;
            zs[j] = xp[j] + hz + (br ? br[j] : 0.0f);
            rs[j] = xp[U + j] + hr + (br ? br[U + j] : 0.0f);
            if (a.resetAfter)
                rec[j] = hh + (br ? br[2 * U + j] : 0.0f);
        }
        __syncthreads();
        activateUnits(a.recAct, a.flavor, zs, U, scratch);
        activateUnits(a.recAct, a.flavor, rs, U, scratch);
        if (!a.resetAfter) {
            // (r ⊙ h ⊙ n_h)·R_h needs r of every unit first.
            for (int j = threadIdx.x; j < U; j += blockDim.x)
                rec[j] = rs[j] * hs[j] * (nh ? nh[j] : 1.0f);
            __syncthreads();
            for (int j = threadIdx.x; j < U; j += blockDim.x) {
                float acc = 0.0f;
                for (int k = 0; k < U; ++k)
                    acc += rec[k] * a.recurrentKernel[size_t(k) * G + 2 * U + j];
                cs[j] = xp[2 * U + j] + acc;
            }
        } else {
            for (int j = threadIdx.x; j < U; j += blockDim.x)
                cs[j] = xp[2 * U + j] + rs[j] * rec[j];
        }
        __syncthreads();
        activateUnits(a.act, a.flavor, cs, U, scratch);

        const bool keep = !a.mask || a.mask[size_t(b) * a.T + t];
        for (int j = threadIdx.x; j < U; j += blockDim.x) {
            float o;
            if (keep) {
                const float hn = zs[j] * hs[j] + (1.0f - zs[j]) * cs[j];
                hs[j] = hn; // every thread read hs[k] for all k before the syncs above
                o = hn;
            } else {
                o = a.zeroOutputForMask ? 0.0f : prev[j];
            }
            prev[j] = o;
            if (a.returnSequences)
                a.out[size_t(b) * a.outStrideB + size_t(s) * a.outStrideS + j] = o;
            if (slot >= 0 && s >= a.recordBegin && s < a.recordEnd)
                a.records[(size_t(slot) * W + (s - a.recordBegin)) * U + j] = hs[j];
        }
        __syncthreads();
    }
    for (int j = threadIdx.x; j < U; j += blockDim.x)
        h[j] = hs[j];
}

} // namespace

std::string launchProjection(const ProjectionArgs& a, cudaStream_t stream)
{
    const int rows = a.B * a.T, G = 3 * a.U;
    const dim3 block(kTile, kTile), grid((G + kTile - 1) / kTile, (rows + kTile - 1) / kTile);
    projectionKernel<<<grid, block, 0, stream>>>(a);
    const cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? std::string() : std::string("projection kernel: ") + cudaGetErrorString(e);
}

size_t recurrentSharedBytes(int U)
{
    return (size_t(5) * size_t(U) + 32) * sizeof(float);
}

int recurrentThreads(int U)
{
    const int warps = (U + 31) / 32;
    return warps >= 8 ? 256 : warps * 32; // up to 8 warps; each thread walks several units
}

std::string launchRecurrent(const RecurrentArgs& a, cudaStream_t stream)
{
    const size_t shared = recurrentSharedBytes(a.U);
    if (shared > 48 * 1024) {
        const cudaError_t e = cudaFuncSetAttribute(recurrentKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared));
        if (e != cudaSuccess)
            return std::string("recurrent kernel: ") + std::to_string(shared) + " bytes of shared memory: " + cudaGetErrorString(e);
    }
    recurrentKernel<<<a.B, recurrentThreads(a.U), shared, stream>>>(a);
    const cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? std::string() : std::string("recurrent kernel: ") + cudaGetErrorString(e);
}

} // namespace gruscope::gpu
