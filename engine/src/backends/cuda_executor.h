// The seam between the cuda backend's host logic (backends/cuda.cpp) and GruScope's own CUDA
// kernels (gpu/cuda/). The kernels run the Keras generic loop itself, every configuration the
// engine supports: both reset_after variants, every activation (softmax over the units
// included), masks of any shape with Keras's output rules, input and recurrent dropout masks.
//
// On the device, for a call of B samples and T steps:
//   1. one GEMM over all steps first: XP = (x ⊙ m_g)·K + b_in   ((B·T) × 3U, rows in x's layout)
//   2. the recurrent loop: one thread block per sample walks the steps (a launch covers a chunk
//      of steps, so a call can be cancelled between chunks), h and the gates in shared memory.
#pragma once

#include "gruscope/activations.h"
#include "gruscope/layer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gruscope::detail {

struct CudaCell {
    int64_t I = 0, U = 0;
    bool resetAfter = true, useBias = true;
    ActivationKind act = ActivationKind::Tanh, recAct = ActivationKind::Sigmoid;
    Flavor flavor = Flavor::Keras3;
};

// One call. Host pointers; null where a part is absent.
struct CudaForward {
    int64_t B = 0, T = 0;
    bool timeMajor = false;                 // x is (T, B, I), else (B, T, I)
    bool goBackwards = false, returnSequences = false, zeroOutputForMask = false;
    const float* x = nullptr;               // B·T·I
    const uint8_t* mask = nullptr;          // (B, T), original time, 1 = keep
    int inputMaskCount = 0;                 // 0, 1 ((B, I)) or 3 (per gate z, r, h)
    const float* inputMasks = nullptr;
    int recMaskCount = 0;                   // 0 or 3 ((B, U) per gate)
    const float* recMasks = nullptr;
    const float* h0 = nullptr;              // (B, U)
    float* output = nullptr;                // Keras's output: with return_sequences element (b, s, u) at b·outStrideB + s·outStrideS + u; else (B, U)
    int64_t outStrideB = 0, outStrideS = 0;
    float* state = nullptr;                 // (B, U) final state
    // States after each step of [recordBegin, recordEnd) for the samples in recordSamples, into
    // records (S × (recordEnd − recordBegin) × U): what the trace is rebuilt from.
    std::vector<int32_t> recordSamples;
    int64_t recordBegin = 0, recordEnd = 0;
    float* records = nullptr;
    CallProgress* progress = nullptr;       // checked between chunks of steps
};

struct CudaDeviceMemory {
    uint64_t freeBytes = 0, totalBytes = 0;
    int64_t maxUnits = 0; // the largest U whose per-sample working set fits a block's shared memory
};

struct CudaTimes {
    double hostToDevice = 0, compute = 0, deviceToHost = 0; // seconds
};

// Every call returns "" on success or what went wrong, in words.
class CudaExecutor {
public:
    virtual ~CudaExecutor() = default;
    virtual std::string describe() const = 0;
    virtual std::string memory(CudaDeviceMemory& out) noexcept = 0;
    // Keras-layout weights to the device, kept until the next upload.
    virtual std::string uploadWeights(const CudaCell& cell, const GruWeights& weights) noexcept = 0;
    // Returns "cancelled" when progress->cancel was set between chunks.
    virtual std::string forward(const CudaForward& call, CudaTimes& times) noexcept = 0;
};

// The device executor (gpu/cuda/cuda_executor.cpp); null in builds without the GPU backend.
std::unique_ptr<CudaExecutor> makeDeviceCudaExecutor();

} // namespace gruscope::detail
