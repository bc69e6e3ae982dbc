// The file tree in gruscope-parse's reply (see parse_reply.cpp): a flat pre-order list of nodes,
// each with its depth, so that a deep tree never nests the header JSON (whose depth is capped)
// and the decoder rebuilds it with a loop, not recursion over hostile input.
#pragma once

#include "gruscope/file_tree.h"

#include <nlohmann/json.hpp>

#include <string>

namespace gruscope::detail {

nlohmann::json fileTreeToWire(const FileTree& tree);

// Throws Error(BadFile) naming `source` for a malformed tree: a node deeper than its parent
// allows or than 64, more than kMaxWireTreeNodes nodes, an unknown kind, a negative count.
FileTree fileTreeFromWire(const nlohmann::json& j, const std::string& source);

constexpr size_t kMaxWireTreeNodes = (size_t(1) << 20) + 16; // gruscope-parse's --tree-lines cap, and headers
constexpr size_t kMaxWireTreeDepth = 64;                      // the walk stops at 32 groups

} // namespace gruscope::detail
