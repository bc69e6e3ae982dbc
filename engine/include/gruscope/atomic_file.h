// Atomic file replacement: write into a temporary file beside the target, flush it to disk, then
// rename it over the target. A failure at any point removes the temporary file and leaves the
// previous target untouched.
#pragma once

#include <functional>
#include <string>

namespace gruscope {

// Calls `writer` with the temporary path; `writer` writes the complete file there (any way it
// likes) or throws. Throws Error(BadFile) naming `path` when the directory is not writable or the
// rename fails.
void writeFileAtomically(const std::string& path, const std::function<void(const std::string& tmpPath)>& writer);

// Convenience: atomically write a byte string.
void writeBytesAtomically(const std::string& path, const std::string& bytes);

} // namespace gruscope
