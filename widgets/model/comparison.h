// Comparing backends in the window: the Document's current input through the engine's
// gruscope::compareBackends (gruscope/compare.h) on every backend this build registers. The engine
// does the comparing — timings after warm-up, differences from the float64 reference per step and
// per unit, a row with the reason for a backend that cannot run here; this is only the Qt side: a
// snapshot of the document taken on the UI thread and a function a JobRunner job runs on a worker.
#pragma once

#include "model/run_request.h"

#include "gruscope/compare.h"

#include <QStringList>

#include <memory>
#include <vector>

namespace gsui {

// |Δh| above this marks a row's first step past the tolerance unless the user picks another.
// Tighter than the engine's 1e-5: float32 on the CPU stays near 1e-7 on the examples, so 1e-6
// shows where a run starts to drift rather than only where it has gone wrong.
constexpr double kDefaultCompareTolerance = 1e-6;
// Each traced run keeps what fits in this; a longer run is compared over a window of steps.
constexpr uint64_t kCompareTraceCapBytes = uint64_t(128) << 20;

// Every backend this build registers, in the order auto considers them, then the reference.
std::vector<gruscope::BackendKind> registeredBackends();

// What one comparison needs, copied from the Document on the UI thread.
struct ComparisonRequest {
    RunRequest run; // the document's call; its backend field is not used
    gruscope::CompareOptions options;
};

struct ComparisonResult {
    quint64 generation = 0;
    gruscope::CompareOptions options; // what it ran with: backends, repeats, tolerance
    gruscope::CompareReport report;   // one row per backend, in options.backends' order
    QStringList notes;                // what the user should know about the whole comparison
};

ComparisonRequest makeComparisonRequest(const Document& doc, int repeats, double tolerance = kDefaultCompareTolerance);

// Runs the comparison (any thread). Throws gruscope::Error(Cancelled) once `call.cancel` is set,
// and the engine's Error for inputs that no backend could run (shapes, NaN).
std::shared_ptr<ComparisonResult> runComparison(const ComparisonRequest& request, gruscope::CallProgress& call);

} // namespace gsui
