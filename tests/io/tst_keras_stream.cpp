// .keras archives whose model.weights.h5 is opened in place (h5::File::openMember through the
// offset driver) instead of being read whole: the same layers, weights and trees as the in-memory
// path on every .keras made by real Keras, a large archive that is barely read, and archives that
// lie (truncated, headers that disagree, ranges past the end, nested zips, bombs) refused with an
// Error that names the file and the member.
#include "gruscope/error.h"
#include "gruscope/isolated_parse.h"
#include "gruscope/weightfile.h"
#include "h5/h5_file.h"
#include "h5/h5_offset_driver.h"
#include "io/weightfile_detail.h"
#include "io/zip_archive.h"
#include "io/zip_stored_member.h"

#include "byte_files.h"
#include "test_support.h"

#include <hdf5.h>

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>

using namespace gruscope;
using namespace gruscope::io;
namespace fs = std::filesystem;

Q_DECLARE_METATYPE(gruscope::ErrorCode)

namespace {

using gstest::Bytes;
using gstest::getU16;
using gstest::getU32;
using gstest::putU32;
using gstest::readFile;
using gstest::writeFile;






// The central directory entry and the local header of `name` (plain zip, as the fixtures are).
struct Headers {
    size_t central = 0;
    size_t local = 0;
};

Headers headersOf(const Bytes& zip, const std::string& name)
{
    size_t eocd = zip.size() - 22;
    while (getU32(zip, eocd) != 0x06054b50u)
        --eocd;
    size_t at = getU32(zip, eocd + 16);
    for (unsigned i = 0; i < getU16(zip, eocd + 10); ++i) {
        const size_t nameLen = getU16(zip, at + 28);
        if (std::string(reinterpret_cast<const char*>(&zip[at + 46]), nameLen) == name)
            return {at, getU32(zip, at + 42)};
        at += 46 + nameLen + getU16(zip, at + 30) + getU16(zip, at + 32);
    }
    throw std::runtime_error("no member " + name);
}

// An Error was thrown, of `code`, starting with `file` and saying `mentions`.
#define EXPECT_ERROR(call, file, wantCode, mentions)                                                                     \
    do {                                                                                                               \
        const std::optional<Error> e_ = gstest::errorOf([&] { call; });                                                        \
        QVERIFY2(e_.has_value(), "no Error for " #call);                                                              \
        const std::string w_ = e_->what();                                                                             \
        QVERIFY2(e_->code() == (wantCode), qPrintable(QString::fromStdString(w_) + " (" + errorCodeName(e_->code()) + ")")); \
        QVERIFY2(w_.rfind(file, 0) == 0, w_.c_str());                                                                  \
        QVERIFY2(w_.find(mentions) != std::string::npos, w_.c_str());                                                  \
    } while (0)

std::map<std::string, Bytes> membersOf(const std::string& path)
{
    std::map<std::string, Bytes> out;
    ZipReader zip = ZipReader::open(path);
    for (const ZipMember& m : zip.members())
        out[m.name] = zip.read(m);
    return out;
}

std::string text(const Bytes& b)
{
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// Everything a reader of the file sees: the listing, every layer's weights and the tree.
struct Seen {
    WeightFileInfo info;
    std::vector<GruWeights> weights;
    std::vector<std::string> tree;
    uint64_t driverBytes = 0; // read through the offset driver
};

Seen see(const std::string& path, bool inMemory, const WeightReadLimits& limits = {})
{
    setArchiveWeightsInMemory(inMemory);
    struct Reset {
        ~Reset() { setArchiveWeightsInMemory(false); }
    } reset;
    const uint64_t before = h5::offsetDriverBytesRead();
    Seen s;
    s.info = openWeightFile(path, limits);
    for (const GruLayerInfo& layer : s.info.layers)
        s.weights.push_back(readGruWeights(s.info, layer, limits));
    s.tree = describeFileTree(path, 100000);
    s.driverBytes = h5::offsetDriverBytesRead() - before;
    return s;
}

bool sameWeights(const GruWeights& a, const GruWeights& b)
{
    return gstest::sameBits(a.kernel, b.kernel) && gstest::sameBits(a.recurrentKernel, b.recurrentKernel) && gstest::sameBits(a.bias, b.bias);
}

void compareInfo(const WeightFileInfo& a, const WeightFileInfo& b)
{
    QVERIFY(a.format == b.format);
    QCOMPARE(a.formatDetail, b.formatDetail);
    QCOMPARE(a.kerasVersion, b.kerasVersion);
    QCOMPARE(a.backend, b.backend);
    QCOMPARE(a.modelConfigJson, b.modelConfigJson);
    QCOMPARE(a.layers.size(), b.layers.size());
    for (size_t i = 0; i < a.layers.size(); ++i) {
        const GruLayerInfo &x = a.layers[i], &y = b.layers[i];
        QCOMPARE(x.name, y.name);
        QCOMPARE(x.kind, y.kind);
        QCOMPARE(x.group, y.group);
        QVERIFY(x.tensors == y.tensors);
        QVERIFY(x.kernelShape == y.kernelShape && x.recurrentShape == y.recurrentShape && x.biasShape == y.biasShape);
        QCOMPARE(x.dtype, y.dtype);
        QVERIFY(x.config == y.config);
        QCOMPARE(x.configFromFile, y.configFromFile);
        QVERIFY(x.assumptions == y.assumptions);
        QCOMPARE(x.wrapper, y.wrapper);
        QCOMPARE(x.direction, y.direction);
        QCOMPARE(x.mergeMode, y.mergeMode);
    }
    QCOMPARE(a.diagnostics.size(), b.diagnostics.size());
    for (size_t i = 0; i < a.diagnostics.size(); ++i) {
        QCOMPARE(int(a.diagnostics[i].severity), int(b.diagnostics[i].severity));
        QCOMPARE(a.diagnostics[i].where, b.diagnostics[i].where);
        QCOMPARE(a.diagnostics[i].message, b.diagnostics[i].message);
    }
}

std::string wildDir()
{
    return gstest::wildWeightsDir();
}

} // namespace

class TstKerasStream : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void streamingMatchesInMemory_data();
    void streamingMatchesInMemory();
    void bigArchiveReadsLittle();
    void archiveWithComment();
    void memberCapInTheParseChild();

    void truncatedArchives();
    void lyingHeaders_data();
    void lyingHeaders();
    void memberRangeOutsideTheFile();
    void storedMemberShorterThanItsBytes();

    void nestedArchivesRefused_data();
    void nestedArchivesRefused();
    void deflatedSizeLies();
    void zipBombRefused();

private:
    QTemporaryDir m_dir;
    std::string path(const std::string& name) const { return m_dir.filePath(QString::fromStdString(name)).toStdString(); }
    std::string small() const { return gstest::dataPath("weightfiles/k3_gru_dense.keras"); }
    // Writes a .keras with these members in this order; weights stored unless `deflate`.
    void writeKeras(const std::string& file, const std::string& config, const std::string& meta, const Bytes& weights,
                    bool deflate = false, const std::string& weightsName = "model.weights.h5") const
    {
        ZipWriter::write(file, [&](ZipWriter& z) {
            z.add("metadata.json", meta);
            z.add("config.json", config);
            z.add(weightsName, weights, deflate ? ZipCompression::Deflated : ZipCompression::Stored);
        });
    }
};

void TstKerasStream::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

// ---- the same through both paths ----------------------------------------------------------------

void TstKerasStream::streamingMatchesInMemory_data()
{
    QTest::addColumn<QString>("file");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(gstest::dataPath("weightfiles")))
        if (e.path().extension() == ".keras")
            files.push_back(e.path());
    for (const auto& e : fs::directory_iterator(std::string(GRUSCOPE_SOURCE_DIR) + "/resources/examples"))
        if (fs::exists(e.path() / "model.keras"))
            files.push_back(e.path() / "model.keras");
    std::error_code ec;
    if (fs::is_directory(wildDir(), ec))
        for (const auto& e : fs::directory_iterator(wildDir()))
            if (e.path().extension() == ".keras")
                files.push_back(e.path());
    std::sort(files.begin(), files.end());
    QVERIFY(files.size() >= 11);
    for (const fs::path& f : files)
        QTest::newRow((f.parent_path().filename() / f.filename()).string().c_str())
            << QString::fromStdString(f.string());
}

void TstKerasStream::streamingMatchesInMemory()
{
    QFETCH(QString, file);
    const std::string p = file.toStdString();
    const Seen streamed = see(p, false);
    const Seen whole = see(p, true);
    compareInfo(streamed.info, whole.info);
    QVERIFY(!streamed.info.layers.empty());
    QCOMPARE(streamed.weights.size(), whole.weights.size());
    for (size_t i = 0; i < streamed.weights.size(); ++i)
        QVERIFY2(sameWeights(streamed.weights[i], whole.weights[i]), streamed.info.layers[i].name.c_str());
    QVERIFY(streamed.tree == whole.tree);
    // Stored members go through the driver, deflated ones (and the forced in-memory path) do not.
    const bool stored = streamed.info.formatDetail.find("(stored)") != std::string::npos;
    QCOMPARE(streamed.driverBytes > 0, stored);
    QCOMPARE(whole.driverBytes, uint64_t(0));
}

// ---- a large archive is barely read ---------------------------------------------------------------

void TstKerasStream::bigArchiveReadsLittle()
{
    const Seen original = see(small(), true); // also initialises libhdf5 the engine's way
    QCOMPARE(original.weights.size(), size_t(1));
    std::map<std::string, Bytes> members = membersOf(small());

    // The fixture's weights plus a 64 MiB dataset that is allocated but never written (nothing is
    // computed or filled; the file on disk is sparse), as a large Embedding would lie beside a GRU.
    const std::string h5Path = path("big.weights.h5");
    writeFile(h5Path, members.at("model.weights.h5"));
    {
        std::lock_guard<std::recursive_mutex> lock(h5::libraryMutex());
        const hid_t f = H5Fopen(h5Path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        QVERIFY(f >= 0);
        const hsize_t n = hsize_t(16) << 20; // float32: 64 MiB
        const hid_t space = H5Screate_simple(1, &n, nullptr);
        const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        QVERIFY(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) >= 0 && H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0);
        const hid_t d = H5Dcreate2(f, "/extra_embedding", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        QVERIFY(d >= 0);
        H5Dclose(d);
        H5Pclose(dcpl);
        H5Sclose(space);
        QVERIFY(H5Fclose(f) >= 0);
    }
    const uint64_t h5Bytes = fs::file_size(h5Path);
    QVERIFY(h5Bytes > (uint64_t(64) << 20));
    const std::string big = path("big.keras");
    ZipWriter::write(big, [&](ZipWriter& z) {
        z.add("metadata.json", members.at("metadata.json"));
        z.add("config.json", members.at("config.json"));
        z.addStream("model.weights.h5", h5Bytes, [&](uint64_t offset, std::span<std::byte> out) {
            std::ifstream in(h5Path, std::ios::binary);
            in.seekg(std::streamoff(offset));
            in.read(reinterpret_cast<char*>(out.data()), std::streamsize(out.size()));
            if (!in)
                throw Error(ErrorCode::BadFile, "short read");
        });
    });
    {
        ZipReader zip = ZipReader::open(big);
        QVERIFY(zip.find("model.weights.h5")->stored());
        QCOMPARE(zip.find("model.weights.h5")->size, h5Bytes);
    }

    const GruWeights& w0 = original.weights[0];
    const uint64_t gruBytes = 4 * (w0.kernel.data.size() + w0.recurrentKernel.data.size() + w0.bias.data.size());
    // A 1 MiB member cap: it limits memory, and the member in place takes none.
    WeightReadLimits capped;
    capped.maxArchiveMemberBytes = int64_t(1) << 20;
    const Seen streamed = see(big, false, capped);
    qInfo("read %llu bytes of a %llu-byte member (GRU weights: %llu bytes)", (unsigned long long)streamed.driverBytes,
          (unsigned long long)h5Bytes, (unsigned long long)gruBytes);
    QVERIFY(streamed.driverBytes > 0);
    QVERIFY(streamed.driverBytes < (uint64_t(1) << 20) + gruBytes);
    QCOMPARE(streamed.weights.size(), size_t(1));
    QVERIFY(sameWeights(streamed.weights[0], w0));
    compareInfo(streamed.info, original.info);
    bool treeShowsExtra = false;
    for (const std::string& line : streamed.tree)
        treeShowsExtra |= line.find("extra_embedding") != std::string::npos;
    QVERIFY(treeShowsExtra);

    // Read whole, the cap still applies.
    EXPECT_ERROR(see(big, true, capped), big + ":model.weights.h5", ErrorCode::ResourceLimit, "allowed for an archive member");
    fs::remove(h5Path);
    fs::remove(big);
}

void TstKerasStream::archiveWithComment()
{
    // A zip comment moves the end record away from the file's last 22 bytes.
    Bytes image = readFile(small());
    size_t eocd = image.size() - 22;
    QCOMPARE(getU32(image, eocd), 0x06054b50u);
    const std::string comment = "made by hand";
    image[eocd + 20] = std::byte(comment.size());
    for (char ch : comment)
        image.push_back(std::byte(ch));
    const std::string p = path("comment.keras");
    writeFile(p, image);
    const Seen streamed = see(p, false);
    const Seen original = see(small(), false);
    QVERIFY(streamed.driverBytes > 0);
    QCOMPARE(streamed.weights.size(), original.weights.size());
    QVERIFY(sameWeights(streamed.weights[0], original.weights[0]));
}

void TstKerasStream::memberCapInTheParseChild()
{
    // gruscope-parse gets the cap as --max-member-bytes: it refuses a deflated weights member over
    // it (read whole), not a stored one (read in place).
    ParseOptions o;
    o.limits.maxArchiveMemberBytes = 5000;
    const LoadedWeightFile stored = loadWeightFile(small(), o);
    QVERIFY(stored.report.isolated);
    QCOMPARE(stored.layers.size(), size_t(1));
    QVERIFY(sameWeights(stored.weights(0), see(small(), true).weights[0]));
    const std::string deflated = gstest::dataPath("weightfiles/k3_gru_dense.deflated.keras");
    EXPECT_ERROR(loadWeightFile(deflated, o), deflated + ":model.weights.h5", ErrorCode::ResourceLimit,
                 "more than the 5000 bytes allowed for an archive member");
}

// ---- archives that lie ------------------------------------------------------------------------------

void TstKerasStream::truncatedArchives()
{
    const Bytes image = readFile(small());
    const size_t weightsAt = headersOf(image, "model.weights.h5").local;
    for (const size_t keep : {size_t(10), weightsAt + 40, weightsAt + 3000, image.size() / 2, image.size() - 30, image.size() - 1}) {
        const std::string p = path("truncated.keras");
        writeFile(p, Bytes(image.begin(), image.begin() + std::ptrdiff_t(keep)));
        for (const bool inMemory : {false, true})
            EXPECT_ERROR(see(p, inMemory), p, ErrorCode::BadFile, "");
    }
}

void TstKerasStream::lyingHeaders_data()
{
    // Each header change is refused twice: by the whole reader (libzip's consistency check at open)
    // and by locateStoredMember itself, given the member as the honest archive lists it.
    QTest::addColumn<int>("field");   // byte offset to change
    QTest::addColumn<bool>("central"); // in the central entry, else the local header
    QTest::addColumn<int>("delta");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("local header names another member") << 30 + 15 << false << 1 << ErrorCode::BadFile << "local header names the member 'model.weights.h6'";
    QTest::newRow("local header size too small") << 22 << false << -10 << ErrorCode::BadFile << "the local header says the member holds";
    QTest::newRow("local header size too large") << 18 << false << 10 << ErrorCode::BadFile << "the local header says the member holds";
    QTest::newRow("local header: compressed") << 8 << false << 8 << ErrorCode::BadFile << "says the member is compressed";
    QTest::newRow("local header: encrypted") << 6 << false << 1 << ErrorCode::Unsupported << "encrypted";
    QTest::newRow("central: local header offset past EOF") << 42 << true << 0x7000000 << ErrorCode::BadFile << "runs past the end";
    QTest::newRow("central: local header offset off by one") << 42 << true << 1 << ErrorCode::BadFile << "no local header";
    QTest::newRow("central: size past the directory") << 24 << true << 0 << ErrorCode::BadFile << "";
}

void TstKerasStream::lyingHeaders()
{
    QFETCH(int, field);
    QFETCH(bool, central);
    QFETCH(int, delta);
    QFETCH(ErrorCode, code);
    QFETCH(QString, mentions);
    Bytes image = readFile(small());
    const Headers h = headersOf(image, "model.weights.h5");
    const size_t at = (central ? h.central : h.local) + size_t(field);
    if (delta == 0) {
        // Both headers and both sizes grow by 100: the bytes would run into the central directory.
        for (const size_t f : {h.central + 20, h.central + 24, h.local + 18, h.local + 22})
            putU32(image, f, getU32(image, f) + 100);
    } else if (field == 30 + 15 || field == 6 || field == 8) {
        image[at] = std::byte(uint8_t(image[at]) + uint8_t(delta));
    } else {
        putU32(image, at, uint32_t(int64_t(getU32(image, at)) + delta));
    }
    const std::string p = path("lying.keras");
    writeFile(p, image);
    EXPECT_ERROR(see(p, false), p, code == ErrorCode::Unsupported ? ErrorCode::Unsupported : ErrorCode::BadFile, "");

    ZipReader honest = ZipReader::open(small());
    ZipMember m = *honest.find("model.weights.h5");
    if (delta == 0) {
        m.size += 100;
        m.compressedSize += 100;
    }
    EXPECT_ERROR(locateStoredMember(p, m), p + ":model.weights.h5", code, mentions.toStdString());
    // The honest archive, for contrast.
    const StoredMemberRange r = locateStoredMember(small(), *honest.find("model.weights.h5"));
    QCOMPARE(r.size, honest.find("model.weights.h5")->size);
}

void TstKerasStream::memberRangeOutsideTheFile()
{
    const std::string p = small();
    const uint64_t n = fs::file_size(p);
    ZipReader zip = ZipReader::open(p);
    const StoredMemberRange r = locateStoredMember(p, *zip.find("model.weights.h5"));
    const std::string name = p + ":model.weights.h5";
    EXPECT_ERROR(h5::File::openMember(p, n + 10, 100, name), name, ErrorCode::BadFile, "do not lie inside");
    EXPECT_ERROR(h5::File::openMember(p, r.offset, n, name), name, ErrorCode::BadFile, "do not lie inside");
    EXPECT_ERROR(h5::File::openMember(p, uint64_t(-1), 2, name), name, ErrorCode::BadFile, "do not lie inside");
    EXPECT_ERROR(h5::File::openMember(p, r.offset + 1, r.size - 1, name), name, ErrorCode::BadFile, "no HDF5 signature");
    EXPECT_ERROR(h5::File::openMember(p, r.offset, r.size / 2, name), name, ErrorCode::BadFile, "HDF5 could not open the member");
    // The right range opens.
    const h5::File f = h5::File::openMember(p, r.offset, r.size, name);
    QVERIFY(f.isGroup("/"));
}

void TstKerasStream::storedMemberShorterThanItsBytes()
{
    // Both headers say 10 bytes fewer than the member holds: no header disagrees, so only the CRC
    // (read whole) or HDF5's own end-of-file check (in place) can see it. Both refuse.
    std::map<std::string, Bytes> members = membersOf(small());
    const std::string p = path("short.keras");
    writeKeras(p, text(members.at("config.json")), text(members.at("metadata.json")), members.at("model.weights.h5"));
    Bytes image = readFile(p);
    const Headers h = headersOf(image, "model.weights.h5");
    for (const size_t f : {h.central + 20, h.central + 24, h.local + 18, h.local + 22})
        putU32(image, f, getU32(image, f) - 10);
    writeFile(p, image);
    EXPECT_ERROR(see(p, false), p + ":model.weights.h5", ErrorCode::BadFile, "corrupt or truncated");
    EXPECT_ERROR(see(p, true), p + ":model.weights.h5", ErrorCode::BadFile, "CRC");
}

void TstKerasStream::nestedArchivesRefused_data()
{
    QTest::addColumn<QString>("member");
    QTest::addColumn<bool>("deflate");
    QTest::newRow("model.weights.h5, stored") << "model.weights.h5" << false;
    QTest::newRow("model.weights.h5, deflated") << "model.weights.h5" << true;
    QTest::newRow("config.json") << "config.json" << false;
}

void TstKerasStream::nestedArchivesRefused()
{
    QFETCH(QString, member);
    QFETCH(bool, deflate);
    std::map<std::string, Bytes> members = membersOf(small());
    members[member.toStdString()] = readFile(small()); // a whole .keras as the member
    const std::string p = path("nested.keras");
    writeKeras(p, text(members.at("config.json")), text(members.at("metadata.json")), members.at("model.weights.h5"), deflate);
    const std::string what = p + ":" + member.toStdString();
    for (const bool inMemory : {false, true})
        EXPECT_ERROR(see(p, inMemory), what, ErrorCode::Unsupported,
                     what + " is itself a zip archive (nested archives are not read)");
}

void TstKerasStream::deflatedSizeLies()
{
    // The deflated fixture's weights member declares 10 bytes more, then 10 fewer, than it unpacks
    // to (in both headers, so that the archive is consistent).
    const std::string fixture = gstest::dataPath("weightfiles/k3_gru_dense.deflated.keras");
    for (const int delta : {10, -10}) {
        Bytes image = readFile(fixture);
        const Headers h = headersOf(image, "model.weights.h5");
        for (const size_t f : {h.central + 24, h.local + 22})
            putU32(image, f, uint32_t(int64_t(getU32(image, f)) + delta));
        const std::string p = path("deflated-lies.keras");
        writeFile(p, image);
        EXPECT_ERROR(see(p, false), p + ":model.weights.h5", ErrorCode::BadFile, delta > 0 ? "unpacks to only" : "unpacks to more than");
    }
}

void TstKerasStream::zipBombRefused()
{
    // 128 MiB of zeros deflate about 1030 times smaller: past the 1000:1 a reader allows above
    // 64 MiB. Refused from the declared sizes, before anything is unpacked.
    std::map<std::string, Bytes> members = membersOf(small());
    const std::string p = path("bomb.keras");
    ZipWriter::write(p, [&](ZipWriter& z) {
        z.add("metadata.json", members.at("metadata.json"));
        z.add("config.json", members.at("config.json"));
        z.addStream("model.weights.h5", uint64_t(128) << 20,
                    [](uint64_t, std::span<std::byte> out) { std::fill(out.begin(), out.end(), std::byte{0}); },
                    ZipCompression::Deflated);
    });
    QVERIFY(fs::file_size(p) < (uint64_t(1) << 20));
    EXPECT_ERROR(see(p, false), p + ":model.weights.h5", ErrorCode::ResourceLimit, "refused as a zip bomb");
    fs::remove(p);
}

QTEST_GUILESS_MAIN(TstKerasStream)
#include "tst_keras_stream.moc"
