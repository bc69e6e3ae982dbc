// Session files on their own: a bit-exact round trip of everything a session holds, hostile
// fields each refused by name without touching the document, and a seeded mutation run (byte
// flips, truncations, spliced values) in which every damaged file is either read or refused with
// gruscope::Error — never a crash, never a half-applied document.
#include "model/document.h"
#include "test_support.h"
#include "model/examples.h"
#include "model/session.h"

#include "gruscope/error.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <random>

using namespace gsui;
using namespace gruscope;

namespace {

// A document with every setting away from its default.
void populate(Document& d)
{
    loadExample(d, QStringLiteral("masked_sum"));
    GruConfig c = d.config();
    c.go_backwards = true;
    c.recurrent_dropout = 0.125;
    c.seed = 42;
    d.setConfig(c);
    d.setInputValue(2, 5, 0, -1.0e-30f); // a denormal-adjacent value must survive
    d.setMaskCell(3, 0, false);
    ArrayF h0(Shape{d.batch(), d.config().units});
    for (size_t i = 0; i < h0.data.size(); ++i)
        h0.data[i] = float(i) / 7.0f - 0.5f;
    d.setCustomInitialState(h0);
    d.setTraining(true);
    d.setDropoutSeed(77);
    d.setBackend(BackendKind::Reference);
    d.setKerasVersion(QStringLiteral("3.8.0"));
    d.setSelectedSample(2);
    d.setSelectedUnit(4);
    d.setPlottedUnits({1, 4, 5});
    d.setCurrentStep(7);
}

struct Snapshot {
    GruConfig config;
    GruWeights weights;
    ArrayF x;
    std::optional<ArrayU8> mask;
    InitialStateMode mode;
    bool training;
    BackendKind backend;
    explicit Snapshot(const Document& d)
        : config(d.config()), weights(*d.weights()), x(d.input()), mask(d.mask()), mode(d.initialStateMode()),
          training(d.training()), backend(d.backend())
    {
    }
    bool equals(const Document& d) const
    {
        return config == d.config() && gstest::sameBits(weights.kernel, d.weights()->kernel) &&
               gstest::sameBits(weights.recurrentKernel, d.weights()->recurrentKernel) && gstest::sameBits(weights.bias, d.weights()->bias) &&
               gstest::sameBits(x, d.input()) && mask.has_value() == d.mask().has_value() &&
               (!mask || mask->data == d.mask()->data) && mode == d.initialStateMode() && training == d.training() &&
               backend == d.backend();
    }
};

// Why a document's parts do not fit together ("" when they do): the input (B, T, I), the mask
// (B, T), the weights for I inputs and the configured units, a custom state (B, U) when there is one
// (custom mode without values starts from zeros).
std::string inconsistency(const Document& d)
{
    if (d.input().rank() != 3)
        return "input rank " + std::to_string(d.input().rank());
    if (d.mask() && d.mask()->shape != Shape{d.batch(), d.steps()})
        return "mask " + shapeToString(d.mask()->shape);
    if (!d.weights() || d.weights()->inputSize() != d.features())
        return "weights do not fit the input's features";
    if (d.configValid() && d.weights()->units() != d.config().units)
        return "weights do not fit the units";
    if (!d.customInitialState().empty() && d.customInitialState().shape != Shape{d.batch(), d.config().units})
        return "custom state " + shapeToString(d.customInitialState().shape);
    return {};
}

} // namespace

class TstSession : public QObject {
    Q_OBJECT
private slots:
    void roundTripIsBitExact()
    {
        Document a;
        populate(a);
        SessionExtras extras;
        extras.windowState = QByteArray("\x00\x01layout\xff", 9);
        extras.viewTab = 2;
        const QByteArray json = sessionToJson(a, extras);
        Document b;
        SessionExtras back;
        sessionFromJson(json, b, &back);
        QVERIFY(Snapshot(a).equals(b));
        QVERIFY(gstest::sameBits(a.customInitialState(), b.customInitialState()));
        QCOMPARE(b.dropoutSeed(), uint64_t(77));
        QCOMPARE(QString::fromStdString(b.eligibilityContext().kerasVersion), QStringLiteral("3.8.0"));
        QCOMPARE(b.selectedSample(), 2);
        QCOMPARE(b.selectedUnit(), 4);
        QCOMPARE(b.plottedUnits(), (QList<int>{1, 4, 5}));
        QCOMPARE(b.currentStep(), 7);
        QCOMPARE(back.windowState, extras.windowState);
        QCOMPARE(back.viewTab, 2);
        // Saving what was read gives the same file.
        QCOMPARE(sessionToJson(b, extras), json);
    }

    // The backend choice came after the first sessions: one without it runs on auto, whatever the
    // document ran on before.
    void sessionWithoutBackendLoadsAsAuto()
    {
        Document a;
        populate(a);
        QJsonObject root = QJsonDocument::fromJson(sessionToJson(a)).object();
        QCOMPARE(root.value(QStringLiteral("backend")).toString(), QStringLiteral("reference"));
        root.remove(QStringLiteral("backend"));
        Document b;
        b.setBackend(BackendKind::Cpu);
        sessionFromJson(QJsonDocument(root).toJson(), b);
        QCOMPARE(b.backend(), BackendKind::Auto);
        QCOMPARE(b.config(), a.config());
    }

    void saveIsAtomicAndLoadsBack()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("s.gruscope.json"));
        Document a;
        populate(a);
        saveSession(path, a);
        Document b;
        loadSession(path, b);
        QVERIFY(Snapshot(a).equals(b));
        // A save into a folder that does not exist fails by name and leaves no file behind.
        const QString bad = dir.filePath(QStringLiteral("missing/s.gruscope.json"));
        QVERIFY_THROWS_EXCEPTION(Error, saveSession(bad, a));
        QVERIFY(!QFile::exists(bad));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("s.gruscope.json")});
    }

    // Each hostile edit is refused with a message naming the field; the document is unchanged.
    void hostileFieldsAreRefusedByName_data()
    {
        QTest::addColumn<QString>("pointer"); // where to write
        QTest::addColumn<QString>("value");   // JSON text to put there
        QTest::addColumn<QString>("named");   // what the message must mention
        QTest::newRow("format") << "format" << "\"something-else\"" << "not a GruScope session";
        QTest::newRow("version") << "version" << "99" << "version";
        QTest::newRow("flavor") << "flavor" << "\"keras7\"" << "flavor";
        QTest::newRow("units") << "config/units" << "-3" << "units";
        QTest::newRow("kernel dtype") << "weights/kernel/dtype" << "\"float64\"" << "weights.kernel";
        QTest::newRow("kernel shape") << "weights/kernel/shape" << "[1, 17]" << "weights.kernel";
        QTest::newRow("huge shape") << "input/shape" << "[100000000, 100000000, 100000]" << "too large";
        QTest::newRow("negative dim") << "input/shape" << "[-1, 12, 1]" << "non-negative";
        QTest::newRow("fractional dim") << "input/shape" << "[1.5, 12, 1]" << "non-negative";
        QTest::newRow("bad base64 length") << "input/data" << "\"AAAA\"" << "bytes";
        QTest::newRow("input features") << "input/shape" << "[4, 3, 4]" << "input";
        QTest::newRow("mask shape") << "mask/shape" << "[4, 11]" << "mask";
        QTest::newRow("state mode") << "initial_state/mode" << "\"sometimes\"" << "initial_state.mode";
        QTest::newRow("state seed") << "initial_state/seed" << "\"-x\"" << "initial_state.seed";
        QTest::newRow("dropout seed") << "dropout_seed" << "\"12a\"" << "dropout_seed";
        QTest::newRow("backend name") << "backend" << "\"tpu\"" << "backend";
        QTest::newRow("backend type") << "backend" << "3" << "backend";
        QTest::newRow("weights not object") << "weights/recurrent_kernel" << "[1, 2, 3]" << "weights.recurrent_kernel";
        QTest::newRow("config not object") << "config" << "\"gru\"" << "config";
    }
    void hostileFieldsAreRefusedByName()
    {
        QFETCH(QString, pointer);
        QFETCH(QString, value);
        QFETCH(QString, named);
        Document src;
        populate(src);
        QJsonObject root = QJsonDocument::fromJson(sessionToJson(src)).object();
        // Write `value` at the '/'-separated pointer.
        const QStringList parts = pointer.split(QLatin1Char('/'));
        const QJsonValue v = QJsonDocument::fromJson("[" + value.toUtf8() + "]").array().at(0);
        std::function<QJsonObject(QJsonObject, int)> put = [&](QJsonObject o, int i) {
            if (i == parts.size() - 1)
                o[parts[i]] = v;
            else
                o[parts[i]] = put(o.value(parts[i]).toObject(), i + 1);
            return o;
        };
        root = put(root, 0);
        Document target;
        loadExample(target, QStringLiteral("sine"));
        const Snapshot before(target);
        try {
            sessionFromJson(QJsonDocument(root).toJson(), target);
            QFAIL("a hostile session was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(named), e.what());
        }
        QVERIFY(before.equals(target));
    }

    void notJsonOrNotAnObject_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("unfinished") << QByteArray("{");
        QTest::newRow("an array") << QByteArray("[1,2]");
        QTest::newRow("a string") << QByteArray("\"x\"");
        QTest::newRow("deeply nested") << QByteArray(100000, '[');
        QTest::newRow("not text") << QByteArray("\xff\xfe\x00", 3);
    }
    void notJsonOrNotAnObject()
    {
        QFETCH(QByteArray, bytes);
        Document d;
        loadExample(d, QStringLiteral("sine"));
        const Snapshot before(d);
        QVERIFY_THROWS_EXCEPTION(Error, sessionFromJson(bytes, d));
        QVERIFY(before.equals(d));
    }

    // Seeded mutations of a valid session: each result is read or refused, never a crash; a
    // refused file leaves the document as it was.
    void mutatedSessionsNeverCrash()
    {
        Document src;
        populate(src);
        const QByteArray good = sessionToJson(src);
        std::mt19937 rng(20261126);
        int accepted = 0, refused = 0;
        const QList<QByteArray> splices = {"null", "-1", "1e308", "\"\"", "[]", "{}", "true", "4294967297", "\"AAAA\""};
        for (int i = 0; i < 1500; ++i) {
            QByteArray m = good;
            const int kind = int(rng() % 4);
            if (kind == 0) {
                for (int k = 0; k < 1 + int(rng() % 8); ++k)
                    m[int(rng() % m.size())] = char(rng() % 256);
            } else if (kind == 1) {
                m.truncate(int(rng() % m.size()));
            } else {
                // Replace one JSON value (after a ':') with a hostile one.
                int at = int(rng() % m.size());
                at = m.indexOf(':', at);
                if (at < 0)
                    at = m.indexOf(':');
                int end = at + 1;
                while (end < m.size() && m[end] != ',' && m[end] != '}' && m[end] != '\n')
                    ++end;
                m.replace(at + 1, end - at - 1, " " + splices[int(rng() % splices.size())]);
            }
            Document d;
            loadExample(d, QStringLiteral("parity"));
            const Snapshot before(d);
            try {
                sessionFromJson(m, d);
                ++accepted;
                // Read: then whole, every part fitting the others.
                const std::string why = inconsistency(d);
                QVERIFY2(why.empty(), why.c_str());
            } catch (const Error&) {
                ++refused;
                QVERIFY(before.equals(d));
            }
        }
        qInfo("mutated sessions: %d read, %d refused", accepted, refused);
        QCOMPARE(accepted + refused, 1500);
        QVERIFY(refused > 500);
        QVERIFY(accepted > 0); // some damage is harmless (a changed digit): those files must still read whole
    }
};

QTEST_MAIN(TstSession)
#include "tst_session.moc"
