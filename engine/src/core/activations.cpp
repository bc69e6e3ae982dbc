// Activation functions, written from the Keras definitions (keras/src/activations/activations.py
// and tf_keras/activations.py). Both precisions share one template so that the float64 reference
// and the float32 CPU backend compute the same formulas; float32 tanh and sigmoid use Eigen's
// vectorised kernels (the same family TensorFlow's CPU kernels use).
#include "gruscope/activations.h"

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cmath>

namespace gruscope {
namespace {

struct NameEntry {
    std::string_view name;
    ActivationKind kind;
};

constexpr std::array kNames = {
    NameEntry{"tanh", ActivationKind::Tanh},         NameEntry{"sigmoid", ActivationKind::Sigmoid},
    NameEntry{"hard_sigmoid", ActivationKind::HardSigmoid}, NameEntry{"linear", ActivationKind::Linear},
    NameEntry{"relu", ActivationKind::Relu},         NameEntry{"relu6", ActivationKind::Relu6},
    NameEntry{"elu", ActivationKind::Elu},           NameEntry{"selu", ActivationKind::Selu},
    NameEntry{"gelu", ActivationKind::Gelu},         NameEntry{"silu", ActivationKind::Silu},
    NameEntry{"softplus", ActivationKind::Softplus}, NameEntry{"softsign", ActivationKind::Softsign},
    NameEntry{"exponential", ActivationKind::Exponential}, NameEntry{"hard_silu", ActivationKind::HardSilu},
    NameEntry{"leaky_relu", ActivationKind::LeakyRelu}, NameEntry{"log_sigmoid", ActivationKind::LogSigmoid},
    NameEntry{"mish", ActivationKind::Mish},         NameEntry{"celu", ActivationKind::Celu},
    NameEntry{"softmax", ActivationKind::Softmax},
};

// SELU constants from Klambauer et al. 2017, as in Keras.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
// TensorFlow holds these two constants in float32 even for float64 tensors (tf.nn.leaky_relu's
// `alpha` is a float attribute; tf.nn.gelu casts 1/√2 from float32). Real Keras on TensorFlow
// 2.21 in float64 differs from the exact constants by up to 4e-9, so both precisions use the
// float32 values, which is what Keras computes.
constexpr double kLeakySlope = double(0.2f);     // Keras 3 negative_slope / tf.nn.leaky_relu alpha
constexpr double kInvSqrt2 = double(0.70710678118654752440f);

template <class T>
T hardSigmoid(T x, Flavor flavor) noexcept
{
    // Keras 3: relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1); tf.keras: clip(0.2·x + 0.5, 0, 1).
    const T y = flavor == Flavor::Keras3 ? x / T(6) + T(0.5) : T(0.2) * x + T(0.5);
    return std::clamp(y, T(0), T(1));
}

template <class T>
T softplus(T x) noexcept
{
    // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
    return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}

template <class T>
T sigmoid(T x) noexcept
{
    return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
}

template <class T>
T scalar(ActivationKind kind, Flavor flavor, T x) noexcept
{
    switch (kind) {
    case ActivationKind::Tanh: return std::tanh(x);
    case ActivationKind::Sigmoid: return sigmoid(x);
    case ActivationKind::HardSigmoid: return hardSigmoid(x, flavor);
    case ActivationKind::Linear: return x;
    case ActivationKind::Relu: return std::max(x, T(0));
    case ActivationKind::Relu6: return std::clamp(x, T(0), T(6));
    case ActivationKind::Elu: return x > 0 ? x : std::expm1(x); // alpha = 1
    case ActivationKind::Selu: return T(kSeluScale) * (x > 0 ? x : T(kSeluAlpha) * std::expm1(x));
    case ActivationKind::Gelu: return T(0.5) * x * (T(1) + std::erf(x * T(kInvSqrt2))); // exact (erf) form
    case ActivationKind::Silu: return x * sigmoid(x);
    case ActivationKind::Softplus: return softplus(x);
    case ActivationKind::Softsign: return x / (T(1) + std::abs(x));
    case ActivationKind::Exponential: return std::exp(x);
    case ActivationKind::HardSilu: return x * hardSigmoid(x, Flavor::Keras3); // Keras 3 only
    case ActivationKind::LeakyRelu: return x >= 0 ? x : T(kLeakySlope) * x;
    case ActivationKind::LogSigmoid: return -softplus(-x);
    case ActivationKind::Mish: return x * std::tanh(softplus(x));
    case ActivationKind::Celu: return x > 0 ? x : std::expm1(x); // alpha = 1: max(0,x) + min(0, α(exp(x/α) − 1))
    case ActivationKind::Softmax: return x;
    }
    return x;
}

template <class T>
void softmax(T* v, int64_t n) noexcept
{
    // softmax over the units: e^(x - max) / Σ e^(x - max)
    if (n <= 0)
        return;
    const T m = *std::max_element(v, v + n);
    T sum = 0;
    for (int64_t i = 0; i < n; ++i) {
        v[i] = std::exp(v[i] - m);
        sum += v[i];
    }
    for (int64_t i = 0; i < n; ++i)
        v[i] /= sum;
}

template <class T>
void applyGeneric(ActivationKind kind, Flavor flavor, T* v, int64_t n) noexcept
{
    if (kind == ActivationKind::Linear)
        return;
    if (kind == ActivationKind::Softmax) {
        softmax(v, n);
        return;
    }
    for (int64_t i = 0; i < n; ++i)
        v[i] = scalar(kind, flavor, v[i]);
}

} // namespace

std::optional<ActivationKind> activationFromName(std::string_view name) noexcept
{
    for (const auto& e : kNames)
        if (e.name == name)
            return e.kind;
    if (name == "swish")
        return ActivationKind::Silu;
    if (name == "hard_swish")
        return ActivationKind::HardSilu;
    if (name.empty() || name == "None" || name == "none" || name == "null")
        return ActivationKind::Linear;
    return std::nullopt;
}

const char* activationName(ActivationKind kind) noexcept
{
    for (const auto& e : kNames)
        if (e.kind == kind)
            return e.name.data();
    return "?";
}

const std::vector<std::string>& activationNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        v.reserve(kNames.size());
        for (const auto& e : kNames)
            v.emplace_back(e.name);
        return v;
    }();
    return names;
}

std::string activationFormula(ActivationKind kind, Flavor flavor)
{
    switch (kind) {
    case ActivationKind::Tanh: return "tanh(x)";
    case ActivationKind::Sigmoid: return "1 / (1 + e^-x)";
    case ActivationKind::HardSigmoid:
        return flavor == Flavor::Keras3 ? "clip(x/6 + 0.5, 0, 1)  (Keras 3)" : "clip(0.2·x + 0.5, 0, 1)  (tf.keras)";
    case ActivationKind::Linear: return "x";
    case ActivationKind::Relu: return "max(x, 0)";
    case ActivationKind::Relu6: return "min(max(x, 0), 6)";
    case ActivationKind::Elu: return "x if x > 0 else e^x − 1";
    case ActivationKind::Selu: return "1.0507·(x if x > 0 else 1.6733·(e^x − 1))";
    case ActivationKind::Gelu: return "x·Φ(x) = 0.5·x·(1 + erf(x/√2))";
    case ActivationKind::Silu: return "x·sigmoid(x)";
    case ActivationKind::Softplus: return "log(1 + e^x)";
    case ActivationKind::Softsign: return "x / (1 + |x|)";
    case ActivationKind::Exponential: return "e^x";
    case ActivationKind::HardSilu: return "x·clip(x/6 + 0.5, 0, 1)";
    case ActivationKind::LeakyRelu: return "x if x ≥ 0 else 0.2·x";
    case ActivationKind::LogSigmoid: return "−log(1 + e^-x)";
    case ActivationKind::Mish: return "x·tanh(softplus(x))";
    case ActivationKind::Celu: return "x if x > 0 else e^x − 1  (alpha = 1)";
    case ActivationKind::Softmax: return "e^x_i / Σ_j e^x_j  (over the units)";
    }
    return {};
}

void applyActivation(ActivationKind kind, Flavor flavor, float* values, int64_t n) noexcept
{
    Eigen::Map<Eigen::ArrayXf> a(values, n);
    switch (kind) {
    case ActivationKind::Tanh: a = a.tanh(); return;
    case ActivationKind::Sigmoid: a = a.logistic(); return;
    case ActivationKind::Relu: a = a.max(0.0f); return;
    default: applyGeneric(kind, flavor, values, n); return;
    }
}

void applyActivation(ActivationKind kind, Flavor flavor, double* values, int64_t n) noexcept
{
    applyGeneric(kind, flavor, values, n);
}

double activationScalar(ActivationKind kind, Flavor flavor, double x) noexcept
{
    return scalar(kind, flavor, x);
}

} // namespace gruscope
