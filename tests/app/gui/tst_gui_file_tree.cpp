// The File dock in the window: a weight file's tree appears when it opens, a click on a tensor of
// the shown layer brings the Weights tab with that tensor marked, a click on a tensor of another
// GRU of the file loads that layer from what was read (no second read), and an example or a
// session without a weight file leaves the hint.
#include "main_window.h"
#include "window_test_options.h"
#include "model/document.h"
#include "panels/file_tree_panel.h"
#include "plots/weights_view.h"
#include "test_support.h"

#include "gruscope/isolated_parse.h"

#include <QDockWidget>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace gsui;
using namespace gruscope;

namespace {

MainWindowOptions testOptions(const QTemporaryDir& dir) { return gstest::windowOptions(dir, false); }

QString weightFile(const char* name) { return QString::fromStdString(gstest::dataPath(std::string("weightfiles/") + name)); }

void click(FileTreePanel* panel, const std::string& path)
{
    QTreeWidgetItem* item = panel->itemForPath(QString::fromStdString(path));
    QVERIFY2(item, path.c_str());
    for (auto* up = item->parent(); up; up = up->parent())
        up->setExpanded(true);
    QTreeWidget* view = panel->view();
    view->scrollToItem(item);
    const QRect r = view->visualItemRect(item);
    QVERIFY2(view->isVisible(), "the File dock is not in front");
    QVERIFY(r.isValid() && view->viewport()->rect().contains(r.center()));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, r.center());
}

// The Weights tab is in front (its page is a scroll area around the view).
bool weightsTabShown(const MainWindow& w)
{
    QWidget* page = w.views()->currentWidget();
    return page && page->isAncestorOf(w.weightsView());
}

} // namespace

class TstGuiFileTree : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void theDockIsThereWithAHint()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        // The dock does not make the window taller than asked.
        QCOMPARE(w.size(), QSize(1400, 900));
        auto* dock = w.findChild<QDockWidget*>(QStringLiteral("fileDock"));
        QVERIFY(dock);
        QCOMPARE(dock->windowTitle(), QStringLiteral("File"));
        QVERIFY(w.fileTreePanel());
        QVERIFY(w.fileTreePanel()->showingHint());
        QVERIFY(!w.weightFile());
    }

    void clicksOnTensorsReachTheWeightsAndTheLayers()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.resize(1400, 900);
        w.chooseLayer = [](const QString&, const QStringList&) { return 0; };
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QString error;
        QVERIFY2(w.openFile(weightFile("tfk_bidi_concat.full.h5"), &error), qPrintable(error));
        FileTreePanel* panel = w.fileTreePanel();
        QVERIFY(!panel->showingHint());
        // A newly opened file shows its tree in front of the equations it shares a tab group with.
        auto* fileDock = w.findChild<QDockWidget*>(QStringLiteral("fileDock"));
        auto* eqDock = w.findChild<QDockWidget*>(QStringLiteral("equationDock"));
        QCOMPARE(w.dockWidgetArea(fileDock), Qt::RightDockWidgetArea);
        QVERIFY(w.tabifiedDockWidgets(fileDock).contains(eqDock));
        QVERIFY(!panel->view()->visibleRegion().isEmpty());
        QVERIFY(w.weightFile());
        QCOMPARE(panel->file(), w.weightFile());
        QCOMPARE(panel->currentLayer(), 0);

        // The shown layer's kernel: the Weights tab, with the kernel marked.
        const WeightFileInfo& info = w.weightFile()->info;
        QCOMPARE(w.document()->origin().layerName, QString::fromStdString(info.layers[0].name));
        w.views()->setCurrentIndex(0);
        click(panel, info.layers[0].tensors[0]);
        QVERIFY(weightsTabShown(w));
        QCOMPARE(w.weightsView()->shownTensor(), QStringLiteral("kernel"));

        // The other direction's recurrent kernel: that layer, from what was read, with its
        // recurrent kernel marked.
        const LoadedWeightFile* before = w.weightFile();
        click(panel, info.layers[1].tensors[1]);
        QCOMPARE(w.document()->origin().layerName, QString::fromStdString(info.layers[1].name));
        QVERIFY(gstest::sameBits(w.document()->weights()->recurrentKernel, before->weights(1).recurrentKernel));
        QCOMPARE(w.weightFile(), before); // not read again
        QCOMPARE(panel->currentLayer(), 1);
        QVERIFY(panel->itemForPath(QString::fromStdString(info.layers[1].tensors[0]))->font(0).bold());
        QVERIFY(weightsTabShown(w));
        QCOMPARE(w.weightsView()->shownTensor(), QStringLiteral("recurrent_kernel"));

        // An example replaces the model: the tree goes, the hint comes back.
        QVERIFY2(w.openExample(QStringLiteral("sine"), &error), qPrintable(error));
        QVERIFY(panel->showingHint());
        QVERIFY(!w.weightFile());
        QApplication::processEvents();
        QVERIFY(eqDock->visibleRegion().isEmpty() == false); // the equations are back in front
    }
};

QTEST_MAIN(TstGuiFileTree)
#include "tst_gui_file_tree.moc"
