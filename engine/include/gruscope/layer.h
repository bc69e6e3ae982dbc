// GruLayer: one keras.layers.GRU with its weights and, when stateful, its stored state. `call`
// runs the Keras generic-loop semantics (masks of any shape, go_backwards, initial_state,
// stateful, time_major, return_sequences/return_state, dropout in training) on a chosen backend.
#pragma once

#include "gruscope/array.h"
#include "gruscope/config.h"
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
    Auto,      // cudnn when built, present and eligible; else cpu
    Cpu,       // float32, Eigen
    Reference, // float64, straight from the equations
    Cudnn,     // cuDNN 9 (GPU builds)
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

struct CallInputs {
    ArrayF x;                          // (B, T, I), or (T, B, I) with time_major
    std::optional<ArrayU8> mask;       // (B, T) 1 = keep; with time_major (T, B) as tf.keras expects it
    std::optional<ArrayF> initialState;// (B, U)
    bool training = false;             // dropout only applies in training
    uint64_t seed = 0;                 // dropout masks (the config's seed, when set, wins)
    CallProgress* progress = nullptr;  // optional: progress reports and cancellation
};

struct RunResult {
    ArrayF output;   // Keras's output: (B, U), (B, T, U) or (T, B, U)
    ArrayF state;    // final state (B, U), always
    ArrayD output64; // reference backend only: the same in float64
    ArrayD state64;
    Trace trace;
    std::string backend;            // which backend ran
    std::vector<std::string> notes; // why that backend, dropout applied, trace limited, ...
    double seconds = 0.0;           // time in the backend's forward pass
};

class Backend; // engine-internal

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
    std::vector<float> m_recurrentT; // recurrent_kernel transposed, made once for the cpu backend
};

} // namespace gruscope
