// GruLayer behaviour beyond the Keras fixtures: cpu against the float64 reference on a sweep of
// configurations and sizes (both code paths of the cpu backend), stateful calls, errors that
// leave the layer intact, dropout semantics and the trace.
#include "core/dropout.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "test_support.h"

#include <QTest>

#include <cmath>
#include <cstring>
#include <random>

using namespace gruscope;

namespace {

ArrayF randomArray(Shape shape, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f)
{
    ArrayF a(std::move(shape));
    std::uniform_real_distribution<float> d(lo, hi);
    for (auto& v : a.data)
        v = d(rng);
    return a;
}

GruWeights randomWeights(const GruConfig& c, int64_t I, std::mt19937& rng, float scale = 0.6f)
{
    GruWeights w;
    w.kernel = randomArray({I, 3 * c.units}, rng, -scale, scale);
    w.recurrentKernel = randomArray({c.units, 3 * c.units}, rng, -scale, scale);
    if (c.use_bias)
        w.bias = randomArray(c.reset_after ? Shape{2, 3 * c.units} : Shape{3 * c.units}, rng, -0.3f, 0.3f);
    return w;
}

ArrayU8 randomMask(int64_t B, int64_t T, std::mt19937& rng, double keep)
{
    ArrayU8 m({B, T});
    std::bernoulli_distribution d(keep);
    for (auto& v : m.data)
        v = d(rng) ? 1 : 0;
    return m;
}

GruConfig config(int64_t units)
{
    GruConfig c;
    c.units = units;
    return c;
}

} // namespace

class TstLayer : public QObject {
    Q_OBJECT

private slots:
    void cpuMatchesReference_data()
    {
        QTest::addColumn<int>("seed");
        for (int s = 0; s < 48; ++s)
            QTest::newRow(("sweep " + std::to_string(s)).c_str()) << s;
    }

    void cpuMatchesReference()
    {
        // Every combination of the flags that change the loop, on random sizes and weights.
        QFETCH(int, seed);
        std::mt19937 rng(uint32_t(seed) * 7919u + 1u);
        GruConfig c = config(1 + int64_t(rng() % 9));
        c.reset_after = seed & 1;
        c.use_bias = (seed >> 1) & 1 || seed % 5 == 0;
        c.go_backwards = (seed >> 2) & 1;
        c.return_sequences = (seed >> 3) & 1 || seed % 3 == 0;
        c.zero_output_for_mask = (seed >> 4) & 1;
        c.flavor = seed % 4 == 3 ? Flavor::TfKeras : Flavor::Keras3;
        c.time_major = c.flavor == Flavor::TfKeras && seed % 8 == 7;
        const char* acts[] = {"tanh", "sigmoid", "relu", "softmax", "hard_sigmoid", "gelu", "linear", "selu"};
        c.activation = seed % 6 == 0 ? acts[rng() % 8] : "tanh";
        c.recurrent_activation = seed % 7 == 0 ? acts[rng() % 8] : "sigmoid";
        const int64_t B = 1 + int64_t(rng() % 5), T = 1 + int64_t(rng() % 40), I = 1 + int64_t(rng() % 6);

        GruLayer layer(c, randomWeights(c, I, rng));
        CallInputs in;
        in.x = randomArray(c.time_major ? Shape{T, B, I} : Shape{B, T, I}, rng);
        if (seed % 2 == 0) {
            ArrayU8 m = randomMask(B, T, rng, 0.7);
            if (c.time_major) {
                ArrayU8 tb({T, B});
                for (int64_t b = 0; b < B; ++b)
                    for (int64_t t = 0; t < T; ++t)
                        tb.data[size_t(t * B + b)] = m.data[size_t(b * T + t)];
                m = tb;
            }
            in.mask = m;
        }
        if (seed % 3 == 1)
            in.initialState = randomArray({B, c.units}, rng);
        const RunResult ref = layer.call(in, BackendKind::Reference);
        const RunResult cpu = layer.call(in, BackendKind::Cpu);
        GS_VERIFY_CLOSE(cpu.output, ref.output64, 2e-5, 2e-5);
        GS_VERIFY_CLOSE(cpu.state, ref.state64, 2e-5, 2e-5);
        QCOMPARE(cpu.backend, std::string("cpu"));
        QCOMPARE(ref.backend, std::string("reference"));
    }

    void longSequenceUsesBlockedProjection()
    {
        // B·T·3U·4 bytes well past the 4 MiB block budget: the cpu backend projects the input in
        // blocks of steps; the result must not change.
        std::mt19937 rng(5);
        for (bool backwards : {false, true}) {
            GruConfig c = config(48);
            c.return_sequences = true;
            c.go_backwards = backwards;
            GruLayer layer(c, randomWeights(c, 5, rng, 0.3f));
            CallInputs in;
            in.x = randomArray({8, 1200, 5}, rng);
            in.mask = randomMask(8, 1200, rng, 0.9);
            const RunResult ref = layer.call(in, BackendKind::Reference);
            const RunResult cpu = layer.call(in, BackendKind::Cpu);
            GS_VERIFY_CLOSE(cpu.output, ref.output64, 5e-5, 5e-5);
        }
    }

    void fullyMaskedSampleKeepsInitialState()
    {
        std::mt19937 rng(11);
        GruConfig c = config(3);
        c.return_sequences = true;
        GruLayer layer(c, randomWeights(c, 2, rng));
        CallInputs in;
        in.x = randomArray({2, 4, 2}, rng);
        in.mask = ArrayU8({2, 4}, 1);
        std::fill(in.mask->data.begin() + 4, in.mask->data.end(), 0); // sample 1 fully masked
        in.initialState = randomArray({2, 3}, rng);
        for (BackendKind k : {BackendKind::Cpu, BackendKind::Reference}) {
            const RunResult r = layer.call(in, k);
            for (int j = 0; j < 3; ++j) {
                QCOMPARE(r.state.data[size_t(3 + j)], in.initialState->data[size_t(3 + j)]);
                for (int t = 0; t < 4; ++t) // outputs: the previous output, zeros before any step
                    QCOMPARE(r.output.data[size_t((4 + t) * 3 + j)], 0.0f);
            }
        }
    }

    // A call that needs more memory than CallInputs::memoryLimitBytes allows is refused before it
    // allocates, naming what it needs and the limit; a stateful layer keeps its state.
    void callOverTheMemoryLimitIsRefusedUpFront()
    {
        std::mt19937 rng(7);
        GruConfig c = config(32);
        c.stateful = true;
        c.return_sequences = true;
        GruLayer layer(c, randomWeights(c, 3, rng));
        CallInputs in;
        in.x = randomArray({16, 1000, 3}, rng);
        (void)layer.call(in, BackendKind::Cpu); // fills the state
        const ArrayF state = *layer.storedState();
        // Outputs 16 × 1000 × 32 float32 = 2 MiB; the float64 reference also copies them.
        in.memoryLimitBytes = int64_t(1) << 20;
        for (BackendKind kind : {BackendKind::Cpu, BackendKind::Reference}) {
            try {
                (void)layer.call(in, kind);
                QFAIL("a call over the memory limit ran");
            } catch (const Error& e) {
                QCOMPARE(e.code(), ErrorCode::ResourceLimit);
                const std::string m = e.what();
                QVERIFY2(m.find("batch 16 × 1000 steps × 32 units") != std::string::npos, e.what());
                QVERIFY2(m.find("outputs 2 MiB") != std::string::npos, e.what());
                QVERIFY2(m.find("more than the limit of 1 MiB set for runs") != std::string::npos, e.what());
                QVERIFY2((kind == BackendKind::Reference) == (m.find("float64 copies") != std::string::npos), e.what());
            }
        }
        QVERIFY(std::memcmp(layer.storedState()->data.data(), state.data.data(), state.data.size() * sizeof(float)) == 0);
        // The gate trace counts too, up to its cap.
        in.memoryLimitBytes = int64_t(4) << 20;
        (void)layer.call(in, BackendKind::Cpu);
        TraceOptions trace;
        trace.enabled = true;
        QVERIFY_THROWS_EXCEPTION(Error, layer.call(in, BackendKind::Cpu, trace));
        trace.memoryCapBytes = 1 << 20;
        (void)layer.call(in, BackendKind::Cpu, trace);
    }

    void statefulCarriesStateLikeOneLongCall()
    {
        // Two stateful calls on halves equal one call on the whole sequence.
        std::mt19937 rng(3);
        GruConfig c = config(6);
        c.return_sequences = true;
        GruConfig sc = c;
        sc.stateful = true;
        const GruWeights w = randomWeights(c, 3, rng);
        GruLayer whole(c, w), halves(sc, w);
        CallInputs all;
        all.x = randomArray({2, 10, 3}, rng);
        CallInputs first, second;
        first.x = ArrayF({2, 5, 3});
        second.x = ArrayF({2, 5, 3});
        for (int b = 0; b < 2; ++b)
            for (int t = 0; t < 10; ++t)
                for (int i = 0; i < 3; ++i)
                    (t < 5 ? first : second).x.data[size_t((b * 5 + t % 5) * 3 + i)] = all.x.data[size_t((b * 10 + t) * 3 + i)];
        for (BackendKind k : {BackendKind::Cpu, BackendKind::Reference}) {
            halves.resetStates();
            const RunResult ref = whole.call(all, k);
            halves.call(first, k);
            QVERIFY(halves.storedState().has_value());
            const RunResult r2 = halves.call(second, k);
            GS_VERIFY_CLOSE(r2.state, ref.state, 1e-6, 1e-6);
            if (k == BackendKind::Reference)
                GS_VERIFY_CLOSE(r2.state64, ref.state64, 1e-13, 1e-13); // the float64 state is carried
        }
        halves.resetStates();
        QVERIFY(!halves.storedState().has_value());
    }

    void failedCallLeavesStateUntouched()
    {
        std::mt19937 rng(4);
        GruConfig c = config(2);
        c.stateful = true;
        GruLayer layer(c, randomWeights(c, 3, rng));
        CallInputs in;
        in.x = randomArray({4, 3, 3}, rng);
        layer.call(in, BackendKind::Cpu);
        const ArrayF before = *layer.storedState();

        CallInputs other;
        other.x = randomArray({5, 3, 3}, rng); // batch-size change
        try {
            layer.call(other, BackendKind::Cpu);
            QFAIL("a batch-size change must be refused");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::ShapeMismatch);
            QVERIFY(std::string(e.what()).find("batch size 4") != std::string::npos);
        }
        CallInputs nan = in;
        nan.x.data[7] = std::nanf("");
        QVERIFY_THROWS_EXCEPTION(Error, layer.call(nan, BackendKind::Cpu));
        QCOMPARE(layer.storedState()->data, before.data);
    }

    // A cancelled call throws Cancelled on both backends and leaves a stateful layer's state as it
    // was; an uncancelled call reports every step done.
    void cancelAndProgress()
    {
        std::mt19937 rng(5);
        GruConfig c = config(3);
        c.stateful = true;
        GruLayer layer(c, randomWeights(c, 2, rng));
        CallInputs in;
        in.x = randomArray({2, 40, 2}, rng);
        CallProgress progress;
        in.progress = &progress;
        layer.call(in, BackendKind::Cpu);
        QCOMPARE(progress.stepsDone.load(), int64_t(40));
        QCOMPARE(progress.stepsTotal.load(), int64_t(40));
        const ArrayF before = *layer.storedState();
        for (BackendKind kind : {BackendKind::Cpu, BackendKind::Reference}) {
            progress.cancel = true;
            try {
                layer.call(in, kind);
                QFAIL("a cancelled call must throw");
            } catch (const Error& e) {
                QCOMPARE(e.code(), ErrorCode::Cancelled);
            }
            QCOMPARE(progress.stepsDone.load(), int64_t(0)); // stopped before the first step
            QCOMPARE(layer.storedState()->data, before.data);
            progress.cancel = false;
        }
    }

    void shapeErrorsNameBothShapes()
    {
        std::mt19937 rng(6);
        GruConfig c = config(4);
        GruLayer layer(c, randomWeights(c, 3, rng));
        auto expectError = [&](CallInputs in, const char* a, const char* b) {
            try {
                layer.call(in, BackendKind::Cpu);
                QFAIL("no error");
            } catch (const Error& e) {
                const std::string m = e.what();
                QVERIFY2(m.find(a) != std::string::npos && m.find(b) != std::string::npos, m.c_str());
            }
        };
        CallInputs in;
        in.x = randomArray({2, 5, 7}, rng);
        expectError(in, "(2, 5, 7)", "(3, 12)");
        in.x = randomArray({2, 5}, rng);
        expectError(in, "(2, 5)", "3 axes");
        in.x = randomArray({2, 5, 3}, rng);
        in.mask = ArrayU8({5, 2}, 1);
        expectError(in, "(5, 2)", "(2, 5)");
        in.mask.reset();
        in.initialState = randomArray({2, 3}, rng);
        expectError(in, "(2, 3)", "(2, 4)");
    }

    void weightErrors()
    {
        GruConfig c = config(4);
        std::mt19937 rng(8);
        GruWeights w = randomWeights(c, 3, rng);
        c.reset_after = false;
        try {
            GruLayer l(c, w);
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY(std::string(e.what()).find("reset_after=True") != std::string::npos);
        }
        c.reset_after = true;
        w.recurrentKernel.data[2 * 12 + 9] = INFINITY;
        try {
            GruLayer l(c, w);
            QFAIL("no error");
        } catch (const Error& e) {
            const std::string m = e.what();
            QVERIFY2(m.find("recurrent_kernel") != std::string::npos && m.find("[2, 9]") != std::string::npos &&
                         m.find("h (candidate)") != std::string::npos,
                     m.c_str());
        }
    }

    void dropoutMasks()
    {
        // Inverted dropout: entries are 0 or 1/(1 − rate); the keep rate is 1 − rate.
        std::mt19937_64 rng(42);
        const double rate = 0.3;
        std::vector<float> m(200000);
        detail::fillDropoutMask(rng, rate, m.data(), int64_t(m.size()));
        int64_t kept = 0;
        for (float v : m) {
            QVERIFY(v == 0.0f || std::abs(v - float(1.0 / 0.7)) < 1e-6f);
            kept += v != 0.0f;
        }
        const double p = double(kept) / double(m.size());
        const double sigma = std::sqrt(0.7 * 0.3 / double(m.size()));
        QVERIFY2(std::abs(p - 0.7) < 6 * sigma, std::to_string(p).c_str());
        QVERIFY(!detail::dropoutActive(false, 0.5));
        QVERIFY(!detail::dropoutActive(true, 1.0)); // Keras: a rate of 1 is a no-op in the cell
        QVERIFY(detail::dropoutActive(true, 0.5));
    }

    void dropoutOnlyInTrainingAndSeeded()
    {
        std::mt19937 rng(9);
        GruConfig c = config(5);
        c.dropout = 0.4;
        c.recurrent_dropout = 0.3;
        c.return_sequences = true;
        GruLayer layer(c, randomWeights(c, 4, rng));
        CallInputs in;
        in.x = randomArray({3, 6, 4}, rng);
        GruConfig plain = c;
        plain.dropout = plain.recurrent_dropout = 0;
        GruLayer noDrop(plain, layer.weights());
        const ArrayF inference = noDrop.call(in, BackendKind::Cpu).output;
        QCOMPARE(layer.call(in, BackendKind::Cpu).output.data, inference.data); // inference ignores dropout

        in.training = true;
        in.seed = 1;
        const RunResult a = layer.call(in, BackendKind::Reference);
        const RunResult b = layer.call(in, BackendKind::Cpu);
        GS_VERIFY_CLOSE(b.output, a.output64, 2e-5, 2e-5); // both backends draw the same masks
        QVERIFY(gstest::maxAbsDiff(a.output, inference) > 1e-3);
        in.seed = 2;
        QVERIFY(gstest::maxAbsDiff(layer.call(in, BackendKind::Cpu).output, b.output) > 1e-3);

        // Input dropout alone (implementation 2: one mask): both backends draw and apply it alike.
        GruConfig inputOnly = c;
        inputOnly.recurrent_dropout = 0;
        GruLayer l2(inputOnly, layer.weights());
        GS_VERIFY_CLOSE(l2.call(in, BackendKind::Cpu).output, l2.call(in, BackendKind::Reference).output64, 2e-5, 2e-5);

        GruConfig one = c;
        one.dropout = 1.0;
        one.recurrent_dropout = 0;
        GruLayer full(one, layer.weights());
        QCOMPARE(full.call(in, BackendKind::Cpu).output.data, inference.data); // rate 1: no-op
    }

    void inputDropoutMaskIsTheSameAtEveryStep()
    {
        // implementation 2, Keras 3: one (B, I) mask for the whole sequence. With I = 3 there are
        // 8 possible masks per sample; exactly the run on x ⊙ m for one of them must match.
        std::mt19937 rng(12);
        GruConfig c = config(4);
        c.dropout = 0.5;
        c.return_sequences = true;
        GruLayer layer(c, randomWeights(c, 3, rng));
        GruConfig plain = c;
        plain.dropout = 0;
        GruLayer noDrop(plain, layer.weights());
        CallInputs in;
        in.x = randomArray({1, 7, 3}, rng);
        in.training = true;
        in.seed = 77;
        const ArrayF trained = layer.call(in, BackendKind::Reference).output;
        int matches = 0;
        for (int bits = 0; bits < 8; ++bits) {
            CallInputs masked;
            masked.x = in.x;
            for (int t = 0; t < 7; ++t)
                for (int i = 0; i < 3; ++i)
                    masked.x.data[size_t(t * 3 + i)] *= (bits >> i) & 1 ? 2.0f : 0.0f;
            if (gstest::maxAbsDiff(noDrop.call(masked, BackendKind::Reference).output, trained) < 1e-6)
                ++matches;
        }
        QCOMPARE(matches, 1);

        // tf.keras on its cuDNN-compatible path draws a new mask per timestep: no constant mask fits.
        GruConfig t = c;
        t.flavor = Flavor::TfKeras;
        GruLayer tfk(t, layer.weights());
        const ArrayF perStep = tfk.call(in, BackendKind::Reference).output;
        int constantMatches = 0;
        for (int bits = 0; bits < 8; ++bits) {
            CallInputs masked;
            masked.x = in.x;
            for (int s = 0; s < 7; ++s)
                for (int i = 0; i < 3; ++i)
                    masked.x.data[size_t(s * 3 + i)] *= (bits >> i) & 1 ? 2.0f : 0.0f;
            if (gstest::maxAbsDiff(noDrop.call(masked, BackendKind::Reference).output, perStep) < 1e-6)
                ++constantMatches;
        }
        QCOMPARE(constantMatches, 0);
    }

    void implementationOneUsesPerGateMasks()
    {
        std::mt19937 rng(13);
        GruConfig c = config(4);
        c.dropout = 0.5;
        c.return_sequences = true;
        GruConfig c1 = c;
        c1.implementation = 1;
        const GruWeights w = randomWeights(c, 3, rng);
        GruLayer l2(c, w), l1(c1, w);
        CallInputs in;
        in.x = randomArray({2, 5, 3}, rng);
        in.training = true;
        in.seed = 5;
        const RunResult r1 = l1.call(in, BackendKind::Reference), c1r = l1.call(in, BackendKind::Cpu);
        GS_VERIFY_CLOSE(c1r.output, r1.output64, 2e-5, 2e-5);
        QVERIFY(gstest::maxAbsDiff(r1.output, l2.call(in, BackendKind::Reference).output) > 1e-4);
        in.training = false;
        GS_VERIFY_CLOSE(l1.call(in, BackendKind::Cpu).output, l2.call(in, BackendKind::Cpu).output, 1e-6, 1e-6);
    }

    void traceIsConsistent()
    {
        std::mt19937 rng(14);
        for (bool resetAfter : {true, false}) {
            GruConfig c = config(5);
            c.reset_after = resetAfter;
            c.return_sequences = true;
            c.go_backwards = true;
            GruLayer layer(c, randomWeights(c, 3, rng));
            CallInputs in;
            in.x = randomArray({3, 8, 3}, rng);
            in.mask = randomMask(3, 8, rng, 0.7);
            TraceOptions opt;
            opt.enabled = true;
            for (BackendKind k : {BackendKind::Cpu, BackendKind::Reference}) {
                const RunResult r = layer.call(in, k, opt);
                const Trace& tr = r.trace;
                QVERIFY(tr.recorded());
                QCOMPARE(tr.z.shape, (Shape{3, 8, 5}));
                QCOMPARE(tr.timeIndex.front(), 7); // go_backwards: processing step 0 reads t = T − 1
                for (int64_t b = 0; b < 3; ++b)
                    for (int64_t s = 0; s < 8; ++s) {
                        const bool kept = in.mask->data[size_t(b * 8 + (7 - s))];
                        QCOMPARE(bool(tr.kept.data[size_t(b * 8 + s)]), kept);
                        for (int64_t j = 0; j < 5; ++j) {
                            const size_t at = size_t((b * 8 + s) * 5 + j);
                            const float z = tr.z.data[at], hh = tr.hh.data[at];
                            QVERIFY(z >= 0 && z <= 1 && tr.r.data[at] >= 0 && tr.r.data[at] <= 1);
                            QVERIFY(std::abs(z - 1.0f / (1.0f + std::exp(-tr.preZ.data[at]))) < 1e-5f);
                            QVERIFY(std::abs(hh - std::tanh(tr.preH.data[at])) < 1e-5f);
                            const float prev = s == 0 ? 0.0f : tr.h.data[at - 5];
                            const float expect = kept ? z * prev + (1 - z) * hh : prev; // h' = z⊙h + (1−z)⊙hh
                            QVERIFY(std::abs(tr.h.data[at] - expect) < 1e-5f);
                        }
                    }
                // The last recorded state is the layer's final state.
                for (int64_t b = 0; b < 3; ++b)
                    for (int64_t j = 0; j < 5; ++j)
                        QVERIFY(std::abs(tr.h.data[size_t((b * 8 + 7) * 5 + j)] - r.state.data[size_t(b * 5 + j)]) < 1e-6f);
            }
        }
    }

    void traceSelectionAndCap()
    {
        std::mt19937 rng(15);
        GruConfig c = config(16);
        GruLayer layer(c, randomWeights(c, 2, rng));
        CallInputs in;
        in.x = randomArray({4, 100, 2}, rng);
        TraceOptions all;
        all.enabled = true;
        const Trace full = layer.call(in, BackendKind::Cpu, all).trace;

        TraceOptions some;
        some.enabled = true;
        some.samples = {2, 0, 2};
        some.stepBegin = 10;
        some.stepEnd = 30;
        const Trace part = layer.call(in, BackendKind::Cpu, some).trace;
        QCOMPARE(part.samples, (std::vector<int64_t>{2, 0}));
        QCOMPARE(part.z.shape, (Shape{2, 20, 16}));
        for (int64_t s = 0; s < 20; ++s)
            for (int64_t j = 0; j < 16; ++j)
                QCOMPARE(part.h.data[size_t(s * 16 + j)], full.h.data[size_t((2 * 100 + 10 + s) * 16 + j)]);

        TraceOptions capped = all;
        capped.memoryCapBytes = Trace::bytesFor(4, 25, 16) + 10;
        const RunResult r = layer.call(in, BackendKind::Cpu, capped);
        QVERIFY(r.trace.truncated);
        QCOMPARE(r.trace.steps(), 25);
        QVERIFY(r.trace.note.find("cap") != std::string::npos);
        QVERIFY(Trace::bytesFor(4, r.trace.steps(), 16) <= capped.memoryCapBytes);
        bool noted = false;
        for (const auto& n : r.notes)
            noted |= n.find("trace limited") != std::string::npos;
        QVERIFY(noted);

        TraceOptions bad = all;
        bad.samples = {4};
        QVERIFY_THROWS_EXCEPTION(Error, layer.call(in, BackendKind::Cpu, bad));
    }

    void cudnnBackendExplainsItself()
    {
        std::mt19937 rng(16);
        GruConfig c = config(2);
        GruLayer layer(c, randomWeights(c, 2, rng));
        CallInputs in;
        in.x = randomArray({1, 3, 2}, rng);
        try {
            layer.call(in, BackendKind::Cudnn);
            QFAIL("no GPU backend can run here");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::DeviceUnavailable);
            QVERIFY(std::string(e.what()).size() > 20);
        }
        const RunResult r = layer.call(in, BackendKind::Auto);
        QCOMPARE(r.backend, std::string("cpu"));
        QVERIFY(!r.notes.empty());
    }
};

QTEST_GUILESS_MAIN(TstLayer)
#include "tst_layer.moc"
