// A small, defensive reader over the HDF5 C API: paths in, plain C++ out, every HDF5 failure
// turned into an Error that names the file and the object. It follows hard links only (soft and
// external links are reported, never followed), checks every size against limits before it
// allocates, and serialises all HDF5 calls (Debian's libhdf5 is not thread-safe).
#pragma once

#include "gruscope/array.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace gruscope::h5 {

struct Limits {
    int64_t maxElements = int64_t(1) << 28;      // per dataset read
    int64_t maxAttributeBytes = int64_t(16) << 20; // per attribute
    int64_t maxChildren = 1 << 20;               // per group
};

enum class Kind { Missing, Group, Dataset, SoftLink, ExternalLink, Other };

enum class ElementType { Float16, BFloat16, Float32, Float64, Integer, String, Other };

struct DatasetInfo {
    Shape shape;
    ElementType type = ElementType::Other;
    int elementBytes = 0;
    std::string typeName; // "float32", "int64", "bfloat16 (stored as uint16)", ...
};

class File {
public:
    // Opens read-only. Throws Error(BadFile) naming the path when it is missing, unreadable or
    // not HDF5.
    static File open(const std::string& path, const Limits& limits = {});
    // Opens an HDF5 file image held in memory (a .keras archive's model.weights.h5). `name` is
    // used in messages ("model.keras:model.weights.h5").
    static File openImage(std::vector<std::byte> image, const std::string& name, const Limits& limits = {});
    // Opens the HDF5 file that lies at bytes [offset, offset + size) of `outerPath` (a stored
    // member of a .keras zip) in place: only the bytes libhdf5 asks for are read, through a
    // read-only driver (h5_offset_driver.h). `name` is used in messages. Throws Error(BadFile) when
    // the range is not inside the file, holds no HDF5 signature, or HDF5 cannot open it.
    static File openMember(const std::string& outerPath, uint64_t offset, uint64_t size, const std::string& name,
                           const Limits& limits = {});

    File(File&&) noexcept;
    File& operator=(File&&) noexcept;
    ~File();

    const std::string& name() const noexcept;
    const Limits& limits() const noexcept;

    Kind kind(const std::string& path) const;
    bool isGroup(const std::string& path) const { return kind(path) == Kind::Group; }
    bool isDataset(const std::string& path) const { return kind(path) == Kind::Dataset; }

    // Names of a group's members in HDF5's name order.
    std::vector<std::string> children(const std::string& groupPath) const;

    std::vector<std::string> attributeNames(const std::string& path) const;
    bool hasAttribute(const std::string& path, const std::string& attr) const;
    // String attribute as a list: fixed or variable length, scalar or 1-D, ASCII or UTF-8; a
    // zero-size numeric attribute (h5py's encoding of []) gives an empty list. nullopt when absent.
    std::optional<std::vector<std::string>> strings(const std::string& path, const std::string& attr) const;
    // A scalar (or one-element) string attribute; nullopt when absent.
    std::optional<std::string> string(const std::string& path, const std::string& attr) const;
    // A numeric attribute's values as double; nullopt when absent or not numeric.
    std::optional<std::vector<double>> numbers(const std::string& path, const std::string& attr) const;

    DatasetInfo datasetInfo(const std::string& path) const;
    // Reads a floating-point (or integer) dataset as float32. float16 and float64 are converted;
    // bfloat16 is recognised by a "dtype" attribute of "bfloat16" on a uint16 dataset (Keras 3).
    ArrayF readFloat(const std::string& path) const;

private:
    struct Impl;
    explicit File(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// Called before each libhdf5 access with the file's name, the object ("/model_weights/gru",
// "/ @keras_version" for an attribute) and what is being done ("reading"). One observer per
// process; nullptr (the default) observes nothing. The parse worker uses it to say where the
// library was when it crashed or hung.
using ObjectObserver = void (*)(const std::string& file, const std::string& object, const char* doing);
void setObjectObserver(ObjectObserver observer) noexcept;

// The one lock around every libhdf5 call in GruScope (reader and writer).
std::recursive_mutex& libraryMutex();

// True when the first bytes are an HDF5 signature (at offset 0, 512, 1024, ...; user blocks).
bool looksLikeHdf5(const std::byte* data, size_t size);
bool fileLooksLikeHdf5(const std::string& path);

} // namespace gruscope::h5
