#include "gruscope/equation_terms.h"

#include <algorithm>
#include <string>

namespace gruscope {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double at(const std::vector<double>& v, int64_t j) { return j >= 0 && j < int64_t(v.size()) ? v[size_t(j)] : kNaN; }

} // namespace

EquationTerms computeEquationTerms(const EquationInputs& in)
{
    EquationTerms t;
    t.sample = in.sample;
    t.step = in.step;
    t.timeIndex = in.timeIndex;
    t.unit = in.unit;
    t.resetAfter = in.config.reset_after;
    t.useBias = in.config.use_bias;
    t.activation = in.config.activation;
    t.recurrentActivation = in.config.recurrent_activation;
    t.flavor = in.config.flavor;
    t.kept = in.kept;
    t.x = in.x;
    t.hPrev = in.hPrev;

    if (!in.weights) {
        t.message = "no weights";
        return t;
    }
    const GruWeights& w = *in.weights;
    const int64_t I = w.inputSize(), U = w.units(), G = 3 * U, j = in.unit;
    t.units = U;
    t.features = I;
    if (U <= 0 || I <= 0) {
        t.message = "the weights are empty";
        return t;
    }
    if (j < 0 || j >= U) {
        t.message = "unit " + std::to_string(j) + " is outside 0.." + std::to_string(U - 1);
        return t;
    }
    if (int64_t(in.x.size()) != I || int64_t(in.hPrev.size()) != U || w.kernel.shape != Shape{I, G} ||
        w.recurrentKernel.shape != Shape{U, G}) {
        t.message = "the input, state and weights do not fit together (x has " + std::to_string(in.x.size()) +
                    " features, the kernel is " + shapeToString(w.kernel.shape) + ", the state has " +
                    std::to_string(in.hPrev.size()) + " units)";
        return t;
    }
    const bool biasOk = !t.useBias || (t.resetAfter ? w.bias.shape == Shape{2, G} : w.bias.shape == Shape{G});
    if (!biasOk) {
        t.message = "the bias " + shapeToString(w.bias.shape) + " does not fit use_bias/reset_after";
        return t;
    }
    const auto act = activationFromName(in.config.activation);
    const auto recAct = activationFromName(in.config.recurrent_activation);
    if (!act || !recAct) {
        t.message = "unknown activation '" + (act ? in.config.recurrent_activation : in.config.activation) + "'";
        return t;
    }
    t.hPrevJ = in.hPrev[size_t(j)];

    // The engine's values, shown next to the recomputed ones.
    t.z.tracePre = at(in.tracePreZ, j);
    t.z.traceValue = at(in.traceZ, j);
    t.r.tracePre = at(in.tracePreR, j);
    t.r.traceValue = at(in.traceR, j);
    t.hh.tracePre = at(in.tracePreH, j);
    t.hh.traceValue = at(in.traceHh, j);
    t.traceH = at(in.traceH, j);
    t.valid = true;

    const bool dropout = in.training && (in.config.effectiveDropout() > 0 || in.config.effectiveRecurrentDropout() > 0);
    if (dropout) {
        // x and h are multiplied by random 0/(1/(1−rate)) masks drawn inside the call; without
        // them the sums cannot be rebuilt, so show what the engine computed.
        t.recomputed = false;
        for (GateTerms* g : {&t.z, &t.r, &t.hh}) {
            g->pre = g->tracePre;
            g->value = g->traceValue;
        }
        t.hNew = t.z.value * t.hPrevJ + (1.0 - t.z.value) * t.hh.value;
        t.hOut = in.kept ? t.hNew : t.hPrevJ;
        t.notes.push_back("training with dropout = " + std::to_string(in.config.effectiveDropout()) +
                          ", recurrent_dropout = " + std::to_string(in.config.effectiveRecurrentDropout()) +
                          ": x and h were multiplied by random dropout masks inside the run, so the terms "
                          "cannot be recomputed; the pre-activations and gates are the engine's");
        if (!in.kept)
            t.notes.push_back("masked step: Keras discards the cell's result and keeps h_{t-1}");
        return t;
    }

    auto K = [&](int64_t i, int64_t col) { return double(w.kernel.data[size_t(i * G + col)]); };
    auto R = [&](int64_t k, int64_t col) { return double(w.recurrentKernel.data[size_t(k * G + col)]); };
    auto bIn = [&](int64_t col) { return t.useBias ? double(w.bias.data[size_t(col)]) : 0.0; };
    auto bRec = [&](int64_t col) { return t.useBias && t.resetAfter ? double(w.bias.data[size_t(G + col)]) : 0.0; };

    GateTerms* gates[3] = {&t.z, &t.r, &t.hh};
    for (int g = 0; g < 3; ++g) {
        const int64_t col = g * U + j;
        GateTerms& gt = *gates[g];
        gt.xK = 0;
        for (int64_t i = 0; i < I; ++i)
            gt.xK += in.x[size_t(i)] * K(i, col);
        gt.bIn = bIn(col);
        gt.bRec = bRec(col);
        gt.hR = 0;
        if (g == 2 && !t.resetAfter) {
            // (r ⊙ h)·R_h needs r of every unit: the engine's traced r.
            if (int64_t(in.traceR.size()) != U) {
                t.valid = false;
                t.message = "reset_after=False needs the whole traced r vector, which this run did not record";
                return t;
            }
            for (int64_t k = 0; k < U; ++k)
                gt.hR += in.traceR[size_t(k)] * in.hPrev[size_t(k)] * R(k, col);
        } else {
            for (int64_t k = 0; k < U; ++k)
                gt.hR += in.hPrev[size_t(k)] * R(k, col);
        }
    }

    t.z.pre = t.z.xK + t.z.bIn + t.z.hR + t.z.bRec;
    t.r.pre = t.r.xK + t.r.bIn + t.r.hR + t.r.bRec;
    if (*recAct == ActivationKind::Softmax) {
        // softmax normalises over all units: one unit's sum alone does not give its value.
        t.gatesFromTrace = true;
        t.z.value = t.z.traceValue;
        t.r.value = t.r.traceValue;
        t.notes.push_back("recurrent_activation = softmax normalises across all units: z and r are the engine's values");
    } else {
        t.z.value = activationScalar(*recAct, t.flavor, t.z.pre);
        t.r.value = activationScalar(*recAct, t.flavor, t.r.pre);
    }
    if (t.resetAfter) {
        // r multiplies the recurrent sum (bias included) after the product.
        t.hh.pre = t.hh.xK + t.hh.bIn + t.r.value * (t.hh.hR + t.hh.bRec);
    } else {
        t.hh.pre = t.hh.xK + t.hh.bIn + t.hh.hR;
        t.notes.push_back("reset_after=False: the candidate's recurrent term (r ⊙ h_{t-1})·R_h uses the engine's r of "
                          "every unit");
    }
    if (*act == ActivationKind::Softmax) {
        t.candidateFromTrace = true;
        t.hh.value = t.hh.traceValue;
        t.notes.push_back("activation = softmax normalises across all units: h~ is the engine's value");
    } else {
        t.hh.value = activationScalar(*act, t.flavor, t.hh.pre);
    }
    t.hNew = t.z.value * t.hPrevJ + (1.0 - t.z.value) * t.hh.value;
    t.hOut = in.kept ? t.hNew : t.hPrevJ;
    if (!in.kept)
        t.notes.push_back("masked step: Keras evaluates the cell but discards its result, so h_t = h_{t-1}");
    return t;
}

} // namespace gruscope
