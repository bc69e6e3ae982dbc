// Atomic file replacement (POSIX): mkstemp beside the target, write, fsync, rename, fsync the folder.
// A process killed in the middle leaves its temporary file behind (nothing can remove it then); the
// temporary names carry the writer's process id so that the next write of the same file removes
// the ones whose writer is gone (tst_gui_faults kills writers at random moments).
#include "gruscope/atomic_file.h"

#include "gruscope/error.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gruscope {

namespace {

std::string folderOf(const std::string& path)
{
    const size_t slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

std::string whyCannotCreate(const std::string& path, const std::string& dir, int err)
{
    const std::string head = "cannot write '" + path + "': ";
    switch (err) {
    case ENOENT: return head + "the folder '" + dir + "' does not exist";
    case ENOTDIR: return head + "'" + dir + "' is not a folder";
    case EACCES:
    case EPERM: return head + "no permission to create files in the folder '" + dir + "'";
    case EROFS: return head + "the folder '" + dir + "' is on a read-only file system";
    case ENOSPC: return head + "no space left on the device holding '" + dir + "'";
    default: return head + "cannot create a file in the folder '" + dir + "': " + std::strerror(err);
    }
}

// The permission bits a newly created file would get (0666 minus the umask). Read from /proc so that
// no other thread sees a temporarily changed umask; 0644 where /proc is not there.
mode_t newFileMode()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Umask:", 0) == 0) {
            char* end = nullptr;
            const unsigned long mask = std::strtoul(line.c_str() + 6, &end, 8);
            if (end != line.c_str() + 6)
                return mode_t(0666 & ~mask & 0777);
        }
    }
    return 0644;
}

// fsync a file or folder by path. Returns errno, or 0. File systems that cannot sync (EINVAL) count
// as success.
int syncPath(const std::string& p, bool directory)
{
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
    if (fd < 0)
        return errno;
    int err = 0;
    if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        err = errno;
    ::close(fd);
    return err;
}

// Removes files in `dir` named <prefix><pid>-... whose process no longer exists: temporary files of
// writers that were killed. A file of a live process (or of a reused pid) stays.
void removeStaleTemporaries(const std::string& dir, const std::string& prefix)
{
    DIR* d = ::opendir(dir.c_str());
    if (!d)
        return;
    std::vector<std::string> stale;
    while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name.compare(0, prefix.size(), prefix) != 0)
            continue;
        char* end = nullptr;
        const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
        if (pid <= 0 || !end || *end != '-')
            continue;
        if (::kill(pid_t(pid), 0) != 0 && errno == ESRCH)
            stale.push_back(name);
    }
    ::closedir(d);
    for (const std::string& name : stale)
        ::unlink((dir + "/" + name).c_str());
}

std::string baseNameOf(const std::string& path)
{
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

void writeFileAtomically(const std::string& path, const std::function<void(const std::string& tmpPath)>& writer)
{
    if (path.empty())
        throw Error(ErrorCode::InvalidArgument, "cannot write a file: no path given");
    if (path.back() == '/')
        throw Error(ErrorCode::BadFile, "cannot write '" + path + "': the path names a folder, not a file");
    const std::string dir = folderOf(path);

    struct stat old {};
    const bool exists = ::stat(path.c_str(), &old) == 0;
    if (exists && S_ISDIR(old.st_mode))
        throw Error(ErrorCode::BadFile, "cannot write '" + path + "': a folder of that name is in the way");

    const std::string pid = std::to_string(::getpid());
    removeStaleTemporaries(dir, baseNameOf(path) + ".tmp-");
    std::string tmpl = path + ".tmp-" + pid + "-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0 && errno == ENAMETOOLONG) { // a long file name: fall back to a short hidden name
        removeStaleTemporaries(dir, ".gruscope-tmp-");
        tmpl = (dir == "/" ? std::string("/") : dir + "/") + ".gruscope-tmp-" + pid + "-XXXXXX";
        name.assign(tmpl.begin(), tmpl.end());
        name.push_back('\0');
        fd = ::mkostemp(name.data(), O_CLOEXEC);
    }
    if (fd < 0)
        throw Error(ErrorCode::BadFile, whyCannotCreate(path, dir, errno));
    ::close(fd);
    const std::string tmp(name.data());

    try {
        writer(tmp);
        // mkstemp makes the file 0600; give the result the mode the old file had, or the usual one.
        ::chmod(tmp.c_str(), exists ? (old.st_mode & 07777) : newFileMode());
        if (const int err = syncPath(tmp, false))
            throw Error(ErrorCode::BadFile, "cannot write '" + path + "': flushing it to disk failed: " + std::strerror(err));
        if (::rename(tmp.c_str(), path.c_str()) != 0) {
            const int err = errno;
            throw Error(ErrorCode::BadFile, "cannot write '" + path + "': replacing it failed: " + std::strerror(err));
        }
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    syncPath(dir, true); // best effort: make the rename itself durable
}

void writeBytesAtomically(const std::string& path, const std::string& bytes)
{
    writeFileAtomically(path, [&](const std::string& tmp) {
        std::FILE* f = std::fopen(tmp.c_str(), "wb");
        if (!f) {
            const int err = errno;
            throw Error(ErrorCode::BadFile, "cannot write '" + path + "': " + std::strerror(err));
        }
        const bool wrote = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
        const int writeErr = errno;
        const bool flushed = std::fflush(f) == 0;
        const int flushErr = errno;
        const bool closed = std::fclose(f) == 0;
        if (!wrote || !flushed || !closed)
            throw Error(ErrorCode::BadFile, "cannot write '" + path + "': " + std::strerror(!wrote ? writeErr : !flushed ? flushErr : errno));
    });
}

} // namespace gruscope
