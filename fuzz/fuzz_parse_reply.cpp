// fuzz_parse_reply: decodeParseReply on arbitrary bytes. The reply comes from gruscope-parse,
// which parses hostile files with a library that has memory bugs: the parent must treat the
// reply itself as hostile. gruscope::Error is the expected outcome; a reply that decodes must be
// consistent (one weight entry per layer, every tensor's data matching its shape, within the
// limits; a file tree no bigger than the bytes that described it), and encoding it again must
// decode to the same reply.
#include "fuzz_common.h"

#include "gruscope/error.h"
#include "gruscope/file_tree.h"
#include "gruscope/isolated_parse.h"

#include <string>

using namespace gruscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    WeightReadLimits limits;
    limits.maxElements = int64_t(1) << 22;
    LoadedWeightFile f;
    try {
        f = decodeParseReply(bytes, limits, "fuzz");
    } catch (const Error&) {
        return 0;
    }
    FUZZ_CHECK(f.layers.size() == f.info.layers.size());
    for (const auto& l : f.layers) {
        if (!l.weights)
            continue;
        for (const ArrayF* a : {&l.weights->kernel, &l.weights->recurrentKernel, &l.weights->bias}) {
            FUZZ_CHECK(a->data.size() <= size_t(limits.maxElements));
            if (!a->shape.empty())
                FUZZ_CHECK(int64_t(a->data.size()) == shapeElementCount(a->shape));
        }
    }
    // The tree stays within the decoder's limits (gruscope/file_tree.h nodes, flat on the wire).
    FUZZ_CHECK(fileTreeNodeCount(f.fileTree) <= int64_t(size));
    FUZZ_CHECK(f.fileTree.omitted >= 0);
    const std::string again = encodeParseReply(f);
    const LoadedWeightFile g = decodeParseReply(again, limits, "fuzz");
    FUZZ_CHECK(encodeParseReply(g) == again);
    return 0;
}
