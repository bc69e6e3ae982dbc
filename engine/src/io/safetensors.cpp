// safetensors reading with every header value checked before it is used (see safetensors.h).
#include "io/safetensors.h"

#include "gruscope/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace gruscope::io::safetensors {

namespace {

struct DTypeName {
    const char* text;
    DType dtype;
};

constexpr std::array<DTypeName, 16> kDTypes{{
    {"BOOL", DType::Bool}, {"U8", DType::U8}, {"I8", DType::I8}, {"F8_E5M2", DType::F8E5M2},
    {"F8_E4M3", DType::F8E4M3}, {"F8_E8M0", DType::F8E8M0}, {"I16", DType::I16}, {"U16", DType::U16},
    {"F16", DType::F16}, {"BF16", DType::BF16}, {"I32", DType::I32}, {"U32", DType::U32},
    {"F32", DType::F32}, {"I64", DType::I64}, {"U64", DType::U64}, {"F64", DType::F64},
}};

[[noreturn]] void bad(const std::string& what, const std::string& message)
{
    throw Error(ErrorCode::BadFile, what + ": " + message);
}

uint64_t le64(const std::byte* p) noexcept
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | uint64_t(std::to_integer<uint8_t>(p[i]));
    return v;
}

// Nesting depth and object count of a JSON text, strings skipped; bounds what the parser builds.
void prescan(std::string_view text, const std::string& what)
{
    int depth = 0;
    size_t objects = 0;
    bool inString = false, escaped = false;
    for (char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > 16)
                bad(what, "the safetensors header nests deeper than 16 levels: not a safetensors header");
            if (c == '{' && ++objects > kMaxTensors + 2)
                throw Error(ErrorCode::ResourceLimit,
                            what + ": the safetensors header describes more than " + std::to_string(kMaxTensors) + " tensors");
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
}

std::string offsetsText(uint64_t b, uint64_t e)
{
    return "[" + std::to_string(b) + ", " + std::to_string(e) + ")";
}

float halfToFloat(uint16_t h) noexcept
{
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t man = h & 0x3FFu;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { // subnormal: normalise
            int e = -1;
            do {
                ++e;
                man <<= 1;
            } while (!(man & 0x400u));
            bits = sign | (uint32_t(127 - 15 - e) << 23) | ((man & 0x3FFu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7F800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    return std::bit_cast<float>(bits);
}

} // namespace

size_t dtypeSize(DType d) noexcept
{
    switch (d) {
    case DType::Bool: case DType::U8: case DType::I8: case DType::F8E5M2: case DType::F8E4M3: case DType::F8E8M0: return 1;
    case DType::I16: case DType::U16: case DType::F16: case DType::BF16: return 2;
    case DType::I32: case DType::U32: case DType::F32: return 4;
    case DType::I64: case DType::U64: case DType::F64: return 8;
    }
    return 1;
}

const char* dtypeName(DType d) noexcept
{
    switch (d) {
    case DType::Bool: return "bool";
    case DType::U8: return "uint8";
    case DType::I8: return "int8";
    case DType::F8E5M2: return "float8_e5m2";
    case DType::F8E4M3: return "float8_e4m3";
    case DType::F8E8M0: return "float8_e8m0";
    case DType::I16: return "int16";
    case DType::U16: return "uint16";
    case DType::F16: return "float16";
    case DType::BF16: return "bfloat16";
    case DType::I32: return "int32";
    case DType::U32: return "uint32";
    case DType::F32: return "float32";
    case DType::I64: return "int64";
    case DType::U64: return "uint64";
    case DType::F64: return "float64";
    }
    return "?";
}

bool isFloatWeight(DType d) noexcept
{
    return d == DType::F16 || d == DType::BF16 || d == DType::F32 || d == DType::F64;
}

std::string printable(std::string_view s, size_t maxLen)
{
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (out.size() >= maxLen) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out += char(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

const Tensor* Header::find(const std::string& name) const
{
    for (const auto& t : tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

bool looksLikeSafetensors(const std::byte* first, size_t have, uint64_t fileSize) noexcept
{
    if (have < 10 || fileSize < 10)
        return false;
    const uint64_t n = le64(first);
    return n >= 2 && n <= fileSize - 8 && n <= kMaxHeaderBytes && first[8] == std::byte{'{'};
}

Header parseHeader(std::string_view text, uint64_t dataBytes, const std::string& what)
{
    prescan(text, what);
    nlohmann::ordered_json j;
    try {
        j = nlohmann::ordered_json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        bad(what, std::string("the safetensors header is not valid JSON (") + e.what() + ")");
    }
    if (!j.is_object())
        bad(what, std::string("the safetensors header must be a JSON object; found a JSON ") + j.type_name());
    Header h;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& name = it.key();
        const auto& v = it.value();
        const std::string where = "tensor '" + printable(name) + "'";
        if (name == "__metadata__") {
            if (!v.is_object())
                bad(what, std::string("__metadata__ must be an object of strings; found a JSON ") + v.type_name());
            for (auto m = v.begin(); m != v.end(); ++m)
                h.metadata.emplace_back(m.key(), m.value().is_string() ? m.value().get<std::string>() : m.value().dump());
            continue;
        }
        if (!v.is_object())
            bad(what, where + ": expected an object with dtype, shape and data_offsets; found a JSON " + v.type_name());
        Tensor t;
        t.name = name;
        const auto dt = v.find("dtype");
        if (dt == v.end() || !dt->is_string())
            bad(what, where + ": no dtype string");
        t.dtypeText = dt->get<std::string>();
        const auto known = std::find_if(kDTypes.begin(), kDTypes.end(), [&](const DTypeName& d) { return t.dtypeText == d.text; });
        if (known == kDTypes.end())
            bad(what, where + ": unknown dtype '" + printable(t.dtypeText) +
                          "' (safetensors dtypes: BOOL, U8, I8, I16, U16, I32, U32, I64, U64, F8_E5M2, F8_E4M3, F8_E8M0, F16, BF16, F32, F64)");
        t.dtype = known->dtype;
        const auto sh = v.find("shape");
        if (sh == v.end() || !sh->is_array())
            bad(what, where + ": no shape list");
        if (sh->size() > 32)
            bad(what, where + ": a shape of " + std::to_string(sh->size()) + " dimensions");
        uint64_t count = 1;
        bool overflow = false;
        for (const auto& d : *sh) {
            if (!d.is_number_unsigned())
                bad(what, where + ": shape " + printable(sh->dump()) + " holds something that is not a non-negative integer");
            const uint64_t n = d.get<uint64_t>();
            if (n > uint64_t(std::numeric_limits<int64_t>::max()))
                overflow = true;
            t.shape.push_back(int64_t(std::min<uint64_t>(n, uint64_t(std::numeric_limits<int64_t>::max()))));
            if (n != 0 && count > std::numeric_limits<uint64_t>::max() / n)
                overflow = true;
            else
                count *= n;
        }
        const auto off = v.find("data_offsets");
        if (off == v.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
            !(*off)[1].is_number_unsigned())
            bad(what, where + ": data_offsets must be two non-negative integers [begin, end)");
        t.begin = (*off)[0].get<uint64_t>();
        t.end = (*off)[1].get<uint64_t>();
        if (t.begin > t.end)
            bad(what, where + ": data_offsets " + offsetsText(t.begin, t.end) + " end before they begin");
        if (t.end > dataBytes)
            bad(what, where + ": data_offsets " + offsetsText(t.begin, t.end) + " reach past the data region of " +
                          std::to_string(dataBytes) + " bytes");
        const uint64_t size = dtypeSize(t.dtype);
        if (overflow || count > std::numeric_limits<uint64_t>::max() / size)
            bad(what, where + ": shape " + shapeToString(t.shape) + " has more elements than can exist");
        if (count * size != t.end - t.begin)
            bad(what, where + ": shape " + shapeToString(t.shape) + " of " + t.dtypeText + " needs " + std::to_string(count * size) +
                          " bytes but data_offsets " + offsetsText(t.begin, t.end) + " hold " + std::to_string(t.end - t.begin));
        h.tensors.push_back(std::move(t));
    }
    std::vector<const Tensor*> byOffset;
    for (const auto& t : h.tensors)
        if (t.end > t.begin)
            byOffset.push_back(&t);
    std::sort(byOffset.begin(), byOffset.end(), [](const Tensor* a, const Tensor* b) { return a->begin < b->begin; });
    for (size_t i = 1; i < byOffset.size(); ++i)
        if (byOffset[i]->begin < byOffset[i - 1]->end)
            bad(what, "tensors '" + printable(byOffset[i - 1]->name) + "' " + offsetsText(byOffset[i - 1]->begin, byOffset[i - 1]->end) +
                          " and '" + printable(byOffset[i]->name) + "' " + offsetsText(byOffset[i]->begin, byOffset[i]->end) +
                          " overlap");
    return h;
}

Header readHeader(const std::string& path)
{
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec)
        throw Error(ErrorCode::BadFile, path + ": cannot read the file (" + ec.message() + ")");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(ErrorCode::BadFile, path + ": cannot open the file");
    if (size < 8)
        bad(path, "only " + std::to_string(size) + " bytes: too short for a safetensors file (8-byte header length)");
    std::array<std::byte, 8> len{};
    if (!in.read(reinterpret_cast<char*>(len.data()), 8))
        bad(path, "cannot read the safetensors header length");
    const uint64_t n = le64(len.data());
    if (n > kMaxHeaderBytes)
        bad(path, "the safetensors header length " + std::to_string(n) + " is over the format's limit of " +
                      std::to_string(kMaxHeaderBytes) + " bytes: not a safetensors file, or a corrupt one");
    if (n > size - 8)
        bad(path, "the safetensors header length " + std::to_string(n) + " passes the end of the file (" + std::to_string(size) +
                      " bytes): truncated or not a safetensors file");
    if (n < 2)
        bad(path, "the safetensors header length " + std::to_string(n) + " is too small for a JSON object");
    std::string text(size_t(n), '\0');
    if (!in.read(text.data(), std::streamsize(n)))
        bad(path, "cannot read the " + std::to_string(n) + "-byte safetensors header");
    Header h = parseHeader(text, size - 8 - n, path);
    h.fileSize = size;
    h.dataStart = 8 + n;
    return h;
}

ArrayF readFloat(const std::string& path, const Header& header, const Tensor& t, int64_t maxElements)
{
    const std::string what = path + ": tensor '" + printable(t.name) + "'";
    if (!isFloatWeight(t.dtype))
        bad(what, "dtype " + t.dtypeText + ": a weight must be F32, F16, BF16 or F64");
    const int64_t count = shapeElementCount(t.shape);
    if (count > maxElements)
        throw Error(ErrorCode::ResourceLimit, what + ": " + std::to_string(count) + " elements, more than the limit of " +
                                                  std::to_string(maxElements));
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) != header.fileSize || ec)
        bad(path, "the file changed since its header was read");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(ErrorCode::BadFile, path + ": cannot open the file");
    const size_t bytes = size_t(t.end - t.begin);
    std::vector<std::byte> raw(bytes);
    in.seekg(std::streamoff(header.dataStart + t.begin));
    if (!in || (bytes > 0 && !in.read(reinterpret_cast<char*>(raw.data()), std::streamsize(bytes))))
        bad(what, "cannot read its " + std::to_string(bytes) + " bytes");
    ArrayF out;
    out.shape = t.shape;
    out.data.resize(size_t(count));
    const std::byte* p = raw.data();
    const auto u = [&](size_t i) { return uint64_t(std::to_integer<uint8_t>(p[i])); };
    for (size_t i = 0; i < size_t(count); ++i) {
        switch (t.dtype) {
        case DType::F32: {
            const size_t o = 4 * i;
            out.data[i] = std::bit_cast<float>(uint32_t(u(o) | u(o + 1) << 8 | u(o + 2) << 16 | u(o + 3) << 24));
            break;
        }
        case DType::F16: out.data[i] = halfToFloat(uint16_t(u(2 * i) | u(2 * i + 1) << 8)); break;
        case DType::BF16: out.data[i] = std::bit_cast<float>(uint32_t(u(2 * i) | u(2 * i + 1) << 8) << 16); break;
        case DType::F64: {
            uint64_t b = 0;
            for (int k = 7; k >= 0; --k)
                b = (b << 8) | u(8 * i + size_t(k));
            out.data[i] = float(std::bit_cast<double>(b));
            break;
        }
        default: break;
        }
    }
    return out;
}

} // namespace gruscope::io::safetensors
