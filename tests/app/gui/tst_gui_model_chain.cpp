// The whole model in the window: a file with stacked GRUs shows a "Layer of the model" choice in
// the stepping toolbar; choosing the second layer (through the combo box, as a user does) shows it
// with the first layer's output as its input, at the same step; a one-GRU file shows no choice.
#include "main_window.h"
#include "window_test_options.h"
#include "model/chain_navigator.h"
#include "model/document.h"
#include "model/run_controller.h"

#include "test_support.h"

#include <QComboBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace gsui;

namespace {

QString weightFile(const char* name) { return QString::fromStdString(gstest::dataPath(std::string("weightfiles/") + name)); }

} // namespace

class TstGuiModelChain : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void stackedModelLayerChoice()
    {
        QTemporaryDir dir;
        const MainWindowOptions o = gstest::windowOptions(dir, true);
        MainWindow w(o);
        w.chooseLayer = [](const QString&, const QStringList&) { return 0; };
        w.show();
        QString error;
        QVERIFY2(w.openFile(weightFile("tfk_stacked_two_gru.full.h5"), &error), qPrintable(error));
        QVERIFY(w.controller()->waitForIdle());
        auto* combo = w.findChild<QComboBox*>(QStringLiteral("layerOfModel"));
        QVERIFY(combo && combo->isVisible());
        QCOMPARE(combo->count(), 2);
        QVERIFY(combo->toolTip().contains(QStringLiteral("(Dense)")));
        w.document()->setCurrentStep(2);
        const auto firstOutput = w.document()->result()->result.output;

        // The user picks the second layer.
        combo->setFocus();
        QTest::keyClick(combo, Qt::Key_Down);
        QCOMPARE(w.chainNavigator()->current(), 1);
        QVERIFY(w.controller()->waitForIdle());
        QCOMPARE(w.document()->config().units, int64_t(5));
        QCOMPARE(w.document()->currentStep(), 2);
        QVERIFY(w.windowTitle().contains(QStringLiteral("gru_1")));
        // Its input is the first layer's output (that run returned sequences of 4 units).
        QCOMPARE(w.document()->input().shape, firstOutput.shape);
        QVERIFY(w.document()->result() && w.document()->lastError().isEmpty());

        // A one-GRU file: no choice.
        QVERIFY2(w.openFile(weightFile("tfk_gru_dense.full.h5"), &error), qPrintable(error));
        QVERIFY(!combo->isVisible());
    }
};

QTEST_MAIN(TstGuiModelChain)
#include "tst_gui_model_chain.moc"
