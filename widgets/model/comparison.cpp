#include "model/comparison.h"

#include "gruscope/error.h"

#include <QObject>

#include <algorithm>

namespace gsui {

using namespace gruscope;

std::vector<BackendKind> registeredBackends()
{
    std::vector<BackendKind> kinds;
    for (const BackendDescription& d : describeBackends())
        kinds.push_back(d.kind);
    return kinds;
}

ComparisonRequest makeComparisonRequest(const Document& doc, int repeats, double tolerance)
{
    ComparisonRequest rq;
    rq.run = makeRunRequest(doc);
    rq.options.backends = registeredBackends();
    rq.options.repeats = std::max(1, repeats);
    rq.options.tolerance = tolerance;
    rq.options.traceCapBytes = kCompareTraceCapBytes;
    return rq;
}

std::shared_ptr<ComparisonResult> runComparison(const ComparisonRequest& rq, CallProgress& call)
{
    const CallInputs inputs = callInputsFor(rq.run, &call);
    auto out = std::make_shared<ComparisonResult>();
    out->options = rq.options;
    out->report = compareBackends(rq.run.config, *rq.run.weights, inputs, rq.options);
    // The engine turns a backend's error into its row's reason and goes on with the next one, so
    // a cancel during a backend's calls comes back as rows that say "cancelled": nothing to show.
    if (call.cancel)
        throw Error(ErrorCode::Cancelled, "the comparison was cancelled");

    const CompareReport& r = out->report;
    int64_t window = 0;
    for (const CompareRow& row : r.rows)
        window = std::max<int64_t>(window, int64_t(row.maxAbsPerStep.size()));
    if (window > 0 && (r.traceStepBegin > 0 || window < r.T))
        out->notes << QObject::tr("Per-step differences cover processing steps %1 to %2 of %3: a trace of every step "
                                  "would take more than %4 MiB.")
                          .arg(r.traceStepBegin)
                          .arg(r.traceStepBegin + window - 1)
                          .arg(r.T)
                          .arg(kCompareTraceCapBytes >> 20);
    return out;
}

} // namespace gsui
