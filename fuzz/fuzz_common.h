// Helpers shared by the fuzzers: a per-process scratch file (the engine's file readers take
// paths) and a check that aborts with a message, so a broken invariant counts as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

namespace gruscope::fuzz {

// A scratch file in $GRUSCOPE_FUZZ_TMP (tools/fuzz points it at a folder in /dev/shm that it
// removes afterwards), else /dev/shm (a RAM disk: no disk I/O per execution), else /tmp. One name
// per process and suffix; removed at a normal exit (a crash leaves it behind).
inline std::string scratchPath(const char* suffix)
{
    const char* env = std::getenv("GRUSCOPE_FUZZ_TMP");
    const char* dir = env && *env ? env : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(dir) + "/gruscope-fuzz-" + std::to_string(getpid()) + suffix;
}

class ScratchFile {
public:
    explicit ScratchFile(const char* suffix) : m_path(scratchPath(suffix)) {}
    ~ScratchFile() { std::remove(m_path.c_str()); }
    const std::string& path() const noexcept { return m_path; }

    void write(const uint8_t* data, size_t size) const
    {
        std::FILE* f = std::fopen(m_path.c_str(), "wb");
        if (!f || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
            std::perror(m_path.c_str());
            std::abort();
        }
    }

private:
    std::string m_path;
};

[[noreturn]] inline void violated(const char* what, const char* file, int line)
{
    std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", file, line, what);
    std::abort();
}

} // namespace gruscope::fuzz

#define FUZZ_CHECK(cond)                                                                                                    \
    do {                                                                                                                   \
        if (!(cond))                                                                                                       \
            ::gruscope::fuzz::violated(#cond, __FILE__, __LINE__);                                                         \
    } while (0)
