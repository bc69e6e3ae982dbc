// The cuda backend: GruScope's own kernels for every configuration the engine supports, the GPU
// fallback Keras takes when cuDNN cannot run a layer (reset_after=False, other activations, masks
// with holes, recurrent dropout, unroll). Host logic only; the kernels sit behind CudaExecutor
// (cuda_executor.h). The device returns outputs, the final state and the states of the traced
// steps; the gates are rebuilt on the CPU from those states (gpu_host.h).
#include "backends/backend.h"
#include "backends/cuda_executor.h"
#include "backends/gpu_host.h"

#include "gruscope/device.h"
#include "gruscope/error.h"

#include <algorithm>

namespace gruscope::detail {
namespace {

class CudaBackend final : public Backend {
public:
    CudaBackend(std::unique_ptr<CudaExecutor> executor, DeviceInfo device)
        : m_exec(std::move(executor)), m_device(std::move(device))
    {
    }

    BackendKind kind() const noexcept override { return BackendKind::Cuda; }

    void prepare(const GruConfig&, const GruWeights&) override { m_uploaded = false; }

    BackendSupport supports(const PreparedCall& p) const override
    {
        BackendSupport s;
        if (!gpuCallPossible(m_exec != nullptr, m_device.cudaUsable, m_device, p, "the kernels'", s))
            return s;
        CudaDeviceMemory mem;
        if (const std::string err = m_exec->memory(mem); !err.empty()) {
            s.reason = "the GPU did not answer: " + err;
            return s;
        }
        if (p.U > mem.maxUnits) {
            s.reason = std::to_string(p.U) + " units need more shared memory per block than this GPU has (at most " +
                       std::to_string(mem.maxUnits) + " units)";
            return s;
        }
        s.ok = true;
        s.reason = m_exec->describe();
        return s;
    }

    void reserve(const PreparedCall& p, RunResult&) override
    {
        if (!m_uploaded) {
            CudaCell cell{p.I, p.U, p.config->reset_after, p.config->use_bias, p.act, p.recAct, p.flavor};
            if (const std::string err = m_exec->uploadWeights(cell, *p.weights); !err.empty())
                throw Error(ErrorCode::DeviceUnavailable, "the cuda backend could not upload the weights: " + err);
            m_uploaded = true;
        }
        // What the trace is rebuilt from: the states of the window and of the step before it.
        m_recordBegin = p.tracing() ? std::max<int64_t>(0, p.traceBegin - 1) : 0;
        m_recordEnd = p.tracing() ? p.traceEnd : 0;
        m_recordSamples.clear();
        if (p.tracing()) {
            m_recordSamples.assign(size_t(std::count_if(p.sampleSlot.begin(), p.sampleSlot.end(), [](int64_t v) { return v >= 0; })), 0);
            for (int64_t b = 0; b < p.B; ++b)
                if (p.sampleSlot[size_t(b)] >= 0)
                    m_recordSamples[size_t(p.sampleSlot[size_t(b)])] = int32_t(b);
        }
        const uint64_t S = m_recordSamples.size(), W = uint64_t(m_recordEnd - m_recordBegin);
        m_records.resize(size_t(S * W * uint64_t(p.U)));

        CudaDeviceMemory mem;
        if (const std::string err = m_exec->memory(mem); !err.empty())
            throw Error(ErrorCode::DeviceUnavailable, "the cuda backend could not read the GPU's free memory: " + err);
        const uint64_t f = sizeof(float), B = uint64_t(p.B), T = uint64_t(p.T), I = uint64_t(p.I), U = uint64_t(p.U);
        const uint64_t outRows = p.returnSequences ? B * T : B;
        requireDeviceMemory("cuda",
                            {{"inputs", B * T * I * f},
                             {"input projection", B * T * 3 * U * f},
                             {"outputs", outRows * U * f},
                             {"states", 3 * B * U * f},
                             {"weights", (I * 3 * U + U * 3 * U + 6 * U) * f},
                             {"masks", B * T + uint64_t(p.inputMaskCount) * B * I * f + uint64_t(p.recMaskCount) * B * U * f},
                             {"traced states", S * W * U * f}},
                            mem.freeBytes, mem.totalBytes, m_exec->describe());
        m_rebuild.reserve(p);
    }

    RunStatus run(const PreparedCall& p, RunResult& result) noexcept override
    {
        CudaForward f;
        f.B = p.B;
        f.T = p.T;
        f.timeMajor = p.timeMajor;
        f.goBackwards = p.goBackwards;
        f.returnSequences = p.returnSequences;
        f.zeroOutputForMask = p.zeroOutputForMask;
        f.x = p.x;
        f.mask = p.mask;
        f.inputMaskCount = p.inputMaskCount;
        f.inputMasks = p.inputMaskCount ? p.inputMasks.data() : nullptr;
        f.recMaskCount = p.recMaskCount;
        f.recMasks = p.recMaskCount ? p.recMasks.data() : nullptr;
        f.h0 = p.h0.data();
        f.output = result.output.ptr();
        f.outStrideB = p.outStrideB;
        f.outStrideS = p.outStrideS;
        f.state = result.state.ptr();
        f.recordSamples = m_recordSamples;
        f.recordBegin = m_recordBegin;
        f.recordEnd = m_recordEnd;
        f.records = m_records.data();
        f.progress = p.progress;
        CudaTimes times;
        const std::string err = m_exec->forward(f, times);
        if (err == "cancelled")
            return RunStatus::cancelled();
        if (!err.empty())
            return RunStatus::failed(ErrorCode::DeviceUnavailable, err);
        result.transferSeconds = times.hostToDevice + times.deviceToHost;
        result.deviceSeconds = times.compute;

        const int64_t W = m_recordEnd - m_recordBegin, U = p.U;
        m_rebuild.rebuild(
            p,
            [&](int64_t b, int64_t s) {
                return m_records.data() + (p.sampleSlot[size_t(b)] * W + (s - m_recordBegin)) * U;
            },
            result);
        result.notes.push_back("cuda: " + m_exec->describe());
        return RunStatus::ok();
    }

private:
    std::unique_ptr<CudaExecutor> m_exec;
    DeviceInfo m_device;
    bool m_uploaded = false;
    std::vector<int32_t> m_recordSamples;
    int64_t m_recordBegin = 0, m_recordEnd = 0;
    std::vector<float> m_records;
    TraceRebuilder m_rebuild;
};

} // namespace

std::unique_ptr<Backend> makeCudaBackend()
{
    return std::make_unique<CudaBackend>(makeDeviceCudaExecutor(), probeDevice());
}

#ifndef GRUSCOPE_HAVE_GPU
std::unique_ptr<CudaExecutor> makeDeviceCudaExecutor()
{
    return nullptr;
}
#endif

} // namespace gruscope::detail
