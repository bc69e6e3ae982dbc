// .npy / .npz reading and writing, and atomic file replacement.
//
// The fixtures in tests/data/npy were written by NumPy (tools/make_npy_fixtures.py); expected.json
// lists what each one must read as. Hostile inputs are built here, in memory.
#include "gruscope/atomic_file.h"
#include "gruscope/error.h"
#include "gruscope/npy.h"

#include "test_support.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

using gruscope::Error;
using gruscope::ErrorCode;
using gruscope::errorCodeName;
using namespace gruscope::npy;
namespace fs = std::filesystem;

Q_DECLARE_METATYPE(ErrorCode)

namespace {

using Bytes = std::vector<std::byte>;

std::string g_lastMessage; // the message of the last error GS_EXPECT_ERROR caught

// Runs the statements and checks that they throw gruscope::Error with `code`.
#define GS_EXPECT_ERROR(wantCode, ...)                                                                                  \
    do {                                                                                                            \
        const std::optional<Error> gsErr_ = gstest::errorOf([&] { __VA_ARGS__; });                                          \
        QVERIFY2(gsErr_.has_value(), qPrintable(QStringLiteral("expected gruscope::Error(%1), nothing was thrown") \
                                                    .arg(QString::fromLatin1(errorCodeName(wantCode)))));                \
        QVERIFY2(gsErr_->code() == (wantCode), qPrintable(QStringLiteral("expected %1, got %2: %3")                     \
                                                          .arg(QString::fromLatin1(errorCodeName(wantCode)),           \
                                                               QString::fromLatin1(errorCodeName(gsErr_->code())), \
                                                               QString::fromStdString(gsErr_->what()))));           \
        g_lastMessage = gsErr_->what();                                                                             \
    } while (false)

#define GS_EXPECT_MESSAGE_HAS(text)                                                                                 \
    QVERIFY2(g_lastMessage.find(text) != std::string::npos,                                                         \
             qPrintable(QStringLiteral("message lacks \"%1\": %2").arg(QString::fromStdString(std::string(text)),   \
                                                                       QString::fromStdString(g_lastMessage))))

Bytes readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Bytes b(c.size());
    if (!c.empty())
        std::memcpy(b.data(), c.data(), c.size());
    return b;
}

void writeFile(const std::string& path, const Bytes& b)
{
    std::remove(path.c_str()); // a fresh file: truncating one that holds data can force a slow flush
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

Bytes toBytes(const std::string& s)
{
    Bytes b(s.size());
    if (!s.empty())
        std::memcpy(b.data(), s.data(), s.size());
    return b;
}

// A .npy image with the given header text (no padding added) and data bytes.
Bytes npyImage(const std::string& header, const std::string& data, int major = 1)
{
    std::string s = "\x93NUMPY";
    s += char(major);
    s += char(0);
    const size_t n = header.size();
    s += char(n & 0xff);
    s += char((n >> 8) & 0xff);
    if (major != 1) {
        s += char((n >> 16) & 0xff);
        s += char((n >> 24) & 0xff);
    }
    return toBytes(s + header + data);
}

template <class T>
std::string rawOf(std::initializer_list<T> values)
{
    std::string s(values.size() * sizeof(T), '\0');
    size_t i = 0;
    for (T v : values)
        std::memcpy(s.data() + sizeof(T) * i++, &v, sizeof(T));
    return s;
}

NpyArray parse(const Bytes& b, const ReadLimits& limits = {})
{
    return parseNpy(b.data(), b.size(), "test.npy", limits);
}

std::string fixture(const std::string& name)
{
    return gstest::dataPath("npy/" + name);
}

const nlohmann::json& expectedJson()
{
    static const nlohmann::json j = [] {
        std::ifstream in(fixture("expected.json"));
        return nlohmann::json::parse(in);
    }();
    return j;
}

gruscope::Shape shapeOf(const nlohmann::json& j)
{
    gruscope::Shape s;
    for (const auto& d : j)
        s.push_back(d.get<int64_t>());
    return s;
}

double jsonDouble(const nlohmann::json& v)
{
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (s == "nan")
            return std::numeric_limits<double>::quiet_NaN();
        return s == "inf" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    }
    if (v.is_number_unsigned())
        return double(v.get<uint64_t>());
    if (v.is_number_integer())
        return double(v.get<int64_t>());
    return v.get<double>();
}

float jsonFloat(const nlohmann::json& v)
{
    if (v.is_number_unsigned())
        return float(v.get<uint64_t>());
    if (v.is_number_integer())
        return float(v.get<int64_t>());
    return float(jsonDouble(v));
}

// Same value, NaN equal to NaN, and -0 distinct from +0.
template <class T>
bool sameValue(T a, T b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}

// Checks an array against an expected.json entry: dtype, shape, exact integer values, and
// toDouble/toFloat element by element.
std::string whyNotExpected(const NpyArray& a, const nlohmann::json& e)
{
    std::ostringstream why;
    if (dtypeName(a.dtype) != e["dtype"].get<std::string>())
        return "dtype " + std::string(dtypeName(a.dtype)) + " != " + e["dtype"].get<std::string>();
    if (a.shape != shapeOf(e["shape"]))
        return "shape " + gruscope::shapeToString(a.shape) + " != " + gruscope::shapeToString(shapeOf(e["shape"]));
    const auto& values = e["values"];
    if (a.elementCount() != int64_t(values.size()))
        return "element count differs";
    const gruscope::ArrayD d = a.toDouble();
    const gruscope::ArrayF f = a.toFloat();
    for (size_t i = 0; i < values.size(); ++i) {
        const auto& v = values[i];
        const double wantD = jsonDouble(v);
        const float wantF = jsonFloat(v);
        if (!sameValue(d.data[i], wantD) || !sameValue(f.data[i], wantF)) {
            why << "element " << gstest::indexToString(a.shape, int64_t(i)) << ": got " << d.data[i] << " / " << f.data[i]
                << ", expected " << v.dump();
            return why.str();
        }
        // Integers exactly, from the stored bytes.
        if (v.is_number_integer()) {
            const std::byte* p = a.bytes.data();
            bool ok = true;
            switch (a.dtype) {
            case DType::Int64: { int64_t x; std::memcpy(&x, p + 8 * i, 8); ok = x == v.get<int64_t>(); break; }
            case DType::UInt64: { uint64_t x; std::memcpy(&x, p + 8 * i, 8); ok = x == v.get<uint64_t>(); break; }
            case DType::Int32: { int32_t x; std::memcpy(&x, p + 4 * i, 4); ok = x == v.get<int64_t>(); break; }
            case DType::UInt32: { uint32_t x; std::memcpy(&x, p + 4 * i, 4); ok = x == v.get<int64_t>(); break; }
            case DType::Bool: ok = uint8_t(p[i]) == v.get<int64_t>(); break;
            default: break;
            }
            if (!ok)
                return "element " + gstest::indexToString(a.shape, int64_t(i)) + " differs from " + v.dump() + " in its stored bytes";
        }
    }
    return {};
}

bool sameFloats(const gruscope::ArrayF& a, const gruscope::ArrayF& b)
{
    if (a.shape != b.shape || a.data.size() != b.data.size())
        return false;
    for (size_t i = 0; i < a.data.size(); ++i)
        if (std::bit_cast<uint32_t>(a.data[i]) != std::bit_cast<uint32_t>(b.data[i]))
            return false;
    return true;
}

// Everything in a folder, as names.
std::set<std::string> listFolder(const std::string& dir)
{
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
        names.insert(e.path().filename().string());
    return names;
}

uint32_t getU32(const Bytes& b, size_t at)
{
    return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
}

void putU32(Bytes& b, size_t at, uint32_t v)
{
    for (int k = 0; k < 4; ++k)
        b[at + size_t(k)] = std::byte((v >> (8 * k)) & 0xff);
}

// Overwrites the uncompressed size of member `name` in both its local and central headers (plain
// zip, no zip64, as the fixtures are). `adjust` maps the true size to the lie.
template <class Fn>
bool patchUncompressedSize(Bytes& zip, const std::string& name, Fn&& adjust)
{
    for (size_t i = 0; i + 46 <= zip.size(); ++i) {
        if (getU32(zip, i) != 0x02014b50u)
            continue;
        const size_t nameLen = size_t(zip[i + 28]) | size_t(zip[i + 29]) << 8;
        if (std::string(reinterpret_cast<const char*>(&zip[i + 46]), nameLen) != name)
            continue;
        const uint32_t truth = getU32(zip, i + 24);
        const uint32_t lie = adjust(truth);
        putU32(zip, i + 24, lie);
        const size_t local = getU32(zip, i + 42);
        putU32(zip, local + 22, lie);
        if (uint16_t(zip[i + 10]) == 0) { // stored: the compressed size must agree too
            putU32(zip, i + 20, lie);
            putU32(zip, local + 18, lie);
        }
        return true;
    }
    return false;
}

// Reference half -> double, written independently of the engine's bit manipulation.
double halfReference(uint16_t h)
{
    const int sign = (h >> 15) ? -1 : 1;
    const int e = (h >> 10) & 31;
    const int m = h & 1023;
    if (e == 31)
        return m ? std::numeric_limits<double>::quiet_NaN() : sign * std::numeric_limits<double>::infinity();
    if (e == 0)
        return sign * std::ldexp(double(m), -24);
    return sign * std::ldexp(1.0 + m / 1024.0, e - 15);
}

} // namespace

class TstNpy : public QObject {
    Q_OBJECT

private slots:
    // ---- fixtures written by NumPy ----
    void fixtures_data();
    void fixtures();
    void fixturesAsFloatFile();
    void archives_data();
    void archives();
    void archiveDuplicateNames();
    void unsupportedDtypes_data();
    void unsupportedDtypes();
    void halfPrecisionAllValues();
    void halfPrecisionSpecialBits();
    void fortranOrderTransposes();

    // ---- header parsing ----
    void headerVariants_data();
    void headerVariants();
    void hostileHeaders_data();
    void hostileHeaders();
    void elementLimit();
    void truncatedAtEveryByte_data();
    void truncatedAtEveryByte();
    void truncatedArchives();
    void randomBytes();
    void mutatedHeaders();
    void archiveSizeLies();
    void archiveMemberOverLimit();
    void missingAndOddFiles();

    // ---- masks ----
    void masks_data();
    void masks();
    void maskRejects_data();
    void maskRejects();

    // ---- writing ----
    void roundTripNpy_data();
    void roundTripNpy();
    void writtenHeaderLooksLikeNumpy();
    void roundTripNpz();
    void writeNpzEmpty();
    void writeRejectsBadInput();

    // ---- atomic writes ----
    void atomicMissingFolder();
    void atomicReadOnlyFolder();
    void atomicWriterThrows();
    void atomicTargetIsFolder();
    void atomicKeepsMode();
    void atomicReplaces();
};

// ================================================================================================
// Fixtures

void TstNpy::fixtures_data()
{
    QTest::addColumn<int>("index");
    const auto& arrays = expectedJson()["arrays"];
    for (size_t i = 0; i < arrays.size(); ++i)
        QTest::newRow(arrays[i]["file"].get<std::string>().c_str()) << int(i);
}

void TstNpy::fixtures()
{
    QFETCH(int, index);
    const auto& e = expectedJson()["arrays"][size_t(index)];
    const std::string path = fixture(e["file"].get<std::string>());

    const NpyArray a = readNpy(path);
    const std::string why = whyNotExpected(a, e);
    QVERIFY2(why.empty(), why.c_str());

    // The same image parsed from memory gives the same bytes.
    const Bytes image = readFile(path);
    const NpyArray m = parseNpy(image.data(), image.size(), e["file"].get<std::string>());
    QVERIFY(m.dtype == a.dtype);
    QCOMPARE(m.shape, a.shape);
    QVERIFY(m.bytes == a.bytes);
}

void TstNpy::fixturesAsFloatFile()
{
    // readNpyAsFloat takes a different path per dtype and order; it must agree with toFloat().
    for (const auto& e : expectedJson()["arrays"]) {
        const std::string path = fixture(e["file"].get<std::string>());
        const gruscope::ArrayF direct = readNpyAsFloat(path);
        const gruscope::ArrayF viaArray = readNpy(path).toFloat();
        QVERIFY2(sameFloats(direct, viaArray), e["file"].get<std::string>().c_str());
    }
}

void TstNpy::archives_data()
{
    QTest::addColumn<int>("index");
    const auto& archives = expectedJson()["archives"];
    for (size_t i = 0; i < archives.size(); ++i)
        QTest::newRow(archives[i]["file"].get<std::string>().c_str()) << int(i);
}

void TstNpy::archives()
{
    QFETCH(int, index);
    const auto& e = expectedJson()["archives"][size_t(index)];
    const auto members = readNpz(fixture(e["file"].get<std::string>()));
    const auto& want = e["members"];
    QCOMPARE(members.size(), want.size());
    for (size_t i = 0; i < members.size(); ++i) {
        QCOMPARE(members[i].first, want[i]["name"].get<std::string>()); // archive order
        const std::string why = whyNotExpected(members[i].second, want[i]);
        QVERIFY2(why.empty(), (members[i].first + ": " + why).c_str());
    }
}

void TstNpy::archiveDuplicateNames()
{
    GS_EXPECT_ERROR(ErrorCode::BadFile, readNpz(fixture("duplicate.npz")));
    GS_EXPECT_MESSAGE_HAS("a.npy");
    GS_EXPECT_MESSAGE_HAS("duplicate.npz");
}

void TstNpy::unsupportedDtypes_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("complex") << "complex64.npy" << "'<c8' (complex numbers)";
    QTest::newRow("unicode") << "unicode.npy" << "'<U2' (strings)";
    QTest::newRow("structured") << "structured.npy" << "structured dtype";
    QTest::newRow("object") << "object.npy" << "'|O' (Python objects)";
    QTest::newRow("longdouble") << "float128.npy" << "extended-precision";
}

void TstNpy::unsupportedDtypes()
{
    QFETCH(QString, file);
    QFETCH(QString, mentions);
    GS_EXPECT_ERROR(ErrorCode::Unsupported, readNpy(fixture(file.toStdString())));
    GS_EXPECT_MESSAGE_HAS(mentions.toStdString());
    GS_EXPECT_MESSAGE_HAS(file.toStdString());
    GS_EXPECT_ERROR(ErrorCode::Unsupported, readNpyAsFloat(fixture(file.toStdString())));
}

void TstNpy::halfPrecisionAllValues()
{
    std::string data(65536 * 2, '\0');
    for (uint32_t h = 0; h < 65536; ++h) {
        data[2 * h] = char(h & 0xff);
        data[2 * h + 1] = char(h >> 8);
    }
    const NpyArray a = parse(npyImage("{'descr': '<f2', 'fortran_order': False, 'shape': (65536,)}", data));
    const gruscope::ArrayF f = a.toFloat();
    const gruscope::ArrayD d = a.toDouble();
    for (uint32_t h = 0; h < 65536; ++h) {
        const double want = halfReference(uint16_t(h));
        QVERIFY2(sameValue(double(f.data[h]), want) && sameValue(d.data[h], want),
                 qPrintable(QStringLiteral("half 0x%1: got %2, expected %3").arg(h, 4, 16, QChar('0')).arg(f.data[h]).arg(want)));
    }
    // Big-endian half.
    const NpyArray be = parse(npyImage("{'descr': '>f2', 'fortran_order': False, 'shape': (2,)}", std::string("\x3c\x00\xc0\x00", 4)));
    QCOMPARE(be.toFloat().data, (std::vector<float>{1.0f, -2.0f}));
}

void TstNpy::halfPrecisionSpecialBits()
{
    const gruscope::ArrayF f = readNpy(fixture("f2_bits.npy")).toFloat();
    QCOMPARE(f.data.size(), size_t(10));
    QVERIFY(std::isinf(f.data[0]) && f.data[0] > 0);
    QVERIFY(std::isinf(f.data[1]) && f.data[1] < 0);
    QVERIFY(std::isnan(f.data[2]) && !std::signbit(f.data[2]));
    QVERIFY(std::isnan(f.data[3]) && std::signbit(f.data[3]));
    QVERIFY(std::isnan(f.data[4])); // NaN with the lowest payload bit, not infinity
    QCOMPARE(f.data[5], std::ldexp(1.0f, -24));                  // smallest subnormal
    QCOMPARE(f.data[6], std::ldexp(1023.0f, -24));               // largest subnormal
    QCOMPARE(f.data[7], std::ldexp(1.0f, -14));                  // smallest normal
    QCOMPARE(f.data[8], 1.0f);
    QCOMPARE(f.data[9], -std::ldexp(1.0f, -24));
}

void TstNpy::fortranOrderTransposes()
{
    // Element [i][j][k] of the cube is (i*12 + j*4 + k) * 0.5 - 3 in every Fortran fixture.
    for (const char* name : {"f4_fortran.npy", "f8_fortran_be.npy"}) {
        const gruscope::ArrayD d = readNpy(fixture(name)).toDouble();
        QCOMPARE(d.shape, (gruscope::Shape{2, 3, 4}));
        for (int i = 0; i < 24; ++i)
            QCOMPARE(d.data[size_t(i)], i * 0.5 - 3.0);
        const gruscope::ArrayF f = readNpyAsFloat(fixture(name));
        for (int i = 0; i < 24; ++i)
            QCOMPARE(f.data[size_t(i)], float(i * 0.5 - 3.0));
    }
    // A hand-made Fortran 2x3 int32: stored column by column.
    const NpyArray a = parse(npyImage("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3)}", rawOf<int32_t>({1, 4, 2, 5, 3, 6})));
    QCOMPARE(a.toDouble().data, (std::vector<double>{1, 2, 3, 4, 5, 6}));
    // Fortran order with one long dimension is the same as C order.
    const NpyArray b = parse(npyImage("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 1)}", rawOf<float>({1, 2, 3})));
    QCOMPARE(b.toFloat().data, (std::vector<float>{1, 2, 3}));
}

// ================================================================================================
// Header parsing

void TstNpy::headerVariants_data()
{
    QTest::addColumn<QString>("header");
    QTest::addColumn<int>("major");
    QTest::addColumn<QString>("shape");

    auto row = [](const char* name, const char* header, const char* shape, int major = 1) {
        QTest::newRow(name) << QString::fromLatin1(header) << major << QString::fromLatin1(shape);
    };
    row("numpy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }      \n", "(2, 3)");
    row("shape first", "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}", "(2, 3)");
    row("fortran first", "{'fortran_order': False, 'shape': (2, 3), 'descr': '<f4'}", "(2, 3)");
    row("no spaces", "{'descr':'<f4','fortran_order':False,'shape':(2,3)}", "(2, 3)");
    row("many spaces", "  {  'descr' :  '<f4'  ,\t'fortran_order' : False ,\n 'shape' : ( 2 , 3 , ) , }  \n\n", "(2, 3)");
    row("double quotes", "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}", "(2, 3)");
    row("trailing comma in tuple", "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", "(6,)");
    row("list shape", "{'descr': '<f4', 'fortran_order': False, 'shape': [3, 2]}", "(3, 2)");
    row("python 2 longs", "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", "(2, 3)");
    row("native order", "{'descr': '=f4', 'fortran_order': False, 'shape': (6,)}", "(6,)");
    row("no order", "{'descr': 'f4', 'fortran_order': False, 'shape': (6,)}", "(6,)");
    row("pipe order", "{'descr': '|f4', 'fortran_order': False, 'shape': (6,)}", "(6,)");
    row("extra key", "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'note': ['x', 1, None]}", "(6,)");
    row("nul padding", "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}\n\0\0", "(6,)");
    row("version 2", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", "(2, 3)", 2);
    row("version 3", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", "(2, 3)", 3);
    row("rank 4", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 1, 3)}", "(1, 2, 1, 3)");
}

void TstNpy::headerVariants()
{
    QFETCH(QString, header);
    QFETCH(int, major);
    QFETCH(QString, shape);
    std::string h = header.toStdString();
    if (QByteArray(QTest::currentDataTag()) == "nul padding")
        h = std::string("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}\n\0\0", 59);
    const NpyArray a = parse(npyImage(h, rawOf<float>({1, 2, 3, 4, 5, 6}), major));
    QCOMPARE(QString::fromStdString(gruscope::shapeToString(a.shape)), shape);
    QVERIFY(a.dtype == DType::Float32);
    QCOMPARE(a.toFloat().data, (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

void TstNpy::hostileHeaders_data()
{
    QTest::addColumn<QByteArray>("image");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("mentions");

    auto img = [](const std::string& header, const std::string& data = std::string(24, '\0'), int major = 1) {
        const Bytes b = npyImage(header, data, major);
        return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
    };
    const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}";
    auto withShape = [&](const std::string& shape) { return img("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + "}"); };
    auto withDescr = [&](const std::string& d) { return img("{'descr': " + d + ", 'fortran_order': False, 'shape': (2, 3)}"); };

    QTest::newRow("empty") << QByteArray() << ErrorCode::BadFile << "empty";
    QTest::newRow("bad magic") << QByteArray("\x93NUMPX\x01\x00\x10\x00{}", 12) << ErrorCode::BadFile << "magic";
    QTest::newRow("text file") << QByteArray("hello, world\n") << ErrorCode::BadFile << "not a .npy file";
    QTest::newRow("magic only") << QByteArray("\x93NUMPY", 6) << ErrorCode::BadFile << "truncated";
    QTest::newRow("version 4.0") << QByteArray("\x93NUMPY\x04\x00\x00\x00", 10) << ErrorCode::Unsupported << "version 4.0";
    QTest::newRow("version 1.1") << QByteArray("\x93NUMPY\x01\x01\x00\x00", 10) << ErrorCode::Unsupported << "version 1.1";
    QTest::newRow("version 0.0") << QByteArray("\x93NUMPY\x00\x00\x00\x00", 10) << ErrorCode::Unsupported << "version 0.0";
    QTest::newRow("v1 header past EOF") << QByteArray("\x93NUMPY\x01\x00\xff\xff{'descr'", 17) << ErrorCode::BadFile << "65535 bytes";
    QTest::newRow("v2 header past EOF") << QByteArray("\x93NUMPY\x02\x00\xff\xff\xff\xff{'descr'", 19) << ErrorCode::BadFile << "4294967295 bytes";
    QTest::newRow("v2 header 2 MiB") << [] {
        QByteArray b("\x93NUMPY\x02\x00\x00\x00\x20\x00", 12);
        b.append(QByteArray(2 << 20, ' '));
        return b;
    }() << ErrorCode::BadFile << "at most";
    QTest::newRow("negative dim") << withShape("(2, -3)") << ErrorCode::BadFile << "(2, -3)";
    QTest::newRow("huge negative dim") << withShape("(-99999999999999999999999,)") << ErrorCode::BadFile << "negative";
    QTest::newRow("huge shape") << withShape("(1000000, 1000000, 1000000)") << ErrorCode::ResourceLimit << "1000000000000000000 elements";
    QTest::newRow("overflowing shape") << withShape("(4611686018427387904, 4, 2)") << ErrorCode::ResourceLimit << "more than 2^63";
    QTest::newRow("dim beyond int64") << withShape("(99999999999999999999999,)") << ErrorCode::ResourceLimit << "limit";
    QTest::newRow("zero times huge") << withShape("(0, 99999999999999999999999)") << ErrorCode::ResourceLimit << "limit";
    QTest::newRow("too many dims") << withShape("(" + [] { std::string s; for (int i = 0; i < 70; ++i) s += "1,"; return s; }() + ")")
                                   << ErrorCode::BadFile << "70 dimensions";
    QTest::newRow("float dim") << withShape("(2.5, 3)") << ErrorCode::BadFile << "not a valid dictionary";
    QTest::newRow("bool dim") << withShape("(True, 3)") << ErrorCode::BadFile << "tuple of integers";
    QTest::newRow("string dim") << withShape("('2', 3)") << ErrorCode::BadFile << "tuple of integers";
    QTest::newRow("shape is string") << withShape("'(2, 3)'") << ErrorCode::BadFile << "tuple of integers";
    QTest::newRow("descr <f3") << withDescr("'<f3'") << ErrorCode::BadFile << "'<f3'";
    QTest::newRow("descr <i3") << withDescr("'<i3'") << ErrorCode::BadFile << "'<i3'";
    QTest::newRow("descr zz") << withDescr("'zz'") << ErrorCode::BadFile << "'zz'";
    QTest::newRow("descr empty") << withDescr("''") << ErrorCode::BadFile << "''";
    QTest::newRow("descr <f99999") << withDescr("'<f99999'") << ErrorCode::BadFile << "'<f99999'";
    QTest::newRow("descr number") << withDescr("4") << ErrorCode::BadFile << "descr";
    QTest::newRow("descr complex") << withDescr("'<c16'") << ErrorCode::Unsupported << "'<c16'";
    QTest::newRow("descr object") << withDescr("'|O'") << ErrorCode::Unsupported << "'|O'";
    QTest::newRow("descr bytes") << withDescr("'|S5'") << ErrorCode::Unsupported << "'|S5'";
    QTest::newRow("descr datetime") << withDescr("'<M8[ns]'") << ErrorCode::Unsupported << "'<M8[ns]'";
    QTest::newRow("descr structured") << withDescr("[('x', '<f4'), ('y', '<i4')]") << ErrorCode::Unsupported << "structured";
    QTest::newRow("descr binary junk") << withDescr("'\x01\xff'") << ErrorCode::BadFile << "\\x01\\xff";
    QTest::newRow("fortran not bool") << img("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}") << ErrorCode::BadFile << "fortran_order";
    QTest::newRow("missing descr") << img("{'fortran_order': False, 'shape': (2, 3)}") << ErrorCode::BadFile << "no 'descr'";
    QTest::newRow("missing shape") << img("{'descr': '<f4', 'fortran_order': False}") << ErrorCode::BadFile << "no 'shape'";
    QTest::newRow("missing fortran") << img("{'descr': '<f4', 'shape': (2, 3)}") << ErrorCode::BadFile << "no 'fortran_order'";
    QTest::newRow("not a dict") << img("['descr', '<f4']") << ErrorCode::BadFile << "not a dictionary";
    QTest::newRow("empty header") << img("") << ErrorCode::BadFile << "not a valid dictionary";
    QTest::newRow("unclosed dict") << img("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)") << ErrorCode::BadFile << "not a valid dictionary";
    QTest::newRow("unclosed string") << img("{'descr: '<f4'") << ErrorCode::BadFile << "not a valid dictionary";
    QTest::newRow("missing colon") << img("{'descr' '<f4'}") << ErrorCode::BadFile << "':'";
    QTest::newRow("garbage after dict") << img(ok + " x") << ErrorCode::BadFile << "after the dictionary";
    QTest::newRow("unknown word") << img("{'descr': '<f4', 'fortran_order': false, 'shape': (2, 3)}") << ErrorCode::BadFile << "'false'";
    QTest::newRow("deep nesting") << img("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': " + std::string(5000, '(') + "}")
                                  << ErrorCode::BadFile << "nested too deeply";
    QTest::newRow("sign only") << withShape("(-,)") << ErrorCode::BadFile << "no digits";
    QTest::newRow("truncated data") << img(ok, std::string(20, '\0')) << ErrorCode::BadFile << "holds 20 bytes of data, 24 needed";
    QTest::newRow("extra data") << img(ok, std::string(28, '\0')) << ErrorCode::BadFile << "does not match";
    QTest::newRow("no data") << img(ok, "") << ErrorCode::BadFile << "0 bytes of data";
}

void TstNpy::hostileHeaders()
{
    QFETCH(QByteArray, image);
    QFETCH(ErrorCode, code);
    QFETCH(QString, mentions);
    const auto* p = reinterpret_cast<const std::byte*>(image.constData());
    GS_EXPECT_ERROR(code, parseNpy(p, size_t(image.size()), "hostile.npy"));
    GS_EXPECT_MESSAGE_HAS("hostile.npy");
    GS_EXPECT_MESSAGE_HAS(mentions.toStdString());

    // The same through the file readers.
    QTemporaryDir dir;
    const std::string path = dir.filePath("hostile.npy").toStdString();
    writeFile(path, Bytes(p, p + image.size()));
    GS_EXPECT_ERROR(code, readNpy(path));
    GS_EXPECT_MESSAGE_HAS(mentions.toStdString());
    GS_EXPECT_ERROR(code, readNpyAsFloat(path));
    GS_EXPECT_MESSAGE_HAS(mentions.toStdString());
}

void TstNpy::elementLimit()
{
    const Bytes b = npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)}", std::string(48, '\0'));
    ReadLimits limits;
    limits.maxElements = 11;
    GS_EXPECT_ERROR(ErrorCode::ResourceLimit, parse(b, limits));
    GS_EXPECT_MESSAGE_HAS("asks for 12 elements");
    GS_EXPECT_MESSAGE_HAS("limit of 11 elements");
    limits.maxElements = 12;
    QCOMPARE(parse(b, limits).elementCount(), int64_t(12));

    // The default limit refuses a header asking for 2^28 + 1 floats before allocating anything.
    const Bytes big = npyImage("{'descr': '<f4', 'fortran_order': False, 'shape': (268435457,)}", "");
    GS_EXPECT_ERROR(ErrorCode::ResourceLimit, parse(big));
    GS_EXPECT_MESSAGE_HAS("268435456");
    // Within the limit but with no data: a truncation error, not an allocation.
    const Bytes lying = npyImage("{'descr': '<f8', 'fortran_order': False, 'shape': (268435456,)}", std::string(16, '\0'));
    GS_EXPECT_ERROR(ErrorCode::BadFile, parse(lying));
    GS_EXPECT_MESSAGE_HAS("2147483648 needed");
}

void TstNpy::truncatedAtEveryByte_data()
{
    QTest::addColumn<QString>("file");
    for (const char* f : {"f4_v1.npy", "f4_v2.npy", "f8_fortran_be.npy", "bool.npy", "scalar_f8_be.npy", "f2_le.npy"})
        QTest::newRow(f) << QString::fromLatin1(f);
}

void TstNpy::truncatedAtEveryByte()
{
    QFETCH(QString, file);
    const Bytes full = readFile(fixture(file.toStdString()));
    QVERIFY(full.size() > 64);
    QTemporaryDir dir;
    const std::string path = dir.filePath("cut.npy").toStdString();
    for (size_t n = 0; n < full.size(); ++n) {
        // An exact-size copy, so that ASan catches any read past the end.
        const Bytes cut(full.begin(), full.begin() + std::ptrdiff_t(n));
        const std::optional<Error> e = gstest::errorOf([&] { parseNpy(cut.data(), cut.size(), "cut.npy"); });
        QVERIFY2(e && e->code() == ErrorCode::BadFile, qPrintable(QStringLiteral("cut at %1").arg(n)));
        writeFile(path, cut);
        const std::optional<Error> e2 = gstest::errorOf([&] { readNpy(path); });
        QVERIFY2(e2 && e2->code() == ErrorCode::BadFile, qPrintable(QStringLiteral("file cut at %1").arg(n)));
        const std::optional<Error> e3 = gstest::errorOf([&] { readNpyAsFloat(path); });
        QVERIFY2(e3 && e3->code() == ErrorCode::BadFile, qPrintable(QStringLiteral("file cut at %1 (as float)").arg(n)));
    }
    QVERIFY(!gstest::errorOf([&] { parseNpy(full.data(), full.size(), "full.npy"); }));
}

void TstNpy::truncatedArchives()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("cut.npz").toStdString();
    for (const char* name : {"stored.npz", "compressed.npz"}) {
        const Bytes full = readFile(fixture(name));
        for (size_t n = 0; n < full.size(); ++n) {
            writeFile(path, Bytes(full.begin(), full.begin() + std::ptrdiff_t(n)));
            const std::optional<Error> e = gstest::errorOf([&] { readNpz(path); });
            QVERIFY2(e && e->code() == ErrorCode::BadFile,
                     qPrintable(QStringLiteral("%1 cut at %2: %3").arg(name).arg(n).arg(e ? e->what() : "no error")));
        }
    }
}

void TstNpy::randomBytes()
{
    std::mt19937 rng(12345);
    QTemporaryDir dir;
    const std::string path = dir.filePath("random.bin").toStdString();
    for (int round = 0; round < 400; ++round) {
        Bytes b(size_t(rng() % 300));
        for (auto& x : b)
            x = std::byte(rng() & 0xff);
        const bool withMagic = round % 2 == 1 && b.size() >= 12;
        if (withMagic) { // a valid preamble in front of random bytes goes deeper into the parser
            const Bytes pre = npyImage("", "", 1 + int(rng() % 3));
            std::copy(pre.begin(), pre.begin() + 8, b.begin());
        }
        const std::optional<Error> e = gstest::errorOf([&] { parseNpy(b.data(), b.size(), "random.npy"); });
        QVERIFY(e.has_value()); // random bytes never make a valid image
        if (!withMagic)
            QVERIFY2(e->code() == ErrorCode::BadFile, e->what());
        if (round % 8 == 0) {
            writeFile(path, b);
            QVERIFY(gstest::errorOf([&] { readNpy(path); }));
            QVERIFY(gstest::errorOf([&] { readNpyAsFloat(path); }));
            const std::optional<Error> z = gstest::errorOf([&] { readNpz(path); });
            QVERIFY(z.has_value());
            QVERIFY2(z->code() == ErrorCode::BadFile, z->what());
        }
    }
}

void TstNpy::mutatedHeaders()
{
    // Flip random bytes of valid images: every result is either a clean parse or a gruscope::Error.
    std::mt19937 rng(777);
    int parsed = 0, refused = 0;
    for (const char* name : {"f4_v1.npy", "i2_fortran.npy", "f4_v2.npy", "f8_be.npy"}) {
        const Bytes full = readFile(fixture(name));
        for (int round = 0; round < 1500; ++round) {
            Bytes b = full;
            const int flips = 1 + int(rng() % 3);
            for (int k = 0; k < flips; ++k) {
                const size_t at = rng() % std::min<size_t>(b.size(), 128);
                b[at] = std::byte(rng() & 0xff);
            }
            try {
                const NpyArray a = parseNpy(b.data(), b.size(), "mutated.npy");
                QCOMPARE(a.toFloat().data.size(), size_t(a.elementCount())); // bytes agree with the shape
                ++parsed;
            } catch (const Error&) {
                ++refused;
            }
        }
    }
    QVERIFY(parsed > 0 && refused > 0);
}

void TstNpy::archiveSizeLies()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("lie.npz").toStdString();
    for (const char* name : {"compressed.npz", "stored.npz"}) {
        const Bytes full = readFile(fixture(name));
        const bool deflated = std::string(name) == "compressed.npz";
        struct Lie {
            const char* what;
            std::function<uint32_t(uint32_t)> adjust;
            ErrorCode code;
            std::string mentions; // stored members fail the CRC check instead
        };
        const std::vector<Lie> lies = {
            {"4 GB", [](uint32_t) { return 0xfffffff0u; }, ErrorCode::ResourceLimit, "unpacks to 4294967280 bytes"},
            {"10 bytes less", [](uint32_t t) { return t - 10; }, ErrorCode::BadFile, deflated ? "more than the 178 bytes" : "CRC"},
            {"10 bytes more", [](uint32_t t) { return t + 10; }, ErrorCode::BadFile, deflated ? "unpacks to only 188 bytes" : "CRC"},
            {"zero", [](uint32_t) { return 0u; }, ErrorCode::BadFile, deflated ? "more than the 0 bytes" : ""},
        };
        for (const Lie& lie : lies) {
            Bytes b = full;
            QVERIFY(patchUncompressedSize(b, "kernel.npy", lie.adjust));
            writeFile(path, b);
            const std::optional<Error> e = gstest::errorOf([&] { readNpz(path); });
            QVERIFY2(e.has_value(), qPrintable(QStringLiteral("%1, %2: no error").arg(name, lie.what)));
            QVERIFY2(e->code() == lie.code, qPrintable(QStringLiteral("%1, %2: %3").arg(name, lie.what, e->what())));
            QVERIFY2(std::string(e->what()).find(lie.mentions) != std::string::npos,
                     qPrintable(QStringLiteral("%1, %2: message lacks \"%3\": %4").arg(name, lie.what, QString::fromStdString(lie.mentions), e->what())));
            QVERIFY2(std::string(e->what()).find(":kernel") != std::string::npos, e->what());
        }
        // A corrupted byte in the compressed stream or the data: CRC or inflate error.
        Bytes b = full;
        b[100] = std::byte(uint8_t(b[100]) ^ 0x55);
        writeFile(path, b);
        const std::optional<Error> e = gstest::errorOf([&] { readNpz(path); });
        QVERIFY2(e && e->code() == ErrorCode::BadFile, name);
    }
}

void TstNpy::archiveMemberOverLimit()
{
    ReadLimits limits;
    limits.maxElements = 10; // kernel has 15 elements; its member (188 bytes) is within 80 + header bytes
    GS_EXPECT_ERROR(ErrorCode::ResourceLimit, readNpz(fixture("compressed.npz"), limits));
    GS_EXPECT_MESSAGE_HAS("compressed.npz:kernel");
    GS_EXPECT_MESSAGE_HAS("limit of 10 elements");
}

void TstNpy::missingAndOddFiles()
{
    QTemporaryDir dir;
    const std::string missing = dir.filePath("nope.npy").toStdString();
    GS_EXPECT_ERROR(ErrorCode::BadFile, readNpy(missing));
    GS_EXPECT_MESSAGE_HAS(missing);
    GS_EXPECT_ERROR(ErrorCode::BadFile, readNpyAsFloat(missing));
    GS_EXPECT_ERROR(ErrorCode::BadFile, readNpz(missing));
    GS_EXPECT_MESSAGE_HAS(missing);
    const std::string folder = dir.path().toStdString();
    GS_EXPECT_ERROR(ErrorCode::BadFile, readNpy(folder));
    GS_EXPECT_MESSAGE_HAS("folder");
    GS_EXPECT_ERROR(ErrorCode::BadFile, readNpz(folder));
    const std::string empty = dir.filePath("empty.npz").toStdString();
    writeFile(empty, {});
    GS_EXPECT_ERROR(ErrorCode::BadFile, readNpz(empty));
    GS_EXPECT_MESSAGE_HAS("empty");
    GS_EXPECT_ERROR(ErrorCode::BadFile, readNpy(empty));
    GS_EXPECT_MESSAGE_HAS("empty");
    // An .npy is not an .npz.
    GS_EXPECT_ERROR(ErrorCode::BadFile, readNpz(fixture("f4_v1.npy")));
    GS_EXPECT_MESSAGE_HAS("zip");
}

// ================================================================================================
// Masks

void TstNpy::masks_data()
{
    QTest::addColumn<QByteArray>("image");
    QTest::addColumn<QString>("expected");
    auto img = [](const std::string& descr, const std::string& shape, const std::string& data) {
        const Bytes b = npyImage("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + "}", data);
        return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
    };
    QTest::newRow("bool") << img("|b1", "(4,)", std::string("\x01\x00\x01\x01", 4)) << "1011";
    QTest::newRow("bool nonzero byte") << img("|b1", "(3,)", std::string("\x07\x00\xff", 3)) << "101";
    QTest::newRow("int8") << img("|i1", "(3,)", std::string("\x00\x01\x00", 3)) << "010";
    QTest::newRow("uint16 be") << img(">u2", "(2,)", std::string("\x00\x01\x00\x00", 4)) << "10";
    QTest::newRow("int64") << img("<i8", "(2, 2)", rawOf<int64_t>({1, 0, 0, 1})) << "1001";
    QTest::newRow("float32") << img("<f4", "(3,)", rawOf<float>({0.0f, 1.0f, -0.0f})) << "010";
    QTest::newRow("float64") << img("<f8", "(2,)", rawOf<double>({1.0, 0.0})) << "10";
    QTest::newRow("empty") << img("<i4", "(0, 3)", "") << "";
    QTest::newRow("scalar") << img("<i4", "()", rawOf<int32_t>({1})) << "1";
}

void TstNpy::masks()
{
    QFETCH(QByteArray, image);
    QFETCH(QString, expected);
    const NpyArray a = parseNpy(reinterpret_cast<const std::byte*>(image.constData()), size_t(image.size()), "m.npy");
    const gruscope::ArrayU8 m = a.toMask("mask");
    QCOMPARE(m.shape, a.shape);
    QString got;
    for (uint8_t v : m.data)
        got += QChar(v ? '1' : '0');
    QCOMPARE(got, expected);
    // The fixtures too.
    QCOMPARE(readNpy(fixture("bool.npy")).toMask("m").data, (std::vector<uint8_t>{1, 0, 1, 0, 0, 1}));
    QCOMPARE(readNpy(fixture("mask_i4.npy")).toMask("m").data, (std::vector<uint8_t>{1, 0, 1, 1, 0, 0, 1, 0}));
    QCOMPARE(readNpy(fixture("mask_u1.npy")).toMask("m").data, (std::vector<uint8_t>{1, 1, 0, 1, 0}));
}

void TstNpy::maskRejects_data()
{
    QTest::addColumn<QByteArray>("image");
    QTest::addColumn<QString>("mentions");
    auto img = [](const std::string& descr, const std::string& shape, const std::string& data) {
        const Bytes b = npyImage("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + "}", data);
        return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
    };
    QTest::newRow("int32 2") << img("<i4", "(2, 2)", rawOf<int32_t>({0, 1, 2, 1})) << "holds 2 at index [1, 0]";
    QTest::newRow("int8 -1") << img("|i1", "(3,)", std::string("\x00\xff\x01", 3)) << "holds -1 at index [1]";
    QTest::newRow("uint64 big") << img("<u8", "(1,)", rawOf<uint64_t>({18446744073709551615ull})) << "holds 18446744073709551615";
    QTest::newRow("float 0.5") << img("<f4", "(2,)", rawOf<float>({1.0f, 0.5f})) << "holds 0.5 at index [1]";
    QTest::newRow("float nan") << img("<f8", "(1,)", rawOf<double>({std::nan("")})) << "nan";
    QTest::newRow("scalar 3") << img("<i2", "()", rawOf<int16_t>({3})) << "holds 3";
}

void TstNpy::maskRejects()
{
    QFETCH(QByteArray, image);
    QFETCH(QString, mentions);
    const NpyArray a = parseNpy(reinterpret_cast<const std::byte*>(image.constData()), size_t(image.size()), "m.npy");
    GS_EXPECT_ERROR(ErrorCode::InvalidArgument, a.toMask("the sequence mask"));
    GS_EXPECT_MESSAGE_HAS("the sequence mask");
    GS_EXPECT_MESSAGE_HAS(mentions.toStdString());

    GS_EXPECT_ERROR(ErrorCode::InvalidArgument, readNpy(fixture("mask_bad_i8.npy")).toMask("mask_bad_i8.npy"));
    GS_EXPECT_MESSAGE_HAS("mask_bad_i8.npy");
    GS_EXPECT_MESSAGE_HAS("holds 2 at index [1, 1]");
}

// ================================================================================================
// Writing

void TstNpy::roundTripNpy_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("shape");
    for (const char* kind : {"f4", "f8", "bool"}) {
        for (const char* shape : {"()", "(0,)", "(7,)", "(2, 3, 4)", "(3, 0, 2)", "(1, 1, 1, 5)"})
            QTest::newRow((std::string(kind) + " " + shape).c_str()) << kind << shape;
    }
}

void TstNpy::roundTripNpy()
{
    QFETCH(QString, kind);
    QFETCH(QString, shape);
    gruscope::Shape s;
    for (const QString& part : QString(shape).remove('(').remove(')').split(',', Qt::SkipEmptyParts))
        s.push_back(part.trimmed().toLongLong());
    QCOMPARE(QString::fromStdString(gruscope::shapeToString(s)), shape);

    QTemporaryDir dir;
    const std::string path = dir.filePath("a.npy").toStdString();
    const int64_t n = gruscope::shapeElementCount(s);
    if (kind == "f4") {
        gruscope::ArrayF a(s);
        for (int64_t i = 0; i < n; ++i)
            a.data[size_t(i)] = float(i) * 0.37f - 1.5f;
        if (n > 2) {
            a.data[1] = std::numeric_limits<float>::quiet_NaN();
            a.data[2] = -std::numeric_limits<float>::infinity();
        }
        writeNpy(path, ref("a", a));
        const NpyArray back = readNpy(path);
        QVERIFY(back.dtype == DType::Float32);
        QVERIFY(sameFloats(back.toFloat(), a));
        QVERIFY(sameFloats(readNpyAsFloat(path), a));
    } else if (kind == "f8") {
        gruscope::ArrayD a(s);
        for (int64_t i = 0; i < n; ++i)
            a.data[size_t(i)] = double(i) / 3.0 - 1e-300;
        writeNpy(path, ref("a", a));
        const NpyArray back = readNpy(path);
        QVERIFY(back.dtype == DType::Float64);
        QCOMPARE(back.toDouble().data, a.data);
        QCOMPARE(back.shape, s);
    } else {
        gruscope::ArrayU8 a(s);
        for (int64_t i = 0; i < n; ++i)
            a.data[size_t(i)] = uint8_t(i % 3 == 0 ? 0 : (i % 3) * 5); // 0, 5, 10: written as 0, 1, 1
        writeNpy(path, refBool("a", a));
        const NpyArray back = readNpy(path);
        QVERIFY(back.dtype == DType::Bool);
        QCOMPARE(back.shape, s);
        const gruscope::ArrayU8 m = back.toMask("a");
        for (int64_t i = 0; i < n; ++i)
            QCOMPARE(m.data[size_t(i)], uint8_t(a.data[size_t(i)] ? 1 : 0));
        const Bytes raw = readFile(path);
        for (int64_t i = 0; i < n; ++i) // the file itself holds 0/1
            QVERIFY(uint8_t(raw[raw.size() - size_t(n) + size_t(i)]) <= 1);
    }
    QCOMPARE(listFolder(dir.path().toStdString()), (std::set<std::string>{"a.npy"})); // no temp files left
}

void TstNpy::writtenHeaderLooksLikeNumpy()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("h.npy").toStdString();
    gruscope::ArrayF a({2, 3}, 1.0f);
    writeNpy(path, ref("h", a));
    const Bytes b = readFile(path);
    const std::string s(reinterpret_cast<const char*>(b.data()), b.size());
    QCOMPARE(s.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const size_t hlen = size_t(uint8_t(b[8])) | size_t(uint8_t(b[9])) << 8;
    QCOMPARE((10 + hlen) % 64, size_t(0));
    QCOMPARE(s.size(), 10 + hlen + 24);
    const std::string header = s.substr(10, hlen);
    QCOMPARE(header.back(), '\n');
    QCOMPARE(header.substr(0, header.find('}') + 1), std::string("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
    QVERIFY(header.find_first_not_of(' ', header.find('}') + 1) == hlen - 1);

    gruscope::ArrayD v({5}, 2.0);
    writeNpy(path, ref("v", v));
    const Bytes c = readFile(path);
    const std::string t(reinterpret_cast<const char*>(c.data()), c.size());
    QVERIFY(t.find("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }") == 10);
    gruscope::ArrayU8 m({}, 1);
    writeNpy(path, refBool("m", m));
    const Bytes d = readFile(path);
    const std::string u(reinterpret_cast<const char*>(d.data()), d.size());
    QVERIFY(u.find("{'descr': '|b1', 'fortran_order': False, 'shape': (), }") == 10);
    QCOMPARE(u.back(), '\x01');
}

void TstNpy::roundTripNpz()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("w.npz").toStdString();
    gruscope::ArrayF kernel({5, 3});
    for (size_t i = 0; i < kernel.data.size(); ++i)
        kernel.data[i] = float(i) * 0.25f - 1.0f;
    gruscope::ArrayD bias({3}, std::vector<double>{0.5, -0.5, 1e-300});
    gruscope::ArrayU8 mask({2, 2}, std::vector<uint8_t>{1, 0, 9, 1});
    gruscope::ArrayF scalar({}, 4.5f);
    gruscope::ArrayF empty({0, 4});
    gruscope::ArrayF big({300, 700});
    for (size_t i = 0; i < big.data.size(); ++i)
        big.data[i] = std::sin(float(i));
    writeNpz(path, {ref("kernel", kernel), ref("bias", bias), refBool("mask", mask), ref("scalar", scalar), ref("empty", empty),
                    ref("big", big)});
    const auto back = readNpz(path);
    QCOMPARE(back.size(), size_t(6));
    QCOMPARE(back[0].first, std::string("kernel"));
    QVERIFY(sameFloats(back[0].second.toFloat(), kernel));
    QCOMPARE(back[1].first, std::string("bias"));
    QVERIFY(back[1].second.dtype == DType::Float64);
    QCOMPARE(back[1].second.toDouble().data, bias.data);
    QCOMPARE(back[2].first, std::string("mask"));
    QVERIFY(back[2].second.dtype == DType::Bool);
    QCOMPARE(back[2].second.toMask("mask").data, (std::vector<uint8_t>{1, 0, 1, 1}));
    QCOMPARE(back[3].second.shape, gruscope::Shape{});
    QCOMPARE(back[3].second.toFloat().data, std::vector<float>{4.5f});
    QCOMPARE(back[4].second.shape, (gruscope::Shape{0, 4}));
    QVERIFY(sameFloats(back[5].second.toFloat(), big));

    // Each member is stored uncompressed, as np.savez does: the raw float bytes appear in the file.
    const Bytes file = readFile(path);
    const auto* kb = reinterpret_cast<const std::byte*>(kernel.data.data());
    QVERIFY(std::search(file.begin(), file.end(), kb, kb + kernel.data.size() * 4) != file.end());

    // Overwriting an existing archive.
    writeNpz(path, {ref("only", scalar)});
    QCOMPARE(readNpz(path).size(), size_t(1));
    QCOMPARE(listFolder(dir.path().toStdString()), (std::set<std::string>{"w.npz"}));
}

void TstNpy::writeNpzEmpty()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("e.npz").toStdString();
    writeNpz(path, {});
    QVERIFY(readNpz(path).empty());
    QCOMPARE(fs::file_size(path), uintmax_t(22));
}

void TstNpy::writeRejectsBadInput()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("x.npz").toStdString();
    gruscope::ArrayF a({2}, 1.0f);
    GS_EXPECT_ERROR(ErrorCode::InvalidArgument, writeNpz(path, {ref("a", a), ref("a", a)}));
    GS_EXPECT_MESSAGE_HAS("'a'");
    GS_EXPECT_ERROR(ErrorCode::InvalidArgument, writeNpz(path, {ref("", a)}));
    ArrayRef negative{"n", DType::Float32, {2, -1}, a.data.data()};
    GS_EXPECT_ERROR(ErrorCode::InvalidArgument, writeNpy(dir.filePath("n.npy").toStdString(), negative));
    GS_EXPECT_MESSAGE_HAS("(2, -1)");
    ArrayRef noData{"d", DType::Float32, {2}, nullptr};
    GS_EXPECT_ERROR(ErrorCode::InvalidArgument, writeNpy(dir.filePath("d.npy").toStdString(), noData));
    gruscope::ArrayF inconsistent;
    inconsistent.shape = {3, 3};
    inconsistent.data = {1.0f};
    GS_EXPECT_ERROR(ErrorCode::InvalidArgument, ref("bad", inconsistent));
    GS_EXPECT_MESSAGE_HAS("'bad'");
    QVERIFY(listFolder(dir.path().toStdString()).empty());

    NpyArray broken;
    broken.dtype = DType::Float64;
    broken.shape = {4};
    broken.bytes.resize(8);
    GS_EXPECT_ERROR(ErrorCode::InvalidArgument, broken.toFloat());
}

// ================================================================================================
// Atomic writes

void TstNpy::atomicMissingFolder()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("missing/sub/x.npy").toStdString();
    gruscope::ArrayF a({2}, 1.0f);
    GS_EXPECT_ERROR(ErrorCode::BadFile, writeNpy(path, ref("x", a)));
    GS_EXPECT_MESSAGE_HAS(path);
    GS_EXPECT_MESSAGE_HAS("does not exist");
    GS_EXPECT_ERROR(ErrorCode::BadFile, writeNpz(path, {ref("x", a)}));
    GS_EXPECT_MESSAGE_HAS(path);
    GS_EXPECT_ERROR(ErrorCode::BadFile, gruscope::writeBytesAtomically(path, "abc"));
    QVERIFY(listFolder(dir.path().toStdString()).empty());
}

void TstNpy::atomicReadOnlyFolder()
{
    QTemporaryDir dir;
    const std::string folder = dir.filePath("ro").toStdString();
    QVERIFY(fs::create_directory(folder));
    const std::string path = folder + "/old.npy";
    gruscope::ArrayF old({3}, 7.0f);
    writeNpy(path, ref("old", old));
    const Bytes before = readFile(path);
    QVERIFY(::chmod(folder.c_str(), 0555) == 0);
    struct Restore {
        std::string f;
        ~Restore() { ::chmod(f.c_str(), 0755); }
    } restore{folder};

    // Privileged users (root in a container) can write into read-only folders; nothing to test then.
    const std::string probe = folder + "/probe";
    if (std::FILE* f = std::fopen(probe.c_str(), "wb")) {
        std::fclose(f);
        ::unlink(probe.c_str());
        QSKIP("running with privileges that ignore folder permissions");
    }
    gruscope::ArrayF fresh({5}, 1.0f);
    GS_EXPECT_ERROR(ErrorCode::BadFile, writeNpy(path, ref("new", fresh)));
    GS_EXPECT_MESSAGE_HAS(path);
    GS_EXPECT_ERROR(ErrorCode::BadFile, writeNpz(folder + "/new.npz", {ref("new", fresh)}));
    GS_EXPECT_MESSAGE_HAS(folder + "/new.npz");
    QVERIFY(readFile(path) == before);
    QCOMPARE(listFolder(folder), (std::set<std::string>{"old.npy"}));
}

void TstNpy::atomicWriterThrows()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("t.txt").toStdString();
    gruscope::writeBytesAtomically(path, "original");
    std::string seenTmp;
    bool threw = false;
    try {
        gruscope::writeFileAtomically(path, [&](const std::string& tmp) {
            seenTmp = tmp;
            std::ofstream(tmp) << "partial";
            throw std::runtime_error("writer failed");
        });
    } catch (const std::runtime_error& e) {
        threw = std::string(e.what()) == "writer failed"; // rethrown as it was
    }
    QVERIFY(threw);
    QCOMPARE(fs::path(seenTmp).parent_path(), fs::path(path).parent_path()); // beside the target
    QVERIFY(!fs::exists(seenTmp));
    const Bytes now = readFile(path);
    QCOMPARE(std::string(reinterpret_cast<const char*>(now.data()), now.size()), std::string("original"));
    QCOMPARE(listFolder(dir.path().toStdString()), (std::set<std::string>{"t.txt"}));
}

void TstNpy::atomicTargetIsFolder()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("taken").toStdString();
    QVERIFY(fs::create_directory(path));
    gruscope::ArrayF a({2}, 1.0f);
    GS_EXPECT_ERROR(ErrorCode::BadFile, writeNpy(path, ref("x", a)));
    GS_EXPECT_MESSAGE_HAS(path);
    GS_EXPECT_ERROR(ErrorCode::BadFile, gruscope::writeBytesAtomically(dir.path().toStdString() + "/", "x"));
    QCOMPARE(listFolder(dir.path().toStdString()), (std::set<std::string>{"taken"}));
}

void TstNpy::atomicKeepsMode()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("m.bin").toStdString();
    gruscope::writeBytesAtomically(path, "one");
    struct stat st {};
    QVERIFY(::stat(path.c_str(), &st) == 0);
    const mode_t mask = ::umask(022);
    ::umask(mask);
    QCOMPARE(int(st.st_mode & 0777), int(0666 & ~mask)); // not mkstemp's 0600
    QVERIFY(::chmod(path.c_str(), 0640) == 0);
    gruscope::writeBytesAtomically(path, "two");
    QVERIFY(::stat(path.c_str(), &st) == 0);
    QCOMPARE(int(st.st_mode & 0777), 0640);
}

void TstNpy::atomicReplaces()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("r.npy").toStdString();
    gruscope::ArrayF a({4}, 1.0f);
    writeNpy(path, ref("r", a));
    gruscope::ArrayF b({2, 2}, 2.0f);
    writeNpy(path, ref("r", b));
    QVERIFY(sameFloats(readNpyAsFloat(path), b));
    QCOMPARE(listFolder(dir.path().toStdString()), (std::set<std::string>{"r.npy"}));
    // A relative path (the temp file goes in the current folder).
    const QString cwd = QDir::currentPath();
    QVERIFY(QDir::setCurrent(dir.path()));
    gruscope::writeBytesAtomically("rel.txt", "hello");
    QVERIFY(QDir::setCurrent(cwd));
    QCOMPARE(listFolder(dir.path().toStdString()), (std::set<std::string>{"r.npy", "rel.txt"}));
}

QTEST_GUILESS_MAIN(TstNpy)
#include "tst_npy.moc"
