// cuDNN eligibility as Keras codes it (reference: keras/src/layers/rnn/gru.py and
// keras/src/backend/tensorflow/rnn.py for Keras 3; tf_keras/src/layers/rnn/gru.py and
// gru_lstm_utils.py for tf.keras). Conditions are listed in the order Keras evaluates them.
#include "gruscope/eligibility.h"

#include "gruscope/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

namespace gruscope {

namespace {
// "0.2", not std::to_string's "0.200000".
std::string shortNumber(double v)
{
    std::ostringstream o;
    o << v;
    return o.str();
}
} // namespace
namespace {

struct Version {
    int major = 999, minor = 0, patch = 0;
};

Version parseVersion(const std::string& text)
{
    Version v;
    if (text.empty())
        return v; // current
    int a = 0, b = 0, c = 0;
    const int n = std::sscanf(text.c_str(), "%d.%d.%d", &a, &b, &c);
    if (n >= 1)
        v.major = a;
    if (n >= 2)
        v.minor = b;
    if (n >= 3)
        v.patch = c;
    return v;
}

bool before(const Version& v, int major, int minor)
{
    return v.major < major || (v.major == major && v.minor < minor);
}

} // namespace

bool isRightPadded(const ArrayU8& m, int64_t* firstBad)
{
    if (m.rank() != 2)
        return false;
    const int64_t B = m.shape[0], T = m.shape[1];
    for (int64_t b = 0; b < B; ++b) {
        bool seenFalse = false;
        for (int64_t t = 0; t < T; ++t) {
            const bool keep = m.data[size_t(b * T + t)] != 0;
            if (!keep)
                seenFalse = true;
            else if (seenFalse) {
                if (firstBad)
                    *firstBad = b;
                return false;
            }
        }
    }
    return true;
}

bool hasFullyMaskedSample(const ArrayU8& m, int64_t* first)
{
    if (m.rank() != 2)
        return false;
    const int64_t B = m.shape[0], T = m.shape[1];
    for (int64_t b = 0; b < B; ++b) {
        bool any = false;
        for (int64_t t = 0; t < T && !any; ++t)
            any = m.data[size_t(b * T + t)] != 0;
        if (!any) {
            if (first)
                *first = b;
            return true;
        }
    }
    return false;
}

EligibilityReport checkCudnnEligibility(const GruConfig& c, const ArrayU8* mask, const DeviceInfo& device,
                                        const EligibilityContext& ctx)
{
    if (mask && mask->rank() != 2)
        throw Error(ErrorCode::ShapeMismatch, "mask has shape " + shapeToString(mask->shape) + "; expected " +
                                                  (c.time_major ? "(timesteps, batch)" : "(batch, timesteps)"));
    EligibilityReport rep;
    const bool k3 = ctx.flavor == Flavor::Keras3;
    const Version kv = parseVersion(ctx.kerasVersion);
    const std::string k3src = "keras/src/layers/rnn/gru.py, keras/src/backend/tensorflow/rnn.py";
    const std::string tfksrc = "tf_keras/src/layers/rnn/gru.py";
    const std::string src = k3 ? k3src : tfksrc;
    auto add = [&](std::string id, std::string title, bool ok, std::string reason, std::string fix,
                   bool applies = true) {
        rep.conditions.push_back({std::move(id), std::move(title), ok || !applies, applies, std::move(reason),
                                  ok || !applies ? std::string() : std::move(fix), src});
    };

    // use_cudnn (Keras 3 only).
    if (k3) {
        const bool ok = c.use_cudnn != UseCudnn::False;
        add(cond::UseCudnn, "use_cudnn is \"auto\" or True", ok,
            ok ? (c.use_cudnn == UseCudnn::True ? "use_cudnn=True: cuDNN is required" : "use_cudnn=\"auto\": cuDNN when possible")
               : "use_cudnn=False turns cuDNN off",
            "set use_cudnn=\"auto\"");
    } else {
        add(cond::UseCudnn, "use_cudnn is \"auto\" or True", true, "tf.keras has no use_cudnn argument", "", false);
    }

    add(cond::Gpu, "a GPU with cuDNN is present", device.present,
        device.present ? "GPU: " + device.reason : "no usable GPU: " + device.reason,
        "run on a machine with an NVIDIA GPU, its driver and cuDNN 9 (Keras then finds it with tf.config.list_logical_devices(\"GPU\"))");

    const auto act = activationFromName(c.activation);
    const auto rec = activationFromName(c.recurrent_activation);
    add(cond::Activation, "activation is tanh", act == ActivationKind::Tanh,
        "activation is \"" + c.activation + "\"" + (act == ActivationKind::Tanh ? "" : "; cuDNN's GRU hard-codes tanh"),
        "set activation=\"tanh\"");
    add(cond::RecurrentActivation, "recurrent_activation is sigmoid", rec == ActivationKind::Sigmoid,
        "recurrent_activation is \"" + c.recurrent_activation + "\"" +
            (rec == ActivationKind::Sigmoid ? "" : "; cuDNN's GRU hard-codes the logistic sigmoid"),
        "set recurrent_activation=\"sigmoid\"");

    const double rd = c.effectiveRecurrentDropout();
    add(cond::RecurrentDropout, "recurrent_dropout is 0", rd == 0.0,
        rd == 0.0 ? "recurrent_dropout is 0" : "recurrent_dropout is " + shortNumber(rd) + "; cuDNN cannot drop the recurrent state",
        "set recurrent_dropout=0 (keep dropout on the inputs if you need regularisation)");
    add(cond::Unroll, "unroll is False", !c.unroll, c.unroll ? "unroll=True builds a static graph of steps" : "unroll is False",
        "set unroll=False");
    add(cond::UseBias, "use_bias is True", c.use_bias, c.use_bias ? "use_bias is True" : "use_bias=False; cuDNN needs the input and recurrent biases",
        "set use_bias=True (zero biases give the same numbers)");
    add(cond::ResetAfter, "reset_after is True", c.reset_after,
        c.reset_after ? "reset_after is True (the cuDNN formulation)"
                      : "reset_after=False applies the reset gate before the recurrent product; cuDNN implements only reset-after",
        "set reset_after=True (the weights change meaning: the bias becomes (2, 3U) and the model must be retrained or converted)");

    // Input dropout: Keras 3 before 3.4 took the cuDNN path only with dropout == 0 (checked in the
    // released 3.3.3 and 3.4.0 wheels: `if not self.dropout and not self.recurrent_dropout`).
    const double dp = c.effectiveDropout();
    if (k3 && before(kv, 3, 4)) {
        add(cond::Dropout, "dropout is 0 (Keras 3 before 3.4)", dp == 0.0,
            dp == 0.0 ? "dropout is 0" : "dropout is " + shortNumber(dp) + "; Keras " + ctx.kerasVersion + " uses cuDNN only without dropout",
            "set dropout=0, or use Keras 3.4 or newer, which applies dropout to the inputs before cuDNN");
    } else {
        add(cond::Dropout, "dropout (inputs) is allowed", true,
            dp == 0.0 ? "dropout is 0" : "dropout is applied to the inputs before cuDNN", "");
    }

    // Mask rules (only when the call has a mask).
    if (mask) {
        ArrayU8 bt = *mask;
        if (c.time_major) { // tf.keras takes a (T, B) mask with time_major; the rules read (B, T)
            bt = ArrayU8({mask->shape[1], mask->shape[0]});
            for (int64_t t = 0; t < mask->shape[0]; ++t)
                for (int64_t b = 0; b < mask->shape[1]; ++b)
                    bt.data[size_t(b * mask->shape[0] + t)] = mask->data[size_t(t * mask->shape[1] + b)];
        }
        int64_t bad = -1;
        const bool right = isRightPadded(bt, &bad);
        add(cond::MaskRightPadded, "mask is strictly right-padded", right,
            right ? "every sample's mask is True…True then False…False"
                  : "sample " + std::to_string(bad) + " has a kept step after a masked one (left padding or a hole)",
            "pad sequences at the end (valid steps first), or set use_cudnn=False");
        int64_t full = -1;
        const bool anyFull = hasFullyMaskedSample(bt, &full);
        add(cond::NoFullyMaskedSample, "no sample is fully masked", !anyFull,
            anyFull ? "sample " + std::to_string(full) + " has no kept step; cuDNN cannot run a zero-length sequence"
                    : "every sample has at least one kept step",
            "remove samples with no valid step from the batch");
        if (c.return_sequences)
            rep.notes.push_back("Padded outputs differ on cuDNN: cuDNN writes zeros at padded steps while the generic loop "
                                "repeats the last output (zeros only with zero_output_for_mask=True); GruScope's cudnn "
                                "backend post-processes them to the generic loop's values. Final states agree.");
        if (k3 && (!right || anyFull))
            rep.notes.push_back("Keras 3 (TensorFlow backend) falls back to the generic loop for this mask only in eager "
                                "calls; inside tf.function (fit, predict) it raises an error instead. use_cudnn=False avoids it.");
    } else {
        add(cond::MaskRightPadded, "mask is strictly right-padded", true, "no mask", "");
        add(cond::NoFullyMaskedSample, "no sample is fully masked", true, "no mask", "");
    }

    if (k3)
        add(cond::EagerOutermost, "eager execution in the outermost context", true,
            "Keras 3 does not check this (its docstring still lists it)", "", false);
    else
        add(cond::EagerOutermost, "eager execution in the outermost context", ctx.eagerOutermost,
            ctx.eagerOutermost ? "TF2 eager mode" : "the outermost context is a TF1 graph",
            "run in TF2 eager mode (do not disable eager execution)");

    rep.eligible = true;
    for (const auto& cond : rep.conditions)
        if (cond.applies && !cond.ok)
            rep.eligible = false;

    if (dp > 0.0) {
        if (ctx.training)
            rep.notes.push_back(k3 ? "Input dropout in training: one mask per sequence, the same at every timestep, applied "
                                     "to the inputs before cuDNN."
                                   : "Input dropout in training: tf.keras's cuDNN-compatible path draws a new mask at every "
                                     "timestep (its generic cell path reuses one mask).");
        else if (k3 && !before(kv, 3, 4) && before(kv, 3, 9))
            rep.notes.push_back("Keras 3.4 to 3.8 applied the dropout mask on the cuDNN path even at inference "
                                "(fixed in 3.9, keras-team/keras#20983); outputs from those versions on a GPU are randomly dropped.");
        else
            rep.notes.push_back("dropout only acts in training; this inference call is unaffected.");
    }
    if (k3 && c.use_cudnn == UseCudnn::True && !rep.eligible)
        rep.notes.push_back("use_cudnn=True with a failing condition: Keras 3 raises ValueError (\"use_cudnn=True was "
                            "specified, but cuDNN is not supported for this layer configuration\"); pass use_cudnn=\"auto\" to fall back.");
    if (device.present)
        rep.notes.push_back("TensorFlow lets cuDNN use TF32 on Ampere and newer GPUs by default: expect differences near 1e-3 "
                            "from the float32 CPU result unless TF32 is disabled.");
    return rep;
}

std::string EligibilityReport::toJson(int indent) const
{
    nlohmann::ordered_json j;
    j["eligible"] = eligible;
    j["conditions"] = nlohmann::ordered_json::array();
    for (const auto& c : conditions) {
        nlohmann::ordered_json o;
        o["id"] = c.id;
        o["ok"] = c.ok;
        o["applies"] = c.applies;
        o["title"] = c.title;
        o["reason"] = c.reason;
        o["fix"] = c.fix;
        j["conditions"].push_back(o);
    }
    j["notes"] = notes;
    return j.dump(indent);
}

} // namespace gruscope
