// Small helpers for the CUDA runtime calls of the GPU executors: error text, device buffers that
// only grow (a layer keeps its buffers between calls), and stream-ordered timing with events.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace gruscope::gpu {

// "cudaMalloc: cudaErrorMemoryAllocation (out of memory)"; "" on success.
inline std::string cudaCheck(cudaError_t e, const char* what)
{
    if (e == cudaSuccess)
        return {};
    return std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
}

// A device allocation that keeps its size and only grows.
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    ~DeviceBuffer()
    {
        if (m_ptr)
            cudaFree(m_ptr);
    }
    // At least `bytes`; "" on success.
    std::string reserve(size_t bytes, const char* what)
    {
        if (bytes <= m_bytes && m_ptr)
            return {};
        if (m_ptr)
            cudaFree(m_ptr);
        m_ptr = nullptr;
        m_bytes = 0;
        void* p = nullptr;
        if (std::string err = cudaCheck(cudaMalloc(&p, bytes ? bytes : 1), what); !err.empty())
            return err + " (" + std::to_string(bytes >> 20) + " MiB)";
        m_ptr = p;
        m_bytes = bytes;
        return {};
    }
    template <class T>
    T* as() const noexcept
    {
        return static_cast<T*>(m_ptr);
    }
    void* get() const noexcept { return m_ptr; }
    size_t bytes() const noexcept { return m_bytes; }

private:
    void* m_ptr = nullptr;
    size_t m_bytes = 0;
};

// Seconds between two events recorded on the same stream (after it was synchronised).
inline double eventSeconds(cudaEvent_t a, cudaEvent_t b)
{
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    return double(ms) / 1e3;
}

// A stream with a few timing events, made on first use.
class TimedStream {
public:
    ~TimedStream()
    {
        for (cudaEvent_t& e : m_events)
            if (e)
                cudaEventDestroy(e);
        if (m_stream)
            cudaStreamDestroy(m_stream);
    }
    std::string init()
    {
        if (m_stream)
            return {};
        if (std::string err = cudaCheck(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking), "cudaStreamCreate"); !err.empty())
            return err;
        for (cudaEvent_t& e : m_events)
            if (std::string err = cudaCheck(cudaEventCreate(&e), "cudaEventCreate"); !err.empty())
                return err;
        return {};
    }
    cudaStream_t stream() const noexcept { return m_stream; }
    cudaEvent_t event(int i) const noexcept { return m_events[i]; }

private:
    cudaStream_t m_stream = nullptr;
    cudaEvent_t m_events[4] = {};
};

} // namespace gruscope::gpu
