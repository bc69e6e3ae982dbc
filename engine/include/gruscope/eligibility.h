// Would Keras run this GRU through cuDNN? A pure function of the configuration, the mask, the
// device description, the flavor and (for rules that changed) the Keras version. Every condition
// is reported with ok/failed, the reason in words and the fix; notes carry what does not block
// cuDNN but changes what it computes.
#pragma once

#include "gruscope/array.h"
#include "gruscope/config.h"
#include "gruscope/device.h"

#include <optional>
#include <string>
#include <vector>

namespace gruscope {

struct EligibilityContext {
    Flavor flavor = Flavor::Keras3;
    std::string kerasVersion;         // "3.15.1"; empty = current
    bool training = false;            // matters for dropout rules
    bool eagerOutermost = true;       // tf.keras: eager execution in the outermost context
};

// The stable identifiers of the conditions, in the order the report lists them. The GUI's fixes
// and the CLI's JSON refer to conditions by these names.
namespace cond {
inline constexpr const char* UseCudnn = "use_cudnn";
inline constexpr const char* Gpu = "gpu";
inline constexpr const char* Activation = "activation";
inline constexpr const char* RecurrentActivation = "recurrent_activation";
inline constexpr const char* RecurrentDropout = "recurrent_dropout";
inline constexpr const char* Unroll = "unroll";
inline constexpr const char* UseBias = "use_bias";
inline constexpr const char* ResetAfter = "reset_after";
inline constexpr const char* Dropout = "dropout";
inline constexpr const char* MaskRightPadded = "mask_right_padded";
inline constexpr const char* NoFullyMaskedSample = "no_fully_masked_sample";
inline constexpr const char* EagerOutermost = "eager_outermost";
inline constexpr const char* All[] = {UseCudnn, Gpu,     Activation, RecurrentActivation, RecurrentDropout,     Unroll,
                                      UseBias,  ResetAfter, Dropout, MaskRightPadded,     NoFullyMaskedSample, EagerOutermost};
} // namespace cond

struct EligibilityCondition {
    std::string id;     // stable identifier: one of cond::All
    std::string title;  // "activation is tanh"
    bool ok = true;
    bool applies = true; // false: not a rule for this flavor (shown, never fails)
    std::string reason; // the situation in words
    std::string fix;    // what to change (empty when ok)
    std::string source; // where the rule lives in Keras
};

struct EligibilityReport {
    bool eligible = false;
    std::vector<EligibilityCondition> conditions;
    std::vector<std::string> notes;
    // JSON: {"eligible": bool, "conditions": [{"id", "ok", "reason", "fix", ...}], "notes": [...]}
    std::string toJson(int indent = 2) const;
};

// `mask` (B, T) with 1 = keep, or (T, B) when config.time_major (as tf.keras takes it); null when
// the call has no mask.
EligibilityReport checkCudnnEligibility(const GruConfig& config, const ArrayU8* mask, const DeviceInfo& device,
                                        const EligibilityContext& context);

// Mask helpers shared with the engine and the GUI (mask in (B, T) layout).
bool isRightPadded(const ArrayU8& maskBT, int64_t* firstBadSample = nullptr);
bool hasFullyMaskedSample(const ArrayU8& maskBT, int64_t* firstSample = nullptr);

} // namespace gruscope
