// gruscope: the GruScope desktop window.
//
//   gruscope [FILE]                          open FILE (weights, config, session or input), or the
//                                            bundled sine example
//   gruscope --screenshot OUT.png [FILE]     open, run, render the whole window to OUT.png, exit (2 when
//                                            FILE cannot be opened: the window shows why)
//            [--size 1280x800] [--theme light|dark] [--tab gates|weights|compare|saturation|diff]
//            [--example NAME] [--step N] [--unit N] [--layer NAME] [--compare-with FILE]
//            [--lesson N]
//                                            (the compare view is shown after a comparison)
#include "main_window.h"
#include "model/examples.h"
#include "model/lessons.h"
#include "model/run_controller.h"
#include "screenshot.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QSettings>
#include <QTabWidget>

#include <cstdio>

using namespace gsui;

namespace {

int fail(const QString& message)
{
    std::fprintf(stderr, "gruscope: %s\n", qPrintable(message));
    return 2;
}

// --help, --version and --screenshot need no screen, but QApplication aborts when it finds no
// display ("could not connect to display"): on a server, over ssh or in a build that makes the
// man pages, those run on Qt's offscreen platform instead. An explicit QT_QPA_PLATFORM wins.
void useOffscreenWithoutDisplay(int argc, char** argv)
{
    if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY") ||
        qEnvironmentVariableIsSet("WAYLAND_DISPLAY"))
        return;
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--help" || a == "-h" || a == "--help-all" || a == "--version" || a == "-v" || a == "--screenshot" ||
            a.startsWith("--screenshot=")) {
            qputenv("QT_QPA_PLATFORM", "offscreen");
            return;
        }
    }
}

} // namespace

#include <csignal>

int main(int argc, char** argv)
{
    // A file size limit (ulimit -f) makes writes fail with EFBIG, reported like a full disk,
    // instead of killing the process with SIGXFSZ mid-save.
    std::signal(SIGXFSZ, SIG_IGN);
    useOffscreenWithoutDisplay(argc, argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("GruScope"));
    QApplication::setOrganizationName(QStringLiteral("GruScope"));
    QApplication::setApplicationVersion(QStringLiteral(GRUSCOPE_VERSION));
    // The installed desktop entry's name (resources/desktop): on Wayland it becomes the window's
    // app id, which is how the shell finds the entry's name and icon for the running window.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.gruscope.GruScope"));
    // The installed icon (share/icons/hicolor) for the title bar and X11 task switchers; without
    // an installed copy (the build tree) the icon stays empty, as before.
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("io.github.gruscope.GruScope")));

    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Look inside a Keras GRU layer."));
    cli.addHelpOption();
    cli.addVersionOption();
    cli.addPositionalArgument(QStringLiteral("FILE"),
                              QStringLiteral("weights (.h5, .weights.h5, .keras, .safetensors, .npz), a layer config or "
                                             "session .json, or an input (.npy, .csv)"));
    QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("Render the window to OUT.png and exit."),
                                  QStringLiteral("OUT.png"));
    QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size for --screenshot (default 1280x800)."),
                            QStringLiteral("WxH"), QStringLiteral("1280x800"));
    QCommandLineOption theme(QStringLiteral("theme"), QStringLiteral("light, dark or system."), QStringLiteral("THEME"));
    QCommandLineOption compareWith(QStringLiteral("compare-with"),
                                   QStringLiteral("Compare the weights with a layer of FILE (the Weight diff tab)."), QStringLiteral("FILE"));
    QCommandLineOption lesson(QStringLiteral("lesson"), QStringLiteral("Open Help ▸ Lessons at lesson N (from 1)."), QStringLiteral("N"));
    QCommandLineOption tab(QStringLiteral("tab"), QStringLiteral("Central view: gates, weights, compare, saturation or diff."),
                           QStringLiteral("VIEW"));
    QCommandLineOption example(QStringLiteral("example"),
                               QStringLiteral("Open a bundled example: %1.").arg(exampleNames().join(QStringLiteral(", "))),
                               QStringLiteral("NAME"));
    QCommandLineOption step(QStringLiteral("step"), QStringLiteral("Start at this step."), QStringLiteral("N"));
    QCommandLineOption unit(QStringLiteral("unit"), QStringLiteral("Select this unit."), QStringLiteral("N"));
    QCommandLineOption layer(QStringLiteral("layer"),
                             QStringLiteral("The GRU to open in a file with several (its name); --screenshot takes the "
                                            "first otherwise."),
                             QStringLiteral("NAME"));
    cli.addOptions({screenshot, size, theme, tab, example, step, unit, layer, compareWith, lesson});
    cli.process(app);

    const bool shot = cli.isSet(screenshot);
    MainWindowOptions options;
    // A screenshot is reproducible: no saved layout, no autosave, no recovery prompt.
    options.restoreLayout = !shot;
    options.autosave = !shot;
    Theme chosen = Theme::System;
    if (cli.isSet(theme)) {
        const std::optional<Theme> named = themeFromName(cli.value(theme));
        if (!named)
            return fail(QStringLiteral("--theme must be light, dark or system, not '%1'").arg(cli.value(theme)));
        chosen = *named;
    }
    applyTheme(chosen);

    MainWindow window(options);
    if (!cli.isSet(theme) && window.theme() != Theme::System)
        window.setTheme(window.theme()); // the theme saved in the settings
    else if (cli.isSet(theme))
        window.setTheme(chosen);

    QSize windowSize(1280, 800);
    if (shot || cli.isSet(size)) {
        const QStringList wh = cli.value(size).split(QLatin1Char('x'));
        bool okW = false, okH = false;
        const int w = wh.value(0).toInt(&okW), h = wh.value(1).toInt(&okH);
        if (wh.size() != 2 || !okW || !okH || w < 400 || h < 300 || w > 8000 || h > 8000)
            return fail(QStringLiteral("--size must be WIDTHxHEIGHT between 400x300 and 8000x8000, not '%1'").arg(cli.value(size)));
        windowSize = QSize(w, h);
    }
    window.resize(windowSize);
    if (!options.restoreLayout || window.saveState().isEmpty() || !QSettings().contains(QStringLiteral("windowState")))
        window.arrangeDocks(windowSize);
    window.show();

    // A file with several GRUs: --layer names one; a screenshot cannot ask, so it takes the first.
    if (cli.isSet(layer) || shot) {
        const QString wanted = cli.value(layer);
        window.chooseLayer = [wanted, shot](const QString& path, const QStringList& labels) -> int {
            for (int i = 0; i < labels.size(); ++i)
                if (!wanted.isEmpty() && labels[i].section(QStringLiteral(" · "), 0, 0) == wanted)
                    return i;
            if (!wanted.isEmpty()) {
                std::fprintf(stderr, "gruscope: %s has no GRU named '%s'; it has:\n  %s\n", qPrintable(path),
                             qPrintable(wanted), qPrintable(labels.join(QStringLiteral("\n  "))));
                return -1;
            }
            if (shot)
                std::fprintf(stderr, "gruscope: %s holds %lld GRUs; showing the first (choose one with --layer)\n",
                             qPrintable(path), static_cast<long long>(labels.size()));
            return shot ? 0 : -1;
        };
    }

    const bool restored = shot ? false : window.offerRecovery(true);
    const QStringList files = cli.positionalArguments();
    QString error;
    bool openFailed = false;
    if (!restored) {
        if (!files.isEmpty()) {
            if (!window.openFile(files.first(), &error)) {
                // The window stays open on the example, with the error in its banner. A screenshot
                // shows that window too, and then exits 2 so that a script sees the failure.
                openFailed = true;
                std::fprintf(stderr, "gruscope: cannot open %s: %s\n", qPrintable(files.first()), qPrintable(error));
                window.openExample(cli.value(example).isEmpty() ? QStringLiteral("sine") : cli.value(example));
            }
        } else if (!window.openExample(cli.value(example).isEmpty() ? QStringLiteral("sine") : cli.value(example), &error)) {
            return fail(error);
        }
    }
    if (cli.isSet(tab)) {
        const QString t = cli.value(tab).toLower();
        const QStringList tabs{QStringLiteral("gates"), QStringLiteral("weights"), QStringLiteral("compare"),
                               QStringLiteral("saturation"), QStringLiteral("diff")}; // in the order of the window's tabs
        const int index = int(tabs.indexOf(t));
        if (index < 0)
            return fail(QStringLiteral("--tab must be gates, weights, compare, saturation or diff, not '%1'").arg(cli.value(tab)));
        window.views()->setCurrentIndex(index);
    }
    if (cli.isSet(compareWith) && !window.compareWeightsWith(cli.value(compareWith), &error)) {
        std::fprintf(stderr, "gruscope: cannot compare with %s: %s\n", qPrintable(cli.value(compareWith)), qPrintable(error));
        openFailed = true;
    }
    if (cli.isSet(lesson)) {
        bool ok = false;
        const int n = cli.value(lesson).toInt(&ok);
        if (!ok || n < 1 || n > int(gsui::lessons().size()))
            return fail(QStringLiteral("--lesson must be a number from 1 to %1, not '%2'").arg(gsui::lessons().size()).arg(cli.value(lesson)));
        window.startLesson(n - 1);
    }
    window.controller()->runNow();
    window.controller()->waitForIdle(60000);
    if (cli.isSet(step))
        window.document()->setCurrentStep(cli.value(step).toInt());
    if (cli.isSet(unit))
        window.document()->setSelectedUnit(cli.value(unit).toInt());

    if (!shot)
        return app.exec();

    const int saved = saveScreenshot(window, cli.value(screenshot));
    return openFailed ? 2 : saved;
}
