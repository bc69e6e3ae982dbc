// CudaExecutor on GruScope's own kernels (gru_kernels.cu): weights stay on the device between
// calls; a call copies its inputs in, runs the projection GEMM once and the recurrent kernel in
// chunks of steps (between chunks the host reports progress and honours a cancel), then copies
// outputs, the final state and the recorded states out.
#include "backends/cuda_executor.h"

#include "gpu/cuda/cuda_util.h"
#include "gpu/cuda/gru_kernels.h"
#include "gruscope/device.h"

#include <algorithm>
#include <memory>

namespace gruscope::detail {
namespace {

using gpu::cudaCheck;
using gpu::DeviceBuffer;

class DeviceCudaExecutor final : public CudaExecutor {
public:
    std::string describe() const override
    {
        const DeviceInfo& d = probeDevice();
        return "GruScope's CUDA kernels on " + (d.name.empty() ? std::string("the GPU") : d.name);
    }

    std::string memory(CudaDeviceMemory& out) noexcept override
    {
        size_t free = 0, total = 0;
        if (std::string err = cudaCheck(cudaMemGetInfo(&free, &total), "cudaMemGetInfo"); !err.empty())
            return err;
        int dev = 0, optin = 0;
        cudaGetDevice(&dev);
        cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev);
        out.freeBytes = free + held();
        out.totalBytes = total;
        // The recurrent kernel keeps 5U + 32 floats of one sample in shared memory.
        out.maxUnits = std::max<int64_t>(0, (int64_t(optin) / int64_t(sizeof(float)) - 32) / 5);
        return {};
    }

    std::string uploadWeights(const CudaCell& cell, const GruWeights& w) noexcept override
    {
        m_cell = cell;
        const size_t f = sizeof(float), I = size_t(cell.I), U = size_t(cell.U), G = 3 * U;
        std::string err = m_stream.init();
        if (err.empty())
            err = m_kernel.reserve(I * G * f, "cudaMalloc (kernel)");
        if (err.empty())
            err = m_recurrent.reserve(U * G * f, "cudaMalloc (recurrent_kernel)");
        if (err.empty())
            err = m_bias.reserve(2 * G * f, "cudaMalloc (bias)");
        if (err.empty())
            err = cudaCheck(cudaMemcpy(m_kernel.get(), w.kernel.ptr(), I * G * f, cudaMemcpyHostToDevice), "cudaMemcpy (kernel)");
        if (err.empty())
            err = cudaCheck(cudaMemcpy(m_recurrent.get(), w.recurrentKernel.ptr(), U * G * f, cudaMemcpyHostToDevice),
                            "cudaMemcpy (recurrent_kernel)");
        // bias: (2, 3U) with reset_after (input row, recurrent row), (3U,) without.
        m_hasInputBias = cell.useBias && !w.bias.data.empty();
        m_hasRecurrentBias = m_hasInputBias && cell.resetAfter && w.bias.rank() == 2;
        if (err.empty() && m_hasInputBias)
            err = cudaCheck(cudaMemcpy(m_bias.get(), w.bias.ptr(), w.bias.data.size() * f, cudaMemcpyHostToDevice), "cudaMemcpy (bias)");
        return err;
    }

    std::string forward(const CudaForward& c, CudaTimes& times) noexcept override
    {
        const size_t f = sizeof(float), B = size_t(c.B), T = size_t(c.T), I = size_t(m_cell.I), U = size_t(m_cell.U);
        const size_t S = c.recordSamples.size(), W = size_t(c.recordEnd - c.recordBegin);
        const size_t outBytes = (c.returnSequences ? B * T : B) * U * f;
        std::string err;
        auto need = [&](DeviceBuffer& buf, size_t bytes, const char* what) {
            if (err.empty())
                err = buf.reserve(bytes, what);
        };
        need(m_x, B * T * I * f, "cudaMalloc (inputs)");
        need(m_xp, B * T * 3 * U * f, "cudaMalloc (input projection)");
        need(m_h, B * U * f, "cudaMalloc (state)");
        need(m_prev, B * U * f, "cudaMalloc (last output)");
        need(m_out, outBytes, "cudaMalloc (outputs)");
        need(m_mask, c.mask ? B * T : 1, "cudaMalloc (mask)");
        need(m_inMasks, size_t(c.inputMaskCount) * B * I * f, "cudaMalloc (dropout masks)");
        need(m_recMasks, size_t(c.recMaskCount) * B * U * f, "cudaMalloc (recurrent dropout masks)");
        need(m_records, S * W * U * f, "cudaMalloc (traced states)");
        need(m_slots, B * sizeof(int), "cudaMalloc (trace slots)");
        if (!err.empty())
            return err;

        std::vector<int> slots(B, -1);
        for (size_t k = 0; k < S; ++k)
            slots[size_t(c.recordSamples[k])] = int(k);
        cudaStream_t st = m_stream.stream();
        auto copyIn = [&](void* dst, const void* src, size_t bytes, const char* what) {
            if (err.empty() && bytes && src)
                err = cudaCheck(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, st), what);
        };
        cudaEventRecord(m_stream.event(0), st);
        copyIn(m_x.get(), c.x, B * T * I * f, "cudaMemcpy (inputs)");
        copyIn(m_h.get(), c.h0, B * U * f, "cudaMemcpy (initial state)");
        copyIn(m_mask.get(), c.mask, c.mask ? B * T : 0, "cudaMemcpy (mask)");
        copyIn(m_inMasks.get(), c.inputMasks, size_t(c.inputMaskCount) * B * I * f, "cudaMemcpy (dropout masks)");
        copyIn(m_recMasks.get(), c.recMasks, size_t(c.recMaskCount) * B * U * f, "cudaMemcpy (recurrent dropout masks)");
        copyIn(m_slots.get(), slots.data(), B * sizeof(int), "cudaMemcpy (trace slots)");
        if (err.empty())
            err = cudaCheck(cudaMemsetAsync(m_prev.get(), 0, B * U * f, st), "cudaMemset (last output)");
        cudaEventRecord(m_stream.event(1), st);

        gpu::ProjectionArgs pa;
        pa.B = c.B;
        pa.T = c.T;
        pa.I = int(I);
        pa.U = int(U);
        pa.timeMajor = c.timeMajor;
        pa.x = m_x.as<float>();
        pa.kernel = m_kernel.as<float>();
        pa.bias = m_hasInputBias ? m_bias.as<float>() : nullptr;
        pa.masks = c.inputMaskCount ? m_inMasks.as<float>() : nullptr;
        pa.maskCount = c.inputMaskCount;
        pa.xp = m_xp.as<float>();
        if (err.empty())
            err = gpu::launchProjection(pa, st);

        gpu::RecurrentArgs ra;
        ra.B = c.B;
        ra.T = c.T;
        ra.U = int(U);
        ra.timeMajor = c.timeMajor;
        ra.goBackwards = c.goBackwards;
        ra.returnSequences = c.returnSequences;
        ra.zeroOutputForMask = c.zeroOutputForMask;
        ra.resetAfter = m_cell.resetAfter;
        ra.act = int(m_cell.act);
        ra.recAct = int(m_cell.recAct);
        ra.flavor = int(m_cell.flavor);
        ra.xp = m_xp.as<float>();
        ra.recurrentKernel = m_recurrent.as<float>();
        ra.recurrentBias = m_hasRecurrentBias ? m_bias.as<float>() + 3 * U : nullptr;
        ra.mask = c.mask ? m_mask.as<uint8_t>() : nullptr;
        ra.recMasks = c.recMaskCount ? m_recMasks.as<float>() : nullptr;
        ra.h = m_h.as<float>();
        ra.prevOut = m_prev.as<float>();
        ra.out = m_out.as<float>();
        ra.outStrideB = c.outStrideB;
        ra.outStrideS = c.outStrideS;
        ra.recordSlot = m_slots.as<int>();
        ra.records = m_records.as<float>();
        ra.recordBegin = int(c.recordBegin);
        ra.recordEnd = int(c.recordEnd);
        // Chunks of about a million cell-units each, at least 16 steps: short enough to cancel
        // within a fraction of a second, long enough that the syncs cost nothing measurable.
        const int64_t chunk = std::max<int64_t>(16, (int64_t(1) << 20) / std::max<int64_t>(1, int64_t(B * U)));
        for (int64_t s = 0; err.empty() && s < c.T; s += chunk) {
            if (c.progress) {
                if (c.progress->cancel.load(std::memory_order_relaxed)) {
                    cudaStreamSynchronize(st);
                    return "cancelled";
                }
                c.progress->stepsDone.store(s, std::memory_order_relaxed);
            }
            ra.stepBegin = int(s);
            ra.stepEnd = int(std::min<int64_t>(c.T, s + chunk));
            err = gpu::launchRecurrent(ra, st);
            if (err.empty() && c.progress && ra.stepEnd < c.T)
                err = cudaCheck(cudaStreamSynchronize(st), "recurrent kernel");
        }
        cudaEventRecord(m_stream.event(2), st);
        auto copyOut = [&](void* dst, const void* src, size_t bytes, const char* what) {
            if (err.empty() && bytes)
                err = cudaCheck(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, st), what);
        };
        if (c.returnSequences)
            copyOut(c.output, m_out.get(), outBytes, "cudaMemcpy (outputs)");
        else
            copyOut(c.output, m_prev.get(), B * U * f, "cudaMemcpy (last output)");
        copyOut(c.state, m_h.get(), B * U * f, "cudaMemcpy (final state)");
        copyOut(c.records, m_records.get(), S * W * U * f, "cudaMemcpy (traced states)");
        cudaEventRecord(m_stream.event(3), st);
        if (std::string sync = cudaCheck(cudaStreamSynchronize(st), "GruScope's CUDA kernels"); err.empty())
            err = sync;
        if (!err.empty())
            return err;
        times.hostToDevice = gpu::eventSeconds(m_stream.event(0), m_stream.event(1));
        times.compute = gpu::eventSeconds(m_stream.event(1), m_stream.event(2));
        times.deviceToHost = gpu::eventSeconds(m_stream.event(2), m_stream.event(3));
        return {};
    }

private:
    size_t held() const noexcept
    {
        size_t n = 0;
        for (const DeviceBuffer* b : {&m_kernel, &m_recurrent, &m_bias, &m_x, &m_xp, &m_h, &m_prev, &m_out, &m_mask, &m_inMasks,
                                      &m_recMasks, &m_records, &m_slots})
            n += b->bytes();
        return n;
    }

    CudaCell m_cell;
    bool m_hasInputBias = false, m_hasRecurrentBias = false;
    gpu::TimedStream m_stream;
    DeviceBuffer m_kernel, m_recurrent, m_bias, m_x, m_xp, m_h, m_prev, m_out, m_mask, m_inMasks, m_recMasks, m_records, m_slots;
};

} // namespace

std::unique_ptr<CudaExecutor> makeDeviceCudaExecutor()
{
    return std::make_unique<DeviceCudaExecutor>();
}

} // namespace gruscope::detail
