// A read-only HDF5 virtual file driver for an HDF5 file that lies inside another file at a known
// offset (a stored model.weights.h5 inside a .keras zip): address a is read at offset + a, the
// file ends at the member's size. libhdf5 asks for the superblock, the object headers and the
// chunks it needs, so opening a member and reading one small dataset reads kilobytes, not the
// whole member. Engine-internal; callers go through h5::File::openMember.
#pragma once

#include <hdf5.h>

#include <cstdint>

namespace gruscope::h5::detail {

// Where the HDF5 file lies in the outer file. Passed through the file access property list.
struct OffsetDriverInfo {
    uint64_t offset = 0; // of the HDF5 file's first byte in the outer file
    uint64_t size = 0;   // of the HDF5 file: its end of file
};

// The driver's id, registered with libhdf5 on first use. Call with h5::libraryMutex() held.
hid_t offsetDriver();

// Sets `fapl` to read through the driver. Call with h5::libraryMutex() held.
herr_t setOffsetDriver(hid_t fapl, const OffsetDriverInfo& info);

} // namespace gruscope::h5::detail

namespace gruscope::h5 {

// Bytes the driver has read from disk in this process, all files together (pread calls that
// succeeded). For tests and measurements: take the difference around what is measured.
uint64_t offsetDriverBytesRead() noexcept;

} // namespace gruscope::h5
