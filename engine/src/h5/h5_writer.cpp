#include "h5_writer.h"
#include "h5_common.h"
#include "h5_file.h"

#include "gruscope/error.h"

#include <hdf5.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace gruscope::h5 {
namespace {

using detail::Id;
using detail::silenceHdf5;
using detail::splitPath;
using detail::systemErrorOnStack;

// Debian's serial libhdf5 1.10 is built with --enable-threadsafe (H5_HAVE_THREADSAFE), but other
// builds are not: reads and writes share the reader's library mutex.
std::recursive_mutex& writerMutex()
{
    return libraryMutex();
}

using Lock = std::lock_guard<std::recursive_mutex>;




std::string normalised(const std::string& path)
{
    std::string p;
    for (const auto& part : splitPath(path))
        p += "/" + part;
    return p.empty() ? "/" : p;
}

std::string parentOf(const std::string& normalisedPath)
{
    const size_t slash = normalisedPath.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : normalisedPath.substr(0, slash);
}

std::atomic<unsigned long> imageCounter{0};

} // namespace

struct Writer::Impl {
    std::string name;
    bool inMemory = false;
    Id file;

    // Names the system's reason (a full disk, a file size limit) when HDF5 recorded one.
    [[noreturn]] void fail(const std::string& what) const
    {
        const std::string why = systemErrorOnStack();
        throw Error(ErrorCode::BadFile, "cannot write '" + name + "': " + what + (why.empty() ? "" : " (" + why + ")"));
    }

    void requireOpen() const
    {
        if (!file.ok())
            fail("the HDF5 file is already closed");
    }

    Id stringType(StringEncoding encoding) const
    {
        Id t(H5Tcopy(H5T_C_S1), H5Tclose);
        if (!t.ok() || H5Tset_size(t.get(), H5T_VARIABLE) < 0 || H5Tset_strpad(t.get(), H5T_STR_NULLTERM) < 0 ||
            H5Tset_cset(t.get(), encoding == StringEncoding::Utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII) < 0)
            fail("HDF5 could not make a string type");
        return t;
    }

    // Creates every missing group on the way to `path` (normalised), which must end as a group.
    void makeGroups(const std::string& path) const
    {
        std::string p;
        for (const auto& part : splitPath(path)) {
            p += "/" + part;
            const htri_t exists = H5Lexists(file.get(), p.c_str(), H5P_DEFAULT);
            if (exists < 0)
                fail("HDF5 could not look up '" + p + "'");
            if (exists > 0) {
                Id g(H5Gopen2(file.get(), p.c_str(), H5P_DEFAULT), H5Gclose);
                if (!g.ok())
                    fail("'" + p + "' exists and is not a group");
                continue;
            }
            Id g(H5Gcreate2(file.get(), p.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
            if (!g.ok())
                fail("HDF5 could not create the group '" + p + "'");
            if (!g.reset())
                fail("HDF5 could not close the group '" + p + "'");
        }
    }

    Id openObject(const std::string& path) const
    {
        Id o(H5Oopen(file.get(), path.c_str(), H5P_DEFAULT), H5Oclose);
        if (!o.ok())
            fail("HDF5 could not open '" + path + "'");
        return o;
    }

    // Creates attribute `attr` on `path` (replacing one of that name) and writes `data` (may be null
    // for an empty dataspace).
    void writeAttribute(const std::string& path, const std::string& attr, hid_t type, hid_t memType, hid_t space,
                        const void* data) const
    {
        requireOpen();
        const std::string where = "attribute '" + attr + "' of '" + path + "'";
        Id obj = openObject(path);
        const htri_t exists = H5Aexists(obj.get(), attr.c_str());
        if (exists < 0 || (exists > 0 && H5Adelete(obj.get(), attr.c_str()) < 0))
            fail("HDF5 could not replace the " + where);
        Id a(H5Acreate2(obj.get(), attr.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
        if (!a.ok())
            fail("HDF5 could not create the " + where);
        if (data && H5Awrite(a.get(), memType, data) < 0)
            fail("HDF5 could not write the " + where);
        if (!a.reset())
            fail("HDF5 could not close the " + where);
    }
};

Writer::Writer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Writer::Writer(Writer&&) noexcept = default;
Writer& Writer::operator=(Writer&&) noexcept = default;

Writer::~Writer()
{
    if (!m_impl)
        return;
    Lock lock(writerMutex());
    silenceHdf5();
    m_impl->file.reset();
}

Writer Writer::create(const std::string& path, const std::string& name)
{
    Lock lock(writerMutex());
    silenceHdf5();
    auto impl = std::make_unique<Impl>();
    impl->name = name;
    Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (!fapl.ok() || H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0)
        impl->fail("HDF5 could not set up file access");
#if H5_VERSION_GE(1, 10, 7)
    // Lock the new file where the file system can; write it anyway where it cannot (NFS and the like).
    if (H5Pset_file_locking(fapl.get(), true, true) < 0)
        impl->fail("HDF5 could not set up file locking");
#endif
    hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
    if (f < 0)
        impl->fail("HDF5 could not create the file '" + path + "'");
    impl->file = Id(f, H5Fclose);
    return Writer(std::move(impl));
}

Writer Writer::createInMemory(const std::string& name)
{
    Lock lock(writerMutex());
    silenceHdf5();
    auto impl = std::make_unique<Impl>();
    impl->name = name;
    impl->inMemory = true;
    Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (!fapl.ok() || H5Pset_fapl_core(fapl.get(), size_t(1) << 16, false) < 0 ||
        H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0)
        impl->fail("HDF5 could not set up an in-memory file");
    // The core driver still registers the file under its name: keep names unique.
    const std::string internal = "gruscope-writer-" + std::to_string(++imageCounter) + ".h5";
    hid_t f = H5Fcreate(internal.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
    if (f < 0)
        impl->fail("HDF5 could not create an in-memory file");
    impl->file = Id(f, H5Fclose);
    return Writer(std::move(impl));
}

void Writer::group(const std::string& path)
{
    Lock lock(writerMutex());
    silenceHdf5();
    m_impl->requireOpen();
    m_impl->makeGroups(normalised(path));
}

void Writer::stringAttribute(const std::string& path, const std::string& attr, const std::string& value, StringEncoding encoding)
{
    Lock lock(writerMutex());
    silenceHdf5();
    m_impl->requireOpen();
    if (value.find('\0') != std::string::npos)
        m_impl->fail("the attribute '" + attr + "' would hold a NUL character");
    Id type = m_impl->stringType(encoding);
    Id space(H5Screate(H5S_SCALAR), H5Sclose);
    if (!space.ok())
        m_impl->fail("HDF5 could not make a scalar dataspace");
    const char* p = value.c_str();
    m_impl->writeAttribute(normalised(path), attr, type.get(), type.get(), space.get(), &p);
}

void Writer::stringListAttribute(const std::string& path, const std::string& attr, const std::vector<std::string>& values,
                                 StringEncoding encoding)
{
    Lock lock(writerMutex());
    silenceHdf5();
    m_impl->requireOpen();
    const hsize_t n = values.size();
    Id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    if (!space.ok())
        m_impl->fail("HDF5 could not make a dataspace for the attribute '" + attr + "'");
    if (values.empty()) {
        // h5py stores [] as numpy's empty float64 array.
        m_impl->writeAttribute(normalised(path), attr, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(), nullptr);
        return;
    }
    std::vector<const char*> ptrs;
    for (const auto& v : values) {
        if (v.find('\0') != std::string::npos)
            m_impl->fail("the attribute '" + attr + "' would hold a NUL character");
        ptrs.push_back(v.c_str());
    }
    Id type = m_impl->stringType(encoding);
    m_impl->writeAttribute(normalised(path), attr, type.get(), type.get(), space.get(), ptrs.data());
}

void Writer::floatDataset(const std::string& path, const ArrayF& array)
{
    Lock lock(writerMutex());
    silenceHdf5();
    m_impl->requireOpen();
    const std::string p = normalised(path);
    if (p == "/")
        m_impl->fail("a dataset needs a name");
    if (int64_t(array.data.size()) != shapeElementCount(array.shape))
        throw Error(ErrorCode::Internal, "h5::Writer: dataset '" + p + "' has " + std::to_string(array.data.size()) +
                                             " values for the shape " + shapeToString(array.shape));
    m_impl->makeGroups(parentOf(p));
    std::vector<hsize_t> dims(array.shape.begin(), array.shape.end());
    Id space(dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose);
    if (!space.ok())
        m_impl->fail("HDF5 could not make the dataspace " + shapeToString(array.shape) + " for '" + p + "'");
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (!dcpl.ok() || H5Pset_obj_track_times(dcpl.get(), false) < 0 || H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS) < 0)
        m_impl->fail("HDF5 could not set up the dataset '" + p + "'");
    Id ds(H5Dcreate2(m_impl->file.get(), p.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
          H5Dclose);
    if (!ds.ok())
        m_impl->fail("HDF5 could not create the dataset '" + p + "'");
    if (!array.data.empty() && H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, array.data.data()) < 0)
        m_impl->fail("HDF5 could not write the dataset '" + p + "'");
    if (!ds.reset())
        m_impl->fail("HDF5 could not close the dataset '" + p + "'");
}

std::vector<std::byte> Writer::image()
{
    Lock lock(writerMutex());
    silenceHdf5();
    m_impl->requireOpen();
    if (!m_impl->inMemory)
        throw Error(ErrorCode::Internal, "h5::Writer::image() on a file written to disk");
    if (H5Fflush(m_impl->file.get(), H5F_SCOPE_GLOBAL) < 0)
        m_impl->fail("HDF5 could not flush the in-memory file");
    const ssize_t size = H5Fget_file_image(m_impl->file.get(), nullptr, 0);
    if (size <= 0)
        m_impl->fail("HDF5 could not size the in-memory file image");
    std::vector<std::byte> out(static_cast<size_t>(size));
    if (H5Fget_file_image(m_impl->file.get(), out.data(), out.size()) != size)
        m_impl->fail("HDF5 could not copy the in-memory file image");
    return out;
}

void Writer::close()
{
    Lock lock(writerMutex());
    silenceHdf5();
    if (!m_impl || !m_impl->file.ok())
        return;
    if (!m_impl->inMemory && H5Fflush(m_impl->file.get(), H5F_SCOPE_GLOBAL) < 0)
        m_impl->fail("HDF5 could not flush the file");
    if (!m_impl->file.reset())
        m_impl->fail("HDF5 could not close the file");
}

} // namespace gruscope::h5
