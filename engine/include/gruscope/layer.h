// GruLayer: one keras.layers.GRU with its weights and, when stateful, its stored state. `call`
// runs the Keras generic-loop semantics (masks of any shape, go_backwards, initial_state,
// stateful, time_major, return_sequences/return_state, dropout in training) on a chosen backend.
#pragma once

#include "gruscope/array.h"
#include "gruscope/config.h"
#include "gruscope/eligibility.h"
#include "gruscope/error.h"
#include "gruscope/trace.h"
#include "gruscope/weights.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gruscope {

enum class BackendKind {
    Auto,      // what Keras would run here: cudnn when built, present and eligible; else cuda when a GPU is present; else cpu
    Cpu,       // float32, Eigen
    Reference, // float64, straight from the equations
    Cudnn,     // cuDNN 9 (GPU builds)
    Cuda,      // GruScope's own CUDA kernels: every configuration, the GPU fallback Keras takes (GPU builds)
};

const char* backendName(BackendKind kind) noexcept;
std::optional<BackendKind> backendFromName(const std::string& name) noexcept;

// Progress and cancellation of a running call, shared with another thread (the GUI's worker).
// The backends publish the processing step they are at and stop at the next step once `cancel`
// is set; the call then throws Error(Cancelled) and a stateful layer keeps its previous state.
struct CallProgress {
    std::atomic<bool> cancel{false};
    std::atomic<int64_t> stepsDone{0};
    std::atomic<int64_t> stepsTotal{0};
};

// Options of the GPU backends.
struct GpuOptions {
    // cudnn: CUDNN_DEFAULT_MATH lets cuDNN use TF32 (10-bit mantissa) on Ampere and newer; the default,
    // CUDNN_FMA_MATH, keeps float32 products, as PyTorch does when TF32 is disallowed.
    bool allowTf32 = false;
    enum class CudnnAlgo { Standard, PersistStaticSmallH, PersistDynamic };
    CudnnAlgo algo = CudnnAlgo::Standard;
    // cudnn: leave cuDNN's zeros at padded steps instead of the generic loop's values.
    bool rawPaddedOutputs = false;
};

struct CallInputs {
    ArrayF x;                          // (B, T, I), or (T, B, I) with time_major
    std::optional<ArrayU8> mask;       // (B, T) 1 = keep; with time_major (T, B) as tf.keras expects it
    std::optional<ArrayF> initialState;// (B, U)
    bool training = false;             // dropout only applies in training
    uint64_t seed = 0;                 // dropout masks (the config's seed, when set, wins)
    CallProgress* progress = nullptr;  // optional: progress reports and cancellation
    // The most memory the call may allocate (outputs, float64 copies, trace); a call that needs
    // more is refused before it starts with Error(ResourceLimit) giving the numbers. 0: this
    // machine's physical memory.
    int64_t memoryLimitBytes = 0;
    GpuOptions gpu;                    // cudnn and cuda only
};

struct RunResult {
    ArrayF output;   // Keras's output: (B, U), (B, T, U) or (T, B, U)
    ArrayF state;    // final state (B, U), always
    ArrayD output64; // reference backend only: the same in float64
    ArrayD state64;
    Trace trace;
    std::string backend;            // which backend ran
    std::vector<std::string> notes; // why that backend, dropout applied, trace limited, ...
    double seconds = 0.0;           // time in the backend's forward pass, copies included
    double transferSeconds = 0.0;   // GPU backends: the part of `seconds` spent copying host <-> device
    double deviceSeconds = 0.0;     // GPU backends: the forward pass on the device alone (CUDA events)
    // cpu backend: threads the call ran on (1 also when the other threads kept arriving late on a
    // busy machine and the call finished alone), and the memory it held beyond inputs, outputs and
    // trace (packed weights, input projections of a block of steps, per-step buffers). The
    // latter does not grow with T: the input projections are made a block of steps at a time.
    int threads = 1;
    int64_t scratchBytes = 0;
};

// Whether a backend can run a call here, and why not.
struct BackendSupport {
    bool ok = false;
    ErrorCode error = ErrorCode::Unsupported;     // when not ok: DeviceUnavailable (no GPU, not built) or Unsupported
    std::string reason;                           // why not; when ok, a short "why yes" (may be empty)
    std::optional<EligibilityReport> eligibility; // cudnn: Keras's report for this call
};

// A backend as this build and this machine see it (no particular call).
struct BackendDescription {
    BackendKind kind = BackendKind::Cpu;
    std::string name;    // "cpu"
    std::string summary; // what it is, one line
    bool usable = false; // built and its device present
    std::string reason;  // why not usable, or what it runs on
};
// In the order `auto` considers them, then the reference.
std::vector<BackendDescription> describeBackends();

namespace detail {
class Backend;
struct PreparedCall;
} // namespace detail

class GruLayer {
public:
    // Validates the config and the weights (throws Error listing every problem).
    GruLayer(GruConfig config, GruWeights weights);
    ~GruLayer();
    GruLayer(GruLayer&&) noexcept;
    GruLayer& operator=(GruLayer&&) noexcept;

    const GruConfig& config() const noexcept { return m_config; }
    const GruWeights& weights() const noexcept { return m_weights; }

    // One call of the layer. Throws Error (shape, mask, state, backend problems) before touching
    // any state: a failed call leaves a stateful layer as it was.
    RunResult call(const CallInputs& inputs, BackendKind backend = BackendKind::Auto,
                   const TraceOptions& trace = {});

    // Could `backend` run this call here? (Auto: whether any backend can.) Checks the inputs the
    // way call does and throws Error for the same problems.
    BackendSupport supports(const CallInputs& inputs, BackendKind backend);

    // From now on use this backend object for its kind, prepared with this layer's weights (the
    // tests hand in a cudnn backend over a CPU stand-in for cuDNN).
    void adoptBackend(std::unique_ptr<detail::Backend> backend);

    // Stateful layers: the state carried between calls (none before the first call).
    const std::optional<ArrayF>& storedState() const noexcept { return m_state; }
    void resetStates() noexcept
    {
        m_state.reset();
        m_state64.clear();
    }
    // tf.keras reset_states(states): set explicit values; shape (B, U).
    void setStoredState(ArrayF state);

private:
    GruConfig m_config;
    GruWeights m_weights;
    std::optional<ArrayF> m_state;
    std::vector<double> m_state64; // the stored state in float64 when the reference backend made it
    // The backends this layer has used, made and prepared on first use and kept with the layer.
    std::vector<std::unique_ptr<detail::Backend>> m_backends;

    detail::Backend& backend(BackendKind kind);
    // The backend that runs this prepared call: `kind` when it supports it (else Error with the
    // reasons), or for Auto the first in the registry's order that does (the choice goes to `notes`).
    detail::Backend& resolve(BackendKind kind, const detail::PreparedCall& call, std::vector<std::string>& notes);
};

} // namespace gruscope
