// One run of the Document's layer, in two halves: a RunRequest snapshots everything the run needs
// on the UI thread (so the worker never reads the Document), and executeRun turns it into an
// immutable RunOutcome on any thread. RunController and the backend comparison both run this way.
#pragma once

#include "model/document.h"

#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace gsui {

// Everything one run needs, copied from the Document on the UI thread.
struct RunRequest {
    quint64 generation = 0;
    gruscope::GruConfig config;
    std::shared_ptr<const gruscope::GruWeights> weights;
    gruscope::ArrayF x; // (B, T, I)
    std::optional<gruscope::ArrayU8> mask;
    gruscope::ArrayF h0;
    bool training = false;
    uint64_t seed = 0;
    gruscope::BackendKind backend = gruscope::BackendKind::Auto;
    std::vector<int64_t> traceSamples; // empty: all
    QStringList notes;
};

// Traces of every sample are kept up to this size; above it only the selected sample is traced.
constexpr uint64_t kTraceAllSamplesBytes = uint64_t(64) << 20;

// The request for the document's current state, on the document's backend choice.
RunRequest makeRunRequest(const Document& doc);

// The engine's call inputs for a request: the window keeps (B, T, I) and a (B, T) mask, a
// time-major layer takes (T, B, I) and (T, B). The run and the backend comparison share this.
gruscope::CallInputs callInputsFor(const RunRequest& request, gruscope::CallProgress* progress);

// Runs a request (any thread). Throws gruscope::Error; `progress` may be null.
std::shared_ptr<RunOutcome> executeRun(const RunRequest& request, gruscope::CallProgress* progress);

} // namespace gsui
