// Shared pieces of gruscope-cli's subcommands: loading the config, weights and arrays named on the
// command line, and the rule that every failure is one message on stderr with exit status 2.
#pragma once

#include "gruscope/array.h"
#include "gruscope/config.h"
#include "gruscope/layer.h"
#include "gruscope/weightfile.h"
#include "gruscope/weights.h"
#include "gruscope/isolated_parse.h"
#include "gruscope/npy.h"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cli {

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 2;

// A usage or input problem found by the CLI itself (not the engine).
struct UsageError {
    std::string message;
};

// The largest array any file given to gruscope-cli may hold (elements; --max-elements before the
// subcommand): inputs, masks, states and every weight tensor. Larger ones are refused before
// anything is allocated, naming the array and the limit.
constexpr int64_t kDefaultMaxElements = int64_t(1) << 28; // 1 GiB of float32
int64_t& maxElements();
gruscope::WeightReadLimits weightLimits();
// The most memory one call of the layer may allocate, in MiB (--max-run-mb before the subcommand;
// 0: this machine's memory). A call that needs more is refused before it starts, with the numbers.
int64_t& maxRunMiB();

// How weight files are parsed: in the gruscope-parse child (the default) or, with --no-isolation
// before the subcommand (or GRUSCOPE_ISOLATION=off), in this process for debugging.
bool& isolateParsing();
double& parseTimeoutSeconds();
// Lists, reads and describes a weight file with the limits above (gruscope/isolated_parse.h).
gruscope::LoadedWeightFile loadWeights(const std::string& path);
gruscope::npy::ReadLimits arrayLimits();

// Loads CONFIG.json; prints parse notes to stderr; throws gruscope::Error listing every issue.
// `fileFlavor`: the flavor of the weight file the config comes with (and the file, for the note).
// A config whose keys name no flavor takes it, so that a Keras 2 file's hard_sigmoid stays
// 0.2·x + 0.5 instead of Keras 3's x/6 + 0.5.
struct FileFlavor {
    gruscope::Flavor flavor;
    std::string file, why; // why: "Keras 2.1.2" or similar
};
gruscope::GruConfig loadConfig(const std::string& path, std::optional<gruscope::Flavor> flavor, bool quiet,
                               const std::optional<FileFlavor>& fileFlavor = std::nullopt);

// A mask from .npy: bool or 0/1 integers.
gruscope::ArrayU8 loadMask(const std::string& path);

std::optional<gruscope::Flavor> parseFlavor(const std::string& text); // throws UsageError

// "min -0.93  max 0.88  mean 0.012"
std::string stats(const gruscope::ArrayF& a);

void printNote(const std::string& note); // "note: ..." on stderr

// The GPU backends' options, shared by run and compare.
struct GpuArgs {
    bool tf32 = false, rawPadded = false;
    std::string algo = "standard";
};
void addGpuOptions(CLI::App* cmd, GpuArgs& args);
gruscope::GpuOptions gpuOptions(const GpuArgs& args); // throws UsageError

} // namespace cli
