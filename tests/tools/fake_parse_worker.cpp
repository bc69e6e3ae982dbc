// A stand-in for gruscope-parse that misbehaves on purpose, so that tests can show what the
// parent does with a child that crashes, hangs, floods or lies. The mode comes from
// GRUSCOPE_FAKE_PARSE (the parent passes its environment on):
//   crash     breadcrumbs, then SIGSEGV           hang      breadcrumbs, then sleeps
//   abort     abort()                              exit3     exits with 3 and a line on stderr
//   garbage   random bytes on stdout               flood     writes stdout without end
//   truncate  a valid failure reply cut in half    hugeshape a header claiming a 2^40-element kernel
//   oom       allocates until the memory limit (--memory-bytes) stops it
#include "gruscope/error.h"
#include "gruscope/isolated_parse.h"

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

void put(int fd, const std::string& s)
{
    size_t at = 0;
    while (at < s.size()) {
        const ssize_t w = ::write(fd, s.data() + at, s.size() - at);
        if (w <= 0)
            return;
        at += size_t(w);
    }
}

} // namespace

int main(int argc, char** argv)
{
    const char* m = std::getenv("GRUSCOPE_FAKE_PARSE");
    const std::string mode = m ? m : "";
    long long memoryBytes = 0;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--memory-bytes")
            memoryBytes = std::atoll(argv[i + 1]);
    put(3, "stage\tlisting the GRU layers\n");
    put(3, "h5\treading\t/model_weights/gru/gru_cell/kernel:0\n");
    if (mode == "crash") {
        put(3, "crash\t11\t/usr/lib/x86_64-linux-gnu/libhdf5_serial.so.103\t\n");
        std::signal(SIGSEGV, SIG_DFL);
        std::raise(SIGSEGV);
    } else if (mode == "abort") {
        std::abort();
    } else if (mode == "hang") {
        for (;;)
            std::this_thread::sleep_for(std::chrono::seconds(1));
    } else if (mode == "exit3") {
        std::fputs("fake worker: something went wrong\n", stderr);
        return 3;
    } else if (mode == "garbage") {
        std::mt19937 rng(7);
        std::string junk(4096, '\0');
        for (auto& c : junk)
            c = char(rng());
        put(1, junk);
    } else if (mode == "flood") {
        const std::string chunk(1 << 20, 'x');
        for (;;)
            put(1, chunk);
    } else if (mode == "truncate") {
        const std::string reply = gruscope::encodeParseFailure(gruscope::ErrorCode::BadFile, "x: a message long enough to cut");
        put(1, reply.substr(0, reply.size() / 2));
    } else if (mode == "hugeshape") {
        const std::string header = "{\"ok\":true,\"layers\":[],\"weights\":[{\"kernel\":[1048576,1048576]}]}";
        std::string reply = "GRUSCOPE-PARSE-1\n";
        for (int i = 0; i < 8; ++i)
            reply.push_back(char((header.size() >> (8 * i)) & 0xff));
        put(1, reply + header);
    } else if (mode == "oom") {
        if (memoryBytes > 0) {
            rlimit r{rlim_t(memoryBytes), rlim_t(memoryBytes)};
            setrlimit(RLIMIT_AS, &r);
        }
        try {
            std::vector<std::vector<char>> hold;
            for (;;)
                hold.emplace_back(size_t(64) << 20, 'x');
        } catch (const std::bad_alloc&) {
            put(1, gruscope::encodeParseFailure(gruscope::ErrorCode::ResourceLimit, std::string(argv[argc - 1]) + ": the parser ran out of memory"));
            return 0;
        }
    }
    return 0;
}
