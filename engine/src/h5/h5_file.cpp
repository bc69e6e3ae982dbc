#include "h5_file.h"
#include "h5_common.h"
#include "h5_offset_driver.h"

#include "gruscope/error.h"

#include <hdf5.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <fstream>
#include <mutex>

#include <fcntl.h>
#include <unistd.h>

namespace gruscope::h5 {
namespace {

using detail::Id;
using detail::silenceHdf5;
using detail::splitPath;

std::recursive_mutex& hdf5Mutex()
{
    return libraryMutex();
}

using Lock = std::lock_guard<std::recursive_mutex>;

ObjectObserver g_observer = nullptr;

// Tells the observer (the parse worker's breadcrumbs) which object libhdf5 is about to touch, so
// that a crash or hang inside the library can be reported with the object it happened on.
// `attr`: the attribute of `path` being read, named as "path @attr". Nothing is built when no
// one observes (every in-process read).
void observe(const std::string& file, const std::string& path, const char* doing, const std::string* attr = nullptr)
{
    if (g_observer)
        g_observer(file, (path.empty() ? std::string("/") : path) + (attr ? " @" + *attr : std::string()), doing);
}




std::string joinPath(const std::vector<std::string>& parts, size_t n)
{
    std::string p = "/";
    for (size_t i = 0; i < n; ++i)
        p += (i ? "/" : "") + parts[i];
    return p;
}

} // namespace

void setObjectObserver(ObjectObserver observer) noexcept
{
    Lock lock(hdf5Mutex());
    g_observer = observer;
}

std::recursive_mutex& libraryMutex()
{
    static std::recursive_mutex m; // libhdf5 may be built without thread safety: one caller at a time
    return m;
}

struct File::Impl {
    std::string name;
    Limits limits;
    Id file;
    std::vector<std::byte> image; // kept alive for the core driver's lifetime

    [[noreturn]] void fail(const std::string& what) const { throw Error(ErrorCode::BadFile, name + ": " + what); }

    Id openObject(const std::string& path) const
    {
        hid_t id = H5Oopen(file.get(), path.empty() ? "/" : path.c_str(), H5P_DEFAULT);
        if (id < 0)
            fail("cannot open '" + path + "'");
        return Id(id, H5Oclose);
    }

    Kind kindOf(const std::string& path) const
    {
        const auto parts = splitPath(path);
        if (parts.empty())
            return Kind::Group;
        for (size_t i = 1; i <= parts.size(); ++i) {
            const std::string p = joinPath(parts, i);
            const htri_t exists = H5Lexists(file.get(), p.c_str(), H5P_DEFAULT);
            if (exists <= 0)
                return Kind::Missing;
            H5L_info_t li{};
            if (H5Lget_info(file.get(), p.c_str(), &li, H5P_DEFAULT) < 0)
                return Kind::Missing;
            if (li.type == H5L_TYPE_SOFT)
                return i == parts.size() ? Kind::SoftLink : Kind::Missing;
            if (li.type == H5L_TYPE_EXTERNAL)
                return i == parts.size() ? Kind::ExternalLink : Kind::Missing;
            if (li.type != H5L_TYPE_HARD)
                return Kind::Other;
        }
        H5O_info_t oi{};
        if (H5Oget_info_by_name2(file.get(), path.c_str(), &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
            return Kind::Other;
        // Fuzzing fix: a group reached by more than one hard link (reference count > 1) is not
        // followed. Keras and h5py never link a group twice, while a 28 KB file whose groups link
        // each to the next twice (or to an ancestor: a cycle) made keras3_h5.cpp's walk visit
        // 2^16 paths, minutes of work. Datasets are leaves and may be linked more than once.
        if (oi.type == H5O_TYPE_GROUP)
            return oi.rc > 1 ? Kind::Other : Kind::Group;
        if (oi.type == H5O_TYPE_DATASET)
            return Kind::Dataset;
        return Kind::Other;
    }

    Id openAttribute(const std::string& path, const std::string& attr) const
    {
        const std::string obj = path.empty() ? "/" : path;
        if (H5Aexists_by_name(file.get(), obj.c_str(), attr.c_str(), H5P_DEFAULT) <= 0)
            return {};
        hid_t a = H5Aopen_by_name(file.get(), obj.c_str(), attr.c_str(), H5P_DEFAULT, H5P_DEFAULT);
        if (a < 0)
            fail("cannot open attribute '" + attr + "' of '" + obj + "'");
        return Id(a, H5Aclose);
    }
};

File::File(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File()
{
    if (m_impl) {
        Lock lock(hdf5Mutex());
        m_impl->file = Id();
    }
}

const std::string& File::name() const noexcept { return m_impl->name; }
const Limits& File::limits() const noexcept { return m_impl->limits; }

File File::open(const std::string& path, const Limits& limits)
{
    Lock lock(hdf5Mutex());
    observe(path, "/", "opening");
    silenceHdf5();
    auto impl = std::make_unique<Impl>();
    impl->name = path;
    impl->limits = limits;
    {
        std::ifstream probe(path, std::ios::binary);
        if (!probe)
            throw Error(ErrorCode::BadFile, path + ": cannot open the file (missing or unreadable)");
    }
    if (!fileLooksLikeHdf5(path))
        throw Error(ErrorCode::BadFile, path + ": not an HDF5 file (no HDF5 signature)");
    Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (f < 0)
        throw Error(ErrorCode::BadFile, path + ": HDF5 could not open the file (corrupt or truncated)");
    impl->file = Id(f, H5Fclose);
    return File(std::move(impl));
}

File File::openImage(std::vector<std::byte> image, const std::string& name, const Limits& limits)
{
    Lock lock(hdf5Mutex());
    observe(name, "/", "opening");
    silenceHdf5();
    if (!looksLikeHdf5(image.data(), image.size()))
        throw Error(ErrorCode::BadFile, name + ": not an HDF5 image (no HDF5 signature)");
    auto impl = std::make_unique<Impl>();
    impl->name = name;
    impl->limits = limits;
    impl->image = std::move(image);
    Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (H5Pset_fapl_core(fapl.get(), 1 << 16, false) < 0 ||
        H5Pset_file_image(fapl.get(), impl->image.data(), impl->image.size()) < 0)
        throw Error(ErrorCode::BadFile, name + ": HDF5 could not take the in-memory image");
    hid_t f = H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (f < 0)
        throw Error(ErrorCode::BadFile, name + ": HDF5 could not open the in-memory image (corrupt or truncated)");
    impl->file = Id(f, H5Fclose);
    impl->image.clear(); // H5Pset_file_image copied it
    impl->image.shrink_to_fit();
    return File(std::move(impl));
}

namespace {

// Whether bytes [offset, offset + size) of the open file `fd` start with an HDF5 signature (at 0,
// 512, 1024, ... as looksLikeHdf5). Eight bytes a probe: a 2 GB zip that is not HDF5 costs 22
// small reads, not a stream buffer's worth each.
bool signatureIn(int fd, uint64_t offset, uint64_t size)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (uint64_t at = 0; at + 8 <= size && at <= (uint64_t(1) << 40); at = at ? at * 2 : 512) {
        unsigned char buf[8];
        if (::pread(fd, buf, 8, off_t(offset + at)) != 8)
            return false;
        if (std::memcmp(buf, sig, 8) == 0)
            return true;
    }
    return false;
}

struct Fd {
    int fd = -1;
    explicit Fd(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

// Throws for a range that does not lie inside the file.
bool memberLooksLikeHdf5(const std::string& path, uint64_t offset, uint64_t size, const std::string& name)
{
    const Fd f(path);
    if (f.fd < 0)
        throw Error(ErrorCode::BadFile, name + ": cannot open the file (missing or unreadable)");
    const off_t end = ::lseek(f.fd, 0, SEEK_END);
    if (end < 0 || offset > uint64_t(end) || size > uint64_t(end) - offset)
        throw Error(ErrorCode::BadFile, name + ": the member's " + std::to_string(size) + " bytes at offset " +
                                            std::to_string(offset) + " do not lie inside the file's " +
                                            std::to_string(end < 0 ? 0 : end) + " bytes");
    return signatureIn(f.fd, offset, size);
}

} // namespace

File File::openMember(const std::string& outerPath, uint64_t offset, uint64_t size, const std::string& name,
                      const Limits& limits)
{
    Lock lock(hdf5Mutex());
    observe(name, "/", "opening");
    silenceHdf5();
    if (!memberLooksLikeHdf5(outerPath, offset, size, name))
        throw Error(ErrorCode::BadFile, name + ": not an HDF5 file (no HDF5 signature)");
    auto impl = std::make_unique<Impl>();
    impl->name = name;
    impl->limits = limits;
    Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (!fapl.ok() || detail::setOffsetDriver(fapl.get(), {offset, size}) < 0)
        throw Error(ErrorCode::BadFile, name + ": HDF5 could not set up the reader for an archive member");
    hid_t f = H5Fopen(outerPath.c_str(), H5F_ACC_RDONLY, fapl.get());
    if (f < 0)
        throw Error(ErrorCode::BadFile, name + ": HDF5 could not open the member (corrupt or truncated)");
    impl->file = Id(f, H5Fclose);
    return File(std::move(impl));
}

Kind File::kind(const std::string& path) const
{
    Lock lock(hdf5Mutex());
    observe(m_impl->name, path, "looking up");
    return m_impl->kindOf(path);
}

std::vector<std::string> File::children(const std::string& groupPath) const
{
    Lock lock(hdf5Mutex());
    observe(m_impl->name, groupPath, "listing");
    if (m_impl->kindOf(groupPath) != Kind::Group)
        m_impl->fail("'" + groupPath + "' is not a group");
    Id g(H5Gopen2(m_impl->file.get(), groupPath.empty() ? "/" : groupPath.c_str(), H5P_DEFAULT), H5Gclose);
    if (!g.ok())
        m_impl->fail("cannot open group '" + groupPath + "'");
    H5G_info_t gi{};
    if (H5Gget_info(g.get(), &gi) < 0)
        m_impl->fail("cannot read group '" + groupPath + "'");
    if (int64_t(gi.nlinks) > m_impl->limits.maxChildren)
        throw Error(ErrorCode::ResourceLimit, m_impl->name + ": group '" + groupPath + "' has " + std::to_string(gi.nlinks) +
                                                  " members, more than the limit of " + std::to_string(m_impl->limits.maxChildren));
    std::vector<std::string> names;
    names.reserve(gi.nlinks);
    for (hsize_t i = 0; i < gi.nlinks; ++i) {
        const ssize_t len = H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        if (len < 0 || len > 65536)
            m_impl->fail("unreadable member name in group '" + groupPath + "'");
        std::string n(size_t(len) + 1, '\0');
        H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, n.data(), n.size(), H5P_DEFAULT);
        n.resize(size_t(len));
        // Fuzzing fix: a corrupt group listed members named "" and "."; group + "/" + "" names the
        // group itself, so walking the members recursed into the same group 2^16 times. HDF5
        // allows neither those names nor a '/' in a link name.
        if (n.empty() || n == "." || n.find('/') != std::string::npos || n.find('\0') != std::string::npos)
            m_impl->fail("invalid member name '" + n.substr(0, 64) + "' in group '" + groupPath + "' (corrupt file)");
        names.push_back(std::move(n));
    }
    return names;
}

std::vector<std::string> File::attributeNames(const std::string& path) const
{
    Lock lock(hdf5Mutex());
    observe(m_impl->name, path, "listing the attributes of");
    Id obj = m_impl->openObject(path);
    H5O_info_t oi{};
    if (H5Oget_info2(obj.get(), &oi, H5O_INFO_NUM_ATTRS) < 0)
        m_impl->fail("cannot read the attributes of '" + path + "'");
    std::vector<std::string> names;
    for (hsize_t i = 0; i < oi.num_attrs && i < 100000; ++i) {
        const ssize_t len = H5Aget_name_by_idx(obj.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        if (len < 0 || len > 65536)
            continue;
        std::string n(size_t(len) + 1, '\0');
        H5Aget_name_by_idx(obj.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, n.data(), n.size(), H5P_DEFAULT);
        n.resize(size_t(len));
        names.push_back(std::move(n));
    }
    return names;
}

bool File::hasAttribute(const std::string& path, const std::string& attr) const
{
    Lock lock(hdf5Mutex());
    observe(m_impl->name, path, "reading the attributes of");
    return H5Aexists_by_name(m_impl->file.get(), path.empty() ? "/" : path.c_str(), attr.c_str(), H5P_DEFAULT) > 0;
}

std::optional<std::vector<std::string>> File::strings(const std::string& path, const std::string& attr) const
{
    Lock lock(hdf5Mutex());
    observe(m_impl->name, path, "reading", &attr);
    Id a = m_impl->openAttribute(path, attr);
    if (!a.ok())
        return std::nullopt;
    const std::string what = "attribute '" + attr + "' of '" + (path.empty() ? "/" : path) + "'";
    Id type(H5Aget_type(a.get()), H5Tclose);
    Id space(H5Aget_space(a.get()), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0)
        m_impl->fail("unreadable " + what);
    if (n == 0)
        return std::vector<std::string>{}; // h5py writes [] as an empty float64 array
    if (H5Tget_class(type.get()) != H5T_STRING)
        m_impl->fail(what + " should hold strings but holds another type");
    std::vector<std::string> out;
    if (H5Tis_variable_str(type.get()) > 0) {
        if (n > m_impl->limits.maxAttributeBytes / int64_t(sizeof(char*)))
            m_impl->fail(what + " has too many strings (" + std::to_string(n) + ")");
        Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
        std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
        if (H5Aread(a.get(), mem.get(), ptrs.data()) < 0)
            m_impl->fail("cannot read " + what);
        int64_t total = 0;
        for (char* p : ptrs) {
            std::string s = p ? std::string(p) : std::string();
            total += int64_t(s.size());
            out.push_back(std::move(s));
        }
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
        if (total > m_impl->limits.maxAttributeBytes)
            throw Error(ErrorCode::ResourceLimit, m_impl->name + ": " + what + " holds " + std::to_string(total) +
                                                      " bytes of text, more than the limit");
    } else {
        const size_t size = H5Tget_size(type.get());
        if (size == 0 || double(size) * double(n) > double(m_impl->limits.maxAttributeBytes))
            throw Error(ErrorCode::ResourceLimit, m_impl->name + ": " + what + " is " + std::to_string(size * size_t(n)) +
                                                      " bytes, more than the limit of " +
                                                      std::to_string(m_impl->limits.maxAttributeBytes));
        std::vector<char> buf(size * size_t(n));
        if (H5Aread(a.get(), type.get(), buf.data()) < 0)
            m_impl->fail("cannot read " + what);
        for (hssize_t i = 0; i < n; ++i) {
            const char* p = buf.data() + size_t(i) * size;
            out.emplace_back(p, strnlen(p, size));
        }
    }
    // Keras writes these as UTF-8 (or ASCII); a corrupt file may hold any bytes. They are made
    // valid UTF-8 here, each ill-formed sequence a U+FFFD, so that every reader sees the same text:
    // the parse child's reply carries them as JSON strings, which cannot hold ill-formed UTF-8,
    // and a model_config read in process differed from the same one read through the child.
    for (std::string& s : out)
        s = validUtf8(s);
    return out;
}

std::optional<std::string> File::string(const std::string& path, const std::string& attr) const
{
    auto list = strings(path, attr);
    if (!list)
        return std::nullopt;
    if (list->empty())
        return std::string();
    return list->front();
}

std::optional<std::vector<double>> File::numbers(const std::string& path, const std::string& attr) const
{
    Lock lock(hdf5Mutex());
    observe(m_impl->name, path, "reading", &attr);
    Id a = m_impl->openAttribute(path, attr);
    if (!a.ok())
        return std::nullopt;
    Id type(H5Aget_type(a.get()), H5Tclose);
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls != H5T_INTEGER && cls != H5T_FLOAT)
        return std::nullopt;
    Id space(H5Aget_space(a.get()), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0 || n > m_impl->limits.maxAttributeBytes / 8)
        return std::nullopt;
    std::vector<double> v(static_cast<size_t>(n));
    if (n > 0 && H5Aread(a.get(), H5T_NATIVE_DOUBLE, v.data()) < 0)
        return std::nullopt;
    return v;
}

DatasetInfo File::datasetInfo(const std::string& path) const
{
    Lock lock(hdf5Mutex());
    observe(m_impl->name, path, "reading the type and shape of");
    if (m_impl->kindOf(path) != Kind::Dataset)
        m_impl->fail("'" + path + "' is not a dataset");
    Id ds(H5Dopen2(m_impl->file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!ds.ok())
        m_impl->fail("cannot open dataset '" + path + "'");
    Id space(H5Dget_space(ds.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0 || rank > 32)
        m_impl->fail("dataset '" + path + "' has an unreadable shape");
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    DatasetInfo info;
    for (hsize_t d : dims) {
        if (d > hsize_t(INT64_MAX))
            m_impl->fail("dataset '" + path + "' has an absurd dimension");
        info.shape.push_back(int64_t(d));
    }
    Id type(H5Dget_type(ds.get()), H5Tclose);
    const H5T_class_t cls = H5Tget_class(type.get());
    // Fuzzing fix: a corrupt datatype declared 520093696-byte elements, and elementBytes * 8
    // overflowed int (UBSan). The size stays in 64 bits for the name and is capped for the int.
    const size_t typeBytes = H5Tget_size(type.get());
    const std::string typeBits = std::to_string(uint64_t(typeBytes) * 8);
    info.elementBytes = int(std::min<size_t>(typeBytes, size_t(INT_MAX)));
    if (cls == H5T_FLOAT) {
        info.type = info.elementBytes == 2 ? ElementType::Float16
                    : info.elementBytes == 4 ? ElementType::Float32
                    : info.elementBytes == 8 ? ElementType::Float64
                                              : ElementType::Other;
        info.typeName = "float" + typeBits;
    } else if (cls == H5T_INTEGER) {
        info.type = ElementType::Integer;
        const bool isSigned = H5Tget_sign(type.get()) == H5T_SGN_2;
        info.typeName = std::string(isSigned ? "int" : "uint") + typeBits;
        // Keras 3 stores bfloat16 variables as uint16 with a "dtype" attribute.
        if (info.elementBytes == 2 && !isSigned) {
            Id a = m_impl->openAttribute(path, "dtype");
            if (a.ok()) {
                auto s = string(path, "dtype");
                if (s && *s == "bfloat16") {
                    info.type = ElementType::BFloat16;
                    info.typeName = "bfloat16";
                }
            }
        }
    } else if (cls == H5T_STRING) {
        info.type = ElementType::String;
        info.typeName = "string";
    } else {
        info.typeName = "other";
    }
    return info;
}

ArrayF File::readFloat(const std::string& path) const
{
    Lock lock(hdf5Mutex());
    observe(m_impl->name, path, "reading");
    const DatasetInfo info = datasetInfo(path);
    if (info.type == ElementType::String || info.type == ElementType::Other)
        m_impl->fail("dataset '" + path + "' holds " + info.typeName + " values, not numbers");
    const int64_t n = shapeElementCount(info.shape);
    if (n > m_impl->limits.maxElements)
        throw Error(ErrorCode::ResourceLimit, m_impl->name + ": dataset '" + path + "' " + shapeToString(info.shape) + " has " +
                                                  std::to_string(n) + " elements, more than the limit of " +
                                                  std::to_string(m_impl->limits.maxElements));
    Id ds(H5Dopen2(m_impl->file.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    ArrayF out(info.shape);
    if (n == 0)
        return out;
    herr_t rc;
    if (info.type == ElementType::BFloat16) {
        std::vector<uint16_t> raw(static_cast<size_t>(n));
        rc = H5Dread(ds.get(), H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data());
        for (size_t i = 0; i < raw.size(); ++i) {
            const uint32_t bits = uint32_t(raw[i]) << 16; // bfloat16 is the top half of a float32
            std::memcpy(&out.data[i], &bits, 4);
        }
    } else {
        rc = H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.ptr());
    }
    if (rc < 0)
        m_impl->fail("cannot read dataset '" + path + "' (corrupt data or an unsupported filter)");
    return out;
}

bool looksLikeHdf5(const std::byte* data, size_t size)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (size_t off = 0; off + 8 <= size; off = off ? off * 2 : 512) {
        if (std::memcmp(data + off, sig, 8) == 0)
            return true;
        if (off > (size_t(1) << 30))
            break;
    }
    return false;
}

bool fileLooksLikeHdf5(const std::string& path)
{
    const Fd f(path);
    const off_t end = f.fd < 0 ? -1 : ::lseek(f.fd, 0, SEEK_END);
    return end > 0 && signatureIn(f.fd, 0, uint64_t(end));
}

} // namespace gruscope::h5
