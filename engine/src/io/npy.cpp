// NumPy .npy / .npz reading and writing.
//
// Reading never trusts a size it has not checked: the header length is checked against the bytes
// that are there before it is read, the shape against ReadLimits and overflow before anything is
// allocated, and the data size against the bytes that follow the header. The header dictionary is
// parsed by a small Python-literal parser (strings, ints, True/False/None, tuples, lists, dicts)
// with a nesting limit.
#include "gruscope/npy.h"

#include "gruscope/atomic_file.h"
#include "gruscope/error.h"
#include "io/zip_archive.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <string_view>
#include <type_traits>

#include <sys/stat.h>

namespace gruscope::npy {

namespace {

constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kMagicLen = 6;
constexpr size_t kMaxHeaderBytes = size_t(1) << 20; // NumPy itself refuses more than 10000 by default
constexpr size_t kMaxRank = 64;                     // NPY_MAXDIMS in NumPy 2
constexpr size_t kChunkBytes = size_t(1) << 20;     // conversion buffer for non-float32 data
constexpr bool kLittleEndianHost = std::endian::native == std::endian::little;

[[noreturn]] void fail(ErrorCode code, const std::string& what, const std::string& message)
{
    throw Error(code, what + ": " + message);
}

size_t itemSize(DType d) noexcept
{
    switch (d) {
    case DType::Bool:
    case DType::Int8:
    case DType::UInt8: return 1;
    case DType::Int16:
    case DType::UInt16:
    case DType::Float16: return 2;
    case DType::Int32:
    case DType::UInt32:
    case DType::Float32: return 4;
    case DType::Int64:
    case DType::UInt64:
    case DType::Float64: return 8;
    }
    return 1;
}

// The descr NumPy writes for `d` on this machine ("<f4", "|b1").
std::string nativeDescr(DType d)
{
    const char order = itemSize(d) == 1 ? '|' : (kLittleEndianHost ? '<' : '>');
    char kind = 'f';
    switch (d) {
    case DType::Bool: kind = 'b'; break;
    case DType::Int8:
    case DType::Int16:
    case DType::Int32:
    case DType::Int64: kind = 'i'; break;
    case DType::UInt8:
    case DType::UInt16:
    case DType::UInt32:
    case DType::UInt64: kind = 'u'; break;
    case DType::Float16:
    case DType::Float32:
    case DType::Float64: kind = 'f'; break;
    }
    return std::string(1, order) + kind + std::to_string(itemSize(d));
}

// Text from a file, made safe to quote in a message: printable ASCII only, at most 60 characters.
std::string printable(std::string_view s)
{
    std::string out;
    for (unsigned char c : s.substr(0, 60)) {
        if (c >= 0x20 && c < 0x7f) {
            out += char(c);
        } else {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    if (s.size() > 60)
        out += "...";
    return out;
}

std::string bytesText(uint64_t n)
{
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

std::string indexText(const Shape& shape, int64_t flat)
{
    std::vector<int64_t> idx(shape.size());
    for (size_t k = shape.size(); k-- > 0;) {
        const int64_t d = shape[k] > 0 ? shape[k] : 1;
        idx[k] = flat % d;
        flat /= d;
    }
    std::string s = "[";
    for (size_t k = 0; k < idx.size(); ++k)
        s += (k ? ", " : "") + std::to_string(idx[k]);
    return s + "]";
}

// ---- element types and conversion -------------------------------------------------------------

struct Half {
    uint16_t bits;
};
struct BoolByte {
    uint8_t v;
};

float halfToFloat(uint16_t h) noexcept
{
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    const uint32_t mantissa = h & 0x3ffu;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0)
            return std::bit_cast<float>(sign); // +-0
        const float magnitude = std::ldexp(float(mantissa), -24); // subnormal: mantissa * 2^-24, exact
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31)
        bits = sign | 0x7f800000u | (mantissa << 13); // inf, or NaN keeping its payload
    else
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    return std::bit_cast<float>(bits);
}

template <class Out, class T>
Out convertValue(T v) noexcept
{
    if constexpr (std::is_same_v<T, Half>)
        return Out(halfToFloat(v.bits));
    else if constexpr (std::is_same_v<T, BoolByte>)
        return v.v ? Out(1) : Out(0);
    else
        return static_cast<Out>(v); // double -> float rounds to nearest
}

// Calls f.template operator()<T>() with the C++ type that holds one element of `d`.
template <class F>
decltype(auto) withType(DType d, F&& f)
{
    switch (d) {
    case DType::Bool: return f.template operator()<BoolByte>();
    case DType::Int8: return f.template operator()<int8_t>();
    case DType::UInt8: return f.template operator()<uint8_t>();
    case DType::Int16: return f.template operator()<int16_t>();
    case DType::UInt16: return f.template operator()<uint16_t>();
    case DType::Int32: return f.template operator()<int32_t>();
    case DType::UInt32: return f.template operator()<uint32_t>();
    case DType::Int64: return f.template operator()<int64_t>();
    case DType::UInt64: return f.template operator()<uint64_t>();
    case DType::Float16: return f.template operator()<Half>();
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
    }
    return f.template operator()<float>();
}

template <class T>
T load(const std::byte* p) noexcept
{
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

template <class Out>
void convertRun(DType d, const std::byte* src, size_t n, Out* dst)
{
    withType(d, [&]<class T>() {
        for (size_t i = 0; i < n; ++i)
            dst[i] = convertValue<Out>(load<T>(src + i * sizeof(T)));
    });
}

void byteSwapInPlace(std::byte* p, size_t count, size_t size) noexcept
{
    if (size <= 1)
        return;
    for (size_t i = 0; i < count; ++i, p += size)
        std::reverse(p, p + size);
}

// Calls fn(dstIndex, srcIndex) for every element, dst in C order, src the Fortran-order position of
// the same multi-index. Every dimension must be > 0.
template <class Fn>
void forEachFortranToC(const Shape& shape, Fn&& fn)
{
    const size_t n = shape.size();
    std::vector<size_t> stride(n), idx(n, 0);
    size_t total = 1;
    for (size_t k = 0; k < n; ++k) {
        stride[k] = total;
        total *= size_t(shape[k]);
    }
    const size_t inner = size_t(shape[n - 1]), innerStride = stride[n - 1];
    size_t src = 0;
    for (size_t dst = 0; dst < total;) {
        for (size_t j = 0; j < inner; ++j)
            fn(dst++, src + j * innerStride);
        // advance the outer dimensions (odometer, last-but-one fastest)
        for (size_t k = n - 1; k-- > 0;) {
            src += stride[k];
            if (++idx[k] < size_t(shape[k]))
                break;
            src -= stride[k] * size_t(shape[k]);
            idx[k] = 0;
        }
    }
}

// Fortran and C order differ only when at least two dimensions are longer than 1.
bool orderMatters(const Shape& shape)
{
    int longDims = 0;
    for (int64_t d : shape) {
        if (d == 0)
            return false;
        if (d > 1)
            ++longDims;
    }
    return longDims > 1;
}

// ---- a Python literal parser for the header dictionary ----------------------------------------

struct PyValue {
    enum class Kind { Str, Int, Bool, None, Tuple, List, Dict } kind = Kind::None;
    std::string str;
    int64_t integer = 0;
    bool tooBig = false; // an integer outside int64
    std::string digits;  // the integer as written, for messages
    bool boolean = false;
    std::vector<PyValue> items; // Tuple, List; Dict: key, value, key, value, ...
};

class LiteralParser {
public:
    LiteralParser(std::string_view text, const std::string& what) : m_s(text), m_what(what) {}

    PyValue parseWhole()
    {
        skipSpace();
        PyValue v = value(0);
        skipSpace();
        while (m_pos < m_s.size() && m_s[m_pos] == '\0') // tolerate NUL padding at the very end
            ++m_pos;
        if (m_pos != m_s.size())
            error("unexpected text after the dictionary");
        return v;
    }

private:
    [[noreturn]] void error(const std::string& why) const
    {
        fail(ErrorCode::BadFile, m_what,
             "the .npy header is not a valid dictionary (" + why + " at character " + std::to_string(m_pos) +
                 "): \"" + printable(m_s) + "\"");
    }

    bool atEnd() const { return m_pos >= m_s.size(); }
    char peek() const { return atEnd() ? '\0' : m_s[m_pos]; }

    void skipSpace()
    {
        while (!atEnd() && (m_s[m_pos] == ' ' || m_s[m_pos] == '\t' || m_s[m_pos] == '\n' || m_s[m_pos] == '\r' ||
                            m_s[m_pos] == '\f' || m_s[m_pos] == '\v'))
            ++m_pos;
    }

    PyValue value(int depth)
    {
        if (depth > 16)
            error("nested too deeply");
        if (atEnd())
            error("the text ends where a value should be");
        const char c = peek();
        if (c == '\'' || c == '"')
            return string();
        if (c == '{')
            return sequence(PyValue::Kind::Dict, '}', depth);
        if (c == '(')
            return sequence(PyValue::Kind::Tuple, ')', depth);
        if (c == '[')
            return sequence(PyValue::Kind::List, ']', depth);
        if (c == '-' || c == '+' || (c >= '0' && c <= '9'))
            return integer();
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
            return word();
        error(std::string("unexpected character '") + printable(std::string_view(&m_s[m_pos], 1)) + "'");
    }

    PyValue string()
    {
        const char quote = m_s[m_pos++];
        PyValue v;
        v.kind = PyValue::Kind::Str;
        while (true) {
            if (atEnd())
                error("a string is not closed");
            char c = m_s[m_pos++];
            if (c == quote)
                break;
            if (c == '\\') {
                if (atEnd())
                    error("a string is not closed");
                c = m_s[m_pos++];
            }
            v.str += c;
        }
        return v;
    }

    PyValue integer()
    {
        PyValue v;
        v.kind = PyValue::Kind::Int;
        bool negative = false;
        if (peek() == '-' || peek() == '+') {
            negative = peek() == '-';
            v.digits += m_s[m_pos++];
            skipSpace();
        }
        if (!(peek() >= '0' && peek() <= '9'))
            error("a number has no digits");
        uint64_t magnitude = 0;
        while (!atEnd() && ((peek() >= '0' && peek() <= '9') || peek() == '_')) {
            const char c = m_s[m_pos++];
            if (c == '_')
                continue;
            v.digits += c;
            const unsigned digit = unsigned(c - '0');
            if (magnitude > (uint64_t(1) << 63) / 10 || magnitude * 10 + digit > (uint64_t(1) << 63))
                v.tooBig = true;
            else
                magnitude = magnitude * 10 + digit;
        }
        if (peek() == 'L' || peek() == 'l') // Python 2 longs: (3L, 4L)
            ++m_pos;
        if (!v.tooBig && !negative && magnitude > uint64_t(std::numeric_limits<int64_t>::max()))
            v.tooBig = true;
        if (!v.tooBig)
            v.integer = negative ? int64_t(0 - magnitude) : int64_t(magnitude);
        return v;
    }

    PyValue word()
    {
        const size_t start = m_pos;
        while (!atEnd() && ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z') ||
                            (peek() >= '0' && peek() <= '9') || peek() == '_'))
            ++m_pos;
        const std::string_view w = m_s.substr(start, m_pos - start);
        PyValue v;
        if (w == "True" || w == "False") {
            v.kind = PyValue::Kind::Bool;
            v.boolean = w == "True";
        } else if (w == "None") {
            v.kind = PyValue::Kind::None;
        } else {
            m_pos = start;
            error("unexpected word '" + printable(w) + "'");
        }
        return v;
    }

    PyValue sequence(PyValue::Kind kind, char close, int depth)
    {
        ++m_pos; // the opening bracket
        PyValue v;
        v.kind = kind;
        while (true) {
            skipSpace();
            if (peek() == close) {
                ++m_pos;
                return v;
            }
            v.items.push_back(value(depth + 1));
            skipSpace();
            if (kind == PyValue::Kind::Dict) {
                if (peek() != ':')
                    error("expected ':' after a dictionary key");
                ++m_pos;
                skipSpace();
                v.items.push_back(value(depth + 1));
                skipSpace();
            }
            if (peek() == ',') {
                ++m_pos;
            } else if (peek() != close) {
                error(std::string("expected ',' or '") + close + "'");
            }
        }
    }

    std::string_view m_s;
    const std::string& m_what;
    size_t m_pos = 0;
};

// ---- the header -------------------------------------------------------------------------------

struct Header {
    DType dtype = DType::Float32;
    bool swap = false;    // stored in the other byte order
    bool fortran = false; // stored in Fortran order
    Shape shape;
    int64_t count = 0;
    uint64_t dataBytes = 0;
};

const char* kSupported = "GruScope reads bool, int8/16/32/64, uint8/16/32/64, float16, float32 and float64 arrays";

void parseDescr(const std::string& descr, const std::string& what, Header& h)
{
    std::string_view d = descr;
    char order = '=';
    if (!d.empty() && (d[0] == '<' || d[0] == '>' || d[0] == '=' || d[0] == '|')) {
        order = d[0];
        d.remove_prefix(1);
    }
    const std::string quoted = "'" + printable(descr) + "'";
    if (d.empty())
        fail(ErrorCode::BadFile, what, "the header's dtype " + quoted + " is not a NumPy dtype");
    const char kind = d[0];
    const std::string_view sizeText = d.substr(1);
    int size = -1;
    if (!sizeText.empty() && sizeText.size() <= 3 &&
        std::all_of(sizeText.begin(), sizeText.end(), [](char c) { return c >= '0' && c <= '9'; }))
        size = std::stoi(std::string(sizeText));
    else if (sizeText.empty() && kind == '?')
        size = 1;

    const auto unsupported = [&](const char* kindName) {
        return Error(ErrorCode::Unsupported, what + ": dtype " + quoted + " (" + kindName + ") is not supported; " + kSupported);
    };
    switch (kind) {
    case 'O': throw unsupported("Python objects");
    case 'S':
    case 'a':
    case 'U': throw unsupported("strings");
    case 'V': throw unsupported("raw bytes / records");
    case 'M':
    case 'm': throw unsupported("dates and times");
    case 'c': throw unsupported("complex numbers");
    default: break;
    }
    bool ok = true;
    if ((kind == 'b' || kind == '?') && size == 1) {
        h.dtype = DType::Bool;
    } else if (kind == 'i' || kind == 'u') {
        const bool s = kind == 'i';
        switch (size) {
        case 1: h.dtype = s ? DType::Int8 : DType::UInt8; break;
        case 2: h.dtype = s ? DType::Int16 : DType::UInt16; break;
        case 4: h.dtype = s ? DType::Int32 : DType::UInt32; break;
        case 8: h.dtype = s ? DType::Int64 : DType::UInt64; break;
        default: ok = false;
        }
    } else if (kind == 'f') {
        switch (size) {
        case 2: h.dtype = DType::Float16; break;
        case 4: h.dtype = DType::Float32; break;
        case 8: h.dtype = DType::Float64; break;
        case 10:
        case 12:
        case 16: throw unsupported("extended-precision floats");
        default: ok = false;
        }
    } else {
        ok = false;
    }
    if (!ok)
        fail(ErrorCode::BadFile, what, "the header's dtype " + quoted + " is not a valid NumPy dtype");
    h.swap = itemSize(h.dtype) > 1 && ((order == '>' && kLittleEndianHost) || (order == '<' && !kLittleEndianHost));
}

Header parseHeaderText(std::string_view text, const std::string& what, const ReadLimits& limits)
{
    const PyValue top = LiteralParser(text, what).parseWhole();
    if (top.kind != PyValue::Kind::Dict)
        fail(ErrorCode::BadFile, what, "the .npy header is not a dictionary: \"" + printable(text) + "\"");
    const PyValue *descr = nullptr, *fortran = nullptr, *shape = nullptr;
    for (size_t i = 0; i + 1 < top.items.size(); i += 2) {
        const PyValue& key = top.items[i];
        if (key.kind != PyValue::Kind::Str)
            continue; // NumPy would refuse extra keys; we only need the three we know
        if (key.str == "descr")
            descr = &top.items[i + 1];
        else if (key.str == "fortran_order")
            fortran = &top.items[i + 1];
        else if (key.str == "shape")
            shape = &top.items[i + 1];
    }
    auto require = [&](const PyValue* p, const char* name) -> const PyValue* {
        if (!p)
            fail(ErrorCode::BadFile, what, std::string("the .npy header has no '") + name + "' entry: \"" + printable(text) + "\"");
        return p;
    };
    descr = require(descr, "descr");
    fortran = require(fortran, "fortran_order");
    shape = require(shape, "shape");

    Header h;
    if (descr->kind == PyValue::Kind::List)
        fail(ErrorCode::Unsupported, what, std::string("the array has a structured dtype (named fields), which is not supported; ") + kSupported);
    if (descr->kind != PyValue::Kind::Str)
        fail(ErrorCode::BadFile, what, "the header's 'descr' is not a dtype string");
    parseDescr(descr->str, what, h);

    if (fortran->kind != PyValue::Kind::Bool)
        fail(ErrorCode::BadFile, what, "the header's 'fortran_order' is not True or False");
    h.fortran = fortran->boolean;

    if (shape->kind != PyValue::Kind::Tuple && shape->kind != PyValue::Kind::List && shape->kind != PyValue::Kind::Int)
        fail(ErrorCode::BadFile, what, "the header's 'shape' is not a tuple of integers");
    std::vector<PyValue> dims = shape->kind == PyValue::Kind::Int ? std::vector<PyValue>{*shape} : shape->items;
    if (dims.size() > kMaxRank)
        fail(ErrorCode::BadFile, what, "the header's shape has " + std::to_string(dims.size()) + " dimensions; at most " +
                                           std::to_string(kMaxRank) + " are allowed");
    std::string shapeText = "(";
    for (size_t i = 0; i < dims.size(); ++i)
        shapeText += (i ? ", " : "") + (dims[i].kind == PyValue::Kind::Int ? dims[i].digits : std::string("?"));
    shapeText += dims.size() == 1 ? ",)" : ")";
    bool anyZero = false, anyHuge = false;
    for (const PyValue& d : dims) {
        if (d.kind != PyValue::Kind::Int)
            fail(ErrorCode::BadFile, what, "the header's 'shape' is not a tuple of integers");
        const bool negative = d.tooBig ? (!d.digits.empty() && d.digits[0] == '-') : d.integer < 0;
        if (negative)
            fail(ErrorCode::BadFile, what, "the header's shape " + shapeText + " has a negative dimension");
        if (!d.tooBig && d.integer == 0)
            anyZero = true;
        anyHuge = anyHuge || d.tooBig;
    }
    // Count the elements without overflowing; any zero-length dimension makes the array empty.
    const int64_t maxElements = std::max<int64_t>(limits.maxElements, 0);
    bool overflow = false;
    int64_t count = 1;
    if (anyHuge) {
        overflow = true; // even next to a zero: no dimension may pass int64
    } else if (anyZero) {
        count = 0;
    } else {
        for (const PyValue& d : dims) {
            if (d.tooBig || count > std::numeric_limits<int64_t>::max() / d.integer) {
                overflow = true;
                break;
            }
            count *= d.integer;
        }
    }
    if (overflow || count > maxElements)
        fail(ErrorCode::ResourceLimit, what,
             "the header's shape " + shapeText + " asks for " +
                 (overflow ? std::string("more than 2^63") : std::to_string(count)) +
                 " elements, more than the limit of " + std::to_string(maxElements) + " elements per array");
    const size_t isz = itemSize(h.dtype);
    if (uint64_t(count) > std::numeric_limits<uint64_t>::max() / isz ||
        uint64_t(count) * isz > uint64_t(std::numeric_limits<size_t>::max()))
        fail(ErrorCode::ResourceLimit, what, "the header's shape " + shapeText + " is too large to hold in memory");
    for (const PyValue& d : dims)
        h.shape.push_back(d.integer);
    h.count = count;
    h.dataBytes = uint64_t(count) * isz;
    return h;
}

std::string shapeAndType(const Header& h)
{
    return "shape " + shapeToString(h.shape) + " of " + dtypeName(h.dtype);
}

void checkDataSize(const Header& h, uint64_t available, const std::string& what)
{
    if (available < h.dataBytes)
        fail(ErrorCode::BadFile, what,
             "header says " + shapeAndType(h) + " but the file holds " + bytesText(available) + " of data, " +
                 std::to_string(h.dataBytes) + " needed (the file is truncated)");
    if (available > h.dataBytes)
        fail(ErrorCode::BadFile, what,
             "header says " + shapeAndType(h) + " (" + bytesText(h.dataBytes) + " of data) but the file holds " +
                 bytesText(available) + " after the header; the header does not match the data");
}

// The fixed part before the header text.
struct Preamble {
    size_t prefixLen = 0; // magic + version + length field
    size_t headerLen = 0;
    int major = 0;
};

// `p` holds the first `have` bytes of an image of `total` bytes (have >= min(total, 12)).
Preamble parsePreamble(const std::byte* p, size_t have, uint64_t total, const std::string& what)
{
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    if (total == 0)
        fail(ErrorCode::BadFile, what, "it is empty (0 bytes), not a .npy array");
    const size_t magicHave = std::min(have, kMagicLen);
    if (std::memcmp(u, kMagic, magicHave) != 0)
        fail(ErrorCode::BadFile, what, "not a .npy file: it does not start with the NumPy magic string \\x93NUMPY (it starts with \"" +
                                           printable(std::string_view(reinterpret_cast<const char*>(u), std::min<size_t>(have, 8))) + "\")");
    if (total < 8)
        fail(ErrorCode::BadFile, what, "the file ends after " + bytesText(total) + ", inside the .npy preamble (the file is truncated)");
    Preamble pre;
    pre.major = u[6];
    const int minor = u[7];
    if (pre.major < 1 || pre.major > 3 || minor != 0)
        fail(ErrorCode::Unsupported, what, ".npy format version " + std::to_string(pre.major) + "." + std::to_string(minor) +
                                               " is not supported (versions 1.0, 2.0 and 3.0 are)");
    pre.prefixLen = pre.major == 1 ? 10 : 12;
    if (total < pre.prefixLen)
        fail(ErrorCode::BadFile, what, "the file ends after " + bytesText(total) + ", inside the .npy preamble (the file is truncated)");
    pre.headerLen = pre.major == 1 ? size_t(u[8]) | size_t(u[9]) << 8
                                   : size_t(u[8]) | size_t(u[9]) << 8 | size_t(u[10]) << 16 | size_t(u[11]) << 24;
    if (pre.headerLen > total - pre.prefixLen)
        fail(ErrorCode::BadFile, what, "the .npy header claims " + bytesText(pre.headerLen) + " but the file has only " +
                                           bytesText(total - pre.prefixLen) + " after the preamble (the file is truncated)");
    if (pre.headerLen > kMaxHeaderBytes)
        fail(ErrorCode::BadFile, what, "the .npy header claims " + bytesText(pre.headerLen) + "; at most " +
                                           bytesText(kMaxHeaderBytes) + " are accepted");
    return pre;
}

// Byte order, Fortran order and bool normalisation, in place (one extra copy for Fortran order).
void finishBytes(NpyArray& a, const Header& h)
{
    const size_t isz = itemSize(h.dtype);
    if (h.swap)
        byteSwapInPlace(a.bytes.data(), size_t(h.count), isz);
    if (h.fortran && orderMatters(h.shape)) {
        std::vector<std::byte> c(a.bytes.size());
        const std::byte* src = a.bytes.data();
        std::byte* dst = c.data();
        switch (isz) {
        case 1: forEachFortranToC(h.shape, [&](size_t d, size_t s) { dst[d] = src[s]; }); break;
        case 2: forEachFortranToC(h.shape, [&](size_t d, size_t s) { std::memcpy(dst + 2 * d, src + 2 * s, 2); }); break;
        case 4: forEachFortranToC(h.shape, [&](size_t d, size_t s) { std::memcpy(dst + 4 * d, src + 4 * s, 4); }); break;
        default: forEachFortranToC(h.shape, [&](size_t d, size_t s) { std::memcpy(dst + 8 * d, src + 8 * s, 8); }); break;
        }
        a.bytes.swap(c);
    }
    if (h.dtype == DType::Bool)
        for (std::byte& b : a.bytes)
            b = b != std::byte{0} ? std::byte{1} : std::byte{0};
}

// Parses an image held in `buf` and reuses the buffer for the elements (no second copy).
NpyArray parseOwned(std::vector<std::byte>&& buf, const std::string& what, const ReadLimits& limits)
{
    const Preamble pre = parsePreamble(buf.data(), buf.size(), buf.size(), what);
    const std::string_view text(reinterpret_cast<const char*>(buf.data()) + pre.prefixLen, pre.headerLen);
    const Header h = parseHeaderText(text, what, limits);
    const size_t offset = pre.prefixLen + pre.headerLen;
    checkDataSize(h, buf.size() - offset, what);
    NpyArray a;
    a.dtype = h.dtype;
    a.shape = h.shape;
    if (offset > 0 && h.dataBytes > 0)
        std::memmove(buf.data(), buf.data() + offset, size_t(h.dataBytes));
    buf.resize(size_t(h.dataBytes));
    a.bytes = std::move(buf);
    finishBytes(a, h);
    return a;
}

// ---- files --------------------------------------------------------------------------------------

struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

struct OpenFile {
    FilePtr file;
    bool regular = true;
    uint64_t size = 0;
};

OpenFile openForReading(const std::string& path)
{
    OpenFile f;
    f.file.reset(std::fopen(path.c_str(), "rb"));
    if (!f.file) {
        const int err = errno;
        if (err == ENOENT)
            fail(ErrorCode::BadFile, path, "no such file");
        fail(ErrorCode::BadFile, path, std::string("cannot open the file: ") + std::strerror(err));
    }
    // Unbuffered: the reads below are few and large (the data goes straight into its final buffer).
    std::setvbuf(f.file.get(), nullptr, _IONBF, 0);
    struct stat st {};
    if (::fstat(::fileno(f.file.get()), &st) != 0)
        fail(ErrorCode::BadFile, path, std::string("cannot read the file: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        fail(ErrorCode::BadFile, path, "this is a folder, not a file");
    f.regular = S_ISREG(st.st_mode);
    f.size = f.regular ? uint64_t(st.st_size) : 0;
    return f;
}

// Reads exactly n bytes or throws.
void readExact(std::FILE* f, void* dst, size_t n, const std::string& what)
{
    size_t got = 0;
    while (got < n) {
        const size_t r = std::fread(static_cast<char*>(dst) + got, 1, n - got, f);
        if (r == 0) {
            if (std::ferror(f))
                fail(ErrorCode::BadFile, what, std::string("reading the file failed: ") + std::strerror(errno));
            fail(ErrorCode::BadFile, what, "the file ended early (it is being changed or was truncated while reading)");
        }
        got += r;
    }
}

// The largest .npy image that can hold an array within the limits.
uint64_t maxImageBytes(const ReadLimits& limits)
{
    const uint64_t maxElements = uint64_t(std::max<int64_t>(limits.maxElements, 0));
    const uint64_t data = maxElements > std::numeric_limits<uint64_t>::max() / 16 ? std::numeric_limits<uint64_t>::max() / 2 : maxElements * 8;
    return data + 12 + kMaxHeaderBytes;
}

// A pipe or device: read it all (up to the most a valid image within the limits can take).
std::vector<std::byte> readStream(std::FILE* f, const std::string& what, const ReadLimits& limits)
{
    const uint64_t cap = maxImageBytes(limits);
    std::vector<std::byte> buf;
    std::vector<std::byte> chunk(64 * 1024);
    while (true) {
        const size_t r = std::fread(chunk.data(), 1, chunk.size(), f);
        if (r == 0) {
            if (std::ferror(f))
                fail(ErrorCode::BadFile, what, std::string("reading failed: ") + std::strerror(errno));
            break;
        }
        if (buf.size() + r > cap)
            fail(ErrorCode::ResourceLimit, what, "the stream holds more than " + bytesText(cap) +
                                                     ", more than an array within the limit of " +
                                                     std::to_string(limits.maxElements) + " elements can take");
        buf.insert(buf.end(), chunk.begin(), chunk.begin() + std::ptrdiff_t(r));
    }
    return buf;
}

// Reads the preamble and header of a regular file; leaves the file positioned at the data.
Header readHeader(std::FILE* f, uint64_t fileSize, const std::string& what, const ReadLimits& limits)
{
    std::byte first[12] = {};
    const size_t have = size_t(std::min<uint64_t>(fileSize, sizeof first));
    readExact(f, first, have, what);
    const Preamble pre = parsePreamble(first, have, fileSize, what);
    std::string text(pre.headerLen, '\0');
    if (std::fseek(f, long(pre.prefixLen), SEEK_SET) != 0)
        fail(ErrorCode::BadFile, what, std::string("cannot seek in the file: ") + std::strerror(errno));
    readExact(f, text.data(), text.size(), what);
    Header h = parseHeaderText(text, what, limits);
    checkDataSize(h, fileSize - pre.prefixLen - pre.headerLen, what);
    return h;
}

void checkConsistent(const NpyArray& a, const char* op)
{
    const int64_t n = shapeElementCount(a.shape);
    if (uint64_t(n) * itemSize(a.dtype) != a.bytes.size())
        throw Error(ErrorCode::InvalidArgument, std::string("NpyArray::") + op + ": the array holds " + bytesText(a.bytes.size()) +
                                                    " but shape " + shapeToString(a.shape) + " of " + dtypeName(a.dtype) +
                                                    " needs " + bytesText(uint64_t(n) * itemSize(a.dtype)));
}

template <class Out>
Array<Out> convertAll(const NpyArray& a, const char* op)
{
    checkConsistent(a, op);
    Array<Out> out;
    out.shape = a.shape;
    out.data.resize(a.bytes.size() / itemSize(a.dtype));
    convertRun(a.dtype, a.bytes.data(), out.data.size(), out.data.data());
    return out;
}

// Serves "header + data" of one array to the zip writer straight from the caller's buffer, bool
// elements normalised to 0/1 as writeNpy does.
void produceMember(const std::string& header, const std::byte* data, bool isBool, uint64_t offset, std::span<std::byte> out)
{
    size_t done = 0;
    if (offset < header.size()) {
        done = size_t(std::min<uint64_t>(out.size(), header.size() - offset));
        std::memcpy(out.data(), header.data() + offset, done);
    }
    if (done < out.size()) {
        const uint64_t from = offset + done - header.size();
        std::memcpy(out.data() + done, data + from, out.size() - done);
        if (isBool)
            for (size_t i = done; i < out.size(); ++i)
                out[i] = out[i] != std::byte{0} ? std::byte{1} : std::byte{0};
    }
}

// ---- writing ------------------------------------------------------------------------------------

uint64_t checkRef(const ArrayRef& a, const std::string& path)
{
    const std::string who = "cannot write '" + path + "'" + (a.name.empty() ? std::string() : ", array '" + a.name + "'");
    for (int64_t d : a.shape)
        if (d < 0)
            throw Error(ErrorCode::InvalidArgument, who + ": shape " + shapeToString(a.shape) + " has a negative dimension");
    const int64_t n = shapeElementCount(a.shape);
    if (uint64_t(n) > std::numeric_limits<uint64_t>::max() / 8)
        throw Error(ErrorCode::ResourceLimit, who + ": shape " + shapeToString(a.shape) + " is too large");
    if (n > 0 && !a.data)
        throw Error(ErrorCode::InvalidArgument, who + ": no data for shape " + shapeToString(a.shape));
    return uint64_t(n) * itemSize(a.dtype);
}

// The preamble and header NumPy writes (version 1.0 unless the header is too long), padded so the
// data starts on a 64-byte boundary.
std::string npyHeader(DType dtype, const Shape& shape)
{
    std::string dict = "{'descr': '" + nativeDescr(dtype) + "', 'fortran_order': False, 'shape': (";
    for (size_t i = 0; i < shape.size(); ++i)
        dict += (i ? ", " : "") + std::to_string(shape[i]);
    dict += shape.size() == 1 ? ",), }" : "), }";
    for (const size_t lenField : {size_t(2), size_t(4)}) {
        const size_t hlen = dict.size() + 1;
        const size_t pad = 64 - (8 + lenField + hlen) % 64;
        const size_t full = hlen + pad;
        if (lenField == 2 && full > 0xffff)
            continue;
        std::string out(reinterpret_cast<const char*>(kMagic), kMagicLen);
        out += char(lenField == 2 ? 1 : 2);
        out += char(0);
        for (size_t b = 0; b < lenField; ++b)
            out += char((full >> (8 * b)) & 0xff);
        out += dict;
        out.append(pad, ' ');
        out += '\n';
        return out;
    }
    throw Error(ErrorCode::InvalidArgument, "shape " + shapeToString(shape) + " is too long to write to a .npy header");
}

void writeChecked(std::FILE* f, const void* p, size_t n, const std::string& path)
{
    if (n > 0 && std::fwrite(p, 1, n, f) != n)
        throw Error(ErrorCode::BadFile, "cannot write '" + path + "': " + std::strerror(errno));
}

} // namespace

// ---- public API -----------------------------------------------------------------------------------

const char* dtypeName(DType dtype) noexcept
{
    switch (dtype) {
    case DType::Bool: return "bool";
    case DType::Int8: return "int8";
    case DType::UInt8: return "uint8";
    case DType::Int16: return "int16";
    case DType::UInt16: return "uint16";
    case DType::Int32: return "int32";
    case DType::UInt32: return "uint32";
    case DType::Int64: return "int64";
    case DType::UInt64: return "uint64";
    case DType::Float16: return "float16";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    }
    return "unknown";
}

int64_t NpyArray::elementCount() const
{
    return shapeElementCount(shape);
}

ArrayF NpyArray::toFloat() const
{
    return convertAll<float>(*this, "toFloat");
}

ArrayD NpyArray::toDouble() const
{
    return convertAll<double>(*this, "toDouble");
}

ArrayU8 NpyArray::toMask(const std::string& what) const
{
    checkConsistent(*this, "toMask");
    ArrayU8 out;
    out.shape = shape;
    const size_t n = bytes.size() / itemSize(dtype);
    out.data.resize(n);
    withType(dtype, [&]<class T>() {
        for (size_t i = 0; i < n; ++i) {
            const T v = load<T>(bytes.data() + i * sizeof(T));
            if constexpr (std::is_same_v<T, BoolByte>) {
                out.data[i] = v.v ? 1 : 0;
            } else {
                const double d = convertValue<double>(v);
                if (d == 0.0 || d == 1.0) {
                    out.data[i] = uint8_t(d);
                    continue;
                }
                std::string value;
                if constexpr (std::is_integral_v<T>) {
                    value = std::to_string(v);
                } else {
                    char buf[64];
                    std::snprintf(buf, sizeof buf, "%.9g", d);
                    value = buf;
                }
                throw Error(ErrorCode::InvalidArgument,
                            what + ": a mask must be bool or hold only 0 and 1, but this " + dtypeName(dtype) + " array of shape " +
                                shapeToString(shape) + " holds " + value +
                                (shape.empty() ? std::string() : " at index " + indexText(shape, int64_t(i))));
            }
        }
    });
    return out;
}

NpyArray parseNpy(const std::byte* data, size_t size, const std::string& what, const ReadLimits& limits)
{
    if (!data && size > 0)
        throw Error(ErrorCode::InvalidArgument, what + ": no data");
    const Preamble pre = parsePreamble(data, size, size, what);
    const std::string_view text(reinterpret_cast<const char*>(data) + pre.prefixLen, pre.headerLen);
    const Header h = parseHeaderText(text, what, limits);
    const size_t offset = pre.prefixLen + pre.headerLen;
    checkDataSize(h, size - offset, what);
    NpyArray a;
    a.dtype = h.dtype;
    a.shape = h.shape;
    a.bytes.assign(data + offset, data + offset + h.dataBytes);
    finishBytes(a, h);
    return a;
}

NpyArray readNpy(const std::string& path, const ReadLimits& limits)
{
    OpenFile f = openForReading(path);
    if (!f.regular)
        return parseOwned(readStream(f.file.get(), path, limits), path, limits);
    const Header h = readHeader(f.file.get(), f.size, path, limits);
    NpyArray a;
    a.dtype = h.dtype;
    a.shape = h.shape;
    a.bytes.resize(size_t(h.dataBytes));
    readExact(f.file.get(), a.bytes.data(), a.bytes.size(), path);
    finishBytes(a, h);
    return a;
}

ArrayF readNpyAsFloat(const std::string& path, const ReadLimits& limits)
{
    OpenFile f = openForReading(path);
    if (!f.regular)
        return parseOwned(readStream(f.file.get(), path, limits), path, limits).toFloat();
    const Header h = readHeader(f.file.get(), f.size, path, limits);
    ArrayF out;
    out.shape = h.shape;
    const size_t count = size_t(h.count);
    const size_t isz = itemSize(h.dtype);
    const bool fortran = h.fortran && orderMatters(h.shape);

    if (h.dtype == DType::Float32 && !fortran) {
        // The common case: one read straight into the result.
        out.data.resize(count);
        readExact(f.file.get(), out.data.data(), count * sizeof(float), path);
        if (h.swap)
            byteSwapInPlace(reinterpret_cast<std::byte*>(out.data.data()), count, sizeof(float));
        return out;
    }
    if (!fortran) {
        // Convert in chunks: the extra memory is one chunk.
        out.data.resize(count);
        const size_t perChunk = std::max<size_t>(1, kChunkBytes / isz);
        std::vector<std::byte> chunk(std::min(count, perChunk) * isz);
        for (size_t done = 0; done < count;) {
            const size_t n = std::min(perChunk, count - done);
            readExact(f.file.get(), chunk.data(), n * isz, path);
            if (h.swap)
                byteSwapInPlace(chunk.data(), n, isz);
            convertRun(h.dtype, chunk.data(), n, out.data.data() + done);
            done += n;
        }
        return out;
    }
    // Fortran order: read the raw elements, then gather them in C order while converting.
    std::vector<std::byte> raw(size_t(h.dataBytes));
    readExact(f.file.get(), raw.data(), raw.size(), path);
    if (h.swap)
        byteSwapInPlace(raw.data(), count, isz);
    out.data.resize(count);
    float* dst = out.data.data();
    const std::byte* src = raw.data();
    withType(h.dtype, [&]<class T>() {
        forEachFortranToC(h.shape, [&](size_t d, size_t s) { dst[d] = convertValue<float>(load<T>(src + s * sizeof(T))); });
    });
    return out;
}

std::vector<std::pair<std::string, NpyArray>> readNpz(const std::string& path, const ReadLimits& limits)
{
    io::ZipReadOptions options;
    options.kind = "an .npz file";
    options.maxMemberBytes = maxImageBytes(limits);
    options.maxMemberMeaning = "an array within the limit of " + std::to_string(limits.maxElements) + " elements can take";
    // Two members of one name are refused when the archive is opened (libzip's consistency check).
    io::ZipReader zip = io::ZipReader::open(path, options);
    std::vector<std::pair<std::string, NpyArray>> result;
    for (const io::ZipMember& m : zip.members()) {
        if (m.name.size() < 4 || m.name.compare(m.name.size() - 4, 4, ".npy") != 0)
            continue; // not an array
        const std::string key = m.name.substr(0, m.name.size() - 4);
        result.emplace_back(key, parseOwned(zip.read(m), path + ":" + key, limits));
    }
    return result;
}

ArrayRef ref(const std::string& name, const ArrayF& a)
{
    if (uint64_t(shapeElementCount(a.shape)) != a.data.size())
        throw Error(ErrorCode::InvalidArgument, "array '" + name + "' has shape " + shapeToString(a.shape) + " but holds " +
                                                    std::to_string(a.data.size()) + " values");
    return ArrayRef{name, DType::Float32, a.shape, a.data.data()};
}

ArrayRef ref(const std::string& name, const ArrayD& a)
{
    if (uint64_t(shapeElementCount(a.shape)) != a.data.size())
        throw Error(ErrorCode::InvalidArgument, "array '" + name + "' has shape " + shapeToString(a.shape) + " but holds " +
                                                    std::to_string(a.data.size()) + " values");
    return ArrayRef{name, DType::Float64, a.shape, a.data.data()};
}

ArrayRef refBool(const std::string& name, const ArrayU8& a)
{
    if (uint64_t(shapeElementCount(a.shape)) != a.data.size())
        throw Error(ErrorCode::InvalidArgument, "array '" + name + "' has shape " + shapeToString(a.shape) + " but holds " +
                                                    std::to_string(a.data.size()) + " values");
    return ArrayRef{name, DType::Bool, a.shape, a.data.data()};
}

void writeNpy(const std::string& path, const ArrayRef& array)
{
    const uint64_t dataBytes = checkRef(array, path);
    const std::string header = npyHeader(array.dtype, array.shape);
    writeFileAtomically(path, [&](const std::string& tmp) {
        FilePtr f(std::fopen(tmp.c_str(), "wb"));
        if (!f)
            throw Error(ErrorCode::BadFile, "cannot write '" + path + "': " + std::strerror(errno));
        writeChecked(f.get(), header.data(), header.size(), path);
        const auto* data = static_cast<const std::byte*>(array.data);
        if (array.dtype == DType::Bool) {
            std::vector<std::byte> chunk(std::min<uint64_t>(dataBytes, kChunkBytes));
            for (uint64_t done = 0; done < dataBytes;) {
                const size_t n = size_t(std::min<uint64_t>(chunk.size(), dataBytes - done));
                for (size_t i = 0; i < n; ++i)
                    chunk[i] = data[done + i] != std::byte{0} ? std::byte{1} : std::byte{0};
                writeChecked(f.get(), chunk.data(), n, path);
                done += n;
            }
        } else {
            writeChecked(f.get(), data, size_t(dataBytes), path);
        }
        const bool flushed = std::fflush(f.get()) == 0;
        const int flushErr = errno;
        const bool closed = std::fclose(f.release()) == 0;
        if (!flushed || !closed)
            throw Error(ErrorCode::BadFile, "cannot write '" + path + "': " + std::strerror(!flushed ? flushErr : errno));
    });
}

void writeNpz(const std::string& path, const std::vector<ArrayRef>& arrays)
{
    std::set<std::string> names;
    for (const ArrayRef& a : arrays) {
        if (a.name.empty())
            throw Error(ErrorCode::InvalidArgument, "cannot write '" + path + "': an array has no name");
        if (!names.insert(a.name).second)
            throw Error(ErrorCode::InvalidArgument, "cannot write '" + path + "': two arrays are named '" + a.name + "'");
        checkRef(a, path);
    }
    io::ZipWriter::write(path, [&](io::ZipWriter& zip) {
        for (const ArrayRef& a : arrays) {
            const std::string header = npyHeader(a.dtype, a.shape);
            const auto* data = static_cast<const std::byte*>(a.data);
            const bool isBool = a.dtype == DType::Bool;
            const uint64_t size = header.size() + shapeElementCount(a.shape) * itemSize(a.dtype);
            zip.addStream(a.name + ".npy", size, [header, data, isBool](uint64_t offset, std::span<std::byte> out) {
                produceMember(header, data, isBool, offset, out);
            });
        }
    });
}

} // namespace gruscope::npy
