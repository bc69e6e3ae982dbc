#include "backends/cpu_team.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace gruscope::detail {
namespace {

// How long an idle worker spins before it sleeps. Longer than the gap between two phases of a
// call (a step's host work), much shorter than anything a person would notice as a busy core.
constexpr auto kSpin = std::chrono::microseconds(200);

// Pauses before a waiting thread starts yielding its core (about 10–50 µs of spinning).
constexpr int kSpinBeforeYield = 1 << 10;
// Phases of one call whose other parts arrived that late before the call gives up the team.
// Measured on the 2-core machine with both cores busy elsewhere: S3 (1×100×256×256) took 6× its
// quiet time on two threads, each phase waiting for a descheduled worker; one thread is unhurt.
constexpr int kLatePhases = 4;

inline void relax() noexcept
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
}

int teamSize()
{
    if (const char* env = std::getenv("GRUSCOPE_CPU_THREADS")) {
        const int n = std::atoi(env);
        if (n >= 1)
            return std::min(n, 64);
    }
    const unsigned hw = std::thread::hardware_concurrency();
    return std::clamp(int(hw == 0 ? 1 : hw), 1, 8);
}

} // namespace

CpuTeam& CpuTeam::instance()
{
    static CpuTeam team;
    return team;
}

CpuTeam::CpuTeam() : m_size(teamSize()) {}

CpuTeam::~CpuTeam()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_wake.notify_all();
    for (std::thread& t : m_workers)
        if (t.joinable())
            t.join();
}

void CpuTeam::start() noexcept
{
    if (m_started)
        return;
    m_started = true;
    try {
        for (int id = 1; id < m_size; ++id)
            m_workers.emplace_back([this, id] { work(id); });
    } catch (...) {
        // No threads to be had: the team is what started (maybe only the caller).
    }
    m_size = int(m_workers.size()) + 1;
}

CpuTeam::Lease CpuTeam::lease(int threads) noexcept
{
    if (threads <= 1 || m_leased.exchange(true, std::memory_order_acquire))
        return Lease();
    start();
    return Lease(this);
}

CpuTeam::Lease::~Lease()
{
    if (m_team)
        m_team->m_leased.store(false, std::memory_order_release);
}

void CpuTeam::Lease::run(int parts, PartFn fn, void* ctx) noexcept
{
    if (m_team && !m_serial && parts > 1 && parts <= m_team->m_size) {
        if (!m_team->run(parts, fn, ctx) && ++m_late >= kLatePhases)
            m_serial = true;
        return;
    }
    for (int t = 0; t < parts; ++t)
        fn(ctx, t);
}

bool CpuTeam::run(int parts, PartFn fn, void* ctx) noexcept
{
    m_fn = fn;
    m_ctx = ctx;
    m_pending.store(parts - 1, std::memory_order_relaxed);
    {
        // Under the mutex so that a worker about to sleep cannot miss the new generation. The
        // part count travels in the same word, so a worker never pairs one phase's count with
        // another's function.
        std::lock_guard<std::mutex> lock(m_mutex);
        const uint64_t seq = (m_gen.load(std::memory_order_relaxed) >> 8) + 1;
        m_gen.store(seq << 8 | uint64_t(parts), std::memory_order_release);
    }
    m_wake.notify_all();
    fn(ctx, 0);
    // Wait for the other parts. After a short spin, yield: when the machine has more runnable
    // threads than cores (another program, or more team threads than cores), the part we wait
    // for may be on our own core, and spinning would only delay it by a whole time slice.
    int n = 0;
    for (; m_pending.load(std::memory_order_acquire) != 0; ++n) {
        if (n < kSpinBeforeYield)
            relax();
        else
            std::this_thread::yield();
    }
    return n < kSpinBeforeYield;
}

void CpuTeam::work(int id) noexcept
{
    uint64_t seen = 0;
    for (;;) {
        uint64_t gen = m_gen.load(std::memory_order_acquire);
        if (gen == seen) {
            const auto spinUntil = std::chrono::steady_clock::now() + kSpin;
            int n = 0;
            while ((gen = m_gen.load(std::memory_order_acquire)) == seen) {
                if (n < kSpinBeforeYield)
                    relax();
                else
                    std::this_thread::yield();
                if ((++n & 255) == 0 && std::chrono::steady_clock::now() > spinUntil) {
                    std::unique_lock<std::mutex> lock(m_mutex);
                    m_wake.wait(lock, [&] { return m_quit || m_gen.load(std::memory_order_acquire) != seen; });
                    if (m_quit)
                        return;
                }
            }
        }
        seen = gen;
        if (id < int(gen & 255)) {
            m_fn(m_ctx, id);
            m_pending.fetch_sub(1, std::memory_order_acq_rel);
        }
    }
}

} // namespace gruscope::detail
