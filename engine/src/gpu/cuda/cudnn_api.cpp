#include "gpu/cuda/cudnn_api.h"

#include <dlfcn.h>

namespace gruscope::gpu {

namespace {

template <class F>
bool bind(void* lib, const char* name, F& out, std::string& missing)
{
    out = reinterpret_cast<F>(dlsym(lib, name));
    if (!out)
        missing += (missing.empty() ? "" : ", ") + std::string(name);
    return out != nullptr;
}

struct Loaded {
    CudnnApi api;
    std::string why;
    bool ok = false;
};

Loaded load()
{
    Loaded l;
    // The same library the device probe opened (gpu/cuda/probe_cuda.cpp).
    void* lib = dlopen("libcudnn.so.9", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char* e = dlerror();
        l.why = std::string("cuDNN 9 could not be loaded: ") + (e ? e : "libcudnn.so.9 not found");
        return l;
    }
    CudnnApi& a = l.api;
    std::string missing;
    bind(lib, "cudnnGetVersion", a.getVersion, missing);
    bind(lib, "cudnnGetErrorString", a.getErrorString, missing);
    bind(lib, "cudnnCreate", a.create, missing);
    bind(lib, "cudnnDestroy", a.destroy, missing);
    bind(lib, "cudnnSetStream", a.setStream, missing);
    bind(lib, "cudnnCreateRNNDescriptor", a.createRNNDescriptor, missing);
    bind(lib, "cudnnDestroyRNNDescriptor", a.destroyRNNDescriptor, missing);
    bind(lib, "cudnnSetRNNDescriptor_v8", a.setRNNDescriptor, missing);
    bind(lib, "cudnnCreateDropoutDescriptor", a.createDropoutDescriptor, missing);
    bind(lib, "cudnnDestroyDropoutDescriptor", a.destroyDropoutDescriptor, missing);
    bind(lib, "cudnnSetDropoutDescriptor", a.setDropoutDescriptor, missing);
    bind(lib, "cudnnCreateRNNDataDescriptor", a.createRNNDataDescriptor, missing);
    bind(lib, "cudnnDestroyRNNDataDescriptor", a.destroyRNNDataDescriptor, missing);
    bind(lib, "cudnnSetRNNDataDescriptor", a.setRNNDataDescriptor, missing);
    bind(lib, "cudnnCreateTensorDescriptor", a.createTensorDescriptor, missing);
    bind(lib, "cudnnDestroyTensorDescriptor", a.destroyTensorDescriptor, missing);
    bind(lib, "cudnnSetTensorNdDescriptor", a.setTensorNdDescriptor, missing);
    bind(lib, "cudnnGetTensorNdDescriptor", a.getTensorNdDescriptor, missing);
    bind(lib, "cudnnGetRNNWeightSpaceSize", a.getRNNWeightSpaceSize, missing);
    bind(lib, "cudnnGetRNNWeightParams", a.getRNNWeightParams, missing);
    bind(lib, "cudnnGetRNNTempSpaceSizes", a.getRNNTempSpaceSizes, missing);
    bind(lib, "cudnnBuildRNNDynamic", a.buildRNNDynamic, missing);
    bind(lib, "cudnnRNNForward", a.rnnForward, missing);
    if (!missing.empty()) {
        l.why = "the loaded cuDNN lacks " + missing;
        return l;
    }
    l.ok = true;
    return l; // the library stays loaded for the life of the process
}

} // namespace

const CudnnApi* cudnnApi(std::string* why)
{
    static const Loaded loaded = load();
    if (!loaded.ok && why)
        *why = loaded.why;
    return loaded.ok ? &loaded.api : nullptr;
}

std::string cudnnCheck(const CudnnApi& api, cudnnStatus_t s, const char* what)
{
    if (s == CUDNN_STATUS_SUCCESS)
        return {};
    return std::string(what) + ": " + api.getErrorString(s) + " (status " + std::to_string(int(s)) + ")";
}

} // namespace gruscope::gpu
