// The Input panel driven through its real widgets: shape spin boxes, the generator controls, the
// mask editor (clicks and drags), mask presets, imports of the fixture files (and corrupt ones),
// the values table and the initial-state editor — each checked on the Document it edits.
#include "model/input_table_model.h"
#include "model/run_controller.h"
#include "panels/initial_state_editor.h"
#include "panels/input_panel.h"
#include "panels/mask_editor.h"

#include "test_support.h"

#include "gruscope/eligibility.h"
#include "gruscope/input_files.h"
#include "gruscope/npy.h"
#include "gruscope/signal_generators.h"

#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace gsui;
using gruscope::ArrayF;
using gruscope::ArrayU8;
using gruscope::GeneratorKind;
using gruscope::GeneratorSpec;
using gruscope::Shape;

namespace {

QString data(const char* relative) { return QString::fromStdString(gstest::dataPath(relative)); }

void sendMouse(QWidget* w, QEvent::Type type, QPoint pos, Qt::MouseButton button, Qt::MouseButtons buttons)
{
    QMouseEvent e(type, QPointF(pos), w->mapToGlobal(QPointF(pos)), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

// Every cell of the document's mask (all kept without a mask).
std::vector<int> maskCells(const Document& doc)
{
    std::vector<int> cells(size_t(doc.batch() * doc.steps()), 1);
    if (doc.mask())
        for (size_t k = 0; k < cells.size(); ++k)
            cells[k] = doc.mask()->data[k];
    return cells;
}

int keptIn(const ArrayU8& m, int64_t b)
{
    int n = 0;
    for (int64_t t = 0; t < m.shape[1]; ++t)
        n += m.data[size_t(b * m.shape[1] + t)] != 0;
    return n;
}

struct Fixture {
    Document doc;
    InputPanel panel{&doc};

    Fixture()
    {
        panel.resize(360, 700);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
    }
    template <class T>
    T* child(const char* name)
    {
        T* w = panel.findChild<T*>(QLatin1String(name));
        if (!w)
            qFatal("no child %s", name);
        return w;
    }
    void showTab(int index)
    {
        panel.tabs()->setCurrentIndex(index);
        QApplication::processEvents();
    }
};

} // namespace

class TstInputPanel : public QObject {
    Q_OBJECT
private slots:
    void spinBoxesChangeTheDocumentsShape()
    {
        Fixture f;
        f.child<QSpinBox>("batchSize")->setValue(3);
        QCOMPARE(f.doc.batch(), int64_t(3));
        f.child<QSpinBox>("timesteps")->setValue(37);
        QCOMPARE(f.doc.steps(), int64_t(37));
        f.child<QSpinBox>("features")->setValue(2);
        QCOMPARE(f.doc.input().shape, (Shape{3, 37, 2}));
        // The kernel follows the feature count (the Document re-initialises it).
        QCOMPARE(f.doc.weights()->inputSize(), int64_t(2));
        // The values are the current generator's.
        const GeneratorSpec spec = f.panel.generatorSpec();
        QCOMPARE(spec.batch, int64_t(3));
        QVERIFY(f.doc.input().data == gruscope::generate(spec).data);
        // And the spin boxes follow the document.
        f.doc.setInput(ArrayF(Shape{2, 9, 4}, 0.5f));
        QCOMPARE(f.child<QSpinBox>("batchSize")->value(), 2);
        QCOMPARE(f.child<QSpinBox>("timesteps")->value(), 9);
        QCOMPARE(f.child<QSpinBox>("features")->value(), 4);
    }

    void generateButtonAppliesTheChosenSignal()
    {
        Fixture f;
        f.showTab(0);
        auto* kind = f.child<QComboBox>("generatorKind");
        kind->setCurrentIndex(kind->findData(int(GeneratorKind::Step)));
        QVERIFY(f.child<QSpinBox>("position")->isVisible());
        QVERIFY(!f.child<QDoubleSpinBox>("frequency")->isVisible());
        f.child<QSpinBox>("position")->setValue(4);
        f.child<QSpinBox>("positionStep")->setValue(0);
        f.child<QDoubleSpinBox>("amplitude")->setValue(2.0);
        QTest::mouseClick(f.child<QPushButton>("generate"), Qt::LeftButton);
        const ArrayF& x = f.doc.input();
        for (int64_t t = 0; t < f.doc.steps(); ++t)
            QCOMPARE(x.data[size_t(t)], t >= 4 ? 2.0f : 0.0f);
        QVERIFY(f.doc.inputDescription().contains(QStringLiteral("step")));

        // Programmatic: the controls show what was applied.
        GeneratorSpec s;
        s.kind = GeneratorKind::Sine;
        s.batch = 2;
        s.steps = 30;
        s.features = 3;
        s.baseFrequency = 0.1;
        QString error;
        QVERIFY2(f.panel.applyGenerator(s, &error), qPrintable(error));
        QVERIFY(f.doc.input().data == gruscope::generate(s).data);
        QCOMPARE(kind->currentData().toInt(), int(GeneratorKind::Sine));
        QCOMPARE(f.child<QDoubleSpinBox>("frequency")->value(), 0.1);
        QCOMPARE(f.child<QSpinBox>("timesteps")->value(), 30);
    }

    void badGeneratorInputKeepsTheDocument()
    {
        Fixture f;
        const ArrayF before = f.doc.input();
        GeneratorSpec s;
        s.features = 2;
        s.frequencies = {0.1, 0.2, 0.3};
        QString error;
        QVERIFY(!f.panel.applyGenerator(s, &error));
        QVERIFY2(error.contains(QStringLiteral("frequency")), qPrintable(error));
        QVERIFY(f.doc.input().data == before.data && f.doc.input().shape == before.shape);

        // A bad per-feature list typed into the controls is reported inline.
        f.showTab(0);
        f.child<QLineEdit>("frequencyList")->setText(QStringLiteral("0.1, fast"));
        QTest::mouseClick(f.child<QPushButton>("generate"), Qt::LeftButton);
        auto* label = f.child<QLabel>("inputError");
        QVERIFY(label->isVisible());
        QVERIFY2(label->text().contains(QStringLiteral("fast")), qPrintable(label->text()));
        QVERIFY(f.doc.input().data == before.data);
    }

    void clickingAMaskCellTogglesExactlyThatCell()
    {
        Fixture f;
        f.doc.setInput(ArrayF(Shape{3, 12, 1}, 0.0f));
        f.showTab(2);
        MaskEditor* editor = f.panel.maskEditor();
        QVERIFY(editor->isVisible());
        const QRect r = editor->cellRect(1, 5);
        QVERIFY(!r.isEmpty());
        QCOMPARE(editor->cellAt(r.center()), QPoint(1, 5));
        QTest::mouseClick(editor, Qt::LeftButton, {}, r.center());
        QVERIFY(f.doc.mask().has_value());
        std::vector<int> cells = maskCells(f.doc);
        for (int b = 0; b < 3; ++b)
            for (int t = 0; t < 12; ++t)
                QCOMPARE(cells[size_t(b * 12 + t)], b == 1 && t == 5 ? 0 : 1);
        QVERIFY(!editor->isKept(1, 5));
        // Clicking again keeps it again.
        QTest::mouseClick(editor, Qt::LeftButton, {}, r.center());
        cells = maskCells(f.doc);
        QVERIFY(std::all_of(cells.begin(), cells.end(), [](int c) { return c == 1; }));
    }

    void draggingPaintsARun()
    {
        Fixture f;
        f.doc.setInput(ArrayF(Shape{3, 12, 1}, 0.0f));
        f.showTab(2);
        MaskEditor* e = f.panel.maskEditor();
        // Along row 0 from t = 2 to t = 8, with one jump that skips cells.
        sendMouse(e, QEvent::MouseButtonPress, e->cellRect(0, 2).center(), Qt::LeftButton, Qt::LeftButton);
        sendMouse(e, QEvent::MouseMove, e->cellRect(0, 3).center(), Qt::NoButton, Qt::LeftButton);
        sendMouse(e, QEvent::MouseMove, e->cellRect(0, 8).center(), Qt::NoButton, Qt::LeftButton);
        sendMouse(e, QEvent::MouseButtonRelease, e->cellRect(0, 8).center(), Qt::LeftButton, Qt::NoButton);
        std::vector<int> cells = maskCells(f.doc);
        for (int b = 0; b < 3; ++b)
            for (int t = 0; t < 12; ++t)
                QCOMPARE(cells[size_t(b * 12 + t)], b == 0 && t >= 2 && t <= 8 ? 0 : 1);

        // A stroke that starts on a masked cell paints "keep": the first cell's new value.
        sendMouse(e, QEvent::MouseButtonPress, e->cellRect(0, 4).center(), Qt::LeftButton, Qt::LeftButton);
        sendMouse(e, QEvent::MouseMove, e->cellRect(0, 6).center(), Qt::NoButton, Qt::LeftButton);
        sendMouse(e, QEvent::MouseButtonRelease, e->cellRect(0, 6).center(), Qt::LeftButton, Qt::NoButton);
        cells = maskCells(f.doc);
        for (int t = 0; t < 12; ++t)
            QCOMPARE(cells[size_t(t)], (t >= 2 && t <= 3) || (t >= 7 && t <= 8) ? 0 : 1);

        // A move without the button pressed paints nothing.
        const std::vector<int> before = maskCells(f.doc);
        sendMouse(e, QEvent::MouseMove, e->cellRect(2, 10).center(), Qt::NoButton, Qt::NoButton);
        QVERIFY(maskCells(f.doc) == before);
    }

    void clickingATimeLabelSetsTheStep()
    {
        Fixture f;
        f.doc.setInput(ArrayF(Shape{2, 12, 1}, 0.0f));
        f.showTab(2);
        MaskEditor* e = f.panel.maskEditor();
        QTest::mouseClick(e, Qt::LeftButton, {}, QPoint(e->cellRect(0, 7).center().x(), 4));
        QCOMPARE(f.doc.currentStep(), 7);
        QVERIFY(!f.doc.mask().has_value()); // the header does not edit the mask
        // go_backwards: processing step s reads time index T − 1 − s.
        gruscope::GruConfig c = f.doc.config();
        c.go_backwards = true;
        f.doc.setConfig(c);
        QTest::mouseClick(e, Qt::LeftButton, {}, QPoint(e->cellRect(0, 9).center().x(), 4));
        QCOMPARE(f.doc.currentStep(), 2);
        // A sample label selects the sample.
        QTest::mouseClick(e, Qt::LeftButton, {}, QPoint(4, e->cellRect(1, 0).center().y()));
        QCOMPARE(f.doc.selectedSample(), 1);
    }

    void longSequencesScrollWithThinCells()
    {
        Fixture f;
        f.doc.setInput(ArrayF(Shape{2, 3000, 1}, 0.0f));
        f.showTab(2);
        MaskEditor* e = f.panel.maskEditor();
        QCOMPARE(e->cellRect(0, 2999).width(), MaskEditor::kMinCell);
        QVERIFY(e->width() >= 3000 * MaskEditor::kMinCell);
        auto* scroll = f.child<QScrollArea>("maskScroll");
        QVERIFY(scroll->horizontalScrollBar()->maximum() > 0);
        f.doc.setCurrentStep(2900);
        const int x = e->cellRect(0, 2900).center().x();
        const int left = scroll->horizontalScrollBar()->value();
        QVERIFY2(x >= left && x < left + scroll->viewport()->width(),
                 qPrintable(QStringLiteral("x=%1 left=%2").arg(x).arg(left)));
        // A click still hits the right cell at that size.
        QTest::mouseClick(e, Qt::LeftButton, {}, e->cellRect(1, 2900).center());
        QVERIFY(f.doc.mask().has_value());
        QCOMPARE(int(f.doc.mask()->data[size_t(3000 + 2900)]), 0);
        QCOMPARE(std::count(f.doc.mask()->data.begin(), f.doc.mask()->data.end(), uint8_t(0)), 1L);
        // Scrolled sideways, the sample labels stay at the visible left edge and select, not paint.
        const std::vector<int> before = maskCells(f.doc);
        QVERIFY(left > 0);
        QTest::mouseClick(e, Qt::LeftButton, {}, QPoint(left + 4, e->cellRect(1, 0).center().y()));
        QCOMPARE(f.doc.selectedSample(), 1);
        QVERIFY(maskCells(f.doc) == before);
    }

    void presetsGiveRightAndLeftPaddedMasks()
    {
        Fixture f;
        f.doc.setInput(ArrayF(Shape{3, 12, 1}, 0.0f));
        f.showTab(2);
        auto* preset = f.child<QComboBox>("maskPreset");
        auto* lengths = f.child<QLineEdit>("maskLengths");
        auto* apply = f.child<QPushButton>("applyMaskPreset");

        preset->setCurrentIndex(preset->findData(int(MaskPreset::RightPadded)));
        QVERIFY(lengths->isVisible());
        lengths->setText(QStringLiteral("12, 8, 5"));
        QTest::mouseClick(apply, Qt::LeftButton);
        QVERIFY(f.doc.mask().has_value());
        QVERIFY(gruscope::isRightPadded(*f.doc.mask()));
        QCOMPARE(keptIn(*f.doc.mask(), 0), 12);
        QCOMPARE(keptIn(*f.doc.mask(), 1), 8);
        QCOMPARE(keptIn(*f.doc.mask(), 2), 5);
        QVERIFY(f.doc.mask()->data[size_t(1 * 12 + 7)] == 1 && f.doc.mask()->data[size_t(1 * 12 + 8)] == 0);
        QVERIFY2(f.child<QLabel>("maskStatus")->text().contains(QStringLiteral("cuDNN accepts")),
                 qPrintable(f.child<QLabel>("maskStatus")->text()));

        preset->setCurrentIndex(preset->findData(int(MaskPreset::LeftPadded)));
        QTest::mouseClick(apply, Qt::LeftButton);
        QVERIFY(!gruscope::isRightPadded(*f.doc.mask()));
        QVERIFY(f.doc.mask()->data[size_t(1 * 12 + 3)] == 0 && f.doc.mask()->data[size_t(1 * 12 + 4)] == 1);
        QCOMPARE(keptIn(*f.doc.mask(), 2), 5);
        QVERIFY(f.child<QLabel>("maskStatus")->text().contains(QStringLiteral("Not right-padded")));
        // The eligibility report sees it.
        bool maskRowFailed = false;
        for (const auto& c : f.doc.eligibility().conditions)
            if (c.id.find("mask") != std::string::npos && !c.ok)
                maskRowFailed = true;
        QVERIFY(maskRowFailed);

        preset->setCurrentIndex(preset->findData(int(MaskPreset::RandomHoles)));
        f.child<QDoubleSpinBox>("maskHoleProbability")->setValue(0.3);
        f.child<QSpinBox>("maskSeed")->setValue(5);
        QTest::mouseClick(apply, Qt::LeftButton);
        QVERIFY(f.doc.mask()->data == gruscope::maskRandomHoles(3, 12, 0.3, 5).data);

        // Bad lengths: an inline message, the mask unchanged.
        const ArrayU8 before = *f.doc.mask();
        preset->setCurrentIndex(preset->findData(int(MaskPreset::RightPadded)));
        lengths->setText(QStringLiteral("12, 40"));
        QTest::mouseClick(apply, Qt::LeftButton);
        QVERIFY(f.child<QLabel>("inputError")->isVisible());
        QVERIFY2(f.child<QLabel>("inputError")->text().contains(QStringLiteral("40")),
                 qPrintable(f.child<QLabel>("inputError")->text()));
        QVERIFY(f.doc.mask()->data == before.data);

        preset->setCurrentIndex(preset->findData(int(MaskPreset::None)));
        QTest::mouseClick(apply, Qt::LeftButton);
        QVERIFY(!f.doc.mask().has_value());
        QVERIFY(!f.child<QLabel>("inputError")->isVisible());
    }

    void importsTheFixtureInputs_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<Shape>("shape");
        QTest::newRow("weightfiles/x.npy") << data("weightfiles/x.npy") << Shape{2, 5, 3};
        QTest::newRow("weightfiles/x.npz") << data("weightfiles/x.npz") << Shape{2, 5, 3};
        QTest::newRow("weightfiles/x_sample0.csv") << data("weightfiles/x_sample0.csv") << Shape{1, 5, 3};
        QTest::newRow("tensorfiles/x.npy") << data("tensorfiles/x.npy") << Shape{2, 6, 3};
        QTest::newRow("npy/f8_be.npy (2-D)") << data("npy/f8_be.npy") << Shape{};
    }
    void importsTheFixtureInputs()
    {
        QFETCH(QString, path);
        QFETCH(Shape, shape);
        Fixture f;
        QString error;
        QVERIFY2(f.panel.importFile(path, &error), qPrintable(error));
        const ArrayF expected = gruscope::readInputFile(path.toStdString());
        if (!shape.empty())
            QCOMPARE(f.doc.input().shape, shape);
        QCOMPARE(f.doc.input().shape, expected.shape);
        GS_VERIFY_CLOSE(f.doc.input(), expected, 0.0, 0.0);
        QCOMPARE(f.child<QSpinBox>("timesteps")->value(), int(expected.shape[1]));
        QVERIFY(f.doc.inputDescription().contains(QFileInfo(path).fileName()));
    }

    // Each bad file: refused with a message that names the problem, the input as it was.
    void corruptFilesKeepThePreviousInput_data()
    {
        QTest::addColumn<QString>("name");     // written into a temporary folder, or a fixture
        QTest::addColumn<QByteArray>("bytes"); // empty: `name` is a fixture (or missing)
        QTest::addColumn<QString>("named");    // in the message
        QTest::newRow("corrupt .npy") << "corrupt.npy"
                                      << QByteArray("\x93NUMPY\x01\x00\x20\x00{'descr': '<f4', 'fortran_", 36)
                                      << "corrupt.npy";
        QTest::newRow("ragged .csv") << "ragged.csv" << QByteArray("x0,x1\n1,2\n3\n") << "line 3";
        QTest::newRow("word in .csv") << "word.csv" << QByteArray("x0,x1\n1,2\n3,abc\n") << "abc";
        QTest::newRow("truncated .npz") << "truncated.npz" << QByteArray("PK\x03\x04\x14\x00\x00\x00", 8)
                                        << "truncated.npz";
        QTest::newRow("1-D array") << data("npy/vector_f4.npy") << QByteArray() << "vector_f4.npy";
        QTest::newRow("record dtype") << data("npy/structured.npy") << QByteArray() << "structured.npy";
        QTest::newRow("zero-size dimension") << data("npy/empty_3d_f8.npy") << QByteArray() << "every size ≥ 1";
        QTest::newRow("missing") << "missing.npy" << QByteArray() << "missing.npy";
    }
    void corruptFilesKeepThePreviousInput()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, named);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString path = QFileInfo(name).isAbsolute() ? name : dir.filePath(name);
        if (!bytes.isEmpty()) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(bytes);
        }
        Fixture f;
        QString error;
        QVERIFY2(f.panel.importFile(data("weightfiles/x.npy"), &error), qPrintable(error));
        const ArrayF before = f.doc.input();
        const QString description = f.doc.inputDescription();

        error.clear();
        QVERIFY(!f.panel.importFile(path, &error));
        QVERIFY2(error.contains(named), qPrintable(error));
        QVERIFY(f.doc.input().shape == before.shape && f.doc.input().data == before.data);
        QCOMPARE(f.doc.inputDescription(), description);
    }

    void npzMaskIsUsedOnRequest()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("with_mask.npz"));
        ArrayF x(Shape{2, 4, 3});
        for (size_t k = 0; k < x.data.size(); ++k)
            x.data[k] = float(k) * 0.25f;
        const ArrayU8 mask(Shape{2, 4}, std::vector<uint8_t>{1, 1, 1, 0, 1, 1, 0, 0});
        gruscope::npy::writeNpz(path.toStdString(), {gruscope::npy::ref("x", x), gruscope::npy::refBool("mask", mask)});

        Fixture f;
        QString error;
        QVERIFY2(f.panel.importFile(path, &error, FileMaskPolicy::Ignore), qPrintable(error));
        QVERIFY(f.doc.input().data == x.data);
        QVERIFY(!f.doc.mask().has_value());
        QVERIFY2(f.panel.importFile(path, &error, FileMaskPolicy::Use), qPrintable(error));
        QVERIFY(f.doc.mask().has_value());
        QVERIFY(f.doc.mask()->data == mask.data);

        // A mask of another shape is not used, and says so.
        const QString other = dir.filePath(QStringLiteral("odd_mask.npz"));
        const ArrayU8 odd(Shape{4, 2}, 1);
        gruscope::npy::writeNpz(other.toStdString(), {gruscope::npy::ref("x", x), gruscope::npy::refBool("mask", odd)});
        QStringList notices;
        QObject::connect(&f.doc, &Document::notice, [&](const QString& m) { notices << m; });
        f.doc.setMask(std::nullopt);
        QVERIFY2(f.panel.importFile(other, &error, FileMaskPolicy::Use), qPrintable(error));
        QVERIFY(!f.doc.mask().has_value());
        QVERIFY2(notices.join(' ').contains(QStringLiteral("does not fit")), qPrintable(notices.join(' ')));
    }

    void editingATableCellChangesTheDocument()
    {
        Fixture f;
        GeneratorSpec s;
        s.batch = 2;
        s.steps = 10;
        s.features = 3;
        QVERIFY(f.panel.applyGenerator(s));
        f.showTab(1);
        // The sample selector picks the sample shown (and selected everywhere).
        f.child<QSpinBox>("sample")->setValue(1);
        QCOMPARE(f.doc.selectedSample(), 1);
        InputTableModel* model = f.panel.tableModel();
        QCOMPARE(model->rowCount(), 10);
        QCOMPARE(model->columnCount(), 3);
        const float shown = model->data(model->index(4, 2), Qt::EditRole).toString().toFloat();
        QCOMPARE(shown, f.doc.input().data[size_t((1 * 10 + 4) * 3 + 2)]);

        // Through the view's editor, as a user types it.
        QTableView* view = f.panel.valuesTable();
        const QModelIndex idx = model->index(3, 1);
        view->setCurrentIndex(idx);
        view->edit(idx);
        auto* editor = view->findChild<QLineEdit*>();
        QVERIFY(editor);
        editor->selectAll();
        QTest::keyClicks(editor, QStringLiteral("0.75"));
        QTest::keyClick(editor, Qt::Key_Return); // the delegate commits through a queued call
        QTRY_COMPARE(f.doc.input().data[size_t((1 * 10 + 3) * 3 + 1)], 0.75f);
        QCOMPARE(model->data(idx, Qt::DisplayRole).toString(), QStringLiteral("0.75"));
        // Sample 0 is untouched.
        QCOMPARE(f.doc.input().data[size_t((0 * 10 + 3) * 3 + 1)], gruscope::generate(s).data[size_t(3 * 3 + 1)]);

        // Not a number: refused, the value stays.
        QVERIFY(!model->setData(idx, QStringLiteral("abc")));
        QCOMPARE(f.doc.input().data[size_t((1 * 10 + 3) * 3 + 1)], 0.75f);

        // Masked steps are greyed.
        f.doc.setMaskCell(1, 6, false);
        QVERIFY(model->isMasked(6));
        QVERIFY(model->data(model->index(6, 0), Qt::ForegroundRole).isValid());
        QVERIFY(!model->data(model->index(5, 0), Qt::ForegroundRole).isValid());
    }

    void initialStateModesResolve()
    {
        Fixture f;
        RunController controller(&f.doc);
        f.showTab(3);
        auto* mode = f.child<QComboBox>("initialStateMode");
        auto* seed = f.child<QSpinBox>("initialStateSeed");
        const Shape shape{f.doc.batch(), f.doc.config().units};

        for (float v : f.doc.resolvedInitialState().data)
            QCOMPARE(v, 0.0f);

        mode->setCurrentIndex(int(InitialStateMode::Random));
        QCOMPARE(int(f.doc.initialStateMode()), int(InitialStateMode::Random));
        QVERIFY(seed->isVisible());
        seed->setValue(11);
        QCOMPARE(f.doc.randomStateSeed(), uint64_t(11));
        const ArrayF r11 = f.doc.resolvedInitialState();
        QCOMPARE(r11.shape, shape);
        QVERIFY(std::any_of(r11.data.begin(), r11.data.end(), [](float v) { return v != 0.0f; }));
        QVERIFY(std::all_of(r11.data.begin(), r11.data.end(), [](float v) { return v >= -1.0f && v <= 1.0f; }));
        seed->setValue(12);
        QVERIFY(f.doc.resolvedInitialState().data != r11.data);
        seed->setValue(11);
        QVERIFY(f.doc.resolvedInitialState().data == r11.data);

        // The last run's final state.
        mode->setCurrentIndex(int(InitialStateMode::LastFinal));
        QVERIFY(!seed->isVisible());
        controller.runNow();
        QVERIFY(controller.waitForIdle());
        QVERIFY(f.doc.result());
        const ArrayF last = f.doc.result()->result.state;
        QCOMPARE(last.shape, shape);
        QVERIFY(f.doc.resolvedInitialState().data == last.data);

        // Custom starts from the state the previous mode gave; editing a cell changes it.
        mode->setCurrentIndex(int(InitialStateMode::Custom));
        QCOMPARE(int(f.doc.initialStateMode()), int(InitialStateMode::Custom));
        QVERIFY(f.doc.resolvedInitialState().data == last.data);
        QTableView* table = f.child<QTableView>("initialStateTable");
        QVERIFY(table->model()->setData(table->model()->index(0, 2), QStringLiteral("0.5")));
        QCOMPARE(f.doc.resolvedInitialState().data[2], 0.5f);

        // Editing while in zeros mode makes the state custom with that one value.
        mode->setCurrentIndex(int(InitialStateMode::Zeros));
        QCOMPARE(int(f.doc.initialStateMode()), int(InitialStateMode::Zeros));
        QVERIFY(table->model()->setData(table->model()->index(0, 1), QStringLiteral("-0.25")));
        QCOMPARE(int(f.doc.initialStateMode()), int(InitialStateMode::Custom));
        const ArrayF s = f.doc.resolvedInitialState();
        for (size_t k = 0; k < s.data.size(); ++k)
            QCOMPARE(s.data[k], k == 1 ? -0.25f : 0.0f);
        QCOMPARE(mode->currentIndex(), int(InitialStateMode::Custom));
    }
};

QTEST_MAIN(TstInputPanel)
#include "tst_input_panel.moc"
