// GruConfig: every keras.layers.GRU argument under its Keras name, plus the Keras flavor.
// Reads and writes the dict that layer.get_config() produces. Regularizers and constraints are
// kept verbatim (JSON text) and shown; they never change a forward pass.
#pragma once

#include "gruscope/activations.h"
#include "gruscope/flavor.h"
#include "gruscope/initializers.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gruscope {

enum class UseCudnn { Auto, True, False }; // Keras 3 `use_cudnn`: "auto" | True | False

struct GruConfig {
    Flavor flavor = Flavor::Keras3;
    std::string name = "gru"; // layer name (display only)

    int64_t units = 0; // required, > 0
    std::string activation = "tanh";
    std::string recurrent_activation = "sigmoid";
    bool use_bias = true;
    InitializerSpec kernel_initializer = defaultInitializer("glorot_uniform");
    InitializerSpec recurrent_initializer = defaultInitializer("orthogonal");
    InitializerSpec bias_initializer = defaultInitializer("zeros");
    // Verbatim JSON ("null" when unset); recorded, round-tripped and shown, never applied.
    std::string kernel_regularizer = "null", recurrent_regularizer = "null", bias_regularizer = "null",
                activity_regularizer = "null";
    std::string kernel_constraint = "null", recurrent_constraint = "null", bias_constraint = "null";
    double dropout = 0.0;
    double recurrent_dropout = 0.0;
    bool return_sequences = false;
    bool return_state = false;
    bool go_backwards = false;
    bool stateful = false;
    bool unroll = false;
    bool time_major = false; // tf.keras only
    bool reset_after = true;
    bool zero_output_for_mask = false;
    int implementation = 2; // 1: per-gate products and dropout masks; 2: fused (0 is legacy, runs as 2)
    std::optional<int64_t> seed; // Keras 3: seed of the dropout generator
    UseCudnn use_cudnn = UseCudnn::Auto; // Keras 3 only

    bool operator==(const GruConfig&) const = default;

    // Resolved activations (valid only after validate() reported no problem for them).
    ActivationKind activationKind() const;
    ActivationKind recurrentActivationKind() const;
    // The implementation Keras actually runs: recurrent_dropout forces 1; 0 runs as 2.
    int effectiveImplementation() const noexcept;
    // Rates as Keras uses them: clipped to [0, 1].
    double effectiveDropout() const noexcept;
    double effectiveRecurrentDropout() const noexcept;
};

// One problem with one argument.
struct ConfigIssue {
    std::string argument; // Keras name, e.g. "recurrent_dropout"
    std::string value;    // what was given, as text
    std::string allowed;  // what is allowed
    std::string message() const; // "recurrent_dropout = 1.5: allowed is a number in [0, 1]"
};

// Every problem at once; empty when the configuration is valid.
std::vector<ConfigIssue> validateConfig(const GruConfig& config);

// Throws Error(InvalidArgument) listing every problem, one per line.
void requireValidConfig(const GruConfig& config);

struct ParsedConfig {
    GruConfig config;
    // Whether the flavor was given or the keys decide it (time_major/implementation: tf_keras;
    // seed/use_cudnn: keras3). False when keras3 was only assumed: a caller that knows better (the
    // weight file beside the config) may take its own.
    bool flavorNamed = false;
    std::vector<std::string> notes;   // ignored keys, flavor guessed, ...
    std::vector<ConfigIssue> issues;  // type errors found while reading + validateConfig()
};

// Reads the get_config() dict, or {"class_name": "GRU", "config": {...}} (also with "module" and
// "registered_name"). `flavor` forces the flavor; otherwise it is guessed from the keys
// (time_major/implementation → tf_keras, seed/use_cudnn → keras3; default keras3) and the guess is
// noted. Malformed JSON throws Error(InvalidArgument) naming `what` and the position; wrong value
// types and invalid values are collected in `issues`.
ParsedConfig parseConfigJson(const std::string& jsonText, std::optional<Flavor> flavor = std::nullopt,
                             const std::string& what = "config");

// Same, from a file. Throws Error(BadFile) when the file cannot be read.
ParsedConfig readConfigFile(const std::string& path, std::optional<Flavor> flavor = std::nullopt);

// The dict as config.flavor's Keras writes it (Keras 3: no time_major/implementation; tf.keras:
// no seed/use_cudnn). `wrapped` gives {"class_name": "GRU", "config": {...}}.
std::string configToJson(const GruConfig& config, bool wrapped = false, int indent = 2);

} // namespace gruscope
