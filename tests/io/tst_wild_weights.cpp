// The wild corpus (../shared/wild-weights): 18 GRU files saved by real users with Keras 1.2 to
// 3.15. Every one must open, list its GRU layers with the arguments its README records, and run.
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "gruscope/weightfile.h"
#include "test_support.h"

#include <QTest>

#include <cmath>
#include <filesystem>

using namespace gruscope;

namespace {

std::string wildDir()
{
    return gstest::wildWeightsDir();
}

struct Expect {
    const char* name;
    int64_t I, U;
    bool resetAfter;
    const char* act;
    const char* ract;
    const char* kind;
    const char* direction; // "" | "forward" | "backward"
};

struct FileExpect {
    const char* file;
    const char* formatWord; // a word the format description must contain
    std::vector<Expect> layers;
};

const std::vector<FileExpect>& corpus()
{
    static const std::vector<FileExpect> c = {
        {"keras122_hids_four_gru.hdf5", "Keras 1",
         {{"gru_1", 41, 64, false, "tanh", "hard_sigmoid", "GRU (Keras 1)", ""},
          {"gru_2", 64, 64, false, "tanh", "hard_sigmoid", "GRU (Keras 1)", ""},
          {"gru_3", 64, 64, false, "tanh", "hard_sigmoid", "GRU (Keras 1)", ""},
          {"gru_4", 64, 64, false, "tanh", "hard_sigmoid", "GRU (Keras 1)", ""}}},
        {"keras204_imdb_embedding_gru.h5", "full model", {{"gru_2", 50, 50, false, "tanh", "hard_sigmoid", "GRU", ""}}},
        {"keras211_music_two_gru.weights_only.h5", "weights only",
         {{"gru_1", 69, 128, false, "tanh", "hard_sigmoid", "GRU", ""}, {"gru_2", 128, 128, false, "tanh", "hard_sigmoid", "GRU", ""}}},
        {"keras224_stacked_gru.h5", "full model",
         {{"gru_1", 1, 64, false, "tanh", "hard_sigmoid", "GRU", ""}, {"gru_2", 64, 64, false, "tanh", "hard_sigmoid", "GRU", ""}}},
        {"keras224_lanl_cudnngru.hdf5", "full model", {{"cu_dnngru_1", 32, 48, true, "tanh", "sigmoid", "CuDNNGRU", ""}}},
        {"keras224tf_imdb_bigru.h5", "full model",
         {{"bidirectional_4/forward_gru_4", 16, 16, false, "tanh", "hard_sigmoid", "GRU", "forward"},
          {"bidirectional_4/backward_gru_4", 16, 16, false, "tanh", "hard_sigmoid", "GRU", "backward"}}},
        {"keras224tf_textgen_gru_reset_after.hdf5", "full model", {{"gru_23", 69, 128, true, "tanh", "sigmoid", "GRU", ""}}},
        {"tf200a0_subclassed_crnn.weights_only.hdf5", "weights only", {{"gru1", 32, 32, true, "tanh", "sigmoid", "GRU", ""}}},
        {"keras231_rnnoise_three_gru.hdf5", "full model",
         {{"vad_gru", 24, 24, false, "tanh", "sigmoid", "GRU", ""},
          {"noise_gru", 90, 48, false, "relu", "sigmoid", "GRU", ""},
          {"denoise_gru", 114, 96, false, "tanh", "sigmoid", "GRU", ""}}},
        {"tfkeras230_seq_gru.weights_only.h5", "weights only", {{"gru", 7, 20, true, "tanh", "sigmoid", "GRU", ""}}},
        {"tfkeras240_relu_gru.h5", "full model", {{"gru_1", 3, 16, true, "relu", "sigmoid", "GRU", ""}}},
        {"tfkeras210_gru_custom_attention.h5", "full model",
         {{"gru", 36, 50, true, "tanh", "sigmoid", "GRU", ""}, {"gru_1", 50, 50, true, "tanh", "sigmoid", "GRU", ""}}},
        {"tfkeras210_bigru_attention.weights.h5", "weights only",
         {{"bigru_1/forward", 8, 128, true, "tanh", "sigmoid", "GRU", "forward"},
          {"bigru_1/backward", 8, 128, true, "tanh", "sigmoid", "GRU", "backward"},
          {"bigru_2/forward", 256, 64, true, "tanh", "sigmoid", "GRU", "forward"},
          {"bigru_2/backward", 256, 64, true, "tanh", "sigmoid", "GRU", "backward"}}},
        {"keras310_battery_gru.h5", "Keras 3 legacy", {{"gru", 5, 64, true, "tanh", "sigmoid", "GRU", ""}}},
        {"keras3132_bigru.h5", "Keras 3 legacy",
         {{"bidirectional/forward_gru", 1, 80, true, "tanh", "sigmoid", "GRU", "forward"},
          {"bidirectional/backward_gru", 1, 80, true, "tanh", "sigmoid", "GRU", "backward"}}},
        {"keras3132_bigru.keras", ".keras",
         {{"bidirectional/forward_gru", 1, 48, true, "tanh", "sigmoid", "GRU", "forward"},
          {"bidirectional/backward_gru", 1, 48, true, "tanh", "sigmoid", "GRU", "backward"}}},
        {"keras315_two_gru.keras", ".keras",
         {{"gru_2", 3, 64, true, "tanh", "sigmoid", "GRU", ""}, {"gru_3", 64, 32, true, "tanh", "sigmoid", "GRU", ""}}},
        {"keras3_mnist_gru.weights.h5", ".weights.h5", {{"gru", 28, 128, true, "tanh", "sigmoid", "GRU", ""}}},
    };
    return c;
}

} // namespace

class TstWildWeights : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // tools/dev test (and so CI) requires the corpus: there a missing folder is a failure, not
        // a skip that would let every check below pass unseen. A plain ctest elsewhere skips.
        GS_NEED_WILD("");
        QCOMPARE(corpus().size(), size_t(18));
        // Every file the table names is there (a missing one would fail its row anyway; this says so first).
        std::string missing;
        for (const FileExpect& fe : corpus())
            if (!std::filesystem::is_regular_file(wildDir() + "/" + fe.file))
                missing += std::string(" ") + fe.file;
        QVERIFY2(missing.empty(), ("missing from " + wildDir() + ":" + missing).c_str());
    }

    void opensListsAndRuns_data()
    {
        QTest::addColumn<int>("index");
        for (size_t i = 0; i < corpus().size(); ++i)
            QTest::newRow(corpus()[i].file) << int(i);
    }

    void opensListsAndRuns()
    {
        QFETCH(int, index);
        const FileExpect& fe = corpus()[size_t(index)];
        const WeightFileInfo info = openWeightFile(wildDir() + "/" + fe.file);
        QVERIFY2(info.formatDetail.find(fe.formatWord) != std::string::npos, info.formatDetail.c_str());
        QCOMPARE(info.layers.size(), fe.layers.size());
        for (size_t k = 0; k < fe.layers.size(); ++k) {
            const Expect& e = fe.layers[k];
            const GruLayerInfo& L = info.layers[k];
            QCOMPARE(L.name, std::string(e.name));
            QCOMPARE(L.kind, std::string(e.kind));
            QCOMPARE(L.direction, std::string(e.direction));
            QCOMPARE(L.kernelShape, (Shape{e.I, 3 * e.U}));
            QCOMPARE(L.recurrentShape, (Shape{e.U, 3 * e.U}));
            QCOMPARE(L.config.units, e.U);
            QCOMPARE(L.config.reset_after, e.resetAfter);
            QCOMPARE(L.config.activation, std::string(e.act));
            QCOMPARE(L.config.recurrent_activation, std::string(e.ract));
            QCOMPARE(L.config.go_backwards, std::string(e.direction) == "backward");
            QVERIFY(L.configFromFile || !L.assumptions.empty()); // inferred arguments are always explained

            const GruWeights w = readGruWeights(info, L);
            QCOMPARE(w.kernel.shape, (Shape{e.I, 3 * e.U}));
            QCOMPARE(w.bias.shape, (e.resetAfter ? Shape{2, 3 * e.U} : Shape{3 * e.U}));
            GruLayer layer(L.config, w);
            CallInputs in;
            in.x = ArrayF({2, 4, e.I});
            for (size_t i = 0; i < in.x.data.size(); ++i)
                in.x.data[i] = float(std::sin(0.37 * double(i)));
            const RunResult r = layer.call(in, BackendKind::Cpu);
            for (float v : r.state.data)
                QVERIFY(std::isfinite(v) && std::abs(v) < 1e3f);
        }
    }

    void cudnnGruIsConvertedLikeKeras()
    {
        // Keras loads a CuDNNGRU into GRU(reset_after=True): per gate, K_g = Sᵀ.reshape((I, U), 'F'),
        // recurrent blocks transposed, the (6U,) bias reshaped to (2, 3U). Check one element of
        // each against the stored arrays read raw.
        const WeightFileInfo info = openWeightFile(wildDir() + "/keras224_lanl_cudnngru.hdf5");
        const GruLayerInfo& L = info.layers.at(0);
        const GruWeights w = readGruWeights(info, L);
        GruLayerInfo raw = L;
        raw.kind = "GRU"; // read the tensors without the conversion
        const GruWeights s = readGruWeights(info, raw);
        const int64_t I = 32, U = 48, G = 144;
        for (int g = 0; g < 3; ++g)
            for (int64_t a : {int64_t(0), int64_t(5), I - 1})
                for (int64_t b : {int64_t(0), int64_t(7), U - 1}) {
                    const int64_t n = a + b * I;
                    QCOMPARE(w.kernel.data[size_t(a * G + g * U + b)], s.kernel.data[size_t((n / U) * G + g * U + n % U)]);
                    QCOMPARE(w.recurrentKernel.data[size_t(a * G + g * U + b)], s.recurrentKernel.data[size_t(b * G + g * U + a)]);
                }
        QCOMPARE(w.bias.shape, (Shape{2, G}));
        QCOMPARE(w.bias.data, s.bias.data);
    }
};

QTEST_GUILESS_MAIN(TstWildWeights)
#include "tst_wild_weights.moc"
