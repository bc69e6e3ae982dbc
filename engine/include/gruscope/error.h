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

// `text` as valid UTF-8: every byte that does not belong to a well-formed sequence becomes
// "\xNN". Messages quote bytes from hostile files (a JSON parser's "last read: '…'"); made valid
// here, they read the same in the window, in JSON output and through the parse child's reply.
std::string validUtf8(const std::string& text);

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(validUtf8(message)), m_code(code) {}
    ErrorCode code() const noexcept { return m_code; }

private:
    ErrorCode m_code;
};

} // namespace gruscope
