#include "gruscope/array.h"

#include "gruscope/error.h"

#include <limits>

namespace gruscope {

std::string shapeToString(const Shape& shape)
{
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i)
            s += ", ";
        s += std::to_string(shape[i]);
    }
    if (shape.size() == 1)
        s += ",";
    return s + ")";
}

int64_t shapeElementCount(const Shape& shape)
{
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0)
            throw Error(ErrorCode::ShapeMismatch, "negative dimension in shape " + shapeToString(shape));
        if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
            throw Error(ErrorCode::ResourceLimit, "shape " + shapeToString(shape) + " has more elements than can be addressed");
        n *= d;
    }
    return n;
}

} // namespace gruscope
