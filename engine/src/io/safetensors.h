// safetensors files: an 8-byte little-endian header length N, N bytes of JSON
// ({"name": {"dtype", "shape", "data_offsets": [begin, end)}, "__metadata__": {...}}), then the
// data region. Every header is checked in full before anything is read: dtypes, shapes, offsets
// inside the data region, no overlaps, sizes equal to elements × dtype size.
#pragma once

#include "gruscope/array.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gruscope::io::safetensors {

// safetensors' own limit (MAX_HEADER_SIZE in the reference implementation).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr size_t kMaxTensors = 1'000'000;

enum class DType { Bool, U8, I8, F8E5M2, F8E4M3, F8E8M0, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64 };

size_t dtypeSize(DType d) noexcept;
const char* dtypeName(DType d) noexcept; // NumPy-style: "float32", "bfloat16", "int64", ...
bool isFloatWeight(DType d) noexcept;    // F16, BF16, F32, F64: what a weight may be stored as

struct Tensor {
    std::string name;
    std::string dtypeText; // as in the header ("F32")
    DType dtype = DType::F32;
    Shape shape;
    uint64_t begin = 0, end = 0; // relative to the data region
};

struct Header {
    uint64_t fileSize = 0;
    uint64_t dataStart = 0; // 8 + N
    std::vector<Tensor> tensors; // header order
    std::vector<std::pair<std::string, std::string>> metadata;

    const Tensor* find(const std::string& name) const;
};

// True when the first bytes look like a safetensors file: a plausible header length and '{'.
bool looksLikeSafetensors(const std::byte* first, size_t have, uint64_t fileSize) noexcept;

// Parses and checks the JSON header of a file whose data region holds `dataBytes` bytes.
// Throws Error(BadFile) naming `what` and the tensor at fault.
Header parseHeader(std::string_view json, uint64_t dataBytes, const std::string& what);

// Reads the length, the header and checks them against the file's size.
Header readHeader(const std::string& path);

// One tensor's elements as float32 (F16/BF16/F64 converted). Refuses more than maxElements
// elements (Error(ResourceLimit)) and non-float dtypes (Error(BadFile)).
ArrayF readFloat(const std::string& path, const Header& header, const Tensor& tensor, int64_t maxElements);

// Text fit for a message: control and non-ASCII bytes escaped, long names cut.
std::string printable(std::string_view s, size_t maxLen = 120);

} // namespace gruscope::io::safetensors
