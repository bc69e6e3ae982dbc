// PyTorch state dicts (.safetensors, .npz), Keras-layout .npz and input files (.npy, .npz, CSV).
//
// The fixtures in tests/data/tensorfiles were written by real torch + safetensors
// (tools/make_tensor_fixtures.py) with torch's own outputs; every GRU read here is run with
// gruscope and compared with them. Hostile safetensors headers and CSV files are built here.
#include "gruscope/error.h"
#include "gruscope/input_files.h"
#include "gruscope/layer.h"
#include "gruscope/npy.h"
#include "gruscope/weightfile.h"
#include "io/safetensors.h"

#include "test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <fstream>
#include <optional>

using namespace gruscope;

Q_DECLARE_METATYPE(std::string)
Q_DECLARE_METATYPE(ErrorCode)

namespace {

std::string fixture(const std::string& name)
{
    return gstest::dataPath("tensorfiles/" + name);
}

ArrayF npzArray(const std::string& path, const std::string& key)
{
    for (auto& [k, a] : npy::readNpz(path))
        if (k == key)
            return a.toFloat();
    throw Error(ErrorCode::BadFile, path + ": no array " + key);
}

// a[:, :, c0:c0+n] of a (B, T, C) array.
ArrayF columns(const ArrayF& a, int64_t c0, int64_t n)
{
    const int64_t B = a.shape[0], T = a.shape[1], C = a.shape[2];
    ArrayF out({B, T, n});
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t)
            for (int64_t c = 0; c < n; ++c)
                out.data[size_t((b * T + t) * n + c)] = a.data[size_t((b * T + t) * C + c0 + c)];
    return out;
}

// h_n[k] of a (L, B, U) array.
ArrayF slice0(const ArrayF& a, int64_t k)
{
    const int64_t n = a.shape[1] * a.shape[2];
    ArrayF out({a.shape[1], a.shape[2]});
    std::copy(a.data.begin() + k * n, a.data.begin() + (k + 1) * n, out.data.begin());
    return out;
}

ArrayF reverseTime(const ArrayF& a)
{
    const int64_t B = a.shape[0], T = a.shape[1], C = a.shape[2];
    ArrayF out(a.shape);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t)
            std::copy_n(a.data.begin() + (b * T + t) * C, C, out.data.begin() + (b * T + (T - 1 - t)) * C);
    return out;
}

ArrayF concatFeatures(const ArrayF& a, const ArrayF& b)
{
    const int64_t B = a.shape[0], T = a.shape[1], Ca = a.shape[2], Cb = b.shape[2];
    ArrayF out({B, T, Ca + Cb});
    for (int64_t i = 0; i < B * T; ++i) {
        std::copy_n(a.data.begin() + i * Ca, Ca, out.data.begin() + i * (Ca + Cb));
        std::copy_n(b.data.begin() + i * Cb, Cb, out.data.begin() + i * (Ca + Cb) + Ca);
    }
    return out;
}

// Runs a listed layer on x; the output comes back aligned with x's time steps (as PyTorch gives it).
RunResult runAligned(const WeightFileInfo& info, const GruLayerInfo& L, const ArrayF& x)
{
    GruLayer layer(L.config, readGruWeights(info, L));
    CallInputs in;
    in.x = x;
    RunResult r = layer.call(in, BackendKind::Cpu);
    if (L.config.go_backwards)
        r.output = reverseTime(r.output);
    return r;
}

void writeBytes(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

// A safetensors image: header length (or a forced one), the JSON, then `data` bytes.
std::string safetensorsImage(const std::string& json, size_t dataBytes, std::optional<uint64_t> forcedLength = std::nullopt)
{
    const uint64_t n = forcedLength.value_or(json.size());
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i)
        s[size_t(i)] = char((n >> (8 * i)) & 0xFF);
    s += json;
    for (size_t i = 0; i < dataBytes; ++i)
        s += char(i * 37);
    return s;
}

// A valid float32 safetensors file of the given tensors (name, shape); values from a formula.
std::string makeF32Safetensors(const std::vector<std::pair<std::string, Shape>>& tensors)
{
    std::string json = "{";
    std::string data;
    for (const auto& [name, shape] : tensors) {
        int64_t n = 1;
        std::string dims;
        for (int64_t d : shape) {
            n *= d;
            dims += (dims.empty() ? "" : ",") + std::to_string(d);
        }
        const size_t begin = data.size();
        for (int64_t i = 0; i < n; ++i) {
            const float v = 0.05f * float((i * 7 + int64_t(data.size())) % 13) - 0.3f;
            char b[4];
            std::memcpy(b, &v, 4);
            data.append(b, 4);
        }
        json += (json.size() > 1 ? "," : "") + std::string("\"") + name + "\":{\"dtype\":\"F32\",\"shape\":[" + dims +
                "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(data.size()) + "]}";
    }
    json += "}";
    std::string s = safetensorsImage(json, 0);
    return s + data;
}

} // namespace

class TstTensorFiles : public QObject {
    Q_OBJECT

private slots:
    // ---- listing ------------------------------------------------------------------------------

    void listsPrefixedSingleLayer_data()
    {
        QTest::addColumn<std::string>("file");
        QTest::addColumn<int>("format");
        QTest::newRow("safetensors") << std::string("gru_l1.safetensors") << int(WeightFormat::TorchSafetensors);
        QTest::newRow("npz") << std::string("gru_l1.npz") << int(WeightFormat::TorchNpz);
    }

    void listsPrefixedSingleLayer()
    {
        QFETCH(std::string, file);
        QFETCH(int, format);
        const WeightFileInfo info = openWeightFile(fixture(file));
        QCOMPARE(int(info.format), format);
        QVERIFY2(info.formatDetail.find("PyTorch") != std::string::npos, info.formatDetail.c_str());
        QVERIFY2(info.formatDetail.find("gru: 1 layer") != std::string::npos, info.formatDetail.c_str());
        QCOMPARE(info.layers.size(), size_t(1));
        const GruLayerInfo& L = info.layers[0];
        QCOMPARE(L.name, std::string("gru.l0"));
        QCOMPARE(L.kind, std::string("PyTorch GRU"));
        QCOMPARE(L.tensors, (std::vector<std::string>{"gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0"}));
        QCOMPARE(L.kernelShape, (Shape{3, 12}));
        QCOMPARE(L.recurrentShape, (Shape{4, 12}));
        QCOMPARE(L.biasShape, (Shape{2, 12}));
        QCOMPARE(L.dtype, std::string("float32"));
        QCOMPARE(L.config.units, int64_t(4));
        QVERIFY(L.config.reset_after && L.config.use_bias && L.config.return_sequences && !L.config.go_backwards);
        QCOMPARE(L.config.activation, std::string("tanh"));
        QCOMPARE(L.config.recurrent_activation, std::string("sigmoid"));
        QVERIFY(!L.configFromFile && !L.assumptions.empty());
        QVERIFY(L.direction.empty() && L.wrapper.empty());
        // fc.weight / fc.bias are named as ignored.
        int ignored = 0;
        for (const auto& d : info.diagnostics)
            ignored += d.message.find("ignored tensor 'fc.") != std::string::npos;
        QCOMPARE(ignored, 2);
    }

    void listsTwoLayerBidirectional_data()
    {
        QTest::addColumn<std::string>("file");
        QTest::newRow("safetensors") << std::string("gru_l2_bidi.safetensors");
        QTest::newRow("npz") << std::string("gru_l2_bidi.npz");
    }

    void listsTwoLayerBidirectional()
    {
        QFETCH(std::string, file);
        const WeightFileInfo info = openWeightFile(fixture(file));
        QVERIFY2(info.formatDetail.find("2 layers × 2 directions") != std::string::npos, info.formatDetail.c_str());
        QCOMPARE(info.layers.size(), size_t(4));
        const char* names[] = {"l0", "l0_reverse", "l1", "l1_reverse"};
        for (size_t i = 0; i < 4; ++i) {
            const GruLayerInfo& L = info.layers[i];
            const bool rev = i % 2 == 1;
            QCOMPARE(L.name, std::string(names[i]));
            QCOMPARE(L.direction, std::string(rev ? "backward" : "forward"));
            QCOMPARE(L.wrapper, std::string(i < 2 ? "l0" : "l1"));
            QCOMPARE(L.mergeMode, std::string("concat"));
            QCOMPARE(L.config.go_backwards, rev);
            QCOMPARE(L.kernelShape, (Shape{i < 2 ? 3 : 10, 15}));
            QCOMPARE(L.recurrentShape, (Shape{5, 15}));
            if (rev) {
                bool said = false;
                for (const auto& a : L.assumptions)
                    said |= a.find("reverse them along time") != std::string::npos;
                QVERIFY(said);
            }
        }
        for (const auto& d : info.diagnostics)
            QVERIFY2(d.severity != Diagnostic::Severity::Warning, d.message.c_str());
    }

    // ---- torch outputs reproduced -----------------------------------------------------------------

    void runsSingleLayerLikeTorch_data()
    {
        QTest::addColumn<std::string>("file");
        QTest::addColumn<std::string>("expected");
        QTest::addColumn<std::string>("dtype");
        QTest::newRow("safetensors f32") << std::string("gru_l1.safetensors") << std::string("gru_l1") << std::string("float32");
        QTest::newRow("npz f32") << std::string("gru_l1.npz") << std::string("gru_l1") << std::string("float32");
        QTest::newRow("safetensors f16") << std::string("gru_l1_f16.safetensors") << std::string("gru_l1_f16") << std::string("float16");
        QTest::newRow("safetensors bf16") << std::string("gru_l1_bf16.safetensors") << std::string("gru_l1_bf16") << std::string("bfloat16");
        QTest::newRow("npz f64") << std::string("gru_l1_f64.npz") << std::string("gru_l1_f64") << std::string("float64");
        QTest::newRow("no bias") << std::string("gru_nobias.safetensors") << std::string("gru_nobias") << std::string("float32");
        QTest::newRow("keras layout npz") << std::string("keras_layout.npz") << std::string("gru_l1") << std::string("float32");
    }

    void runsSingleLayerLikeTorch()
    {
        QFETCH(std::string, file);
        QFETCH(std::string, expected);
        QFETCH(std::string, dtype);
        const WeightFileInfo info = openWeightFile(fixture(file));
        QCOMPARE(info.layers.size(), size_t(1));
        GruLayerInfo L = info.layers[0];
        QCOMPARE(L.dtype, dtype);
        if (file == "keras_layout.npz") {
            QCOMPARE(int(info.format), int(WeightFormat::NumpyNpz));
            QCOMPARE(L.name, std::string("keras_layout"));
            QCOMPARE(L.kind, std::string("GRU"));
            QVERIFY(L.config.reset_after);
            L.config.return_sequences = true; // inferred as the Keras default (False); torch returns the sequence
        }
        if (file == "gru_nobias.safetensors") {
            QVERIFY(!L.config.use_bias);
            QVERIFY(L.biasShape.empty());
            QCOMPARE(L.tensors.size(), size_t(2));
        }
        const ArrayF x = npy::readNpyAsFloat(fixture("x.npy"));
        const RunResult r = runAligned(info, L, x);
        const std::string exp = fixture(expected + ".expected.npz");
        GS_VERIFY_CLOSE(r.output, npzArray(exp, "output"), 1e-5, 1e-5);
        GS_VERIFY_CLOSE(r.state, slice0(npzArray(exp, "h_n"), 0), 1e-5, 1e-5);
    }

    void twoLayerBidirectionalLikeTorch_data()
    {
        QTest::addColumn<std::string>("file");
        QTest::newRow("safetensors") << std::string("gru_l2_bidi.safetensors");
        QTest::newRow("npz") << std::string("gru_l2_bidi.npz");
    }

    void twoLayerBidirectionalLikeTorch()
    {
        QFETCH(std::string, file);
        const WeightFileInfo info = openWeightFile(fixture(file));
        QCOMPARE(info.layers.size(), size_t(4));
        const std::string exp = fixture("gru_l2_bidi.expected.npz");
        const ArrayF output = npzArray(exp, "output"), hn = npzArray(exp, "h_n"), l0 = npzArray(exp, "l0_output");
        const int64_t U = 5;
        ArrayF in = npy::readNpyAsFloat(fixture("x.npy"));
        for (int k = 0; k < 2; ++k) {
            const RunResult f = runAligned(info, info.layers[size_t(2 * k)], in);
            const RunResult b = runAligned(info, info.layers[size_t(2 * k + 1)], in);
            const ArrayF& want = k == 0 ? l0 : output;
            GS_VERIFY_CLOSE(f.output, columns(want, 0, U), 1e-5, 1e-5);
            GS_VERIFY_CLOSE(b.output, columns(want, U, U), 1e-5, 1e-5);
            GS_VERIFY_CLOSE(f.state, slice0(hn, 2 * k), 1e-5, 1e-5);
            GS_VERIFY_CLOSE(b.state, slice0(hn, 2 * k + 1), 1e-5, 1e-5);
            in = concatFeatures(f.output, b.output); // what PyTorch feeds layer k + 1
        }
    }

    void pytorchMappingMatchesKerasLayoutExactly()
    {
        // keras_layout.npz was mapped by numpy in the generator (keras-gru.md §7.1); the C++
        // conversion of the same torch tensors must give the very same arrays.
        const WeightFileInfo t = openWeightFile(fixture("gru_l1.safetensors"));
        const WeightFileInfo k = openWeightFile(fixture("keras_layout.npz"));
        const GruWeights a = readGruWeights(t, t.layers.at(0));
        const GruWeights b = readGruWeights(k, k.layers.at(0));
        QCOMPARE(a.kernel.shape, b.kernel.shape);
        QCOMPARE(a.kernel.data, b.kernel.data);
        QCOMPARE(a.recurrentKernel.data, b.recurrentKernel.data);
        QCOMPARE(a.bias.shape, (Shape{2, 12}));
        QCOMPARE(a.bias.data, b.bias.data);
        // One element by hand: Keras z block column 0 = torch row U (z is torch's second block).
        const std::vector<std::pair<std::string, npy::NpyArray>> raw = npy::readNpz(fixture("gru_l1.npz"));
        const ArrayF wih = raw[0].first == "gru.weight_ih_l0" ? raw[0].second.toFloat() : npzArray(fixture("gru_l1.npz"), "gru.weight_ih_l0");
        QCOMPARE(a.kernel.data[size_t(1 * 12 + 0)], wih.data[size_t(4 * 3 + 1)]);  // kernel[1, z0] = W_iz[0, 1]
        QCOMPARE(a.kernel.data[size_t(2 * 12 + 4)], wih.data[size_t(0 * 3 + 2)]);  // kernel[2, r0] = W_ir[0, 2]
        QCOMPARE(a.kernel.data[size_t(0 * 12 + 11)], wih.data[size_t(11 * 3 + 0)]); // kernel[0, h3] = W_in[3, 0]
    }

    void elementLimitIsEnforced()
    {
        WeightReadLimits limits;
        limits.maxElements = 20; // weight_ih is 36 elements
        for (const char* f : {"gru_l1.safetensors", "gru_l1.npz"}) {
            const auto e = gstest::errorOf([&] { openWeightFile(fixture(f), limits); });
            QVERIFY2(e.has_value(), f);
            QCOMPARE(e->code(), ErrorCode::ResourceLimit);
        }
    }

    // ---- structure problems in otherwise valid files ----------------------------------------------

    void inconsistentTorchTensors_data()
    {
        QTest::addColumn<std::string>("image");
        QTest::addColumn<std::string>("word");
        QTest::newRow("weight_ih rows") << makeF32Safetensors({{"weight_ih_l0", {9, 3}}, {"weight_hh_l0", {12, 4}}}) << std::string("weight_ih_l0");
        QTest::newRow("bias length") << makeF32Safetensors({{"weight_ih_l0", {12, 3}}, {"weight_hh_l0", {12, 4}}, {"bias_ih_l0", {11}}, {"bias_hh_l0", {12}}})
                                     << std::string("bias_ih_l0");
        QTest::newRow("one bias") << makeF32Safetensors({{"weight_ih_l0", {12, 3}}, {"weight_hh_l0", {12, 4}}, {"bias_ih_l0", {12}}})
                                  << std::string("bias_hh");
        QTest::newRow("no weight_hh") << makeF32Safetensors({{"rnn.weight_ih_l0", {12, 3}}}) << std::string("weight_hh");
        QTest::newRow("odd weight_hh") << makeF32Safetensors({{"weight_ih_l0", {10, 3}}, {"weight_hh_l0", {10, 4}}}) << std::string("(3U, U)");
        QTest::newRow("keras kernel") << makeF32Safetensors({{"kernel", {3, 11}}, {"recurrent_kernel", {4, 12}}}) << std::string("kernel");
    }

    void inconsistentTorchTensors()
    {
        QFETCH(std::string, image);
        QFETCH(std::string, word);
        QTemporaryDir dir;
        const std::string path = dir.filePath("bad.safetensors").toStdString();
        writeBytes(path, image);
        const auto e = gstest::errorOf([&] { openWeightFile(path); });
        QVERIFY(e.has_value());
        QCOMPARE(e->code(), ErrorCode::BadFile);
        QVERIFY2(std::string(e->what()).find(word) != std::string::npos, e->what());
    }

    void lstmAndStackingProblemsAreDiagnosed()
    {
        QTemporaryDir dir;
        // An LSTM (4U rows) is not a GRU: listed as ignored, no layer.
        const std::string lstm = dir.filePath("lstm.safetensors").toStdString();
        writeBytes(lstm, makeF32Safetensors({{"lstm.weight_ih_l0", {16, 3}}, {"lstm.weight_hh_l0", {16, 4}}}));
        WeightFileInfo info = openWeightFile(lstm);
        QVERIFY(info.layers.empty());
        bool said = false;
        for (const auto& d : info.diagnostics)
            said |= d.message.find("LSTM") != std::string::npos;
        QVERIFY(said);
        // Layer 1 takes 5 inputs but layer 0 outputs 4.
        const std::string stack = dir.filePath("stack.safetensors").toStdString();
        writeBytes(stack, makeF32Safetensors({{"weight_ih_l0", {12, 3}}, {"weight_hh_l0", {12, 4}},
                                              {"weight_ih_l1", {12, 5}}, {"weight_hh_l1", {12, 4}}}));
        info = openWeightFile(stack);
        QCOMPARE(info.layers.size(), size_t(2));
        QCOMPARE(info.layers[1].name, std::string("l1"));
        QVERIFY(!info.layers[1].config.use_bias);
        said = false;
        for (const auto& d : info.diagnostics)
            said |= d.severity == Diagnostic::Severity::Warning && d.message.find("do not stack") != std::string::npos;
        QVERIFY(said);
        // A safetensors file with no GRU at all is listed, empty, with a diagnostic.
        const std::string none = dir.filePath("none.safetensors").toStdString();
        writeBytes(none, makeF32Safetensors({{"fc.weight", {2, 4}}, {"fc.bias", {2}}}));
        info = openWeightFile(none);
        QVERIFY(info.layers.empty());
        QVERIFY(!info.diagnostics.empty());
    }

    void npzAndKerasArchiveAreTold()
    {
        QTemporaryDir dir;
        // An .npz of inputs (no GRU) is an .npz: listed, empty.
        const std::string npz = dir.filePath("inputs.npz").toStdString();
        ArrayF a({2, 3}, 0.5f);
        npy::writeNpz(npz, {npy::ref("x", a)});
        const WeightFileInfo info = openWeightFile(npz);
        QCOMPARE(int(info.format), int(WeightFormat::NumpyNpz));
        QVERIFY(info.layers.empty());
        // A .keras archive (config.json) is still the .keras reader's.
        const std::string keras = gstest::dataPath("weightfiles/k3_gru_dense.keras");
        if (!std::ifstream(keras))
            QSKIP("no .keras fixture beside this suite");
        QCOMPARE(int(openWeightFile(keras).format), int(WeightFormat::Keras3Archive));
    }

    // ---- hostile safetensors headers -----------------------------------------------------------------

    void hostileSafetensors_data()
    {
        QTest::addColumn<std::string>("image");
        QTest::addColumn<std::string>("word"); // part of the message
        const std::string ok = R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";
        QTest::newRow("too short") << std::string("abc") << std::string("too short");
        QTest::newRow("length past EOF") << safetensorsImage(ok, 24, 1000) << std::string("passes the end");
        QTest::newRow("huge length") << safetensorsImage(ok, 24, uint64_t(1) << 62) << std::string("limit");
        QTest::newRow("length all ones") << safetensorsImage(ok, 24, ~uint64_t(0)) << std::string("limit");
        QTest::newRow("length zero") << safetensorsImage(ok, 24, 0) << std::string("too small");
        QTest::newRow("not JSON") << safetensorsImage("{not json at all}", 8) << std::string("not valid JSON");
        QTest::newRow("truncated JSON") << safetensorsImage(R"({"w":{"dtype":"F32")", 8) << std::string("not valid JSON");
        QTest::newRow("JSON array") << safetensorsImage("[1, 2, 3]", 8) << std::string("object");
        QTest::newRow("offsets past data") << safetensorsImage(R"({"w":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}})", 24)
                                           << std::string("past the data region");
        QTest::newRow("begin after end") << safetensorsImage(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 24)
                                         << std::string("end before");
        QTest::newRow("overlapping") << safetensorsImage(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                                         R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", 24)
                                     << std::string("overlap");
        QTest::newRow("wrong size") << safetensorsImage(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", 24)
                                    << std::string("needs 24 bytes");
        QTest::newRow("bad dtype") << safetensorsImage(R"({"w":{"dtype":"Q7","shape":[2,3],"data_offsets":[0,24]}})", 24)
                                   << std::string("unknown dtype");
        QTest::newRow("dtype not a string") << safetensorsImage(R"({"w":{"dtype":7,"shape":[2,3],"data_offsets":[0,24]}})", 24)
                                            << std::string("dtype");
        QTest::newRow("negative dim") << safetensorsImage(R"({"w":{"dtype":"F32","shape":[-2,3],"data_offsets":[0,24]}})", 24)
                                      << std::string("non-negative");
        QTest::newRow("float offsets") << safetensorsImage(R"({"w":{"dtype":"F32","shape":[6],"data_offsets":[0.5,24]}})", 24)
                                       << std::string("data_offsets");
        QTest::newRow("no offsets") << safetensorsImage(R"({"w":{"dtype":"F32","shape":[6]}})", 24) << std::string("data_offsets");
        QTest::newRow("element overflow")
            << safetensorsImage(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,24]}})", 24)
            << std::string("more elements");
        QTest::newRow("dim past int64") << safetensorsImage(R"({"w":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,24]}})", 24)
                                        << std::string("more elements");
        QTest::newRow("tensor not an object") << safetensorsImage(R"({"w":[1,2]})", 24) << std::string("expected an object");
        QTest::newRow("metadata not an object") << safetensorsImage(R"({"__metadata__":"x"})", 0) << std::string("__metadata__");
        std::string deep;
        for (int i = 0; i < 5000; ++i)
            deep += "{\"a\":";
        deep += "1";
        for (int i = 0; i < 5000; ++i)
            deep += "}";
        QTest::newRow("deep nesting") << safetensorsImage(deep, 0) << std::string("nests");
        QTest::newRow("int weight") << safetensorsImage(R"({"weight_ih_l0":{"dtype":"I32","shape":[12,3],"data_offsets":[0,144]},)"
                                                        R"("weight_hh_l0":{"dtype":"F32","shape":[12,4],"data_offsets":[144,336]}})", 336)
                                    << std::string("int32");
    }

    void hostileSafetensors()
    {
        QFETCH(std::string, image);
        QFETCH(std::string, word);
        QTemporaryDir dir;
        const std::string path = dir.filePath("hostile.safetensors").toStdString();
        writeBytes(path, image);
        const auto e = gstest::errorOf([&] { openWeightFile(path); });
        QVERIFY2(e.has_value(), "no error");
        QVERIFY2(e->code() == ErrorCode::BadFile, e->what());
        QVERIFY2(std::string(e->what()).find(word) != std::string::npos, e->what());
        // Under another name the same bytes are refused too (by content, or as no known format).
        const std::string other = dir.filePath("hostile.bin").toStdString();
        writeBytes(other, image);
        QVERIFY(gstest::errorOf([&] { openWeightFile(other); }).has_value());
    }

    void validSafetensorsCornerCases()
    {
        // __metadata__, a zero-size tensor, an I64 counter beside the GRU, trailing header spaces.
        const std::string json = R"({"__metadata__":{"format":"pt"},"empty":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},)"
                                 R"("steps":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}    )";
        const io::safetensors::Header h = io::safetensors::parseHeader(json, 8, "test");
        QCOMPARE(h.tensors.size(), size_t(2));
        QCOMPARE(h.metadata.size(), size_t(1));
        QCOMPARE(h.tensors[1].shape, Shape{});
    }

    // ---- input files ------------------------------------------------------------------------------

    void csvPlain()
    {
        QTemporaryDir dir;
        const std::string p = dir.filePath("x.csv").toStdString();
        writeBytes(p, "# one sequence\n1, 2, 3\n4,5,6 # trailing comment\n\n-7.5,+8e-1,1e-3\r\n");
        const InputFile f = readInputFileDetailed(p);
        QCOMPARE(f.format, std::string("csv"));
        QCOMPARE(f.x.shape, (Shape{1, 3, 3}));
        QCOMPARE(f.x.data, (std::vector<float>{1, 2, 3, 4, 5, 6, -7.5f, 0.8f, 0.001f}));
        QVERIFY(f.columnNames.empty());
    }

    void csvHeader()
    {
        QTemporaryDir dir;
        const std::string p = dir.filePath("x.csv").toStdString();
        writeBytes(p, "x0,x1\n0.1,0.2\n0.3,0.4\n");
        const InputFile f = readInputFileDetailed(p);
        QCOMPARE(f.x.shape, (Shape{1, 2, 2}));
        QCOMPARE(f.columnNames, (std::vector<std::string>{"x0", "x1"}));
        QCOMPARE(f.x.data[3], 0.4f);
        // The fixture beside the weight files (sample 0 of x.npy) reads to exactly x[0].
        const std::string csv = gstest::dataPath("weightfiles/x_sample0.csv");
        if (std::ifstream(csv)) {
            const ArrayF x = readInputFile(csv);
            const ArrayF all = npy::readNpyAsFloat(gstest::dataPath("weightfiles/x.npy"));
            QCOMPARE(x.shape, (Shape{1, all.shape[1], all.shape[2]}));
            QVERIFY(std::equal(x.data.begin(), x.data.end(), all.data.begin()));
        }
    }

    void csvSampleColumn()
    {
        QTemporaryDir dir;
        const std::string p = dir.filePath("x.csv").toStdString();
        writeBytes(p, "sample,a,b\ns1,1,2\ns1,3,4\ns1,5,6\ns2,7,8\ns2,9,10\ns2,11,12\n");
        const InputFile f = readInputFileDetailed(p);
        QCOMPARE(f.x.shape, (Shape{2, 3, 2}));
        QCOMPARE(f.sampleLabels, (std::vector<std::string>{"s1", "s2"}));
        QCOMPARE(f.columnNames, (std::vector<std::string>{"a", "b"}));
        QCOMPARE(f.x.data[6], 7.0f);
    }

    void csvErrors_data()
    {
        QTest::addColumn<std::string>("text");
        QTest::addColumn<std::string>("word");
        QTest::newRow("ragged row") << std::string("1,2,3\n4,5\n") << std::string("line 2: 2 values, expected 3");
        QTest::newRow("ragged after header") << std::string("a,b\n1,2\n# c\n3,4,5\n") << std::string("line 4: 3 values");
        QTest::newRow("bad number") << std::string("a,b\n1,2\n3,x7\n") << std::string("line 3, column 2 ('b'): 'x7' is not a number");
        QTest::newRow("bad number no header") << std::string("1,2\n3,4,\n") << std::string("line 2: 3 values");
        QTest::newRow("empty value") << std::string("1,2\n3, \n") << std::string("line 2, column 2: empty value");
        QTest::newRow("semicolons") << std::string("1;5\n2;6\n") << std::string("'2;6' is not a number (values are separated by commas)");
        QTest::newRow("out of range") << std::string("1e39,1\n") << std::string("float32 range");
        QTest::newRow("no data") << std::string("# nothing\n\n") << std::string("no data rows");
        QTest::newRow("header only") << std::string("a,b\n") << std::string("only the header line 1");
        QTest::newRow("unequal samples") << std::string("sample,a\n1,1\n1,2\n2,3\n") << std::string("same number of time steps");
        QTest::newRow("sample again") << std::string("sample,a\n1,1\n2,2\n1,3\n") << std::string("appears again");
        QTest::newRow("binary") << std::string("1,2\n\0\1\2", 8) << std::string("NUL");
    }

    void csvErrors()
    {
        QFETCH(std::string, text);
        QFETCH(std::string, word);
        QTemporaryDir dir;
        const std::string p = dir.filePath("bad.csv").toStdString();
        writeBytes(p, text);
        const auto e = gstest::errorOf([&] { readInputFile(p); });
        QVERIFY(e.has_value());
        QCOMPARE(e->code(), ErrorCode::BadFile);
        QVERIFY2(std::string(e->what()).find(word) != std::string::npos, e->what());
    }

    void npyAndNpzInputs()
    {
        QTemporaryDir dir;
        ArrayF x2({4, 3});
        for (size_t i = 0; i < x2.data.size(); ++i)
            x2.data[i] = float(i);
        const std::string p2 = dir.filePath("x2.npy").toStdString();
        npy::writeNpy(p2, npy::ref("", x2));
        QCOMPARE(readInputFile(p2).shape, (Shape{1, 4, 3}));
        const ArrayF x3 = npy::readNpyAsFloat(fixture("x.npy"));
        QCOMPARE(readInputFile(fixture("x.npy")).data, x3.data);
        const std::string z = dir.filePath("in.npz").toStdString();
        npy::writeNpz(z, {npy::ref("mask", x2), npy::ref("input", x3)});
        InputFile f = readInputFileDetailed(z);
        QCOMPARE(f.arrayName, std::string("input"));
        QCOMPARE(f.x.shape, x3.shape);
        InputReadOptions o;
        o.npzKey = "mask";
        QCOMPARE(readInputFile(z, o).shape, (Shape{1, 4, 3}));
        o.npzKey = "nope";
        QVERIFY(gstest::errorOf([&] { readInputFile(z, o); }).has_value());
        ArrayF x1({5});
        const std::string p1 = dir.filePath("x1.npy").toStdString();
        npy::writeNpy(p1, npy::ref("", x1));
        const auto e = gstest::errorOf([&] { readInputFile(p1); });
        QVERIFY(e.has_value());
        QCOMPARE(e->code(), ErrorCode::ShapeMismatch);
        const std::string fake = dir.filePath("fake.npy").toStdString();
        writeBytes(fake, "1,2\n");
        QVERIFY(gstest::errorOf([&] { readInputFile(fake); }).has_value());
    }
};

QTEST_GUILESS_MAIN(TstTensorFiles)
#include "tst_tensor_files.moc"
