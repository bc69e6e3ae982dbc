// The Layer arguments panel driven through its editors: edits reach the document, invalid values
// show the engine's message inline and stay in the document, the flavor selector enables and
// disables the flavor-only arguments, reset restores Keras's defaults, and a document change made
// elsewhere refreshes the editors without echoing back.
#include "model/keras_docs.h"
#include "model/run_controller.h"
#include "panels/args_panel.h"

#include "gruscope/config.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace gsui;
using namespace gruscope;

class TstArgsPanel : public QObject {
    Q_OBJECT

    template <class W>
    static W* ed(ArgsPanel& p, const char* name)
    {
        auto* w = qobject_cast<W*>(p.editor(QString::fromLatin1(name)));
        if (!w)
            qFatal("no editor %s of the expected type", name);
        return w;
    }

    // Replaces an editable combo's text by typing, as a user does.
    static void typeInto(QComboBox* combo, const QString& text)
    {
        combo->setFocus();
        combo->lineEdit()->selectAll();
        QTest::keyClick(combo->lineEdit(), Qt::Key_Delete);
        QTest::keyClicks(combo->lineEdit(), text);
    }

    static void typeInto(QLineEdit* edit, const QString& text)
    {
        edit->setFocus();
        edit->selectAll();
        QTest::keyClick(edit, Qt::Key_Delete);
        QTest::keyClicks(edit, text);
        QTest::keyClick(edit, Qt::Key_Return);
    }

    static void typeInto(QAbstractSpinBox* spin, const QString& text)
    {
        spin->setFocus();
        spin->selectAll();
        QTest::keyClicks(spin, text);
        QTest::keyClick(spin, Qt::Key_Return);
    }

private slots:
    void everyArgumentHasAnEditorNamedAfterIt()
    {
        Document doc;
        ArgsPanel panel(&doc);
        for (const QString& name : gruArgumentNames()) {
            QWidget* w = panel.editor(name);
            QVERIFY2(w, qPrintable(name));
            QCOMPARE(w->objectName(), QStringLiteral("arg_") + name);
            QVERIFY2(!kerasDoc(name).isEmpty(), qPrintable(name));
            QVERIFY2(w->toolTip().contains(kerasDoc(name).left(20).toHtmlEscaped()), qPrintable(name));
        }
        QCOMPARE(panel.editor("flavor")->objectName(), QStringLiteral("arg_flavor"));
        QCOMPARE(panel.editor("training")->objectName(), QStringLiteral("arg_training"));
        QVERIFY(panel.findChild<QPushButton*>("resetDefaults"));
        QVERIFY(!kerasDoc("training").isEmpty());
        QVERIFY(panel.editor("no_such_argument") == nullptr);
    }

    void editsReachTheDocument()
    {
        Document doc;
        ArgsPanel panel(&doc);
        panel.show();

        typeInto(ed<QSpinBox>(panel, "units"), "12");
        QCOMPARE(doc.config().units, 12);
        QCOMPARE(doc.weights()->units(), 12);

        QTest::mouseClick(ed<QCheckBox>(panel, "go_backwards"), Qt::LeftButton);
        QVERIFY(doc.config().go_backwards);
        QTest::mouseClick(ed<QCheckBox>(panel, "use_bias"), Qt::LeftButton);
        QVERIFY(!doc.config().use_bias);
        QVERIFY(!doc.weights()->hasBias());

        typeInto(ed<QDoubleSpinBox>(panel, "dropout"), "0.25");
        QCOMPARE(doc.config().dropout, 0.25);
        auto* rd = ed<QDoubleSpinBox>(panel, "recurrent_dropout");
        QCOMPARE(rd->singleStep(), 0.05);
        rd->setFocus();
        QTest::keyClick(rd, Qt::Key_Up);
        QCOMPARE(doc.config().recurrent_dropout, 0.05);

        auto* act = ed<QComboBox>(panel, "recurrent_activation");
        act->setCurrentIndex(act->findText("hard_sigmoid"));
        QCOMPARE(doc.config().recurrent_activation, std::string("hard_sigmoid"));

        typeInto(ed<QLineEdit>(panel, "kernel_regularizer"), R"({"class_name": "L2", "config": {"l2": 0.01}})");
        QCOMPARE(doc.config().kernel_regularizer, std::string(R"({"class_name": "L2", "config": {"l2": 0.01}})"));
        QVERIFY(doc.configValid());

        typeInto(ed<QLineEdit>(panel, "name"), "encoder_gru");
        QCOMPARE(doc.config().name, std::string("encoder_gru"));

        // The call argument and the dropout seed go to the document too.
        QTest::mouseClick(ed<QCheckBox>(panel, "training"), Qt::LeftButton);
        QVERIFY(doc.training());
        typeInto(ed<QSpinBox>(panel, "dropout_seed"), "42");
        QCOMPARE(doc.dropoutSeed(), uint64_t(42));
    }

    void initializerAndParameters()
    {
        Document doc;
        ArgsPanel panel(&doc);
        panel.show();
        auto* combo = ed<QComboBox>(panel, "kernel_initializer");
        auto* params = ed<QLineEdit>(panel, "kernel_initializer.params");
        QCOMPARE(combo->currentText(), QStringLiteral("glorot_uniform"));
        QCOMPARE(params->text(), QStringLiteral("seed=None"));

        // Choosing another initializer starts from Keras's defaults for it.
        combo->setFocus();
        const int ru = combo->findText("random_uniform");
        QVERIFY(ru >= 0);
        QTest::keyClick(combo, Qt::Key_Home);
        while (combo->currentIndex() != ru)
            QTest::keyClick(combo, Qt::Key_Down);
        QCOMPARE(doc.config().kernel_initializer.name, std::string("random_uniform"));
        QCOMPARE(params->text(), QStringLiteral("minval=-0.05, maxval=0.05, seed=None"));

        typeInto(params, "minval=-0.5, maxval=0.25, seed=7");
        QCOMPARE(doc.config().kernel_initializer.minval, -0.5);
        QCOMPARE(doc.config().kernel_initializer.maxval, 0.25);
        QCOMPARE(doc.config().kernel_initializer.seed, std::optional<int64_t>(7));
        QVERIFY(panel.problemText("kernel_initializer").isEmpty());

        // minval > maxval: the engine's message, the document keeps the invalid spec.
        typeInto(params, "minval=1, maxval=0");
        QVERIFY(!doc.configValid());
        QVERIFY2(panel.problemText("kernel_initializer").contains("minval"), qPrintable(panel.problemText("kernel_initializer")));
        QCOMPARE(combo->property("invalid").toBool(), true);

        // Text that cannot be read: a panel message, the document keeps its last spec.
        typeInto(params, "minval=abc");
        QVERIFY(panel.problemText("kernel_initializer").contains("not a number"));
        QCOMPARE(params->text(), QStringLiteral("minval=abc")); // left for the user to fix
        QCOMPARE(doc.config().kernel_initializer.minval, 1.0);

        typeInto(params, "minval=0, maxval=1");
        QVERIFY(doc.configValid());
        QVERIFY(panel.problemText("kernel_initializer").isEmpty());
        QCOMPARE(combo->property("invalid").toBool(), false);

        // zeros takes no parameters: the box is disabled.
        auto* bias = ed<QComboBox>(panel, "bias_initializer");
        QCOMPARE(bias->currentText(), QStringLiteral("zeros"));
        QVERIFY(!ed<QLineEdit>(panel, "bias_initializer.params")->isEnabled());
    }

    void unitsZeroShowsTheEnginesMessage()
    {
        Document doc;
        RunController controller(&doc);
        ArgsPanel panel(&doc);
        panel.show();
        controller.requestRun();
        QVERIFY(controller.waitForIdle());
        QVERIFY(doc.result());
        const quint64 generation = doc.result()->generation;

        typeInto(ed<QSpinBox>(panel, "units"), "0");
        QCOMPARE(doc.config().units, 0);
        QVERIFY(!doc.configValid());
        const QString expected = QString::fromStdString(doc.configIssues().front().message());
        QVERIFY(expected.startsWith("units = 0"));
        QCOMPARE(panel.problemText("units"), expected);
        QVERIFY(panel.findChild<QLabel*>("problem_units")->isVisible());
        QCOMPARE(panel.editor("units")->property("invalid").toBool(), true);
        QVERIFY(panel.findChild<QFrame*>("frame_units")->styleSheet().contains("solid #"));
        QVERIFY(panel.findChild<QLabel*>("argsSummary")->isVisible());

        // The controller does not run an invalid layer: the previous result stays, and the
        // window's error line carries the same message.
        QVERIFY(controller.waitForIdle());
        QCOMPARE(doc.result()->generation, generation);
        QVERIFY2(doc.lastError().contains(expected), qPrintable(doc.lastError()));

        typeInto(ed<QSpinBox>(panel, "units"), "5");
        QVERIFY(doc.configValid());
        QVERIFY(panel.problemText("units").isEmpty());
        QVERIFY(!panel.findChild<QLabel*>("problem_units")->isVisible());
        QVERIFY(!panel.findChild<QLabel*>("argsSummary")->isVisible());
        QVERIFY(controller.waitForIdle());
        QCOMPARE(doc.result()->U, int64_t(5));
    }

    void unknownActivationTypedIsFlagged()
    {
        Document doc;
        ArgsPanel panel(&doc);
        panel.show();
        auto* act = ed<QComboBox>(panel, "activation");
        typeInto(act, "swishy");
        QCOMPARE(doc.config().activation, std::string("swishy"));
        QVERIFY(!doc.configValid());
        QVERIFY2(panel.problemText("activation").startsWith("activation = \"swishy\""),
                 qPrintable(panel.problemText("activation")));
        QCOMPARE(act->currentText(), QStringLiteral("swishy")); // kept as typed, not replaced
        QCOMPARE(act->count(), int(activationNames().size()));    // and not added to the list

        typeInto(act, "relu");
        QCOMPARE(doc.config().activation, std::string("relu"));
        QVERIFY(doc.configValid());
        QVERIFY(panel.problemText("activation").isEmpty());
    }

    void keras3OnlyActivationUnderTfKeras()
    {
        Document doc;
        ArgsPanel panel(&doc);
        auto* act = ed<QComboBox>(panel, "activation");
        act->setCurrentIndex(act->findText("celu"));
        QVERIFY(doc.configValid());
        auto* flavor = ed<QComboBox>(panel, "flavor");
        flavor->setCurrentIndex(flavor->findData("tf_keras"));
        emit flavor->activated(flavor->currentIndex());
        QCOMPARE(doc.config().flavor, Flavor::TfKeras);
        QVERIFY(panel.problemText("activation").contains("exists only in Keras 3"));
    }

    void flavorSwitchEnablesFlavorArguments()
    {
        Document doc;
        ArgsPanel panel(&doc);
        panel.show();
        auto* flavor = ed<QComboBox>(panel, "flavor");
        QCOMPARE(flavor->currentData().toString(), QStringLiteral("keras3"));
        // Keras 3: no time_major, no implementation; seed and use_cudnn exist.
        QVERIFY(!panel.editor("time_major")->isEnabled());
        QVERIFY(!panel.editor("implementation")->isEnabled());
        QVERIFY(panel.editor("use_cudnn")->isEnabled());
        QVERIFY(panel.editor("seed_enabled")->isEnabled());
        QVERIFY(panel.editor("time_major")->toolTip().contains("exists only in tf.keras"));

        // Set a seed and use_cudnn=False, then switch: tf.keras has neither.
        QTest::mouseClick(ed<QCheckBox>(panel, "seed_enabled"), Qt::LeftButton);
        typeInto(ed<QSpinBox>(panel, "seed"), "1234");
        QCOMPARE(doc.config().seed, std::optional<int64_t>(1234));
        auto* cudnn = ed<QComboBox>(panel, "use_cudnn");
        cudnn->setFocus();
        QTest::keyClick(cudnn, Qt::Key_End); // "False"
        QCOMPARE(doc.config().use_cudnn, UseCudnn::False);

        QSignalSpy notices(&doc, &Document::notice);
        flavor->setFocus();
        QTest::keyClick(flavor, Qt::Key_Down);
        QCOMPARE(doc.config().flavor, Flavor::TfKeras);
        QVERIFY(doc.configValid());
        QVERIFY(!doc.config().seed);
        QCOMPARE(doc.config().use_cudnn, UseCudnn::Auto);
        QVERIFY(!notices.isEmpty());
        QVERIFY(notices.last().at(0).toString().contains("seed"));
        QVERIFY(panel.editor("time_major")->isEnabled());
        QVERIFY(panel.editor("implementation")->isEnabled());
        QVERIFY(!panel.editor("use_cudnn")->isEnabled());
        QVERIFY(!panel.editor("seed_enabled")->isEnabled());
        QVERIFY(panel.editor("use_cudnn")->toolTip().contains("exists only in Keras 3"));

        QTest::mouseClick(ed<QCheckBox>(panel, "time_major"), Qt::LeftButton);
        QVERIFY(doc.config().time_major);
        auto* impl = ed<QComboBox>(panel, "implementation");
        impl->setFocus();
        QTest::keyClick(impl, Qt::Key_Down); // "1 (per gate)"
        QCOMPARE(doc.config().implementation, 1);

        // Back to Keras 3: time_major goes back to False; implementation is kept (Keras 3 pops it
        // from **kwargs) but not editable.
        flavor->setFocus();
        QTest::keyClick(flavor, Qt::Key_Up);
        QCOMPARE(doc.config().flavor, Flavor::Keras3);
        QVERIFY(!doc.config().time_major);
        QVERIFY(doc.configValid());
        QVERIFY(!panel.editor("time_major")->isEnabled());
    }

    void invalidFlavorOnlyValueStaysEditable()
    {
        // A Keras 3 config with time_major=True (e.g. a hand-edited file) is flagged and the box
        // stays enabled so that the user can clear it.
        Document doc;
        ArgsPanel panel(&doc);
        panel.show();
        GruConfig c = doc.config();
        c.time_major = true;
        doc.setConfig(c);
        QVERIFY(!doc.configValid());
        QVERIFY(panel.editor("time_major")->isEnabled());
        QVERIFY(panel.problemText("time_major").contains("Keras 3"));
        QTest::mouseClick(ed<QCheckBox>(panel, "time_major"), Qt::LeftButton);
        QVERIFY(!doc.config().time_major);
        QVERIFY(doc.configValid());
        QVERIFY(!panel.editor("time_major")->isEnabled());
    }

    void resetToDefaultsKeepsUnitsFlavorAndName()
    {
        Document doc;
        ArgsPanel panel(&doc);
        panel.show();
        auto* flavor = ed<QComboBox>(panel, "flavor");
        flavor->setFocus();
        QTest::keyClick(flavor, Qt::Key_Down); // tf.keras
        typeInto(ed<QSpinBox>(panel, "units"), "6");
        typeInto(ed<QLineEdit>(panel, "name"), "my_gru");
        typeInto(ed<QComboBox>(panel, "activation"), "relu");
        QTest::mouseClick(ed<QCheckBox>(panel, "reset_after"), Qt::LeftButton);
        QTest::mouseClick(ed<QCheckBox>(panel, "return_sequences"), Qt::LeftButton);
        QTest::mouseClick(ed<QCheckBox>(panel, "time_major"), Qt::LeftButton);
        typeInto(ed<QDoubleSpinBox>(panel, "dropout"), "0.5");
        typeInto(ed<QLineEdit>(panel, "bias_constraint"), R"({"class_name": "NonNeg", "config": {}})");
        QVERIFY(!doc.config().reset_after);

        QTest::mouseClick(panel.findChild<QPushButton*>("resetDefaults"), Qt::LeftButton);
        GruConfig expected;
        expected.units = 6;
        expected.flavor = Flavor::TfKeras;
        expected.name = "my_gru";
        QVERIFY(doc.config() == expected);
        // The editors show the defaults again.
        QCOMPARE(ed<QComboBox>(panel, "activation")->currentText(), QStringLiteral("tanh"));
        QVERIFY(ed<QCheckBox>(panel, "reset_after")->isChecked());
        QVERIFY(!ed<QCheckBox>(panel, "time_major")->isChecked());
        QCOMPARE(ed<QDoubleSpinBox>(panel, "dropout")->value(), 0.0);
        QCOMPARE(ed<QLineEdit>(panel, "bias_constraint")->text(), QStringLiteral("null"));
        QCOMPARE(ed<QSpinBox>(panel, "units")->value(), 6);
        QCOMPARE(flavor->currentData().toString(), QStringLiteral("tf_keras"));
    }

    void refreshFromDocumentWithoutFeedback()
    {
        Document doc;
        ArgsPanel panel(&doc);
        QSignalSpy configs(&doc, &Document::configChanged);
        GruConfig c = doc.config();
        c.units = 3;
        c.activation = "elu";
        c.go_backwards = true;
        c.recurrent_dropout = 0.3;
        c.recurrent_initializer = defaultInitializer("orthogonal");
        c.recurrent_initializer.gain = 2.5;
        c.flavor = Flavor::TfKeras;
        c.implementation = 1;
        doc.setConfig(c);
        QCOMPARE(configs.size(), 1); // the panel's refresh did not write anything back
        QCOMPARE(ed<QSpinBox>(panel, "units")->value(), 3);
        QCOMPARE(ed<QComboBox>(panel, "activation")->currentText(), QStringLiteral("elu"));
        QVERIFY(ed<QCheckBox>(panel, "go_backwards")->isChecked());
        QCOMPARE(ed<QDoubleSpinBox>(panel, "recurrent_dropout")->value(), 0.3);
        QCOMPARE(ed<QLineEdit>(panel, "recurrent_initializer.params")->text(), QStringLiteral("gain=2.5, seed=None"));
        QCOMPARE(ed<QComboBox>(panel, "implementation")->currentData().toInt(), 1);
        QCOMPARE(ed<QComboBox>(panel, "flavor")->currentData().toString(), QStringLiteral("tf_keras"));
        QVERIFY(doc.config() == c);

        // A whole new model (file, session) refreshes too.
        GruConfig m;
        m.units = 4;
        m.use_bias = false;
        doc.setModel(m, initializeWeights(m, 2, 3), ModelOrigin{});
        QCOMPARE(ed<QSpinBox>(panel, "units")->value(), 4);
        QVERIFY(!ed<QCheckBox>(panel, "use_bias")->isChecked());
        QCOMPARE(ed<QComboBox>(panel, "flavor")->currentData().toString(), QStringLiteral("keras3"));
        QVERIFY(doc.config() == m);

        // A long name from a file is shown from its beginning, not scrolled to its end.
        m.name = "bidirectional_with_a_long_name/forward_gru_with_a_long_name";
        doc.setModel(m, initializeWeights(m, 2, 3), ModelOrigin{});
        QCOMPARE(ed<QLineEdit>(panel, "name")->text(), QString::fromStdString(m.name));
        QCOMPARE(ed<QLineEdit>(panel, "name")->cursorPosition(), 0);
    }

    void invalidVerbatimJsonIsFlagged()
    {
        Document doc;
        ArgsPanel panel(&doc);
        panel.show();
        typeInto(ed<QLineEdit>(panel, "activity_regularizer"), "{not json");
        QVERIFY(!doc.configValid());
        QVERIFY(panel.problemText("activity_regularizer").contains("valid JSON"));
        typeInto(ed<QLineEdit>(panel, "activity_regularizer"), "");
        QCOMPARE(doc.config().activity_regularizer, std::string("null"));
        QVERIFY(doc.configValid());
    }
};

QTEST_MAIN(TstArgsPanel)
#include "tst_args_panel.moc"
