// Weight files parsed in a child process. A weight file may come from a stranger, and Debian's
// libhdf5 1.10.8 has memory-safety bugs and hangs on corrupt files (fuzz/hdf5-crashes/): a crash
// there would take the window, and the user's work, with it. So the window and the CLI parse a
// weight file in `gruscope-parse`, a short-lived child with limits on time, memory and reply size,
// and receive only checked arrays and metadata. A child that crashes, hangs or runs out of memory
// becomes an Error naming the file, what happened and the object it happened on.
//
// The child reads everything the callers need at once (the layer list, every layer's weights, the
// file tree), so the parent never touches the file again: a file changed or deleted after it was
// opened cannot change what was read.
#pragma once

#include "gruscope/error.h"
#include "gruscope/file_tree.h"
#include "gruscope/weightfile.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gruscope {

struct ParseOptions {
    WeightReadLimits limits;
    // false: parse in this process (for debugging; GRUSCOPE_ISOLATION=off or --no-isolation).
    bool isolate = true;
    double timeoutSeconds = 60;              // wall clock, then the child is killed
    int64_t memoryBytes = int64_t(4) << 30;  // the child's address space (RLIMIT_AS)
    int64_t replyBytes = int64_t(4) << 30;   // the largest reply accepted from the child
    int treeLines = 2000;                    // lines of describeFileTree (nodes of the tree) kept
    std::string workerPath;                  // "" = found (see findParseWorker)
    const std::atomic<bool>* cancel = nullptr; // set to stop: the child is killed, Error(Cancelled)
};

// What isolation cost and what the child did.
struct ParseReport {
    bool isolated = false;
    std::string worker;       // the program that parsed
    double seconds = 0;       // wall time of the whole load, spawn and reply included
    double childSeconds = 0;  // the parse itself, as the child measured it
    int64_t replyBytes = 0;
    int64_t childPeakKiB = 0; // the child's peak resident set (0 in process)
};

// A layer's weights as the child read them, or why they could not be read.
struct LoadedLayerWeights {
    std::optional<GruWeights> weights;
    ErrorCode errorCode = ErrorCode::BadFile;
    std::string error; // the Error's message when weights is empty
};

struct LoadedWeightFile {
    WeightFileInfo info;
    std::vector<LoadedLayerWeights> layers; // one per info.layers, same order
    std::vector<std::string> tree;          // describeFileTree
    FileTree fileTree;                      // the same, as nodes, with info.diagnostics attached
    std::string treeError;                  // why the tree could not be read ("" when it was)
    ParseReport report;

    // The weights of info.layers[index]; throws the Error the child met reading them.
    const GruWeights& weights(size_t index) const;
    const GruWeights& weights(const GruLayerInfo& layer) const; // layer must be one of info.layers
};

// Lists, reads and describes a weight file as openWeightFile, readGruWeights and describeFileTree
// do, in a child process unless options.isolate is false. Throws Error with the file's own
// message for files the readers refuse (BadFile, Unsupported, ResourceLimit), and Error(BadFile)
// naming the file and the event for a child that crashed, hung (ResourceLimit for the time and
// memory limits) or sent a malformed reply; Error(Cancelled) when options.cancel was set.
LoadedWeightFile loadWeightFile(const std::string& path, const ParseOptions& options = {});

// The defaults with the environment applied: GRUSCOPE_ISOLATION=off parses in process;
// GRUSCOPE_PARSE_TIMEOUT (seconds) and GRUSCOPE_PARSE_MEMORY_MB set the limits.
ParseOptions defaultParseOptions();

// Where the worker program is: GRUSCOPE_PARSE_WORKER, then `gruscope-parse` next to this
// executable, then the installed one (../libexec/gruscope/ from this executable's bin/), then
// the build tree's. "" when none exists.
std::string findParseWorker();

// --- the wire format between gruscope-parse and its parent (public for the worker and fuzzing) --
//
//   "GRUSCOPE-PARSE-1\n" (17 bytes) · u64 LE header length · header (JSON) · tensor data
//
// The header holds the file info, per layer the three shapes (or the error), the tree and the
// child's timings; the data is every layer's kernel, recurrent kernel and bias as float32 LE, in
// layer order. decodeParseReply trusts nothing: every size is checked against the bytes present
// and the limits before anything is allocated, and each layer's shapes against its config.
std::string encodeParseReply(const LoadedWeightFile& loaded);
std::string encodeParseFailure(ErrorCode code, const std::string& message);
// Throws Error(BadFile) naming `source` for a malformed reply, or the child's own Error.
LoadedWeightFile decodeParseReply(const std::string& bytes, const WeightReadLimits& limits, const std::string& source);

// The child's side: loads `path` in this process into a reply. Never throws for a bad file (the
// failure is the reply); used by gruscope-parse, which passes `stage` to leave breadcrumbs
// ("listing the GRU layers", "reading the weights of gru_1", "reading the file tree").
std::string parseToReply(const std::string& path, const WeightReadLimits& limits, int treeLines,
                         void (*stage)(const std::string&) = nullptr);

} // namespace gruscope
