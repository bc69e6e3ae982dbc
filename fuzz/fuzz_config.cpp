// fuzz_config: parseConfigJson on arbitrary text (flavor guessed, then forced to each flavor).
// A config without issues is written with configToJson (plain and wrapped) and parsed again: the
// result must have no issues and equal the first parse, and writing it again must give the same
// text. gruscope::Error is the expected outcome for bad input; anything else is a bug.
#include "fuzz_common.h"

#include "gruscope/config.h"
#include "gruscope/error.h"

#include <optional>
#include <tuple>

using namespace gruscope;

namespace {

// configToJson writes only the options an initializer has (Keras's get_config() does the same),
// so options the input gave to an initializer that has no such option are not expected to come back.
InitializerSpec relevant(InitializerSpec s)
{
    const InitializerSpec d = defaultInitializer("zeros");
    const std::string& n = s.name;
    const bool seeded = !(n == "zeros" || n == "ones" || n == "constant" || n == "identity");
    if (n != "constant")
        s.value = d.value;
    if (n != "orthogonal" && n != "identity")
        s.gain = d.gain;
    if (n != "random_normal" && n != "truncated_normal")
        s.mean = d.mean, s.stddev = d.stddev;
    if (n != "random_uniform")
        s.minval = d.minval, s.maxval = d.maxval;
    if (n != "variance_scaling")
        s.scale = d.scale, s.mode = d.mode, s.distribution = d.distribution;
    if (!seeded)
        s.seed.reset();
    return s;
}

GruConfig relevant(GruConfig c)
{
    c.kernel_initializer = relevant(c.kernel_initializer);
    c.recurrent_initializer = relevant(c.recurrent_initializer);
    c.bias_initializer = relevant(c.bias_initializer);
    // Keras 3's get_config() has no `implementation` (its constructor still takes it), and neither
    // has configToJson for the keras3 flavor: it is dropped by design.
    if (c.flavor == Flavor::Keras3)
        c.implementation = GruConfig{}.implementation;
    return c;
}

std::string describe(const InitializerSpec& s)
{
    return s.name + "(value=" + std::to_string(s.value) + " gain=" + std::to_string(s.gain) + " mean=" + std::to_string(s.mean) +
           " stddev=" + std::to_string(s.stddev) + " minval=" + std::to_string(s.minval) + " maxval=" + std::to_string(s.maxval) +
           " scale=" + std::to_string(s.scale) + " mode=" + s.mode + " distribution=" + s.distribution +
           " seed=" + (s.seed ? std::to_string(*s.seed) : "none") + ")";
}

// Which fields differ, for the crash report.
void printDiff(const GruConfig& a, const GruConfig& b)
{
#define GS_FIELD(f)                                                                                                        \
    if (!(a.f == b.f))                                                                                                     \
        std::fprintf(stderr, "  field %s differs\n", #f);
    GS_FIELD(flavor) GS_FIELD(name) GS_FIELD(units) GS_FIELD(activation) GS_FIELD(recurrent_activation) GS_FIELD(use_bias)
    GS_FIELD(kernel_regularizer) GS_FIELD(recurrent_regularizer) GS_FIELD(bias_regularizer) GS_FIELD(activity_regularizer)
    GS_FIELD(kernel_constraint) GS_FIELD(recurrent_constraint) GS_FIELD(bias_constraint) GS_FIELD(dropout)
    GS_FIELD(recurrent_dropout) GS_FIELD(return_sequences) GS_FIELD(return_state) GS_FIELD(go_backwards) GS_FIELD(stateful)
    GS_FIELD(unroll) GS_FIELD(time_major) GS_FIELD(reset_after) GS_FIELD(zero_output_for_mask) GS_FIELD(implementation)
    GS_FIELD(seed) GS_FIELD(use_cudnn)
#undef GS_FIELD
    for (auto [name, x, y] : {std::tuple{"kernel_initializer", &a.kernel_initializer, &b.kernel_initializer},
                              std::tuple{"recurrent_initializer", &a.recurrent_initializer, &b.recurrent_initializer},
                              std::tuple{"bias_initializer", &a.bias_initializer, &b.bias_initializer}})
        if (!(*x == *y))
            std::fprintf(stderr, "  %s: %s -> %s\n", name, describe(*x).c_str(), describe(*y).c_str());
    std::fprintf(stderr, "  regularizers: %s -> %s\n", a.kernel_regularizer.c_str(), b.kernel_regularizer.c_str());
}

void roundTrip(const GruConfig& c)
{
    for (bool wrapped : {false, true}) {
        const std::string text = configToJson(c, wrapped);
        ParsedConfig again;
        try {
            again = parseConfigJson(text); // the flavor must be recognised from the keys alone
        } catch (const Error& e) {
            std::fprintf(stderr, "configToJson wrote text parseConfigJson refuses: %s\n%s\n", e.what(), text.c_str());
            FUZZ_CHECK(!"round trip parses");
        }
        if (!again.issues.empty() || !(relevant(again.config) == relevant(c))) {
            std::fprintf(stderr, "round trip changed the config (%zu issues%s%s):\n%s\n", again.issues.size(),
                         again.issues.empty() ? "" : ", first: ", again.issues.empty() ? "" : again.issues[0].message().c_str(),
                         text.c_str());
            printDiff(relevant(c), relevant(again.config));
            FUZZ_CHECK(!"round trip keeps the config");
        }
        FUZZ_CHECK(configToJson(again.config, wrapped) == text);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    for (std::optional<Flavor> flavor : {std::optional<Flavor>(), std::optional<Flavor>(Flavor::Keras3),
                                         std::optional<Flavor>(Flavor::TfKeras)}) {
        ParsedConfig parsed;
        try {
            parsed = parseConfigJson(text, flavor, "fuzz");
        } catch (const Error&) {
            return 0; // malformed JSON or not an object: the same for every flavor
        }
        if (flavor)
            FUZZ_CHECK(parsed.config.flavor == *flavor);
        if (parsed.issues.empty()) {
            // validateConfig must agree with the parser, and a valid config must round-trip.
            FUZZ_CHECK(validateConfig(parsed.config).empty());
            requireValidConfig(parsed.config);
            roundTrip(parsed.config);
        } else {
            try {
                requireValidConfig(parsed.config);
            } catch (const Error&) {
            }
        }
    }
    return 0;
}
