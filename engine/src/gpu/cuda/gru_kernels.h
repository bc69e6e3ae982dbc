// Host-callable launchers of GruScope's CUDA kernels (gru_kernels.cu). Plain pointers into device
// memory; each returns "" on success or the launch error in words.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

namespace gruscope::gpu {

// XP = (x ⊙ m_g)·K + b_in over every (sample, step) row of x at once: rows = B·T in x's own
// layout (b·T + t, or t·B + b when timeMajor), 3U columns in the Keras blocks z | r | h. The input
// dropout masks (B, I) are one for all gates (maskCount 1) or one per gate (3); none with 0.
struct ProjectionArgs {
    int B = 0, T = 0, I = 0, U = 0;
    bool timeMajor = false;
    const float* x = nullptr;
    const float* kernel = nullptr; // (I, 3U)
    const float* bias = nullptr;   // 3U input bias, or null
    const float* masks = nullptr;
    int maskCount = 0;
    float* xp = nullptr;           // (B·T, 3U)
};
std::string launchProjection(const ProjectionArgs& a, cudaStream_t stream);

// The Keras generic loop for processing steps [stepBegin, stepEnd): one block per sample, the
// sample's state, gates and candidate in shared memory (sizes in recurrentSharedBytes).
struct RecurrentArgs {
    int B = 0, T = 0, U = 0;
    bool timeMajor = false, goBackwards = false, returnSequences = false, zeroOutputForMask = false;
    bool resetAfter = true;
    int act = 0, recAct = 0, flavor = 0; // gruscope::ActivationKind and Flavor as ints
    const float* xp = nullptr;             // from launchProjection
    const float* recurrentKernel = nullptr; // (U, 3U)
    const float* recurrentBias = nullptr;  // 3U (reset_after with bias), or null
    const uint8_t* mask = nullptr;         // (B, T) original time, or null
    const float* recMasks = nullptr;       // 3 × (B, U), or null
    float* h = nullptr;                    // (B, U): the state, updated in place
    float* prevOut = nullptr;              // (B, U): the last output (Keras's masking rule)
    float* out = nullptr;                  // with return_sequences, element (b, s, u) at b·outStrideB + s·outStrideS + u
    int64_t outStrideB = 0, outStrideS = 0;
    const int* recordSlot = nullptr;       // per sample: row in records, or −1
    float* records = nullptr;              // (S, recordEnd − recordBegin, U) states after each step
    int recordBegin = 0, recordEnd = 0;
    int stepBegin = 0, stepEnd = 0;
};
size_t recurrentSharedBytes(int U);
int recurrentThreads(int U);
std::string launchRecurrent(const RecurrentArgs& a, cudaStream_t stream);

} // namespace gruscope::gpu
