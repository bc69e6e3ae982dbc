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
// Late phases of one call (the others arrived after kSpinBeforeYield pauses) before the call may
// give up the team, which it does when waiting for late parts took a quarter of its time: a long
// call on a quiet machine keeps its threads through a few hiccups of the VM. Measured on the
// 2-core machine with both cores busy elsewhere: S3 (1×100×256×256) took 6-13× its quiet time on
// two threads, each late phase waiting for a descheduled worker; one thread is barely slowed.
constexpr int kLatePhases = 2;

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
        const double waited = m_team->run(parts, fn, ctx);
        if (waited > 0) {
            // Give up the team once two phases were late and waiting took a quarter of the call.
            m_waited += waited;
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
            if (++m_late >= kLatePhases && m_waited > 0.25 * elapsed)
                m_serial = true;
        }
        return;
    }
    for (int t = 0; t < parts; ++t)
        fn(ctx, t);
}

// Claims the next unclaimed part of phase `seq`; -1 when none is left or the phase is over.
int CpuTeam::claim(uint64_t seq, int parts) noexcept
{
    uint64_t v = m_claim.load(std::memory_order_acquire);
    for (;;) {
        const int next = int(v & 0xffff);
        if ((v >> 16) != seq || next >= parts)
            return -1;
        if (m_claim.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire))
            return next;
    }
}

double CpuTeam::run(int parts, PartFn fn, void* ctx) noexcept
{
    m_fn = fn;
    m_ctx = ctx;
    m_done.store(0, std::memory_order_relaxed);
    const uint64_t seq = (m_gen.load(std::memory_order_relaxed) >> 8) + 1;
    m_claim.store(seq << 16, std::memory_order_release); // after fn and ctx: a claim sees them
    {
        // Under the mutex so that a worker about to sleep cannot miss the new generation. The
        // part count travels in the same word, so a worker never pairs one phase's count with
        // another's function.
        std::lock_guard<std::mutex> lock(m_mutex);
        m_gen.store(seq << 8 | uint64_t(parts), std::memory_order_release);
    }
    m_wake.notify_all();
    // Parts are claimed, not assigned: this thread takes the first, then whatever no worker has
    // started, so a worker that is asleep or waiting for a core delays nothing (it finds no part
    // left when it comes). Which thread runs a part changes no number.
    int mine = 0;
    for (int t; (t = claim(seq, parts)) >= 0; ++mine)
        fn(ctx, t);
    const int others = parts - mine;
    // Wait for parts a worker has started. After a short spin, yield: when the machine has more
    // runnable threads than cores, that worker may be waiting for our core.
    int n = 0;
    for (; n < kSpinBeforeYield && m_done.load(std::memory_order_acquire) != others; ++n)
        relax();
    if (m_done.load(std::memory_order_acquire) == others)
        return 0.0;
    const auto lateSince = std::chrono::steady_clock::now();
    while (m_done.load(std::memory_order_acquire) != others)
        std::this_thread::yield();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - lateSince).count();
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
            const uint64_t seq = gen >> 8;
            for (int t; (t = claim(seq, int(gen & 255))) >= 0;) {
                m_fn(m_ctx, t);
                m_done.fetch_add(1, std::memory_order_acq_rel);
            }
        }
    }
}

} // namespace gruscope::detail
