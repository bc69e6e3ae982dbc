// What if in the whole window: an edit reruns the layer, Edit ▸ Undo brings back the exact
// weights and output, the edited weights go into a saved weight file and a session, and the time
// from an edit to the new result at T = 1000, U = 256 is reported (not judged: timings belong to
// benchmarks, and this machine is shared).
#include "main_window.h"
#include "test_support.h"
#include "window_test_options.h"
#include "model/document.h"
#include "model/run_controller.h"
#include "model/session.h"
#include "model/weight_editor.h"
#include "panels/what_if_panel.h"
#include "plots/weights_view.h"

#include "gruscope/weightfile.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QScrollArea>
#include <QTabWidget>
#include <QMenuBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <qcustomplot.h>

#include <cstring>

using namespace gsui;
using namespace gruscope;

namespace {

QAction* menuAction(MainWindow& w, const QString& menu, const QString& text)
{
    for (QAction* m : w.menuBar()->actions())
        if (m->text().remove(QLatin1Char('&')) == menu)
            for (QAction* a : m->menu()->actions())
                if (a->text().remove(QLatin1Char('&')).startsWith(text))
                    return a;
    return nullptr;
}

} // namespace

class TstGuiWhatIf : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void editRerunsUndoesAndSaves()
    {
        QTemporaryDir dir;
        const MainWindowOptions o = gstest::windowOptions(dir, true);
        MainWindow w(o);
        w.show();
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        Document* doc = w.document();
        const GruWeights original = *doc->weights();
        const ArrayF originalOut = doc->result()->result.output;

        // Hold unit 0 through the panel: the run follows.
        WhatIfPanel* p = w.whatIfPanel();
        p->unitBox()->setValue(0);
        QTest::mouseClick(p->holdButton(), Qt::LeftButton);
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(!gstest::sameBits(doc->result()->result.output, originalOut));
        QVERIFY(doc->modified());
        const GruWeights held = *doc->weights();

        // Edit ▸ Undo: the exact weights and output again.
        QAction* undo = menuAction(w, QStringLiteral("Edit"), QStringLiteral("Undo"));
        QVERIFY(undo && undo->isEnabled());
        undo->trigger();
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(gstest::sameBits(doc->weights()->kernel, original.kernel));
        QVERIFY(gstest::sameBits(doc->result()->result.output, originalOut));
        QAction* redo = menuAction(w, QStringLiteral("Edit"), QStringLiteral("Redo"));
        QVERIFY(redo && redo->isEnabled());
        redo->trigger();
        QVERIFY(w.controller()->waitForIdle());

        // The edited weights in a weight file and a session.
        QString error;
        const QString weights = dir.filePath(QStringLiteral("held.weights.h5"));
        QVERIFY2(w.saveModelAs(weights, &error), qPrintable(error));
        const WeightFileInfo info = openWeightFile(weights.toStdString());
        QVERIFY(gstest::sameBits(readGruWeights(info, info.layers.at(0)).bias, held.bias));
        const QString session = dir.filePath(QStringLiteral("held.gruscope.json"));
        QVERIFY2(w.saveSessionAs(session, &error), qPrintable(error));
        Document back;
        loadSession(session, back);
        QVERIFY(gstest::sameBits(back.weights()->bias, held.bias));
        QVERIFY(gstest::sameBits(back.weights()->kernel, held.kernel));
    }

    // A weight clicked in the Weights tab becomes the What if entry; setting it changes that weight.
    void clickedWeightIsTheEntry()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir, true));
        w.resize(1600, 1000);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        Document* doc = w.document();
        const int U = int(doc->config().units);
        for (int i = 0; i < w.views()->count(); ++i)
            if (w.views()->widget(i)->isAncestorOf(w.weightsView()))
                w.views()->setCurrentIndex(i);
        QVERIFY(w.weightsView()->isVisible());
        QCustomPlot* plot = w.weightsView()->plot();
        plot->replot(); // lays out the axis rects so that coordinates map to pixels
        QCPColorMap* map = w.weightsView()->heatmap(QStringLiteral("recurrent_kernel"));
        QVERIFY(map);
        const QPoint at(int(map->keyAxis()->coordToPixel(2 * U + 1)), int(map->valueAxis()->coordToPixel(2)));
        QTest::mouseClick(plot, Qt::LeftButton, {}, at);

        WhatIfPanel* p = w.whatIfPanel();
        QCOMPARE(doc->selectedUnit(), 1);
        QCOMPARE(p->tensorChoice()->currentIndex(), 1);
        QCOMPARE(p->rowBox()->value(), 2);
        QCOMPARE(p->columnBox()->value(), 2 * U + 1);
        p->valueBox()->setValue(0.75);
        QTest::mouseClick(p->setButton(), Qt::LeftButton);
        QVERIFY(w.controller()->waitForIdle());
        QCOMPARE(doc->weights()->recurrentKernel.data[size_t(2 * 3 * U + 2 * U + 1)], 0.75f);
    }

    // Edit → result at T = 1000, U = 256, B = 1: reported for the note and the README.
    void editToResultTime()
    {
        QTemporaryDir dir;
        const MainWindowOptions o = gstest::windowOptions(dir, true);
        MainWindow w(o);
        w.show();
        QVERIFY(w.openExample(QStringLiteral("sine")));
        Document* doc = w.document();
        GruConfig c = doc->config();
        c.units = 256;
        doc->setConfig(c);
        doc->setInput(ArrayF({1, 1000, doc->input().shape[2]}, 0.3f));
        QVERIFY(w.controller()->waitForIdle(60000));
        QVERIFY(doc->result() && doc->result()->U == 256 && doc->result()->T == 1000);
        std::vector<double> ms;
        for (int k = 0; k < 8; ++k) {
            WeightEdit e;
            e.tensor = WeightEdit::Tensor::RecurrentKernel;
            e.row = k;
            e.column = 300 + k;
            e.value = 0.1f * float(k);
            w.weightEditor()->apply(e);
            QVERIFY(w.controller()->waitForIdle(60000));
            ms.push_back(w.controller()->lastLatencyMs());
        }
        std::sort(ms.begin(), ms.end());
        qInfo("edit → result at B=1, T=1000, U=256: median %.1f ms, min %.1f, max %.1f over %zu edits", ms[ms.size() / 2], ms.front(),
              ms.back(), ms.size());
    }
};

QTEST_MAIN(TstGuiWhatIf)
#include "tst_gui_whatif.moc"
