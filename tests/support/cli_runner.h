// Runs the gruscope-cli binary (GRUSCOPE_CLI, set by CTest) with QProcess and collects its exit
// status and output, for the end-to-end CLI suites.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>

namespace gstest {

struct CliRun {
    QStringList args;
    bool started = false, timedOut = false, crashed = false;
    int exitCode = -1;
    QByteArray out, err;
    bool ok() const { return started && !timedOut && !crashed && exitCode == 0; }
    QString describe() const; // the command, how it ended and what it printed
};

// The binary is GRUSCOPE_CLI unless `program` names another; `childModifier` runs in the child
// before exec (resource limits for the fault tests).
CliRun runGruscopeCli(const QStringList& args, int timeoutMs = 60000, const QString& workDir = {},
                      const std::function<void()>& childModifier = {}, const QString& program = {});

} // namespace gstest
