#include "model/run_request.h"

#include "model/limits.h"

#include "gruscope/error.h"

#include <QObject>

#include <algorithm>
#include <chrono>

namespace gsui {

using namespace gruscope;

RunRequest makeRunRequest(const Document& doc)
{
    RunRequest r;
    r.config = doc.config();
    r.weights = doc.weights();
    r.x = doc.input();
    r.mask = doc.mask();
    r.h0 = doc.resolvedInitialState();
    r.training = doc.training();
    r.seed = doc.dropoutSeed();
    r.backend = doc.backend();
    const int64_t B = doc.batch(), T = doc.steps(), U = std::max<int64_t>(1, doc.config().units);
    if (Trace::bytesFor(B, T, U) > kTraceAllSamplesBytes && B > 1) {
        r.traceSamples = {int64_t(doc.selectedSample())};
        r.notes << QObject::tr("large run: gate traces kept for the selected sample %1 only (all %2 samples would take "
                               "%3 MiB)")
                       .arg(doc.selectedSample())
                       .arg(B)
                       .arg(double(Trace::bytesFor(B, T, U)) / double(1 << 20), 0, 'f', 0);
    }
    return r;
}

CallInputs callInputsFor(const RunRequest& rq, CallProgress* progress)
{
    const int64_t B = rq.x.shape.at(0), T = rq.x.shape.at(1), I = rq.x.shape.at(2);
    CallInputs in;
    in.training = rq.training;
    in.seed = rq.seed;
    in.progress = progress;
    in.initialState = rq.h0;
    in.memoryLimitBytes = windowLimits().runMemoryBytes; // View ▸ Limits
    if (!rq.config.time_major) {
        in.x = rq.x;
        in.mask = rq.mask;
        return in;
    }
    in.x = ArrayF(Shape{T, B, I});
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t)
            std::copy_n(rq.x.data.begin() + (b * T + t) * I, I, in.x.data.begin() + (t * B + b) * I);
    if (rq.mask) {
        ArrayU8 m(Shape{T, B});
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                m.data[size_t(t * B + b)] = rq.mask->data[size_t(b * T + t)];
        in.mask = std::move(m);
    }
    return in;
}

std::shared_ptr<RunOutcome> executeRun(const RunRequest& rq, CallProgress* progress)
{
    const auto t0 = std::chrono::steady_clock::now();
    requireValidConfig(rq.config);
    GruLayer layer(rq.config, *rq.weights);

    const int64_t B = rq.x.shape.at(0), T = rq.x.shape.at(1), I = rq.x.shape.at(2), U = rq.config.units;
    const CallInputs in = callInputsFor(rq, progress);
    TraceOptions trace;
    trace.enabled = true;
    trace.samples = rq.traceSamples;
    trace.memoryCapBytes = windowLimits().traceCapBytes;

    auto out = std::make_shared<RunOutcome>();
    out->result = layer.call(in, rq.backend, trace);
    out->generation = rq.generation;
    out->requestedBackend = rq.backend;
    out->config = rq.config;
    out->weights = rq.weights;
    out->x = rq.x;
    out->mask = rq.mask;
    out->h0 = rq.h0;
    out->training = rq.training;
    out->B = B;
    out->T = T;
    out->I = I;
    out->U = U;
    out->notes = rq.notes;
    if (!out->result.trace.note.empty())
        out->notes << QString::fromStdString(out->result.trace.note);
    for (const auto& n : out->result.notes)
        out->notes << QString::fromStdString(n);
    out->wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

} // namespace gsui
