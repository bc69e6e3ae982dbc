// Keras 3 .keras archives: a zip with metadata.json, config.json and model.weights.h5 (stored by
// Keras itself; deflated by some tools). Members are read into memory with their declared sizes
// checked first and verified after, so a lying or bomb-like archive is refused.
#include "weightfile_detail.h"

#include "gruscope/error.h"
#include "io/zip_archive.h"

#include <algorithm>
#include <fstream>

namespace gruscope::io {

namespace {

// config.json and metadata.json are small texts; anything near this is not what Keras wrote.
constexpr uint64_t kMaxJsonMemberBytes = uint64_t(64) << 20;

} // namespace

bool fileStartsWithZip(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    char sig[4] = {};
    return in.read(sig, 4) && sig[0] == 'P' && sig[1] == 'K' && sig[2] == 3 && sig[3] == 4;
}

ArchiveMembers readKerasArchive(const std::string& path, const WeightReadLimits& limits)
{
    ZipReadOptions options;
    options.refuseSuspiciousNames = true;
    options.maxMemberBytes = uint64_t(std::max<int64_t>(limits.maxArchiveMemberBytes, 0));
    options.maxMemberMeaning = "allowed for an archive member";
    ZipReader zip = ZipReader::open(path, options);
    ArchiveMembers out;
    bool haveConfig = false, haveWeights = false;
    for (const ZipMember& m : zip.members()) {
        const bool isConfig = m.name == "config.json", isMeta = m.name == "metadata.json", isWeights = m.name == "model.weights.h5";
        if (!isConfig && !isMeta && !isWeights)
            continue;
        if (!isWeights && m.size > kMaxJsonMemberBytes)
            throw Error(ErrorCode::ResourceLimit, zip.describe(m) + ": the member says it unpacks to " + std::to_string(m.size) +
                                                      " bytes, more than the " + std::to_string(kMaxJsonMemberBytes) +
                                                      " bytes a JSON member may hold");
        if (!m.stored())
            out.deflated = true;
        std::vector<std::byte> data = zip.read(m);
        if (isWeights) {
            out.weightsH5 = std::move(data);
            haveWeights = true;
        } else {
            std::string text(reinterpret_cast<const char*>(data.data()), data.size());
            (isConfig ? out.configJson : out.metadataJson) = std::move(text);
            haveConfig |= isConfig;
        }
    }
    if (!haveConfig || !haveWeights)
        throw Error(ErrorCode::Unsupported, path + ": a zip without " + std::string(!haveConfig ? "config.json" : "model.weights.h5") +
                                                ": not a Keras 3 .keras archive" +
                                                (haveConfig ? " (model.weights.npz archives are not read yet)" : ""));
    return out;
}

} // namespace gruscope::io
