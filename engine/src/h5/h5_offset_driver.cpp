// The offset driver (see h5_offset_driver.h), modelled on libhdf5 1.10's sec2 driver (H5FDsec2.c)
// and cut down to reading: no write, no truncate, no locking. libhdf5 calls these functions from
// C; nothing here throws.
#include "h5/h5_offset_driver.h"

#include <H5FDpublic.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gruscope::h5 {
namespace {

std::atomic<uint64_t> g_bytesRead{0};

// libhdf5 hands these out as H5FD_t*: the public part must come first.
struct OffsetFile {
    H5FD_t pub{}; // zeroed, as sec2 allocates it; libhdf5 fills it in after open
    int fd = -1;
    detail::OffsetDriverInfo info;
    haddr_t eoa = 0;
    dev_t device = 0;
    ino_t inode = 0;
};

OffsetFile* self(H5FD_t* f)
{
    return reinterpret_cast<OffsetFile*>(f);
}

const OffsetFile* self(const H5FD_t* f)
{
    return reinterpret_cast<const OffsetFile*>(f);
}

// The property list keeps its own copy of the info (fapl_copy / fapl_free, malloc'd as libhdf5
// expects of driver info it may free itself).
void* infoCopy(const void* info)
{
    void* copy = std::malloc(sizeof(detail::OffsetDriverInfo));
    if (copy)
        std::memcpy(copy, info, sizeof(detail::OffsetDriverInfo));
    return copy;
}

herr_t infoFree(void* info)
{
    std::free(info);
    return 0;
}

void* infoGet(H5FD_t* file)
{
    return infoCopy(&self(file)->info);
}

H5FD_t* openFile(const char* name, unsigned flags, hid_t fapl, haddr_t maxaddr)
{
    // Read-only: an archive member is never written in place.
    if (!name || (flags & (H5F_ACC_RDWR | H5F_ACC_CREAT | H5F_ACC_TRUNC | H5F_ACC_EXCL)) != 0)
        return nullptr;
    const auto* info = static_cast<const detail::OffsetDriverInfo*>(H5Pget_driver_info(fapl));
    if (!info || info->offset > uint64_t(INT64_MAX) || info->size > uint64_t(INT64_MAX) - info->offset)
        return nullptr;
    const int fd = ::open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nullptr;
    struct stat st {};
    // The member must lie inside the file as it is now (h5::File::openMember says so first, with a
    // message; this guards a file that changed in between).
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || info->offset + info->size > uint64_t(st.st_size)) {
        ::close(fd);
        return nullptr;
    }
    auto* f = new (std::nothrow) OffsetFile;
    if (!f) {
        ::close(fd);
        return nullptr;
    }
    f->fd = fd;
    f->info = *info;
    f->device = st.st_dev;
    f->inode = st.st_ino;
    (void)maxaddr;
    return &f->pub;
}

herr_t closeFile(H5FD_t* file)
{
    OffsetFile* f = self(file);
    const int rc = ::close(f->fd);
    delete f;
    return rc == 0 ? 0 : -1;
}

// libhdf5 shares one open file among H5Fopen calls that name the same file; two members of one
// archive (or the same archive at two offsets) are different files.
int compareFiles(const H5FD_t* a, const H5FD_t* b)
{
    const OffsetFile* x = self(a);
    const OffsetFile* y = self(b);
    auto cmp = [](auto u, auto v) { return u < v ? -1 : (u > v ? 1 : 0); };
    if (int c = cmp(x->device, y->device))
        return c;
    if (int c = cmp(x->inode, y->inode))
        return c;
    if (int c = cmp(x->info.offset, y->info.offset))
        return c;
    return cmp(x->info.size, y->info.size);
}

herr_t queryFeatures(const H5FD_t*, unsigned long* flags)
{
    // As sec2, without the POSIX-compatible handle (its descriptor starts at the archive's first
    // byte, not the HDF5 file's). Metadata accumulation and data sieving turn libhdf5's many small
    // reads into fewer larger ones.
    if (flags)
        *flags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_ACCUMULATE_METADATA | H5FD_FEAT_DATA_SIEVE |
                 H5FD_FEAT_AGGREGATE_SMALLDATA;
    return 0;
}

haddr_t getEoa(const H5FD_t* file, H5FD_mem_t)
{
    return self(file)->eoa;
}

herr_t setEoa(H5FD_t* file, H5FD_mem_t, haddr_t addr)
{
    self(file)->eoa = addr;
    return 0;
}

haddr_t getEof(const H5FD_t* file, H5FD_mem_t)
{
    return haddr_t(self(file)->info.size);
}

herr_t getHandle(H5FD_t* file, hid_t, void** handle)
{
    if (!handle)
        return -1;
    *handle = &self(file)->fd;
    return 0;
}

// Address a of the HDF5 file is byte offset + a of the outer file. Bytes past the member's end
// read as zeros, as sec2 and the core driver do past their end of file; the outer file's bytes
// after the member (the next member, the central directory) are never read.
herr_t readBytes(H5FD_t* file, H5FD_mem_t, hid_t, haddr_t addr, size_t size, void* buffer)
{
    const OffsetFile* f = self(file);
    if (addr == HADDR_UNDEF || !buffer || addr > haddr_t(INT64_MAX) || size > size_t(INT64_MAX) - addr)
        return -1;
    auto* out = static_cast<unsigned char*>(buffer);
    const uint64_t end = f->info.size;
    while (size > 0 && addr < end) {
        const size_t want = size_t(std::min<uint64_t>({uint64_t(size), end - addr, uint64_t(1) << 30}));
        const ssize_t got = ::pread(f->fd, out, want, off_t(f->info.offset + addr));
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0)
            break; // the outer file shrank: zeros, as past the end
        g_bytesRead.fetch_add(uint64_t(got), std::memory_order_relaxed);
        out += got;
        addr += haddr_t(got);
        size -= size_t(got);
    }
    if (size > 0)
        std::memset(out, 0, size);
    return 0;
}

herr_t refuseWrite(H5FD_t*, H5FD_mem_t, hid_t, haddr_t, size_t, const void*)
{
    return -1;
}

herr_t truncateNothing(H5FD_t*, hid_t, hbool_t)
{
    return 0; // read-only: the end of file never moves
}

const H5FD_class_t kOffsetClass = {
    "gruscope-offset",        // name
    haddr_t(INT64_MAX),       // maxaddr
    H5F_CLOSE_WEAK,           // fc_degree
    nullptr,                  // terminate
    nullptr,                  // sb_size
    nullptr,                  // sb_encode
    nullptr,                  // sb_decode
    sizeof(detail::OffsetDriverInfo),
    infoGet,
    infoCopy,
    infoFree,
    0,       // dxpl_size
    nullptr, // dxpl_copy
    nullptr, // dxpl_free
    openFile,
    closeFile,
    compareFiles,
    queryFeatures,
    nullptr, // get_type_map
    nullptr, // alloc
    nullptr, // free
    getEoa,
    setEoa,
    getEof,
    getHandle,
    readBytes,
    refuseWrite,
    nullptr, // flush
    truncateNothing,
    nullptr, // lock
    nullptr, // unlock
    H5FD_FLMAP_DICHOTOMY,
};

} // namespace

uint64_t offsetDriverBytesRead() noexcept
{
    return g_bytesRead.load(std::memory_order_relaxed);
}

namespace detail {

hid_t offsetDriver()
{
    static hid_t id = -1;
    if (id < 0 || H5Iis_valid(id) <= 0)
        id = H5FDregister(&kOffsetClass);
    return id;
}

herr_t setOffsetDriver(hid_t fapl, const OffsetDriverInfo& info)
{
    const hid_t driver = offsetDriver();
    if (driver < 0)
        return -1;
    return H5Pset_driver(fapl, driver, &info);
}

} // namespace detail
} // namespace gruscope::h5
