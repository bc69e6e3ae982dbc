// Reading a stored member's position from the zip headers (see zip_stored_member.h). Plain zip and
// zip64 (Python's zipfile, and so Keras, writes zip64 records for members and archives past 2 GiB).
#include "io/zip_stored_member.h"

#include "gruscope/error.h"
#include "io/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gruscope::io {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50, kZip64LocatorSig = 0x07064b50,
                   kZip64EndSig = 0x06064b50;
constexpr uint32_t kMax32 = 0xffffffffu;

uint16_t u16(const unsigned char* p)
{
    return uint16_t(p[0] | p[1] << 8);
}

uint32_t u32(const unsigned char* p)
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

uint64_t u64(const unsigned char* p)
{
    return uint64_t(u32(p)) | uint64_t(u32(p + 4)) << 32;
}

class Archive {
public:
    Archive(const std::string& path, std::string what) : m_what(std::move(what))
    {
        m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st {};
        if (m_fd < 0 || ::fstat(m_fd, &st) != 0)
            fail(std::string("cannot open the archive: ") + std::strerror(errno));
        m_size = uint64_t(st.st_size);
    }
    Archive(const Archive&) = delete;
    Archive& operator=(const Archive&) = delete;
    ~Archive()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }

    uint64_t size() const { return m_size; }

    [[noreturn]] void fail(const std::string& why, ErrorCode code = ErrorCode::BadFile) const { throw Error(code, m_what + ": " + why); }

    // Exactly n bytes at `at`, or an Error saying which structure runs past the end of the file.
    std::vector<unsigned char> read(uint64_t at, size_t n, const char* structure) const
    {
        if (at > m_size || n > m_size - at)
            fail(std::string("the ") + structure + " at offset " + std::to_string(at) + " runs past the end of the " +
                 std::to_string(m_size) + "-byte file (truncated or corrupt archive)");
        std::vector<unsigned char> b(n);
        for (size_t done = 0; done < n;) {
            const ssize_t got = ::pread(m_fd, b.data() + done, n - done, off_t(at + done));
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                fail(std::string("cannot read the ") + structure + (got < 0 ? std::string(": ") + std::strerror(errno) : ""));
            done += size_t(got);
        }
        return b;
    }

private:
    int m_fd = -1;
    uint64_t m_size = 0;
    std::string m_what;
};

struct Directory {
    uint64_t offset = 0;
    uint64_t entries = 0;
};

// The central directory's place and size from the end record (and its zip64 form where the
// plain one says 0xffff...). Nothing may follow the end record (libzip's consistency check refuses
// that too), so it is the last 22 bytes plus its comment.
Directory findDirectory(const Archive& a)
{
    // An archive without a comment (Keras, zipfile, libzip) ends with the 22-byte record: look
    // there first rather than read 64 KiB for the longest comment.
    uint64_t tail = std::min<uint64_t>(a.size(), 22);
    if (tail < 22 || u32(a.read(a.size() - 22, 4, "end record").data()) != kEndSig)
        tail = std::min<uint64_t>(a.size(), 22 + 0xffff);
    const std::vector<unsigned char> b = a.read(a.size() - tail, size_t(tail), "end of the archive");
    for (size_t i = b.size() >= 22 ? b.size() - 22 : 0;; --i) {
        if (b.size() >= 22 && u32(&b[i]) == kEndSig && i + 22 + u16(&b[i + 20]) == b.size()) {
            const uint64_t endAt = a.size() - tail + i;
            Directory d{u32(&b[i + 16]), u16(&b[i + 10])};
            uint64_t limit = endAt;
            if (endAt >= 20) {
                const std::vector<unsigned char> loc = a.read(endAt - 20, 20, "zip64 end record locator");
                if (u32(loc.data()) == kZip64LocatorSig) {
                    const uint64_t at = u64(&loc[8]);
                    const std::vector<unsigned char> e = a.read(at, 56, "zip64 end record");
                    if (u32(e.data()) != kZip64EndSig)
                        a.fail("the zip64 end record is missing where its locator says (corrupt archive)");
                    d = {u64(&e[48]), u64(&e[32])};
                    limit = at;
                }
            }
            if (d.offset > limit)
                a.fail("the central directory would start past the end record (corrupt archive)");
            return d;
        }
        if (i == 0)
            a.fail("no zip end record (truncated or not a zip archive)");
    }
}

// The zip64 extended information extra field: the 64-bit values whose 32-bit fields say 0xffffffff,
// in the order the format lists them.
void applyZip64(const Archive& a, const unsigned char* extra, size_t n, uint64_t* fields[], size_t count)
{
    for (size_t at = 0; at + 4 <= n;) {
        const uint16_t id = u16(extra + at), len = u16(extra + at + 2);
        if (at + 4 + len > n)
            break;
        if (id == 0x0001) {
            size_t p = at + 4;
            for (size_t k = 0; k < count; ++k) {
                if (*fields[k] != kMax32)
                    continue;
                if (p + 8 > at + 4 + len)
                    a.fail("the zip64 extra field is too short for the sizes it must hold (corrupt archive)");
                *fields[k] = u64(extra + p);
                p += 8;
            }
            return;
        }
        at += 4 + size_t(len);
    }
}

} // namespace

StoredMemberRange locateStoredMember(const std::string& path, const ZipMember& m)
{
    const std::string what = path + ":" + safetensors::printable(m.name);
    const Archive a(path, what);
    if (m.encrypted)
        a.fail("the member is encrypted", ErrorCode::Unsupported);
    if (!m.stored())
        a.fail("the member is compressed (method " + std::to_string(m.method) + "), not stored", ErrorCode::Unsupported);

    // The central directory entry: libzip numbers members in directory order.
    const Directory dir = findDirectory(a);
    if (m.index >= dir.entries)
        a.fail("the central directory holds " + std::to_string(dir.entries) + " entries, not member " + std::to_string(m.index));
    uint64_t at = dir.offset;
    std::vector<unsigned char> c;
    for (uint64_t i = 0;; ++i) {
        c = a.read(at, 46, "central directory entry");
        if (u32(c.data()) != kCentralSig)
            a.fail("central directory entry " + std::to_string(i) + " has no signature (corrupt archive)");
        const uint64_t varLen = uint64_t(u16(&c[28])) + u16(&c[30]) + u16(&c[32]);
        if (i == m.index) {
            const std::vector<unsigned char> rest = a.read(at + 46, size_t(varLen), "central directory entry");
            c.insert(c.end(), rest.begin(), rest.end());
            break;
        }
        at += 46 + varLen;
    }
    const uint16_t flags = u16(&c[8]), method = u16(&c[10]), nameLen = u16(&c[28]), extraLen = u16(&c[30]);
    const std::string centralName(reinterpret_cast<const char*>(&c[46]), nameLen);
    uint64_t compressed = u32(&c[20]), size = u32(&c[24]), local = u32(&c[42]);
    uint64_t* central64[] = {&size, &compressed, &local};
    applyZip64(a, &c[46 + nameLen], extraLen, central64, 3);
    if (centralName != m.name)
        a.fail("the central directory names this entry '" + safetensors::printable(centralName) + "' (corrupt archive)");
    if ((flags & 1) || (flags & 0x40))
        a.fail("the member is encrypted", ErrorCode::Unsupported);
    if (method != 0)
        a.fail("the central directory says the member is compressed (method " + std::to_string(method) + ")", ErrorCode::Unsupported);
    if (size != m.size || compressed != m.compressedSize || size != compressed)
        a.fail("the central directory says the stored member holds " + std::to_string(size) + " bytes in " +
               std::to_string(compressed) + " (corrupt archive)");

    // The local header: it must say the same, and its name and extra field tell where the data
    // starts.
    const std::vector<unsigned char> l = a.read(local, 30, "member's local header");
    if (u32(l.data()) != kLocalSig)
        a.fail("no local header at offset " + std::to_string(local) + " where the central directory says it is (corrupt archive)");
    const uint16_t lFlags = u16(&l[6]), lMethod = u16(&l[8]), lNameLen = u16(&l[26]), lExtraLen = u16(&l[28]);
    const std::vector<unsigned char> lVar = a.read(local + 30, size_t(lNameLen) + lExtraLen, "member's local header");
    const std::string localName(reinterpret_cast<const char*>(lVar.data()), lNameLen);
    if (localName != centralName)
        a.fail("the local header names the member '" + safetensors::printable(localName) + "' (corrupt archive)");
    if ((lFlags & 1) || (lFlags & 0x40))
        a.fail("the member's local header says it is encrypted", ErrorCode::Unsupported);
    if (lMethod != 0)
        a.fail("the local header says the member is compressed (method " + std::to_string(lMethod) + ")");
    uint64_t lCompressed = u32(&l[18]), lSize = u32(&l[22]);
    uint64_t* local64[] = {&lSize, &lCompressed};
    applyZip64(a, lVar.data() + lNameLen, lExtraLen, local64, 2);
    // With a data descriptor (flag bit 3) the local sizes may be zero: the central ones stand.
    const bool deferred = (lFlags & 8) && lCompressed == 0 && lSize == 0;
    if (!deferred && (lSize != size || lCompressed != compressed))
        a.fail("the local header says the member holds " + std::to_string(lSize) + " bytes, the central directory " +
               std::to_string(size) + " (corrupt archive)");
    const uint64_t data = local + 30 + lNameLen + lExtraLen;
    if (data > a.size() || size > a.size() - data || data + size > dir.offset)
        a.fail("the member's " + std::to_string(size) + " bytes at offset " + std::to_string(data) +
               " run past the central directory or the end of the " + std::to_string(a.size()) +
               "-byte file (truncated or corrupt archive)");
    return {data, size};
}

} // namespace gruscope::io
