// The cuDNN eligibility panel with the arguments panel beside it, as in the window: arguments
// changed through their editors turn rows red at once, each row's Fix button turns it green again
// and changes exactly what it says, mask rules follow the mask, and the GPU line says what this
// machine has (or why it has none).
#include "model/eligibility_fixes.h"
#include "model/run_controller.h"
#include "panels/args_panel.h"
#include "panels/eligibility_panel.h"

#include "gruscope/device.h"
#include "gruscope/eligibility.h"

#include <QAbstractButton>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTest>

using namespace gsui;
using namespace gruscope;

class TstEligibilityPanel : public QObject {
    Q_OBJECT

    struct Setup {
        Document doc;
        ArgsPanel args{&doc};
        EligibilityPanel elig{&doc};
        Setup()
        {
            args.show();
            elig.show();
            elig.resize(380, 900);
        }
    };

    static void typeInto(QComboBox* combo, const QString& text)
    {
        combo->setFocus();
        combo->lineEdit()->selectAll();
        QTest::keyClick(combo->lineEdit(), Qt::Key_Delete);
        QTest::keyClicks(combo->lineEdit(), text);
    }

    static void typeInto(QAbstractSpinBox* spin, const QString& text)
    {
        spin->setFocus();
        spin->selectAll();
        QTest::keyClicks(spin, text);
        QTest::keyClick(spin, Qt::Key_Return);
    }

    static void click(QWidget* w)
    {
        QVERIFY(w);
        QVERIFY2(w->isVisible(), qPrintable(w->objectName()));
        QTest::mouseClick(w, Qt::LeftButton);
    }

    // Every row the engine reports is shown, with the engine's verdict.
    static void verifyMatchesEngine(const Document& doc, const EligibilityPanel& panel)
    {
        const EligibilityReport rep = doc.eligibility();
        QCOMPARE(panel.conditionCount(), int(rep.conditions.size()));
        QCOMPARE(panel.eligible(), rep.eligible);
        for (const auto& c : rep.conditions) {
            const QString id = QString::fromStdString(c.id);
            QVERIFY2(panel.rowOk(id) == c.ok, qPrintable(id));
            QVERIFY2(panel.rowApplies(id) == c.applies, qPrintable(id));
            QVERIFY2(panel.fixButton(id), qPrintable(id));
            QCOMPARE(panel.fixButton(id)->objectName(), QStringLiteral("fix_") + id);
            QVERIFY2(panel.fixButton(id)->isVisible() == (c.applies && !c.ok), qPrintable(id));
        }
    }

    static ArrayU8 leftPadded(int64_t B, int64_t T)
    {
        ArrayU8 m(Shape{B, T}, 1);
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < b + 1 && t < T; ++t)
                m.data[size_t(b * T + t)] = 0; // sample b: b+1 masked steps first, then kept ones
        return m;
    }

private slots:
    void defaultLayerAllRowsButGpuHold()
    {
        Setup s;
        verifyMatchesEngine(s.doc, s.elig);
        QCOMPARE(s.elig.conditionCount(), 12);
        for (const char* id : {"activation", "recurrent_activation", "recurrent_dropout", "unroll", "use_bias",
                                  "reset_after", "dropout", "mask_right_padded", "no_fully_masked_sample", "use_cudnn"})
            QVERIFY2(s.elig.rowOk(id), qPrintable(id));
        QVERIFY(!s.elig.rowApplies("eager_outermost")); // a tf.keras rule; Keras 3 does not check it
        QVERIFY(s.elig.rowOk("eager_outermost"));
        QCOMPARE(s.elig.eligible(), probeDevice().present);
        if (!probeDevice().present) {
            QVERIFY(s.elig.verdictText().startsWith("generic loop"));
            QVERIFY(s.elig.findChild<QLabel*>("eligibilityDetail")->text().contains("only the GPU is missing"));
        } else {
            QCOMPARE(s.elig.verdictText(), QStringLiteral("cuDNN kernel: eligible"));
        }
    }

    void reluTurnsTheRowRedAndFixTurnsItGreen()
    {
        Setup s;
        auto* act = qobject_cast<QComboBox*>(s.args.editor("activation"));
        QVERIFY(act);
        QVERIFY(s.elig.rowOk("activation"));
        act->setCurrentIndex(act->findText("relu")); // as picking it from the list does
        QCOMPARE(s.doc.config().activation, std::string("relu"));
        QVERIFY(!s.elig.rowOk("activation"));
        QVERIFY(s.elig.rowReason("activation").contains("relu"));
        QVERIFY(!s.elig.eligible());
        QVERIFY(s.elig.verdictText().startsWith("generic loop"));
        QVERIFY(s.elig.findChild<QLabel*>("eligibilityDetail")->text().contains("activation"));

        QSignalSpy notices(&s.doc, &Document::notice);
        click(s.elig.fixButton("activation"));
        QVERIFY(s.elig.rowOk("activation"));
        QCOMPARE(s.doc.config().activation, std::string("tanh"));
        QCOMPARE(act->currentText(), QStringLiteral("tanh")); // the arguments panel follows
        QVERIFY(!s.elig.fixButton("activation")->isVisible());
        QCOMPARE(notices.size(), 1);
        QVERIFY(notices.first().at(0).toString().contains("tanh"));
        verifyMatchesEngine(s.doc, s.elig);
    }

    void leftPaddedMaskFailsAndFixMakesItRightPadded()
    {
        Setup s;
        ArrayF x(Shape{3, 6, 1}, 0.5f);
        s.doc.setInput(x);
        s.doc.setMask(leftPadded(3, 6));
        QVERIFY(!s.elig.rowOk("mask_right_padded"));
        QVERIFY(s.elig.rowReason("mask_right_padded").contains("sample 0"));
        QVERIFY(s.elig.rowOk("no_fully_masked_sample"));
        QVERIFY(!s.elig.notes().isEmpty()); // Keras 3 raises inside tf.function for such a mask

        click(s.elig.fixButton("mask_right_padded"));
        QVERIFY(s.elig.rowOk("mask_right_padded"));
        QVERIFY(s.doc.mask());
        QVERIFY(isRightPadded(*s.doc.mask()));
        // Each sample keeps its count of valid steps: 5, 4, 3.
        for (int64_t b = 0; b < 3; ++b) {
            int kept = 0;
            for (int64_t t = 0; t < 6; ++t)
                kept += s.doc.mask()->data[size_t(b * 6 + t)];
            QCOMPARE(kept, int(5 - b));
        }
        verifyMatchesEngine(s.doc, s.elig);
    }

    void fullyMaskedSampleAndTimeMajorMask()
    {
        Setup s;
        s.doc.setInput(ArrayF(Shape{2, 4, 1}, 0.1f));
        ArrayU8 m(Shape{2, 4}, 1);
        for (int64_t t = 0; t < 4; ++t)
            m.data[size_t(4 + t)] = 0; // sample 1 fully masked
        s.doc.setMask(m);
        QVERIFY(s.elig.rowOk("mask_right_padded"));
        QVERIFY(!s.elig.rowOk("no_fully_masked_sample"));
        click(s.elig.fixButton("no_fully_masked_sample"));
        QVERIFY(s.elig.rowOk("no_fully_masked_sample"));
        QCOMPARE(int(s.doc.mask()->data[4]), 1);
        QVERIFY(s.elig.rowOk("mask_right_padded"));

        // tf.keras with time_major: the document's mask stays (B, T); the rules still read it right.
        auto* flavor = qobject_cast<QComboBox*>(s.args.editor("flavor"));
        flavor->setFocus();
        QTest::keyClick(flavor, Qt::Key_Down);
        QCOMPARE(s.doc.config().flavor, Flavor::TfKeras);
        click(s.args.editor("time_major"));
        QVERIFY(s.doc.config().time_major);
        QVERIFY(s.elig.rowOk("mask_right_padded"));
        s.doc.setMask(leftPadded(2, 4));
        QVERIFY(!s.elig.rowOk("mask_right_padded"));
        click(s.elig.fixButton("mask_right_padded"));
        QVERIFY(s.elig.rowOk("mask_right_padded"));
        // tf.keras: use_cudnn does not apply, eager_outermost does.
        QVERIFY(!s.elig.rowApplies("use_cudnn"));
        QVERIFY(s.elig.rowApplies("eager_outermost"));
        verifyMatchesEngine(s.doc, s.elig);
    }

    void everyProvokedConditionIsFixedByItsButton_data()
    {
        QTest::addColumn<QString>("id");
        for (const char* id : {"use_cudnn", "gpu", "activation", "recurrent_activation", "recurrent_dropout", "unroll",
                               "use_bias", "reset_after", "dropout", "mask_right_padded", "no_fully_masked_sample"})
            QTest::newRow(id) << QString::fromLatin1(id);
    }

    void everyProvokedConditionIsFixedByItsButton()
    {
        QFETCH(QString, id);
        Setup s;
        s.doc.setInput(ArrayF(Shape{2, 5, 1}, 0.2f));
        // Provoke the condition through the editors, as a user would.
        if (id == "use_cudnn") {
            auto* c = qobject_cast<QComboBox*>(s.args.editor("use_cudnn"));
            c->setFocus();
            QTest::keyClick(c, Qt::Key_End);
            QCOMPARE(s.doc.config().use_cudnn, UseCudnn::False);
        } else if (id == "gpu") {
            if (probeDevice().present)
                QSKIP("this machine has a GPU: the gpu condition cannot fail here");
        } else if (id == "activation") {
            typeInto(qobject_cast<QComboBox*>(s.args.editor("activation")), "softsign");
        } else if (id == "recurrent_activation") {
            typeInto(qobject_cast<QComboBox*>(s.args.editor("recurrent_activation")), "hard_sigmoid");
        } else if (id == "recurrent_dropout") {
            typeInto(qobject_cast<QDoubleSpinBox*>(s.args.editor("recurrent_dropout")), "0.3");
        } else if (id == "unroll" || id == "use_bias" || id == "reset_after") {
            click(s.args.editor(id));
        } else if (id == "dropout") {
            // Keras 3 before 3.4 took the cuDNN path only without dropout.
            auto* version = s.elig.findChild<QLineEdit*>("kerasVersion");
            version->setFocus();
            QTest::keyClicks(version, "3.3.3");
            QCOMPARE(s.doc.eligibilityContext().kerasVersion, std::string("3.3.3"));
            typeInto(qobject_cast<QDoubleSpinBox*>(s.args.editor("dropout")), "0.2");
        } else if (id == "mask_right_padded") {
            s.doc.setMask(leftPadded(2, 5));
        } else if (id == "no_fully_masked_sample") {
            ArrayU8 m(Shape{2, 5}, 1);
            for (int t = 0; t < 5; ++t)
                m.data[size_t(t)] = 0;
            s.doc.setMask(m);
        }
        QVERIFY2(s.elig.rowApplies(id), qPrintable(id));
        QVERIFY2(!s.elig.rowOk(id), qPrintable(s.elig.rowReason(id)));
        QVERIFY(!s.elig.eligible());
        verifyMatchesEngine(s.doc, s.elig);
        QVERIFY(!fixDescription(id).isEmpty());
        QVERIFY(s.elig.fixButton(id)->toolTip().contains(fixDescription(id).left(12).toHtmlEscaped()));

        QSignalSpy fixed(&s.elig, &EligibilityPanel::fixApplied);
        click(s.elig.fixButton(id));
        QVERIFY2(s.elig.rowOk(id), qPrintable(s.elig.rowReason(id)));
        QCOMPARE(fixed.size(), 1);
        QCOMPARE(fixed.first().at(0).toString(), id);
        QVERIFY(!fixed.first().at(1).toString().isEmpty());
        verifyMatchesEngine(s.doc, s.elig);
        QVERIFY(s.doc.configValid());

        // The fix changed what it says it changes.
        const GruConfig& c = s.doc.config();
        if (id == "use_cudnn")
            QCOMPARE(c.use_cudnn, UseCudnn::Auto);
        else if (id == "gpu")
            QVERIFY(s.doc.assumeGpu() && s.elig.findChild<QCheckBox*>("assumeGpu")->isChecked());
        else if (id == "activation")
            QCOMPARE(c.activation, std::string("tanh"));
        else if (id == "recurrent_activation")
            QCOMPARE(c.recurrent_activation, std::string("sigmoid"));
        else if (id == "recurrent_dropout")
            QCOMPARE(c.recurrent_dropout, 0.0);
        else if (id == "unroll")
            QVERIFY(!c.unroll);
        else if (id == "use_bias")
            QVERIFY(c.use_bias && s.doc.weights()->hasBias());
        else if (id == "reset_after")
            QVERIFY(c.reset_after && s.doc.weights()->bias.rank() == 2);
        else if (id == "dropout")
            QCOMPARE(c.dropout, 0.0);
        else if (id == "no_fully_masked_sample")
            QCOMPARE(int(s.doc.mask()->data[0]), 1);

        // With every other condition holding, the GPU fix leaves an eligible layer.
        if (!probeDevice().present && id != "gpu") {
            click(s.elig.fixButton("gpu"));
            QVERIFY(s.elig.eligible());
            QCOMPARE(s.elig.verdictText(), QStringLiteral("cuDNN kernel: eligible"));
        }
    }

    void trainingAndDropoutNotes()
    {
        Setup s;
        typeInto(qobject_cast<QDoubleSpinBox*>(s.args.editor("dropout")), "0.5");
        QVERIFY(s.elig.rowOk("dropout"));
        QVERIFY(s.elig.notes().join(' ').contains("only acts in training"));
        click(s.args.editor("training"));
        QVERIFY(s.doc.training());
        QVERIFY(s.elig.notes().join(' ').contains("Input dropout in training"));
        // Keras 3.4–3.8 dropped on the cuDNN path even at inference.
        click(s.args.editor("training"));
        auto* version = s.elig.findChild<QLineEdit*>("kerasVersion");
        version->setFocus();
        QTest::keyClicks(version, "3.5");
        QVERIFY(s.elig.notes().join(' ').contains("3.4 to 3.8"));
        // Letters are refused by the version box.
        QTest::keyClicks(version, "x");
        QCOMPARE(version->text(), QStringLiteral("3.5"));
    }

    void eagerOutermostIsExplained()
    {
        Document doc;
        const QString text = applyEligibilityFix(&doc, "eager_outermost");
        QVERIFY(text.contains("eager"));
        QVERIFY(applyEligibilityFix(&doc, "no_such_condition").contains("no automatic fix"));
        // Fixes on a condition that already holds change nothing and say so.
        QSignalSpy configs(&doc, &Document::configChanged);
        QVERIFY(applyEligibilityFix(&doc, "activation").contains("nothing changed"));
        QVERIFY(applyEligibilityFix(&doc, "mask_right_padded").contains("nothing changed"));
        QCOMPARE(configs.size(), 0);
    }

    void gpuStatusLineSaysWhat()
    {
        Setup s;
        const QString line = s.elig.gpuStatus();
        QVERIFY(!line.isEmpty());
        const DeviceInfo& d = probeDevice();
        if (d.present) {
            QVERIFY(line.contains(QString::fromStdString(d.name)));
            QVERIFY(line.contains("cuDNN"));
        } else {
            QVERIFY(!d.reason.empty());
            QVERIFY2(line.contains(QString::fromStdString(d.reason)), qPrintable(line));
            QVERIFY(line.startsWith("GPU: none"));
            QVERIFY(!s.elig.rowOk("gpu"));
            QVERIFY(s.elig.rowReason("gpu").contains(QString::fromStdString(d.reason)));
        }
        // "Assume a GPU is present" is the same setting as the document's.
        click(s.elig.findChild<QCheckBox*>("assumeGpu"));
        QVERIFY(s.doc.assumeGpu());
        QVERIFY(s.elig.rowOk("gpu"));
        s.doc.setAssumeGpu(false);
        QVERIFY(!s.elig.findChild<QCheckBox*>("assumeGpu")->isChecked());
        QCOMPARE(s.elig.rowOk("gpu"), d.present);
    }

    void updatesWhileTheControllerRuns()
    {
        // The panel answers synchronously even with the run controller busy in the background.
        Setup s;
        RunController controller(&s.doc);
        s.doc.setInput(ArrayF(Shape{2, 200, 3}, 0.3f));
        typeInto(qobject_cast<QComboBox*>(s.args.editor("recurrent_activation")), "hard_sigmoid");
        QVERIFY(!s.elig.rowOk("recurrent_activation")); // before any run finished
        click(s.elig.fixButton("recurrent_activation"));
        QVERIFY(s.elig.rowOk("recurrent_activation"));
        QVERIFY(controller.waitForIdle());
        QVERIFY(s.doc.result());
        QCOMPARE(s.doc.result()->config.recurrent_activation, std::string("sigmoid"));
    }
};

QTEST_MAIN(TstEligibilityPanel)
#include "tst_eligibility_panel.moc"
