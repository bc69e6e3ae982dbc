// GruConfig: reading both get_config() dialects, writing them back, and validation that reports
// every problem at once.
#include "gruscope/config.h"
#include "gruscope/error.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <QTest>

#include <fstream>

using namespace gruscope;
using nlohmann::json;

namespace {

bool anyIssueNames(const std::vector<ConfigIssue>& issues, const std::string& arg)
{
    for (const auto& i : issues)
        if (i.argument == arg)
            return true;
    return false;
}

bool anyNoteContains(const std::vector<std::string>& notes, const std::string& text)
{
    for (const auto& n : notes)
        if (n.find(text) != std::string::npos)
            return true;
    return false;
}

json goldenConfig(const std::string& caseName)
{
    std::ifstream in(gstest::dataPath("golden/manifest.json"));
    const json m = json::parse(in);
    for (const auto& c : m["cases"])
        if (c["name"] == caseName)
            return c["config"];
    return {};
}

} // namespace

class TstConfig : public QObject {
    Q_OBJECT

private slots:
    void readsKeras3Config()
    {
        const json cfg = goldenConfig("k3_basic");
        QVERIFY(!cfg.is_null());
        const ParsedConfig p = parseConfigJson(cfg.dump());
        QVERIFY(p.issues.empty());
        QCOMPARE(p.config.flavor, Flavor::Keras3); // guessed from the keys
        QCOMPARE(p.config.units, 5);
        QCOMPARE(p.config.activation, std::string("tanh"));
        QCOMPARE(p.config.kernel_initializer.name, std::string("glorot_uniform"));
        QCOMPARE(p.config.recurrent_initializer.name, std::string("orthogonal"));
        QVERIFY(p.config.reset_after);
        QVERIFY(anyNoteContains(p.notes, "trainable")); // unknown keys are noted
        QVERIFY(!anyNoteContains(p.notes, "input_axes")); // Keras 3.15's null fan options are not noise
    }

    void readsTfKerasConfigAndGuessesFlavor()
    {
        const json cfg = goldenConfig("tfk_time_major_seq");
        QVERIFY(!cfg.is_null());
        const ParsedConfig p = parseConfigJson(cfg.dump());
        QVERIFY(p.issues.empty());
        QCOMPARE(p.config.flavor, Flavor::TfKeras);
        QVERIFY(p.config.time_major);
        QVERIFY(anyNoteContains(p.notes, "tf_keras guessed"));
    }

    void readsWrappedForm()
    {
        json inner = {{"units", 3}, {"activation", nullptr}, {"reset_after", false}};
        const json wrapped = {{"module", "keras.layers"}, {"class_name", "GRU"}, {"config", inner}, {"registered_name", nullptr}};
        const ParsedConfig p = parseConfigJson(wrapped.dump(), Flavor::Keras3);
        QVERIFY(p.issues.empty());
        QCOMPARE(p.config.units, 3);
        QCOMPARE(p.config.activation, std::string("linear")); // None is linear in Keras
        QVERIFY(!p.config.reset_after);
    }

    void refusesOtherLayerClass()
    {
        const json lstm = {{"class_name", "LSTM"}, {"config", {{"units", 3}}}};
        QVERIFY_THROWS_EXCEPTION(Error, parseConfigJson(lstm.dump()));
        try {
            parseConfigJson(lstm.dump());
        } catch (const Error& e) {
            QVERIFY(std::string(e.what()).find("LSTM") != std::string::npos);
        }
    }

    void malformedJsonNamesPosition()
    {
        try {
            parseConfigJson("{\"units\": 3,, }", std::nullopt, "cfg.json");
            QFAIL("no exception");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
            const std::string msg = e.what();
            QVERIFY2(msg.find("cfg.json") != std::string::npos && msg.find("byte") != std::string::npos, msg.c_str());
        }
    }

    void reportsEveryProblemAtOnce()
    {
        const json bad = {{"units", -3},
                          {"activation", "nope"},
                          {"recurrent_activation", 7},
                          {"dropout", "high"},
                          {"implementation", 7},
                          {"use_bias", "yes"},
                          {"kernel_initializer", "bogus"},
                          {"use_cudnn", "sometimes"}};
        const ParsedConfig p = parseConfigJson(bad.dump(), Flavor::Keras3);
        for (const char* arg : {"units", "activation", "recurrent_activation", "dropout", "implementation", "use_bias",
                                "kernel_initializer", "use_cudnn"})
            QVERIFY2(anyIssueNames(p.issues, arg), arg);
        // Each message names the argument, the value and what is allowed.
        for (const auto& i : p.issues) {
            const std::string m = i.message();
            QVERIFY2(m.find(i.argument) == 0 && m.find("allowed") != std::string::npos, m.c_str());
        }
        // requireValidConfig lists all of them in one error.
        GruConfig c;
        c.units = 0;
        c.activation = "nope";
        c.implementation = 9;
        try {
            requireValidConfig(c);
            QFAIL("no exception");
        } catch (const Error& e) {
            const std::string m = e.what();
            QVERIFY2(m.find("units") != std::string::npos && m.find("activation") != std::string::npos &&
                         m.find("implementation") != std::string::npos,
                     m.c_str());
        }
    }

    void missingUnitsIsAnIssue()
    {
        const ParsedConfig p = parseConfigJson("{}", Flavor::Keras3);
        QVERIFY(anyIssueNames(p.issues, "units"));
    }

    void flavorRules()
    {
        GruConfig c;
        c.units = 4;
        c.flavor = Flavor::Keras3;
        c.time_major = true;
        QVERIFY(anyIssueNames(validateConfig(c), "time_major"));
        c.time_major = false;
        c.activation = "hard_silu";
        QVERIFY(validateConfig(c).empty());
        c.flavor = Flavor::TfKeras;
        QVERIFY(anyIssueNames(validateConfig(c), "activation")); // tf.keras has no hard_silu
        c.activation = "tanh";
        c.seed = 3;
        QVERIFY(anyIssueNames(validateConfig(c), "seed"));
        c.seed.reset();
        c.use_cudnn = UseCudnn::False;
        QVERIFY(anyIssueNames(validateConfig(c), "use_cudnn"));
    }

    void ratesAreClippedLikeKeras()
    {
        const ParsedConfig p = parseConfigJson(R"({"units": 2, "dropout": 1.5, "recurrent_dropout": -0.2})", Flavor::Keras3);
        QVERIFY(p.issues.empty());
        QCOMPARE(p.config.effectiveDropout(), 1.0);
        QCOMPARE(p.config.effectiveRecurrentDropout(), 0.0);
        QVERIFY(anyNoteContains(p.notes, "clipped"));
        GruConfig c;
        c.units = 2;
        c.recurrent_dropout = 0.3;
        QCOMPARE(c.effectiveImplementation(), 1); // recurrent dropout forces implementation 1
        c.recurrent_dropout = 0;
        c.implementation = 0;
        QCOMPARE(c.effectiveImplementation(), 2); // legacy 0 runs as 2
    }

    void initializerOptionsAndVerbatimFields()
    {
        const json cfg = {{"units", 2},
                          {"recurrent_initializer", {{"class_name", "Orthogonal"}, {"config", {{"gain", 2.5}, {"seed", 7}}}}},
                          {"kernel_regularizer", {{"class_name", "L2"}, {"config", {{"l2", 0.01}}}}},
                          {"bias_constraint", {{"class_name", "NonNeg"}, {"config", json::object()}}}};
        const ParsedConfig p = parseConfigJson(cfg.dump(), Flavor::Keras3);
        QVERIFY(p.issues.empty());
        QCOMPARE(p.config.recurrent_initializer.gain, 2.5);
        QCOMPARE(p.config.recurrent_initializer.seed.value_or(-1), 7);
        QCOMPARE(json::parse(p.config.kernel_regularizer)["config"]["l2"].get<double>(), 0.01);
        // Written back, the verbatim fields come out unchanged.
        const json out = json::parse(configToJson(p.config));
        QVERIFY(out["kernel_regularizer"] == cfg["kernel_regularizer"]);
        QVERIFY(out["bias_constraint"] == cfg["bias_constraint"]);
        QCOMPARE(out["recurrent_initializer"]["config"]["gain"].get<double>(), 2.5);
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("caseName");
        for (const char* n : {"k3_basic", "k3_nobias_reset_before", "k3_nobias", "k3_act_none", "tfk_basic",
                              "tfk_time_major_seq", "tfk_hard_sigmoid_reset_before_seq", "k3_stateful"})
            QTest::newRow(n) << QString::fromLatin1(n);
    }

    void roundTrip()
    {
        QFETCH(QString, caseName);
        const json cfg = goldenConfig(caseName.toStdString());
        QVERIFY2(!cfg.is_null(), "case missing from the golden manifest");
        const ParsedConfig first = parseConfigJson(cfg.dump());
        QVERIFY(first.issues.empty());
        for (bool wrapped : {false, true}) {
            const std::string text = configToJson(first.config, wrapped);
            const ParsedConfig second = parseConfigJson(text, first.config.flavor);
            QVERIFY(second.issues.empty());
            QVERIFY(second.config == first.config);
        }
        // Each dialect writes the keys its Keras writes: the same key set as the real config.
        const json written = json::parse(configToJson(first.config));
        for (auto it = cfg.begin(); it != cfg.end(); ++it)
            QVERIFY2(written.contains(it.key()), it.key().c_str());
        for (auto it = written.begin(); it != written.end(); ++it)
            QVERIFY2(cfg.contains(it.key()), it.key().c_str());
    }

    void dialectKeys()
    {
        GruConfig c;
        c.units = 3;
        c.flavor = Flavor::Keras3;
        json k3 = json::parse(configToJson(c));
        QVERIFY(!k3.contains("time_major") && !k3.contains("implementation") && k3.contains("seed"));
        QVERIFY(k3["kernel_initializer"].contains("module"));
        c.flavor = Flavor::TfKeras;
        json tfk = json::parse(configToJson(c));
        QVERIFY(tfk.contains("time_major") && tfk.contains("implementation") && !tfk.contains("seed") && !tfk.contains("use_cudnn"));
        QVERIFY(!tfk["kernel_initializer"].contains("module"));
        QVERIFY(!tfk.contains("zero_output_for_mask")); // tf.keras writes it only when True
        c.zero_output_for_mask = true;
        QVERIFY(json::parse(configToJson(c))["zero_output_for_mask"].get<bool>());
    }

    void readsConfigFileErrors()
    {
        QVERIFY_THROWS_EXCEPTION(Error, readConfigFile("/nonexistent/config.json"));
    }
};

QTEST_GUILESS_MAIN(TstConfig)
#include "tst_config.moc"
