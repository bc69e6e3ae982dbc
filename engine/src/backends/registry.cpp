// The backend registry: every backend this build knows, in the order `auto` considers them. A
// new backend joins by adding its entry here; GruLayer, the CLI, the window's compare view and
// the backend-parity test all read this list.
#include "backends/backend.h"

#include "gruscope/device.h"

namespace gruscope {
namespace detail {

const std::vector<BackendEntry>& backendRegistry()
{
    static const std::vector<BackendEntry> entries = {
        // What Keras would run on this machine, in its order of preference: cuDNN when eligible,
        // the generic loop on the GPU, the generic loop on the CPU.
        {BackendKind::Cudnn, "cuDNN 9 (cudnnRNNForward, CUDNN_GRU), Keras's fast GPU path", &makeCudnnBackend},
        {BackendKind::Cuda, "GruScope's CUDA kernels: every configuration, the GPU fallback Keras takes", &makeCudaBackend},
        {BackendKind::Cpu, "float32 on the CPU (Eigen)", &makeCpuBackend},
        // Never chosen by auto: the float64 oracle.
        {BackendKind::Reference, "float64, the equations written out element by element", &makeReferenceBackend},
    };
    return entries;
}

const BackendEntry* findBackend(BackendKind kind) noexcept
{
    for (const BackendEntry& e : backendRegistry())
        if (e.kind == kind)
            return &e;
    return nullptr;
}

bool autoConsiders(BackendKind kind) noexcept
{
    return kind != BackendKind::Reference && kind != BackendKind::Auto;
}

} // namespace detail

std::vector<BackendDescription> describeBackends()
{
    std::vector<BackendDescription> out;
    const DeviceInfo& dev = probeDevice();
    for (const detail::BackendEntry& e : detail::backendRegistry()) {
        BackendDescription d;
        d.kind = e.kind;
        d.name = backendName(e.kind);
        d.summary = e.summary;
        if (e.kind == BackendKind::Cudnn || e.kind == BackendKind::Cuda) {
            // The GPU backends run where the probe found a device (cudnn also needs cuDNN 9 loaded).
            const bool usable = e.kind == BackendKind::Cudnn ? dev.present : dev.cudaUsable;
            d.usable = usable;
            d.reason = usable ? dev.reason : (dev.reason.empty() ? std::string("no usable GPU") : dev.reason);
        } else {
            d.usable = true;
            d.reason = "this machine's CPU";
        }
        out.push_back(std::move(d));
    }
    return out;
}

} // namespace gruscope
