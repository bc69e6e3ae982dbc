// bench_window: the window's responsiveness targets (issue 4 §4), measured on the real window.
//
//   step      stepping redraw with B=1, T=1000, U=256: Document::setCurrentStep and everything it
//             triggers (cursor layers, bars, equations, step bar) until the event queue is empty,
//             repainted; target ≤ 16 ms.
//   edit      an argument edit (recurrent_activation sigmoid ↔ hard_sigmoid, so the weights stay)
//             until the new result is published and every plot has redrawn; target ≤ 100 ms.
//   memory    resident memory of the window on the bundled sine example; target < 250 MB.
//
//   bench_window [--steps N] [--edits N] [--size WxH]
// Run with QT_QPA_PLATFORM=offscreen on a headless machine (software rendering). Prints a table
// and the machine's load average, since a busy machine inflates every figure.
#include "model/document.h"
#include "model/examples.h"
#include "main_window.h"
#include "model/run_controller.h"

#include "gruscope/weights.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

using namespace gsui;
using namespace gruscope;

namespace {

double residentMiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll()).section(QLatin1Char(' '), 0, 2) : QStringLiteral("?");
}

void drain()
{
    // Queued replots and paint events: until nothing is left.
    for (int i = 0; i < 3; ++i)
        QApplication::processEvents(QEventLoop::AllEvents);
}

struct Stats {
    double median = 0, p95 = 0, max = 0;
};

Stats stats(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    Stats s;
    if (v.empty())
        return s;
    s.median = v[v.size() / 2];
    s.p95 = v[std::min(v.size() - 1, size_t(double(v.size()) * 0.95))];
    s.max = v.back();
    return s;
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    int steps = 200, edits = 20;
    QSize size(1600, 1000);
    for (int i = 1; i + 1 < argc; ++i) {
        const QString a = QString::fromLocal8Bit(argv[i]);
        if (a == QLatin1String("--steps"))
            steps = std::max(1, atoi(argv[++i]));
        else if (a == QLatin1String("--edits"))
            edits = std::max(1, atoi(argv[++i]));
        else if (a == QLatin1String("--size")) {
            const QStringList wh = QString::fromLocal8Bit(argv[++i]).split(QLatin1Char('x'));
            size = QSize(wh.value(0).toInt(), wh.value(1).toInt());
        }
    }
    applyTheme(Theme::Light);
    MainWindowOptions options;
    options.restoreLayout = false;
    options.autosave = false;
    MainWindow w(options);
    w.resize(size);
    w.show();

    // ---- memory on the bundled example ------------------------------------------------------------
    w.openExample(QStringLiteral("sine"));
    w.controller()->waitForIdle();
    drain();
    const double rssExample = residentMiB();

    // ---- B=1, T=1000, U=256 -----------------------------------------------------------------------
    GruConfig c;
    c.units = 256;
    const int64_t T = 1000, I = 8;
    GruWeights weights = initializeWeights(c, I, 3);
    ArrayF x(Shape{1, T, I});
    std::mt19937 rng(5);
    std::normal_distribution<float> nd(0.f, 1.f);
    for (float& v : x.data)
        v = nd(rng);
    ModelOrigin origin;
    origin.description = QStringLiteral("benchmark layer B=1 T=1000 U=256");
    w.document()->setModel(c, weights, origin);
    w.document()->setInput(x, QStringLiteral("noise"));
    w.controller()->runNow();
    w.controller()->waitForIdle();
    drain();
    if (!w.document()->lastError().isEmpty()) {
        std::fprintf(stderr, "run failed: %s\n", qPrintable(w.document()->lastError()));
        return 1;
    }

    std::vector<double> stepMs;
    QElapsedTimer clock;
    for (int i = 0; i < steps; ++i) {
        clock.start();
        w.document()->setCurrentStep((i * 7) % int(T));
        drain();
        stepMs.push_back(double(clock.nsecsElapsed()) / 1e6);
    }

    std::vector<double> editMs, engineMs;
    for (int i = 0; i < edits; ++i) {
        GruConfig e = w.document()->config();
        e.recurrent_activation = (i % 2 == 0) ? "hard_sigmoid" : "sigmoid";
        clock.start();
        w.document()->setConfig(e);
        w.controller()->waitForIdle();
        drain();
        editMs.push_back(double(clock.nsecsElapsed()) / 1e6);
        engineMs.push_back(w.document()->result()->result.seconds * 1e3);
    }
    const double rssLarge = residentMiB();

    const Stats s = stats(stepMs), e = stats(editMs), g = stats(engineMs);
    std::printf("GruScope window benchmark (%dx%d, platform %s, load average %s)\n", size.width(), size.height(),
                qPrintable(QGuiApplication::platformName()), qPrintable(loadAverage()));
    std::printf("%-44s %9s %9s %9s %9s\n", "measure", "median", "p95", "max", "target");
    std::printf("%-44s %9.2f %9.2f %9.2f %9s\n", "step redraw, B=1 T=1000 U=256 (ms)", s.median, s.p95, s.max, "<= 16");
    std::printf("%-44s %9.1f %9.1f %9.1f %9s\n", "argument edit -> plots, same (ms)", e.median, e.p95, e.max, "<= 100");
    std::printf("%-44s %9.1f %9.1f %9.1f %9s\n", "  of which the engine's forward pass (ms)", g.median, g.p95, g.max, "");
    std::printf("%-44s %9.1f %9s %9s %9s\n", "resident memory, sine example (MiB)", rssExample, "", "", "< 250");
    std::printf("%-44s %9.1f %9s %9s %9s\n", "resident memory after the large run (MiB)", rssLarge, "", "", "");
    std::printf("(an edit while no run is in flight starts at once; the %d ms debounce applies to bursts only)\n",
                w.controller()->debounceMs());
    return 0;
}
