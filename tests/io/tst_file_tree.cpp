// The file tree as nodes (gruscope/file_tree.h): the nodes of real Keras files (paths, shapes,
// dtypes, attribute values, a .keras archive's members), the text of `inspect --tree` printed
// from them, the node limit, diagnostics on the nodes they name (exact path, attribute, nearest
// group above, the root), and the tree through gruscope-parse's reply: equal after the round
// trip, and refused when the reply's tree is malformed (too deep, a node without a parent, an
// unknown kind).
#include "gruscope/error.h"
#include "gruscope/file_tree.h"
#include "gruscope/isolated_parse.h"
#include "test_support.h"

#include <QTest>

#include <nlohmann/json.hpp>

using namespace gruscope;

namespace {

std::string fixture(const char* name) { return gstest::dataPath(std::string("weightfiles/") + name); }

const FileTreeNode& node(const FileTree& t, const std::string& path)
{
    const FileTreeNode* n = findFileTreeNode(t, path);
    if (!n)
        throw std::runtime_error("no node " + path);
    return *n;
}

const FileTreeNode* attribute(const FileTreeNode& owner, const std::string& name)
{
    for (const auto& c : owner.children)
        if (c.kind == FileTreeNode::Kind::Attribute && c.name == name)
            return &c;
    return nullptr;
}

LoadedWeightFile loadInProcess(const std::string& path)
{
    ParseOptions o;
    o.isolate = false;
    return loadWeightFile(path, o);
}

// A reply whose header was changed by `edit` (the tree's part of it).
std::string editedReply(const LoadedWeightFile& f, const std::function<void(nlohmann::json&)>& edit)
{
    const std::string reply = encodeParseReply(f);
    const size_t magic = 17;
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | uint8_t(reply[magic + size_t(i)]);
    nlohmann::json h = nlohmann::json::parse(reply.substr(magic + 8, n));
    edit(h);
    const std::string header = h.dump();
    std::string out = reply.substr(0, magic);
    for (int i = 0; i < 8; ++i)
        out.push_back(char((uint64_t(header.size()) >> (8 * i)) & 0xff));
    return out + header + reply.substr(magic + 8 + n);
}

} // namespace

class TstFileTree : public QObject {
    Q_OBJECT
private slots:
    void legacyFullModel()
    {
        const FileTree t = readFileTree(fixture("tfk_bidi_concat.full.h5"), 2000);
        QCOMPARE(t.roots.size(), size_t(1));
        QCOMPARE(t.omitted, int64_t(0));
        const FileTreeNode& root = t.roots[0];
        QCOMPARE(root.kind, FileTreeNode::Kind::Group);
        QCOMPARE(root.path, std::string("/"));
        QVERIFY(attribute(root, "keras_version") && attribute(root, "keras_version")->value == "2.21.0");
        QCOMPARE(attribute(root, "model_config")->path, std::string("/ model_config"));
        for (const char* dir : {"forward_gru", "backward_gru"}) {
            const std::string cell = std::string("/model_weights/bidirectional/bidirectional/") + dir + "/gru_cell";
            QCOMPARE(node(t, cell).kind, FileTreeNode::Kind::Group);
            const FileTreeNode& k = node(t, cell + "/kernel:0");
            QCOMPARE(k.kind, FileTreeNode::Kind::Dataset);
            QCOMPARE(k.name, std::string("kernel:0"));
            QCOMPARE(k.shape, (Shape{3, 12}));
            QCOMPARE(k.dtype, std::string("float32"));
            QCOMPARE(node(t, cell + "/recurrent_kernel:0").shape, (Shape{4, 12}));
            QCOMPARE(node(t, cell + "/bias:0").shape, (Shape{2, 12}));
        }
        const FileTreeNode& names = *attribute(node(t, "/model_weights"), "layer_names");
        QCOMPARE(names.value, std::string("[2 strings] bidirectional, …"));
        // Every tensor a reader found is a dataset node of the tree.
        const WeightFileInfo info = openWeightFile(fixture("tfk_bidi_concat.full.h5"));
        QCOMPARE(info.layers.size(), size_t(2));
        for (const auto& l : info.layers)
            for (const auto& p : l.tensors)
                QCOMPARE(node(t, p).kind, FileTreeNode::Kind::Dataset);
    }

    void cudnnAndKeras2()
    {
        const FileTree c = readFileTree(fixture("tfk_cudnngru.full.h5"), 2000);
        QCOMPARE(node(c, "/model_weights/cu_dnngru/cu_dnngru/bias:0").shape, (Shape{24}));
        QCOMPARE(node(c, "/model_weights/cu_dnngru/cu_dnngru/kernel:0").shape, (Shape{3, 12}));
        QCOMPARE(node(c, "/model_weights/cu_dnngru/cu_dnngru/recurrent_kernel:0").shape, (Shape{4, 12}));
        const FileTree k = readFileTree(fixture("keras212_gru_no_reset_after_constructed.h5"), 2000);
        QCOMPARE(attribute(k.roots[0], "keras_version")->value, std::string("2.1.2"));
        QCOMPARE(node(k, "/model_weights/gru_1/gru_1/bias:0").shape, (Shape{12}));
        QCOMPARE(node(k, "/model_weights/gru_1/gru_1/kernel:0").dtype, std::string("float32"));
        QCOMPARE(node(k, "/model_weights/dense_1/dense_1/kernel:0").shape, (Shape{4, 2}));
    }

    void kerasArchive()
    {
        const FileTree t = readFileTree(fixture("k3_gru_dense.keras"), 2000);
        QCOMPARE(t.roots.size(), size_t(1));
        const FileTreeNode& a = t.roots[0];
        QCOMPARE(a.kind, FileTreeNode::Kind::Archive);
        QCOMPARE(a.value, std::string("stored"));
        QCOMPARE(a.children.size(), size_t(3));
        QCOMPARE(node(t, "config.json").kind, FileTreeNode::Kind::Member);
        QCOMPARE(node(t, "config.json").value, std::string("2792 bytes"));
        QCOMPARE(node(t, "model.weights.h5").value, std::string("15040 bytes"));
        // Inside model.weights.h5, paths as the Keras 3 reader names the tensors.
        QCOMPARE(node(t, "/layers/gru/cell/vars/0").shape, (Shape{3, 12}));
        QCOMPARE(node(t, "/layers/gru/cell/vars/1").shape, (Shape{4, 12}));
        QCOMPARE(node(t, "/layers/gru/cell/vars/2").shape, (Shape{2, 12}));
        QCOMPARE(attribute(node(t, "/layers/gru/cell/vars"), "name")->value, std::string("gru_cell"));
        const WeightFileInfo info = openWeightFile(fixture("k3_gru_dense.keras"));
        QCOMPARE(info.layers.at(0).tensors.at(0), std::string("/layers/gru/cell/vars/0"));
    }

    void theTextIsPrintedFromTheNodes()
    {
        for (const char* f : {"k3_gru_dense.keras", "tfk_bidi_concat.full.h5", "tfk_cudnngru.full.h5", "torch_gru_l1_head.safetensors"}) {
            const FileTree t = readFileTree(fixture(f), 2000);
            QCOMPARE(fileTreeLines(t), describeFileTree(fixture(f), 2000));
        }
        const std::vector<std::string> lines = describeFileTree(fixture("tfk_cudnngru.full.h5"), 2000);
        QCOMPARE(lines.at(0), std::string("/"));
        QCOMPARE(lines.at(1), std::string("@backend = tensorflow"));
        QVERIFY(std::find(lines.begin(), lines.end(), "        bias:0  (24,) float32") != lines.end());
        const FileTree none = readFileTree(fixture("torch_gru_l1_head.safetensors"), 2000);
        QVERIFY(none.roots.empty());
        QCOMPARE(fileTreeLines(none), std::vector<std::string>{"(not an HDF5 file or a zip archive: no tree)"});
    }

    void theLimitCountsNodes()
    {
        const FileTree all = readFileTree(fixture("tfk_bidi_concat.full.h5"), 100000);
        const int64_t total = fileTreeNodeCount(all);
        for (int limit : {0, 5, 10, 20}) {
            const FileTree t = readFileTree(fixture("tfk_bidi_concat.full.h5"), limit);
            // The root and its three attributes always; the rest up to the limit, counted beyond.
            QVERIFY(fileTreeNodeCount(t) <= std::max(limit, 4));
            QCOMPARE(fileTreeNodeCount(t) + t.omitted, total);
            const auto lines = fileTreeLines(t);
            QCOMPARE(lines.back(), "… " + std::to_string(t.omitted) + " more lines");
        }
    }

    void diagnosticsSitOnTheirNodes()
    {
        FileTree t = readFileTree(fixture("tfk_bidi_concat.full.h5"), 2000);
        using S = Diagnostic::Severity;
        attachDiagnostics(t, {{S::Warning, "/model_weights/bidirectional", "exact"},
                              {S::Warning, "/ model_config", "an attribute"},
                              {S::Error, "/model_weights/dense/dense/kernel:0/nothing", "below a dataset"},
                              {S::Info, "/model_weights/missing/deeper", "a missing group"},
                              {S::Info, "model_weights/dense", "no leading slash"},
                              {S::Info, "weights", "nowhere"}});
        auto messages = [&](const std::string& path) {
            std::vector<std::string> m;
            for (const auto& d : node(t, path).problems)
                m.push_back(d.message);
            return m;
        };
        QCOMPARE(messages("/model_weights/bidirectional"), std::vector<std::string>{"exact"});
        QCOMPARE(messages("/ model_config"), std::vector<std::string>{"an attribute"});
        QCOMPARE(messages("/model_weights/dense/dense/kernel:0"), std::vector<std::string>{"below a dataset"});
        QCOMPARE(messages("/model_weights"), std::vector<std::string>{"a missing group"});
        QCOMPARE(messages("/model_weights/dense"), std::vector<std::string>{"no leading slash"});
        QCOMPARE(messages("/"), std::vector<std::string>{"nowhere"});

        FileTree k = readFileTree(fixture("k3_gru_dense.keras"), 2000);
        attachDiagnostics(k, {{S::Warning, "config.json", "a member"}, {S::Info, "/layers", "no GRU"}});
        QCOMPARE(node(k, "config.json").problems.at(0).message, std::string("a member"));
        QCOMPARE(node(k, "/layers").problems.at(0).message, std::string("no GRU"));
    }

    void theLoadPutsTheLayerChecksOnTheGroups()
    {
        // Keras 2.1.2 wrote no reset_after: the layer check says what was assumed, on the layer's
        // group — as `gruscope-cli inspect` lists it.
        const LoadedWeightFile f = loadInProcess(fixture("keras212_gru_no_reset_after_constructed.h5"));
        QCOMPARE(f.tree, fileTreeLines(f.fileTree));
        const FileTreeNode& group = node(f.fileTree, "/model_weights/gru_1");
        bool assumed = false;
        for (const auto& d : group.problems)
            assumed |= d.where == "/model_weights/gru_1" && d.message.find("reset_after") != std::string::npos;
        QVERIFY(assumed);
        QVERIFY(node(f.fileTree, "/model_weights/dense_1").problems.empty());
    }

    void theReplyCarriesTheTree()
    {
        const LoadedWeightFile f = loadInProcess(fixture("keras212_gru_no_reset_after_constructed.h5"));
        const LoadedWeightFile g = decodeParseReply(encodeParseReply(f), {}, "test");
        QVERIFY(g.fileTree == f.fileTree);
        QVERIFY(fileTreeNodeCount(g.fileTree) > 10);

        auto refused = [&](const std::function<void(nlohmann::json&)>& edit) {
            try {
                decodeParseReply(editedReply(f, edit), {}, "test");
            } catch (const Error& e) {
                return e.code() == ErrorCode::BadFile && std::string(e.what()).find("malformed") != std::string::npos;
            }
            return false;
        };
        QVERIFY(refused([](nlohmann::json& h) { h["fileTree"]["nodes"][3]["depth"] = 7; }));    // no parent
        QVERIFY(refused([](nlohmann::json& h) { h["fileTree"]["nodes"][0]["depth"] = 1; }));
        QVERIFY(refused([](nlohmann::json& h) { h["fileTree"]["nodes"][1]["kind"] = 99; }));
        QVERIFY(refused([](nlohmann::json& h) { h["fileTree"]["nodes"][1]["kind"] = "group"; }));
        QVERIFY(refused([](nlohmann::json& h) { h["fileTree"]["nodes"][1]["shape"] = {1.5}; }));
        QVERIFY(refused([](nlohmann::json& h) { h["fileTree"]["omitted"] = -1; }));
        QVERIFY(refused([](nlohmann::json& h) { h["fileTree"].erase("nodes"); }));
        QVERIFY(refused([](nlohmann::json& h) { h["fileTree"]["nodes"][2]["problems"] = {{{"severity", 5}, {"where", ""}, {"message", ""}}}; }));
        // Deeper than any walk makes: a chain of 100 nodes, each inside the last.
        QVERIFY(refused([](nlohmann::json& h) {
            nlohmann::json chain = nlohmann::json::array();
            for (int d = 0; d < 100; ++d)
                chain.push_back({{"depth", d}, {"kind", 0}, {"name", "g"}, {"path", "/g"}, {"shape", nlohmann::json::array()},
                                 {"dtype", ""}, {"value", ""}, {"problems", nlohmann::json::array()}});
            h["fileTree"]["nodes"] = chain;
        }));
    }
};

QTEST_MAIN(TstFileTree)
#include "tst_file_tree.moc"
