// The engine's one door to libzip: a reader for .keras and .npz archives that trusts no size it has
// not checked, and an atomic writer. Engine-internal; no libzip type shows here.
//
// Reading opens with libzip's consistency check (ZIP_CHECKCONS: every local header must agree with
// its central directory entry, members must lie before the central directory, nothing may follow
// the end record), checks a member's declared sizes before anything is allocated from them, and
// reads every member to its end so that libzip verifies the CRC and the length. Every Error names
// the file, the member and what was wrong. A stored member can instead be used in place, without
// reading it (zip_stored_member.h: its offset from the headers; .keras weights): then its CRC is
// not verified, and checkMemberInPlace applies the checks that need no reading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gruscope::io {

// A member as the central directory declares it.
struct ZipMember {
    uint64_t index = 0;
    std::string name;
    uint64_t size = 0;           // declared uncompressed size
    uint64_t compressedSize = 0; // declared size in the file
    uint16_t method = 0;         // 0 stored, 8 deflated; others (bzip2 12, lzma 14, zstd 93, ...) as libzip reports them
    bool encrypted = false;

    bool stored() const noexcept { return method == 0; }
};

struct ZipReadOptions {
    // What the file should be, for messages ("an .npz file": "not an .npz file: it is not a valid
    // zip archive (...)"); empty: "not a valid zip archive (...)".
    std::string kind;
    // Refuse the whole archive at open when a member's name is absolute, holds "..", a backslash or
    // a drive colon (a name that would leave the folder it is unpacked into).
    bool refuseSuspiciousNames = false;
    uint64_t maxMembers = 100000;
    // A member declaring more is refused before it is read (Error ResourceLimit); the meaning is
    // said in the message: "more than the 80 bytes <meaning>".
    uint64_t maxMemberBytes = std::numeric_limits<uint64_t>::max();
    std::string maxMemberMeaning = "allowed";
    // A member larger than bombMinBytes that expands more than bombRatio times is refused as a zip
    // bomb (Error ResourceLimit). Stored and deflated members cannot pass 1032 (deflate's largest
    // ratio, checked separately); this catches the other methods.
    uint64_t bombRatio = 1000;
    uint64_t bombMinBytes = uint64_t(64) << 20;
};

class ZipReader {
public:
    // Opens `path` read-only with the consistency check and lists its members. Throws Error(BadFile)
    // for a missing file, a folder, an empty file, a file that is not a zip, an inconsistent archive
    // (naming the member at fault where one is: a size that cannot fit in the file, two members of
    // one name), and Error(ResourceLimit) for too many members.
    static ZipReader open(const std::string& path, ZipReadOptions options = {});

    ZipReader(ZipReader&&) noexcept;
    ZipReader& operator=(ZipReader&&) noexcept;
    ~ZipReader();

    const std::string& path() const noexcept;
    uint64_t fileBytes() const noexcept; // the archive's size on disk
    const std::vector<ZipMember>& members() const noexcept;
    const ZipMember* find(std::string_view name) const noexcept;
    std::string describe(const ZipMember& member) const; // "file:member", how messages name it

    // Refuses a member before it is read: encrypted (Unsupported), over maxMemberBytes or a bomb
    // (ResourceLimit), sizes that cannot come from a file this size (BadFile). read() and
    // readChunks() call it first.
    void checkMember(const ZipMember& member) const;
    // The same checks without maxMemberBytes, for a member used in place rather than read into
    // memory (zip_stored_member.h): the cap limits memory, and such a member takes none.
    void checkMemberInPlace(const ZipMember& member) const;

    // The whole member, verified to unpack to exactly its declared size with a matching CRC. Memory
    // grows with the bytes that really arrive, not with what the archive declares.
    std::vector<std::byte> read(const ZipMember& member);

    // The member in order, at most chunkBytes at a time, with the same checks as read(); never holds
    // the whole member. The last call to `sink` comes before the CRC is known: a caller that must
    // not act on corrupt data keeps its result until readChunks returns.
    void readChunks(const ZipMember& member, const std::function<void(std::span<const std::byte>)>& sink,
                    size_t chunkBytes = size_t(1) << 20);

private:
    struct Impl;
    explicit ZipReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

enum class ZipCompression { Stored, Deflated };

class ZipWriter {
public:
    // Fills `producer`'s buffer with the member's bytes from `offset` on (out.size() bytes, never
    // past the declared size). May be called again from offset 0 if libzip rereads a member.
    using Producer = std::function<void(uint64_t offset, std::span<std::byte> out)>;

    // Writes the archive `path` atomically (gruscope/atomic_file.h): `fill` adds the members, then
    // libzip writes them into a temporary file that replaces `path` only when all went well. On any
    // failure (fill throws, a producer throws, libzip fails) the archive is discarded, no file is
    // left behind and an existing `path` is untouched; the error names the file and, where known,
    // the member. An archive without members is written as the 22-byte empty zip.
    static void write(const std::string& path, const std::function<void(ZipWriter&)>& fill);

    // Bytes from memory. They are read when write() closes the archive: they must live until
    // write() returns.
    void add(const std::string& name, std::span<const std::byte> data, ZipCompression compression = ZipCompression::Stored);
    void add(const std::string& name, std::string_view text, ZipCompression compression = ZipCompression::Stored);
    // `size` bytes produced on demand while the archive is written, never held whole.
    void addStream(const std::string& name, uint64_t size, Producer producer,
                   ZipCompression compression = ZipCompression::Stored);

    ZipWriter(const ZipWriter&) = delete;
    ZipWriter& operator=(const ZipWriter&) = delete;

private:
    struct Impl;
    explicit ZipWriter(Impl& impl) : m_impl(impl) {}
    Impl& m_impl;
};

} // namespace gruscope::io
