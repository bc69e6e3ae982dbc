// The input kept beside a weight file (loadInputBeside): opening a bundled example's model.keras
// from its folder shows the example's own batch and mask, not the sine the window had; the
// user's own input stays; an input.npy or mask.npy that does not fit is named with the reason
// and changes nothing it should not; a model opened first replaces the starting zeros with a sine.
#include "main_window.h"
#include "window_test_options.h"
#include "model/document.h"

#include "gruscope/npy.h"

#include <algorithm>

#include <QDir>
#include <QFile>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

using namespace gsui;
using namespace gruscope;

namespace {

const QString kExample = QStringLiteral(GRUSCOPE_SOURCE_DIR "/resources/examples/masked_sum/");

// A folder holding masked_sum's model.keras and, as named, its input.npy and mask.npy.
QString exampleFolder(const QTemporaryDir& dir, bool withInput, bool withMask)
{
    const QString folder = dir.filePath(QStringLiteral("model"));
    QDir().mkpath(folder);
    QFile::copy(kExample + QStringLiteral("model.keras"), folder + QStringLiteral("/model.keras"));
    if (withInput)
        QFile::copy(kExample + QStringLiteral("input.npy"), folder + QStringLiteral("/input.npy"));
    if (withMask)
        QFile::copy(kExample + QStringLiteral("mask.npy"), folder + QStringLiteral("/mask.npy"));
    return folder;
}

ArrayF exampleInput() { return npy::readNpy((kExample + QStringLiteral("input.npy")).toStdString()).toFloat(); }

} // namespace

class TstGuiInputBeside : public QObject {
    Q_OBJECT
private slots:
    void exampleFolderGivesItsInputAndMask()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir));
        QVERIFY(w.openExample(QStringLiteral("sine"))); // (3, 100, 1): the same feature count
        const QString folder = exampleFolder(dir, true, true);
        QString error;
        QVERIFY2(w.openFile(folder + QStringLiteral("/model.keras"), &error), qPrintable(error));

        const Document& doc = *w.document();
        QCOMPARE(doc.input().shape, (Shape{4, 12, 1}));
        QCOMPARE(doc.input().data, exampleInput().data);
        QVERIFY(doc.mask().has_value());
        const ArrayU8 mask = npy::readNpy((kExample + QStringLiteral("mask.npy")).toStdString()).toMask("mask.npy");
        QCOMPARE(doc.mask()->data, mask.data);
        QCOMPARE(doc.inputSource(), Document::InputSource::Given);
        QVERIFY2(doc.inputDescription().contains(QStringLiteral("input.npy beside model.keras")), qPrintable(doc.inputDescription()));
        const QString status = w.statusBar()->currentMessage();
        QVERIFY2(status.contains(QStringLiteral("input.npy")) && status.contains(QStringLiteral("mask.npy")), qPrintable(status));
    }

    void withoutAMaskFileTheMaskIsCleared()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir));
        QVERIFY(w.openExample(QStringLiteral("masked_sum"))); // comes with a mask
        QVERIFY(w.document()->mask().has_value());
        const QString folder = exampleFolder(dir, true, false);
        QString error;
        QVERIFY2(w.openFile(folder + QStringLiteral("/model.keras"), &error), qPrintable(error));
        QCOMPARE(w.document()->input().data, exampleInput().data);
        QVERIFY(!w.document()->mask().has_value());
    }

    void theUsersInputStays()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir));
        const QString folder = exampleFolder(dir, true, true);
        QString error;
        QVERIFY2(w.openFile(folder + QStringLiteral("/model.keras"), &error), qPrintable(error));
        // One cell typed by the user makes the input theirs; opening the file again keeps it.
        w.document()->setInputValue(0, 0, 0, 42.0f);
        QCOMPARE(w.document()->inputSource(), Document::InputSource::Chosen);
        QVERIFY2(w.openFile(folder + QStringLiteral("/model.keras"), &error), qPrintable(error));
        QCOMPARE(w.document()->input().data.at(0), 42.0f);
        QCOMPARE(w.document()->inputSource(), Document::InputSource::Chosen);
    }

    // A window started on a file (no example first) used to keep the document's starting
    // (1, 20, 1) zeros when the model reads one feature, and every plot was flat.
    void aFileOpenedFirstGetsASineNotZeros()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir));
        const QString folder = exampleFolder(dir, false, false);
        QString error;
        QVERIFY2(w.openFile(folder + QStringLiteral("/model.keras"), &error), qPrintable(error));
        const Document& doc = *w.document();
        QCOMPARE(doc.input().shape, (Shape{1, 20, 1}));
        QVERIFY(std::any_of(doc.input().data.begin(), doc.input().data.end(), [](float v) { return v != 0.0f; }));
        QVERIFY2(doc.inputDescription().contains(QStringLiteral("sine")), qPrintable(doc.inputDescription()));
        QCOMPARE(doc.inputSource(), Document::InputSource::Given);

        // Zeros the user chose stay zeros when a model is opened.
        w.document()->setInput(ArrayF(Shape{1, 20, 1}, 0.0f), QStringLiteral("typed"), Document::InputSource::Chosen);
        QVERIFY2(w.openFile(folder + QStringLiteral("/model.keras"), &error), qPrintable(error));
        QVERIFY(std::all_of(doc.input().data.begin(), doc.input().data.end(), [](float v) { return v == 0.0f; }));
        QCOMPARE(doc.inputDescription(), QStringLiteral("typed"));
    }

    void anInputThatDoesNotFitIsNamed()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir));
        QVERIFY(w.openExample(QStringLiteral("sine")));
        const ArrayF before = w.document()->input();
        const QString folder = exampleFolder(dir, false, false);
        npy::writeNpy((folder + QStringLiteral("/input.npy")).toStdString(), npy::ref("x", ArrayF(Shape{2, 5, 3}, 1.0f)));
        QString error;
        QVERIFY2(w.openFile(folder + QStringLiteral("/model.keras"), &error), qPrintable(error));
        QCOMPARE(w.document()->input().data, before.data); // the sine stays: it fits the layer
        const QString status = w.statusBar()->currentMessage();
        QVERIFY2(status.contains(QStringLiteral("has 3 features and this layer reads 1: not used")), qPrintable(status));
    }

    void aMaskThatDoesNotFitIsNamedAndTheInputIsUsed()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir));
        QVERIFY(w.openExample(QStringLiteral("sine")));
        const QString folder = exampleFolder(dir, true, false);
        ArrayU8 wrong(Shape{4, 11}, uint8_t(1));
        npy::writeNpy((folder + QStringLiteral("/mask.npy")).toStdString(), npy::refBool("mask", wrong));
        QString error;
        QVERIFY2(w.openFile(folder + QStringLiteral("/model.keras"), &error), qPrintable(error));
        QCOMPARE(w.document()->input().data, exampleInput().data);
        QVERIFY(!w.document()->mask().has_value());
        const QString status = w.statusBar()->currentMessage();
        QVERIFY2(status.contains(QStringLiteral("mask.npy not used")) && status.contains(QStringLiteral("(4, 11)")), qPrintable(status));
    }

    void aCorruptInputIsNamed()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir));
        QVERIFY(w.openExample(QStringLiteral("sine")));
        const ArrayF before = w.document()->input();
        const QString folder = exampleFolder(dir, false, false);
        QFile f(folder + QStringLiteral("/input.npy"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\x93NUMPY\x01\x00garbage");
        f.close();
        QString error;
        QVERIFY2(w.openFile(folder + QStringLiteral("/model.keras"), &error), qPrintable(error)); // the model still opens
        QCOMPARE(w.document()->input().data, before.data);
        const QString status = w.statusBar()->currentMessage();
        QVERIFY2(status.contains(QStringLiteral("input.npy beside model.keras not used: ")), qPrintable(status));
    }
};

QTEST_MAIN(TstGuiInputBeside)
#include "tst_gui_input_beside.moc"
