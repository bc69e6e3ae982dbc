// The GruScope main window: the panels and plots of widgets/ wired to one Document and its
// RunController, menus for files, sessions, examples and exports, the step bar, keyboard stepping,
// a status line with the last run, and the error banner that keeps the previous result on screen
// when a run fails. Its parts live beside it: dock_layout (where the panels go), file_opener (a
// file by what it is), window_settings and theme (what is kept between runs), screenshot.
#pragma once

#include "model/document.h"
#include "model/lessons.h"
#include "theme.h"
#include "window_settings.h"

#include <QMainWindow>
#include <QPointer>

#include <functional>
#include <memory>
#include <optional>

class QComboBox;
class QFrame;

class QLabel;
class QMenu;
class QProgressBar;
class QTabWidget;
class QToolButton;

namespace gruscope {
struct LoadedWeightFile;
}

namespace gsui {

class ArgsPanel;
class Autosave;
class CompareView;
class EligibilityPanel;
class EquationView;
class ErrorBanner;
class Exportable;
class FileTreePanel;
class FileWatch;
class SweepDialog;
class GateHeatmaps;
class InputPanel;
class RunController;
class SaturationView;
class DiffView;
class WeightEditor;
class WhatIfPanel;
class LessonStrip;
class ChainNavigator;
class StepBar;
class StepBarsPlot;
class UnitLinesPlot;
class WeightsView;

struct MainWindowOptions {
    QString settingsPath;  // "" = the user's GruScope settings; tests pass a temporary .ini
    QString stateDir;      // autosave folder; "" = the application's data folder
    bool restoreLayout = true;
    bool autosave = true;
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    Document* document() const { return m_doc; }
    RunController* controller() const { return m_controller; }
    Autosave* autosave() const { return m_autosave; }

    // Opening files. `error` receives the message when false is returned (also shown in the
    // window); the document keeps its previous model then. Files with several GRUs ask which one
    // through chooseLayer (a dialog by default; tests replace it).
    bool openFile(const QString& path, QString* error = nullptr);
    bool openExample(const QString& name, QString* error = nullptr);
    bool saveSessionAs(const QString& path, QString* error = nullptr);
    bool saveModelAs(const QString& path, QString* error = nullptr);
    // Reads the model's weight file again (File ▸ Reload), the same layer without asking; as
    // openFile, a file that no longer opens changes nothing.
    bool reloadWeightFile(QString* error = nullptr);
    // A file with several GRU layers in one model: show layer `index` of chainNavigator()->choices()
    // (the views follow, at the same step). False with the reason when a layer before it fails.
    bool showModelLayer(int index, QString* error = nullptr);
    ChainNavigator* chainNavigator() const { return m_chain; }
    // Help ▸ Lessons: the lesson strip above the views, from lesson `lesson`'s first step. A lesson
    // loads its bundled example; the model the window had is kept (weights, input, edits, its
    // file's tree) and comes back when the strip is closed, unless another model was opened since.
    void startLesson(int lesson);
    LessonStrip* lessonStrip() const { return m_lessons; }
    // Shows the view or dock a lesson step is about (and outlines it for a moment).
    void pointAt(LessonView view);
    QWidget* pointedAt() const { return m_pointedAt; }
    // File ▸ Compare weights with…: a layer of `path` (chooseLayer picks among several) against
    // the model's weights in the Weight diff tab. False, with the reason, when it cannot be read
    // or has no GRU.
    bool compareWeightsWith(const QString& path, QString* error = nullptr);
    DiffView* diffView() const { return m_diff; }
    WeightEditor* weightEditor() const { return m_weightEditor; }
    WhatIfPanel* whatIfPanel() const { return m_whatIf; }
    // Run ▸ Timing sweep…: the sweep dialog (made on first use, kept with its last result).
    void openSweep();
    SweepDialog* sweepDialog() const { return m_sweep; }
    std::function<int(const QString& path, const QStringList& layers)> chooseLayer;

    // Crash recovery: if an autosave of an unclean exit exists, ask (or, with `ask` false,
    // restore without asking). Returns true when a session was restored.
    bool offerRecovery(bool ask = true);

    // The panels (for tests and the screenshot mode).
    ArgsPanel* argsPanel() const { return m_args; }
    EligibilityPanel* eligibilityPanel() const { return m_eligibility; }
    InputPanel* inputPanel() const { return m_input; }
    GateHeatmaps* gateHeatmaps() const { return m_heatmaps; }
    UnitLinesPlot* unitLines() const { return m_lines; }
    StepBarsPlot* stepBars() const { return m_bars; }
    EquationView* equationView() const { return m_equations; }
    WeightsView* weightsView() const { return m_weights; }
    SaturationView* saturationView() const { return m_saturation; }
    CompareView* compareView() const { return m_compare; }
    StepBar* stepBar() const { return m_stepBar; }
    QTabWidget* views() const { return m_views; }
    FileTreePanel* fileTreePanel() const { return m_fileTree; }
    // The weight file the model was last opened from, as read (null for examples, sessions and
    // configs that replaced it): the File panel's tree, and the other layers without a re-read.
    const gruscope::LoadedWeightFile* weightFile() const { return m_weightFile.get(); }
    // Puts another GRU of that file in the document (the File panel's layerRequested) and shows
    // `tensor` ("kernel", ... or "") in the Weights view. False, with the reason in the banner,
    // when the layer cannot be loaded.
    bool loadLayerOfFile(int index, const QString& tensor = {});
    QString bannerText() const;
    QString runStatusText() const;
    // The status line of a published run: the backend that ran (and that auto chose it), its
    // time (on the device and in copies for a GPU), sizes, and whether the gates were rebuilt.
    static QString runStatusLine(const RunOutcome& outcome, double latencyMs);
    QStringList recentFiles() const;

    // Dock arrangement for a window of this size (used when no saved layout exists): the two
    // bottom plots side by side on wide windows, as tabs on narrow ones.
    void arrangeDocks(const QSize& size);

    void setTheme(Theme theme);
    // The limits of model/limits.h, applied now and kept in the settings (View ▸ Limits…).
    void setLimits(const WindowLimits& limits);
    Theme theme() const { return m_theme; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildPanels();
    void buildMenus();
    void buildStatusBar();
    void restoreSettings();
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void updateTitle();
    void updateIntro();
    void watchWeightFile(); // the model's weight file, for changes on disk
    void syncFileTree();    // the File panel follows the document's model
    void endLesson();       // the strip was closed: the model from before the lesson comes back
    void forgetLessonReturn(); // the user opened another model during a lesson: keep it at the end
    void showTensor(const QString& tensor); // in the Weights tab
    void showRunFinished(bool ok, const QString& message);
    void showError(const QString& message);
    bool maybeSave();
    Exportable* currentExportable() const;
    void exportFigure();
    void exportData();

    void actOpen();
    void actOpenSession();
    void actSaveSession();
    void actSaveSessionAs();
    void actSaveModelAs();
    void actAbout();
    void actLimits();
    void actShortcuts();

    MainWindowOptions m_options;
    WindowSettings m_settings;
    Document* m_doc;
    RunController* m_controller;
    Autosave* m_autosave = nullptr;
    FileWatch* m_fileWatch = nullptr;
    SweepDialog* m_sweep = nullptr;
    QAction* m_reloadAction = nullptr;
    QString m_sessionPath;
    bool m_opening = false; // a weight file is being read (a nested event loop runs meanwhile)
    Theme m_theme = Theme::System;

    ArgsPanel* m_args = nullptr;
    EligibilityPanel* m_eligibility = nullptr;
    InputPanel* m_input = nullptr;
    GateHeatmaps* m_heatmaps = nullptr;
    UnitLinesPlot* m_lines = nullptr;
    StepBarsPlot* m_bars = nullptr;
    EquationView* m_equations = nullptr;
    WeightsView* m_weights = nullptr;
    SaturationView* m_saturation = nullptr;
    DiffView* m_diff = nullptr;
    WeightEditor* m_weightEditor = nullptr;
    WhatIfPanel* m_whatIf = nullptr;
    LessonStrip* m_lessons = nullptr;
    // The window's model when a lesson started, to come back to (session JSON, the weight file
    // it was read from, the session file and whether it had unsaved changes).
    struct BeforeLesson {
        QByteArray session;
        std::shared_ptr<const gruscope::LoadedWeightFile> file;
        int layer = -1;
        QString sessionPath;
        bool modified = false;
        QString name;
    };
    std::optional<BeforeLesson> m_beforeLesson;
    bool m_modelShown = false; // a file, example or session has been opened (else: the first start)
    ChainNavigator* m_chain = nullptr;
    QComboBox* m_chainChoice = nullptr;
    QLabel* m_chainLabel = nullptr; // with m_chainChoice, shown for a model of several GRU layers
    QPointer<QWidget> m_pointedAt;
    QFrame* m_outline = nullptr; // drawn around what a lesson step points at
    CompareView* m_compare = nullptr;
    FileTreePanel* m_fileTree = nullptr;
    std::shared_ptr<const gruscope::LoadedWeightFile> m_weightFile;
    StepBar* m_stepBar = nullptr;
    QTabWidget* m_views = nullptr;
    QLabel* m_intro = nullptr;
    ErrorBanner* m_banner = nullptr;
    QLabel* m_runStatus = nullptr;
    QLabel* m_notice = nullptr;
    QProgressBar* m_progress = nullptr;
    QToolButton* m_cancel = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QByteArray m_defaultState;
};

} // namespace gsui
