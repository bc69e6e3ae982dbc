#include "screenshot.h"

#include "main_window.h"
#include "model/document.h"
#include "model/run_controller.h"
#include "plots/compare_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QTabWidget>
#include <QThread>

#include <cstdio>

namespace gsui {

int saveScreenshot(MainWindow& window, const QString& path)
{
    // A screenshot of the compare view shows a finished comparison.
    if (window.views()->currentIndex() == 2) {
        window.compareView()->runComparison(5);
        QElapsedTimer clock;
        clock.start();
        while (window.compareView()->running() && clock.elapsed() < 120000) {
            QApplication::processEvents(QEventLoop::AllEvents, 10);
            QThread::msleep(2);
        }
    }

    // Let layouts settle and queued replots run, then render the whole window.
    for (int i = 0; i < 20; ++i) {
        QApplication::processEvents();
        QThread::msleep(10);
    }
    window.controller()->waitForIdle(60000);
    QApplication::processEvents();
    const QImage image = window.grab().toImage();
    if (image.isNull() || !image.save(path)) {
        std::fprintf(stderr, "gruscope: could not write the screenshot %s\n", qPrintable(path));
        return 2;
    }
    std::printf("%s: %dx%d\n", qPrintable(path), image.width(), image.height());
    return window.document()->lastError().isEmpty() ? 0 : 3;
}

} // namespace gsui
