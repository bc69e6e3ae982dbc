#include "gruscope/inspect.h"

#include "gruscope/error.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <tuple>

namespace gruscope {
namespace {

const char* kGate[3] = {"z", "r", "h"};

// Element accessor over a rectangular sub-block of a row-major (rows × cols) tensor.
struct Block {
    const ArrayF* a;
    int64_t row0, rows, col0, cols, stride;
    float at(int64_t i, int64_t j) const { return a->data[size_t((row0 + i) * stride + col0 + j)]; }
};

TensorStats stats(const std::string& name, const Block& b, int bins)
{
    // Two passes over contiguous row segments: moments and extremes, then the histogram.
    TensorStats s;
    s.name = name;
    s.shape = b.rows == 1 && b.row0 == 0 && b.a->rank() == 1 ? Shape{b.cols} : Shape{b.rows, b.cols};
    s.count = b.rows * b.cols;
    double sum = 0, sumSq = 0;
    float mn = INFINITY, mx = -INFINITY;
    int64_t finite = 0;
    for (int64_t i = 0; i < b.rows; ++i) {
        const float* row = b.a->data.data() + (b.row0 + i) * b.stride + b.col0;
        double rs = 0, rsq = 0;
        for (int64_t j = 0; j < b.cols; ++j) {
            const float v = row[j];
            if (!std::isfinite(v)) {
                (std::isnan(v) ? s.nanCount : s.infCount)++;
                if (s.firstNonFinite.empty())
                    s.firstNonFinite = s.shape.size() == 1 ? "[" + std::to_string(j) + "]"
                                                           : "[" + std::to_string(i) + ", " + std::to_string(j) + "]";
                continue;
            }
            rs += v;
            rsq += double(v) * v;
            mn = std::min(mn, v);
            mx = std::max(mx, v);
        }
        sum += rs;
        sumSq += rsq;
    }
    finite = s.count - s.nanCount - s.infCount;
    if (finite == 0)
        return s;
    s.min = mn;
    s.max = mx;
    s.mean = sum / double(finite);
    s.stddev = std::sqrt(std::max(0.0, sumSq / double(finite) - s.mean * s.mean));
    s.norm = std::sqrt(sumSq);
    s.histMin = s.min;
    s.histMax = s.max;
    s.histogram.assign(size_t(std::max(bins, 1)), 0);
    const int64_t nb = int64_t(s.histogram.size());
    const float scale = mx > mn ? float(nb) / (mx - mn) : 0.0f;
    for (int64_t i = 0; i < b.rows; ++i) {
        const float* row = b.a->data.data() + (b.row0 + i) * b.stride + b.col0;
        for (int64_t j = 0; j < b.cols; ++j) {
            const float v = row[j];
            if (!std::isfinite(v))
                continue;
            const int64_t k = int64_t((v - mn) * scale);
            s.histogram[size_t(std::clamp<int64_t>(k, 0, nb - 1))]++;
        }
    }
    return s;
}

} // namespace

Inspection inspectWeights(const GruConfig& c, const GruWeights& w, const std::string& where, int bins)
{
    Inspection ins;
    const int64_t U = w.units(), G = 3 * U;
    auto whole = [&](const char* name, const ArrayF& a) {
        if (a.data.empty())
            return;
        const int64_t cols = a.shape.back(), rows = a.size() / std::max<int64_t>(cols, 1);
        ins.tensors.push_back(stats(name, Block{&a, 0, rows, 0, cols, cols}, bins));
    };
    whole("kernel", w.kernel);
    whole("recurrent_kernel", w.recurrentKernel);
    whole("bias", w.bias);

    auto blocks = [&](const std::string& tensor, const ArrayF& a, int64_t row0, int64_t rows, const std::string& rowName) {
        for (int g = 0; g < 3; ++g) {
            const std::string name = tensor + "[" + (rowName.empty() ? "" : rowName + ", ") + kGate[g] + "]";
            TensorStats s = stats(name, Block{&a, row0, rows, g * U, U, G}, bins);
            const std::string what = where + ": " + name;
            if (s.nanCount || s.infCount)
                ins.diagnostics.push_back({Diagnostic::Severity::Error, what,
                                           std::to_string(s.nanCount) + " NaN and " + std::to_string(s.infCount) +
                                               " Inf values, the first at " + s.firstNonFinite + " of the block"});
            else if (s.count > 1 && s.min == 0 && s.max == 0 && tensor != "bias")
                ins.diagnostics.push_back({Diagnostic::Severity::Warning, what,
                                           "every weight of the " + std::string(kGate[g]) + " gate block is zero (an untrained or pruned gate?)"});
            else if (s.count > 1 && s.min == s.max && tensor != "bias")
                ins.diagnostics.push_back({Diagnostic::Severity::Warning, what,
                                           "every weight of the block equals " + std::to_string(s.min) + " (a constant block)"});
            ins.blocks.push_back(std::move(s));
        }
    };
    if (U > 0 && w.kernel.rank() == 2)
        blocks("kernel", w.kernel, 0, w.kernel.shape[0], "");
    if (U > 0 && w.recurrentKernel.rank() == 2)
        blocks("recurrent_kernel", w.recurrentKernel, 0, U, "");
    if (U > 0 && w.bias.size() == 2 * G) {
        blocks("bias", w.bias, 0, 1, "input");
        blocks("bias", w.bias, 1, 1, "recurrent");
    } else if (U > 0 && w.bias.size() == G) {
        blocks("bias", w.bias, 0, 1, "");
    }
    try {
        checkWeights(c, w);
    } catch (const Error& e) {
        if (e.code() == ErrorCode::ShapeMismatch)
            ins.diagnostics.push_back({Diagnostic::Severity::Error, where, e.what()});
    }
    return ins;
}

std::vector<Diagnostic> checkLayer(const GruLayerInfo& L, const std::string& kerasVersion)
{
    std::vector<Diagnostic> d;
    const std::string where = L.group.empty() ? L.name : L.group;
    const int64_t U = L.config.units, G = 3 * U;
    if (L.recurrentShape != Shape{U, G})
        d.push_back({Diagnostic::Severity::Error, where, "recurrent kernel " + shapeToString(L.recurrentShape) + " does not fit units=" +
                                                              std::to_string(U) + " (expected " + shapeToString({U, G}) + ")"});
    if (L.kernelShape.size() != 2 || L.kernelShape[1] != G)
        d.push_back({Diagnostic::Severity::Error, where, "kernel " + shapeToString(L.kernelShape) + " does not fit units=" +
                                                              std::to_string(U) + " (expected (input_size, " + std::to_string(G) + "))"});
    if (L.kind == "GRU" && L.config.use_bias) {
        const Shape want = L.config.reset_after ? Shape{2, G} : Shape{G};
        if (L.biasShape != want)
            d.push_back({Diagnostic::Severity::Error, where,
                         "bias " + shapeToString(L.biasShape) + " but the config says reset_after=" +
                             (L.config.reset_after ? "True (expects (2, 3U))" : "False (expects (3U,))") +
                             (L.biasShape == Shape{2, G}   ? ": a (2, 3U) bias means reset_after=True"
                              : L.biasShape == Shape{G}    ? ": a (3U,) bias means reset_after=False"
                                                           : "")});
    }
    if (!L.config.use_bias && !L.biasShape.empty())
        d.push_back({Diagnostic::Severity::Error, where, "use_bias=False but the file holds a bias " + shapeToString(L.biasShape)});
    if (L.dtype == "float16" || L.dtype == "bfloat16" || L.dtype == "float64")
        d.push_back({Diagnostic::Severity::Info, where,
                     "weights stored as " + L.dtype + ", converted to float32" +
                         (L.dtype == "float64" ? " (rounded)" : " (exactly)")});
    if (L.kind == "CuDNNGRU")
        d.push_back({Diagnostic::Severity::Info, where, "legacy CuDNNGRU layout: converted to GRU(reset_after=True) as Keras loads it"});
    if (L.config.flavor == Flavor::TfKeras && kerasVersion.rfind("3.", 0) != 0)
        d.push_back({Diagnostic::Severity::Info, where,
                     "a tf.keras configuration: Keras 3 refuses its time_major key (keras-team/keras#20750) and reads "
                     "hard_sigmoid as x/6 + 0.5 instead of 0.2x + 0.5" +
                         std::string(L.config.recurrent_activation == "hard_sigmoid" ? " — this layer uses hard_sigmoid" : "")});
    for (const auto& a : L.assumptions)
        d.push_back({Diagnostic::Severity::Info, where, "assumed: " + a});
    return d;
}

WeightDiff diffWeights(const GruWeights& a, const GruWeights& b, double tol, int topUnits)
{
    // Name only the tensors whose shapes differ (and what the others are), e.g.
    //   kernel (16, 48) vs (32, 48): 16 vs 32 inputs; recurrent_kernel and bias match
    std::string differ, match;
    for (auto [name, x, y] : {std::tuple{"kernel", &a.kernel, &b.kernel}, std::tuple{"recurrent_kernel", &a.recurrentKernel, &b.recurrentKernel},
                              std::tuple{"bias", &a.bias, &b.bias}}) {
        std::string& list = x->shape == y->shape ? match : differ;
        if (x->shape == y->shape) {
            list += std::string(list.empty() ? "" : " and ") + name;
            continue;
        }
        list += std::string(list.empty() ? "" : ", ") + name + " " + shapeToString(x->shape) + " vs " + shapeToString(y->shape);
    }
    if (!differ.empty()) {
        std::string why;
        if (a.units() != b.units())
            why = ": " + std::to_string(a.units()) + " vs " + std::to_string(b.units()) + " units";
        else if (a.inputSize() != b.inputSize())
            why = ": " + std::to_string(a.inputSize()) + " vs " + std::to_string(b.inputSize()) + " input features";
        else if (a.bias.empty() != b.bias.empty())
            why = std::string(": ") + (a.bias.empty() ? "A" : "B") + " has no bias";
        else if (a.bias.shape != b.bias.shape)
            why = ": one bias has reset_after's two rows, the other one";
        throw Error(ErrorCode::ShapeMismatch, "cannot compare weights of different shapes: " + differ + why +
                                                  (match.empty() ? "" : "; " + match + (match.find(" and ") != std::string::npos ? " match" : " matches")));
    }
    WeightDiff d;
    const int64_t U = a.units(), G = 3 * U;
    std::vector<double> unitSq(size_t(U), 0.0);
    auto block = [&](const std::string& name, const ArrayF& x, const ArrayF& y, int64_t row0, int64_t rows) {
        for (int g = 0; g < 3; ++g) {
            BlockDiff bd;
            bd.name = name + kGate[g] + "]";
            double diffSq = 0, normSq = 0;
            for (int64_t i = row0; i < row0 + rows; ++i)
                for (int64_t j = g * U; j < (g + 1) * U; ++j) {
                    const double p = x.data[size_t(i * G + j)], q = y.data[size_t(i * G + j)];
                    const double delta = std::abs(p - q);
                    bd.maxAbs = std::max(bd.maxAbs, std::isnan(delta) ? INFINITY : delta);
                    diffSq += delta * delta;
                    normSq += p * p;
                    bd.changed += delta > tol || (std::isnan(p) != std::isnan(q));
                    bd.signFlips += (p > 0 && q < 0) || (p < 0 && q > 0);
                    ++bd.count;
                    unitSq[size_t(j - g * U)] += delta * delta;
                }
            bd.relNorm = normSq > 0 ? std::sqrt(diffSq / normSq) : (diffSq > 0 ? INFINITY : 0.0);
            d.identical &= bd.changed == 0;
            d.blocks.push_back(bd);
        }
    };
    block("kernel[", a.kernel, b.kernel, 0, a.kernel.rank() == 2 ? a.kernel.shape[0] : 0);
    block("recurrent_kernel[", a.recurrentKernel, b.recurrentKernel, 0, U);
    if (a.bias.size() == 2 * G) {
        block("bias[input, ", a.bias, b.bias, 0, 1);
        block("bias[recurrent, ", a.bias, b.bias, 1, 1);
    } else if (a.bias.size() == G) {
        block("bias[", a.bias, b.bias, 0, 1);
    }
    for (int64_t u = 0; u < U; ++u)
        d.mostChanged.push_back({u, std::sqrt(unitSq[size_t(u)])});
    std::stable_sort(d.mostChanged.begin(), d.mostChanged.end(), [](const UnitChange& x, const UnitChange& y) { return x.norm > y.norm; });
    if (int64_t(d.mostChanged.size()) > topUnits)
        d.mostChanged.resize(size_t(topUnits));
    return d;
}

} // namespace gruscope
