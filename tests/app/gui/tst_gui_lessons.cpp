// Help ▸ Lessons in the window: the strip walks a lesson step by step, points at the view or dock
// each step is about, notices when the student does the task through the real widgets (a click in
// the arguments, a key), marks it done, and "Show me" does the task. Every lesson is walked. The
// student's own model (a weight file, edited) comes back when the lesson is closed.
#include "lesson_strip.h"
#include "main_window.h"
#include "window_test_options.h"
#include "model/document.h"
#include "model/examples.h"
#include "autosave.h"
#include "model/run_controller.h"
#include "model/session.h"
#include "model/weight_editor.h"
#include "panels/args_panel.h"
#include "panels/what_if_panel.h"
#include "test_support.h"

#include "gruscope/weight_edits.h"
#include "gruscope/weightfile.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDockWidget>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace gsui;

class TstGuiLessons : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void studentDoesTheResetAfterLesson()
    {
        QTemporaryDir dir;
        const MainWindowOptions o = gstest::windowOptions(dir, true);
        MainWindow w(o);
        w.resize(1400, 900);
        w.show();
        LessonStrip* strip = w.lessonStrip();
        QVERIFY(!strip->isVisible());
        QVERIFY(w.openExample(QStringLiteral("sine")));
        w.startLesson(2); // reset_after
        QVERIFY(strip->isVisible());
        QCOMPARE(strip->step(), 0);
        // The window was on the lesson's own example, unchanged: nothing to bring back.
        QVERIFY2(!strip->returnNote().contains(QStringLiteral("Your model")), qPrintable(strip->returnNote()));
        QVERIFY(strip->text().contains(QStringLiteral("reset_after=True")));
        QVERIFY2(strip->status().contains(QStringLiteral("Untick reset_after")), qPrintable(strip->status()));
        auto* argsDock = w.findChild<QDockWidget*>(QStringLiteral("argsDock"));
        QCOMPARE(w.pointedAt(), static_cast<QWidget*>(argsDock));
        // The student unticks reset_after in the arguments panel.
        auto* box = qobject_cast<QAbstractButton*>(w.argsPanel()->editor(QStringLiteral("reset_after")));
        QVERIFY(box && box->isChecked());
        QTest::mouseClick(box, Qt::LeftButton);
        QVERIFY(!w.document()->config().reset_after);
        QVERIFY(strip->stepDone());
        QVERIFY2(strip->status().contains(QStringLiteral("Done")), qPrintable(strip->status()));
        QTest::mouseClick(strip->nextButton(), Qt::LeftButton);
        QCOMPARE(strip->step(), 1);
        QCOMPARE(w.pointedAt(), static_cast<QWidget*>(w.findChild<QDockWidget*>(QStringLiteral("eligibilityDock"))));
        QVERIFY(!strip->stepDone());
        QTest::mouseClick(strip->showMeButton(), Qt::LeftButton);
        QVERIFY(w.document()->config().reset_after);
        QVERIFY(strip->stepDone());
        // The last step leads to the next lesson.
        QCOMPARE(strip->nextButton()->text(), QStringLiteral("Next lesson ▶"));
        QTest::mouseClick(strip->nextButton(), Qt::LeftButton);
        QCOMPARE(strip->lesson(), 3);
        QCOMPARE(strip->step(), 0);
        if (const QString shots = qEnvironmentVariable("GRUSCOPE_SCREENSHOT_DIR"); !shots.isEmpty()) {
            QTest::qWait(50);
            QVERIFY(w.grab().save(shots + QStringLiteral("/lesson.png")));
        }
    }

    // Lesson 2's first task done the way its text says: What if ▸ A gate's bias, r, −10, Set.
    void resetLessonIsDoneInTheWhatIfPanel()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir, true));
        w.show();
        QVERIFY(w.openExample(QStringLiteral("parity")));
        w.startLesson(1);
        LessonStrip* strip = w.lessonStrip();
        QVERIFY(!strip->stepDone());
        QVERIFY2(strip->returnNote().contains(QStringLiteral("Your model (")), qPrintable(strip->returnNote())); // parity is kept
        QVERIFY(w.pointedAt() && w.pointedAt()->isAncestorOf(w.whatIfPanel()));
        WhatIfPanel* p = w.whatIfPanel();
        p->gateChoice()->setCurrentIndex(1);
        p->biasValueBox()->setValue(-10);
        QTest::mouseClick(p->setBiasButton(), Qt::LeftButton);
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY2(strip->stepDone(), qPrintable(strip->status()));
    }

    void closingTheLessonBringsTheModelBack()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir, true));
        w.show();
        const QString path = QString::fromStdString(gstest::dataPath("weightfiles/k3_two_gru.keras"));
        w.chooseLayer = [](const QString&, const QStringList&) { return 1; }; // the second GRU
        QString error;
        QVERIFY2(w.openFile(path, &error), qPrintable(error));
        QVERIFY(w.controller()->waitForIdle());
        Document* doc = w.document();
        const QString layer = doc->origin().layerName;
        // An unsaved edit: unit 0 held.
        gruscope::WeightEdit hold;
        hold.kind = gruscope::WeightEdit::Kind::Hold;
        hold.unit = 0;
        w.weightEditor()->apply(hold);
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(doc->modified());
        const gruscope::GruWeights edited = *doc->weights();
        const gruscope::ArrayF input = doc->input();

        w.startLesson(0);
        LessonStrip* strip = w.lessonStrip();
        QVERIFY(doc->origin().path.isEmpty()); // the lesson's example
        QVERIFY2(strip->returnNote().contains(QStringLiteral("k3_two_gru.keras")), qPrintable(strip->returnNote()));
        QVERIFY2(strip->returnNote().contains(exampleInfo(QStringLiteral("sine")).title), qPrintable(strip->returnNote()));
        QVERIFY(!w.weightFile());
        // The student picks the masks lesson in the strip: its example, and the note follows.
        auto* choice = strip->findChild<QComboBox*>();
        QVERIFY(choice);
        const QString masked = exampleInfo(QStringLiteral("masked_sum")).title;
        emit choice->activated(3);
        QVERIFY(w.controller()->waitForIdle());
        QCOMPARE(doc->origin().description, exampleDescription(QStringLiteral("masked_sum")));
        QVERIFY2(strip->returnNote().contains(masked) && strip->returnNote().contains(QStringLiteral("k3_two_gru.keras")),
                 qPrintable(strip->returnNote()));
        emit choice->activated(0);
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY2(!strip->returnNote().contains(masked), qPrintable(strip->returnNote()));
        QTest::mouseClick(strip->showMeButton(), Qt::LeftButton); // the lesson changes its example
        QVERIFY(w.controller()->waitForIdle());

        QTest::mouseClick(strip->closeButton(), Qt::LeftButton);
        QVERIFY(!strip->isVisible());
        QVERIFY(w.controller()->waitForIdle());
        QCOMPARE(doc->origin().path, path);
        QCOMPARE(doc->origin().layerName, layer);
        QVERIFY(doc->modified());
        QVERIFY(gstest::sameBits(doc->weights()->recurrentKernel, edited.recurrentKernel));
        QVERIFY(gstest::sameBits(doc->weights()->bias, edited.bias));
        QVERIFY(gstest::sameBits(doc->input(), input));
        QVERIFY(w.weightFile()); // the File tree is back, no re-read needed
        QCOMPARE(QString::fromStdString(w.weightFile()->info.path), path);
        QVERIFY(doc->lastError().isEmpty());

        // Another model opened during a lesson is what stays when it closes.
        w.startLesson(1);
        QVERIFY(w.openExample(QStringLiteral("parity")));
        QVERIFY2(strip->returnNote().contains(QStringLiteral("keeps it")), qPrintable(strip->returnNote()));
        QTest::mouseClick(strip->closeButton(), Qt::LeftButton);
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY2(doc->origin().description.contains(QStringLiteral("parity"), Qt::CaseInsensitive), qPrintable(doc->origin().description));
    }

    // Unsaved work set aside by a lesson stays what the autosave holds (a crash during the lesson
    // recovers it, not the lesson's example); closing the lesson hands the autosave back.
    void unsavedWorkStaysRecoverableDuringALesson()
    {
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir, true));
        w.show();
        QVERIFY(w.autosave());
        const QString path = QString::fromStdString(gstest::dataPath("weightfiles/k3_gru_dense.keras"));
        QString error;
        QVERIFY2(w.openFile(path, &error), qPrintable(error));
        QVERIFY(w.controller()->waitForIdle());
        gruscope::WeightEdit hold;
        hold.kind = gruscope::WeightEdit::Kind::Hold;
        hold.unit = 1;
        w.weightEditor()->apply(hold);
        QVERIFY(w.document()->modified());
        const gruscope::GruWeights edited = *w.document()->weights();
        auto recovered = [&] {
            Document back;
            loadSession(w.autosave()->autosavePath(), back);
            return back.origin().path == path && gstest::sameBits(back.weights()->bias, edited.bias);
        };

        w.startLesson(0);
        QVERIFY(w.autosave()->holding());
        QVERIFY(recovered());
        QTest::mouseClick(w.lessonStrip()->showMeButton(), Qt::LeftButton); // the example changes
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(w.autosave()->saveNow());
        QVERIFY(recovered());

        QTest::mouseClick(w.lessonStrip()->closeButton(), Qt::LeftButton);
        QVERIFY(!w.autosave()->holding());
        QVERIFY(w.document()->modified());
        QVERIFY(w.autosave()->saveNow());
        QVERIFY(recovered());
    }

    void everyLessonWalksThroughTheWindow()
    {
        QTemporaryDir dir;
        const MainWindowOptions o = gstest::windowOptions(dir, true);
        MainWindow w(o);
        w.show();
        for (int l = 0; l < int(lessons().size()); ++l) {
            w.startLesson(l);
            LessonStrip* strip = w.lessonStrip();
            for (int k = 0; k < int(lessons()[size_t(l)].steps.size()); ++k) {
                QCOMPARE(strip->step(), k);
                QVERIFY2(!strip->stepDone(), qPrintable(QStringLiteral("lesson %1 step %2 done before anything").arg(l).arg(k)));
                if (lessons()[size_t(l)].steps[size_t(k)].view != LessonView::None)
                    QVERIFY2(w.pointedAt() && w.pointedAt()->isVisible(), qPrintable(QStringLiteral("lesson %1 step %2").arg(l).arg(k)));
                QTest::mouseClick(strip->showMeButton(), Qt::LeftButton);
                QVERIFY(strip->stepDone());
                QVERIFY(w.controller()->waitForIdle());
                QVERIFY2(w.document()->lastError().isEmpty(), qPrintable(w.document()->lastError()));
                if (k + 1 < int(lessons()[size_t(l)].steps.size()))
                    QTest::mouseClick(strip->nextButton(), Qt::LeftButton);
            }
        }
    }
};

QTEST_MAIN(TstGuiLessons)
#include "tst_gui_lessons.moc"
