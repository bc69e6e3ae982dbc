// Engine-internal: the interface every backend implements, and the registry that knows them.
//
// A backend object lives with its GruLayer (GruLayer makes it on first use and keeps it), so it
// can keep what it prepared from the weights (a transposed recurrent kernel, packed cuDNN weights
// on the device), its handles and its scratch buffers between calls. The life of one call:
//   supports(call)   may this backend run this call here? (cudnn: Keras's eligibility report)
//   reserve(call)    size the scratch buffers and extra outputs; may throw (memory, device)
//   run(call)        the time loop; never throws, reports cancellation or a failure as a status
// Models: ggml's backend interface (supports_op), RTNeural's noexcept forward passes.
#pragma once

#include "core/prepared_call.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"

#include <memory>
#include <string>
#include <vector>

namespace gruscope::detail {

struct RunStatus {
    enum class Code { Ok, Cancelled, Failed } code = Code::Ok;
    ErrorCode error = ErrorCode::Internal; // for Failed: the kind of failure
    std::string message;                   // for Failed: in words, for a user

    static RunStatus ok() { return {}; }
    static RunStatus cancelled() { return {Code::Cancelled, ErrorCode::Cancelled, "the run was cancelled"}; }
    static RunStatus failed(ErrorCode e, std::string why) { return {Code::Failed, e, std::move(why)}; }
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual BackendKind kind() const noexcept = 0;
    const char* name() const noexcept { return backendName(kind()); }

    // Once, when the layer makes this backend: derive what the time loop needs from the weights.
    // May throw Error.
    virtual void prepare(const GruConfig& config, const GruWeights& weights) = 0;

    // Whether this call can run here, and if not why (in words a user can act on).
    virtual BackendSupport supports(const PreparedCall& call) const = 0;

    // Before run: allocate scratch for this call's sizes (kept for later calls of the same or a
    // smaller size) and any result arrays beyond output/state/trace. May throw Error.
    virtual void reserve(const PreparedCall& call, RunResult& result) = 0;

    // Fill result.output, result.state and, when the plan asks, the trace arrays (all allocated
    // by prepareCall). Returns Cancelled when call.stop(s) says so.
    virtual RunStatus run(const PreparedCall& call, RunResult& result) noexcept = 0;
};

// One registered backend. `make` returns a fresh, unprepared backend.
struct BackendEntry {
    BackendKind kind;
    const char* summary; // one line: what it is
    std::unique_ptr<Backend> (*make)();
};

// Every backend this build knows, in the order `auto` considers them (what Keras would run on
// this machine: cuDNN, then the generic GPU loop, then the CPU) followed by those auto never
// picks (the float64 reference).
const std::vector<BackendEntry>& backendRegistry();
const BackendEntry* findBackend(BackendKind kind) noexcept;
bool autoConsiders(BackendKind kind) noexcept;

// Factories, beside each backend.
std::unique_ptr<Backend> makeReferenceBackend();
std::unique_ptr<Backend> makeCpuBackend();
std::unique_ptr<Backend> makeCudnnBackend();
std::unique_ptr<Backend> makeCudaBackend();

} // namespace gruscope::detail
