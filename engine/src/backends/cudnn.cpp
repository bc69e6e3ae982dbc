// The cudnn backend: Keras's fast GPU path, cudnnRNNForward with CUDNN_GRU, run the way Keras
// runs it and post-processed to what the generic loop returns. Everything here is host logic;
// the device work sits behind CudnnExecutor (cudnn_executor.h), so the CPU stand-in of the tests
// exercises every line of this file.
//
// What Keras does around the cuDNN call (tf_keras gru.py gpu_gru, keras/src/backend/tensorflow/
// rnn.py _cudnn_gru), and what this file does the same way:
//   - weights: gate blocks z, r, h reordered to r, z, h and transposed (packCudnnWeights);
//   - a right-padded mask becomes per-sample lengths L_b (padded I/O, paddingFill 0);
//   - go_backwards: x reversed within each length (reverse_sequence), the result reversed back;
//   - input dropout in training: applied to x before the call (Keras 3: one (B, I) mask; tf.keras:
//     a mask per timestep, already in the prepared x); recurrent dropout makes a call ineligible.
// Then the outputs are brought to the generic loop's values, which is what Keras returns off the
// GPU and what GruScope's other backends return: at padded steps cuDNN writes 0 where the loop
// repeats the last output (0 only with zero_output_for_mask). GpuOptions::rawPaddedOutputs keeps
// cuDNN's values, as Keras's cuDNN path returns them (its last output is then the final state).
#include "backends/backend.h"
#include "backends/cudnn_executor.h"
#include "backends/gpu_host.h"

#include "gruscope/device.h"
#include "gruscope/eligibility.h"
#include "gruscope/error.h"

#include <algorithm>
#include <cstring>

namespace gruscope::detail {

std::vector<float> packCudnnWeights(const GruWeights& w, int64_t U, const CudnnWeightLayout& layout)
{
    const int64_t I = w.inputSize(), G = 3 * U;
    auto bad = [&](const std::string& what) {
        return Error(ErrorCode::Internal, "cuDNN reported a weight layout GruScope does not expect: " + what);
    };
    for (int id = 0; id < 6; ++id) {
        const WeightRegion& m = layout.matrix[id];
        const WeightRegion& b = layout.bias[id];
        const int64_t cols = id < 3 ? I : U;
        if (m.rows != U || m.cols != cols)
            throw bad("matrix " + std::to_string(id) + " is " + std::to_string(m.rows) + " × " + std::to_string(m.cols) +
                      ", expected " + std::to_string(U) + " × " + std::to_string(cols));
        if (b.rows != U || b.cols != 1)
            throw bad("bias " + std::to_string(id) + " has " + std::to_string(b.rows) + " × " + std::to_string(b.cols) +
                      " values, expected " + std::to_string(U));
        for (const WeightRegion* r : {&m, &b})
            if (r->offset < 0 || r->offset + r->rows * r->cols > layout.floats)
                throw bad("region " + std::to_string(id) + " lies outside the weight space of " +
                          std::to_string(layout.floats) + " floats");
    }
    std::vector<float> space(size_t(layout.floats), 0.0f);
    const bool hasBias = !w.bias.data.empty();
    const bool twoRows = w.bias.rank() == 2;
    constexpr int kKerasBlock[3] = {1, 0, 2}; // cuDNN slot r, z, h ← Keras block z(0), r(1), h(2)
    for (int s = 0; s < 3; ++s) {
        const int64_t g = kKerasBlock[s];
        float* W = space.data() + layout.matrix[s].offset;
        float* R = space.data() + layout.matrix[3 + s].offset;
        float* bW = space.data() + layout.bias[s].offset;
        float* bR = space.data() + layout.bias[3 + s].offset;
        for (int64_t j = 0; j < U; ++j) {
            for (int64_t i = 0; i < I; ++i)
                W[j * I + i] = w.kernel.data[size_t(i * G + g * U + j)];
            for (int64_t k = 0; k < U; ++k)
                R[j * U + k] = w.recurrentKernel.data[size_t(k * G + g * U + j)];
            if (hasBias) {
                bW[j] = w.bias.data[size_t(g * U + j)];
                bR[j] = twoRows ? w.bias.data[size_t(G + g * U + j)] : 0.0f;
            }
        }
    }
    return space;
}

namespace {

class CudnnBackend final : public Backend {
public:
    CudnnBackend(std::unique_ptr<CudnnExecutor> executor, DeviceInfo device)
        : m_exec(std::move(executor)), m_device(std::move(device))
    {
    }

    BackendKind kind() const noexcept override { return BackendKind::Cudnn; }

    // Nothing touches the device until a call needs it: making the backend (auto asks every
    // backend whether it supports a call) must work on machines without a GPU.
    void prepare(const GruConfig&, const GruWeights&) override { m_uploaded = false; }

    BackendSupport supports(const PreparedCall& p) const override
    {
        BackendSupport s;
        if (!gpuCallPossible(m_exec != nullptr, m_device.present, m_device, p, "cuDNN's", s))
            return s;
        // Keras's conditions, on this call's mask (already in (B, T) layout) and the device.
        GruConfig c = *p.config;
        c.time_major = false;
        EligibilityContext ctx;
        ctx.flavor = p.flavor;
        ctx.training = p.training;
        s.eligibility = checkCudnnEligibility(c, p.mask ? &p.maskStore : nullptr, m_device, ctx);
        if (!s.eligibility->eligible) {
            std::string why;
            for (const EligibilityCondition& e : s.eligibility->conditions)
                if (!e.ok)
                    why += (why.empty() ? "" : "; ") + e.reason + (e.fix.empty() ? "" : " (fix: " + e.fix + ")");
            s.reason = "Keras would not run this call through cuDNN: " + why;
            return s;
        }
        if (p.inputMaskCount == 3) {
            s.reason = "per-gate input dropout masks (implementation=1) cannot be applied before a cuDNN call";
            return s;
        }
        s.ok = true;
        s.reason = "eligible; " + m_exec->describe();
        return s;
    }

    void reserve(const PreparedCall& p, RunResult&) override
    {
        const CudnnSetup setup{p.I, p.U, p.gpu.allowTf32, p.gpu.algo};
        if (!m_uploaded || !(setup == m_setup)) {
            check(m_exec->setup(setup, m_layout), "setting up the RNN descriptor");
            check(m_exec->uploadWeights(packCudnnWeights(*p.weights, p.U, m_layout)), "uploading the weights");
            m_setup = setup;
            m_uploaded = true;
        }
        m_problem.B = p.B;
        m_problem.T = p.T;
        m_problem.seqMajor = p.timeMajor;
        m_problem.lengths = keptLengths(p);
        for (size_t b = 0; b < m_problem.lengths.size(); ++b)
            if (m_problem.lengths[b] < 1)
                throw Error(ErrorCode::Unsupported, "sample " + std::to_string(b) + " is fully masked; cuDNN cannot run a zero-length sequence");

        CudnnSizes sizes;
        check(m_exec->querySizes(m_problem, sizes), "asking cuDNN for its workspace size");
        const uint64_t f = sizeof(float), B = uint64_t(p.B), T = uint64_t(p.T);
        requireDeviceMemory("cudnn",
                            {{"inputs", B * T * uint64_t(p.I) * f},
                             {"outputs", B * T * uint64_t(p.U) * f},
                             {"initial and final state", 2 * B * uint64_t(p.U) * f},
                             {"lengths", B * sizeof(int32_t)},
                             {"weights", sizes.weightSpaceBytes},
                             {"workspace", sizes.workSpaceBytes + sizes.reserveSpaceBytes}},
                            sizes.freeDeviceBytes, sizes.totalDeviceBytes, m_exec->describe());
        m_x.resize(size_t(B * T * uint64_t(p.I)));
        m_y.resize(size_t(B * T * uint64_t(p.U)));
        m_hy.resize(size_t(B * uint64_t(p.U)));
        m_zeros.assign(size_t(p.U), 0.0f);
        m_rebuild.reserve(p);
    }

    RunStatus run(const PreparedCall& p, RunResult& result) noexcept override
    {
        if (p.stop(0))
            return RunStatus::cancelled();
        stageInputs(p);
        CudnnTimes times;
        const std::string err = m_exec->forward(m_problem, m_x.data(), p.h0.data(), m_y.data(), m_hy.data(), times);
        if (!err.empty())
            return RunStatus::failed(ErrorCode::DeviceUnavailable, "cudnnRNNForward: " + err);
        result.transferSeconds = times.hostToDevice + times.deviceToHost;
        result.deviceSeconds = times.forward;

        const int64_t B = p.B, T = p.T, U = p.U;
        const size_t rowBytes = size_t(U) * sizeof(float);
        for (int64_t b = 0; b < B; ++b) {
            if (p.returnSequences) {
                for (int64_t s = 0; s < T; ++s)
                    std::memcpy(result.output.ptr() + b * p.outStrideB + s * p.outStrideS, outputAt(p, b, s), rowBytes);
            } else {
                const float* last = p.gpu.rawPaddedOutputs ? m_hy.data() + b * U : outputAt(p, b, T - 1);
                std::memcpy(result.output.ptr() + b * U, last, rowBytes);
            }
        }
        std::memcpy(result.state.ptr(), m_hy.data(), size_t(B) * rowBytes);
        m_rebuild.rebuild(p, [&](int64_t b, int64_t s) { return stateAfter(p, b, s); }, result);
        result.notes.push_back("cudnn: " + m_exec->describe() + (p.gpu.allowTf32 ? ", TF32 allowed" : ", FMA math (no TF32)"));
        return RunStatus::ok();
    }

private:
    static void check(const std::string& err, const char* doing)
    {
        if (!err.empty())
            throw Error(ErrorCode::DeviceUnavailable, std::string("cuDNN failed ") + doing + ": " + err);
    }

    int64_t length(int64_t b) const noexcept { return m_problem.lengths[size_t(b)]; }

    // Row k of cuDNN's output for sample b (k in cuDNN's own step order).
    const float* y(const PreparedCall& p, int64_t b, int64_t k) const noexcept
    {
        return m_y.data() + (m_problem.seqMajor ? k * p.B + b : b * p.T + k) * p.U;
    }

    // x as cuDNN takes it: with go_backwards each sample reversed within its length (TensorFlow's
    // reverse_sequence), Keras 3's input dropout mask applied.
    void stageInputs(const PreparedCall& p) noexcept
    {
        const int64_t B = p.B, T = p.T, I = p.I;
        for (int64_t b = 0; b < B; ++b) {
            const int64_t L = length(b);
            const float* m = p.inputMaskCount == 1 ? p.inputMasks.data() + b * I : nullptr;
            for (int64_t k = 0; k < T; ++k) {
                const int64_t t = p.goBackwards && k < L ? L - 1 - k : k;
                const float* src = p.x + b * p.xStrideB + t * p.xStrideT;
                float* dst = m_x.data() + (m_problem.seqMajor ? k * B + b : b * T + k) * I;
                if (m)
                    for (int64_t i = 0; i < I; ++i)
                        dst[i] = src[i] * m[i];
                else
                    std::memcpy(dst, src, size_t(I) * sizeof(float));
            }
        }
    }

    // Keras's output at processing step s. Without go_backwards: cuDNN's row s while s < L, then
    // the generic loop's repeat of the last output (0 with zero_output_for_mask, or cuDNN's own 0
    // when raw). With go_backwards the masked steps come first in processing order: s < T − L
    // outputs 0 (no output yet), then cuDNN's row s − (T − L) of the reversed sequence.
    const float* outputAt(const PreparedCall& p, int64_t b, int64_t s) const noexcept
    {
        const int64_t L = length(b);
        if (p.goBackwards) {
            const int64_t off = p.T - L;
            return s < off ? m_zeros.data() : y(p, b, s - off);
        }
        if (s < L)
            return y(p, b, s);
        return p.zeroOutputForMask || p.gpu.rawPaddedOutputs ? m_zeros.data() : y(p, b, L - 1);
    }

    // The layer's state after processing step s: masked steps keep it.
    const float* stateAfter(const PreparedCall& p, int64_t b, int64_t s) const noexcept
    {
        const int64_t L = length(b);
        if (p.goBackwards) {
            const int64_t off = p.T - L;
            return s < off ? p.h0.data() + b * p.U : y(p, b, s - off);
        }
        return y(p, b, std::min(s, L - 1));
    }

    std::unique_ptr<CudnnExecutor> m_exec;
    DeviceInfo m_device;
    CudnnSetup m_setup;
    CudnnWeightLayout m_layout;
    bool m_uploaded = false;
    CudnnProblem m_problem;
    std::vector<float> m_x, m_y, m_hy, m_zeros;
    TraceRebuilder m_rebuild;
};

} // namespace

std::unique_ptr<Backend> makeCudnnBackendWith(std::unique_ptr<CudnnExecutor> executor, DeviceInfo device)
{
    return std::make_unique<CudnnBackend>(std::move(executor), std::move(device));
}

std::unique_ptr<Backend> makeCudnnBackend()
{
    return makeCudnnBackendWith(makeDeviceCudnnExecutor(), probeDevice());
}

#ifndef GRUSCOPE_HAVE_GPU
std::unique_ptr<CudnnExecutor> makeDeviceCudnnExecutor()
{
    return nullptr;
}
#endif

} // namespace gruscope::detail
