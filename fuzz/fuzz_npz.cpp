// fuzz_npz: npy::readNpz on arbitrary bytes (written to a scratch file: the API takes a path),
// with the default limits and with small ones, then the conversions of every member. What was read is written back with writeNpz and must
// read back identical. gruscope::Error is the expected outcome; anything else is a bug.
#include "fuzz_common.h"

#include "gruscope/error.h"
#include "gruscope/npy.h"

using namespace gruscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const fuzz::ScratchFile in(".npz"), out(".out.npz");
    npy::ReadLimits limits;
    limits.maxElements = int64_t(1) << 20;
    in.write(data, size);

    // With the default limits too: what readNpz allocates must follow from the bytes in the file,
    // not from the sizes an archive declares (tools/fuzz runs this target with -malloc_limit_mb).
    try {
        (void)npy::readNpz(in.path());
    } catch (const Error&) {
    }

    std::vector<std::pair<std::string, npy::NpyArray>> members;
    try {
        members = npy::readNpz(in.path(), limits);
    } catch (const Error&) {
        return 0;
    }
    std::vector<npy::ArrayRef> refs;
    for (const auto& [name, a] : members) {
        FUZZ_CHECK(a.elementCount() <= limits.maxElements);
        FUZZ_CHECK(a.toFloat().data.size() == size_t(a.elementCount()));
        try {
            (void)a.toMask(name);
        } catch (const Error&) {
        }
        npy::ArrayRef r;
        r.name = name;
        r.dtype = a.dtype;
        r.shape = a.shape;
        r.data = a.bytes.data();
        refs.push_back(r);
    }

    // Round trip. Member names come from the archive and may be ones writeNpz refuses (an Error).
    try {
        npy::writeNpz(out.path(), refs);
    } catch (const Error&) {
        return 0;
    }
    const auto again = npy::readNpz(out.path(), limits);
    FUZZ_CHECK(again.size() == members.size());
    for (size_t i = 0; i < again.size(); ++i) {
        FUZZ_CHECK(again[i].first == members[i].first);
        FUZZ_CHECK(again[i].second.dtype == members[i].second.dtype);
        FUZZ_CHECK(again[i].second.shape == members[i].second.shape);
        FUZZ_CHECK(again[i].second.bytes == members[i].second.bytes);
    }
    return 0;
}
