// The item models of the model layer under QAbstractItemModelTester (which fails the test on any
// broken model contract: counts, parents, indexes, signals around resets and changes) while the
// Document changes the way the panels change it, and what each model then shows: the input
// values of the selected sample with masked steps greyed and the current step tinted, and the
// initial state in each mode. No widget is involved: the models live in gruscope_model.
#include "model/document.h"
#include "model/input_table_model.h"
#include "model/run_request.h"
#include "model/state_table_model.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <limits>

using namespace gsui;
using gruscope::ArrayF;
using gruscope::ArrayU8;
using gruscope::GruConfig;
using gruscope::Shape;

namespace {

// What the tests do to the document.
enum class Edit { NewShape, SameShapeValues, OneValue, Mask, Sample, Step, GoBackwards, Units, NewBatch };

// (B, T, I) = (3, 6, 2) with x[b, t, i] = 100·b + 10·t + i, so every cell tells where it is.
void fill(Document& doc)
{
    ArrayF x(Shape{3, 6, 2});
    for (int64_t b = 0; b < 3; ++b)
        for (int64_t t = 0; t < 6; ++t)
            for (int64_t i = 0; i < 2; ++i)
                x.data[size_t((b * 6 + t) * 2 + i)] = float(100 * b + 10 * t + i);
    doc.setInput(std::move(x));
}

void apply(Document& doc, Edit e)
{
    switch (e) {
    case Edit::NewShape: doc.setInput(ArrayF(Shape{3, 9, 4}, 0.5f)); break;
    case Edit::SameShapeValues: doc.setInput(ArrayF(Shape{3, 6, 2}, -1.0f)); break;
    case Edit::OneValue: doc.setInputValue(1, 4, 1, 7.25f); break;
    case Edit::Mask: doc.setMaskCell(1, 2, false); break;
    case Edit::Sample: doc.setSelectedSample(2); break;
    case Edit::Step: doc.setCurrentStep(4); break;
    case Edit::GoBackwards: {
        GruConfig c = doc.config();
        c.go_backwards = true;
        doc.setConfig(c);
        break;
    }
    case Edit::Units: {
        GruConfig c = doc.config();
        c.units = 5;
        doc.setConfig(c);
        break;
    }
    case Edit::NewBatch: doc.setInput(ArrayF(Shape{4, 6, 2}, 0.0f)); break;
    }
}

double shown(const QAbstractItemModel& m, int row, int column, int role = Qt::EditRole)
{
    return m.data(m.index(row, column), role).toString().toDouble();
}

} // namespace

class TstTableModels : public QObject {
    Q_OBJECT
private slots:
    void inputModelFollowsTheDocument_data()
    {
        QTest::addColumn<int>("edit");
        QTest::addColumn<int>("rows");      // afterwards
        QTest::addColumn<int>("columns");
        QTest::addColumn<bool>("reset");    // the model was reset (new shape) rather than changed
        QTest::addColumn<int>("sample");    // the sample it shows
        QTest::addColumn<int>("tinted");    // the row of the current step
        QTest::newRow("new shape") << int(Edit::NewShape) << 9 << 4 << true << 0 << 0;
        QTest::newRow("new values, same shape") << int(Edit::SameShapeValues) << 6 << 2 << false << 0 << 0;
        QTest::newRow("one value") << int(Edit::OneValue) << 6 << 2 << false << 0 << 0;
        QTest::newRow("mask cell") << int(Edit::Mask) << 6 << 2 << false << 0 << 0;
        QTest::newRow("another sample") << int(Edit::Sample) << 6 << 2 << false << 2 << 0;
        QTest::newRow("current step") << int(Edit::Step) << 6 << 2 << false << 0 << 4;
        // go_backwards: step 0 reads the last time index.
        QTest::newRow("go_backwards") << int(Edit::GoBackwards) << 6 << 2 << false << 0 << 5;
        QTest::newRow("more samples") << int(Edit::NewBatch) << 6 << 2 << false << 0 << 0;
    }
    void inputModelFollowsTheDocument()
    {
        QFETCH(int, edit);
        QFETCH(int, rows);
        QFETCH(int, columns);
        QFETCH(bool, reset);
        QFETCH(int, sample);
        QFETCH(int, tinted);
        Document doc;
        fill(doc);
        InputTableModel model(&doc);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 6);
        QCOMPARE(model.columnCount(), 2);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);

        apply(doc, Edit(edit));

        QCOMPARE(model.rowCount(), rows);
        QCOMPARE(model.columnCount(), columns);
        QCOMPARE(resets.count(), reset ? 1 : 0);
        QVERIFY(reset || changes.count() > 0);
        QCOMPARE(model.sample(), sample);
        // Every cell shows the document's value of the shown sample, as it reads back (float32).
        const ArrayF& x = doc.input();
        for (int t = 0; t < rows; ++t)
            for (int i = 0; i < columns; ++i)
                QCOMPARE(float(shown(model, t, i)), x.data[size_t((int64_t(sample) * rows + t) * columns + i)]);
        // Only the current step's row is tinted.
        for (int t = 0; t < rows; ++t)
            QCOMPARE(model.data(model.index(t, 0), Qt::BackgroundRole).isValid(), t == tinted);
    }

    void maskedStepsAreGreyed()
    {
        Document doc;
        fill(doc);
        InputTableModel model(&doc);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy headers(&model, &QAbstractItemModel::headerDataChanged);
        doc.setMaskCell(0, 3, false);
        QVERIFY(model.isMasked(3));
        QVERIFY(!model.isMasked(2));
        QCOMPARE(headers.count(), 1);
        QCOMPARE(model.headerData(3, Qt::Vertical).toString(), QStringLiteral("3 ∅"));
        QCOMPARE(model.headerData(2, Qt::Vertical).toString(), QStringLiteral("2"));
        QVERIFY(model.data(model.index(3, 1), Qt::ForegroundRole).isValid());
        QVERIFY(model.data(model.index(3, 1), Qt::FontRole).value<QFont>().italic());
        QVERIFY(!model.data(model.index(2, 1), Qt::ForegroundRole).isValid());
        // The mask is per sample: sample 1 keeps step 3.
        doc.setSelectedSample(1);
        QVERIFY(!model.isMasked(3));
    }

    void inputEditsReachTheDocument_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("accepted");
        QTest::addColumn<float>("value"); // in the document afterwards
        QTest::newRow("C locale") << "0.75" << true << 0.75f;
        QTest::newRow("exponent") << "-1.5e-3" << true << -1.5e-3f;
        QTest::newRow("spaces") << "  2 " << true << 2.0f;
        QTest::newRow("inf") << "inf" << true << std::numeric_limits<float>::infinity();
        QTest::newRow("a word") << "abc" << false << 41.0f;
        QTest::newRow("empty") << "" << false << 41.0f;
    }
    void inputEditsReachTheDocument()
    {
        QFETCH(QString, text);
        QFETCH(bool, accepted);
        QFETCH(float, value);
        Document doc;
        fill(doc);
        InputTableModel model(&doc);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.setData(model.index(4, 1), text), accepted);
        QCOMPARE(doc.input().data[size_t((0 * 6 + 4) * 2 + 1)], value); // sample 0, t = 4, x1 (41 before)
        QVERIFY(!model.setData(model.index(4, 1), text, Qt::DisplayRole)); // only EditRole edits
    }

    void stateModelFollowsTheMode_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<bool>("userValues"); // drawn as the user's own (no placeholder colour)
        QTest::newRow("zeros") << int(InitialStateMode::Zeros) << false;
        QTest::newRow("random") << int(InitialStateMode::Random) << false;
        QTest::newRow("last final state") << int(InitialStateMode::LastFinal) << false;
        QTest::newRow("custom") << int(InitialStateMode::Custom) << true;
    }
    void stateModelFollowsTheMode()
    {
        QFETCH(int, mode);
        QFETCH(bool, userValues);
        Document doc;
        fill(doc);
        StateTableModel model(&doc);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        if (InitialStateMode(mode) == InitialStateMode::Custom)
            doc.setCustomInitialState(ArrayF(Shape{3, 8}, 0.25f));
        else
            doc.setInitialStateMode(InitialStateMode(mode));
        if (InitialStateMode(mode) == InitialStateMode::LastFinal) {
            RunRequest rq = makeRunRequest(doc);
            rq.generation = 1;
            doc.publishResult(executeRun(rq, nullptr)); // the model reloads on the result
        }
        const ArrayF expected = doc.resolvedInitialState();
        QCOMPARE(expected.shape, (Shape{3, 8}));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), 8);
        for (int b = 0; b < 3; ++b)
            for (int u = 0; u < 8; ++u)
                QCOMPARE(float(shown(model, b, u)), expected.data[size_t(b * 8 + u)]);
        QCOMPARE(model.data(model.index(1, 2), Qt::ForegroundRole).isValid(), !userValues);
        QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("u2"));
        QCOMPARE(model.headerData(1, Qt::Vertical).toString(), QStringLiteral("b1"));
        if (InitialStateMode(mode) != InitialStateMode::Zeros) // the modes really differ from zeros
            QVERIFY(std::any_of(expected.data.begin(), expected.data.end(), [](float v) { return v != 0.0f; }));
    }

    // B follows the input, U the arguments; both are model resets the tester watches.
    void stateModelFollowsTheShape_data()
    {
        QTest::addColumn<int>("edit");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("columns");
        QTest::newRow("more samples") << int(Edit::NewBatch) << 4 << 8;
        QTest::newRow("more units") << int(Edit::Units) << 3 << 5;
    }
    void stateModelFollowsTheShape()
    {
        QFETCH(int, edit);
        QFETCH(int, rows);
        QFETCH(int, columns);
        Document doc;
        fill(doc);
        StateTableModel model(&doc);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        apply(doc, Edit(edit));
        QCOMPARE(model.rowCount(), rows);
        QCOMPARE(model.columnCount(), columns);
    }

    // Editing a cell makes the state custom, with that one value changed.
    void editingAStateCellMakesItCustom()
    {
        Document doc;
        fill(doc);
        StateTableModel model(&doc);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        doc.setInitialStateMode(InitialStateMode::Random);
        const ArrayF before = doc.resolvedInitialState();
        QVERIFY(model.setData(model.index(2, 5), QStringLiteral("-0.5")));
        QCOMPARE(doc.initialStateMode(), InitialStateMode::Custom);
        const ArrayF after = doc.resolvedInitialState();
        for (size_t k = 0; k < after.data.size(); ++k)
            QCOMPARE(after.data[k], k == size_t(2 * 8 + 5) ? -0.5f : before.data[k]);
        QVERIFY(!model.setData(model.index(0, 0), QStringLiteral("half")));
        QCOMPARE(doc.resolvedInitialState().data[0], before.data[0]);
    }
};

QTEST_MAIN(TstTableModels)
#include "tst_table_models.moc"
