// Running gruscope-parse: spawn it with three pipes (stdout: the reply; stderr: kept for the
// message; fd 3: breadcrumbs, one line per stage and per HDF5 object touched), read them until
// the child ends or a limit is passed, then turn what happened into a reply or an Error.
//
// posix_spawn (vfork-like, async-signal-safe in the child) is used rather than fork(): the window
// has many threads, and a fork()ed copy of it could deadlock on a lock another thread held.
#include "gruscope/isolated_parse.h"

#include "gruscope/error.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace gruscope {

namespace detail {
LoadedWeightFile loadInProcess(const std::string& path, const WeightReadLimits& limits, int treeLines,
                               void (*stage)(const std::string&) = nullptr);
}

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The installed worker relative to the folder of the installed programs; cmake/Install.cmake
// passes the value that follows from CMAKE_INSTALL_BINDIR and CMAKE_INSTALL_LIBEXECDIR.
#ifndef GRUSCOPE_INSTALLED_PARSE_WORKER
#define GRUSCOPE_INSTALLED_PARSE_WORKER "../libexec/gruscope/gruscope-parse"
#endif

constexpr size_t kKeptStderrBytes = 16 << 10;

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    void reset()
    {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
};

void makePipe(Fd& readEnd, Fd& writeEnd)
{
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        throw Error(ErrorCode::ResourceLimit, std::string("cannot make a pipe for the parser: ") + std::strerror(errno));
    readEnd.fd = p[0];
    writeEnd.fd = p[1];
}

std::string signalName(int sig)
{
    switch (sig) {
    case SIGSEGV: return "segmentation fault";
    case SIGBUS: return "bus error";
    case SIGABRT: return "abort";
    case SIGFPE: return "arithmetic fault";
    case SIGILL: return "illegal instruction";
    case SIGKILL: return "killed";
    case SIGXCPU: return "CPU time limit";
    case SIGXFSZ: return "file size limit";
    default: return "signal " + std::to_string(sig);
    }
}

// "libhdf5_serial.so.103" → "the HDF5 library"; the parser itself → "GruScope's parser".
std::string libraryWords(const std::string& lib)
{
    std::string base = fs::path(lib).filename().string();
    if (base.find("libhdf5") != std::string::npos)
        return "the HDF5 library (" + base + ")";
    if (base.find("libzip") != std::string::npos)
        return "libzip (" + base + ")";
    if (base.find("libz.") != std::string::npos)
        return "zlib (" + base + ")";
    if (base.find("gruscope") != std::string::npos)
        return "GruScope's parser";
    if (base.empty())
        return "the parser";
    return base;
}

// What the breadcrumbs say: the last stage and the last object touched in it.
struct Crumbs {
    std::string pending; // a line not yet complete
    std::string stage, doing, object, crashSignal, crashLibrary, crashCaller;

    void feed(const char* data, size_t n)
    {
        pending.append(data, n);
        size_t start = 0;
        for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
            line(pending.substr(start, nl - start));
        pending.erase(0, start);
        if (pending.size() > 8192)
            pending.clear(); // no sane line is this long
    }

    void line(const std::string& l)
    {
        const size_t t1 = l.find('\t');
        const std::string kind = l.substr(0, t1);
        const std::string rest = t1 == std::string::npos ? std::string() : l.substr(t1 + 1);
        const size_t t2 = rest.find('\t');
        if (kind == "stage") {
            stage = rest;
            doing.clear();
            object.clear();
        } else if (kind == "crash") {
            // crash \t <signal> \t <library of the faulting instruction> \t <its caller's, when libc>
            crashSignal = rest.substr(0, t2);
            const std::string libs = t2 == std::string::npos ? std::string() : rest.substr(t2 + 1);
            const size_t t3 = libs.find('\t');
            crashLibrary = libs.substr(0, t3);
            crashCaller = t3 == std::string::npos ? std::string() : libs.substr(t3 + 1);
        } else if (kind == "h5" && t2 != std::string::npos) {
            doing = rest.substr(0, t2);
            object = rest.substr(t2 + 1);
        }
    }

    // " while reading /model_weights/gru/gru/kernel:0 (reading the weights of gru)"
    std::string where() const
    {
        std::string s;
        if (!object.empty())
            s += " while " + doing + " " + object;
        if (!stage.empty())
            s += object.empty() ? " while " + stage : " (" + stage + ")";
        return s;
    }
};

std::string tail(const std::string& s, size_t lines)
{
    size_t at = s.size();
    while (at > 0 && (s[at - 1] == '\n' || s[at - 1] == ' '))
        --at;
    size_t start = at;
    for (size_t n = 0; start > 0 && n < lines; ) {
        --start;
        if (s[start] == '\n' && ++n == lines) {
            ++start;
            break;
        }
    }
    std::string out = s.substr(start, at - start);
    std::replace(out.begin(), out.end(), '\n', ' ');
    return out;
}

std::string megabytes(int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::string selfDir()
{
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

bool executable(const std::string& p) { return !p.empty() && ::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p); }

} // namespace

std::string findParseWorker()
{
    if (const char* env = std::getenv("GRUSCOPE_PARSE_WORKER"); env && *env)
        return executable(env) ? std::string(env) : std::string();
    const std::string dir = selfDir();
    if (!dir.empty() && executable(dir + "/gruscope-parse"))
        return dir + "/gruscope-parse";
    // Installed (cmake/Install.cmake, the .deb): the worker is no command of its own, so it lives
    // in libexec rather than beside gruscope and gruscope-cli in bin. The path is taken relative to
    // this executable, so that any prefix (/usr, /usr/local, a relocated tree) finds its own copy.
    if (!dir.empty()) {
        std::string installed =
            (fs::path(dir) / GRUSCOPE_INSTALLED_PARSE_WORKER).lexically_normal().string();
        if (executable(installed))
            return installed;
    }
#ifdef GRUSCOPE_BUILD_PARSE_WORKER
    if (executable(GRUSCOPE_BUILD_PARSE_WORKER))
        return GRUSCOPE_BUILD_PARSE_WORKER;
#endif
    return {};
}

ParseOptions defaultParseOptions()
{
    ParseOptions o;
    if (const char* iso = std::getenv("GRUSCOPE_ISOLATION"); iso && (std::string(iso) == "off" || std::string(iso) == "0"))
        o.isolate = false;
    if (const char* t = std::getenv("GRUSCOPE_PARSE_TIMEOUT"); t && std::atof(t) > 0)
        o.timeoutSeconds = std::atof(t);
    if (const char* m = std::getenv("GRUSCOPE_PARSE_MEMORY_MB"); m && std::atoll(m) > 0)
        o.memoryBytes = int64_t(std::atoll(m)) << 20;
    return o;
}

LoadedWeightFile loadWeightFile(const std::string& path, const ParseOptions& options)
{
    const auto start = Clock::now();
    if (!options.isolate) {
        LoadedWeightFile out = detail::loadInProcess(path, options.limits, options.treeLines);
        out.report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        return out;
    }
    const std::string worker = options.workerPath.empty() ? findParseWorker() : options.workerPath;
    if (worker.empty() || !executable(worker))
        throw Error(ErrorCode::Unsupported,
                    path + ": cannot open it safely: gruscope-parse, the program that reads weight files in a separate "
                           "process, was not found" + (worker.empty() ? std::string() : " at " + worker) +
                        " (set GRUSCOPE_PARSE_WORKER to it, or GRUSCOPE_ISOLATION=off to read files in this process)");

    Fd outR, outW, errR, errW, crumbR, crumbW;
    makePipe(outR, outW);
    makePipe(errR, errW);
    makePipe(crumbR, crumbW);

    std::vector<std::string> args = {worker,
                                     "--max-elements", std::to_string(options.limits.maxElements),
                                     "--max-member-bytes", std::to_string(options.limits.maxArchiveMemberBytes),
                                     "--tree-lines", std::to_string(options.treeLines),
                                     "--memory-bytes", std::to_string(options.memoryBytes),
                                     "--cpu-seconds", std::to_string(int64_t(options.timeoutSeconds) + 2),
                                     "--crumbs-fd", "3",
                                     "--", path};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, outW.fd, 1);
    posix_spawn_file_actions_adddup2(&fa, errW.fd, 2);
    posix_spawn_file_actions_adddup2(&fa, crumbW.fd, 3);
    // The window blocks or ignores some signals in its threads; the child starts with none blocked
    // and the default actions, so that a crash is a crash.
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGXCPU, SIGTERM, SIGINT, SIGCHLD})
        sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, worker.c_str(), &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        throw Error(ErrorCode::Unsupported, path + ": cannot start the parser " + worker + ": " + std::strerror(rc));
    outW.reset();
    errW.reset();
    crumbW.reset();

    std::string reply, err;
    Crumbs crumbs;
    bool overflow = false, timedOut = false, cancelled = false;
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.timeoutSeconds));
    std::vector<char> buf(size_t(1) << 16);
    while (outR.fd >= 0 || errR.fd >= 0 || crumbR.fd >= 0) {
        if (options.cancel && options.cancel->load()) {
            cancelled = true;
            break;
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            timedOut = true;
            break;
        }
        pollfd fds[3];
        Fd* owners[3];
        int n = 0;
        for (Fd* f : {&outR, &errR, &crumbR})
            if (f->fd >= 0) {
                fds[n] = {f->fd, POLLIN, 0};
                owners[n++] = f;
            }
        const int waitMs = int(std::min<int64_t>(
            50, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1));
        const int ready = ::poll(fds, nfds_t(n), waitMs);
        if (ready < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n && ready > 0; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            const ssize_t got = ::read(owners[i]->fd, buf.data(), buf.size());
            if (got <= 0) {
                if (got < 0 && (errno == EINTR || errno == EAGAIN))
                    continue;
                owners[i]->reset();
                continue;
            }
            if (owners[i] == &outR) {
                if (int64_t(reply.size()) + got > options.replyBytes) {
                    overflow = true;
                    break;
                }
                reply.append(buf.data(), size_t(got));
            } else if (owners[i] == &errR) {
                err.append(buf.data(), size_t(got));
                if (err.size() > 2 * kKeptStderrBytes)
                    err.erase(0, err.size() - kKeptStderrBytes);
            } else {
                crumbs.feed(buf.data(), size_t(got));
            }
        }
        if (overflow)
            break;
    }
    if (cancelled || timedOut || overflow)
        ::kill(pid, SIGKILL);
    outR.reset();
    errR.reset();
    crumbR.reset();
    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }

    const std::string& file = path;
    if (cancelled)
        throw Error(ErrorCode::Cancelled, file + ": opening was cancelled");
    if (timedOut)
        throw Error(ErrorCode::ResourceLimit, file + ": the parser took longer than " +
                                                  std::to_string(int(options.timeoutSeconds)) + " s" + crumbs.where() +
                                                  " and was stopped (GRUSCOPE_PARSE_TIMEOUT raises the limit)");
    if (overflow)
        throw Error(ErrorCode::ResourceLimit, file + ": the parser's reply passed the " + megabytes(options.replyBytes) +
                                                  " allowed" + crumbs.where() + "; nothing was read");
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        std::string who = crumbs.crashLibrary.empty() ? std::string("the parser") : libraryWords(crumbs.crashLibrary);
        if (!crumbs.crashCaller.empty())
            who = libraryWords(crumbs.crashCaller) + ", in " + fs::path(crumbs.crashLibrary).filename().string() + ",";
        std::string what = who + " crashed (" + signalName(sig) + ")";
        if (sig == SIGKILL || sig == SIGXCPU)
            what = "the parser was stopped (" + signalName(sig) + (sig == SIGKILL ? ", perhaps for lack of memory" : "") + ")";
        throw Error(ErrorCode::BadFile, file + ": " + what + crumbs.where() +
                                            "; the file is corrupt or hostile, and nothing of it was used");
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code != 0) {
        std::string detail = tail(err, 3);
        if (err.find("AddressSanitizer") != std::string::npos || err.find("runtime error") != std::string::npos) {
            const size_t at = err.find("ERROR: ");
            detail = at == std::string::npos ? tail(err, 2) : err.substr(at, err.find('\n', at) - at);
        }
        throw Error(ErrorCode::BadFile, file + ": the parser stopped with exit code " + std::to_string(code) +
                                            crumbs.where() + (detail.empty() ? std::string() : ": " + detail));
    }
    LoadedWeightFile out;
    try {
        out = decodeParseReply(reply, options.limits, file);
    } catch (const Error& e) {
        if (e.code() == ErrorCode::ResourceLimit && std::string(e.what()).find("ran out of memory") != std::string::npos)
            throw Error(ErrorCode::ResourceLimit, std::string(e.what()) + " (the limit is " + megabytes(options.memoryBytes) +
                                                      "; GRUSCOPE_PARSE_MEMORY_MB raises it)");
        throw;
    }
    out.report.isolated = true;
    out.report.worker = worker;
    out.report.childPeakKiB = usage.ru_maxrss;
    out.report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return out;
}

} // namespace gruscope
