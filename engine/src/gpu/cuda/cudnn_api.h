// cuDNN 9's entry points, loaded with dlopen at run time: the library is large, lives in
// different places on different machines (a Python wheel, /usr/local/cuda) and is needed only
// where a GPU is, so the programs never link it and start everywhere. The types come from the
// headers; each pointer has the type of the function it stands for.
#pragma once

#include <cudnn.h>

#include <string>

namespace gruscope::gpu {

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
struct CudnnApi {
    decltype(&cudnnGetVersion) getVersion = nullptr;
    decltype(&cudnnGetErrorString) getErrorString = nullptr;
    decltype(&cudnnCreate) create = nullptr;
    decltype(&cudnnDestroy) destroy = nullptr;
    decltype(&cudnnSetStream) setStream = nullptr;
    decltype(&cudnnCreateRNNDescriptor) createRNNDescriptor = nullptr;
    decltype(&cudnnDestroyRNNDescriptor) destroyRNNDescriptor = nullptr;
    decltype(&cudnnSetRNNDescriptor_v8) setRNNDescriptor = nullptr;
    decltype(&cudnnCreateDropoutDescriptor) createDropoutDescriptor = nullptr;
    decltype(&cudnnDestroyDropoutDescriptor) destroyDropoutDescriptor = nullptr;
    decltype(&cudnnSetDropoutDescriptor) setDropoutDescriptor = nullptr;
    decltype(&cudnnCreateRNNDataDescriptor) createRNNDataDescriptor = nullptr;
    decltype(&cudnnDestroyRNNDataDescriptor) destroyRNNDataDescriptor = nullptr;
    decltype(&cudnnSetRNNDataDescriptor) setRNNDataDescriptor = nullptr;
    decltype(&cudnnCreateTensorDescriptor) createTensorDescriptor = nullptr;
    decltype(&cudnnDestroyTensorDescriptor) destroyTensorDescriptor = nullptr;
    decltype(&cudnnSetTensorNdDescriptor) setTensorNdDescriptor = nullptr;
    decltype(&cudnnGetTensorNdDescriptor) getTensorNdDescriptor = nullptr;
    decltype(&cudnnGetRNNWeightSpaceSize) getRNNWeightSpaceSize = nullptr;
    decltype(&cudnnGetRNNWeightParams) getRNNWeightParams = nullptr;
    decltype(&cudnnGetRNNTempSpaceSizes) getRNNTempSpaceSizes = nullptr;
    decltype(&cudnnBuildRNNDynamic) buildRNNDynamic = nullptr;
    decltype(&cudnnRNNForward) rnnForward = nullptr;
};
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

// Loaded once per process; null with the reason in `why` when libcudnn.so.9 or a symbol is
// missing.
const CudnnApi* cudnnApi(std::string* why = nullptr);

// "cudnnRNNForward: CUDNN_STATUS_BAD_PARAM (…)"; "" on success.
std::string cudnnCheck(const CudnnApi& api, cudnnStatus_t s, const char* what);

} // namespace gruscope::gpu
