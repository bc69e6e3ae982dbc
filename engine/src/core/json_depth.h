// Engine-internal: how deeply JSON text nests, measured on the text itself. nlohmann::json parses
// any depth, but copying a parsed value and dump() recurse once per level, and an ordered_json
// parse copies subtrees as its object vectors grow; a hostile file nested thousands of levels deep
// overflows the stack there. Every reader measures the text first and refuses (or ignores) deep
// JSON before anything is parsed.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

namespace gruscope::detail {

// The deepest nesting of arrays and objects (brackets inside strings do not count). Iterative.
inline size_t jsonTextDepth(const std::string& text)
{
    size_t depth = 0, deepest = 0;
    bool inString = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i; // skip the escaped character
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

} // namespace gruscope::detail
