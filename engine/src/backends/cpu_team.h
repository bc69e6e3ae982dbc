// A process-wide team of worker threads for the cpu backend's time loop.
//
// The loop is a sequence of phases (project a block of inputs; one step's gates), each split by
// units across the team: part t of a phase touches only its own units, so the parts of a phase
// can run in any order, on any thread, with the same result bit for bit. run(parts, fn) calls
// fn(ctx, t) once for each t = 0..parts-1 and returns when every part is done; the threads claim
// parts as they come, the caller first, so a worker that is late (asleep, or waiting for a core
// that another program holds) leaves its part to the others instead of holding up the phase.
//
// Why not OpenMP or Eigen's threads: a step at B=1, U=256 lasts a few microseconds, and a fork
// that wakes a sleeping thread costs about as much. Workers here spin for a short while after each
// part (so the next phase, microseconds later, finds them awake) and sleep on a condition
// variable once the team has been idle for kSpinMicros. One call at a time leases the team; a
// call that finds it leased (another layer running on another thread) runs its parts one after
// another on its own thread, with the same numbers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace gruscope::detail {

class CpuTeam {
public:
    using PartFn = void (*)(void* ctx, int part) noexcept;

    static CpuTeam& instance();

    // Threads the team may use (this one included): GRUSCOPE_CPU_THREADS, else the cores, at most 8.
    int size() const noexcept { return m_size; }

    class Lease {
    public:
        Lease() = default;
        explicit Lease(CpuTeam* team) : m_team(team), m_start(std::chrono::steady_clock::now()) {}
        Lease(Lease&& o) noexcept
            : m_team(o.m_team), m_serial(o.m_serial), m_late(o.m_late), m_waited(o.m_waited), m_start(o.m_start)
        {
            o.m_team = nullptr;
        }
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        ~Lease();
        explicit operator bool() const noexcept { return m_team != nullptr; }

        // fn(ctx, t) for t < parts, in parallel when this lease holds the team. When the other
        // threads keep arriving late (the machine is busy with other work and our workers wait for
        // a core), the rest of the call runs its parts in order on this thread: same numbers, and
        // no phase waits a scheduler time slice for a descheduled worker.
        void run(int parts, PartFn fn, void* ctx) noexcept;
        bool parallel() const noexcept { return m_team && !m_serial; }

    private:
        CpuTeam* m_team = nullptr;
        bool m_serial = false;
        int m_late = 0;
        double m_waited = 0; // seconds this call waited for late parts
        std::chrono::steady_clock::time_point m_start;
    };

    // The team for one call when `threads` > 1 and nobody else holds it; an empty lease otherwise
    // (whose run() does the parts in order on the calling thread).
    Lease lease(int threads) noexcept;

    CpuTeam(const CpuTeam&) = delete;
    CpuTeam& operator=(const CpuTeam&) = delete;
    ~CpuTeam();

private:
    CpuTeam();
    void start() noexcept; // spawns the workers on first use
    void work(int id) noexcept;
    // Seconds spent waiting for the other parts after a first spin (0: they were on time).
    double run(int parts, PartFn fn, void* ctx) noexcept;
    int claim(uint64_t seq, int parts) noexcept;

    int m_size = 1;
    std::atomic<bool> m_leased{false};
    std::vector<std::thread> m_workers;
    bool m_started = false;

    // The current phase, published by m_gen = (sequence << 8 | parts) (release) after fn and ctx.
    PartFn m_fn = nullptr;
    void* m_ctx = nullptr;
    alignas(64) std::atomic<uint64_t> m_gen{0};
    // (sequence << 16 | next part to claim) of the current phase, and the parts the workers ran.
    alignas(64) std::atomic<uint64_t> m_claim{0};
    alignas(64) std::atomic<int> m_done{0};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_quit = false;
};

} // namespace gruscope::detail
