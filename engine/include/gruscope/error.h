// The one error type the engine throws. Every message is written for a user: it names the
// argument, file or array at fault, what was expected and what was found.
#pragma once

#include <stdexcept>
#include <string>

namespace gruscope {

enum class ErrorCode {
    InvalidArgument,   // a configuration value or call argument is not allowed
    ShapeMismatch,     // an array does not have the shape the layer needs
    BadFile,           // a file is missing, unreadable, corrupt or not what it claims to be
    Unsupported,       // valid input that this build or this backend cannot run
    ResourceLimit,     // a size or memory limit would be passed
    DeviceUnavailable, // no GPU, no driver, no cuDNN
    Cancelled,         // the caller cancelled a running call
    Internal,          // a bug in GruScope
};

const char* errorCodeName(ErrorCode code) noexcept;

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), m_code(code) {}
    ErrorCode code() const noexcept { return m_code; }

private:
    ErrorCode m_code;
};

} // namespace gruscope
