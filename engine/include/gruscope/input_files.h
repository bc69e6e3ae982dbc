// Layer inputs from files: .npy, .npz and CSV, each read into a float32 (B, T, I) array. The
// format is told by content (NumPy magic, zip magic), anything else is read as CSV text.
//
// CSV: one row per time step, one column per input feature, comma separated ('\t' in a .tsv);
// blank lines and everything after '#' are skipped; an optional header line of column names (a
// first line that is not all numbers); a header whose first name is "sample" makes the first
// column a sample label: consecutive rows with the same label form one sequence, and every
// sequence must have the same length, giving (B, T, I). Without it the file is one sequence
// (1, T, I). Numbers are read locale-independently and rounded once to float32 (nan and inf are
// accepted); a bad number or a ragged row is an Error(BadFile) naming the line and column.
#pragma once

#include "gruscope/array.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gruscope {

struct InputReadOptions {
    int64_t maxElements = int64_t(1) << 28; // larger inputs are refused (Error(ResourceLimit))
    std::string npzKey;                     // .npz: the array to read; "" = 'x', else 'input', else the first
};

struct InputFile {
    ArrayF x;                                 // (B, T, I)
    std::string format;                       // "npy", "npz", "csv"
    std::string arrayName;                    // .npz: the member read
    std::vector<std::string> columnNames;     // CSV header (without the sample column); empty without one
    std::vector<std::string> sampleLabels;    // CSV with a sample column: one label per sample
    std::vector<std::string> notes;           // what was done: "2-D (T, I) array read as one sample (1, T, I)"
};

// Throws Error(BadFile) for unreadable or malformed files (naming line and column in CSV),
// Error(ShapeMismatch) for arrays that are not 2-D or 3-D, Error(ResourceLimit) past the limit.
InputFile readInputFileDetailed(const std::string& path, const InputReadOptions& options = {});

// Just the array.
ArrayF readInputFile(const std::string& path, const InputReadOptions& options = {});

} // namespace gruscope
