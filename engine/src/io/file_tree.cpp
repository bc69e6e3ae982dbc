// A weight file's structure (gruscope/file_tree.h), for `gruscope-cli inspect --tree` and the
// window's File panel. One walk makes the tree; the text lines are printed from it, so the two
// can never disagree.
#include "gruscope/file_tree.h"

#include "weightfile_detail.h"

#include "gruscope/error.h"

namespace gruscope {

namespace {

using Node = FileTreeNode;

constexpr size_t kMaxRootAttributes = 4096;

std::string shorten(std::string s, size_t n = 80)
{
    for (auto& c : s)
        if (c == '\n' || c == '\r')
            c = ' ';
    if (s.size() > n)
        s = s.substr(0, n) + "… (" + std::to_string(s.size()) + " chars)";
    return s;
}

// The walk keeps at most `maxLines` nodes, counting as the text counts lines (the header lines
// too); the rest are only counted, so a hostile file with millions of objects stays small.
struct Budget {
    int maxLines;
    int64_t lines = 0;
    int64_t skipped = 0;
    bool take()
    {
        if (lines < maxLines) {
            ++lines;
            return true;
        }
        ++skipped;
        return false;
    }
};

// An attribute's value on one line: a string (shortened), a count of strings, a number.
std::string attributeValue(const h5::File& f, const std::string& path, const std::string& a)
{
    std::string value;
    try {
        if (auto s = f.strings(path, a))
            value = s->size() == 1 ? shorten(s->front())
                                   : "[" + std::to_string(s->size()) + " strings] " + (s->empty() ? "" : shorten(s->front(), 40) + ", …");
    } catch (const Error&) {
        if (auto n = f.numbers(path, a))
            value = n->size() == 1 ? std::to_string(n->front()) : "[" + std::to_string(n->size()) + " numbers]";
    }
    return value;
}

// The root's attributes have always been listed more briefly (strings only, no first value).
std::string rootAttributeValue(const h5::File& f, const std::string& a)
{
    std::string value;
    try {
        if (auto s = f.strings("/", a))
            value = s->size() == 1 ? shorten(s->front()) : "[" + std::to_string(s->size()) + " strings]";
    } catch (const Error&) {
    }
    return value;
}

Node attributeNode(const std::string& owner, const std::string& name, std::string value)
{
    Node n;
    n.kind = Node::Kind::Attribute;
    n.name = name;
    n.path = owner + " " + name; // as the readers write Diagnostic::where ("/ model_config")
    n.value = std::move(value);
    return n;
}

void walk(const h5::File& f, const std::string& path, int depth, Node& parent, Budget& budget)
{
    if (depth > 32)
        return;
    for (const auto& name : f.children(path)) {
        const std::string p = io::joinH5(path, name);
        const h5::Kind k = f.kind(p);
        Node n;
        n.name = name;
        n.path = p;
        switch (k) {
        case h5::Kind::Dataset: {
            const auto info = f.datasetInfo(p);
            n.kind = Node::Kind::Dataset;
            n.shape = info.shape;
            n.dtype = info.typeName;
            break;
        }
        case h5::Kind::Group: n.kind = Node::Kind::Group; break;
        case h5::Kind::SoftLink:
        case h5::Kind::ExternalLink: n.kind = Node::Kind::Link; break;
        default: n.kind = Node::Kind::Other; break;
        }
        // Once the budget is spent nothing more is kept, so a kept node never lost its parent.
        const bool kept = budget.take();
        for (const auto& a : f.attributeNames(p)) {
            Node attr = attributeNode(p, a, attributeValue(f, p, a));
            if (budget.take())
                n.children.push_back(std::move(attr));
        }
        if (k == h5::Kind::Group)
            walk(f, p, depth + 1, n, budget);
        if (kept)
            parent.children.push_back(std::move(n));
    }
}

void printNode(const Node& n, int depth, std::vector<std::string>& out)
{
    const std::string indent(size_t(depth) * 2, ' ');
    switch (n.kind) {
    case Node::Kind::Attribute: out.push_back(indent + "@" + n.name + " = " + n.value); return;
    case Node::Kind::Dataset: out.push_back(indent + n.name + "  " + shapeToString(n.shape) + " " + n.dtype); break;
    case Node::Kind::Group: out.push_back(indent + n.name + "/"); break;
    case Node::Kind::Link: out.push_back(indent + n.name + "  (link, not followed)"); break;
    default: out.push_back(indent + n.name); break;
    }
    for (const Node& c : n.children)
        printNode(c, depth + 1, out);
}

const Node* childNamed(const Node& n, const std::string& name)
{
    for (const Node& c : n.children)
        if (c.name == name)
            return &c;
    return nullptr;
}

} // namespace

FileTree readFileTree(const std::string& path, int maxLines)
{
    FileTree tree;
    Budget budget{maxLines};
    if (h5::fileLooksLikeHdf5(path)) {
        const h5::File f = h5::File::open(path);
        Node root;
        root.name = "/";
        root.path = "/";
        ++budget.lines;
        // The root's attributes are listed whatever the limit (as they always were: they say which
        // Keras wrote the file), up to a cap of their own against a hostile file.
        for (const auto& a : f.attributeNames("/")) {
            if (root.children.size() < kMaxRootAttributes) {
                root.children.push_back(attributeNode("/", a, rootAttributeValue(f, a)));
                ++budget.lines;
            } else {
                ++budget.skipped;
            }
        }
        walk(f, "/", 1, root, budget);
        tree.roots.push_back(std::move(root));
    } else if (io::fileStartsWithZip(path)) {
        io::ArchiveMembers m = io::readKerasArchive(path, {});
        Node archive;
        archive.kind = Node::Kind::Archive;
        archive.name = "zip archive";
        archive.value = m.deflated ? "deflated" : "stored";
        auto member = [](const std::string& name, uint64_t bytes) {
            Node n;
            n.kind = Node::Kind::Member;
            n.name = name;
            n.path = name;
            n.value = std::to_string(bytes) + " bytes";
            return n;
        };
        archive.children.push_back(member("metadata.json", m.metadataJson.size()));
        archive.children.push_back(member("config.json", m.configJson.size()));
        Node weights = member("model.weights.h5", m.weightsBytes);
        budget.lines += 2; // the archive's line and "model.weights.h5 /"
        const h5::File f = io::openArchiveWeights(m, {});
        walk(f, "/", 1, weights, budget);
        archive.children.push_back(std::move(weights));
        tree.roots.push_back(std::move(archive));
    } else {
        tree.note = "(not an HDF5 file or a zip archive: no tree)";
    }
    tree.omitted = budget.skipped;
    return tree;
}

std::vector<std::string> fileTreeLines(const FileTree& tree)
{
    std::vector<std::string> out;
    if (!tree.note.empty())
        out.push_back(tree.note);
    for (const Node& root : tree.roots) {
        if (root.kind == Node::Kind::Archive) {
            const Node* config = childNamed(root, "config.json");
            const Node* weights = childNamed(root, "model.weights.h5");
            out.push_back("zip archive (" + root.value + "): metadata.json, config.json (" + (config ? config->value : "") +
                          "), model.weights.h5 (" + (weights ? weights->value : "") + ")");
            if (weights) {
                out.push_back("model.weights.h5 /");
                for (const Node& c : weights->children)
                    printNode(c, 1, out);
            }
        } else {
            out.push_back(root.name);
            // The root's attributes are not indented; its members are, one level.
            for (const Node& c : root.children)
                if (c.kind == Node::Kind::Attribute)
                    out.push_back("@" + c.name + " = " + c.value);
                else
                    printNode(c, 1, out);
        }
    }
    if (tree.omitted)
        out.push_back("… " + std::to_string(tree.omitted) + " more lines");
    return out;
}

std::vector<std::string> describeFileTree(const std::string& path, int maxLines)
{
    return fileTreeLines(readFileTree(path, maxLines));
}

namespace {

Node* findIn(Node& n, const std::string& path)
{
    if (n.path == path && n.kind != Node::Kind::Archive)
        return &n;
    for (Node& c : n.children)
        if (Node* hit = findIn(c, path))
            return hit;
    return nullptr;
}

// The path one step up: "<owner> <attribute>" → owner, "/a/b" → "/a", "/a" → "/", "a/b" → "a".
std::string parentPath(const std::string& path)
{
    if (const auto space = path.rfind(' '); space != std::string::npos && space > 0)
        return path.substr(0, space);
    const auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return {};
    return slash == 0 ? (path.size() > 1 ? "/" : "") : path.substr(0, slash);
}

} // namespace

void attachDiagnostics(FileTree& tree, const std::vector<Diagnostic>& diagnostics)
{
    if (tree.roots.empty())
        return;
    for (const Diagnostic& d : diagnostics) {
        Node* at = nullptr;
        // Readers write group paths with and without the leading slash; try both.
        std::string where = d.where;
        for (int step = 0; !at && !where.empty() && step < 4096; ++step) {
            for (Node& root : tree.roots)
                if ((at = findIn(root, where)) || (where[0] != '/' && (at = findIn(root, "/" + where))))
                    break;
            if (!at)
                where = parentPath(where);
        }
        (at ? *at : tree.roots.front()).problems.push_back(d);
    }
}

const FileTreeNode* findFileTreeNode(const FileTree& tree, const std::string& path)
{
    for (const Node& root : tree.roots)
        if (const Node* hit = findIn(const_cast<Node&>(root), path))
            return hit;
    return nullptr;
}

namespace {
int64_t countNodes(const Node& n)
{
    int64_t c = 1;
    for (const Node& k : n.children)
        c += countNodes(k);
    return c;
}
} // namespace

int64_t fileTreeNodeCount(const FileTree& tree)
{
    int64_t c = 0;
    for (const Node& r : tree.roots)
        c += countNodes(r);
    return c;
}

const char* fileTreeKindName(FileTreeNode::Kind kind) noexcept
{
    switch (kind) {
    case FileTreeNode::Kind::Group: return "group";
    case FileTreeNode::Kind::Dataset: return "dataset";
    case FileTreeNode::Kind::Attribute: return "attribute";
    case FileTreeNode::Kind::Link: return "link";
    case FileTreeNode::Kind::Other: return "object";
    case FileTreeNode::Kind::Archive: return "archive";
    case FileTreeNode::Kind::Member: return "archive member";
    }
    return "node";
}

} // namespace gruscope
