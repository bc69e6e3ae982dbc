// io::ZipReader and io::ZipWriter: hostile archives refused by name, members read back bit for bit
// (whole and in chunks), atomic writes, and every zip GruScope ships or meets in the wild opened
// with libzip's consistency check.
//
// Hostile archives are made here: a small valid archive written by ZipWriter, then changed byte by
// byte (sizes, CRCs, flags and names in the local and central headers).
#include "gruscope/error.h"
#include "io/zip_archive.h"

#include "test_support.h"

#include <QTemporaryDir>
#include "byte_files.h"

#include <QTest>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>

using gruscope::Error;
using gruscope::ErrorCode;
using gruscope::errorCodeName;
using namespace gruscope::io;
namespace fs = std::filesystem;

Q_DECLARE_METATYPE(ErrorCode)

namespace {

using gstest::Bytes;
using gstest::getU16;
using gstest::getU32;
using gstest::putU16;
using gstest::putU32;
using gstest::readFile;
using gstest::writeFile;



Bytes toBytes(const QByteArray& a)
{
    Bytes b(size_t(a.size()));
    std::memcpy(b.data(), a.constData(), b.size());
    return b;
}

QByteArray toQt(const Bytes& b)
{
    return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
}

Bytes pattern(size_t n, uint32_t seed, bool compressible)
{
    std::mt19937 rng(seed);
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = std::byte(compressible ? uint8_t("GruScope weights "[i % 17]) : uint8_t(rng()));
    return b;
}





size_t endRecord(const Bytes& zip)
{
    for (size_t i = zip.size() - 22;; --i) {
        if (getU32(zip, i) == 0x06054b50u)
            return i;
        if (i == 0)
            throw std::runtime_error("no end record");
    }
}

// Where member `name` is described: its central directory entry and its local header (plain zip,
// no zip64, as ZipWriter writes small archives).
struct Headers {
    size_t central = 0;
    size_t local = 0;
};

Headers headersOf(const Bytes& zip, const std::string& name)
{
    const size_t eocd = endRecord(zip);
    size_t at = getU32(zip, eocd + 16);
    for (unsigned i = 0; i < getU16(zip, eocd + 10); ++i) {
        const size_t nameLen = getU16(zip, at + 28);
        if (std::string(reinterpret_cast<const char*>(&zip[at + 46]), nameLen) == name)
            return {at, getU32(zip, at + 42)};
        at += 46 + nameLen + getU16(zip, at + 30) + getU16(zip, at + 32);
    }
    throw std::runtime_error("no member " + name);
}

// Field offsets within the central entry and the local header.
struct Field {
    size_t central;
    size_t local;
};
constexpr Field kFlags{8, 6}, kCrc{16, 14}, kCompressed{20, 18}, kUncompressed{24, 22};

void patch32(Bytes& zip, const std::string& member, Field f, const std::function<uint32_t(uint32_t)>& change, bool local = true,
             bool central = true)
{
    const Headers h = headersOf(zip, member);
    if (central)
        putU32(zip, h.central + f.central, change(getU32(zip, h.central + f.central)));
    if (local)
        putU32(zip, h.local + f.local, change(getU32(zip, h.local + f.local)));
}

// Renames a member in both headers (same length, so nothing moves).
void rename(Bytes& zip, const std::string& from, const std::string& to)
{
    const Headers h = headersOf(zip, from);
    std::memcpy(&zip[h.central + 46], to.data(), to.size());
    std::memcpy(&zip[h.local + 30], to.data(), to.size());
}

struct Member {
    std::string name;
    Bytes data;
    ZipCompression compression;
};

void writeArchive(const std::string& path, const std::vector<Member>& members)
{
    ZipWriter::write(path, [&](ZipWriter& zip) {
        for (const Member& m : members)
            zip.add(m.name, m.data, m.compression);
    });
}

// a.bin stored (random), b.bin deflated (compressible), c.txt stored text.
std::vector<Member> baseMembers()
{
    const std::string text = "{\"class_name\": \"GRU\"}";
    Bytes c(text.size());
    std::memcpy(c.data(), text.data(), text.size());
    return {{"a.bin", pattern(1000, 1, false), ZipCompression::Stored},
            {"b.bin", pattern(4000, 2, true), ZipCompression::Deflated},
            {"c.txt", c, ZipCompression::Stored}};
}

std::vector<std::string> filesIn(const std::string& dir)
{
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

class TstZipArchive : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void hostileArchives_data();
    void hostileArchives();
    void suspiciousNamesAllowedWhenNotAsked();
    void missingFolderEmptyAndNotZip();

    void roundTrip_data();
    void roundTrip();
    void emptyArchive();
    void failedWriteLeavesOldFile_data();
    void failedWriteLeavesOldFile();

    void everyShippedArchiveOpens();

private:
    QTemporaryDir m_dir;
    Bytes m_base; // the valid archive of baseMembers()
    Bytes m_zeros; // 200 kB of zeros, deflated: ~1000:1
    std::string path(const char* name) const { return m_dir.filePath(name).toStdString(); }
};

void TstZipArchive::initTestCase()
{
    QVERIFY(m_dir.isValid());
    writeArchive(path("base.zip"), baseMembers());
    m_base = readFile(path("base.zip"));
    QVERIFY(m_base.size() > 1000);
    writeArchive(path("zeros.zip"), {{"zeros.bin", Bytes(200000), ZipCompression::Deflated}});
    m_zeros = readFile(path("zeros.zip"));
}

// ---- hostile archives ---------------------------------------------------------------------------

void TstZipArchive::hostileArchives_data()
{
    QTest::addColumn<QByteArray>("image");
    QTest::addColumn<int>("maxMembers");     // -1: the default
    QTest::addColumn<qint64>("maxBytes");    // -1: the default
    QTest::addColumn<bool>("smallBombLimit"); // refuse ratios over 100 above 1000 bytes
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("mentions");
    QTest::addColumn<QString>("member"); // must be named in the message; empty: the archive as a whole

    const auto row = [&](const char* name, const Bytes& image, ErrorCode code, const char* mentions, const char* member,
                         int maxMembers = -1, qint64 maxBytes = -1, bool bomb = false) {
        QTest::newRow(name) << toQt(image) << maxMembers << maxBytes << bomb << code << QString(mentions) << QString(member);
    };
    const auto changed = [&](const std::function<void(Bytes&)>& change) {
        Bytes b = m_base;
        change(b);
        return b;
    };

    // Sizes that cannot be true. A stored member declaring 10 MB runs past the central directory:
    // libzip's consistency check refuses the archive at open, and the reader then says which member.
    row("declared size larger than the file (stored)", changed([](Bytes& b) {
            patch32(b, "a.bin", kCompressed, [](uint32_t) { return 10u << 20; });
            patch32(b, "a.bin", kUncompressed, [](uint32_t) { return 10u << 20; });
        }),
        ErrorCode::BadFile, "which is impossible", "a.bin");
    row("declared size beyond deflate's ratio", changed([](Bytes& b) {
            patch32(b, "b.bin", kUncompressed, [&](uint32_t) { return 2000u * getU32(b, headersOf(b, "b.bin").central + 20); });
        }),
        ErrorCode::BadFile, "which is impossible", "b.bin");
    row("unpacks to more than declared", changed([](Bytes& b) { patch32(b, "b.bin", kUncompressed, [](uint32_t v) { return v - 10; }); }),
        ErrorCode::BadFile, "unpacks to more than the 3990 bytes", "b.bin");
    row("unpacks to less than declared", changed([](Bytes& b) { patch32(b, "b.bin", kUncompressed, [](uint32_t v) { return v + 10; }); }),
        ErrorCode::BadFile, "unpacks to only 4000 bytes", "b.bin");
    row("CRC mismatch", changed([](Bytes& b) { patch32(b, "a.bin", kCrc, [](uint32_t v) { return v ^ 0x5a5a5a5au; }); }),
        ErrorCode::BadFile, "CRC", "a.bin");
    row("corrupted stored byte", changed([](Bytes& b) {
            const size_t data = headersOf(b, "a.bin").local + 30 + 5 + getU16(b, headersOf(b, "a.bin").local + 28);
            b[data + 500] ^= std::byte{0x01};
        }),
        ErrorCode::BadFile, "CRC", "a.bin");
    row("member over the size cap", m_base, ErrorCode::ResourceLimit, "unpacks to 1000 bytes, more than the 100 bytes", "a.bin",
        -1, 100);
    row("zip bomb", m_zeros, ErrorCode::ResourceLimit, "refused as a zip bomb", "zeros.bin", -1, -1, true);

    // Names that would leave the folder the archive is unpacked into.
    const std::pair<const char*, const char*> evilNames[] = {
        {"../escape.h5", "'../escape.h5'"}, {"/etc/passwd", "'/etc/passwd'"}, {"dir/../../up", "'dir/../../up'"},
        {"win\\path", "'win\\x5cpath'"}, // shown escaped
        {"C:drive.h5", "'C:drive.h5'"}};
    for (const auto& [evil, shown] : evilNames) {
        writeArchive(path("evil.zip"), {{"ok.txt", Bytes(3), ZipCompression::Stored}, {evil, Bytes(4), ZipCompression::Stored}});
        row(qPrintable(QStringLiteral("name %1").arg(evil)), readFile(path("evil.zip")), ErrorCode::BadFile,
            "tries to leave the archive", shown);
    }

    row("too many members", m_base, ErrorCode::ResourceLimit, "holds 3 members, more than the 2 allowed", "", 2);
    row("encrypted member", changed([](Bytes& b) {
            const Headers h = headersOf(b, "c.txt");
            putU16(b, h.central + kFlags.central, uint16_t(getU16(b, h.central + kFlags.central) | 1));
            putU16(b, h.local + kFlags.local, uint16_t(getU16(b, h.local + kFlags.local) | 1));
        }),
        ErrorCode::Unsupported, "the member is encrypted", "c.txt");
    row("two members of one name", changed([](Bytes& b) { rename(b, "b.bin", "a.bin"); }), ErrorCode::BadFile,
        "two members named 'a.bin'", "");

    // The central directory and the end record.
    row("truncated central directory", Bytes(m_base.begin(), m_base.begin() + std::ptrdiff_t(getU32(m_base, endRecord(m_base) + 16) + 30)),
        ErrorCode::BadFile, "not a valid zip archive", "");
    row("central directory size lies", changed([](Bytes& b) { putU32(b, endRecord(b) + 12, getU32(b, endRecord(b) + 12) - 46); }),
        ErrorCode::BadFile, "not a valid zip archive", "");
    // What only the consistency check sees: libzip without it opens these and reads every member.
    row("local header disagrees with the central directory",
        changed([](Bytes& b) { patch32(b, "c.txt", kCrc, [](uint32_t v) { return v ^ 1u; }, true, false); }), ErrorCode::BadFile,
        "disagree", "");
    row("bytes after the end record", changed([](Bytes& b) { b.insert(b.end(), 16, std::byte{'x'}); }), ErrorCode::BadFile,
        "disagree", "");
}

void TstZipArchive::hostileArchives()
{
    QFETCH(QByteArray, image);
    QFETCH(int, maxMembers);
    QFETCH(qint64, maxBytes);
    QFETCH(bool, smallBombLimit);
    QFETCH(ErrorCode, code);
    QFETCH(QString, mentions);
    QFETCH(QString, member);
    const std::string file = path("hostile.zip");
    writeFile(file, toBytes(image));
    ZipReadOptions options;
    options.refuseSuspiciousNames = true;
    if (maxMembers >= 0)
        options.maxMembers = uint64_t(maxMembers);
    if (maxBytes >= 0)
        options.maxMemberBytes = uint64_t(maxBytes);
    if (smallBombLimit) {
        options.bombRatio = 100;
        options.bombMinBytes = 1000;
    }
    // Whole and in chunks: both must refuse the archive the same way.
    for (const bool chunked : {false, true}) {
        const std::optional<Error> e = gstest::errorOf([&] {
            ZipReader zip = ZipReader::open(file, options);
            for (const ZipMember& m : zip.members()) {
                if (chunked)
                    zip.readChunks(m, [](std::span<const std::byte>) {}, 97);
                else
                    (void)zip.read(m);
            }
        });
        const char* how = chunked ? "in chunks" : "whole";
        QVERIFY2(e.has_value(), how);
        const std::string what = e->what();
        QVERIFY2(e->code() == code, qPrintable(QStringLiteral("%1: %2 (%3)").arg(how, what.c_str(), errorCodeName(e->code()))));
        QVERIFY2(what.find(mentions.toStdString()) != std::string::npos, qPrintable(QStringLiteral("%1: %2").arg(how, what.c_str())));
        QVERIFY2(what.rfind(file, 0) == 0, what.c_str());
        if (!member.isEmpty())
            QVERIFY2(what.find(member.toStdString()) != std::string::npos, what.c_str());
    }
}

void TstZipArchive::suspiciousNamesAllowedWhenNotAsked()
{
    // .npz readers look at *.npy members only; a name is refused only where the caller asks.
    writeArchive(path("named.zip"), {{"../up.npy", pattern(10, 3, false), ZipCompression::Stored}});
    ZipReader zip = ZipReader::open(path("named.zip"));
    QCOMPARE(zip.members().size(), size_t(1));
    QCOMPARE(zip.read(zip.members()[0]), pattern(10, 3, false));
}

void TstZipArchive::missingFolderEmptyAndNotZip()
{
    const struct {
        std::string file;
        const char* mentions;
    } cases[] = {{path("missing.zip"), "no such file"},
                 {m_dir.path().toStdString(), "folder"},
                 {path("empty.npz"), "the file is empty (0 bytes), not an .npz file"},
                 {path("text.npz"), "not an .npz file: it is not a valid zip archive"}};
    writeFile(path("empty.npz"), {});
    writeFile(path("text.npz"), pattern(300, 4, true));
    ZipReadOptions options;
    options.kind = "an .npz file";
    for (const auto& c : cases) {
        const std::optional<Error> e = gstest::errorOf([&] { ZipReader::open(c.file, options); });
        QVERIFY2(e && e->code() == ErrorCode::BadFile, c.file.c_str());
        QVERIFY2(std::string(e->what()).find(c.mentions) != std::string::npos, e->what());
        QVERIFY2(std::string(e->what()).find(c.file) != std::string::npos, e->what());
    }
}

// ---- round trips --------------------------------------------------------------------------------

void TstZipArchive::roundTrip_data()
{
    QTest::addColumn<bool>("deflated");
    QTest::addColumn<bool>("streamed");
    QTest::newRow("stored from memory") << false << false;
    QTest::newRow("deflated from memory") << true << false;
    QTest::newRow("stored, streamed") << false << true;
    QTest::newRow("deflated, streamed") << true << true;
}

void TstZipArchive::roundTrip()
{
    QFETCH(bool, deflated);
    QFETCH(bool, streamed);
    const ZipCompression how = deflated ? ZipCompression::Deflated : ZipCompression::Stored;
    const std::vector<Member> members = {{"empty.bin", {}, how},
                                         {"one.bin", pattern(1, 5, false), how},
                                         {"random.bin", pattern((size_t(1) << 20) + 3, 6, false), how},
                                         {"text/config.json", pattern(70001, 7, true), how}};
    const std::string file = path("round.zip");
    ZipWriter::write(file, [&](ZipWriter& zip) {
        for (const Member& m : members) {
            if (!streamed) {
                zip.add(m.name, m.data, m.compression);
                continue;
            }
            zip.addStream(m.name, m.data.size(), [&m](uint64_t offset, std::span<std::byte> out) {
                QVERIFY(offset + out.size() <= m.data.size());
                std::memcpy(out.data(), m.data.data() + offset, out.size());
            }, m.compression);
        }
    });

    ZipReader zip = ZipReader::open(file, {});
    QCOMPARE(zip.members().size(), members.size());
    for (size_t i = 0; i < members.size(); ++i) {
        const ZipMember& m = zip.members()[i];
        QCOMPARE(m.name, members[i].name);
        QCOMPARE(m.size, uint64_t(members[i].data.size()));
        QCOMPARE(m.stored(), !deflated);
        QVERIFY(!m.encrypted);
        QCOMPARE(zip.find(m.name), &m);
        QVERIFY2(zip.read(m) == members[i].data, m.name.c_str());
        for (const size_t chunk : {size_t(1), size_t(7), size_t(4096), size_t(1) << 20}) {
            if (chunk == 1 && m.size > 100000)
                continue; // a byte at a time through libzip is slow and proves nothing more
            Bytes got;
            size_t calls = 0;
            zip.readChunks(m, [&](std::span<const std::byte> part) {
                QVERIFY(!part.empty() && part.size() <= chunk);
                got.insert(got.end(), part.begin(), part.end());
                ++calls;
            }, chunk);
            QVERIFY2(got == members[i].data, qPrintable(QStringLiteral("%1 in chunks of %2").arg(m.name.c_str()).arg(chunk)));
            QCOMPARE(calls, (members[i].data.size() + chunk - 1) / chunk);
        }
    }
    if (deflated) // the compressible member really was deflated
        QVERIFY(zip.find("text/config.json")->compressedSize < 70001 / 4);
}

void TstZipArchive::emptyArchive()
{
    const std::string file = path("empty.zip");
    ZipWriter::write(file, [](ZipWriter&) {});
    QCOMPARE(fs::file_size(file), uintmax_t(22));
    QVERIFY(ZipReader::open(file).members().empty());
}

void TstZipArchive::failedWriteLeavesOldFile_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("fill throws") << "fill" << "the caller gave up";
    QTest::newRow("producer throws while libzip writes") << "producer" << "member late.bin: no more data";
    QTest::newRow("two members of one name") << "duplicate" << "member a.bin";
}

void TstZipArchive::failedWriteLeavesOldFile()
{
    QFETCH(QString, how);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    const std::string file = dir.filePath("out.keras").toStdString();
    const Bytes old = pattern(123, 8, false);
    writeFile(file, old);
    const Bytes data = pattern(5000, 9, false);
    const auto fill = [&](ZipWriter& zip) {
        zip.add("a.bin", data);
        if (how == "fill")
            throw Error(ErrorCode::Cancelled, "the caller gave up");
        if (how == "duplicate")
            zip.add("a.bin", data);
        zip.addStream("late.bin", 10000, [](uint64_t offset, std::span<std::byte> out) {
            if (offset + out.size() > 6000)
                throw Error(ErrorCode::BadFile, "no more data");
            std::fill(out.begin(), out.end(), std::byte{7});
        }, ZipCompression::Deflated);
    };
    const std::optional<Error> e = gstest::errorOf([&] { ZipWriter::write(file, fill); });
    QVERIFY(e.has_value());
    QVERIFY2(std::string(e->what()).find(mentions.toStdString()) != std::string::npos, e->what());
    QVERIFY2(how == "fill" || std::string(e->what()).find(file) != std::string::npos, e->what());
    QVERIFY(readFile(file) == old);
    QCOMPARE(filesIn(dir.path().toStdString()), std::vector<std::string>{"out.keras"});

    // Without an old file, nothing is left.
    fs::remove(file);
    QVERIFY(gstest::errorOf([&] { ZipWriter::write(file, fill); }).has_value());
    QVERIFY(filesIn(dir.path().toStdString()).empty());
}

// ---- what GruScope reads ------------------------------------------------------------------------

void TstZipArchive::everyShippedArchiveOpens()
{
    // Every zip among the fixtures (written by Keras, NumPy, Python's zipfile and GruScope), the
    // bundled examples and the wild weights opens with the consistency check, and every member
    // reads with its CRC checked. duplicate.npz (two members named a.npy, written on purpose by
    // Python's zipfile) is the one refused.
    std::vector<fs::path> roots = {gstest::dataPath(""), fs::path(GRUSCOPE_SOURCE_DIR) / "resources"};
    // The wild corpus is required where tools/dev test runs (GS_NEED_WILD fails there); a plain
    // ctest without it still checks the fixtures and examples, and says what it left out.
    if (const auto missing = gstest::wildWeightsMissing()) {
        if (gstest::wildWeightsRequired())
            QFAIL((*missing + " (GRUSCOPE_REQUIRE_WILD_WEIGHTS=1)").c_str());
        qInfo("%s: only the fixtures and the examples are checked", missing->c_str());
    } else {
        roots.emplace_back(gstest::wildWeightsDir());
    }
    int opened = 0;
    for (const fs::path& root : roots) {
        for (const auto& e : fs::recursive_directory_iterator(root)) {
            if (!e.is_regular_file() || e.file_size() < 4)
                continue;
            const Bytes head = [&] {
                std::ifstream in(e.path(), std::ios::binary);
                char sig[4] = {};
                in.read(sig, 4);
                Bytes b(4);
                std::memcpy(b.data(), sig, 4);
                return b;
            }();
            if (getU32(head, 0) != 0x04034b50u)
                continue;
            const std::string file = e.path().string();
            const std::optional<Error> err = gstest::errorOf([&] {
                ZipReader zip = ZipReader::open(file, {});
                for (const ZipMember& m : zip.members())
                    (void)zip.read(m);
            });
            if (e.path().filename() == "duplicate.npz") {
                QVERIFY2(err && std::string(err->what()).find("two members named 'a.npy'") != std::string::npos, file.c_str());
                continue;
            }
            QVERIFY2(!err, err ? err->what() : "");
            ++opened;
        }
    }
    QVERIFY2(opened > 20, qPrintable(QStringLiteral("only %1 archives found").arg(opened)));
}

QTEST_GUILESS_MAIN(TstZipArchive)
#include "tst_zip_archive.moc"
