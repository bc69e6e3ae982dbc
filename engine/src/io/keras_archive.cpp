// Keras 3 .keras archives: a zip with metadata.json, config.json and model.weights.h5 (stored by
// Keras itself; deflated by some tools). Members are read into memory with their declared sizes
// checked first and verified after, so a lying or bomb-like archive is refused.
#include "weightfile_detail.h"

#include "gruscope/error.h"

#include <zip.h>

#include <fstream>
#include <memory>

namespace gruscope::io {

namespace {

struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};

bool suspiciousName(const std::string& n)
{
    return n.empty() || n[0] == '/' || n.find("..") != std::string::npos || n.find('\\') != std::string::npos ||
           n.find(':') != std::string::npos;
}

} // namespace

bool fileStartsWithZip(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    char sig[4] = {};
    return in.read(sig, 4) && sig[0] == 'P' && sig[1] == 'K' && sig[2] == 3 && sig[3] == 4;
}

ArchiveMembers readKerasArchive(const std::string& path, const WeightReadLimits& limits)
{
    int err = 0;
    std::unique_ptr<zip_t, ZipCloser> z(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        const std::string why = zip_error_strerror(&ze);
        zip_error_fini(&ze);
        throw Error(ErrorCode::BadFile, path + ": not a readable zip archive (" + why + ")");
    }
    const zip_int64_t n = zip_get_num_entries(z.get(), 0);
    if (n < 0 || n > 100000)
        throw Error(ErrorCode::BadFile, path + ": implausible number of archive members (" + std::to_string(n) + ")");
    ArchiveMembers out;
    bool haveConfig = false, haveWeights = false;
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(z.get(), zip_uint64_t(i), 0, &st) < 0 || !(st.valid & ZIP_STAT_NAME))
            throw Error(ErrorCode::BadFile, path + ": unreadable archive member " + std::to_string(i));
        const std::string name = st.name;
        if (suspiciousName(name))
            throw Error(ErrorCode::BadFile, path + ": archive member name '" + name + "' tries to leave the archive (absolute path or ..)");
        const bool isConfig = name == "config.json", isMeta = name == "metadata.json", isWeights = name == "model.weights.h5";
        if (!isConfig && !isMeta && !isWeights)
            continue;
        if (!(st.valid & ZIP_STAT_SIZE) || int64_t(st.size) > limits.maxArchiveMemberBytes ||
            (!isWeights && st.size > (uint64_t(64) << 20)))
            throw Error(ErrorCode::ResourceLimit, path + ": member " + name + " declares " + std::to_string(st.size) +
                                                      " bytes, more than the limit");
        if ((st.valid & ZIP_STAT_COMP_SIZE) && st.comp_size > 0 && st.size / st.comp_size > 1000 && st.size > (uint64_t(1) << 26))
            throw Error(ErrorCode::ResourceLimit, path + ": member " + name + " expands " +
                                                      std::to_string(st.size / st.comp_size) + " times: refused as a zip bomb");
        if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE)
            out.deflated = true;
        std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(zip_fopen_index(z.get(), zip_uint64_t(i), 0), zip_fclose);
        if (!file)
            throw Error(ErrorCode::BadFile, path + ": cannot open archive member " + name + " (" + zip_strerror(z.get()) + ")");
        std::vector<std::byte> data(size_t(st.size));
        zip_int64_t got = data.empty() ? 0 : zip_fread(file.get(), data.data(), st.size);
        std::byte extra;
        if (got != zip_int64_t(st.size) || zip_fread(file.get(), &extra, 1) != 0)
            throw Error(ErrorCode::BadFile, path + ": archive member " + name + " does not hold the " + std::to_string(st.size) +
                                                " bytes it declares (truncated or corrupt)");
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
