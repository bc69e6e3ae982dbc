// Timing sweeps: one GRU layer timed over a grid of sequence lengths T, batch sizes B and unit
// counts U on the backends this machine has, each point tagged with Keras's cuDNN verdict for
// the layer, and per (T, B) the smallest U from which a GPU backend beats the cpu backend (the
// crossover). The window's sweep view and `gruscope-cli sweep` share it. Times are medians of a
// few calls after a warm-up; compare points of one sweep, not sweeps of different machines.
#pragma once

#include "gruscope/layer.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gruscope {

struct SweepSpec {
    std::vector<int64_t> T{10, 100, 1000};
    std::vector<int64_t> B{1, 8, 64};
    std::vector<int64_t> U{32, 128, 512};
    int64_t features = 0;          // I; 0: the same as U at each point
    bool resetAfter = true;        // Keras 3's default (cuDNN-eligible); false: the generic loop only
    std::vector<BackendKind> backends; // empty: every usable backend except the float64 reference
    int warmup = 1, repeats = 3;
    double maxSecondsPerPoint = 5; // fewer repeats for a slow point
    const std::atomic<bool>* cancel = nullptr;
    // Called after each point with (points done, points in all).
    std::function<void(int, int)> progress;
};

struct SweepPoint {
    int64_t T = 0, B = 0, U = 0, I = 0;
    BackendKind backend = BackendKind::Cpu;
    bool ran = false;
    std::string why;              // why it did not run (the backend's own words)
    double medianMs = 0;          // the forward pass (RunResult::seconds), median of the repeats
    double usPerStep = 0;         // medianMs per timestep, in µs
    int repeats = 0;
    bool cudnnEligible = false;   // Keras's verdict for this layer and call on a machine with a GPU
    std::string verdict;          // "cuDNN-eligible", or "generic loop: reset_after, ..." (failing conditions)
};

struct SweepCrossover {
    int64_t T = 0, B = 0;
    std::optional<int64_t> fromU; // the smallest U of the grid where a GPU backend beat cpu
    std::string gpuBackend;       // which one did
    std::string note;             // when there is none: why ("no GPU backend ran: ...", "cpu faster at every U")
};

struct SweepResult {
    SweepSpec spec;
    std::vector<SweepPoint> points; // T-major, then B, then U, then backend
    std::vector<SweepCrossover> crossovers;
    std::vector<std::string> backendNotes; // backends left out and why
    bool cancelled = false;
};

// Runs the sweep. Throws Error(InvalidArgument) for an empty or non-positive grid.
SweepResult runSweep(const SweepSpec& spec);

// The crossovers of result.points over result.spec's grid (runSweep fills result.crossovers with
// them): per (T, B), the smallest U at which the fastest GPU backend that ran beat cpu.
std::vector<SweepCrossover> sweepCrossovers(const SweepResult& result);

// One CSV row per point: T,B,U,I,backend,ran,median_ms,us_per_step,repeats,cudnn_eligible,verdict,why
// followed by a "# crossover" comment line per (T, B).
std::string sweepToCsv(const SweepResult& result);

} // namespace gruscope
