#include "tree_wire.h"

#include "gruscope/error.h"

namespace gruscope::detail {

namespace {

using nlohmann::json;
using Node = FileTreeNode;

void flatten(const Node& n, int depth, json& out)
{
    json problems = json::array();
    for (const Diagnostic& d : n.problems)
        problems.push_back({{"severity", int(d.severity)}, {"where", d.where}, {"message", d.message}});
    out.push_back({{"depth", depth}, {"kind", int(n.kind)}, {"name", n.name}, {"path", n.path}, {"shape", n.shape},
                   {"dtype", n.dtype}, {"value", n.value}, {"problems", problems}});
    for (const Node& c : n.children)
        flatten(c, depth + 1, out);
}

[[noreturn]] void fail(const std::string& source, const std::string& what)
{
    throw Error(ErrorCode::BadFile, source + ": the parser's reply is malformed (file tree: " + what + ")");
}

// An integer, not a float cut down to one (1e300 does not fit) nor a string.
int64_t integer(const json& j, const std::string& source, const char* what)
{
    if (!j.is_number_integer())
        fail(source, std::string(what) + " is not an integer");
    return j.get<int64_t>();
}

int intIn(const json& j, int last, const std::string& source, const char* what)
{
    const int64_t v = integer(j, source, what);
    if (v < 0 || v > last)
        fail(source, std::string(what) + " " + std::to_string(v) + " out of range");
    return int(v);
}

} // namespace

json fileTreeToWire(const FileTree& tree)
{
    json nodes = json::array();
    for (const Node& r : tree.roots)
        flatten(r, 0, nodes);
    return {{"note", tree.note}, {"omitted", tree.omitted}, {"nodes", nodes}};
}

FileTree fileTreeFromWire(const json& j, const std::string& source)
{
    FileTree tree;
    tree.note = j.at("note").get<std::string>();
    tree.omitted = integer(j.at("omitted"), source, "the count of omitted lines");
    if (tree.omitted < 0)
        fail(source, "a negative count of omitted lines");
    const json& nodes = j.at("nodes");
    if (!nodes.is_array() || nodes.size() > kMaxWireTreeNodes)
        fail(source, "not a list of at most " + std::to_string(kMaxWireTreeNodes) + " nodes");
    // The nodes from the root to the one read last: a node at depth d is a child of chain[d - 1].
    std::vector<Node*> chain;
    for (const json& w : nodes) {
        const size_t depth = size_t(intIn(w.at("depth"), int(kMaxWireTreeDepth), source, "depth"));
        if (depth > chain.size())
            fail(source, "a node deeper than its parent allows");
        Node n;
        n.kind = Node::Kind(intIn(w.at("kind"), int(Node::Kind::Member), source, "node kind"));
        n.name = w.at("name").get<std::string>();
        n.path = w.at("path").get<std::string>();
        const json& shape = w.at("shape");
        if (!shape.is_array() || shape.size() > 64)
            fail(source, "a shape that is not a list of at most 64 dimensions");
        for (const json& d : shape)
            n.shape.push_back(integer(d, source, "a dimension")); // shown, never allocated from
        n.dtype = w.at("dtype").get<std::string>();
        n.value = w.at("value").get<std::string>();
        for (const json& p : w.at("problems")) {
            Diagnostic d;
            d.severity = Diagnostic::Severity(intIn(p.at("severity"), int(Diagnostic::Severity::Error), source, "severity"));
            d.where = p.at("where").get<std::string>();
            d.message = p.at("message").get<std::string>();
            n.problems.push_back(std::move(d));
        }
        chain.resize(depth);
        std::vector<Node>& siblings = depth == 0 ? tree.roots : chain.back()->children;
        siblings.push_back(std::move(n));
        chain.push_back(&siblings.back());
    }
    return tree;
}

} // namespace gruscope::detail
