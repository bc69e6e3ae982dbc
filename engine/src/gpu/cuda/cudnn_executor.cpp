// CudnnExecutor on cuDNN 9's RNN API (the "v8" calls, current in cuDNN 9; see
// shared reference performance.md §1 and NVIDIA's RNN_v8.0 sample for the call sequence):
//   setup:   cudnnCreate, a p = 0 dropout descriptor, cudnnSetRNNDescriptor_v8(CUDNN_GRU,
//            CUDNN_RNN_DOUBLE_BIAS, CUDNN_UNIDIRECTIONAL, CUDNN_LINEAR_INPUT, float, FMA or
//            default (TF32) math, I, U, proj U, 1 layer, CUDNN_RNN_PADDED_IO_ENABLED), the weight
//            space, and each linLayerID's matrix and bias from cudnnGetRNNWeightParams;
//   a call:  RNN data descriptors with the per-sample lengths (paddingFill 0), the h descriptor
//            {1, B, U}, cudnnGetRNNTempSpaceSizes, copies in, cudnnRNNForward, copies out.
// Device buffers are kept and only grow, so repeated calls of one shape allocate nothing.
#include "backends/cudnn_executor.h"

#include "gpu/cuda/cuda_util.h"
#include "gpu/cuda/cudnn_api.h"
#include "gruscope/device.h"

#include <memory>

namespace gruscope::detail {
namespace {

using gpu::cudaCheck;
using gpu::DeviceBuffer;

class DeviceCudnnExecutor final : public CudnnExecutor {
public:
    ~DeviceCudnnExecutor() override { release(); }

    std::string describe() const override
    {
        const DeviceInfo& d = probeDevice();
        return "cuDNN " + cudnnVersionString(d.cudnnVersion) + " on " + (d.name.empty() ? std::string("the GPU") : d.name);
    }

    std::string setup(const CudnnSetup& s, CudnnWeightLayout& layout) noexcept override
    {
        std::string why;
        m_api = gpu::cudnnApi(&why);
        if (!m_api)
            return why;
        const gpu::CudnnApi& a = *m_api;
        release();
        std::string err;
        if (!(err = m_stream.init()).empty())
            return err;
        if (!(err = check(a.create(&m_handle), "cudnnCreate")).empty())
            return err;
        if (!(err = check(a.setStream(m_handle, m_stream.stream()), "cudnnSetStream")).empty())
            return err;
        if (!(err = check(a.createDropoutDescriptor(&m_dropout), "cudnnCreateDropoutDescriptor")).empty())
            return err;
        // p = 0 needs no state buffer (PyTorch's set_no_dropout does the same).
        if (!(err = check(a.setDropoutDescriptor(m_dropout, m_handle, 0.0f, nullptr, 0, 0), "cudnnSetDropoutDescriptor")).empty())
            return err;
        if (!(err = check(a.createRNNDescriptor(&m_rnn), "cudnnCreateRNNDescriptor")).empty())
            return err;
        cudnnRNNAlgo_t algo = CUDNN_RNN_ALGO_STANDARD;
        if (s.algo == GpuOptions::CudnnAlgo::PersistStaticSmallH)
            algo = CUDNN_RNN_ALGO_PERSIST_STATIC_SMALL_H;
        else if (s.algo == GpuOptions::CudnnAlgo::PersistDynamic)
            algo = CUDNN_RNN_ALGO_PERSIST_DYNAMIC;
        m_algo = algo;
        err = check(a.setRNNDescriptor(m_rnn, algo, CUDNN_GRU, CUDNN_RNN_DOUBLE_BIAS, CUDNN_UNIDIRECTIONAL, CUDNN_LINEAR_INPUT,
                                       CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT, s.allowTf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH,
                                       int(s.I), int(s.U), int(s.U), 1, m_dropout, CUDNN_RNN_PADDED_IO_ENABLED),
                    "cudnnSetRNNDescriptor_v8");
        if (!err.empty())
            return err;
        size_t wsBytes = 0;
        if (!(err = check(a.getRNNWeightSpaceSize(m_handle, m_rnn, &wsBytes), "cudnnGetRNNWeightSpaceSize")).empty())
            return err;
        if (!(err = m_weights.reserve(wsBytes, "cudaMalloc (cuDNN weight space)")).empty())
            return err;
        m_weightBytes = wsBytes;
        return weightLayout(layout);
    }

    std::string uploadWeights(const std::vector<float>& space) noexcept override
    {
        if (space.size() * sizeof(float) != m_weightBytes)
            return "packed weights of " + std::to_string(space.size() * sizeof(float)) + " bytes for a weight space of " +
                   std::to_string(m_weightBytes);
        return cudaCheck(cudaMemcpy(m_weights.get(), space.data(), m_weightBytes, cudaMemcpyHostToDevice), "cudaMemcpy (weights)");
    }

    std::string querySizes(const CudnnProblem& p, CudnnSizes& sizes) noexcept override
    {
        if (std::string err = describeData(p); !err.empty())
            return err;
        size_t free = 0, total = 0;
        if (std::string err = cudaCheck(cudaMemGetInfo(&free, &total), "cudaMemGetInfo"); !err.empty())
            return err;
        sizes.weightSpaceBytes = m_weightBytes;
        sizes.workSpaceBytes = m_workBytes;
        sizes.reserveSpaceBytes = 0; // inference keeps no reserve space
        // What this executor already holds is available to it again.
        sizes.freeDeviceBytes = free + m_weights.bytes() + held();
        sizes.totalDeviceBytes = total;
        return {};
    }

    std::string forward(const CudnnProblem& p, const float* x, const float* hx, float* y, float* hy,
                        CudnnTimes& times) noexcept override
    {
        const gpu::CudnnApi& a = *m_api;
        std::string err = describeData(p);
        const size_t B = size_t(p.B), T = size_t(p.T), f = sizeof(float);
        const size_t xBytes = B * T * size_t(m_I) * f, yBytes = B * T * size_t(m_U) * f, hBytes = B * size_t(m_U) * f;
        for (auto [buf, bytes, what] : {std::tuple{&m_x, xBytes, "cudaMalloc (inputs)"}, {&m_y, yBytes, "cudaMalloc (outputs)"},
                                        {&m_hx, hBytes, "cudaMalloc (initial state)"}, {&m_hy, hBytes, "cudaMalloc (final state)"},
                                        {&m_lengths, B * sizeof(int32_t), "cudaMalloc (lengths)"},
                                        {&m_work, m_workBytes, "cudaMalloc (cuDNN workspace)"}})
            if (err.empty())
                err = buf->reserve(bytes, what);
        if (!err.empty())
            return err;
        if (m_algo == CUDNN_RNN_ALGO_PERSIST_DYNAMIC && m_builtFor != p.B) {
            // Compiles persistent kernels for this batch size ("expensive", reusable per size).
            if (!(err = check(a.buildRNNDynamic(m_handle, m_rnn, int(p.B)), "cudnnBuildRNNDynamic")).empty())
                return err;
            m_builtFor = p.B;
        }
        cudaStream_t st = m_stream.stream();
        cudaEventRecord(m_stream.event(0), st);
        err = cudaCheck(cudaMemcpyAsync(m_x.get(), x, xBytes, cudaMemcpyHostToDevice, st), "cudaMemcpy (inputs)");
        if (err.empty())
            err = cudaCheck(cudaMemcpyAsync(m_hx.get(), hx, hBytes, cudaMemcpyHostToDevice, st), "cudaMemcpy (initial state)");
        if (err.empty())
            err = cudaCheck(cudaMemcpyAsync(m_lengths.get(), p.lengths.data(), B * sizeof(int32_t), cudaMemcpyHostToDevice, st),
                            "cudaMemcpy (lengths)");
        cudaEventRecord(m_stream.event(1), st);
        if (err.empty())
            err = check(a.rnnForward(m_handle, m_rnn, CUDNN_FWD_MODE_INFERENCE, m_lengths.as<int32_t>(), m_xDesc, m_x.get(), m_yDesc,
                                     m_y.get(), m_hDesc, m_hx.get(), m_hy.get(), m_hDesc, nullptr, nullptr, m_weightBytes,
                                     m_weights.get(), m_workBytes, m_work.get(), 0, nullptr),
                        "cudnnRNNForward");
        cudaEventRecord(m_stream.event(2), st);
        if (err.empty())
            err = cudaCheck(cudaMemcpyAsync(y, m_y.get(), yBytes, cudaMemcpyDeviceToHost, st), "cudaMemcpy (outputs)");
        if (err.empty())
            err = cudaCheck(cudaMemcpyAsync(hy, m_hy.get(), hBytes, cudaMemcpyDeviceToHost, st), "cudaMemcpy (final state)");
        cudaEventRecord(m_stream.event(3), st);
        if (std::string sync = cudaCheck(cudaStreamSynchronize(st), "cudaStreamSynchronize"); err.empty())
            err = sync;
        if (!err.empty())
            return err;
        times.hostToDevice = gpu::eventSeconds(m_stream.event(0), m_stream.event(1));
        times.forward = gpu::eventSeconds(m_stream.event(1), m_stream.event(2));
        times.deviceToHost = gpu::eventSeconds(m_stream.event(2), m_stream.event(3));
        return {};
    }

private:
    std::string check(cudnnStatus_t s, const char* what) const { return gpu::cudnnCheck(*m_api, s, what); }

    size_t held() const noexcept
    {
        return m_x.bytes() + m_y.bytes() + m_hx.bytes() + m_hy.bytes() + m_lengths.bytes() + m_work.bytes();
    }

    // Where cuDNN keeps each matrix and bias, as offsets from the start of the weight space.
    std::string weightLayout(CudnnWeightLayout& layout)
    {
        const gpu::CudnnApi& a = *m_api;
        cudnnTensorDescriptor_t mDesc = nullptr, bDesc = nullptr;
        std::string err = check(a.createTensorDescriptor(&mDesc), "cudnnCreateTensorDescriptor");
        if (err.empty())
            err = check(a.createTensorDescriptor(&bDesc), "cudnnCreateTensorDescriptor");
        auto region = [&](cudnnTensorDescriptor_t d, void* addr, WeightRegion& r) {
            cudnnDataType_t type;
            int nb = 0, dims[3] = {0, 0, 0}, strides[3] = {0, 0, 0};
            std::string e = check(a.getTensorNdDescriptor(d, 3, &type, &nb, dims, strides), "cudnnGetTensorNdDescriptor");
            // Matrices come as {1, rows, cols}, biases as {1, rows, 1}.
            r.offset = int64_t((static_cast<char*>(addr) - m_weights.as<char>()) / int64_t(sizeof(float)));
            r.rows = dims[1];
            r.cols = dims[2];
            return e;
        };
        for (int id = 0; err.empty() && id < 6; ++id) {
            void *mAddr = nullptr, *bAddr = nullptr;
            err = check(a.getRNNWeightParams(m_handle, m_rnn, 0, m_weightBytes, m_weights.get(), id, mDesc, &mAddr, bDesc, &bAddr),
                        "cudnnGetRNNWeightParams");
            if (err.empty())
                err = region(mDesc, mAddr, layout.matrix[id]);
            if (err.empty())
                err = region(bDesc, bAddr, layout.bias[id]);
        }
        layout.floats = int64_t(m_weightBytes / sizeof(float));
        if (mDesc)
            a.destroyTensorDescriptor(mDesc);
        if (bDesc)
            a.destroyTensorDescriptor(bDesc);
        if (err.empty()) {
            m_I = layout.matrix[0].cols;
            m_U = layout.matrix[0].rows;
        }
        return err;
    }

    // The x, y and h descriptors for this problem, and cuDNN's workspace size for them.
    std::string describeData(const CudnnProblem& p)
    {
        const gpu::CudnnApi& a = *m_api;
        std::string err;
        if (!m_xDesc && err.empty())
            err = check(a.createRNNDataDescriptor(&m_xDesc), "cudnnCreateRNNDataDescriptor");
        if (!m_yDesc && err.empty())
            err = check(a.createRNNDataDescriptor(&m_yDesc), "cudnnCreateRNNDataDescriptor");
        if (!m_hDesc && err.empty())
            err = check(a.createTensorDescriptor(&m_hDesc), "cudnnCreateTensorDescriptor");
        if (!err.empty())
            return err;
        const cudnnRNNDataLayout_t layout =
            p.seqMajor ? CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED : CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED;
        float fill = 0.0f;
        err = check(a.setRNNDataDescriptor(m_xDesc, CUDNN_DATA_FLOAT, layout, int(p.T), int(p.B), int(m_I), p.lengths.data(), &fill),
                    "cudnnSetRNNDataDescriptor (x)");
        if (err.empty())
            err = check(a.setRNNDataDescriptor(m_yDesc, CUDNN_DATA_FLOAT, layout, int(p.T), int(p.B), int(m_U), p.lengths.data(), &fill),
                        "cudnnSetRNNDataDescriptor (y)");
        const int dims[3] = {1, int(p.B), int(m_U)}, strides[3] = {int(p.B * m_U), int(m_U), 1};
        if (err.empty())
            err = check(a.setTensorNdDescriptor(m_hDesc, CUDNN_DATA_FLOAT, 3, dims, strides), "cudnnSetTensorNdDescriptor (h)");
        size_t work = 0, reserve = 0;
        if (err.empty())
            err = check(a.getRNNTempSpaceSizes(m_handle, m_rnn, CUDNN_FWD_MODE_INFERENCE, m_xDesc, &work, &reserve),
                        "cudnnGetRNNTempSpaceSizes");
        m_workBytes = work;
        return err;
    }

    void release() noexcept
    {
        if (!m_api)
            return;
        if (m_xDesc)
            m_api->destroyRNNDataDescriptor(m_xDesc);
        if (m_yDesc)
            m_api->destroyRNNDataDescriptor(m_yDesc);
        if (m_hDesc)
            m_api->destroyTensorDescriptor(m_hDesc);
        if (m_rnn)
            m_api->destroyRNNDescriptor(m_rnn);
        if (m_dropout)
            m_api->destroyDropoutDescriptor(m_dropout);
        if (m_handle)
            m_api->destroy(m_handle);
        m_xDesc = m_yDesc = nullptr;
        m_hDesc = nullptr;
        m_rnn = nullptr;
        m_dropout = nullptr;
        m_handle = nullptr;
        m_builtFor = -1;
    }

    const gpu::CudnnApi* m_api = nullptr;
    gpu::TimedStream m_stream;
    cudnnHandle_t m_handle = nullptr;
    cudnnDropoutDescriptor_t m_dropout = nullptr;
    cudnnRNNDescriptor_t m_rnn = nullptr;
    cudnnRNNDataDescriptor_t m_xDesc = nullptr, m_yDesc = nullptr;
    cudnnTensorDescriptor_t m_hDesc = nullptr;
    cudnnRNNAlgo_t m_algo = CUDNN_RNN_ALGO_STANDARD;
    int64_t m_builtFor = -1;
    int64_t m_I = 0, m_U = 0;
    size_t m_weightBytes = 0, m_workBytes = 0;
    DeviceBuffer m_weights, m_x, m_y, m_hx, m_hy, m_lengths, m_work;
};

} // namespace

std::unique_ptr<CudnnExecutor> makeDeviceCudnnExecutor()
{
    return std::make_unique<DeviceCudnnExecutor>();
}

} // namespace gruscope::detail
