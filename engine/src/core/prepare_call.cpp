// prepareCall — everything a call decides before the time loop, the same for every backend:
// shape checks, the mask in (B, T) layout, which initial state Keras would use, dropout masks, the
// output layout and the trace plan. finishCall — what follows every backend's loop.
#include "core/dropout.h"
#include "core/prepared_call.h"
#include "gruscope/error.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <unistd.h>

namespace gruscope::detail {

namespace {

void requireFinite(const char* what, const ArrayF& a)
{
    for (size_t i = 0; i < a.data.size(); ++i) {
        if (!std::isfinite(a.data[i])) {
            int64_t count = 0;
            for (float v : a.data)
                count += !std::isfinite(v);
            // Index in the array's own shape.
            std::string idx;
            int64_t flat = int64_t(i);
            for (size_t k = a.shape.size(); k-- > 0;) {
                const int64_t d = std::max<int64_t>(a.shape[k], 1);
                idx = std::to_string(flat % d) + (idx.empty() ? "" : ", ") + idx;
                flat /= d;
            }
            throw Error(ErrorCode::InvalidArgument,
                std::string(what) + " holds " + std::to_string(count) + " NaN/Inf value(s); the first is at [" + idx
                    + "]");
        }
    }
}

} // namespace

void requireFiniteArray(const char* what, const ArrayF& a)
{
    requireFinite(what, a);
}

void prepareCall(const GruConfig& c, const GruWeights& weights, const std::optional<ArrayF>& storedState,
    const std::vector<double>& storedState64, const CallInputs& in, const TraceOptions& traceOpts, bool float64Outputs,
    PreparedCall& p, RunResult& result)
{
    const int64_t U = c.units;
    const int64_t I = weights.inputSize();

    // ---- shapes -------------------------------------------------------------------------------
    if (in.x.rank() != 3)
        throw Error(ErrorCode::ShapeMismatch,
            "input has shape " + shapeToString(in.x.shape) + "; a GRU needs 3 axes "
                + (c.time_major ? "(timesteps, batch, features)" : "(batch, timesteps, features)"));
    const int64_t B = c.time_major ? in.x.shape[1] : in.x.shape[0];
    const int64_t T = c.time_major ? in.x.shape[0] : in.x.shape[1];
    if (in.x.shape[2] != I)
        throw Error(ErrorCode::ShapeMismatch,
            "input has " + std::to_string(in.x.shape[2]) + " features (last axis of " + shapeToString(in.x.shape)
                + ") but the kernel " + shapeToString(weights.kernel.shape) + " expects " + std::to_string(I));
    if (T < 1)
        throw Error(ErrorCode::ShapeMismatch,
            "input " + shapeToString(in.x.shape) + " has no timesteps; Keras needs at least one");
    if (int64_t(in.x.data.size()) != shapeElementCount(in.x.shape))
        throw Error(ErrorCode::Internal, "input data does not match its shape");
    requireFinite("input", in.x);

    // Mask → (B, T) layout.
    ArrayU8& maskBT = p.maskStore;
    if (in.mask) {
        const ArrayU8& m = *in.mask;
        const Shape bt { B, T }, tb { T, B };
        if (c.time_major && m.shape == tb) {
            maskBT = ArrayU8(bt);
            for (int64_t t = 0; t < T; ++t)
                for (int64_t b = 0; b < B; ++b)
                    maskBT.data[size_t(b * T + t)] = m.data[size_t(t * B + b)];
        } else if (m.shape == bt) {
            maskBT = m;
            if (c.time_major && B != T)
                result.notes.push_back(
                    "mask given as (batch, timesteps); tf.keras expects (timesteps, batch) with time_major, "
                    "both are accepted");
        } else {
            throw Error(ErrorCode::ShapeMismatch,
                "mask has shape " + shapeToString(m.shape) + "; expected "
                    + (c.time_major ? shapeToString(tb) + " (timesteps, batch) or " : std::string()) + shapeToString(bt)
                    + " (batch, timesteps) for input " + shapeToString(in.x.shape));
        }
        for (auto& v : maskBT.data)
            v = v ? 1 : 0;
    }

    if (in.initialState) {
        if (in.initialState->shape != Shape { B, U })
            throw Error(ErrorCode::ShapeMismatch,
                "initial_state has shape " + shapeToString(in.initialState->shape) + "; expected "
                    + shapeToString({ B, U }) + " (batch, units)");
        requireFinite("initial_state", *in.initialState);
    }
    if (c.stateful && storedState && storedState->shape[0] != B)
        throw Error(ErrorCode::ShapeMismatch,
            "this stateful layer holds a state for batch size " + std::to_string(storedState->shape[0])
                + " but the input has batch size " + std::to_string(B)
                + "; reset the states first (Keras refuses a batch-size change too)");

    // Memory the call will allocate, refused before any of it is: the outputs and state (float32,
    // plus float64 copies of them and of the input for the reference backend) and the gate trace
    // (up to its cap). The backends' scratch does not grow with T and is left out. The limit is
    // the caller's (CallInputs::memoryLimitBytes) or else this machine's physical memory.
    {
        const double MiB = double(1 << 20);
        const double outElems = double(B) * double(c.return_sequences ? T : 1) * double(U);
        const double outputs = outElems * 4.0 + double(B) * double(U) * 4.0;
        const double copies = float64Outputs ? (outElems + double(B) * double(U) + double(B) * double(T) * double(I)) * 8.0 : 0.0;
        double trace = 0.0;
        if (traceOpts.enabled) {
            const int64_t S = traceOpts.samples.empty() ? B : std::min<int64_t>(B, int64_t(traceOpts.samples.size()));
            trace = std::min(double(Trace::bytesFor(S, T, U)), double(traceOpts.memoryCapBytes));
        }
        const double bytes = outputs + copies + trace;
        const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
        const double physical = pages > 0 && pageSize > 0 ? double(pages) * double(pageSize) : 0.0;
        const bool own = in.memoryLimitBytes > 0;
        const double limit = own ? double(in.memoryLimitBytes) : physical;
        if (limit > 0 && bytes > limit) {
            auto mib = [&](double b) { return std::to_string(int64_t(std::ceil(b / MiB))); };
            std::string parts = "outputs " + mib(outputs) + " MiB";
            if (trace > 0)
                parts += ", gate trace " + mib(trace) + " MiB";
            if (copies > 0)
                parts += ", float64 copies " + mib(copies) + " MiB";
            throw Error(ErrorCode::ResourceLimit,
                "this call (batch " + std::to_string(B) + " × " + std::to_string(T) + " steps × " + std::to_string(U)
                    + " units) needs about " + mib(bytes) + " MiB (" + parts + "), more than "
                    + (own ? "the limit of " + mib(limit) + " MiB set for runs" : "this machine's " + mib(limit) + " MiB of memory")
                    + "; shorten the input, lower the batch or the trace cap, or raise the limit");
        }
    }

    // ---- the prepared call ----------------------------------------------------------------------
    p.config = &c;
    p.weights = &weights;
    p.flavor = c.flavor;
    p.act = c.activationKind();
    p.recAct = c.recurrentActivationKind();
    p.B = B;
    p.T = T;
    p.I = I;
    p.U = U;
    p.timeMajor = c.time_major;
    p.x = in.x.ptr();
    p.xStrideB = c.time_major ? I : T * I;
    p.xStrideT = c.time_major ? B * I : I;
    p.mask = in.mask ? maskBT.ptr() : nullptr;
    p.goBackwards = c.go_backwards;
    p.returnSequences = c.return_sequences;
    p.zeroOutputForMask = c.zero_output_for_mask;
    p.unrollQuirk = c.unroll && c.go_backwards && c.zero_output_for_mask && in.mask && c.return_sequences;
    if (p.unrollQuirk)
        p.zeroOutputForMask = false; // carried outputs, zeroed afterwards (see below)
    p.implementation = c.effectiveImplementation();

    // Initial state, as each Keras picks it.
    p.h0.assign(size_t(B * U), 0.0f);
    const ArrayF* h0 = nullptr;
    if (c.stateful && c.flavor == Flavor::TfKeras) {
        // tf.keras: with a stored state that has any non-zero element, that state wins even over
        // an explicit initial_state (RNN._process_inputs).
        const bool storedNonZero = storedState
            && std::any_of(storedState->data.begin(), storedState->data.end(), [](float v) { return v != 0.0f; });
        if (storedNonZero) {
            h0 = &*storedState;
            if (in.initialState)
                result.notes.push_back(
                    "tf.keras quirk: this stateful layer's stored state is non-zero, so it is used and "
                    "the given initial_state is ignored");
        } else if (in.initialState) {
            h0 = &*in.initialState;
        }
    } else {
        if (in.initialState)
            h0 = &*in.initialState;
        else if (c.stateful && storedState)
            h0 = &*storedState;
    }
    if (h0)
        std::copy(h0->data.begin(), h0->data.end(), p.h0.begin());
    if (h0 && storedState && h0 == &*storedState && storedState64.size() == p.h0.size())
        p.h064 = storedState64; // keep the reference backend's carried state in float64

    // Dropout (training only, 0 < rate < 1, as in Keras's cell). The config's seed wins.
    std::mt19937_64 rng(c.seed ? uint64_t(*c.seed) : in.seed);
    const double dp = c.effectiveDropout(), rdp = c.effectiveRecurrentDropout();
    ArrayF& droppedX = p.xStore; // tf.keras per-timestep masks: inputs multiplied up front
    if (dropoutActive(in.training, dp)) {
        if (c.flavor == Flavor::TfKeras && tfKerasCudnnCompatiblePath(c)) {
            droppedX = in.x;
            std::vector<float> m(in.x.data.size());
            fillDropoutMask(rng, dp, m.data(), int64_t(m.size()));
            for (size_t i = 0; i < m.size(); ++i)
                droppedX.data[i] *= m[i];
            p.x = droppedX.ptr();
            result.notes.push_back("dropout " + std::to_string(dp)
                + " on the inputs: tf.keras's cuDNN-compatible path draws "
                  "a new mask at every timestep");
        } else {
            p.inputMaskCount = p.implementation == 1 ? 3 : 1;
            p.inputMasks.resize(size_t(p.inputMaskCount * B * I));
            fillDropoutMask(rng, dp, p.inputMasks.data(), int64_t(p.inputMasks.size()));
            result.notes.push_back("dropout " + std::to_string(dp) + " on the inputs: "
                + (p.inputMaskCount == 3 ? "one mask per gate (implementation 1)" : "one mask (implementation 2)")
                + ", the same at every timestep");
        }
    }
    if (dropoutActive(in.training, rdp)) {
        p.recMaskCount = 3;
        p.recMasks.resize(size_t(3 * B * U));
        fillDropoutMask(rng, rdp, p.recMasks.data(), int64_t(p.recMasks.size()));
        result.notes.push_back("recurrent_dropout " + std::to_string(rdp)
            + " on the state: one mask per gate, the same at every timestep");
    }
    if (!in.training && (dp > 0.0 || rdp > 0.0))
        result.notes.push_back("inference call: dropout is not applied");

    // Output layout.
    if (c.return_sequences) {
        result.output = ArrayF(c.time_major ? Shape { T, B, U } : Shape { B, T, U });
        p.outStrideB = c.time_major ? U : T * U;
        p.outStrideS = c.time_major ? B * U : U;
    } else {
        result.output = ArrayF(Shape { B, U });
    }
    result.state = ArrayF(Shape { B, U });

    // Trace plan.
    if (traceOpts.enabled) {
        std::vector<int64_t> samples;
        if (traceOpts.samples.empty()) {
            for (int64_t b = 0; b < B; ++b)
                samples.push_back(b);
        } else {
            std::set<int64_t> seen;
            for (int64_t b : traceOpts.samples) {
                if (b < 0 || b >= B)
                    throw Error(ErrorCode::InvalidArgument,
                        "trace sample " + std::to_string(b) + " is outside the batch [0, " + std::to_string(B) + ")");
                if (seen.insert(b).second)
                    samples.push_back(b);
            }
        }
        const int64_t begin = std::clamp<int64_t>(traceOpts.stepBegin, 0, T);
        int64_t end = traceOpts.stepEnd < 0 ? T : std::clamp<int64_t>(traceOpts.stepEnd, begin, T);
        if (traceOpts.stepBegin < 0 || traceOpts.stepBegin > T
            || (traceOpts.stepEnd >= 0 && traceOpts.stepEnd < traceOpts.stepBegin))
            throw Error(ErrorCode::InvalidArgument,
                "trace window [" + std::to_string(traceOpts.stepBegin) + ", " + std::to_string(traceOpts.stepEnd)
                    + ") does not fit the " + std::to_string(T) + " timesteps");
        Trace& tr = result.trace;
        const uint64_t want = Trace::bytesFor(int64_t(samples.size()), end - begin, U);
        if (want > traceOpts.memoryCapBytes) {
            const uint64_t perStep = Trace::bytesFor(int64_t(samples.size()), 1, U);
            const int64_t fit = perStep ? int64_t(traceOpts.memoryCapBytes / perStep) : 0;
            tr.truncated = true;
            tr.note = "the full trace (" + std::to_string(want >> 20) + " MiB for " + std::to_string(samples.size())
                + " samples × " + std::to_string(end - begin) + " steps × " + std::to_string(U)
                + " units) is over the trace memory cap of " + std::to_string(traceOpts.memoryCapBytes >> 20)
                + " MiB; recorded steps " + std::to_string(begin) + " to " + std::to_string(begin + fit)
                + " only (choose fewer samples, a shorter window, or raise the cap)";
            end = begin + fit;
            result.notes.push_back("trace limited: " + tr.note);
        }
        if (end > begin) {
            const int64_t S = int64_t(samples.size()), W = end - begin;
            tr.samples = samples;
            tr.stepBegin = begin;
            tr.stepEnd = end;
            tr.units = U;
            for (int64_t s = begin; s < end; ++s)
                tr.timeIndex.push_back(p.timeAt(s));
            for (ArrayF* a : { &tr.z, &tr.r, &tr.hh, &tr.h, &tr.preZ, &tr.preR, &tr.preH })
                *a = ArrayF(Shape { S, W, U });
            tr.kept = ArrayU8(Shape { S, W }, 1);
            p.sampleSlot.assign(size_t(B), -1);
            for (int64_t k = 0; k < S; ++k)
                p.sampleSlot[size_t(samples[size_t(k)])] = k;
            p.traceBegin = begin;
            p.traceEnd = end;
        }
    }
    p.training = in.training;
    p.gpu = in.gpu;
    p.progress = in.progress;
}

void finishCall(const PreparedCall& p, RunResult& result)
{
    if (!p.unrollQuirk)
        return;
    // Keras's unrolled loop carries the previous output at masked steps, then zeroes the
    // output sequence with the mask in original time order although the outputs are in
    // processing order (keras/src/backend/tensorflow/rnn.py, unroll branch; tf_keras
    // backend.rnn likewise). Checked against real Keras 3.15 and tf_keras 2.21.
    for (int64_t b = 0; b < p.B; ++b)
        for (int64_t s = 0; s < p.T; ++s)
            if (!p.maskStore.data[size_t(b * p.T + s)]) {
                const size_t at = size_t(b * p.outStrideB + s * p.outStrideS);
                std::fill_n(result.output.data.begin() + at, p.U, 0.0f);
                if (!result.output64.data.empty())
                    std::fill_n(result.output64.data.begin() + at, p.U, 0.0);
            }
    result.notes.push_back("Keras quirk reproduced: unroll=True with go_backwards and zero_output_for_mask zeroes the "
                           "output sequence with the mask in original time order, not processing order");
}

} // namespace gruscope::detail
