// The window's limits on what files and runs may cost, as its Limits dialog sets them and its
// settings keep them: the largest array a file may hold, the memory a run's gate trace may take,
// and how weight files are parsed (in the gruscope-parse child, with a time limit). One set per
// process, read by the file readers and the run requests of widgets/model.
#pragma once

#include "gruscope/isolated_parse.h"

#include <cstdint>

namespace gsui {

struct WindowLimits {
    static constexpr int64_t kDefaultMaxElements = int64_t(1) << 28; // 1 GiB of float32
    static constexpr uint64_t kDefaultTraceCapBytes = uint64_t(512) << 20;

    int64_t maxElements = kDefaultMaxElements;       // per array in a weight or input file
    uint64_t traceCapBytes = kDefaultTraceCapBytes;  // a run's gate trace; longer runs record a shorter window
    int64_t runMemoryBytes = 0;                      // what one run may allocate; 0 = this machine's memory
    bool isolateFiles = true;                        // parse weight files in gruscope-parse
    double parseTimeoutSeconds = 60;                 // then the child is stopped

    bool operator==(const WindowLimits&) const = default;
};

// The defaults with GRUSCOPE_ISOLATION / GRUSCOPE_PARSE_TIMEOUT applied: what an unsaved setting
// and "Restore defaults" give.
WindowLimits defaultWindowLimits();

// The process's limits (defaultWindowLimits() until the window loads its settings).
WindowLimits& windowLimits();

// How the window parses a weight file under windowLimits().
gruscope::ParseOptions windowParseOptions();

} // namespace gsui
