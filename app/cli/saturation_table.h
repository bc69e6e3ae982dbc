// `run --saturation`: the per-unit table of gate saturation and memory (gruscope/saturation.h)
// and a summary line of the flagged units, as plain text for a terminal.
#pragma once

#include "gruscope/saturation.h"

#include <string>

namespace cli {

// `what`: which steps the numbers cover, e.g. "all traced samples" or "sample 2".
std::string formatSaturationTable(const gruscope::SaturationReport& report, const std::string& what);

} // namespace cli
