// The What if panel and its WeightEditor, driven through their widgets: an entry typed and set, a
// slider dragged (one undo step however long the drag), a gate's bias scaled, a unit ablated,
// undo and redo back to the exact weights, the column following the selected unit, refused edits
// said in words, and the history ended by a change from elsewhere.
#include "model/document.h"
#include "test_support.h"
#include "model/examples.h"
#include "model/weight_editor.h"
#include "panels/what_if_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QTest>

#include <cmath>
#include <cstring>

using namespace gsui;
using namespace gruscope;

namespace {

bool sameWeights(const GruWeights& a, const GruWeights& b)
{
    return gstest::sameBits(a.kernel, b.kernel) && gstest::sameBits(a.recurrentKernel, b.recurrentKernel) && gstest::sameBits(a.bias, b.bias);
}

} // namespace

class TstWhatIfPanel : public QObject {
    Q_OBJECT
private slots:
    void editsUndoAndRedo()
    {
        Document doc;
        loadExample(doc, QStringLiteral("parity"));
        WeightEditor editor(&doc);
        WhatIfPanel panel(&doc, &editor);
        panel.show();
        const GruWeights original = *doc.weights();
        const int64_t U = doc.config().units, G = 3 * U;
        QVERIFY(!panel.undoButton()->isEnabled());

        // One entry: R[1, U + 2] (the reset gate of unit 2, fed by h of unit 1).
        panel.tensorChoice()->setCurrentIndex(1);
        panel.rowBox()->setValue(1);
        panel.columnBox()->setValue(int(U + 2));
        QVERIFY2(panel.whereText().startsWith(QStringLiteral("from h of unit 1 → r of unit 2")), qPrintable(panel.whereText()));
        panel.valueBox()->setValue(1.25);
        QTest::mouseClick(panel.setButton(), Qt::LeftButton);
        QCOMPARE(doc.weights()->recurrentKernel.data[size_t(1 * G + U + 2)], 1.25f);
        QCOMPARE(editor.stack()->count(), 1);
        QVERIFY(panel.undoButton()->text().contains(QStringLiteral("recurrent_kernel[1, ")));

        // A slider drag: many values, one undo step, the last value kept.
        QSlider* s = panel.valueSlider();
        s->setSliderDown(true);
        emit s->sliderPressed();
        for (int v : {100, 300, -500, 2000})
            s->setValue(v);
        s->setSliderDown(false);
        emit s->sliderReleased();
        QCOMPARE(doc.weights()->recurrentKernel.data[size_t(1 * G + U + 2)], 2.0f);
        QCOMPARE(editor.stack()->count(), 2);

        // A gate's bias, a unit.
        panel.gateChoice()->setCurrentIndex(0);
        panel.factorBox()->setValue(0.5);
        QTest::mouseClick(panel.scaleButton(), Qt::LeftButton);
        panel.unitBox()->setValue(0);
        QTest::mouseClick(panel.ablateButton(), Qt::LeftButton);
        QCOMPARE(editor.stack()->count(), 4);
        QCOMPARE(doc.weights()->kernel.data[size_t(2 * U + 0)], 0.0f);
        const GruWeights edited = *doc.weights();

        // Undo all the way: the exact original weights; redo all the way: the edited ones.
        for (int k = 0; k < 4; ++k)
            QTest::mouseClick(panel.undoButton(), Qt::LeftButton);
        QVERIFY(sameWeights(*doc.weights(), original));
        QVERIFY(!panel.undoButton()->isEnabled());
        for (int k = 0; k < 4; ++k)
            QTest::mouseClick(panel.redoButton(), Qt::LeftButton);
        QVERIFY(sameWeights(*doc.weights(), edited));
        // GRUSCOPE_SCREENSHOT_DIR: keep a picture of the panel to look at.
        if (const QString shots = qEnvironmentVariable("GRUSCOPE_SCREENSHOT_DIR"); !shots.isEmpty()) {
            panel.resize(380, 560);
            QVERIFY(panel.grab().save(shots + QStringLiteral("/what-if.png")));
        }

        // The column follows the unit selected anywhere, keeping its gate (r).
        doc.setSelectedUnit(1);
        QCOMPARE(panel.columnBox()->value(), int(U + 1));
        QCOMPARE(panel.unitBox()->value(), 1);

        // A refused edit: said, nothing changes, no undo step.
        panel.tensorChoice()->setCurrentIndex(2);
        panel.factorBox()->setValue(1);
        WeightEdit bad;
        bad.kind = WeightEdit::Kind::Hold;
        bad.unit = U + 5;
        QVERIFY_THROWS_EXCEPTION(Error, editor.apply(bad));
        QCOMPARE(editor.stack()->count(), 4);

        // A change from elsewhere (new weights) ends the history.
        doc.reinitializeWeights(3);
        QCOMPARE(editor.stack()->count(), 0);
        QVERIFY(!panel.undoButton()->isEnabled());
    }

    // A cell clicked in the Weights view (WeightsView::cellPicked) lands here: tensor, row and
    // column of the entry, and the weight's current value ready to be changed.
    void pointAtFillsTheEntry()
    {
        Document doc;
        loadExample(doc, QStringLiteral("parity"));
        WeightEditor editor(&doc);
        WhatIfPanel panel(&doc, &editor);
        panel.show();
        const int64_t U = doc.config().units, G = 3 * U;
        QVERIFY(doc.config().reset_after); // a bias of two rows

        panel.pointAt(QStringLiteral("bias"), 1, int(U + 3));
        QCOMPARE(panel.tensorChoice()->currentIndex(), 2);
        QCOMPARE(panel.rowBox()->value(), 1);
        QCOMPARE(panel.columnBox()->value(), int(U + 3));
        QVERIFY2(panel.whereText().startsWith(QStringLiteral("recurrent bias → r of unit 3")), qPrintable(panel.whereText()));
        // The box shows 4 decimals; the where line has the value to 6 digits.
        QVERIFY(std::abs(panel.valueBox()->value() - double(doc.weights()->bias.data[size_t(G + U + 3)])) <= 0.5e-4 + 1e-9);

        panel.pointAt(QStringLiteral("kernel"), 0, int(2 * U));
        QCOMPARE(panel.tensorChoice()->currentIndex(), 0);
        QCOMPARE(panel.rowBox()->value(), 0);
        QCOMPARE(panel.columnBox()->value(), int(2 * U));
        QVERIFY2(panel.whereText().startsWith(QStringLiteral("input feature 0 → h~ of unit 0")), qPrintable(panel.whereText()));

        // Nothing that is not a cell of this layer moves the row or the column.
        panel.pointAt(QStringLiteral("kernel"), 0, int(G));
        panel.pointAt(QStringLiteral("kernel"), 99, 0);
        panel.pointAt(QStringLiteral("gamma"), 0, 1);
        panel.pointAt(QStringLiteral("kernel"), -1, 1);
        QCOMPARE(panel.rowBox()->value(), 0);
        QCOMPARE(panel.columnBox()->value(), int(2 * U));
        QCOMPARE(panel.tensorChoice()->currentIndex(), 0);
    }

    // A gate's bias = value, for every unit, through the panel: one undo step, exact undo.
    void setBiasThroughThePanel()
    {
        Document doc;
        loadExample(doc, QStringLiteral("parity"));
        WeightEditor editor(&doc);
        WhatIfPanel panel(&doc, &editor);
        panel.show();
        const GruWeights original = *doc.weights();
        const int64_t U = doc.config().units, G = 3 * U;
        panel.gateChoice()->setCurrentIndex(1); // r
        panel.biasValueBox()->setValue(-10);
        QTest::mouseClick(panel.setBiasButton(), Qt::LeftButton);
        QCOMPARE(editor.stack()->count(), 1);
        for (int64_t j = 0; j < U; ++j) {
            QCOMPARE(doc.weights()->bias.data[size_t(U + j)], -10.0f);   // input row
            QCOMPARE(doc.weights()->bias.data[size_t(G + U + j)], 0.0f); // recurrent row
            QCOMPARE(doc.weights()->bias.data[size_t(j)], original.bias.data[size_t(j)]); // z untouched
        }
        QVERIFY(panel.undoButton()->text().contains(QStringLiteral("bias of r = -10")));
        QTest::mouseClick(panel.undoButton(), Qt::LeftButton);
        QVERIFY(sameWeights(*doc.weights(), original));
    }

    void noBiasIsSaid()
    {
        Document doc;
        loadExample(doc, QStringLiteral("sine"));
        GruConfig c = doc.config();
        c.use_bias = false;
        doc.setConfig(c);
        WeightEditor editor(&doc);
        WhatIfPanel panel(&doc, &editor);
        panel.show();
        panel.tensorChoice()->setCurrentIndex(2);
        QCOMPARE(panel.whereText(), QStringLiteral("this layer has no bias"));
        QVERIFY(!panel.setButton()->isEnabled());
        QTest::mouseClick(panel.scaleButton(), Qt::LeftButton);
        QVERIFY2(panel.errorText().contains(QStringLiteral("no bias")), qPrintable(panel.errorText()));
        QCOMPARE(editor.stack()->count(), 0);
    }
};

QTEST_MAIN(TstWhatIfPanel)
#include "tst_what_if_panel.moc"
