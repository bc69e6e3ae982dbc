#include "gruscope/weight_edits.h"

#include "gruscope/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gruscope {

namespace {

const char* kGate[] = {"z", "r", "h"};

ArrayF& tensorOf(GruWeights& w, WeightEdit::Tensor t)
{
    switch (t) {
    case WeightEdit::Tensor::Kernel: return w.kernel;
    case WeightEdit::Tensor::RecurrentKernel: return w.recurrentKernel;
    case WeightEdit::Tensor::Bias: return w.bias;
    }
    return w.kernel;
}

const char* tensorName(WeightEdit::Tensor t)
{
    switch (t) {
    case WeightEdit::Tensor::Kernel: return "kernel";
    case WeightEdit::Tensor::RecurrentKernel: return "recurrent_kernel";
    case WeightEdit::Tensor::Bias: return "bias";
    }
    return "?";
}

void requireUnit(int64_t unit, int64_t units)
{
    if (unit < 0 || unit >= units)
        throw Error(ErrorCode::InvalidArgument, "unit " + std::to_string(unit) + " is outside [0, " + std::to_string(units) + ")");
}

// Entry (row, column) of a tensor seen as rows × 3U (a (3U,) bias is one row).
float& at(ArrayF& a, int64_t row, int64_t column)
{
    const int64_t cols = a.shape.back();
    return a.data[size_t(row * cols + column)];
}

int64_t rowsOf(const ArrayF& a) { return a.shape.size() == 2 ? a.shape[0] : (a.data.empty() ? 0 : 1); }

// What a whole gate's bias edit (ScaleBias, SetBias) needs: a gate z, r or h, a finite number
// (`what` names it) and a bias to edit.
void requireGateBias(const GruWeights& w, int gate, double number, const char* what)
{
    if (gate < 0 || gate > 2)
        throw Error(ErrorCode::InvalidArgument, "the gate must be z, r or h");
    if (!std::isfinite(number))
        throw Error(ErrorCode::InvalidArgument, std::string(what) + " must be a finite number");
    if (w.bias.data.empty())
        throw Error(ErrorCode::InvalidArgument, "this layer has no bias (use_bias=False)");
}

} // namespace

std::string describeWeightEdit(const WeightEdit& e, int64_t units)
{
    switch (e.kind) {
    case WeightEdit::Kind::Set: {
        std::string s = std::string(tensorName(e.tensor)) + "[" + std::to_string(e.row) + ", " + std::to_string(e.column) + "]";
        if (units > 0 && e.column >= 0 && e.column < 3 * units)
            s += std::string(" (") + kGate[e.column / units] + " of unit " + std::to_string(e.column % units) + ")";
        char v[32];
        std::snprintf(v, sizeof v, "%.6g", double(e.value));
        return s + " = " + v;
    }
    case WeightEdit::Kind::ScaleBias: {
        char f[32];
        std::snprintf(f, sizeof f, "%.4g", e.factor);
        return std::string("bias of ") + kGate[std::clamp(e.gate, 0, 2)] + " × " + f;
    }
    case WeightEdit::Kind::SetBias: {
        char v[32];
        std::snprintf(v, sizeof v, "%.6g", double(e.value));
        return std::string("bias of ") + kGate[std::clamp(e.gate, 0, 2)] + " = " + v;
    }
    case WeightEdit::Kind::Ablate: return "ablate unit " + std::to_string(e.unit);
    case WeightEdit::Kind::Hold: return "hold unit " + std::to_string(e.unit);
    }
    return "?";
}

void applyWeightEdit(GruWeights& w, int64_t units, const WeightEdit& e)
{
    const int64_t U = units;
    if (U <= 0 || w.kernel.shape.size() != 2 || w.kernel.shape[1] != 3 * U)
        throw Error(ErrorCode::InvalidArgument, "the weights do not belong to a layer of " + std::to_string(U) + " units");
    switch (e.kind) {
    case WeightEdit::Kind::Set: {
        ArrayF& a = tensorOf(w, e.tensor);
        const int64_t rows = rowsOf(a);
        if (rows == 0)
            throw Error(ErrorCode::InvalidArgument, "this layer has no bias (use_bias=False)");
        if (e.row < 0 || e.row >= rows || e.column < 0 || e.column >= 3 * U)
            throw Error(ErrorCode::InvalidArgument, std::string(tensorName(e.tensor)) + "[" + std::to_string(e.row) + ", " +
                                                        std::to_string(e.column) + "] is outside its " + std::to_string(rows) +
                                                        " × " + std::to_string(3 * U) + " entries");
        if (!std::isfinite(e.value))
            throw Error(ErrorCode::InvalidArgument, "a weight must be a finite number");
        at(a, e.row, e.column) = e.value;
        return;
    }
    case WeightEdit::Kind::ScaleBias: {
        requireGateBias(w, e.gate, e.factor, "the factor");
        for (int64_t r = 0; r < rowsOf(w.bias); ++r)
            for (int64_t j = 0; j < U; ++j)
                at(w.bias, r, e.gate * U + j) *= float(e.factor);
        return;
    }
    case WeightEdit::Kind::SetBias: {
        requireGateBias(w, e.gate, e.value, "the bias");
        for (int64_t r = 0; r < rowsOf(w.bias); ++r)
            for (int64_t j = 0; j < U; ++j)
                at(w.bias, r, e.gate * U + j) = r == 0 ? e.value : 0.0f;
        return;
    }
    case WeightEdit::Kind::Ablate: {
        requireUnit(e.unit, U);
        const int64_t col = 2 * U + e.unit;
        for (ArrayF* a : {&w.kernel, &w.recurrentKernel, &w.bias})
            for (int64_t r = 0; r < rowsOf(*a); ++r)
                at(*a, r, col) = 0;
        for (int64_t c = 0; c < 3 * U; ++c)
            at(w.recurrentKernel, e.unit, c) = 0;
        return;
    }
    case WeightEdit::Kind::Hold: {
        requireUnit(e.unit, U);
        if (w.bias.data.empty())
            throw Error(ErrorCode::InvalidArgument, "holding a unit needs a bias (use_bias=True)");
        const int64_t col = e.unit; // z block
        for (ArrayF* a : {&w.kernel, &w.recurrentKernel})
            for (int64_t r = 0; r < rowsOf(*a); ++r)
                at(*a, r, col) = 0;
        // σ(20) = 1 − 2.1e-9: the state moves by that fraction of (h~ − h) per step. With
        // reset_after the two bias rows add up: the input row carries it, the recurrent row is 0.
        for (int64_t r = 0; r < rowsOf(w.bias); ++r)
            at(w.bias, r, col) = r == 0 ? 20.0f : 0.0f;
        return;
    }
    }
}

} // namespace gruscope
