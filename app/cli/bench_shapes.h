// The shapes `gruscope-cli bench` times: preset sets (the shapes of shared/reference/performance.md
// §7, the targets, a quick set for CI, scale in T and B, a sweep over U and B for the
// plot) and shapes from the command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cli {

// A target of the CPU work: the ratio GruScope cpu / peer, measured in the same run, at most this.
struct Target {
    std::string peer;
    double maxRatio;
    const char* text;
};

struct BenchShape {
    std::string id;
    int64_t B = 1, T = 1, I = 1, U = 1;
    bool masked = false;    // right-padded, lengths uniform in [1, T]
    bool backwards = false; // go_backwards
    bool last = false;      // return_sequences=False (constant memory in T)
    std::vector<Target> targets;
};

// standard, targets, quick, scale or sweep; throws UsageError for another name.
std::vector<BenchShape> benchPreset(const std::string& name);

// "BxTxIxU" with optional ":masked", ":backwards", ":last"; throws UsageError.
BenchShape parseBenchShape(const std::string& text);

} // namespace cli
