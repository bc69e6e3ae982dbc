// The seam between the cudnn backend's host logic (backends/cudnn.cpp: eligibility, weight
// packing, lengths, go_backwards reversal, Keras's output semantics, memory estimate, trace
// rebuild) and the device. gpu/cuda/cudnn_executor.cpp implements it with cuDNN 9; the tests
// implement it with a CPU stand-in that follows cuDNN's documented equations and layout, so
// every line of host logic runs in CI on machines without a GPU.
//
// cuDNN's GRU (CUDNN_GRU, CUDNN_RNN_DOUBLE_BIAS), gate order r, z ("i" in cuDNN's naming), h':
//   r  = σ(W_r·x + R_r·h + b_Wr + b_Rr)
//   z  = σ(W_z·x + R_z·h + b_Wz + b_Rz)
//   h' = tanh(W_h·x + b_Wh + r ⊙ (R_h·h + b_Rh))
//   h  = (1 − z) ⊙ h' + z ⊙ h_prev
// which is Keras's reset_after=True cell with the gate blocks z, r, h reordered and every
// matrix transposed (W_g is U × I: "out × in").
#pragma once

#include "gruscope/layer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gruscope::detail {

// A matrix (rows × cols, row-major) or a bias vector (rows, cols = 1) inside cuDNN's weight
// space, in floats from its start.
struct WeightRegion {
    int64_t offset = 0, rows = 0, cols = 0;
};

// cuDNN's linLayerID for CUDNN_GRU: 0 W_r, 1 W_z, 2 W_h (input matrices), 3 R_r, 4 R_z, 5 R_h
// (recurrent); the bias of ID k is b_W (k < 3) or b_R (k ≥ 3). Offsets are whatever
// cudnnGetRNNWeightParams reports: the packer never assumes an order.
struct CudnnWeightLayout {
    int64_t floats = 0; // size of the weight space
    WeightRegion matrix[6], bias[6];
};

// The layer-wide settings of the RNN descriptor.
struct CudnnSetup {
    int64_t I = 0, U = 0;
    bool allowTf32 = false;
    GpuOptions::CudnnAlgo algo = GpuOptions::CudnnAlgo::Standard;
    bool operator==(const CudnnSetup&) const = default;
};

// One call's data shape. seqMajor: x and y are (T, B, ·) (CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED),
// else (B, T, ·) (BATCH_MAJOR_UNPACKED). Lengths are per sample, 1 ≤ length ≤ T.
struct CudnnProblem {
    int64_t B = 0, T = 0;
    bool seqMajor = false;
    std::vector<int32_t> lengths;
};

struct CudnnSizes {
    uint64_t weightSpaceBytes = 0, workSpaceBytes = 0, reserveSpaceBytes = 0;
    uint64_t freeDeviceBytes = 0, totalDeviceBytes = 0;
};

struct CudnnTimes {
    double hostToDevice = 0, forward = 0, deviceToHost = 0; // seconds
};

// Every call returns "" on success or what went wrong, in words.
class CudnnExecutor {
public:
    virtual ~CudnnExecutor() = default;
    virtual std::string describe() const = 0; // "cuDNN 9.19.0 on NVIDIA H200", "CPU stand-in"
    // The RNN descriptor for this layer; fills the weight layout cuDNN reports.
    virtual std::string setup(const CudnnSetup& setup, CudnnWeightLayout& layout) noexcept = 0;
    // The packed weight space (layout.floats values), kept on the device until the next setup.
    virtual std::string uploadWeights(const std::vector<float>& weightSpace) noexcept = 0;
    // Sizes cuDNN needs for this problem (temp space) and what the device has free.
    virtual std::string querySizes(const CudnnProblem& problem, CudnnSizes& sizes) noexcept = 0;
    // cudnnRNNForward (inference): x (B·T·I) and y (B·T·U) in the problem's layout, hx and hy (B·U).
    // y at padded positions is 0 (paddingFill); hy is each sample's state at its last valid step.
    virtual std::string forward(const CudnnProblem& problem, const float* x, const float* hx, float* y, float* hy,
                                CudnnTimes& times) noexcept = 0;
};

// The cuDNN 9 executor (gpu/cuda/cudnn_executor.cpp); null in builds without the GPU backend.
std::unique_ptr<CudnnExecutor> makeDeviceCudnnExecutor();

// The cudnn backend over a given executor and device description (tests pass a stand-in).
std::unique_ptr<class Backend> makeCudnnBackendWith(std::unique_ptr<CudnnExecutor> executor, DeviceInfo device);

// Keras's kernel, recurrent_kernel and bias (2, 3U) into cuDNN's weight space as `layout` places
// them: for cuDNN gate slot s ∈ {0: r, 1: z, 2: h} and Keras block g = [1, 0, 2][s],
//   W_s[j, i] = K[i, g·U + j]   R_s[j, k] = R[k, g·U + j]   b_Ws[j] = bias[0, g·U + j]   b_Rs[j] = bias[1, g·U + j]
// Throws Error(Internal) when the layout does not have the shapes CUDNN_GRU must report.
std::vector<float> packCudnnWeights(const GruWeights& weights, int64_t units, const CudnnWeightLayout& layout);

} // namespace gruscope::detail
