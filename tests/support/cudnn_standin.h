// A CPU stand-in for cuDNN behind the cudnn backend's executor interface: the equations and data
// layout cuDNN documents for CUDNN_GRU with CUDNN_RNN_DOUBLE_BIAS and padded I/O, computed on the
// CPU, so that the backend's host logic (packing, lengths, reversal, post-processing, state carry,
// memory estimate) is tested on machines without a GPU.
//
//   r  = σ(W_r·x + R_r·h + b_Wr + b_Rr)         (cuDNN's gate order: r, z, h')
//   z  = σ(W_z·x + R_z·h + b_Wz + b_Rz)
//   h' = tanh(W_h·x + b_Wh + r ⊙ (R_h·h + b_Rh))
//   h  = (1 − z) ⊙ h' + z ⊙ h_prev
// for steps t < length of each sample; y at t ≥ length is the padding fill 0 and hy is the state
// at the last valid step. The weight layout it reports is deliberately not the canonical order
// (biases first, matrices shuffled, gaps between regions): a packer that assumed an order, rather
// than reading the regions, would fail the tests.
#pragma once

#include "backends/cudnn_executor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gstest {

class CudnnStandIn final : public gruscope::detail::CudnnExecutor {
public:
    struct Counters {
        int setups = 0, uploads = 0, forwards = 0;
    };
    // Shared with the test, which keeps a pointer after handing the stand-in to a backend.
    struct Control {
        uint64_t freeBytes = uint64_t(8) << 30, totalBytes = uint64_t(8) << 30;
        Counters counters;
        gruscope::detail::CudnnSetup lastSetup;
        gruscope::detail::CudnnProblem lastProblem;
    };

    explicit CudnnStandIn(Control* control) : m_control(control) {}

    std::string describe() const override { return "CPU stand-in for cuDNN"; }
    std::string setup(const gruscope::detail::CudnnSetup& setup, gruscope::detail::CudnnWeightLayout& layout) noexcept override;
    std::string uploadWeights(const std::vector<float>& weightSpace) noexcept override;
    std::string querySizes(const gruscope::detail::CudnnProblem& problem, gruscope::detail::CudnnSizes& sizes) noexcept override;
    std::string forward(const gruscope::detail::CudnnProblem& problem, const float* x, const float* hx, float* y, float* hy,
                        gruscope::detail::CudnnTimes& times) noexcept override;

private:
    Control* m_control;
    gruscope::detail::CudnnSetup m_setup;
    gruscope::detail::CudnnWeightLayout m_layout;
    std::vector<float> m_weights;
};

} // namespace gstest
