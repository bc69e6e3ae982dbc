// GruLayer — one keras.layers.GRU: its config, weights, carried state and the backends it has
// used. A call is prepared once (core/prepare_call.cpp), handed to the backend the registry
// resolves, and finished the same way for every backend.
#include "gruscope/layer.h"

#include "backends/backend.h"
#include "core/prepared_call.h"
#include "gruscope/error.h"

#include <chrono>

namespace gruscope {

using detail::Backend;
using detail::PreparedCall;
using detail::RunStatus;

const char* backendName(BackendKind kind) noexcept
{
    switch (kind) {
    case BackendKind::Auto: return "auto";
    case BackendKind::Cpu: return "cpu";
    case BackendKind::Reference: return "reference";
    case BackendKind::Cudnn: return "cudnn";
    case BackendKind::Cuda: return "cuda";
    }
    return "?";
}

std::optional<BackendKind> backendFromName(const std::string& name) noexcept
{
    for (BackendKind k : {BackendKind::Auto, BackendKind::Cpu, BackendKind::Reference, BackendKind::Cudnn, BackendKind::Cuda})
        if (name == backendName(k))
            return k;
    return std::nullopt;
}

GruLayer::GruLayer(GruConfig config, GruWeights weights) : m_config(std::move(config)), m_weights(std::move(weights))
{
    requireValidConfig(m_config);
    checkWeights(m_config, m_weights);
}

GruLayer::~GruLayer() = default;
GruLayer::GruLayer(GruLayer&&) noexcept = default;
GruLayer& GruLayer::operator=(GruLayer&&) noexcept = default;

void GruLayer::setStoredState(ArrayF state)
{
    if (state.rank() != 2 || state.shape[1] != m_config.units)
        throw Error(ErrorCode::ShapeMismatch, "state has shape " + shapeToString(state.shape) + "; expected (batch, " +
                                                  std::to_string(m_config.units) + ")");
    detail::requireFiniteArray("state", state);
    m_state = std::move(state);
    m_state64.clear();
}

Backend& GruLayer::backend(BackendKind kind)
{
    for (auto& b : m_backends)
        if (b->kind() == kind)
            return *b;
    const detail::BackendEntry* entry = detail::findBackend(kind);
    if (!entry)
        throw Error(ErrorCode::Unsupported, std::string("no backend called ") + backendName(kind) + " in this build");
    std::unique_ptr<Backend> made = entry->make();
    made->prepare(m_config, m_weights);
    m_backends.push_back(std::move(made));
    return *m_backends.back();
}

void GruLayer::adoptBackend(std::unique_ptr<Backend> b)
{
    b->prepare(m_config, m_weights);
    for (auto& have : m_backends)
        if (have->kind() == b->kind()) {
            have = std::move(b);
            return;
        }
    m_backends.push_back(std::move(b));
}

Backend& GruLayer::resolve(BackendKind kind, const PreparedCall& p, std::vector<std::string>& notes)
{
    if (kind != BackendKind::Auto) {
        Backend& b = backend(kind);
        const BackendSupport s = b.supports(p);
        if (!s.ok)
            throw Error(s.error, std::string("the ") + b.name() + " backend cannot run this call: " + s.reason);
        return b;
    }
    // What Keras would run on this machine: the registry lists the backends in that order.
    std::string passedOver;
    for (const detail::BackendEntry& e : detail::backendRegistry()) {
        if (!detail::autoConsiders(e.kind))
            continue;
        Backend& b = backend(e.kind);
        const BackendSupport s = b.supports(p);
        if (s.ok) {
            // The window recognises this note by its first words (MainWindow::showRunFinished).
            notes.push_back(std::string("backend auto chose ") + b.name() +
                            (passedOver.empty() ? std::string() : " (" + passedOver + ")"));
            return b;
        }
        passedOver += (passedOver.empty() ? "" : "; ") + std::string(b.name()) + ": " + s.reason;
    }
    throw Error(ErrorCode::Unsupported, "no backend can run this call: " + passedOver);
}

BackendSupport GruLayer::supports(const CallInputs& in, BackendKind kind)
{
    PreparedCall p;
    RunResult scratch;
    TraceOptions noTrace;
    detail::prepareCall(m_config, m_weights, m_state, m_state64, in, noTrace, kind == BackendKind::Reference, p, scratch);
    if (kind != BackendKind::Auto)
        return backend(kind).supports(p);
    BackendSupport any;
    try {
        std::vector<std::string> notes;
        any.ok = true;
        any.reason = std::string(resolve(kind, p, notes).name());
    } catch (const Error& e) {
        any.ok = false;
        any.reason = e.what();
    }
    return any;
}

RunResult GruLayer::call(const CallInputs& in, BackendKind backendKind, const TraceOptions& traceOpts)
{
    RunResult result;
    PreparedCall p;
    detail::prepareCall(m_config, m_weights, m_state, m_state64, in, traceOpts, backendKind == BackendKind::Reference, p,
                        result);
    Backend& b = resolve(backendKind, p, result.notes);
    b.reserve(p, result);

    const auto t0 = std::chrono::steady_clock::now();
    if (in.progress)
        in.progress->stepsTotal.store(p.T, std::memory_order_relaxed);
    const RunStatus status = b.run(p, result);
    if (status.code == RunStatus::Code::Cancelled ||
        (in.progress && in.progress->cancel.load(std::memory_order_relaxed)))
        throw Error(ErrorCode::Cancelled, "the run was cancelled");
    if (status.code == RunStatus::Code::Failed)
        throw Error(status.error, std::string("the ") + b.name() + " backend failed: " + status.message);
    if (in.progress)
        in.progress->stepsDone.store(p.T, std::memory_order_relaxed);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.backend = b.name();
    detail::finishCall(p, result);

    if (m_config.stateful) {
        m_state = result.state;
        if (!result.state64.data.empty())
            m_state64 = result.state64.data;
        else
            m_state64.clear();
    }
    return result;
}

} // namespace gruscope
