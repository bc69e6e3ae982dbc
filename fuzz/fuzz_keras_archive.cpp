// fuzz_keras_archive: the contents of a Keras 3 .keras archive, packed into a valid zip by the
// harness, then the same path as fuzz_weightfile (openWeightFile, readGruWeights, a 1×2 call).
// Mutating a real .keras byte by byte mostly breaks the zip's CRCs; here the mutations land in
// config.json, metadata.json and model.weights.h5 instead (opened in place through the offset
// driver, File::openMember, when stored; as an in-memory image, File::openImage, when deflated).
//
// Input: one flag byte, then the members separated by kSeparator:
//   flags | config.json | SEP | metadata.json | SEP | model.weights.h5 [| SEP | name=extra member]
// flags bit 0: deflate the members (else stored, as Keras writes them); bit 1: leave out
// metadata.json; bit 2: leave out config.json. Seeds are made from resources/examples/*/model.keras
// (tools/fuzz --make-archive-seeds).
#include "fuzz_weightfile.h"

#include <zip.h>

#include <string_view>
#include <vector>

namespace {

constexpr std::string_view kSeparator = "\n--GRUSCOPE-MEMBER--\n";

bool writeZip(const std::string& path, const std::vector<std::pair<std::string, std::string_view>>& members, bool deflate)
{
    int err = 0;
    zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!za)
        return false;
    for (const auto& [name, bytes] : members) {
        zip_source_t* src = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
        if (!src)
            break;
        const zip_int64_t idx = zip_file_add(za, name.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
        if (idx < 0) {
            zip_source_free(src);
            continue;
        }
        zip_set_file_compression(za, zip_uint64_t(idx), deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 1);
    }
    if (zip_get_num_entries(za, 0) == 0 || zip_close(za) != 0) {
        zip_discard(za); // libzip writes no file for an archive without members
        return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const gruscope::fuzz::ScratchFile file(".keras");
    if (size < 1)
        return 0;
    const unsigned flags = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    std::vector<std::string_view> parts;
    while (parts.size() < 3) {
        const size_t at = rest.find(kSeparator);
        if (at == std::string_view::npos)
            break;
        parts.push_back(rest.substr(0, at));
        rest.remove_prefix(at + kSeparator.size());
    }
    parts.push_back(rest);

    std::vector<std::pair<std::string, std::string_view>> members;
    const char* names[] = {"config.json", "metadata.json", "model.weights.h5"};
    for (size_t i = 0; i < parts.size() && i < 3; ++i) {
        if ((i == 0 && (flags & 4)) || (i == 1 && (flags & 2)))
            continue;
        members.emplace_back(names[i], parts[i]);
    }
    if (parts.size() == 4) { // an extra member: "name=bytes" (a hostile name, a second config.json, ...)
        const size_t eq = parts[3].find('=');
        if (eq != std::string_view::npos && eq > 0)
            members.emplace_back(std::string(parts[3].substr(0, eq)), parts[3].substr(eq + 1));
    }
    if (!writeZip(file.path(), members, flags & 1))
        return 0;
    gruscope::fuzz::exerciseWeightFile(file.path());
    return 0;
}
