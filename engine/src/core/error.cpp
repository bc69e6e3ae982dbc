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

std::string validUtf8(const std::string& text)
{
    // The length of the well-formed UTF-8 sequence starting at i (RFC 3629: no overlongs, no
    // surrogates, nothing past U+10FFFF), or 0.
    auto sequence = [&text](size_t i) -> size_t {
        const auto b = [&text](size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
        const unsigned c = b(i);
        auto cont = [&b](size_t k) { return (b(k) & 0xC0u) == 0x80u; };
        if (c < 0x80)
            return 1;
        if (c >= 0xC2 && c <= 0xDF)
            return cont(i + 1) ? 2 : 0;
        if (c >= 0xE0 && c <= 0xEF) {
            const unsigned c1 = b(i + 1);
            if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F))
                return 0;
            return cont(i + 1) && cont(i + 2) ? 3 : 0;
        }
        if (c >= 0xF0 && c <= 0xF4) {
            const unsigned c1 = b(i + 1);
            if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
                return 0;
            return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
        }
        return 0;
    };
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const size_t n = sequence(i);
        if (n == 0) {
            static const char* hex = "0123456789abcdef";
            const auto c = static_cast<unsigned char>(text[i]);
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
            ++i;
        } else {
            out.append(text, i, n);
            i += n;
        }
    }
    return out;
}

} // namespace gruscope
