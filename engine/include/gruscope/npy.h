// NumPy .npy / .npz reading and writing (format version 1.0-3.0, any endianness, C or Fortran
// order). Readers check every size against a limit before they allocate; writers are atomic.
#pragma once

#include "gruscope/array.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gruscope::npy {

enum class DType { Bool, Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64, UInt64, Float16, Float32, Float64 };

const char* dtypeName(DType dtype) noexcept; // "float32", "bool", ...

struct ReadLimits {
    int64_t maxElements = int64_t(1) << 28; // per array; a larger header is refused before allocating
};

// One array as stored: its dtype, its shape and its elements in C order, native endianness.
struct NpyArray {
    DType dtype = DType::Float32;
    Shape shape;
    std::vector<std::byte> bytes;

    int64_t elementCount() const;
    ArrayF toFloat() const;  // any numeric or bool dtype; float64 is rounded to nearest
    ArrayD toDouble() const;
    ArrayU8 toMask(const std::string& what) const; // bool or integers that are 0/1; else Error naming `what`
};

// Parse a whole .npy image held in memory. `what` names it in error messages ("X.npy",
// "weights.npz:kernel").
NpyArray parseNpy(const std::byte* data, size_t size, const std::string& what, const ReadLimits& limits = {});

NpyArray readNpy(const std::string& path, const ReadLimits& limits = {});

// Fast path for the CLI: reads straight into the float buffer when the file holds C-order
// little-endian float32, converts otherwise (peak memory stays at one copy of the result).
ArrayF readNpyAsFloat(const std::string& path, const ReadLimits& limits = {});

// Every member of an .npz (stored or deflated), keyed by name without the ".npy" suffix, in
// archive order.
std::vector<std::pair<std::string, NpyArray>> readNpz(const std::string& path, const ReadLimits& limits = {});

// What to write: a name, a shape and a pointer to C-order data that stays valid during the call.
struct ArrayRef {
    std::string name;
    DType dtype = DType::Float32;
    Shape shape;
    const void* data = nullptr;
};

ArrayRef ref(const std::string& name, const ArrayF& a);
ArrayRef ref(const std::string& name, const ArrayD& a);
ArrayRef refBool(const std::string& name, const ArrayU8& a);

// Atomic: the file appears complete under `path` or not at all; an existing file is kept on failure.
void writeNpy(const std::string& path, const ArrayRef& array);
void writeNpz(const std::string& path, const std::vector<ArrayRef>& arrays); // uncompressed (stored)

} // namespace gruscope::npy
