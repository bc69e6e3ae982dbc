#include "cli_runner.h"

#include <QProcess>
#include <QProcessEnvironment>

namespace gstest {

QString CliRun::describe() const
{
    return QStringLiteral("gruscope-cli %1: %2 %3\nstderr: %4\nstdout: %5")
        .arg(args.join(QLatin1Char(' ')),
             !started ? QStringLiteral("did not start") : timedOut ? QStringLiteral("TIMED OUT") : crashed ? QStringLiteral("CRASHED") : QStringLiteral("exited"))
        .arg(exitCode)
        .arg(QString::fromUtf8(err).trimmed(), QString::fromUtf8(out.left(3000)).trimmed());
}

CliRun runGruscopeCli(const QStringList& args, int timeoutMs, const QString& workDir, const std::function<void()>& childModifier,
                      const QString& program)
{
    CliRun r;
    r.args = args;
    QProcess p;
    p.setProgram(program.isEmpty() ? QProcessEnvironment::systemEnvironment().value(QStringLiteral("GRUSCOPE_CLI")) : program);
    p.setArguments(args);
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    if (childModifier)
        p.setChildProcessModifier(childModifier);
    p.start();
    r.started = p.waitForStarted(timeoutMs);
    if (!r.started)
        return r;
    if (!p.waitForFinished(timeoutMs)) {
        r.timedOut = true;
        p.kill();
        p.waitForFinished(5000);
    }
    r.crashed = p.exitStatus() == QProcess::CrashExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace gstest
