// The cudnn backend's host logic, on machines without a GPU: the weight packing checked against
// PyTorch's own cuDNN-order tensors (tests/data/tensorfiles, made by real torch), the device
// memory check, refusals with Keras's reasons, cuDNN's raw padded outputs, dropout before the
// call, what is redone between calls, and the real device executor's answer on this machine.
// The numbers of every golden case are checked in tst_backend_parity.
#include "backends/backend.h"
#include "backends/cudnn_executor.h"
#include "cudnn_standin.h"
#include "golden.h"
#include "gruscope/device.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "gruscope/npy.h"
#include "test_support.h"

#include <QTest>

#include <random>

using namespace gruscope;
using gstest::CudnnStandIn;

namespace {

std::map<std::string, ArrayF> readNpzFloat(const std::string& relative)
{
    std::map<std::string, ArrayF> out;
    for (auto& [name, a] : npy::readNpz(gstest::dataPath(relative)))
        out.emplace(name, a.toFloat());
    return out;
}

GruConfig eligibleConfig(int64_t units)
{
    GruConfig c;
    c.units = units;
    c.return_sequences = true;
    return c; // Keras 3 defaults: tanh, sigmoid, reset_after, use_bias
}

GruWeights randomWeights(int64_t I, int64_t U, std::mt19937& rng)
{
    std::uniform_real_distribution<float> d(-0.5f, 0.5f);
    GruWeights w;
    w.kernel = ArrayF({I, 3 * U});
    w.recurrentKernel = ArrayF({U, 3 * U});
    w.bias = ArrayF({2, 3 * U});
    for (ArrayF* a : {&w.kernel, &w.recurrentKernel, &w.bias})
        for (float& v : a->data)
            v = d(rng);
    return w;
}

ArrayF randomInput(int64_t B, int64_t T, int64_t I, std::mt19937& rng)
{
    std::normal_distribution<float> d;
    ArrayF x({B, T, I});
    for (float& v : x.data)
        v = d(rng);
    return x;
}

// A layer whose cudnn backend runs on the stand-in.
struct StandInLayer {
    CudnnStandIn::Control control;
    GruLayer layer;
    StandInLayer(const GruConfig& c, GruWeights w) : layer(c, std::move(w))
    {
        layer.adoptBackend(detail::makeCudnnBackendWith(std::make_unique<CudnnStandIn>(&control), DeviceInfo::assumedGpu()));
    }
};

} // namespace

class TstCudnnHost : public QObject {
    Q_OBJECT

private slots:
    void packingMatchesPyTorchsCudnnOrder()
    {
        // PyTorch hands weight_ih ‖ weight_hh ‖ bias_ih ‖ bias_hh (gates r, z, n) to cuDNN as they
        // are. Packed into that canonical layout, GruScope's packing of the same GRU in Keras
        // layout must give exactly those tensors.
        auto torch = readNpzFloat("tensorfiles/gru_l1.npz");
        auto keras = readNpzFloat("tensorfiles/keras_layout.npz");
        GruWeights w;
        w.kernel = keras.at("kernel");
        w.recurrentKernel = keras.at("recurrent_kernel");
        w.bias = keras.at("bias");
        const int64_t I = w.kernel.shape[0], U = w.recurrentKernel.shape[0];
        detail::CudnnWeightLayout canonical;
        int64_t at = 0;
        for (int id = 0; id < 6; ++id) {
            canonical.matrix[id] = {at, U, id < 3 ? I : U};
            at += U * (id < 3 ? I : U);
        }
        for (int id = 0; id < 6; ++id) {
            canonical.bias[id] = {at, U, 1};
            at += U;
        }
        canonical.floats = at;
        const std::vector<float> packed = detail::packCudnnWeights(w, U, canonical);
        std::vector<float> expected;
        for (const char* k : {"gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0"}) {
            const ArrayF& a = torch.at(k);
            expected.insert(expected.end(), a.data.begin(), a.data.end());
        }
        QCOMPARE(packed.size(), expected.size());
        QCOMPARE(packed, expected); // a pure permutation and transposition: bit for bit
    }

    void standInRunsWhatPyTorchRan()
    {
        // The stand-in's equations, fed through the backend, reproduce torch's nn.GRU outputs.
        auto keras = readNpzFloat("tensorfiles/keras_layout.npz");
        auto expected = readNpzFloat("tensorfiles/gru_l1.expected.npz");
        GruWeights w;
        w.kernel = keras.at("kernel");
        w.recurrentKernel = keras.at("recurrent_kernel");
        w.bias = keras.at("bias");
        StandInLayer s(eligibleConfig(w.recurrentKernel.shape[0]), w);
        CallInputs in;
        in.x = npy::readNpyAsFloat(gstest::dataPath("tensorfiles/x.npy"));
        const RunResult r = s.layer.call(in, BackendKind::Cudnn);
        GS_VERIFY_CLOSE(r.output, expected.at("output"), 1e-6, 1e-6);
        ArrayF hn = expected.at("h_n");
        hn.shape = {hn.shape[1], hn.shape[2]}; // (layers, B, U) with one layer
        GS_VERIFY_CLOSE(r.state, hn, 1e-6, 1e-6);
    }

    void layoutOfTheWrongShapeIsAnError()
    {
        std::mt19937 rng(1);
        const GruWeights w = randomWeights(3, 4, rng);
        detail::CudnnWeightLayout l;
        l.floats = 1000;
        for (int id = 0; id < 6; ++id) {
            l.matrix[id] = {id * 40, 4, id < 3 ? 3 : 4};
            l.bias[id] = {300 + id * 4, 4, 1};
        }
        QCOMPARE(detail::packCudnnWeights(w, 4, l).size(), size_t(1000));
        l.matrix[4].cols = 3;
        QVERIFY_THROWS_EXCEPTION(Error, detail::packCudnnWeights(w, 4, l));
        l.matrix[4].cols = 4;
        l.bias[5].offset = 998; // runs past the weight space
        QVERIFY_THROWS_EXCEPTION(Error, detail::packCudnnWeights(w, 4, l));
    }

    void tooLittleDeviceMemoryIsRefusedUpFront()
    {
        std::mt19937 rng(2);
        GruConfig c = eligibleConfig(8);
        c.stateful = true;
        StandInLayer s(c, randomWeights(5, 8, rng));
        s.control.freeBytes = 4096;
        s.control.totalBytes = 1 << 20;
        CallInputs in;
        in.x = randomInput(4, 50, 5, rng);
        try {
            s.layer.call(in, BackendKind::Cudnn);
            QFAIL("a call that does not fit must be refused");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::ResourceLimit);
            const std::string m = e.what();
            QVERIFY2(m.find("GPU memory") != std::string::npos && m.find("0.0 MiB free of 1.0 MiB") != std::string::npos, m.c_str());
            QVERIFY2(m.find("inputs 0.0 MiB") != std::string::npos && m.find("workspace") != std::string::npos, m.c_str());
        }
        QCOMPARE(s.control.counters.forwards, 0);
        QVERIFY(!s.layer.storedState()); // a refused call leaves a stateful layer as it was
    }

    void ineligibleCallsAreRefusedWithKerasReasons_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("expect");
        QTest::newRow("relu") << "activation" << "activation is \"relu\"";
        QTest::newRow("hard_sigmoid") << "recurrent_activation" << "recurrent_activation is \"hard_sigmoid\"";
        QTest::newRow("reset_before") << "reset_after" << "reset_after=False";
        QTest::newRow("no bias") << "use_bias" << "use_bias=False";
        QTest::newRow("unroll") << "unroll" << "unroll=True";
        QTest::newRow("use_cudnn False") << "use_cudnn" << "use_cudnn=False";
        QTest::newRow("recurrent dropout") << "recurrent_dropout" << "recurrent_dropout is 0.25";
        QTest::newRow("left-padded mask") << "mask_left" << "kept step after a masked one";
        QTest::newRow("fully masked sample") << "mask_empty" << "has no kept step";
    }

    void ineligibleCallsAreRefusedWithKerasReasons()
    {
        QFETCH(QString, what);
        QFETCH(QString, expect);
        std::mt19937 rng(3);
        GruConfig c = eligibleConfig(4);
        CallInputs in;
        in.x = randomInput(2, 5, 3, rng);
        if (what == "activation")
            c.activation = "relu";
        else if (what == "recurrent_activation")
            c.recurrent_activation = "hard_sigmoid";
        else if (what == "reset_after")
            c.reset_after = false;
        else if (what == "use_bias")
            c.use_bias = false;
        else if (what == "unroll")
            c.unroll = true;
        else if (what == "use_cudnn")
            c.use_cudnn = UseCudnn::False;
        else if (what == "recurrent_dropout")
            c.recurrent_dropout = 0.25;
        else {
            in.mask = ArrayU8({2, 5}, 1);
            if (what == "mask_left")
                in.mask->data[0] = 0; // sample 0 starts masked: left padding
            else
                std::fill_n(in.mask->data.begin() + 5, 5, uint8_t(0)); // sample 1 has no kept step
        }
        GruWeights w = randomWeights(3, 4, rng);
        if (!c.reset_after)
            w.bias = ArrayF({12});
        if (!c.use_bias)
            w.bias = ArrayF();
        StandInLayer s(c, w);
        try {
            s.layer.call(in, BackendKind::Cudnn);
            QFAIL("an ineligible call must be refused, never silently changed");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Unsupported);
            const std::string m = e.what();
            QVERIFY2(m.find(expect.toStdString()) != std::string::npos && m.find("fix:") != std::string::npos, m.c_str());
        }
        QCOMPARE(s.control.counters.forwards, 0);
        // auto takes what Keras would: not cuDNN; on this test's CPU-only registry, the cpu backend.
        const BackendSupport sup = s.layer.supports(in, BackendKind::Cudnn);
        QVERIFY(!sup.ok);
        QVERIFY(sup.eligibility && !sup.eligibility->eligible);
    }

    void rawPaddedOutputsAreCudnnsZeros()
    {
        // Right-padded: the generic loop repeats the last output at padded steps; cuDNN (and
        // Keras's cuDNN path) writes 0 there and returns the final state as the last output.
        std::mt19937 rng(4);
        GruConfig c = eligibleConfig(6);
        StandInLayer s(c, randomWeights(3, 6, rng));
        CallInputs in;
        in.x = randomInput(2, 7, 3, rng);
        in.mask = ArrayU8({2, 7}, 1);
        std::fill_n(in.mask->data.begin() + 4, 3, uint8_t(0)); // sample 0: length 4
        const RunResult keras = s.layer.call(in, BackendKind::Cudnn);
        in.gpu.rawPaddedOutputs = true;
        const RunResult raw = s.layer.call(in, BackendKind::Cudnn);
        const int64_t U = 6, T = 7;
        for (int64_t t = 0; t < T; ++t)
            for (int64_t j = 0; j < U; ++j) {
                const float k = keras.output.data[size_t(t * U + j)], r = raw.output.data[size_t(t * U + j)];
                if (t < 4)
                    QCOMPARE(r, k);
                else {
                    QCOMPARE(r, 0.0f);
                    QCOMPARE(k, keras.output.data[size_t(3 * U + j)]); // repeats step 3
                }
            }
        QCOMPARE(raw.state.data, keras.state.data);

        c.return_sequences = false;
        c.zero_output_for_mask = true;
        StandInLayer last(c, randomWeights(3, 6, rng));
        in.gpu.rawPaddedOutputs = false;
        const RunResult loop = last.layer.call(in, BackendKind::Cudnn);
        in.gpu.rawPaddedOutputs = true;
        const RunResult rawLast = last.layer.call(in, BackendKind::Cudnn);
        for (int64_t j = 0; j < U; ++j) {
            QCOMPARE(loop.output.data[size_t(j)], 0.0f); // generic loop: the masked last step outputs 0
            QCOMPARE(rawLast.output.data[size_t(j)], rawLast.state.data[size_t(j)]); // cuDNN path: h
        }
        QVERIFY(rawLast.state.data[0] != 0.0f);
    }

    void inputDropoutIsAppliedBeforeTheCall_data()
    {
        QTest::addColumn<QString>("flavor");
        QTest::newRow("keras3: one mask for every step") << "keras3";
        QTest::newRow("tf.keras: a mask per step") << "tf_keras";
    }

    void inputDropoutIsAppliedBeforeTheCall()
    {
        QFETCH(QString, flavor);
        std::mt19937 rng(5);
        GruConfig c = eligibleConfig(5);
        c.flavor = *flavorFromName(flavor.toStdString());
        if (c.flavor == Flavor::TfKeras)
            c.use_cudnn = UseCudnn::Auto;
        c.dropout = 0.4;
        GruWeights w = randomWeights(4, 5, rng);
        StandInLayer s(c, w);
        GruLayer ref(c, w);
        CallInputs in;
        in.x = randomInput(3, 9, 4, rng);
        in.training = true;
        in.seed = 77;
        const RunResult got = s.layer.call(in, BackendKind::Cudnn);
        const RunResult want = ref.call(in, BackendKind::Reference);
        GS_VERIFY_CLOSE(got.output, want.output64, 2e-5, 1e-5);
        in.training = false;
        const RunResult inference = s.layer.call(in, BackendKind::Cudnn);
        QVERIFY(gstest::maxAbsDiff(inference.output, got.output) > 1e-3); // the masks did change the result
    }

    void weightsAreUploadedOncePerLayerAndSetupFollowsTheOptions()
    {
        std::mt19937 rng(6);
        StandInLayer s(eligibleConfig(4), randomWeights(2, 4, rng));
        CallInputs in;
        in.x = randomInput(1, 3, 2, rng);
        for (int k = 0; k < 3; ++k)
            s.layer.call(in, BackendKind::Cudnn);
        QCOMPARE(s.control.counters.setups, 1);
        QCOMPARE(s.control.counters.uploads, 1);
        QCOMPARE(s.control.counters.forwards, 3);
        QVERIFY(!s.control.lastSetup.allowTf32);
        in.gpu.allowTf32 = true;
        s.layer.call(in, BackendKind::Cudnn);
        QCOMPARE(s.control.counters.setups, 2);
        QVERIFY(s.control.lastSetup.allowTf32);
        QCOMPARE(s.control.lastProblem.lengths, std::vector<int32_t>{3});
        QVERIFY(!s.control.lastProblem.seqMajor);
    }

    void timeMajorInputGoesSeqMajor()
    {
        std::mt19937 rng(7);
        GruConfig c = eligibleConfig(3);
        c.flavor = Flavor::TfKeras;
        c.time_major = true;
        GruWeights w = randomWeights(2, 3, rng);
        StandInLayer s(c, w);
        GruLayer ref(c, w);
        CallInputs in;
        in.x = randomInput(6, 2, 2, rng); // (T, B, I)
        in.mask = ArrayU8({6, 2}, 1);     // (T, B) as tf.keras takes it
        in.mask->data[5 * 2 + 1] = 0;     // sample 1: length 5
        const RunResult got = s.layer.call(in, BackendKind::Cudnn);
        QVERIFY(s.control.lastProblem.seqMajor);
        QCOMPARE(s.control.lastProblem.lengths, (std::vector<int32_t>{6, 5}));
        GS_VERIFY_CLOSE(got.output, ref.call(in, BackendKind::Reference).output64, 2e-5, 1e-5);
    }

    void cancelledBeforeTheDeviceRuns()
    {
        std::mt19937 rng(8);
        StandInLayer s(eligibleConfig(4), randomWeights(2, 4, rng));
        CallProgress progress;
        progress.cancel = true;
        CallInputs in;
        in.x = randomInput(1, 3, 2, rng);
        in.progress = &progress;
        try {
            s.layer.call(in, BackendKind::Cudnn);
            QFAIL("cancelled");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Cancelled);
        }
        QCOMPARE(s.control.counters.forwards, 0);
    }

    void thisMachinesDeviceExecutorSaysWhyNot()
    {
        // The real backend (no stand-in): where the probe finds no usable GPU, asking for cudnn
        // names the reason and auto falls back to what Keras would run, saying why.
        const DeviceInfo& dev = probeDevice();
        if (dev.present)
            QSKIP("a GPU is present here: the gpu suite checks the device backends");
        std::mt19937 rng(9);
        GruLayer layer(eligibleConfig(4), randomWeights(2, 4, rng));
        CallInputs in;
        in.x = randomInput(1, 3, 2, rng);
        for (BackendKind k : {BackendKind::Cudnn, BackendKind::Cuda}) {
            const BackendSupport sup = layer.supports(in, k);
            QVERIFY(!sup.ok);
            QCOMPARE(sup.error, ErrorCode::DeviceUnavailable);
            QVERIFY2(sup.reason.find(dev.reason) != std::string::npos, sup.reason.c_str());
        }
        const RunResult r = layer.call(in, BackendKind::Auto);
        QCOMPARE(r.backend, std::string("cpu"));
        const std::string note = r.notes.empty() ? std::string() : r.notes.front();
        QVERIFY2(note.find("backend auto chose cpu") == 0 && note.find("cudnn: ") != std::string::npos &&
                     note.find("cuda: ") != std::string::npos,
                 note.c_str());
    }
};

QTEST_GUILESS_MAIN(TstCudnnHost)
#include "tst_cudnn_host.moc"
