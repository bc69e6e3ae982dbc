// The options every window test starts MainWindow with: settings and autosave in a temporary
// folder of the test's own, no saved layout restored (so that one test cannot change another's
// window), and autosave off unless the test is about it.
#pragma once

#include "main_window.h"

#include <QTemporaryDir>

namespace gstest {

inline gsui::MainWindowOptions windowOptions(const QTemporaryDir& dir, bool autosave = false)
{
    gsui::MainWindowOptions o;
    o.settingsPath = dir.filePath(QStringLiteral("settings.ini"));
    o.stateDir = dir.filePath(QStringLiteral("state"));
    o.restoreLayout = false;
    o.autosave = autosave;
    return o;
}

} // namespace gstest
