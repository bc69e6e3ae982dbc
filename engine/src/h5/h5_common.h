// Pieces the HDF5 reader and writer share: an RAII handle for any hid_t, turning HDF5's own error
// printing off, and splitting an HDF5 path into its components.
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>
#include <vector>

namespace gruscope::h5::detail {

class Id {
public:
    Id() = default;
    Id(hid_t id, herr_t (*close)(hid_t)) : m_id(id), m_close(close) {}
    Id(const Id&) = delete;
    Id& operator=(const Id&) = delete;
    Id(Id&& o) noexcept : m_id(o.m_id), m_close(o.m_close) { o.m_id = -1; }
    Id& operator=(Id&& o) noexcept
    {
        std::swap(m_id, o.m_id);
        std::swap(m_close, o.m_close);
        return *this;
    }
    ~Id() { reset(); }
    hid_t get() const noexcept { return m_id; }
    bool ok() const noexcept { return m_id >= 0; }
    // Closes now and reports whether HDF5 accepted it.
    bool reset() noexcept
    {
        bool ok = true;
        if (m_id >= 0 && m_close)
            ok = m_close(m_id) >= 0;
        m_id = -1;
        return ok;
    }

private:
    hid_t m_id = -1;
    herr_t (*m_close)(hid_t) = nullptr;
};

// A thread-safe libhdf5 keeps the error stack's auto-print setting per thread.
inline void silenceHdf5()
{
    // No HDF5 clean-up at exit: libhdf5 1.10.8 keeps a file whose close failed (a full disk, a
    // file size limit) open, and its exit handler then flushes that file again and segfaults
    // (found by tst_cli diskFullWhileWriting), turning a clean "cannot write" into a crash. The OS
    // frees everything at exit anyway. Must come before the library's first initialisation.
    static const bool noAtExit = [] {
        H5dont_atexit();
        return true;
    }();
    (void)noAtExit;
    thread_local const bool once = [] {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); // errors become our messages, not stderr noise
        return true;
    }();
    (void)once;
}

// The operating system's reason behind the current HDF5 error, when the error stack has one: the
// file drivers record a failed read or write as "... errno = 27, error message = 'File too large'
// ...". Empty when no frame carries an errno (a format problem rather than a system one).
inline std::string systemErrorOnStack()
{
    std::string reason;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_DOWNWARD,
        [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
            const std::string desc = e && e->desc ? e->desc : "";
            const auto at = desc.find("error message = '");
            if (at != std::string::npos) {
                const auto from = at + 17, to = desc.find('\'', from);
                if (to != std::string::npos && static_cast<std::string*>(out)->empty())
                    *static_cast<std::string*>(out) = desc.substr(from, to - from);
            }
            return 0;
        },
        &reason);
    return reason;
}

inline std::vector<std::string> splitPath(const std::string& path)
{
    std::vector<std::string> parts;
    std::string cur;
    for (char ch : path) {
        if (ch == '/') {
            if (!cur.empty())
                parts.push_back(cur);
            cur.clear();
        } else {
            cur += ch;
        }
    }
    if (!cur.empty())
        parts.push_back(cur);
    return parts;
}

} // namespace gruscope::h5::detail
