// A weight file's structure as a tree: HDF5 groups, datasets and attributes, a .keras archive's
// members. One walk of the file makes it; `inspect --tree`'s text lines are printed from it, and
// the window's File panel shows it with the validator's diagnostics on the nodes they name.
#pragma once

#include "gruscope/array.h"
#include "gruscope/weightfile.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gruscope {

struct FileTreeNode {
    enum class Kind {
        Group,     // an HDF5 group ("/" is the root of an HDF5 file)
        Dataset,   // an HDF5 dataset: shape and dtype
        Attribute, // an attribute of the node it hangs under: value
        Link,      // a soft or external link (not followed)
        Other,     // an HDF5 object of another kind (a named datatype)
        Archive,   // a .keras zip archive (value: "deflated" or "stored")
        Member,    // one of its members (value: its size, "123 bytes")
    };
    Kind kind = Kind::Group;
    std::string name;  // as stored ("kernel:0", "model_config", "config.json")
    // Where it is, in the form the readers use for GruLayerInfo::tensors and Diagnostic::where:
    // an object's full HDF5 path ("/model_weights/gru/gru/kernel:0"; inside a .keras archive the
    // path inside model.weights.h5), an attribute's "<owner path> <name>" ("/ model_config"), a
    // member's name.
    std::string path;
    Shape shape;          // datasets
    std::string dtype;    // datasets ("float32", "bfloat16 (stored as uint16)")
    std::string value;    // attributes (one line, long values shortened), archives and members
    std::vector<FileTreeNode> children; // attributes first, then the group's members in file order
    std::vector<Diagnostic> problems;   // the diagnostics that name this node (attachDiagnostics)

    bool operator==(const FileTreeNode&) const = default;
};

struct FileTree {
    std::vector<FileTreeNode> roots; // one: "/" of an HDF5 file or the archive; none otherwise
    std::string note;                // why there is no tree (not HDF5 nor zip)
    int64_t omitted = 0;             // lines (nodes) left out over the limit

    bool operator==(const FileTree&) const = default;
};

// Walks the file: at most `maxLines` nodes (counting as describeFileTree counts lines), the rest
// counted in `omitted`; the root's attributes are always listed, up to 4096. Groups nest at most
// 32 deep. Throws Error for unreadable files.
FileTree readFileTree(const std::string& path, int maxLines = 500);

// describeFileTree's lines, printed from a tree readFileTree made.
std::vector<std::string> fileTreeLines(const FileTree& tree);

// Puts each diagnostic on the node its `where` names: the node with that path, else the nearest
// node above it ("/model_weights/gru/gru" → "/model_weights/gru"), else the root.
void attachDiagnostics(FileTree& tree, const std::vector<Diagnostic>& diagnostics);

// The node at `path` (as in FileTreeNode::path); null when there is none.
const FileTreeNode* findFileTreeNode(const FileTree& tree, const std::string& path);

// Every node, roots included.
int64_t fileTreeNodeCount(const FileTree& tree);

const char* fileTreeKindName(FileTreeNode::Kind kind) noexcept;

} // namespace gruscope
