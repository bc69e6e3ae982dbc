// gruscope-parse: reads one weight file and writes what GruScope needs of it to stdout as a reply
// (gruscope/isolated_parse.h), then exits. The window and the CLI start it for every weight file
// they open, so that a file that crashes or hangs libhdf5 takes only this process down.
//
// Before parsing, it limits itself (address space, CPU time, no core files, no file writes) and
// installs a crash handler that names the library the faulting instruction belongs to. While
// parsing, it leaves breadcrumbs on --crumbs-fd: "stage\t<what>" as it moves on and
// "h5\t<doing>\t<object>" before each HDF5 access, so the parent can say where it died or hung.
//
//   gruscope-parse [--max-elements N] [--max-member-bytes N] [--tree-lines N] [--memory-bytes N]
//                  [--cpu-seconds N] [--crumbs-fd FD] -- FILE
#include "gruscope/isolated_parse.h"

#include "h5/h5_file.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <execinfo.h>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

namespace {

int g_crumbs = -1;

void writeAll(int fd, const char* data, size_t n)
{
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w <= 0)
            return;
        data += w;
        n -= size_t(w);
    }
}

void crumb(const std::string& line)
{
    if (g_crumbs >= 0)
        writeAll(g_crumbs, line.data(), line.size());
}

void onStage(const std::string& stage) { crumb("stage\t" + stage + "\n"); }

void onObject(const std::string& /*file*/, const std::string& object, const char* doing)
{
    crumb(std::string("h5\t") + doing + "\t" + object + "\n");
}

// The faulting instruction's address, where the platform says it.
void* faultPc(void* context)
{
    auto* uc = static_cast<ucontext_t*>(context);
#if defined(__x86_64__)
    return reinterpret_cast<void*>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
    return reinterpret_cast<void*>(uc->uc_mcontext.pc);
#else
    (void)uc;
    return nullptr;
#endif
}

// The library a code address belongs to ("" when unknown).
const char* libraryOf(const void* pc)
{
    Dl_info info{};
    return pc && dladdr(pc, &info) && info.dli_fname ? info.dli_fname : "";
}

bool isLibc(const char* lib) { return std::strstr(lib, "libc.so") || std::strstr(lib, "libstdc++") || std::strstr(lib, "ld-linux"); }

// Runs once, in a process that is about to die: dladdr, backtrace and snprintf are not
// async-signal-safe on paper, but the process is single-threaded here and never returns to the
// code that faulted. Sends the faulting instruction's library and, when that is libc (memcpy,
// free), the first library up the stack that is not: the one that called it.
void onCrash(int sig, siginfo_t*, void* context)
{
    if (g_crumbs >= 0) {
        const char* lib = libraryOf(faultPc(context));
        const char* caller = "";
        if (isLibc(lib)) {
            void* frames[48];
            const int n = backtrace(frames, 48);
            for (int i = 0; i < n && !*caller; ++i) {
                const char* l = libraryOf(frames[i]);
                if (*l && !isLibc(l) && !std::strstr(l, "gruscope-parse"))
                    caller = l;
            }
        }
        char line[1200];
        const int n = std::snprintf(line, sizeof line, "crash\t%d\t%s\t%s\n", sig, lib, caller);
        if (n > 0)
            writeAll(g_crumbs, line, size_t(std::min<int>(n, int(sizeof line) - 1)));
    }
    std::signal(sig, SIG_DFL);
    ::raise(sig);
}

bool underSanitizer()
{
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#endif
#endif
    return false;
}

void limit(int resource, rlim_t value)
{
    rlimit r{value, value};
    ::setrlimit(resource, &r);
}

int usage()
{
    std::fputs("usage: gruscope-parse [--max-elements N] [--max-member-bytes N] [--tree-lines N] [--memory-bytes N]\n"
               "                      [--cpu-seconds N] [--crumbs-fd FD] -- FILE\n"
               "Reads a weight file for GruScope in a process of its own; started by gruscope and gruscope-cli.\n",
               stderr);
    return 64;
}

} // namespace

int main(int argc, char** argv)
{
    gruscope::WeightReadLimits limits;
    int treeLines = 2000;
    long long memoryBytes = 0, cpuSeconds = 0;
    std::string path;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool hasValue = i + 1 < argc;
        if (a == "--" && hasValue && i + 2 == argc) {
            path = argv[i + 1];
            break;
        }
        if (!hasValue)
            return usage();
        const long long v = std::atoll(argv[++i]);
        if (a == "--max-elements" && v > 0)
            limits.maxElements = v;
        else if (a == "--max-member-bytes" && v > 0)
            limits.maxArchiveMemberBytes = v;
        else if (a == "--tree-lines" && v >= 0)
            treeLines = int(std::min<long long>(v, 1 << 20));
        else if (a == "--memory-bytes" && v >= 0)
            memoryBytes = v;
        else if (a == "--cpu-seconds" && v >= 0)
            cpuSeconds = v;
        else if (a == "--crumbs-fd" && v >= 3)
            g_crumbs = int(v);
        else
            return usage();
    }
    if (path.empty())
        return usage();

    limit(RLIMIT_CORE, 0);
    // Reading never writes a file; libhdf5 must not either. (Not when stdout is itself a file,
    // as when tools/fuzz saves replies as seeds: the limit would stop the reply.)
    struct stat out {};
    if (::fstat(STDOUT_FILENO, &out) == 0 && !S_ISREG(out.st_mode))
        limit(RLIMIT_FSIZE, 0);
    std::signal(SIGXFSZ, SIG_IGN); // a refused write is an error, not the end of the process
    if (cpuSeconds > 0)
        limit(RLIMIT_CPU, rlim_t(cpuSeconds));
    // ASan reserves terabytes of address space for its shadow: under it, only the parent's clock
    // and the reply cap limit the child.
    if (memoryBytes > 0 && !underSanitizer())
        limit(RLIMIT_AS, rlim_t(memoryBytes));
    if (g_crumbs >= 0) {
        struct sigaction sa {};
        sa.sa_sigaction = onCrash;
        sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        for (int s : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL})
            if (!underSanitizer() || s == SIGABRT)
                sigaction(s, &sa, nullptr);
        gruscope::h5::setObjectObserver(onObject);
        void* warm[1];
        backtrace(warm, 1); // loads libgcc's unwinder now, not inside the crash handler
    }

    const std::string reply = gruscope::parseToReply(path, limits, treeLines, onStage);
    writeAll(STDOUT_FILENO, reply.data(), reply.size());
    return 0;
}
