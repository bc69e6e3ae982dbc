// Comparing backends: the Document's current input on every backend this machine has — reference
// (float64, straight from the equations) first, then cpu (float32, Eigen) and cudnn when a GPU is
// usable — each repeated N times for its timings, then how far each backend's states are from the
// reference: max|Δh| per processing step (over units and samples) and per unit (over time), and
// the output against the reference's float64 output (RunResult::output64).
//
// What is compared: the per-step states h_t of the gate trace (the reference's trace is stored in
// float32, rounded from its float64 values), and the layer's output.
#pragma once

#include "model/run_request.h"

#include "gruscope/layer.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <limits>
#include <memory>
#include <vector>

namespace gsui {

// The table's "first step where max|Δh| exceeds" this.
constexpr double kFirstStepThreshold = 1e-6;

// What one backend did across the repeats, and how far it is from the reference.
struct BackendComparison {
    QString backend;              // "cpu", "reference", "cudnn"
    QString error;                // non-empty when the backend failed (the others still count)
    std::vector<double> forwardSeconds; // RunResult::seconds of each repeat (the backend's forward pass)
    std::vector<double> wallSeconds;    // the whole executeRun call of each repeat
    std::shared_ptr<const RunOutcome> outcome; // the last repeat
    // Against the reference (empty / NaN for the reference itself or a failure).
    std::vector<double> deltaPerStep; // max|Δh| over traced samples and units, per traced step
    std::vector<double> deltaPerUnit; // max|Δh| over traced samples and steps, per unit
    std::vector<double> outputDeltaPerStep; // max|Δ output| per output timestep (sequence outputs)
    double maxDelta = std::numeric_limits<double>::quiet_NaN();       // of trace h
    double maxOutputDelta = std::numeric_limits<double>::quiet_NaN(); // of the output vs output64
    int64_t firstStepOver = -1;   // first processing step with max|Δh| > kFirstStepThreshold (−1: none)
    double maxUlps = std::numeric_limits<double>::quiet_NaN(); // of the output, in float32 ULPs of the reference
};

struct ComparisonResult {
    quint64 generation = 0;
    QString error; // the whole comparison failed (e.g. the reference itself)
    int repeats = 0;
    std::vector<BackendComparison> backends; // reference first
    int64_t traceStepBegin = 0;
    QStringList notes;
};

// Where a comparison is, for a progress line (the steps of the run in flight are in the
// CallProgress passed to compareBackends).
struct ComparisonProgress {
    std::atomic<int> backend{0}, backends{0}, repeat{0}, repeats{0};
};

// One request per backend, reference first, all tracing the same samples (so the traces line up).
std::vector<RunRequest> comparisonRequests(const Document& doc);

// Runs every request `repeats` times (any thread) and compares each with the first. A backend that
// fails is reported in its row; only a failing reference fails the whole comparison (`error`).
// Throws gruscope::Error(Cancelled) once `call.cancel` is set.
std::shared_ptr<ComparisonResult> compareBackends(const std::vector<RunRequest>& requests, int repeats,
                                                  gruscope::CallProgress& call, ComparisonProgress* where = nullptr);

// The median of `v` (NaN when empty).
double medianOf(std::vector<double> v);

} // namespace gsui
