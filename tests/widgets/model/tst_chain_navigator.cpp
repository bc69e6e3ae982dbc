// The window's whole-model navigation: choosing the second layer of a stacked model gives it the
// input Keras gave it (the first layer's output, from the fixture's expected file), running it
// gives Keras's output, the step stays, the first layer comes back with the model's input, a
// Bidirectional offers both directions, and another model ends the navigation.
#include "model/chain_navigator.h"
#include "model/document.h"
#include "model/examples.h"
#include "model/model_files.h"
#include "model/run_request.h"

#include "gruscope/npy.h"

#include "test_support.h"

#include <QTest>

#include <cmath>
#include <map>

using namespace gsui;
using namespace gruscope;

namespace {


double maxDiff(const ArrayF& a, const ArrayF& b)
{
    if (a.shape != b.shape)
        return INFINITY;
    double d = 0;
    for (size_t k = 0; k < a.data.size(); ++k)
        d = std::max(d, double(std::fabs(a.data[k] - b.data[k])));
    return d;
}

std::shared_ptr<const LoadedWeightFile> read(const char* name)
{
    return std::make_shared<const LoadedWeightFile>(readWeightFile(QString::fromStdString(gstest::dataPath(std::string("weightfiles/") + name))));
}

} // namespace

class TstChainNavigator : public QObject {
    Q_OBJECT
private slots:
    void stackedModelLayerByLayer()
    {
        auto e = gstest::weightfileExpected("tfk_stacked_two_gru");
        const auto file = read("tfk_stacked_two_gru.full.h5");
        Document doc;
        loadLayer(doc, *file, 0);
        doc.setInput(e["x"]);
        ChainNavigator nav(&doc);
        nav.setFile(file, 0);
        QCOMPARE(nav.choices(), (QStringList{QStringLiteral("1 · gru"), QStringLiteral("2 · gru_1")}));
        QCOMPARE(nav.current(), 0);
        QVERIFY2(nav.summary().contains(QStringLiteral("(Dense)")), qPrintable(nav.summary()));
        doc.setCurrentStep(3);

        nav.show(1);
        QCOMPARE(nav.current(), 1);
        QCOMPARE(doc.config().units, int64_t(5));
        QCOMPARE(doc.currentStep(), 3);
        QVERIFY2(maxDiff(doc.input(), e["gru_1__input"]) < 2e-5, "the second layer's input is not Keras's");
        const auto run = executeRun(makeRunRequest(doc), nullptr);
        QVERIFY(maxDiff(run->result.output, e["gru_1__output"]) < 2e-5);

        nav.show(0);
        QCOMPARE(doc.config().units, int64_t(4));
        QCOMPARE(maxDiff(doc.input(), e["x"]), 0.0);
        QCOMPARE(doc.currentStep(), 3);

        // Another model ends it.
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(nav.choices().isEmpty());
    }

    void bidirectionalOffersBothDirections()
    {
        auto e = gstest::weightfileExpected("tfk_bidi_concat");
        const auto file = read("tfk_bidi_concat.full.h5");
        Document doc;
        loadLayer(doc, *file, 0);
        doc.setInput(e["x"]);
        ChainNavigator nav(&doc);
        nav.setFile(file, 0);
        QCOMPARE(nav.choices().size(), 2);
        QVERIFY(nav.choices()[1].endsWith(QStringLiteral("backward")));
        nav.show(1);
        QVERIFY(doc.config().go_backwards);
        QCOMPARE(maxDiff(doc.input(), e["x"]), 0.0);
        // The backward layer alone, as Keras ran it inside the wrapper (its sequence in processing order).
        const auto run = executeRun(makeRunRequest(doc), nullptr);
        const double d = maxDiff(run->result.output, e["bidirectional__backward__sequences"]);
        QVERIFY2(d < 2e-5, qPrintable(QString::number(d)));
    }

    void oneGruHasNothingToChoose()
    {
        const auto file = read("tfk_gru_dense.full.h5");
        Document doc;
        loadLayer(doc, *file, 0);
        ChainNavigator nav(&doc);
        nav.setFile(file, 0);
        QVERIFY(nav.choices().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstChainNavigator)
#include "tst_chain_navigator.moc"
