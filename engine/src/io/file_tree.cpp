// A readable listing of a weight file's structure, for `gruscope-cli inspect --tree` and the
// window's file view.
#include "weightfile_detail.h"

#include "gruscope/error.h"

namespace gruscope {

namespace {

std::string shorten(std::string s, size_t n = 80)
{
    for (auto& c : s)
        if (c == '\n' || c == '\r')
            c = ' ';
    if (s.size() > n)
        s = s.substr(0, n) + "… (" + std::to_string(s.size()) + " chars)";
    return s;
}

void walk(const h5::File& f, const std::string& path, int depth, std::vector<std::string>& out, int maxLines, int& skipped)
{
    if (depth > 32)
        return;
    for (const auto& name : f.children(path)) {
        const std::string p = io::joinH5(path, name);
        const std::string indent(size_t(depth) * 2, ' ');
        const h5::Kind k = f.kind(p);
        std::string line = indent + name;
        if (k == h5::Kind::Dataset) {
            const auto info = f.datasetInfo(p);
            line += "  " + shapeToString(info.shape) + " " + info.typeName;
        } else if (k == h5::Kind::Group) {
            line += "/";
        } else if (k == h5::Kind::SoftLink || k == h5::Kind::ExternalLink) {
            line += "  (link, not followed)";
        }
        if (int(out.size()) < maxLines)
            out.push_back(line);
        else
            ++skipped;
        for (const auto& a : f.attributeNames(p)) {
            std::string value;
            try {
                if (auto s = f.strings(p, a))
                    value = s->size() == 1 ? shorten(s->front()) : "[" + std::to_string(s->size()) + " strings] " + (s->empty() ? "" : shorten(s->front(), 40) + ", …");
            } catch (const Error&) {
                if (auto n = f.numbers(p, a))
                    value = n->size() == 1 ? std::to_string(n->front()) : "[" + std::to_string(n->size()) + " numbers]";
            }
            if (int(out.size()) < maxLines)
                out.push_back(indent + "  @" + a + " = " + value);
            else
                ++skipped;
        }
        if (k == h5::Kind::Group)
            walk(f, p, depth + 1, out, maxLines, skipped);
    }
}

} // namespace

std::vector<std::string> describeFileTree(const std::string& path, int maxLines)
{
    std::vector<std::string> out;
    int skipped = 0;
    auto rootAttrs = [&](const h5::File& f) {
        for (const auto& a : f.attributeNames("/")) {
            std::string value;
            try {
                if (auto s = f.strings("/", a))
                    value = s->size() == 1 ? shorten(s->front()) : "[" + std::to_string(s->size()) + " strings]";
            } catch (const Error&) {
            }
            out.push_back("@" + a + " = " + value);
        }
    };
    if (h5::fileLooksLikeHdf5(path)) {
        const h5::File f = h5::File::open(path);
        out.push_back("/");
        rootAttrs(f);
        walk(f, "/", 1, out, maxLines, skipped);
    } else if (io::fileStartsWithZip(path)) {
        io::ArchiveMembers m = io::readKerasArchive(path, {});
        out.push_back(std::string("zip archive (") + (m.deflated ? "deflated" : "stored") + "): metadata.json, config.json (" +
                      std::to_string(m.configJson.size()) + " bytes), model.weights.h5 (" + std::to_string(m.weightsBytes) + " bytes)");
        const h5::File f = io::openArchiveWeights(m, {});
        out.push_back("model.weights.h5 /");
        walk(f, "/", 1, out, maxLines, skipped);
    } else {
        out.push_back("(not an HDF5 file or a zip archive: no tree)");
    }
    if (skipped)
        out.push_back("… " + std::to_string(skipped) + " more lines");
    return out;
}

} // namespace gruscope
