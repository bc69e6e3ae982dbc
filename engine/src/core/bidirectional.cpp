#include "gruscope/bidirectional.h"

#include "gruscope/error.h"

#include <algorithm>

namespace gruscope {

BidirectionalResult runBidirectional(GruLayer& forward, GruLayer& backward, const std::string& mergeMode,
                                     const CallInputs& inputs, BackendKind backend, const TraceOptions& trace)
{
    const GruConfig& f = forward.config();
    const GruConfig& b = backward.config();
    if (mergeMode != "concat" && mergeMode != "sum" && mergeMode != "mul" && mergeMode != "ave" && mergeMode != "none")
        throw Error(ErrorCode::InvalidArgument, "merge_mode = \"" + mergeMode + "\": allowed are concat, sum, mul, ave and None");
    if (f.go_backwards || !b.go_backwards)
        throw Error(ErrorCode::InvalidArgument, "Bidirectional needs a forward layer (go_backwards=False) and a backward layer "
                                                "(go_backwards=True)");
    if (f.return_sequences != b.return_sequences || f.time_major != b.time_major)
        throw Error(ErrorCode::InvalidArgument, "the two halves of a Bidirectional must agree on return_sequences and time_major");
    if (mergeMode != "concat" && mergeMode != "none" && f.units != b.units)
        throw Error(ErrorCode::InvalidArgument, "merge_mode " + mergeMode + " needs both halves to have the same units (" +
                                                    std::to_string(f.units) + " and " + std::to_string(b.units) + ")");

    // Keras (both flavours) sets zero_output_for_mask to return_sequences on the wrapped layers.
    auto withZeroOutput = [&](GruLayer& l) {
        if (l.config().zero_output_for_mask == l.config().return_sequences)
            return &l;
        return static_cast<GruLayer*>(nullptr);
    };
    BidirectionalResult r;
    if (withZeroOutput(forward) && withZeroOutput(backward)) {
        r.forward = forward.call(inputs, backend, trace);
        r.backward = backward.call(inputs, backend, trace);
    } else {
        GruConfig fc = f, bc = b;
        fc.zero_output_for_mask = bc.zero_output_for_mask = f.return_sequences;
        GruLayer fl(fc, forward.weights()), bl(bc, backward.weights());
        r.forward = fl.call(inputs, backend, trace);
        r.backward = bl.call(inputs, backend, trace);
    }

    // The backward sequence comes in processing order; Keras flips it back along time.
    ArrayF back = r.backward.output;
    if (b.return_sequences) {
        const Shape& s = back.shape; // (B, T, U) or (T, B, U)
        const int64_t T = b.time_major ? s[0] : s[1], B = b.time_major ? s[1] : s[0], U = s[2];
        for (int64_t bi = 0; bi < B; ++bi)
            for (int64_t t = 0; t < T; ++t)
                for (int64_t u = 0; u < U; ++u) {
                    const int64_t src = b.time_major ? (t * B + bi) * U + u : (bi * T + t) * U + u;
                    const int64_t tt = T - 1 - t;
                    const int64_t dst = b.time_major ? (tt * B + bi) * U + u : (bi * T + tt) * U + u;
                    back.data[size_t(dst)] = r.backward.output.data[size_t(src)];
                }
    }
    const ArrayF& fwd = r.forward.output;
    if (mergeMode == "none") {
        r.output = fwd;
        r.backwardOutput = std::move(back);
        return r;
    }
    if (mergeMode == "concat") {
        Shape shape = fwd.shape;
        const int64_t uf = fwd.shape.back(), ub = back.shape.back();
        shape.back() = uf + ub;
        r.output = ArrayF(shape);
        const int64_t rows = fwd.size() / uf;
        for (int64_t i = 0; i < rows; ++i) {
            std::copy_n(fwd.data.begin() + i * uf, uf, r.output.data.begin() + i * (uf + ub));
            std::copy_n(back.data.begin() + i * ub, ub, r.output.data.begin() + i * (uf + ub) + uf);
        }
        return r;
    }
    r.output = fwd;
    for (size_t i = 0; i < r.output.data.size(); ++i) {
        const float x = fwd.data[i], y = back.data[i];
        r.output.data[i] = mergeMode == "sum" ? x + y : mergeMode == "mul" ? x * y : (x + y) / 2.0f;
    }
    return r;
}

} // namespace gruscope
