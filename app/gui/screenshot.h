// The --screenshot mode: the whole window rendered to an image file as a user would see it once
// its run finished (and, on the compare tab, once a comparison finished), for the README and for
// checking the window on a machine without a display (QT_QPA_PLATFORM=offscreen).
#pragma once

#include <QString>

namespace gsui {

class MainWindow;

// Waits for the runs, renders `window` and saves it to `path` (format by extension). Returns the
// program's exit status: 0, 2 when the image cannot be written (with a message on stderr), 3 when
// the window shows a run error.
int saveScreenshot(MainWindow& window, const QString& path);

} // namespace gsui
