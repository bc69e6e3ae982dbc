#include "gruscope/weights.h"

#include "gruscope/error.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace gruscope {
namespace {

const char* gateOfColumn(int64_t col, int64_t U)
{
    static const char* names[] = {"z (update)", "r (reset)", "h (candidate)"};
    return U > 0 && col / U < 3 ? names[col / U] : "?";
}

void checkFinite(const char* tensor, const ArrayF& a, int64_t U)
{
    int64_t count = 0, first = -1;
    for (size_t i = 0; i < a.data.size(); ++i)
        if (!std::isfinite(a.data[i]) && count++ == 0)
            first = int64_t(i);
    if (count == 0)
        return;
    const int64_t cols = a.shape.empty() ? 1 : a.shape.back();
    const int64_t row = first / cols, col = first % cols;
    std::string where = a.rank() == 2 ? "[" + std::to_string(row) + ", " + std::to_string(col) + "]" : "[" + std::to_string(col) + "]";
    throw Error(ErrorCode::InvalidArgument, std::string(tensor) + " holds " + std::to_string(count) +
                                                " NaN/Inf value(s); the first is " + std::to_string(a.data[size_t(first)]) +
                                                " at " + where + " in gate block " + gateOfColumn(col, U));
}

} // namespace

void checkWeights(const GruConfig& c, const GruWeights& w)
{
    const int64_t U = c.units, G = 3 * U;
    if (w.kernel.rank() != 2 || w.kernel.shape[1] != G || w.kernel.shape[0] < 1)
        throw Error(ErrorCode::ShapeMismatch, "kernel has shape " + shapeToString(w.kernel.shape) + "; expected (input_size, " +
                                                  std::to_string(G) + ") for units=" + std::to_string(U) + " (columns z | r | h)");
    if (w.recurrentKernel.shape != Shape{U, G})
        throw Error(ErrorCode::ShapeMismatch, "recurrent_kernel has shape " + shapeToString(w.recurrentKernel.shape) +
                                                  "; expected " + shapeToString({U, G}) + " for units=" + std::to_string(U));
    if (!c.use_bias) {
        if (w.hasBias())
            throw Error(ErrorCode::ShapeMismatch, "a bias of shape " + shapeToString(w.bias.shape) +
                                                      " was given but use_bias=False (the layer has no bias)");
    } else {
        const Shape want = c.reset_after ? Shape{2, G} : Shape{G};
        if (!w.hasBias())
            throw Error(ErrorCode::ShapeMismatch, "use_bias=True but no bias was given; expected shape " + shapeToString(want));
        if (w.bias.shape != want) {
            std::string hint;
            if (w.bias.shape == Shape{G})
                hint = "; a (3U,) bias belongs to reset_after=False";
            else if (w.bias.shape == Shape{2, G})
                hint = "; a (2, 3U) bias belongs to reset_after=True";
            else if (w.bias.shape == Shape{2 * G})
                hint = "; a (6U,) bias is the legacy CuDNNGRU layout, which must be converted first";
            throw Error(ErrorCode::ShapeMismatch, "bias has shape " + shapeToString(w.bias.shape) + "; expected " +
                                                      shapeToString(want) + " for reset_after=" +
                                                      (c.reset_after ? "True" : "False") + hint);
        }
    }
    if (int64_t(w.kernel.data.size()) != shapeElementCount(w.kernel.shape) ||
        int64_t(w.recurrentKernel.data.size()) != shapeElementCount(w.recurrentKernel.shape) ||
        int64_t(w.bias.data.size()) != (w.bias.shape.empty() ? 0 : shapeElementCount(w.bias.shape)))
        throw Error(ErrorCode::Internal, "a weight array's data does not match its shape");
    checkFinite("kernel", w.kernel, U);
    checkFinite("recurrent_kernel", w.recurrentKernel, U);
    checkFinite("bias", w.bias, U);
}

GruWeights initializeWeights(const GruConfig& c, int64_t inputSize, uint64_t seed)
{
    if (inputSize < 1)
        throw Error(ErrorCode::InvalidArgument, "input size must be at least 1 to create weights, got " + std::to_string(inputSize));
    const int64_t U = c.units, G = 3 * U;
    // Refuse before allocating: a typo in units (say 1048576) would otherwise ask for terabytes.
    constexpr int64_t kMaxWeightElements = int64_t(1) << 31;
    for (const auto& [name, rows] : {std::pair<const char*, int64_t>{"kernel", inputSize}, {"recurrent_kernel", U}})
        if (rows > kMaxWeightElements / std::max<int64_t>(G, 1))
            throw Error(ErrorCode::ResourceLimit, std::string(name) + " would have shape (" + std::to_string(rows) + ", " +
                                                      std::to_string(G) + "), more than 2^31 values (8 GiB of memory), for units=" +
                                                      std::to_string(U) + " and " + std::to_string(inputSize) + " input features");
    GruWeights w;
    w.kernel = initialize(c.kernel_initializer, {inputSize, G}, seed, 1);
    w.recurrentKernel = initialize(c.recurrent_initializer, {U, G}, seed, 2);
    if (c.use_bias)
        w.bias = initialize(c.bias_initializer, c.reset_after ? Shape{2, G} : Shape{G}, seed, 3);
    return w;
}

} // namespace gruscope
