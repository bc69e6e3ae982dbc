// Whole models (gruscope/model_chain.h) against real Keras: the fixtures' expected files hold what
// Keras computed for every layer of the model on the same input (tools/make_weightfile_fixtures.py),
// so each stage of the chain must give that layer's output. Also the plan: identity layers passed,
// the stop named with its reason, a start in the middle, a file without a model config.
#include "gruscope/error.h"
#include "gruscope/model_chain.h"
#include "gruscope/npy.h"

#include "test_support.h"

#include <QFile>
#include <QTest>

#include <cmath>
#include <map>

using namespace gruscope;

namespace {

std::string fixture(const std::string& name) { return gstest::dataPath("weightfiles/" + name); }


double maxDiff(const ArrayF& a, const ArrayF& b)
{
    if (a.shape != b.shape)
        return INFINITY;
    double d = 0;
    for (size_t k = 0; k < a.data.size(); ++k)
        d = std::max(d, double(std::fabs(a.data[k] - b.data[k])));
    return d;
}

std::vector<ChainStageResult> runFile(const std::string& file, const ArrayF& x, ModelChain* planOut = nullptr, const std::string& start = "")
{
    const WeightFileInfo info = openWeightFile(fixture(file));
    const ModelChain plan = planModelChain(info, start);
    if (planOut)
        *planOut = plan;
    CallInputs in;
    in.x = x;
    return runModelChain(plan, info, [&info](size_t i) { return readGruWeights(info, info.layers[i]); }, in, BackendKind::Reference);
}

} // namespace

class TstModelChain : public QObject {
    Q_OBJECT
private slots:
    void stackedGrusMatchKeras_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expectedName");
        QTest::addColumn<QString>("first");
        QTest::addColumn<QString>("second");
        QTest::newRow("Keras 3 .keras") << "k3_two_gru.keras" << "k3_two_gru" << "gru_first" << "gru_second";
        QTest::newRow("Keras 3 legacy .h5") << "k3_two_gru.h5" << "k3_two_gru" << "gru_first" << "gru_second";
        QTest::newRow("tf.keras full .h5") << "tfk_stacked_two_gru.full.h5" << "tfk_stacked_two_gru" << "gru" << "gru_1";
    }
    void stackedGrusMatchKeras()
    {
        QFETCH(QString, file);
        QFETCH(QString, expectedName);
        QFETCH(QString, first);
        QFETCH(QString, second);
        auto e = gstest::weightfileExpected(expectedName.toStdString());
        ModelChain plan;
        const auto out = runFile(file.toStdString(), e["x"], &plan);
        QCOMPARE(int(plan.stages.size()), 2);
        QCOMPARE(plan.stages[0].name, first.toStdString());
        QCOMPARE(plan.stages[1].name, second.toStdString());
        QVERIFY2(plan.stop.find("(Dense)") != std::string::npos && plan.stop.find("GRU layers only") != std::string::npos,
                 plan.stop.c_str());
        QCOMPARE(int(out.size()), 2);
        const double d1 = maxDiff(out[0].output, e[first.toStdString() + "__output"]);
        const double d2 = maxDiff(out[1].output, e[second.toStdString() + "__output"]);
        QVERIFY2(d1 < 1e-5 && d2 < 1e-5, qPrintable(QStringLiteral("max |Δ| %1, %2").arg(d1).arg(d2)));
    }

    void bidirectionalMatchesKeras_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expectedName");
        QTest::newRow("tf.keras concat") << "tfk_bidi_concat.full.h5" << "tfk_bidi_concat";
        QTest::newRow("Keras 3 concat") << "k3_bidi_concat.keras" << "k3_bidi_concat";
        QTest::newRow("tf.keras sum") << "tfk_bidi_sum.full.h5" << "tfk_bidi_sum";
        QTest::newRow("tf.keras none") << "tfk_bidi_none.full.h5" << "tfk_bidi_none";
    }
    void bidirectionalMatchesKeras()
    {
        QFETCH(QString, file);
        QFETCH(QString, expectedName);
        auto e = gstest::weightfileExpected(expectedName.toStdString());
        ModelChain plan;
        const auto out = runFile(file.toStdString(), e["x"], &plan);
        QCOMPARE(int(plan.stages.size()), 1);
        QCOMPARE(plan.stages[0].layers.size(), size_t(2));
        if (e.count("bidirectional__output")) {
            QVERIFY(maxDiff(out[0].output, e["bidirectional__output"]) < 1e-5);
        } else {
            QCOMPARE(plan.stages[0].mergeMode, std::string("none"));
            QVERIFY(maxDiff(out[0].output, e["bidirectional__output_0"]) < 1e-5);
            QVERIFY(maxDiff(out[0].backwardOutput, e["bidirectional__output_1"]) < 1e-5);
        }
    }

    void startInTheMiddle()
    {
        auto e = gstest::weightfileExpected("k3_two_gru");
        ModelChain plan;
        const auto out = runFile("k3_two_gru.keras", e["gru_second__input"], &plan, "gru_second");
        QCOMPARE(int(plan.stages.size()), 1);
        QVERIFY(!plan.before.empty());
        QVERIFY(plan.before.back().rfind("gru_first (GRU)", 0) == 0);
        QVERIFY(maxDiff(out[0].output, e["gru_second__output"]) < 1e-5);
        QVERIFY_THROWS_EXCEPTION(Error, planModelChain(openWeightFile(fixture("k3_two_gru.keras")), "dense"));
    }

    // A Keras 3 .weights.h5 stores no config: the GRUs are chained in the stored order, with
    // Keras's default arguments assumed; return_sequences=False (the default) ends the chain after
    // the first, and the stop says why.
    void weightsOnlyFileChainsInStoredOrder()
    {
        auto e = gstest::weightfileExpected("k3_two_gru");
        ModelChain plan;
        const auto out = runFile("k3_two_gru.weights.h5", e["x"], &plan);
        QVERIFY(plan.notes.front().find("no model config") != std::string::npos);
        QCOMPARE(int(plan.stages.size()), 1);
        // The weights file names the layers by their storage paths (layers/gru, layers/gru_1).
        QCOMPARE(plan.stages[0].name, std::string("gru"));
        QVERIFY2(plan.stop == "gru returns its last output only (return_sequences=False): gru_1 cannot take it",
                 plan.stop.c_str());
        // Keras's first layer returned sequences: with the default assumed, this is its last step.
        const ArrayF& seq = e["gru_first__output"];
        ArrayF last({2, 4});
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t u = 0; u < 4; ++u)
                last.data[size_t(b * 4 + u)] = seq.data[size_t((b * 5 + 4) * 4 + u)];
        QVERIFY(maxDiff(out[0].output, last) < 1e-5);
        const std::string text = describeModelChain(plan, openWeightFile(fixture("k3_two_gru.weights.h5")));
        QVERIFY2(text.find("1. gru: GRU 4, returns the last output") != std::string::npos, text.c_str());
    }

    // A real model whose GRUs are joined by Concatenate: the chain stops and says so.
    void branchingModelStopsWithItsReason()
    {
        GS_NEED_WILD("keras231_rnnoise_three_gru.hdf5");
        const std::string wild = gstest::wildWeightsDir() + "/keras231_rnnoise_three_gru.hdf5";
        const ModelChain plan = planModelChain(openWeightFile(wild));
        QCOMPARE(int(plan.stages.size()), 1);
        QCOMPARE(plan.stages[0].name, std::string("vad_gru"));
        QVERIFY2(plan.stop.find("concatenate_1 (Concatenate) takes its input from") != std::string::npos, plan.stop.c_str());
        QVERIFY2(plan.stop.find("branches or merges") != std::string::npos, plan.stop.c_str());
        QCOMPARE(plan.before.size(), size_t(2)); // main_input, input_dense
    }
};

QTEST_APPLESS_MAIN(TstModelChain)
#include "tst_model_chain.moc"
