// Where a stored (uncompressed) zip member's bytes lie in its archive, so that a reader can use
// them in place instead of unpacking them (a .keras archive's model.weights.h5, opened by libhdf5
// through h5::File::openMember). libzip says nothing of offsets: the central directory entry and
// the local header are read here, and every field that matters is checked against the other and
// against what libzip listed.
#pragma once

#include "io/zip_archive.h"

#include <cstdint>
#include <string>

namespace gruscope::io {

struct StoredMemberRange {
    uint64_t offset = 0; // of the member's first byte in the archive
    uint64_t size = 0;
};

// Throws Error(BadFile) naming "path:member" when the archive's end record, central directory
// entry `member.index` or the member's local header cannot be read or disagree (names, sizes,
// method, encryption), or when the bytes would not lie inside the file before the central
// directory; Error(Unsupported) for a member that is encrypted or not stored. The member's CRC is
// not checked: that needs every byte.
StoredMemberRange locateStoredMember(const std::string& path, const ZipMember& member);

} // namespace gruscope::io
