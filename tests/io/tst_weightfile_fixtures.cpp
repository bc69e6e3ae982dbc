// Every weight file made by real Keras / tf_keras / torch in tests/data/weightfiles (see its
// README; tools/make_weightfile_fixtures.py): GruScope must find each GRU with the right
// arguments, read its weights, and reproduce the outputs the producing library computed.
#include "gruscope/bidirectional.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "gruscope/npy.h"
#include "gruscope/weightfile.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <QTest>

#include <fstream>
#include <map>

using namespace gruscope;
using nlohmann::json;

namespace {

const json& manifest()
{
    static const json m = [] {
        std::ifstream in(gstest::dataPath("weightfiles/manifest.json"));
        return json::parse(in);
    }();
    return m;
}

std::map<std::string, ArrayF> expectedOf(const json& entry)
{
    std::map<std::string, ArrayF> out;
    for (auto& [k, a] : npy::readNpz(gstest::dataPath("weightfiles/" + entry["expected"].get<std::string>())))
        out.emplace(k, a.toFloat());
    return out;
}

const GruLayerInfo* byTensorSuffix(const WeightFileInfo& info, const std::string& suffix)
{
    for (const auto& l : info.layers)
        if (!l.tensors.empty() && l.tensors[0].size() >= suffix.size() &&
            l.tensors[0].compare(l.tensors[0].size() - suffix.size(), suffix.size(), suffix) == 0)
            return &l;
    return nullptr;
}

// torch's h_n (directions, B, U) slice d.
ArrayF slice(const ArrayF& hn, int64_t d)
{
    const int64_t B = hn.shape[1], U = hn.shape[2];
    ArrayF out({B, U});
    std::copy_n(hn.data.begin() + d * B * U, B * U, out.data.begin());
    return out;
}

// Weights-only files carry no arguments: like a user passing --config, take the layer config
// the producing script recorded (for a Bidirectional, its inner layer; backward flips go_backwards).
GruConfig configFor(const GruLayerInfo& L, const json& g)
{
    if (L.configFromFile)
        return L.config;
    json c = g["config"];
    if (g["class"] == "Bidirectional") {
        c = g["config"]["layer"]["config"];
        if (L.direction == "backward")
            c["go_backwards"] = !c.value("go_backwards", false);
    }
    ParsedConfig p = parseConfigJson(c.dump(), L.config.flavor, "manifest config");
    return p.config;
}

} // namespace

class TstWeightfileFixtures : public QObject {
    Q_OBJECT

private slots:
    void everyFile_data()
    {
        QTest::addColumn<int>("index");
        const auto& files = manifest()["files"];
        QVERIFY(files.size() >= 50);
        for (size_t i = 0; i < files.size(); ++i)
            QTest::newRow(files[i]["file"].get<std::string>().c_str()) << int(i);
    }

    void everyFile()
    {
        try {
            checkFile();
        } catch (const Error& e) {
            QFAIL(e.what());
        }
    }

private:
    void checkFile()
    {
        QFETCH(int, index);
        const json& entry = manifest()["files"][size_t(index)];
        const std::string path = gstest::dataPath("weightfiles/" + entry["file"].get<std::string>());
        const WeightFileInfo info = openWeightFile(path);
        const auto expected = expectedOf(entry);
        const bool torch = entry["format"].get<std::string>().rfind("torch", 0) == 0;

        for (const json& g : entry["gru_layers"]) {
            const std::string name = g["name"].get<std::string>();
            const std::string cls = g["class"].get<std::string>();
            const json& keys = g["expected_keys"];
            CallInputs in;
            in.x = expected.at(keys["input"].get<std::string>());

            if (torch) {
                // torch.nn.GRU layer k: forward and (if present) reverse direction.
                const int64_t k = g["torch_layer_index"].get<int64_t>();
                const GruLayerInfo* fw = byTensorSuffix(info, "weight_ih_l" + std::to_string(k));
                QVERIFY2(fw, ("no layer for weight_ih_l" + std::to_string(k)).c_str());
                const GruLayerInfo* bw = byTensorSuffix(info, "weight_ih_l" + std::to_string(k) + "_reverse");
                GruLayer f(fw->config, readGruWeights(info, *fw));
                const ArrayF& out = expected.at(keys["output"].get<std::string>());
                const ArrayF& hn = expected.at(keys["h_n"].get<std::string>());
                if (bw) {
                    GruLayer b(bw->config, readGruWeights(info, *bw));
                    const BidirectionalResult r = runBidirectional(f, b, "concat", in, BackendKind::Cpu);
                    GS_VERIFY_CLOSE(r.output, out, 1e-5, 1e-5);
                    GS_VERIFY_CLOSE(r.forward.state, slice(hn, 0), 1e-5, 1e-5);
                    GS_VERIFY_CLOSE(r.backward.state, slice(hn, 1), 1e-5, 1e-5);
                } else {
                    const RunResult r = f.call(in, BackendKind::Cpu);
                    GS_VERIFY_CLOSE(r.output, out, 1e-5, 1e-5);
                    GS_VERIFY_CLOSE(r.state, slice(hn, 0), 1e-5, 1e-5);
                }
                continue;
            }

            if (cls == "Bidirectional") {
                const GruLayerInfo *fw = nullptr, *bw = nullptr;
                for (const auto& l : info.layers)
                    if (l.wrapper == name)
                        (l.direction == "forward" ? fw : bw) = &l;
                QVERIFY2(fw && bw, ("Bidirectional " + name + " not found with both halves").c_str());
                const std::string merge = fw->mergeMode;
                const std::string wantMerge = g["config"].contains("merge_mode") && !g["config"]["merge_mode"].is_null()
                                                  ? g["config"]["merge_mode"].get<std::string>()
                                                  : "none";
                QCOMPARE(merge, wantMerge);
                GruLayer f(configFor(*fw, g), readGruWeights(info, *fw)), b(configFor(*bw, g), readGruWeights(info, *bw));
                const BidirectionalResult r = runBidirectional(f, b, merge, in, BackendKind::Cpu);
                if (merge == "none") {
                    GS_VERIFY_CLOSE(r.output, expected.at(name + "__output_0"), 1e-5, 1e-5);
                    GS_VERIFY_CLOSE(r.backwardOutput, expected.at(name + "__output_1"), 1e-5, 1e-5);
                } else {
                    GS_VERIFY_CLOSE(r.output, expected.at(keys["output"].get<std::string>()), 1e-5, 1e-5);
                }
                GS_VERIFY_CLOSE(r.forward.state, expected.at(keys["forward_state"].get<std::string>()), 1e-5, 1e-5);
                GS_VERIFY_CLOSE(r.backward.state, expected.at(keys["backward_state"].get<std::string>()), 1e-5, 1e-5);
                continue;
            }

            const GruLayerInfo* L = info.find(name);
            if (!L && !info.layers.empty() && !info.layers.front().configFromFile) {
                // Keras 3 .weights.h5 names groups by class and position (gru, gru_1), not by the
                // layer's name: without a config, match by position.
                const size_t pos = size_t(&g - &entry["gru_layers"][0]);
                if (pos < info.layers.size())
                    L = &info.layers[pos];
            }
            QVERIFY2(L, ("layer " + name + " not listed").c_str());
            QCOMPARE(L->kernelShape, (Shape{g["kernel_shape"][0].get<int64_t>(), g["kernel_shape"][1].get<int64_t>()}));
            GruLayer layer(configFor(*L, g), readGruWeights(info, *L));
            const RunResult r = layer.call(in, BackendKind::Cpu);
            // float16 weights were rounded by Keras too; the layer computes in float16 there, so
            // compare loosely.
            const double tol = L->dtype == "float16" ? 3e-3 : 1e-5;
            GS_VERIFY_CLOSE(r.output, expected.at(keys["output"].get<std::string>()), tol, tol);
            GS_VERIFY_CLOSE(r.state, expected.at(keys["state"].get<std::string>()), tol, tol);
        }
    }
};

QTEST_GUILESS_MAIN(TstWeightfileFixtures)
#include "tst_weightfile_fixtures.moc"
