// libzip behind ZipReader and ZipWriter (see zip_archive.h for what each check is for).
#include "io/zip_archive.h"

#include "gruscope/atomic_file.h"
#include "gruscope/error.h"
#include "io/safetensors.h"

#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <set>

#include <sys/stat.h>

namespace gruscope::io {

namespace {

using safetensors::printable;

// Stored bytes are copied and deflate cannot do better than 1032:1, so no honest stored or deflated
// member declares more than this many times its compressed size.
constexpr uint64_t kDeflateMaxRatio = 1032;

std::string bytesText(uint64_t n)
{
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

std::string zipErrorText(int code)
{
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    std::string s = zip_error_strerror(&e);
    zip_error_fini(&e);
    return s;
}

bool suspiciousName(const std::string& n)
{
    return n.empty() || n[0] == '/' || n.find("..") != std::string::npos || n.find('\\') != std::string::npos ||
           n.find(':') != std::string::npos;
}

[[noreturn]] void fail(ErrorCode code, const std::string& what, const std::string& message)
{
    throw Error(code, what + ": " + message);
}

} // namespace

// ---- reading --------------------------------------------------------------------------------------

struct ZipReader::Impl {
    zip_t* za = nullptr;
    std::string path;
    uint64_t fileBytes = 0; // 0 when not a regular file: then nothing is checked against it
    ZipReadOptions options;
    std::vector<ZipMember> members;

    ~Impl()
    {
        if (za)
            zip_discard(za);
    }

    std::string describe(const ZipMember& m) const { return path + ":" + printable(m.name); }

    // Lists every member of `z` with the name and count checks.
    std::vector<ZipMember> list(zip_t* z) const
    {
        const zip_int64_t n = zip_get_num_entries(z, 0);
        if (n < 0)
            fail(ErrorCode::BadFile, path, "cannot count the archive's members");
        if (uint64_t(n) > options.maxMembers)
            fail(ErrorCode::ResourceLimit, path,
                 "the archive holds " + std::to_string(n) + " members, more than the " + std::to_string(options.maxMembers) +
                     " allowed");
        std::vector<ZipMember> out;
        out.reserve(size_t(n));
        for (zip_int64_t i = 0; i < n; ++i) {
            zip_stat_t st;
            zip_stat_init(&st);
            if (zip_stat_index(z, zip_uint64_t(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !st.name)
                fail(ErrorCode::BadFile, path, "cannot read member " + std::to_string(i) + " of the archive: " + zip_strerror(z));
            ZipMember m;
            m.index = zip_uint64_t(i);
            m.name = st.name;
            if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
                fail(ErrorCode::BadFile, describe(m), "the archive does not say how large the member is");
            m.size = st.size;
            m.compressedSize = st.comp_size;
            m.method = (st.valid & ZIP_STAT_COMP_METHOD) ? st.comp_method : 0;
            m.encrypted = (st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE;
            if (options.refuseSuspiciousNames && suspiciousName(m.name))
                fail(ErrorCode::BadFile, path,
                     "archive member name '" + printable(m.name) +
                         "' tries to leave the archive (absolute path, drive letter, backslash or ..)");
            out.push_back(std::move(m));
        }
        return out;
    }

    // The size checks of checkMember, without the encryption one.
    void checkSizes(const ZipMember& m, bool capMemory = true) const
    {
        const std::string what = describe(m);
        if (capMemory && m.size > options.maxMemberBytes)
            fail(ErrorCode::ResourceLimit, what,
                 "the member says it unpacks to " + bytesText(m.size) + ", more than the " + bytesText(options.maxMemberBytes) +
                     " " + options.maxMemberMeaning);
        // Fuzzing fix (first in readNpz): the buffer for a member was allocated from the declared
        // size, so a 1.7 KB .npz declaring a 1.5 GB member took 1.5 GB. The compressed bytes must fit
        // in the file, and stored or deflated bytes cannot unpack to more than 1032 times as many.
        // Smaller lies are left to the CRC and length checks after reading.
        if (fileBytes > 0) {
            const bool storedOrDeflated = m.method == ZIP_CM_STORE || m.method == ZIP_CM_DEFLATE;
            if (m.compressedSize > fileBytes || (storedOrDeflated && m.size / kDeflateMaxRatio > m.compressedSize))
                fail(ErrorCode::BadFile, what,
                     "the archive says the member unpacks to " + bytesText(m.size) + " from " + bytesText(m.compressedSize) +
                         " in a file of " + bytesText(fileBytes) + ", which is impossible (the archive is corrupt)");
        }
        if (m.compressedSize > 0 && m.size / m.compressedSize > options.bombRatio && m.size > options.bombMinBytes)
            fail(ErrorCode::ResourceLimit, what,
                 "the member expands " + std::to_string(m.size / m.compressedSize) + " times: refused as a zip bomb");
    }

    // zip_open with ZIP_CHECKCONS failed with `err`. libzip says only "inconsistent" or "not a zip";
    // the archive is opened again without the check to find what is wrong and say it by member.
    [[noreturn]] void explainOpenFailure(int err) const
    {
        const std::string notZip = options.kind.empty() ? std::string("not a valid zip archive")
                                                        : "not " + options.kind + ": it is not a valid zip archive";
        if (err != ZIP_ER_NOZIP && err != ZIP_ER_INCONS && err != ZIP_ER_EXISTS)
            fail(ErrorCode::BadFile, path, "cannot open the zip archive: " + zipErrorText(err));
        int plainErr = 0;
        zip_t* plain = zip_open(path.c_str(), ZIP_RDONLY, &plainErr);
        if (!plain)
            fail(ErrorCode::BadFile, path, notZip + " (" + zipErrorText(err) + ")");
        const std::unique_ptr<zip_t, int (*)(zip_t*)> owner(plain, [](zip_t* z) { zip_discard(z); return 0; });
        const std::vector<ZipMember> listed = list(plain);
        std::set<std::string> seen;
        for (const ZipMember& m : listed)
            if (!seen.insert(m.name).second)
                fail(ErrorCode::BadFile, path, "the archive holds two members named '" + printable(m.name) + "'");
        for (const ZipMember& m : listed)
            checkSizes(m);
        fail(ErrorCode::BadFile, path,
             "the zip archive is corrupt: its central directory, its members' local headers and the file's length "
             "disagree (" + zipErrorText(err) + ")");
    }
};

ZipReader::ZipReader(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
ZipReader::ZipReader(ZipReader&&) noexcept = default;
ZipReader& ZipReader::operator=(ZipReader&&) noexcept = default;
ZipReader::~ZipReader() = default;

ZipReader ZipReader::open(const std::string& path, ZipReadOptions options)
{
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->options = std::move(options);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        if (err == ENOENT)
            fail(ErrorCode::BadFile, path, "no such file");
        fail(ErrorCode::BadFile, path, std::string("cannot open the file: ") + std::strerror(err));
    }
    if (S_ISDIR(st.st_mode))
        fail(ErrorCode::BadFile, path, "this is a folder, not a file");
    if (S_ISREG(st.st_mode)) {
        if (st.st_size == 0)
            fail(ErrorCode::BadFile, path,
                 "the file is empty (0 bytes), not " + (impl->options.kind.empty() ? std::string("a zip archive") : impl->options.kind));
        impl->fileBytes = uint64_t(st.st_size);
    }
    int err = 0;
    impl->za = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (!impl->za)
        impl->explainOpenFailure(err);
    impl->members = impl->list(impl->za);
    return ZipReader(std::move(impl));
}

const std::string& ZipReader::path() const noexcept
{
    return m_impl->path;
}

uint64_t ZipReader::fileBytes() const noexcept
{
    return m_impl->fileBytes;
}

const std::vector<ZipMember>& ZipReader::members() const noexcept
{
    return m_impl->members;
}

const ZipMember* ZipReader::find(std::string_view name) const noexcept
{
    for (const ZipMember& m : m_impl->members)
        if (m.name == name)
            return &m;
    return nullptr;
}

std::string ZipReader::describe(const ZipMember& member) const
{
    return m_impl->describe(member);
}

void ZipReader::checkMember(const ZipMember& m) const
{
    if (m.encrypted)
        fail(ErrorCode::Unsupported, describe(m), "the member is encrypted");
    m_impl->checkSizes(m);
}

void ZipReader::checkMemberInPlace(const ZipMember& m) const
{
    if (m.encrypted)
        fail(ErrorCode::Unsupported, describe(m), "the member is encrypted");
    m_impl->checkSizes(m, false);
}

namespace {

// One member opened for reading: counts what arrives against the declared size and reads past the
// end at finish(), where libzip compares the CRC and the length.
class MemberStream {
public:
    MemberStream(zip_t* za, const ZipMember& m, std::string what) : m_member(m), m_what(std::move(what))
    {
        m_file = zip_fopen_index(za, m.index, 0);
        if (!m_file)
            fail(ErrorCode::BadFile, m_what, std::string("cannot unpack the member: ") + zip_strerror(za));
    }
    MemberStream(const MemberStream&) = delete;
    MemberStream& operator=(const MemberStream&) = delete;
    ~MemberStream() { zip_fclose(m_file); }

    // Fills dst[0, n) (n no more than what is left of the declared size) or throws.
    void readExact(std::byte* dst, size_t n)
    {
        for (size_t done = 0; done < n;) {
            const zip_int64_t r = zip_fread(m_file, dst + done, n - done);
            if (r < 0)
                fail(ErrorCode::BadFile, m_what, std::string("cannot unpack the member: ") + zip_file_strerror(m_file));
            if (r == 0)
                fail(ErrorCode::BadFile, m_what,
                     "the archive says the member holds " + bytesText(m_member.size) + " but it unpacks to only " +
                         bytesText(m_got));
            done += size_t(r);
            m_got += uint64_t(r);
        }
    }

    // Reads on past the declared size: libzip checks the CRC and the length at the end, and a member
    // that unpacks to more than it declared is refused.
    void finish()
    {
        char extra[256];
        const zip_int64_t r = zip_fread(m_file, extra, sizeof extra);
        if (r < 0)
            fail(ErrorCode::BadFile, m_what, std::string("the member is corrupt: ") + zip_file_strerror(m_file));
        if (r > 0)
            fail(ErrorCode::BadFile, m_what,
                 "the member unpacks to more than the " + bytesText(m_member.size) + " the archive declares");
    }

private:
    zip_file_t* m_file = nullptr;
    const ZipMember& m_member;
    std::string m_what;
    uint64_t m_got = 0;
};

} // namespace

std::vector<std::byte> ZipReader::read(const ZipMember& m)
{
    checkMember(m);
    MemberStream in(m_impl->za, m, describe(m));
    // Start from what the compressed size makes likely and double: a member that lies about its
    // size costs no more memory than the bytes it really holds (at most twice as many).
    std::vector<std::byte> out(size_t(std::min<uint64_t>(m.size, std::max<uint64_t>(m.compressedSize * 2, uint64_t(1) << 20))));
    uint64_t got = 0;
    while (got < m.size) {
        if (got == out.size())
            out.resize(size_t(std::min<uint64_t>(m.size, uint64_t(out.size()) * 2)));
        const size_t n = out.size() - size_t(got);
        in.readExact(out.data() + got, n);
        got += n;
    }
    in.finish();
    return out;
}

void ZipReader::readChunks(const ZipMember& m, const std::function<void(std::span<const std::byte>)>& sink, size_t chunkBytes)
{
    checkMember(m);
    MemberStream in(m_impl->za, m, describe(m));
    std::vector<std::byte> chunk(size_t(std::min<uint64_t>(m.size, std::max<size_t>(chunkBytes, 1))));
    for (uint64_t got = 0; got < m.size;) {
        const size_t n = size_t(std::min<uint64_t>(chunk.size(), m.size - got));
        in.readExact(chunk.data(), n);
        sink(std::span<const std::byte>(chunk.data(), n));
        got += n;
    }
    in.finish();
}

// ---- writing --------------------------------------------------------------------------------------

struct ZipWriter::Impl {
    zip_t* za = nullptr;
    std::string path;
    std::time_t now = 0;
    size_t count = 0;
    std::exception_ptr failure; // what a producer threw inside zip_close, rethrown after it

    [[noreturn]] void failMember(const std::string& name, const std::string& why) const
    {
        throw Error(ErrorCode::BadFile, "cannot write '" + path + "', member " + printable(name) + ": " + why);
    }

    void addSource(const std::string& name, zip_source_t* src, ZipCompression compression)
    {
        if (!src)
            failMember(name, zip_strerror(za));
        const zip_int64_t idx = zip_file_add(za, name.c_str(), src, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(src);
            failMember(name, zip_strerror(za));
        }
        // Stored is what Python's zipfile (and so Keras and np.savez) writes by default.
        const zip_int32_t method = compression == ZipCompression::Deflated ? ZIP_CM_DEFLATE : ZIP_CM_STORE;
        if (zip_set_file_compression(za, zip_uint64_t(idx), method, 0) != 0 ||
            zip_file_set_mtime(za, zip_uint64_t(idx), now, 0) != 0)
            failMember(name, zip_strerror(za));
        ++count;
    }
};

namespace {

// A zip_source that asks a Producer for the member's bytes as libzip reads them. C++ exceptions
// must not cross libzip's C frames: a throwing producer is caught here, libzip is told "read
// error", and ZipWriter::write rethrows the original once zip_close has given up.
struct StreamSource {
    ZipWriter::Producer produce;
    std::string who; // "cannot write 'file', member name: "
    uint64_t size = 0;
    uint64_t pos = 0;
    std::time_t mtime = 0;
    std::exception_ptr* failure = nullptr;
    zip_error_t error;
};

zip_int64_t streamCallback(void* userdata, void* data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    auto* s = static_cast<StreamSource*>(userdata);
    switch (cmd) {
    case ZIP_SOURCE_OPEN: s->pos = 0; return 0;
    case ZIP_SOURCE_READ: {
        const uint64_t n = std::min<uint64_t>({len, s->size - s->pos, uint64_t(1) << 30});
        if (n == 0)
            return 0;
        try {
            s->produce(s->pos, std::span<std::byte>(static_cast<std::byte*>(data), size_t(n)));
        } catch (const Error& e) {
            *s->failure = std::make_exception_ptr(Error(e.code(), s->who + e.what()));
        } catch (const std::exception& e) {
            *s->failure = std::make_exception_ptr(Error(ErrorCode::Internal, s->who + e.what()));
        } catch (...) {
            *s->failure = std::make_exception_ptr(Error(ErrorCode::Internal, s->who + "the member's data could not be made"));
        }
        if (*s->failure) {
            zip_error_set(&s->error, ZIP_ER_READ, EIO);
            return -1;
        }
        s->pos += n;
        return zip_int64_t(n);
    }
    case ZIP_SOURCE_CLOSE: return 0;
    case ZIP_SOURCE_STAT: {
        auto* st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &s->error);
        if (!st)
            return -1;
        zip_stat_init(st);
        st->size = s->size;
        st->mtime = s->mtime;
        st->valid |= ZIP_STAT_SIZE | ZIP_STAT_MTIME;
        return sizeof(zip_stat_t);
    }
    case ZIP_SOURCE_ERROR: return zip_error_to_data(&s->error, data, len);
    case ZIP_SOURCE_FREE:
        zip_error_fini(&s->error);
        delete s;
        return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                              ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default: zip_error_set(&s->error, ZIP_ER_OPNOTSUPP, 0); return -1;
    }
}

// libzip writes no file for an archive without members; this is the end record alone, as Python's
// zipfile writes it.
void writeEmptyZip(const std::string& tmp, const std::string& path)
{
    const char empty[22] = {'P', 'K', 5, 6};
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f)
        throw Error(ErrorCode::BadFile, "cannot write '" + path + "': " + std::strerror(errno));
    const bool wrote = std::fwrite(empty, 1, sizeof empty, f) == sizeof empty;
    const int err = errno;
    if (std::fclose(f) != 0 || !wrote)
        throw Error(ErrorCode::BadFile, "cannot write '" + path + "': " + std::strerror(wrote ? errno : err));
}

} // namespace

void ZipWriter::write(const std::string& path, const std::function<void(ZipWriter&)>& fill)
{
    writeFileAtomically(path, [&](const std::string& tmp) {
        Impl impl;
        impl.path = path;
        impl.now = std::time(nullptr);
        int err = 0;
        impl.za = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
        if (!impl.za)
            throw Error(ErrorCode::BadFile, "cannot write '" + path + "': " + zipErrorText(err));
        try {
            ZipWriter writer(impl);
            fill(writer);
        } catch (...) {
            zip_discard(impl.za);
            throw;
        }
        if (impl.count == 0) {
            zip_discard(impl.za);
            writeEmptyZip(tmp, path);
            return;
        }
        if (zip_close(impl.za) != 0) {
            const std::string why = zip_strerror(impl.za);
            zip_discard(impl.za);
            if (impl.failure)
                std::rethrow_exception(impl.failure);
            throw Error(ErrorCode::BadFile, "cannot write '" + path + "': " + why);
        }
    });
}

void ZipWriter::add(const std::string& name, std::span<const std::byte> data, ZipCompression compression)
{
    m_impl.addSource(name, zip_source_buffer(m_impl.za, data.data(), data.size(), 0), compression);
}

void ZipWriter::add(const std::string& name, std::string_view text, ZipCompression compression)
{
    add(name, std::as_bytes(std::span<const char>(text.data(), text.size())), compression);
}

void ZipWriter::addStream(const std::string& name, uint64_t size, Producer producer, ZipCompression compression)
{
    auto* s = new StreamSource;
    s->produce = std::move(producer);
    s->who = "cannot write '" + m_impl.path + "', member " + printable(name) + ": ";
    s->size = size;
    s->mtime = m_impl.now;
    s->failure = &m_impl.failure;
    zip_error_init(&s->error);
    zip_source_t* src = zip_source_function(m_impl.za, streamCallback, s);
    if (!src) {
        zip_error_fini(&s->error);
        delete s;
    }
    m_impl.addSource(name, src, compression);
}

} // namespace gruscope::io
