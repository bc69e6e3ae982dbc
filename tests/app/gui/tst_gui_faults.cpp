// Faults caused, not assumed: the window's writers (session, autosave, the model in every weight
// format, a view's numbers, a figure) run in fault-writer (tests/tools), which the tests kill at
// random moments of a write or start with a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored: every
// write past it fails with EFBIG, as on a full disk). After each fault the file on disk must be a
// whole file, the previous one or a newer one, and an autosave must be recoverable.
#include "autosave.h"
#include "model/document.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <cmath>
#include <csignal>

namespace {

struct Ran {
    int exitCode = -1;
    bool crashed = false;
    QByteArray out, err;
};

Ran runWriter(const QStringList& args)
{
    QProcess p;
    p.start(QStringLiteral(GRUSCOPE_FAULT_WRITER), args);
    Ran r;
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.crashed = p.exitStatus() == QProcess::CrashExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// The marker the file holds, or NaN with the reason in `why` when it cannot be read whole.
double markerOf(const QString& kind, const QString& path, QByteArray* why)
{
    const Ran r = runWriter({QStringLiteral("read"), kind, path});
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("^marker (\\S+)")).match(QString::fromUtf8(r.out));
    if (r.exitCode != 0 || r.crashed || !m.hasMatch()) {
        *why = r.err + r.out;
        return std::nan("");
    }
    return m.captured(1).toDouble();
}

QString targetName(const QString& kind)
{
    if (kind == QLatin1String("session"))
        return QStringLiteral("work.gruscope.json");
    if (kind == QLatin1String("autosave"))
        return QStringLiteral("autosave"); // a folder: Autosave's own
    if (kind == QLatin1String("csv") || kind == QLatin1String("data.npz"))
        return QStringLiteral("numbers.") + kind.section(QLatin1Char('.'), -1);
    if (kind == QLatin1String("png"))
        return QStringLiteral("figure.png");
    return QStringLiteral("model.") + kind;
}

// Files in `dir` besides the target (and, for the autosave folder, besides its two files).
QStringList strays(const QString& dir, const QString& kind)
{
    QStringList out;
    for (const QString& e : QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot))
        if (e != targetName(kind) && !(kind == QLatin1String("autosave") && (e == QLatin1String("autosave.gruscope.json") ||
                                                                           e == QLatin1String("running.pid"))))
            out << e;
    return out;
}

const QStringList kKinds{"session", "autosave", "keras", "weights.h5", "h5", "safetensors", "npz", "csv", "data.npz", "png"};
// A figure and a CSV are made in memory and then written as bytes, as a session is (the session
// rows cover that write); making them takes nearly all the time, so a random kill seldom lands
// inside their write and those rows would prove little.
const QStringList kKilledKinds{"session", "autosave", "keras", "weights.h5", "h5", "safetensors", "npz", "data.npz"};

int rounds()
{
    bool ok = false;
    const int n = qEnvironmentVariableIntValue("GRUSCOPE_FAULT_ROUNDS", &ok);
    return ok && n > 0 ? n : 12;
}

} // namespace

class TstGuiFaults : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    // Killed (SIGKILL) at a random moment while it writes the same file over and over: every time,
    // the file is whole and holds the last finished write or the one in progress. The killed
    // writer's temporary file (<file>.tmp-<pid>-XXXXXX) may be left beside it, never a cut file,
    // and the next write removes it. The autosave is then recoverable the way the window finds it
    // at start.
    void killedWhileWriting_data()
    {
        QTest::addColumn<QString>("kind");
        for (const QString& k : kKilledKinds)
            QTest::newRow(qPrintable(k)) << k;
    }
    void killedWhileWriting()
    {
        QFETCH(QString, kind);
        QTemporaryDir tmp;
        const bool isAutosave = kind == QLatin1String("autosave");
        const QString dir = isAutosave ? tmp.filePath(QStringLiteral("autosave")) : tmp.path();
        const QString target = isAutosave ? dir : tmp.filePath(targetName(kind));
        const Ran first = runWriter({QStringLiteral("once"), kind, target, QStringLiteral("0")});
        QVERIFY2(first.exitCode == 0 && !first.crashed, first.err.constData());

        int inside = 0;
        double last = 0; // the marker the file holds
        // At least rounds() kills, and more (up to 60) until 3 have landed inside a write: on a busy
        // machine fewer kills fall into the short window between a temporary file and its rename.
        const int minimum = rounds();
        int n = 0;
        for (int round = 0; (round < minimum || inside < 3) && round < 60; ++round, ++n) {
            QProcess p;
            // Markers from = 1000·(round + 1) + 1 on: distinct from every earlier round's.
            const int from = 1000 * (round + 1);
            p.start(QStringLiteral(GRUSCOPE_FAULT_WRITER), {QStringLiteral("loop"), kind, target, QString::number(from)});
            QVERIFY(p.waitForStarted());
            // Once it is writing: a random moment within the next few writes.
            QTRY_VERIFY_WITH_TIMEOUT(p.canReadLine() || p.state() != QProcess::Running, 60000);
            QThread::msleep(QRandomGenerator::global()->bounded(60));
            const qint64 pid = p.processId();
            ::kill(pid_t(pid), SIGKILL);
            QVERIFY(p.waitForFinished(30000));
            QCOMPARE(p.exitStatus(), QProcess::CrashExit);
            int begun = 0, ended = 0;
            for (const QByteArray& line : p.readAllStandardOutput().split('\n')) {
                if (line.startsWith("begin "))
                    begun = line.mid(6).toInt();
                else if (line.startsWith("end "))
                    ended = line.mid(4).toInt();
            }

            QByteArray why;
            const double marker = markerOf(kind, target, &why);
            QVERIFY2(!std::isnan(marker), qPrintable(QStringLiteral("round %1 (killed after write %2 began, %3 ended): the file is "
                                                                   "not whole: %4").arg(round).arg(begun).arg(ended).arg(QString::fromUtf8(why))));
            // The last write that ended, the one in progress, or (none ended) what the file held.
            const bool possible = marker == last || (marker > from && marker <= begun && marker >= ended);
            QVERIFY2(possible && (ended == 0 || marker >= ended),
                     qPrintable(QStringLiteral("round %1: the file holds write %2; expected %3 or one of writes %4 to %5")
                                    .arg(round).arg(marker).arg(last).arg(std::max(ended, from + 1)).arg(begun)));
            last = marker;
            // Only the killed writer's own temporary files: each write removes those of writers
            // that are gone.
            const QString own = (isAutosave ? QStringLiteral("autosave.gruscope.json") : targetName(kind)) +
                                QStringLiteral(".tmp-%1-").arg(pid);
            const QStringList left = strays(dir, kind);
            for (const QString& s : left)
                QVERIFY2(s.startsWith(own), qPrintable("left behind: " + s + " (expected only " + own + "*)"));
            // Its temporary file is there: the kill landed between creating it and the rename.
            inside += left.isEmpty() ? 0 : 1;
            if (isAutosave) {
                // What the window does at start: the marker names a dead process, so it offers this file.
                gsui::Document doc;
                gsui::Autosave a(&doc, dir);
                QCOMPARE(a.recoverableFile(), QDir(dir).filePath(QStringLiteral("autosave.gruscope.json")));
            }
        }
        // Kills inside the atomic write (temporary file made, not yet renamed) must have happened
        // often enough for the test to mean something.
        QVERIFY2(inside >= 3, qPrintable(QStringLiteral("only %1 of %2 kills landed inside a write").arg(inside).arg(n)));
        // Leftovers do not get in the way of the next write.
        const Ran again = runWriter({QStringLiteral("once"), kind, target, QStringLiteral("7")});
        QVERIFY2(again.exitCode == 0, again.err.constData());
        QByteArray why;
        QCOMPARE(markerOf(kind, target, &why), 7.0);
        QVERIFY2(strays(dir, kind).isEmpty(), qPrintable("left behind after a clean write: " + strays(dir, kind).join(", ")));
        qInfo("%d kills, %d of them between the temporary file's creation and its rename", n, inside);
    }

    // The disk fills up during the write: a clear error naming the file, the previous file
    // byte for byte as it was, no partial or temporary file left.
    void diskFullKeepsThePreviousFile_data()
    {
        QTest::addColumn<QString>("kind");
        for (const QString& k : kKinds)
            QTest::newRow(qPrintable(k)) << k;
    }
    void diskFullKeepsThePreviousFile()
    {
        QFETCH(QString, kind);
        QTemporaryDir tmp;
        const bool isAutosave = kind == QLatin1String("autosave");
        const QString dir = isAutosave ? tmp.filePath(QStringLiteral("autosave")) : tmp.path();
        const QString target = isAutosave ? dir : tmp.filePath(targetName(kind));
        const QString file = isAutosave ? QDir(dir).filePath(QStringLiteral("autosave.gruscope.json")) : target;
        QVERIFY(runWriter({QStringLiteral("once"), kind, target, QStringLiteral("3")}).exitCode == 0);
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray before = f.readAll();
        f.close();
        QVERIFY(before.size() > 64);

        // Room for less than half of the file.
        const Ran full = runWriter({QStringLiteral("once"), kind, target, QStringLiteral("4"), QString::number(before.size() / 2)});
        QVERIFY2(!full.crashed && full.exitCode == 2, qPrintable(QStringLiteral("exit %1, crashed %2: %3")
                                                                    .arg(full.exitCode).arg(full.crashed).arg(QString::fromUtf8(full.err))));
        QVERIFY2(full.err.contains(QFileInfo(file).fileName().toUtf8()), full.err.constData());
        QVERIFY2(full.err.contains("File too large") || full.err.contains("disk") || full.err.contains("space"), full.err.constData());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY2(f.readAll() == before, "the previous file was changed");
        QVERIFY2(strays(dir, kind).isEmpty(), qPrintable("left behind: " + strays(dir, kind).join(", ")));
        qInfo("%s", full.err.trimmed().constData());
    }
};

QTEST_GUILESS_MAIN(TstGuiFaults)
#include "tst_gui_faults.moc"
