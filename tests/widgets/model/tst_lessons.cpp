// The lessons' content: every step's task is not already done when the step opens (so the check
// really looks at what the student did), "Show me" does it, and the check then passes.
#include "model/document.h"
#include "model/examples.h"
#include "model/lessons.h"

#include <QTest>

using namespace gsui;

class TstLessons : public QObject {
    Q_OBJECT
private slots:
    void everyStepChecksItsTask()
    {
        QVERIFY(lessons().size() >= 4 && lessons().size() <= 6);
        for (const Lesson& lesson : lessons()) {
            Document doc;
            QVERIFY(!lesson.title.isEmpty());
            QVERIFY(!lesson.steps.empty());
            int k = 0;
            for (const LessonStep& step : lesson.steps) {
                const QString where = lesson.title + QStringLiteral(", step %1").arg(++k);
                QVERIFY2(!step.text.isEmpty() && !step.task.isEmpty(), qPrintable(where));
                QVERIFY2(step.done && step.showMe, qPrintable(where));
                if (step.setup)
                    step.setup(doc);
                if (k == 1) // the first step loads the example the window names when the lesson starts
                    QVERIFY2(doc.origin().description == exampleDescription(lesson.example),
                             qPrintable(where + ": " + doc.origin().description));
                QVERIFY2(!step.done(doc), qPrintable(where + ": already done before the student did anything"));
                step.showMe(doc);
                QVERIFY2(step.done(doc), qPrintable(where + ": Show me did not do the task"));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TstLessons)
#include "tst_lessons.moc"
