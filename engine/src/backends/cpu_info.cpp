// gruscope/cpu_info.h: the cpu backend's view of the processor.
#include "gruscope/cpu_info.h"

#include "backends/cpu_gemm.h"
#include "backends/cpu_team.h"

#include <atomic>
#include <algorithm>
#include <fstream>
#include <thread>
#include <vector>

namespace gruscope {

namespace {
std::atomic<int> g_threadCap{0};
}

void setCpuThreads(int threads) noexcept
{
    g_threadCap.store(std::max(threads, 0), std::memory_order_relaxed);
}

int cpuThreads() noexcept
{
    const int cap = g_threadCap.load(std::memory_order_relaxed);
    const int team = detail::CpuTeam::instance().size();
    return cap > 0 ? std::min(cap, team) : team;
}

std::string cpuSimd()
{
#if defined(__AVX512F__)
    return "AVX-512 (16 floats, FMA)";
#elif defined(__AVX2__) && defined(__FMA__)
    return "AVX2 + FMA (8 floats)";
#else
    return "generic (4 floats, no FMA)";
#endif
}

std::string cpuModelName()
{
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos && colon + 2 <= line.size())
                return line.substr(colon + 2);
        }
    return "?";
}

double measureCpuPeakGflops(int threads, double seconds)
{
    threads = std::max(threads, 1);
    std::vector<double> rates(size_t(threads), 0.0);
    std::vector<std::thread> team;
    for (int t = 1; t < threads; ++t)
        team.emplace_back([&rates, t, seconds] { rates[size_t(t)] = detail::cpugemm::fmaPeakGflops(seconds); });
    rates[0] = detail::cpugemm::fmaPeakGflops(seconds);
    for (std::thread& th : team)
        th.join();
    double sum = 0;
    for (double r : rates)
        sum += r;
    return sum;
}

} // namespace gruscope
