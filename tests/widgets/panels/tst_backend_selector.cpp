// The backend selector beside the flavor: auto and every registered backend, each item's tooltip
// in the engine's own words (GruLayer::supports on the document's layer), picking one by keyboard
// sets the document's backend, the document's choice shows in the selector, and the items follow
// the layer (invalid arguments make every choice say so).
#include "model/document.h"
#include "model/examples.h"
#include "model/run_request.h"
#include "panels/args_panel.h"
#include "panels/backend_selector.h"

#include "gruscope/device.h"

#include <QSignalSpy>
#include <QTest>

using namespace gsui;
using namespace gruscope;

namespace {

int indexOf(const QComboBox& combo, const QString& name) { return combo.findData(name); }

QString tooltipOf(const QComboBox& combo, const QString& name)
{
    return combo.itemData(indexOf(combo, name), Qt::ToolTipRole).toString();
}

} // namespace

class TstBackendSelector : public QObject {
    Q_OBJECT
private slots:
    void listsAutoThenEveryRegisteredBackend()
    {
        Document doc;
        loadExample(doc, QStringLiteral("sine"));
        ArgsPanel panel(&doc);
        auto* combo = qobject_cast<BackendSelector*>(panel.editor(QStringLiteral("backend")));
        QVERIFY(combo);
        QCOMPARE(combo->objectName(), QStringLiteral("arg_backend"));
        QStringList expected{QStringLiteral("auto")};
        for (const BackendDescription& d : describeBackends())
            expected << QString::fromStdString(d.name);
        QStringList names;
        for (int i = 0; i < combo->count(); ++i)
            names << combo->itemData(i).toString();
        QCOMPARE(names, expected);
        QStringList sorted = names;
        sorted.sort();
        QCOMPARE(sorted, (QStringList{"auto", "cpu", "cuda", "cudnn", "reference"}));
        QCOMPARE(combo->currentData().toString(), QStringLiteral("auto")); // the default
    }

    // Every item says whether it can run the sine layer here, with the engine's reason when not.
    void tooltipsSayWhetherAndWhy_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* n : {"auto", "cpu", "reference", "cudnn", "cuda"})
            QTest::newRow(n) << n;
    }
    void tooltipsSayWhetherAndWhy()
    {
        QFETCH(QString, name);
        Document doc;
        loadExample(doc, QStringLiteral("sine"));
        BackendSelector combo(&doc);
        const QString tip = tooltipOf(combo, name);
        QVERIFY2(tip.contains(QStringLiteral("<b>%1</b>").arg(name)), qPrintable(tip));

        const BackendKind kind = *backendFromName(name.toStdString());
        GruLayer layer(doc.config(), *doc.weights());
        const BackendSupport s = layer.supports(callInputsFor(makeRunRequest(doc), nullptr), kind);
        const QString label = combo.itemText(indexOf(combo, name));
        if (kind == BackendKind::Auto) {
            QVERIFY(s.ok);
            QCOMPARE(label, QStringLiteral("auto (runs %1)").arg(QString::fromStdString(s.reason)));
            QVERIFY2(tip.contains(QStringLiteral("Here it runs <b>%1</b>").arg(QString::fromStdString(s.reason))),
                     qPrintable(tip));
            if (!probeDevice().cudaUsable)
                QCOMPARE(label, QStringLiteral("auto (runs cpu)"));
        } else if (s.ok) {
            QCOMPARE(label, name);
            QVERIFY2(tip.contains(QStringLiteral("Can run this layer here")), qPrintable(tip));
        } else {
            QVERIFY(label.startsWith(name + QStringLiteral(" — ")));
            QVERIFY2(tip.contains(QStringLiteral("Cannot run this layer here: ") +
                                  QString::fromStdString(s.reason).toHtmlEscaped()),
                     qPrintable(tip));
        }
        // Here, without a GPU, the GPU backends give the probe's reason.
        if (!probeDevice().cudaUsable && (kind == BackendKind::Cudnn || kind == BackendKind::Cuda)) {
            QVERIFY(!s.ok);
            QCOMPARE(s.error, ErrorCode::DeviceUnavailable);
            QVERIFY2(tip.contains(QString::fromStdString(probeDevice().reason).toHtmlEscaped()), qPrintable(tip));
        }
    }

    void pickingSetsTheDocumentAndBack()
    {
        Document doc;
        loadExample(doc, QStringLiteral("sine"));
        doc.setModified(false);
        BackendSelector combo(&doc);
        combo.show();
        QSignalSpy changed(&doc, &Document::backendChanged);
        QSignalSpy runInputs(&doc, &Document::runInputsChanged);
        combo.setFocus();
        // From auto (first) down to the second item, as a user does with the keyboard.
        QTest::keyClick(&combo, Qt::Key_Down);
        const QString second = combo.itemData(1).toString();
        QCOMPARE(QString::fromLatin1(backendName(doc.backend())), second);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(runInputs.count(), 0); // a choice of backend, not a change of the run's inputs
        QVERIFY(doc.modified());

        doc.setBackend(BackendKind::Reference);
        QTRY_COMPARE(combo.currentData().toString(), QStringLiteral("reference"));
        QVERIFY(combo.toolTip().contains(QStringLiteral("<b>reference</b>")));
    }

    void itemsFollowTheLayer()
    {
        Document doc;
        loadExample(doc, QStringLiteral("sine"));
        BackendSelector combo(&doc);
        QVERIFY(tooltipOf(combo, QStringLiteral("cpu")).contains(QStringLiteral("Can run this layer here")));
        GruConfig c = doc.config();
        c.activation = "no_such_activation";
        doc.setConfig(c);
        QTRY_VERIFY(tooltipOf(combo, QStringLiteral("cpu")).contains(QStringLiteral("the arguments are invalid")));
        for (int i = 0; i < combo.count(); ++i)
            QVERIFY2(combo.itemData(i, Qt::ToolTipRole).toString().contains(QStringLiteral("the arguments are invalid")),
                     qPrintable(combo.itemData(i).toString()));
        c.activation = "tanh";
        doc.setConfig(c);
        QTRY_VERIFY(tooltipOf(combo, QStringLiteral("cpu")).contains(QStringLiteral("Can run this layer here")));
    }
};

QTEST_MAIN(TstBackendSelector)
#include "tst_backend_selector.moc"
