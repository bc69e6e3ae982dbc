// A small HDF5 writer over the C API for the Keras weight-file writers: groups, string attributes
// of the exact types h5py writes, and float32 datasets. Every HDF5 return code is checked and
// turned into an Error(BadFile) that names the file and the object. All HDF5 calls are serialised
// by one mutex (the reader in h5_file.cpp has its own; see the note in h5_writer.cpp).
#pragma once

#include "gruscope/array.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace gruscope::h5 {

// h5py writes Python `str` as variable-length UTF-8 and `bytes` as variable-length ASCII.
enum class StringEncoding { Ascii, Utf8 };

class Writer {
public:
    // Creates (truncates) an HDF5 file on disk. `name` is used in messages.
    static Writer create(const std::string& path, const std::string& name);
    // Creates an HDF5 file in memory (core driver, no backing store); take it with image().
    static Writer createInMemory(const std::string& name);

    Writer(Writer&&) noexcept;
    Writer& operator=(Writer&&) noexcept;
    ~Writer(); // closes what is still open, ignoring failures (use close() to see them)

    // Creates a group and any missing parents ("/layers/gru/cell/vars"); an existing group is kept.
    void group(const std::string& path);
    // Scalar variable-length string attribute (h5py: obj.attrs[k] = "text" / b"text").
    void stringAttribute(const std::string& path, const std::string& attr, const std::string& value, StringEncoding encoding);
    // 1-D variable-length string attribute (h5py: attrs[k] = [b"a", b"b"]). An empty list is written
    // the way h5py writes [] : a float64 attribute of shape (0,).
    void stringListAttribute(const std::string& path, const std::string& attr, const std::vector<std::string>& values,
                             StringEncoding encoding);
    // Little-endian float32, contiguous, without timestamps (h5py's defaults); parents are created.
    void floatDataset(const std::string& path, const ArrayF& array);

    // In-memory files only: flushes and returns the complete file image.
    std::vector<std::byte> image();
    // Flushes and closes; throws when HDF5 reports a failure. Later calls do nothing.
    void close();

private:
    struct Impl;
    explicit Writer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace gruscope::h5
