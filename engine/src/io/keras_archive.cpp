// Keras 3 .keras archives: a zip with metadata.json, config.json and model.weights.h5.
//
// Keras writes every member stored (uncompressed). A stored model.weights.h5 is opened in place:
// libhdf5 reads, through h5::File::openMember, only the bytes it asks for at the member's offset
// in the archive, so a 2 GB archive holding a small GRU beside a large Embedding reads kilobytes
// and takes no memory for the member (maxArchiveMemberBytes, a memory cap, does not apply to it).
// Its CRC is then not verified, since that would need every byte: the zip headers are checked
// against each other instead (zip_stored_member.h) and libhdf5's structure checks stand for the
// CRC (a member cut short is refused as a truncated HDF5 file; a changed weight byte is not seen).
//
// Members some tools deflate, and config.json / metadata.json, are read whole into memory with
// their declared sizes checked first and their length and CRC verified after, so a lying or
// bomb-like archive is refused. A member that is itself a zip archive is refused by name.
#include "weightfile_detail.h"

#include "gruscope/error.h"
#include "io/zip_archive.h"
#include "io/zip_stored_member.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

namespace gruscope::io {

namespace {

// config.json and metadata.json are small texts; anything near this is not what Keras wrote.
constexpr uint64_t kMaxJsonMemberBytes = uint64_t(64) << 20;

std::atomic<bool> g_weightsInMemory{false};

bool startsWithZip(const unsigned char* p, size_t n)
{
    // A local header (PK\3\4) or the end record of an empty zip (PK\5\6).
    return n >= 4 && p[0] == 'P' && p[1] == 'K' && ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6));
}

// A .keras inside a .keras (or any zip posing as a member) is not unpacked a second time: each level
// would need its own limits, and Keras never writes one.
[[noreturn]] void refuseNested(const std::string& what)
{
    throw Error(ErrorCode::Unsupported, what + " is itself a zip archive (nested archives are not read)");
}

void checkNotNested(const std::string& what, const std::vector<std::byte>& data)
{
    if (startsWithZip(reinterpret_cast<const unsigned char*>(data.data()), data.size()))
        refuseNested(what);
}

void checkNotNested(const std::string& what, const std::string& path, const StoredMemberRange& range)
{
    unsigned char head[4] = {};
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw Error(ErrorCode::BadFile, what + ": cannot open the archive");
    const ssize_t got = ::pread(fd, head, std::min<uint64_t>(4, range.size), off_t(range.offset));
    ::close(fd);
    if (got < 0)
        throw Error(ErrorCode::BadFile, what + ": cannot read the member");
    if (startsWithZip(head, size_t(got)))
        refuseNested(what);
}

} // namespace

void setArchiveWeightsInMemory(bool inMemory) noexcept
{
    g_weightsInMemory = inMemory;
}

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
    out.path = path;
    bool haveConfig = false, haveWeights = false;
    for (const ZipMember& m : zip.members()) {
        const bool isConfig = m.name == "config.json", isMeta = m.name == "metadata.json", isWeights = m.name == "model.weights.h5";
        if (!isConfig && !isMeta && !isWeights)
            continue;
        const std::string what = zip.describe(m);
        if (!isWeights && m.size > kMaxJsonMemberBytes)
            throw Error(ErrorCode::ResourceLimit, what + ": the member says it unpacks to " + std::to_string(m.size) +
                                                      " bytes, more than the " + std::to_string(kMaxJsonMemberBytes) +
                                                      " bytes a JSON member may hold");
        if (!m.stored())
            out.deflated = true;
        if (isWeights) {
            haveWeights = true;
            out.weightsName = what;
            out.weightsBytes = m.size;
            if (m.stored() && !g_weightsInMemory) {
                zip.checkMemberInPlace(m);
                const StoredMemberRange range = locateStoredMember(path, m);
                checkNotNested(what, path, range);
                out.weightsInPlace = true;
                out.weightsOffset = range.offset;
                continue;
            }
        }
        std::vector<std::byte> data = zip.read(m);
        checkNotNested(what, data);
        if (isWeights) {
            out.weightsH5 = std::move(data);
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

h5::File openArchiveWeights(ArchiveMembers& members, const h5::Limits& limits)
{
    if (members.weightsInPlace)
        return h5::File::openMember(members.path, members.weightsOffset, members.weightsBytes, members.weightsName, limits);
    return h5::File::openImage(std::move(members.weightsH5), members.weightsName, limits);
}

} // namespace gruscope::io
