#include "main_window.h"

#include "autosave.h"
#include "dock_layout.h"
#include "error_banner.h"
#include "file_opener.h"
#include "file_watch.h"
#include "fit_scroll_area.h"
#include "lesson_strip.h"
#include "limits_dialog.h"
#include "sweep_dialog.h"
#include "model/engine_qt.h"
#include "model/examples.h"
#include "model/chain_navigator.h"
#include "model/run_controller.h"
#include "model/weight_editor.h"
#include "model/session.h"
#include "panels/args_panel.h"
#include "panels/eligibility_panel.h"
#include "panels/equation_view.h"
#include "panels/file_tree_panel.h"
#include "panels/input_panel.h"
#include "panels/step_bar.h"
#include "panels/what_if_panel.h"
#include "plots/compare_view.h"
#include "plots/diff_view.h"
#include "plots/gate_heatmaps.h"
#include "plots/plot_export.h"
#include "plots/plot_theme.h"
#include "plots/saturation_view.h"
#include "plots/step_bars_plot.h"
#include "plots/unit_lines_plot.h"
#include "plots/weights_view.h"

#include "gruscope/device.h"

#include <qcustomplot.h>

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSpinBox>
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QKeyEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QScrollArea>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextEdit>
#include <QScopeGuard>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#ifndef GRUSCOPE_VERSION
#define GRUSCOPE_VERSION "dev"
#endif

namespace gsui {

using namespace gruscope;

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent), m_options(options), m_settings(options.settingsPath), m_doc(new Document(this)),
      m_controller(new RunController(m_doc, this))
{
    setObjectName(QStringLiteral("GruScopeMainWindow"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    buildPanels();
    buildMenus();
    buildStatusBar();

    connect(m_doc, &Document::modelReplaced, this, [this] {
        updateTitle();
        updateIntro();
        watchWeightFile();
        syncFileTree();
    });
    // The weight file changed or vanished on disk after it was read: the window keeps what it
    // read and says so; File ▸ Reload reads it again.
    m_fileWatch = new FileWatch(this);
    connect(m_fileWatch, &FileWatch::changed, this, [this](const QString& path) {
        m_banner->showMessage(tr("%1 changed on disk after it was read. The weights shown are the ones read before; "
                                 "File ▸ Reload weight file reads it again.")
                                  .arg(QFileInfo(path).fileName()));
    });
    connect(m_fileWatch, &FileWatch::removed, this, [this](const QString& path) {
        m_banner->showMessage(tr("%1 was deleted or moved after it was read. The weights shown stay in the window; "
                                 "File ▸ Save weights / config as… keeps them.")
                                  .arg(QFileInfo(path).fileName()));
    });
    connect(m_doc, &Document::modifiedChanged, this, [this] { updateTitle(); });
    connect(m_doc, &Document::errorChanged, this, &MainWindow::showError);
    connect(m_doc, &Document::notice, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    // A refused edit changed nothing; the banner says why in full (the status bar would clip it).
    connect(m_doc, &Document::refused, this, [this](const QString& m) { m_banner->showMessage(m); });
    connect(m_controller, &RunController::finished, this, &MainWindow::showRunFinished);
    connect(m_controller, &RunController::started, this, [this] {
        QTimer::singleShot(300, this, [this] {
            if (m_controller->busy()) {
                m_progress->setVisible(true);
                m_cancel->setVisible(true);
            }
        });
    });
    connect(m_controller, &RunController::progress, this, [this](qint64 done, qint64 total) {
        m_progress->setRange(0, int(std::max<qint64>(1, total)));
        m_progress->setValue(int(done));
    });

    qApp->installEventFilter(this);

    if (m_options.autosave) {
        m_autosave = new Autosave(m_doc, m_options.stateDir, this);
        m_autosave->setWindowStateProvider([this] { return saveState(); });
        connect(m_autosave, &Autosave::failed, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    }
    m_defaultState = saveState();
    windowLimits() = m_settings.limits();
    if (m_options.restoreLayout)
        restoreSettings();
    applyPlotThemeToAll(this, QApplication::palette());
    updateTitle();
}

MainWindow::~MainWindow()
{
    qApp->removeEventFilter(this);
}

// ---- layout ------------------------------------------------------------------------------------

void MainWindow::buildPanels()
{
    m_stepBar = new StepBar(m_doc, this);
    auto* stepTools = addToolBar(tr("Stepping"));
    stepTools->setObjectName(QStringLiteral("steppingToolbar"));
    stepTools->setMovable(true);
    stepTools->addWidget(m_stepBar);

    // Central area: what is being looked at (a line), an error banner, then the views.
    auto* central = new QWidget(this);
    auto* col = new QVBoxLayout(central);
    col->setContentsMargins(4, 4, 4, 0);
    col->setSpacing(4);
    m_intro = new QLabel(central);
    m_intro->setObjectName(QStringLiteral("introLine"));
    m_intro->setWordWrap(true);
    m_intro->setTextFormat(Qt::RichText);
    // Beside the line: for a file with stacked or Bidirectional GRUs, which layer of its model the
    // views show.
    m_chain = new ChainNavigator(m_doc, this);
    m_chainChoice = new QComboBox(central);
    m_chainChoice->setObjectName(QStringLiteral("layerOfModel"));
    m_chainLabel = new QLabel(tr("Layer of the model"), central);
    auto* introRow = new QHBoxLayout;
    introRow->addWidget(m_intro, 1);
    introRow->addWidget(m_chainLabel);
    introRow->addWidget(m_chainChoice);
    m_chainLabel->setVisible(false);
    m_chainChoice->setVisible(false);
    connect(m_chain, &ChainNavigator::changed, this, [this] {
        const QSignalBlocker block(m_chainChoice);
        m_chainChoice->clear();
        m_chainChoice->addItems(m_chain->choices());
        m_chainChoice->setCurrentIndex(m_chain->current());
        m_chainChoice->setToolTip(m_chain->summary());
        m_chainLabel->setToolTip(m_chain->summary());
        const bool any = !m_chain->choices().isEmpty();
        m_chainLabel->setVisible(any);
        m_chainChoice->setVisible(any);
    });
    connect(m_chainChoice, &QComboBox::activated, this, [this](int index) { showModelLayer(index); });
    col->addLayout(introRow);
    // Help ▸ Lessons: above the views, so it stays in sight while the student works elsewhere.
    m_lessons = new LessonStrip(m_doc, central);
    m_lessons->setAutoFillBackground(true);
    m_lessons->hide();
    col->addWidget(m_lessons);
    connect(m_lessons, &LessonStrip::pointAt, this, &MainWindow::pointAt);
    connect(m_lessons, &LessonStrip::closed, this, &MainWindow::endLesson);
    m_banner = new ErrorBanner(central);
    col->addWidget(m_banner);

    m_views = new QTabWidget(central);
    m_views->setObjectName(QStringLiteral("views"));
    m_heatmaps = new GateHeatmaps(m_doc, m_views);
    m_weights = new WeightsView(m_doc, m_views);
    m_compare = new CompareView(m_doc, m_views);
    m_views->addTab(m_heatmaps, tr("Gates over time"));
    m_views->addTab(m_weights, tr("Weights"));
    m_views->addTab(m_compare, tr("Compare backends"));
    // Last, so that the tab indices sessions store and the compare page's index stay as they were.
    m_saturation = new SaturationView(m_doc, m_views);
    m_views->addTab(m_saturation, tr("Saturation && memory"));
    m_diff = new DiffView(m_doc, m_views);
    m_views->addTab(m_diff, tr("Weight diff"));
    // Until a comparison sizes the table to its rows, room for the header and three of them; the
    // page scrolls before the table shrinks.
    m_compare->table()->setMinimumHeight(m_compare->table()->fontMetrics().height() * 9);
    col->addWidget(m_views, 1);
    setCentralWidget(central);

    m_args = new ArgsPanel(m_doc, this);
    m_eligibility = new EligibilityPanel(m_doc, this);
    m_input = new InputPanel(m_doc, this);
    m_equations = new EquationView(m_doc, this);
    m_lines = new UnitLinesPlot(m_doc, this);
    m_bars = new StepBarsPlot(m_doc, this);

    m_fileTree = new FileTreePanel(this);
    connect(m_fileTree, &FileTreePanel::tensorActivated, this, &MainWindow::showTensor);
    connect(m_fileTree, &FileTreePanel::layerRequested, this, [this](int index, const QString& tensor) {
        loadLayerOfFile(index, tensor);
    });

    setupDocks(this, {m_args, m_eligibility, m_input, m_equations, m_lines, m_bars, m_fileTree});
    // What if: a tab beside the equations (its own dock, so saved layouts of older versions load).
    m_weightEditor = new WeightEditor(m_doc, this);
    m_whatIf = new WhatIfPanel(m_doc, m_weightEditor, this);
    // A cell clicked in the Weights view becomes the What if entry, ready to be set.
    connect(m_weights, &WeightsView::cellPicked, m_whatIf, &WhatIfPanel::pointAt);
    auto* whatIfDock = new QDockWidget(tr("What if"), this);
    whatIfDock->setObjectName(QStringLiteral("whatIfDock"));
    whatIfDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
    auto* whatIfArea = new QScrollArea(whatIfDock);
    whatIfArea->setWidgetResizable(true);
    whatIfArea->setFrameShape(QFrame::NoFrame);
    whatIfArea->setWidget(m_whatIf);
    whatIfDock->setWidget(whatIfArea);
    if (auto* eq = findChild<QDockWidget*>(QStringLiteral("equationDock"))) {
        addDockWidget(Qt::RightDockWidgetArea, whatIfDock);
        tabifyDockWidget(eq, whatIfDock);
        eq->raise();
    }
    // Every plot offers its own export on right-click, and a click gives its view the focus so
    // that File ▸ Export acts on the view last clicked.
    const std::pair<QWidget*, Exportable*> exportables[] = {
        {m_heatmaps, m_heatmaps}, {m_lines, m_lines}, {m_bars, m_bars}, {m_weights, m_weights}, {m_compare, m_compare},
        {m_saturation, m_saturation}, {m_diff, m_diff}};
    for (const auto& [widget, exportable] : exportables) {
        widget->setFocusPolicy(Qt::ClickFocus);
        QCustomPlot* plot = exportable->exportPlot();
        if (!plot)
            continue;
        plot->setContextMenuPolicy(Qt::CustomContextMenu);
        Exportable* e = exportable;
        connect(plot, &QWidget::customContextMenuRequested, this, [this, plot, e](const QPoint& at) {
            QMenu menu(this);
            menu.addAction(tr("Export figure (PNG, PDF, SVG)…"), this, [this, e] { exportFigureInteractive(this, *e); });
            menu.addAction(tr("Export data (CSV, .npy, .npz)…"), this, [this, e] { exportDataInteractive(this, *e); });
            menu.exec(plot->mapToGlobal(at));
        });
    }
    // The weights and compare pages hold several plots and tables: below their minimum size they
    // scroll rather than force the window taller than the screen; above it they fill the view.
    for (int i = 1; i < m_views->count(); ++i) {
        QWidget* page = m_views->widget(i);
        const QString label = m_views->tabText(i);
        auto* area = new FitScrollArea(m_views);
        area->setFrameShape(QFrame::NoFrame);
        m_views->removeTab(i);
        area->setWidget(page);
        m_views->insertTab(i, area, label);
    }
}

void MainWindow::arrangeDocks(const QSize& size) { gsui::arrangeDocks(this, size); }

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open weights, config or input…"), QKeySequence::Open, this, &MainWindow::actOpen);
    m_recentMenu = file->addMenu(tr("Open &recent"));
    QMenu* examples = file->addMenu(tr("Open &example"));
    for (const QString& name : exampleNames()) {
        const ExampleInfo info = exampleInfo(name);
        QAction* a = examples->addAction(QStringLiteral("%1 — %2").arg(name, info.title));
        a->setToolTip(info.task);
        connect(a, &QAction::triggered, this, [this, name] { openExample(name); });
    }
    file->addSeparator();
    m_reloadAction = file->addAction(tr("Re&load weight file"), QKeySequence(tr("Ctrl+Shift+R")), this, [this] { reloadWeightFile(); });
    m_reloadAction->setEnabled(false);
    file->addAction(tr("Open &session…"), this, &MainWindow::actOpenSession);
    file->addAction(tr("&Save session"), QKeySequence::Save, this, &MainWindow::actSaveSession);
    file->addAction(tr("Save session &as…"), QKeySequence::SaveAs, this, &MainWindow::actSaveSessionAs);
    file->addSeparator();
    file->addAction(tr("Save &weights / config as…"), this, &MainWindow::actSaveModelAs);
    file->addAction(tr("&Compare weights with…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Compare the weights with"), QString(),
                                                          tr("Weight files (*.h5 *.hdf5 *.keras *.safetensors *.npz);;All files (*)"));
        if (!path.isEmpty())
            compareWeightsWith(path);
    });
    file->addSeparator();
    file->addAction(tr("Export &figure (PNG, PDF, SVG)…"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::exportFigure);
    file->addAction(tr("Export &data (CSV, .npy, .npz)…"), QKeySequence(tr("Ctrl+Shift+E")), this, &MainWindow::exportData);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_weightEditor->stack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_weightEditor->stack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(tr("Run &now"), QKeySequence(tr("F5")), m_controller, &RunController::runNow);
    run->addAction(tr("&Cancel run"), QKeySequence(tr("Esc")), m_controller, &RunController::cancel);
    run->addAction(tr("&Timing sweep…"), this, &MainWindow::openSweep);
    run->addSeparator();
    run->addAction(tr("&Re-initialise weights from the initialisers"), this, [this] {
        bool ok = false;
        const int seed = QInputDialog::getInt(this, tr("Re-initialise weights"), tr("Seed"), 1, 0, 1 << 30, 1, &ok);
        if (ok)
            m_doc->reinitializeWeights(uint64_t(seed));
    });
    run->addAction(tr("Compare &backends"), this, [this] { m_views->setCurrentIndex(2); });

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* d : findChildren<QDockWidget*>())
        m_viewMenu->addAction(d->toggleViewAction());
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(tr("&Reset layout"), this, [this] { restoreState(m_defaultState); });
    QMenu* themeMenu = m_viewMenu->addMenu(tr("&Theme"));
    auto* group = new QActionGroup(this);
    for (const auto& entry : {std::pair{Theme::System, tr("System")}, std::pair{Theme::Light, tr("Light")},
                              std::pair{Theme::Dark, tr("Dark")}}) {
        const Theme theme = entry.first; // a named copy: lambdas cannot capture structured bindings before C++20 in clang 14
        QAction* a = themeMenu->addAction(entry.second);
        a->setCheckable(true);
        a->setData(int(theme));
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, theme] { setTheme(theme); });
    }
    connect(themeMenu, &QMenu::aboutToShow, this, [this, group] {
        for (QAction* a : group->actions())
            a->setChecked(a->data().toInt() == int(m_theme));
    });

    m_viewMenu->addSeparator();
    QAction* limitsAction = m_viewMenu->addAction(tr("&Limits…"), this, &MainWindow::actLimits);
    limitsAction->setStatusTip(tr("The largest array a file may hold, the gate trace's memory, how weight files are read"));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Lessons"), this, [this] { startLesson(0); });
    help->addAction(tr("&Keyboard and mouse"), this, &MainWindow::actShortcuts);
    help->addAction(tr("&About GruScope"), this, &MainWindow::actAbout);
}

void MainWindow::buildStatusBar()
{
    m_runStatus = new QLabel(this);
    m_runStatus->setObjectName(QStringLiteral("runStatus"));
    // A long message on the left is clipped where this label begins: a gap and a rule keep the
    // two from reading as one sentence.
    auto* rule = new QFrame(this);
    rule->setFrameShape(QFrame::VLine);
    rule->setFrameShadow(QFrame::Sunken);
    statusBar()->addPermanentWidget(rule);
    m_runStatus->setContentsMargins(6, 0, 4, 0);
    statusBar()->addPermanentWidget(m_runStatus);
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(160);
    m_progress->setFormat(tr("step %v / %m"));
    m_progress->hide();
    statusBar()->addPermanentWidget(m_progress);
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop this run; the plots keep the previous result (Esc)"));
    m_cancel->hide();
    connect(m_cancel, &QToolButton::clicked, m_controller, &RunController::cancel);
    statusBar()->addPermanentWidget(m_cancel);
}

// ---- status ------------------------------------------------------------------------------------

void MainWindow::showRunFinished(bool ok, const QString& message)
{
    m_progress->hide();
    m_cancel->hide();
    if (!ok) {
        // A failed run's message is in the banner already, whole; the status bar would clip it.
        if (!message.isEmpty() && message != m_doc->lastError())
            statusBar()->showMessage(message, 8000);
        return;
    }
    const auto r = m_doc->result();
    if (!r)
        return;
    m_runStatus->setText(runStatusLine(*r, m_controller->lastLatencyMs()));
    m_runStatus->setToolTip(r->notes.join(QLatin1Char('\n')));
    // The line above already names auto's choice, with the reasons in its tooltip, so the passing
    // message is kept for what the line does not say. The choice is not always the engine's first
    // note (an inference call of a layer with dropout says so before it).
    QStringList notes = r->notes;
    if (r->requestedBackend == BackendKind::Auto)
        notes.removeIf([](const QString& n) { return n.startsWith(QLatin1String("backend auto chose ")); });
    if (!notes.isEmpty())
        statusBar()->showMessage(notes.first(), 10000);
}

QString MainWindow::runStatusLine(const RunOutcome& r, double latencyMs)
{
    const RunResult& res = r.result;
    // The backend that ran, and when auto chose it, that it did (its reasons are in the tooltip).
    QString s = r.requestedBackend == BackendKind::Auto ? tr("%1 backend (chosen by auto)").arg(qs(res.backend))
                                                        : tr("%1 backend").arg(qs(res.backend));
    s += tr(" · %1 ms forward").arg(res.seconds * 1e3, 0, 'f', 2);
    if (res.deviceSeconds > 0 || res.transferSeconds > 0)
        s += tr(" (%1 ms on the device, %2 ms copies)")
                 .arg(res.deviceSeconds * 1e3, 0, 'f', 2)
                 .arg(res.transferSeconds * 1e3, 0, 'f', 2);
    s += tr(" · %1 ms edit→result · B=%2 T=%3 U=%4").arg(latencyMs, 0, 'f', 1).arg(r.B).arg(r.T).arg(r.U);
    if (res.trace.rebuilt)
        s += tr(" · gates rebuilt on the CPU from the GPU's states");
    return s;
}

void MainWindow::showError(const QString& message)
{
    if (message.isEmpty()) {
        m_banner->hide();
        return;
    }
    const bool hasPrevious = bool(m_doc->result());
    m_banner->showMessage(hasPrevious ? tr("%1 — the plots show the last successful run.").arg(message) : message);
}

QString MainWindow::bannerText() const { return m_banner->message(); }
QString MainWindow::runStatusText() const { return m_runStatus->text(); }

void MainWindow::updateTitle()
{
    const ModelOrigin& o = m_doc->origin();
    QString what = !m_sessionPath.isEmpty() ? QFileInfo(m_sessionPath).fileName()
                   : !o.path.isEmpty()      ? QFileInfo(o.path).fileName()
                                            : o.description;
    if (!o.layerName.isEmpty() && m_sessionPath.isEmpty())
        what += QStringLiteral(" · %1").arg(o.layerName);
    setWindowTitle(QStringLiteral("%1%2 — GruScope").arg(what, m_doc->modified() ? QStringLiteral(" *") : QString()));
}

void MainWindow::updateIntro()
{
    const ModelOrigin& o = m_doc->origin();
    QString text = QStringLiteral("<b>%1</b>").arg(o.description.toHtmlEscaped());
    if (!o.path.isEmpty())
        text += QStringLiteral(" — %1").arg(QFileInfo(o.path).fileName().toHtmlEscaped());
    if (!o.notes.isEmpty())
        text += QStringLiteral(" <span style='color:#a15c00'>(%1)</span>").arg(o.notes.join(QStringLiteral("; ")).toHtmlEscaped());
    // Each hint stays whole when the line wraps ("←/→" broke after its slash): no-break spaces and a
    // word joiner inside a hint, ordinary spaces between hints.
    text += tr(" &nbsp;<span style='color:gray'>Space&nbsp;plays · ←/&#8288;→&nbsp;step · click a heatmap cell to pick a unit</span>");
    m_intro->setText(text);
    m_intro->setToolTip(tr("Space plays, ←/→ step, Home/End jump. Click a heatmap cell to pick a unit and step; "
                           "Ctrl+click adds the unit to the line plot. Every argument change reruns at once."));
}

// ---- files -------------------------------------------------------------------------------------

bool MainWindow::openFile(const QString& path, QString* error)
{
    // Reading a weight file runs an event loop (the window stays responsive); a second open, or
    // closing the window, must wait for it.
    if (m_opening) {
        if (error)
            *error = tr("another file is being opened");
        return false;
    }
    m_opening = true;
    const auto done = qScopeGuard([this] { m_opening = false; });
    std::optional<OpenedFile> opened;
    try {
        FileOpenHandlers handlers;
        handlers.chooseLayer = chooseLayer ? chooseLayer : [this](const QString& p, const QStringList& labels) {
            return askForLayer(this, p, labels);
        };
        handlers.importInput = [this](const QString& p, QString* why) { return m_input->importFile(p, why); };
        handlers.readWeights = [this](const QString& p) { return readWeightsWithProgress(this, p); };
        opened = openFileInto(*m_doc, path, handlers);
    } catch (const std::exception& e) {
        const QString msg = errorText(e);
        if (error)
            *error = msg;
        statusBar()->showMessage(msg, 15000);
        // The banner names the file once: most errors begin with the path themselves.
        QString why = msg;
        for (const QString& prefix : {path + QStringLiteral(": "), QFileInfo(path).absoluteFilePath() + QStringLiteral(": ")})
            if (why.startsWith(prefix)) {
                why = why.mid(prefix.size());
                break;
            }
        // With no model yet (the file named on the command line), there is nothing to keep: the
        // window starts on a bundled example instead (main.cpp), and says so.
        m_banner->showMessage(m_modelShown ? tr("Could not open %1: %2 — nothing was changed.").arg(QFileInfo(path).fileName(), why)
                                            : tr("Could not open %1: %2. The window shows a bundled example instead.")
                                                     .arg(QFileInfo(path).fileName(), why));
        return false;
    }
    if (!opened) {
        if (error)
            *error = tr("no layer chosen");
        return false;
    }
    if (opened->role == FileRole::Session) {
        if (!opened->extras.windowState.isEmpty())
            restoreState(opened->extras.windowState);
        m_views->setCurrentIndex(std::clamp(opened->extras.viewTab, 0, m_views->count() - 1));
        m_sessionPath = path;
        m_doc->setModified(false);
    } else if (opened->role == FileRole::Weights) {
        m_sessionPath.clear();
        m_weightFile = opened->weightFile;
        m_fileTree->setFile(m_weightFile, opened->layer);
        // A newly opened file shows its structure; the equations are one tab away.
        if (auto* dock = findChild<QDockWidget*>(QStringLiteral("fileDock")))
            dock->raise();
        m_chain->setFile(m_weightFile, std::max(0, opened->layer));
    }
    forgetLessonReturn();
    m_modelShown = true;
    addRecent(path);
    updateTitle();
    updateIntro();
    m_banner->hide();
    statusBar()->showMessage(opened->inputNote.isEmpty() ? tr("Opened %1").arg(QFileInfo(path).fileName())
                                                         : tr("Opened %1. %2").arg(QFileInfo(path).fileName(), opened->inputNote),
                             opened->inputNote.isEmpty() ? 5000 : 10000);
    return true;
}

bool MainWindow::reloadWeightFile(QString* error)
{
    const ModelOrigin origin = m_doc->origin();
    if (origin.path.isEmpty()) {
        if (error)
            *error = tr("the model does not come from a weight file");
        return false;
    }
    // The same layer as before, without asking; the dialog only when it is no longer there.
    const auto ask = chooseLayer;
    chooseLayer = [ask, origin, this](const QString& p, const QStringList& labels) {
        for (int i = 0; i < labels.size(); ++i)
            if (labels[i].startsWith(origin.layerName + QStringLiteral(" · ")))
                return i;
        return ask ? ask(p, labels) : askForLayer(this, p, labels);
    };
    const auto restore = qScopeGuard([this, ask] { chooseLayer = ask; });
    return openFile(origin.path, error);
}

bool MainWindow::loadLayerOfFile(int index, const QString& tensor)
{
    if (!m_weightFile)
        return false;
    // A layer of the model's chain comes with the input the model gives it.
    if (const int choice = m_chain->choiceOfLayer(index); choice >= 0) {
        if (!showModelLayer(choice))
            return false;
    } else {
        try {
            loadLayer(*m_doc, *m_weightFile, index); // checked before the document changes
        } catch (const std::exception& e) {
            m_banner->showMessage(tr("Could not open that layer: %1 — nothing was changed.").arg(errorText(e)));
            return false;
        }
        m_chain->setFile(m_weightFile, index);
    }
    m_banner->hide();
    updateTitle();
    updateIntro();
    if (!tensor.isEmpty())
        showTensor(tensor);
    statusBar()->showMessage(tr("Opened %1 from %2").arg(m_doc->origin().layerName, QFileInfo(m_doc->origin().path).fileName()), 5000);
    return true;
}

void MainWindow::showTensor(const QString& tensor)
{
    // The page is a scroll area around the view (buildPanels).
    for (int i = 0; i < m_views->count(); ++i)
        if (m_views->widget(i) == m_weights || m_views->widget(i)->isAncestorOf(m_weights))
            m_views->setCurrentIndex(i);
    m_weights->showTensor(tensor);
}

void MainWindow::syncFileTree()
{
    // The tree stays while the model comes from its file (another layer, a config over the same
    // weights); anything else (an example, a session, another file) takes it away.
    const ModelOrigin& origin = m_doc->origin();
    if (!m_weightFile || origin.path != qs(m_weightFile->info.path)) {
        m_weightFile.reset();
        m_fileTree->setFile(nullptr);
        // An empty File tab in front of the equations helps nobody.
        auto* file = findChild<QDockWidget*>(QStringLiteral("fileDock"));
        auto* eq = findChild<QDockWidget*>(QStringLiteral("equationDock"));
        if (file && eq && !file->visibleRegion().isEmpty() && tabifiedDockWidgets(file).contains(eq))
            eq->raise();
        return;
    }
    int current = -1;
    for (int i = 0; i < int(m_weightFile->info.layers.size()); ++i)
        if (qs(m_weightFile->info.layers[size_t(i)].name) == origin.layerName)
            current = i;
    m_fileTree->setCurrentLayer(current);
}

void MainWindow::watchWeightFile()
{
    const QString& path = m_doc->origin().path;
    m_fileWatch->watch(path);
    m_reloadAction->setEnabled(!path.isEmpty());
}

bool MainWindow::openExample(const QString& name, QString* error)
{
    try {
        loadExample(*m_doc, name);
    } catch (const std::exception& e) {
        if (error)
            *error = errorText(e);
        showError(errorText(e));
        return false;
    }
    m_sessionPath.clear();
    forgetLessonReturn();
    m_modelShown = true;
    const ExampleInfo info = exampleInfo(name);
    statusBar()->showMessage(tr("Opened the bundled example %1").arg(name), 8000);
    updateTitle();
    updateIntro();
    m_intro->setToolTip(info.task + QStringLiteral("\n\n") + m_intro->toolTip());
    return true;
}

bool MainWindow::saveSessionAs(const QString& path, QString* error)
{
    try {
        SessionExtras extras;
        extras.windowState = saveState();
        extras.viewTab = m_views->currentIndex();
        saveSession(path, *m_doc, extras);
    } catch (const std::exception& e) {
        if (error)
            *error = errorText(e);
        QMessageBox::warning(this, tr("Save failed"), errorText(e));
        return false;
    }
    m_sessionPath = path;
    m_doc->setModified(false);
    addRecent(path);
    updateTitle();
    statusBar()->showMessage(tr("Session saved to %1").arg(path), 5000);
    return true;
}

bool MainWindow::saveModelAs(const QString& path, QString* error)
{
    try {
        saveModel(*m_doc, path);
        if (QFileInfo(path) == QFileInfo(m_doc->origin().path))
            m_fileWatch->watch(path); // our own write is not a change from outside
    } catch (const std::exception& e) {
        if (error)
            *error = errorText(e);
        QMessageBox::warning(this, tr("Save failed"), errorText(e));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    return true;
}

bool MainWindow::offerRecovery(bool ask)
{
    if (!m_autosave)
        return false;
    const QString file = m_autosave->recoverableFile();
    bool restored = false;
    if (!file.isEmpty()) {
        const auto answer =
            ask ? QMessageBox::question(this, tr("Restore unsaved work?"),
                                        tr("GruScope did not exit cleanly last time. Restore the work autosaved at %1?")
                                            .arg(QFileInfo(file).lastModified().toString(Qt::TextDate)),
                                        QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes)
                : QMessageBox::Yes;
        if (answer == QMessageBox::Yes) {
            try {
                SessionExtras extras;
                loadSession(file, *m_doc, &extras);
                if (!extras.windowState.isEmpty())
                    restoreState(extras.windowState);
                m_doc->setModified(true);
                forgetLessonReturn();
                m_modelShown = true;
                restored = true;
                statusBar()->showMessage(tr("Restored the autosaved work"), 8000);
            } catch (const std::exception& e) {
                QMessageBox::warning(this, tr("Restore failed"), errorText(e));
            }
        } else {
            m_autosave->discardRecoverable();
        }
    }
    m_autosave->start();
    updateTitle();
    return restored;
}

QStringList MainWindow::recentFiles() const { return m_settings.recentFiles(); }

void MainWindow::addRecent(const QString& path)
{
    m_settings.addRecentFile(path);
    rebuildRecentMenu();
}

void MainWindow::actLimits()
{
    LimitsDialog dialog(windowLimits(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    setLimits(dialog.limits());
}

void MainWindow::setLimits(const WindowLimits& limits)
{
    const bool traceChanged = limits.traceCapBytes != windowLimits().traceCapBytes;
    windowLimits() = limits;
    m_settings.setLimits(limits);
    if (traceChanged)
        m_controller->requestRun(); // the trace window follows the new cap
    statusBar()->showMessage(tr("Limits: arrays up to %1 Mi elements, traces up to %2 MiB, weight files read %3")
                                 .arg(limits.maxElements >> 20)
                                 .arg(limits.traceCapBytes >> 20)
                                 .arg(limits.isolateFiles ? tr("in a separate process (%1 s limit)").arg(limits.parseTimeoutSeconds)
                                                          : tr("in this process")),
                             8000);
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList list = recentFiles();
    for (const QString& p : list) {
        QAction* a = m_recentMenu->addAction(QFileInfo(p).fileName());
        a->setToolTip(p);
        a->setStatusTip(p);
        connect(a, &QAction::triggered, this, [this, p] { openFile(p); });
    }
    m_recentMenu->setEnabled(!list.isEmpty());
}

void MainWindow::restoreSettings()
{
    restoreGeometry(m_settings.geometry());
    restoreState(m_settings.windowState());
    m_theme = m_settings.theme();
    rebuildRecentMenu();
}

void MainWindow::setTheme(Theme theme)
{
    m_theme = theme;
    applyTheme(theme);
    applyPlotThemeToAll(this, QApplication::palette());
    m_settings.setTheme(theme);
}

// ---- actions -----------------------------------------------------------------------------------

void MainWindow::actOpen()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open"), QString(),
        tr("Everything GruScope reads (*.h5 *.hdf5 *.keras *.safetensors *.npz *.json *.npy *.csv *.tsv);;"
           "Keras weights (*.h5 *.hdf5 *.keras);;PyTorch / NumPy weights (*.safetensors *.npz);;"
           "Layer config or session (*.json);;Input (*.npy *.npz *.csv *.tsv);;All files (*)"));
    if (!path.isEmpty())
        openFile(path);
}

void MainWindow::actOpenSession()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open session"), QString(), tr("GruScope sessions (*.gruscope.json *.json)"));
    if (!path.isEmpty())
        openFile(path);
}

void MainWindow::actSaveSession()
{
    if (m_sessionPath.isEmpty())
        actSaveSessionAs();
    else
        saveSessionAs(m_sessionPath);
}

void MainWindow::actSaveSessionAs()
{
    QString path = QFileDialog::getSaveFileName(this, tr("Save session"), QStringLiteral("untitled.gruscope.json"),
                                                tr("GruScope sessions (*.gruscope.json)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1String(".json")))
        path += QStringLiteral(".gruscope.json");
    saveSessionAs(path);
}

void MainWindow::actSaveModelAs()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save weights or config"), m_doc->config().name.empty() ? QStringLiteral("gru.weights.h5") : qs(m_doc->config().name) + QStringLiteral(".weights.h5"),
        tr("Keras 3 weights (*.weights.h5);;Keras 3 model (*.keras);;tf.keras model (*.h5);;NumPy (*.npz);;"
           "PyTorch nn.GRU (*.safetensors);;Layer config (*.json)"));
    if (!path.isEmpty())
        saveModelAs(path);
}

Exportable* MainWindow::currentExportable() const
{
    // The view with focus wins; else the central tab.
    for (QWidget* w = QApplication::focusWidget(); w; w = w->parentWidget())
        if (auto* e = dynamic_cast<Exportable*>(w))
            return e;
    QWidget* page = m_views->currentWidget();
    if (auto* area = qobject_cast<QScrollArea*>(page))
        page = area->widget();
    return dynamic_cast<Exportable*>(page);
}

void MainWindow::exportFigure()
{
    if (Exportable* e = currentExportable())
        exportFigureInteractive(this, *e);
}

void MainWindow::exportData()
{
    if (Exportable* e = currentExportable())
        exportDataInteractive(this, *e);
}

bool MainWindow::showModelLayer(int index, QString* error)
{
    try {
        m_chain->show(index);
    } catch (const std::exception& e) {
        const QString msg = errorText(e);
        if (error)
            *error = msg;
        m_banner->showMessage(tr("Could not show that layer: %1").arg(msg));
        return false;
    }
    updateTitle();
    updateIntro();
    return true;
}

void MainWindow::startLesson(int lesson)
{
    const int n = int(lessons().size());
    lesson = std::clamp(lesson, 0, n - 1);
    const ExampleInfo ex = exampleInfo(lessons()[size_t(lesson)].example);
    // The lesson's own example, unchanged, is nothing to come back to.
    const bool onTheExample = !m_doc->modified() && m_doc->origin().path.isEmpty() && m_sessionPath.isEmpty() &&
                              m_doc->origin().description == exampleDescription(ex.name);
    if (!m_lessons->isVisible() && !onTheExample) {
        BeforeLesson b;
        b.session = sessionToJson(*m_doc);
        b.file = m_weightFile;
        b.sessionPath = m_sessionPath;
        b.modified = m_doc->modified();
        const ModelOrigin& o = m_doc->origin();
        if (m_weightFile)
            for (int i = 0; i < int(m_weightFile->info.layers.size()); ++i)
                if (qs(m_weightFile->info.layers[size_t(i)].name) == o.layerName)
                    b.layer = i;
        b.name = !m_sessionPath.isEmpty() ? QFileInfo(m_sessionPath).fileName()
                 : !o.path.isEmpty()      ? QFileInfo(o.path).fileName()
                                          : o.description;
        // Unsaved work stays recoverable while the lesson's example is in the document.
        if (b.modified && m_autosave)
            m_autosave->hold(b.session);
        m_beforeLesson = std::move(b);
    }
    // The strip adds which example the lesson works on.
    m_lessons->setReturnNote(m_beforeLesson ? tr("Your model (%1) is kept: ✕ closes the lesson and brings it back, with "
                                                 "any unsaved changes.")
                                                  .arg(m_beforeLesson->name)
                                            : QString());
    m_lessons->show();
    m_lessons->start(lesson);
    m_sessionPath.clear(); // the example is not the session file the window had
    updateTitle();
    updateIntro();
    statusBar()->showMessage(tr("Lesson %1 of %2 on the bundled example “%3”").arg(lesson + 1).arg(n).arg(ex.title), 8000);
}

void MainWindow::endLesson()
{
    if (!m_beforeLesson)
        return;
    BeforeLesson b = std::move(*m_beforeLesson);
    m_beforeLesson.reset();
    if (m_autosave)
        m_autosave->release();
    // The file first, so that syncFileTree() (on the model's return) finds it and keeps its tree.
    m_weightFile = b.file;
    m_fileTree->setFile(m_weightFile, b.layer);
    try {
        sessionFromJson(b.session, *m_doc, nullptr, tr("the model from before the lesson"));
    } catch (const std::exception& e) {
        showError(errorText(e)); // cannot happen for JSON written a moment ago; said if it does
        return;
    }
    if (m_weightFile)
        m_chain->setFile(m_weightFile, std::max(0, b.layer));
    m_sessionPath = b.sessionPath;
    m_doc->setModified(b.modified);
    updateTitle();
    updateIntro();
    watchWeightFile();
    statusBar()->showMessage(tr("Back to %1").arg(b.name), 8000);
}

void MainWindow::forgetLessonReturn()
{
    if (!m_beforeLesson)
        return;
    m_beforeLesson.reset();
    if (m_autosave)
        m_autosave->release();
    m_lessons->setReturnNote(tr("You opened another model: closing the lesson keeps it."));
}

void MainWindow::pointAt(LessonView view)
{
    // A central tab by its page, or a dock by its object name; then a short outline around it.
    QWidget* target = nullptr;
    auto showPage = [this, &target](QWidget* page) {
        for (int i = 0; i < m_views->count(); ++i) {
            QWidget* w = m_views->widget(i);
            auto* area = qobject_cast<QScrollArea*>(w);
            if (w == page || (area && area->widget() == page)) {
                m_views->setCurrentIndex(i);
                target = w;
            }
        }
    };
    auto showDock = [this, &target](const char* name) {
        if (auto* dock = findChild<QDockWidget*>(QString::fromLatin1(name))) {
            dock->show();
            dock->raise();
            target = dock;
        }
    };
    switch (view) {
    case LessonView::None: return;
    case LessonView::Gates: showPage(m_heatmaps); break;
    case LessonView::Weights: showPage(m_weights); break;
    case LessonView::Saturation: showPage(m_saturation); break;
    case LessonView::Arguments: showDock("argsDock"); break;
    case LessonView::Eligibility: showDock("eligibilityDock"); break;
    case LessonView::Input: showDock("inputDock"); break;
    case LessonView::Equations: showDock("equationDock"); break;
    case LessonView::UnitLines: showDock("linesDock"); break;
    case LessonView::WhatIf: showDock("whatIfDock"); break;
    }
    m_pointedAt = target;
    if (!target)
        return;
    // An outline drawn over the target by a frame of its own: a style sheet on the target would
    // reach every widget inside it.
    if (!m_outline) {
        m_outline = new QFrame(this);
        m_outline->setObjectName(QStringLiteral("lessonOutline"));
        m_outline->setStyleSheet(QStringLiteral("#lessonOutline { border: 3px solid #e67e22; border-radius: 4px; background: transparent; }"));
        m_outline->setAttribute(Qt::WA_TransparentForMouseEvents);
    }
    m_outline->setGeometry(QRect(target->mapTo(this, QPoint(0, 0)), target->size()).adjusted(-2, -2, 2, 2));
    m_outline->show();
    m_outline->raise();
    QTimer::singleShot(1500, m_outline, [outline = m_outline] { outline->hide(); });
}

bool MainWindow::compareWeightsWith(const QString& path, QString* error)
{
    try {
        const gruscope::LoadedWeightFile file = readWeightsWithProgress(this, path);
        const QStringList labels = layerLabels(file.info);
        if (labels.isEmpty())
            throw gruscope::Error(gruscope::ErrorCode::Unsupported, path.toStdString() + ": no GRU layer in this file");
        const int index = labels.size() == 1 ? 0 : chooseLayer ? chooseLayer(path, labels) : askForLayer(this, path, labels);
        if (index < 0) {
            if (error)
                *error = tr("no layer chosen");
            return false;
        }
        m_diff->setOther(file.weights(size_t(index)),
                         QStringLiteral("%1 · %2").arg(QFileInfo(path).fileName(), QString::fromStdString(file.info.layers[size_t(index)].name)));
    } catch (const std::exception& e) {
        const QString msg = errorText(e);
        if (error)
            *error = msg;
        m_banner->showMessage(tr("Could not compare with %1: %2").arg(QFileInfo(path).fileName(), msg));
        return false;
    }
    // The page sits in a scroll area (buildPanels).
    for (int i = 0; i < m_views->count(); ++i)
        if (auto* area = qobject_cast<QScrollArea*>(m_views->widget(i)); area && area->widget() == m_diff)
            m_views->setCurrentIndex(i);
    return true;
}

void MainWindow::openSweep()
{
    if (!m_sweep)
        m_sweep = new SweepDialog(this);
    m_sweep->show();
    m_sweep->raise();
    m_sweep->activateWindow();
}

void MainWindow::actShortcuts()
{
    QMessageBox::information(
        this, tr("Keyboard and mouse"),
        tr("<table>"
           "<tr><td><b>Space</b></td><td>play / pause</td></tr>"
           "<tr><td><b>← / →</b></td><td>previous / next step</td></tr>"
           "<tr><td><b>Home / End</b></td><td>first / last step</td></tr>"
           "<tr><td><b>F5</b></td><td>run now</td></tr><tr><td><b>Esc</b></td><td>cancel a long run</td></tr>"
           "<tr><td><b>Click a heatmap cell</b></td><td>select that unit and step</td></tr>"
           "<tr><td><b>Ctrl+click</b></td><td>add / remove the unit in the line plot</td></tr>"
           "<tr><td><b>Wheel / drag on a plot</b></td><td>zoom / pan the time axis</td></tr>"
           "<tr><td><b>Ctrl+E, Ctrl+Shift+E</b></td><td>export the focused view's figure / data</td></tr></table>"
           "<p>Stepping keys work whenever the focus is not in a text field or table.</p>"));
}

void MainWindow::actAbout()
{
    const DeviceInfo& d = probeDevice();
    QMessageBox::about(this, tr("About GruScope"),
                       tr("<h3>GruScope %1</h3><p>Look inside a Keras GRU layer: exact Keras semantics (Keras 3 and "
                          "tf.keras), gate traces, cuDNN eligibility, weight files.</p><p>GPU: %2</p>")
                           .arg(QStringLiteral(GRUSCOPE_VERSION), qs(d.reason).toHtmlEscaped()));
}

// ---- events ------------------------------------------------------------------------------------

bool MainWindow::maybeSave()
{
    if (!m_doc->modified() || m_sessionPath.isEmpty())
        return true; // unsaved scratch work is kept by the autosave until a clean exit
    const auto answer = QMessageBox::question(this, tr("Save changes?"),
                                              tr("Save the changes to %1?").arg(QFileInfo(m_sessionPath).fileName()),
                                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Cancel)
        return false;
    if (answer == QMessageBox::Save)
        return saveSessionAs(m_sessionPath);
    return true;
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_opening) {
        event->ignore();
        return;
    }
    // Quitting during a lesson: the model set aside comes back first, so that saving is offered
    // for it and not for the lesson's example.
    if (m_beforeLesson) {
        endLesson();
        m_lessons->hide();
    }
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    m_controller->cancel();
    m_settings.setWindow(saveGeometry(), saveState());
    if (m_autosave)
        m_autosave->finishCleanly();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile()) {
            openFile(url.toLocalFile());
            event->acceptProposedAction();
            return;
        }
}

// Space, arrows and Home/End step through time unless the focus is somewhere that uses those
// keys itself (text fields, spin boxes, combo boxes, tables).
bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() != QEvent::KeyPress || !isActiveWindow())
        return QMainWindow::eventFilter(watched, event);
    auto* key = static_cast<QKeyEvent*>(event);
    if (key->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier))
        return QMainWindow::eventFilter(watched, event);
    QWidget* focus = QApplication::focusWidget();
    for (QWidget* w = focus; w; w = w->parentWidget())
        if (qobject_cast<QLineEdit*>(w) || qobject_cast<QAbstractSpinBox*>(w) || qobject_cast<QComboBox*>(w) ||
            qobject_cast<QAbstractItemView*>(w) || qobject_cast<QTextEdit*>(w) || qobject_cast<QPlainTextEdit*>(w) ||
            (qobject_cast<QAbstractButton*>(w) && !qobject_cast<QToolButton*>(w)))
            return QMainWindow::eventFilter(watched, event);
    if (focus && !isAncestorOf(focus) && focus != this)
        return QMainWindow::eventFilter(watched, event);
    switch (key->key()) {
    case Qt::Key_Space: m_stepBar->togglePlay(); return true;
    case Qt::Key_Left: m_stepBar->previous(); return true;
    case Qt::Key_Right: m_stepBar->next(); return true;
    case Qt::Key_Home: m_stepBar->first(); return true;
    case Qt::Key_End: m_stepBar->last(); return true;
    default: break;
    }
    return QMainWindow::eventFilter(watched, event);
}

} // namespace gsui
