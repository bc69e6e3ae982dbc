#include "gruscope/error.h"

namespace gruscope {

const char* errorCodeName(ErrorCode code) noexcept
{
    switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::ShapeMismatch: return "shape mismatch";
    case ErrorCode::BadFile: return "bad file";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::ResourceLimit: return "resource limit";
    case ErrorCode::DeviceUnavailable: return "device unavailable";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Internal: return "internal error";
    }
    return "error";
}

} // namespace gruscope
