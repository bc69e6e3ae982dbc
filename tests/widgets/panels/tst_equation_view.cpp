// The equation view on real runs: every number it writes must be the engine's. For several steps
// and units of a Keras-trained model (reset_after=True), a random reset_after=False layer, a
// go_backwards layer, a layer without bias and with relu, a masked batch and a training run with
// dropout, the recomputed pre-activations must match the trace's preZ/preR/preH within 1e-5, the
// gate values its z/r/hh/h, and the text must carry the same numbers.
#include "model/document.h"
#include "model/examples.h"
#include "model/outcome_terms.h"
#include "model/run_controller.h"
#include "panels/equation_view.h"

#include "gruscope/config.h"
#include "gruscope/input_files.h"
#include "gruscope/npy.h"
#include "gruscope/weights.h"

#include "test_support.h"

#include <QRegularExpression>
#include <QTest>

#include <cmath>
#include <random>

using namespace gsui;
using namespace gruscope;

namespace {

// A random layer: weights and biases uniform in [−0.8, 0.8] (the initialisers' zero bias would
// hide the bias terms), inputs uniform in [−scale, scale].
void loadRandom(Document& doc, GruConfig config, int64_t B, int64_t T, int64_t I, uint64_t seed, float scale = 1.0f)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> d(-0.8f, 0.8f);
    GruWeights w = initializeWeights(config, I, seed);
    for (ArrayF* a : {&w.kernel, &w.recurrentKernel, &w.bias})
        for (float& v : a->data)
            v = d(rng);
    doc.setModel(config, std::move(w), ModelOrigin{});
    ArrayF x(Shape{B, T, I});
    for (float& v : x.data)
        v = scale * d(rng) / 0.8f;
    doc.setInput(std::move(x));
}

double lastNumberOf(const QString& line)
{
    QString tail = line.mid(line.lastIndexOf(QLatin1Char('=')) + 1).trimmed();
    tail.replace(QStringLiteral("−"), QStringLiteral("-"));
    tail = tail.section(QLatin1Char(' '), 0, 0);
    bool ok = false;
    const double v = tail.toDouble(&ok);
    return ok ? v : std::nan("");
}

// The line of the plain text that starts with `prefix`.
QString lineStarting(const QString& text, const QString& prefix)
{
    for (const QString& line : text.split(QLatin1Char('\n')))
        if (line.trimmed().startsWith(prefix))
            return line.trimmed();
    return {};
}

} // namespace

class TstEquationView : public QObject {
    Q_OBJECT

    // Steps through (step, unit) pairs of the selected sample and compares the view with the trace.
    void compareWithTrace(Document& doc, EquationView& view, const std::vector<int>& steps, const std::vector<int>& units)
    {
        const auto out = doc.result();
        QVERIFY(out);
        const int slot = out->traceSlot(doc.selectedSample());
        QVERIFY(slot >= 0);
        const Trace& tr = out->result.trace;
        for (int s : steps) {
            for (int j : units) {
                doc.setCurrentStep(s);
                doc.setSelectedUnit(j);
                QCOMPARE(doc.currentStep(), s);
                const EquationTerms t = view.terms();
                const QString where = QStringLiteral("sample %1 step %2 unit %3").arg(doc.selectedSample()).arg(s).arg(j);
                QVERIFY2(t.valid, qPrintable(where + ": " + QString::fromStdString(t.message)));
                QCOMPARE(t.step, int64_t(s));
                QCOMPARE(t.unit, int64_t(j));
                QCOMPARE(t.timeIndex, out->timeIndex(s));
                QVERIFY(t.recomputed);
                auto near = [&](double got, float engine, double tol, const char* what) {
                    QVERIFY2(std::abs(got - double(engine)) <= tol,
                             qPrintable(QStringLiteral("%1: %2 recomputed %3, engine %4")
                                            .arg(where, QLatin1String(what))
                                            .arg(got, 0, 'g', 9)
                                            .arg(double(engine), 0, 'g', 9)));
                };
                near(t.z.pre, out->traced(tr.preZ, slot, s, j), 1e-5, "pre z");
                near(t.r.pre, out->traced(tr.preR, slot, s, j), 1e-5, "pre r");
                near(t.hh.pre, out->traced(tr.preH, slot, s, j), 1e-5, "pre h~");
                near(t.z.value, out->traced(tr.z, slot, s, j), 1e-5, "z");
                near(t.r.value, out->traced(tr.r, slot, s, j), 1e-5, "r");
                near(t.hh.value, out->traced(tr.hh, slot, s, j), 1e-5, "h~");
                near(t.hOut, out->traced(tr.h, slot, s, j), 1e-5, "h");
                // The terms add up to the pre-activations as the variant says.
                QVERIFY(std::abs(t.z.xK + t.z.bIn + t.z.hR + t.z.bRec - t.z.pre) < 1e-12);
                if (t.resetAfter)
                    QVERIFY(std::abs(t.hh.xK + t.hh.bIn + t.r.value * (t.hh.hR + t.hh.bRec) - t.hh.pre) < 1e-12);
                else
                    QVERIFY(std::abs(t.hh.xK + t.hh.bIn + t.hh.hR - t.hh.pre) < 1e-12);
                // The engine's values travel with the terms.
                QCOMPARE(t.z.traceValue, double(out->traced(tr.z, slot, s, j)));
                QCOMPARE(t.hh.tracePre, double(out->traced(tr.preH, slot, s, j)));

                // And the text shows them: the last number of each equation line.
                const QString text = view.plainText();
                QVERIFY2(text.contains(QStringLiteral("Unit %1 · sample %2 · processing step s = %3")
                                           .arg(j)
                                           .arg(doc.selectedSample())
                                           .arg(s)),
                         qPrintable(text));
                const struct {
                    const char* prefix;
                    const ArrayF& a;
                } lines[] = {{"z = ", tr.z}, {"r = ", tr.r}, {"h~ = ", tr.hh}, {"h' = ", tr.h}};
                for (const auto& l : lines) {
                    const QString line = lineStarting(text, QLatin1String(l.prefix));
                    QVERIFY2(!line.isEmpty(), qPrintable(where + ": no line " + QLatin1String(l.prefix) + "\n" + text));
                    const double shown = lastNumberOf(line);
                    // h' before masking equals the trace h only on kept steps.
                    if (QLatin1String(l.prefix) == QLatin1String("h' = ") && !t.kept)
                        continue;
                    const double engine = out->traced(l.a, slot, s, j);
                    QVERIFY2(std::abs(shown - engine) <= 5.1e-5 + 1e-3 * std::abs(engine),
                             qPrintable(where + ": '" + line + "' vs engine " + QString::number(engine, 'g', 8)));
                }
            }
        }
    }

private slots:
    void kerasSineModel()
    {
        Document doc;
        RunController controller(&doc);
        EquationView view(&doc);
        loadExample(doc, QStringLiteral("sine"));
        QVERIFY(controller.waitForIdle());
        QVERIFY2(doc.lastError().isEmpty(), qPrintable(doc.lastError()));
        QVERIFY(doc.config().reset_after);
        QVERIFY(view.plainText().contains(QStringLiteral("reset_after=True")));
        compareWithTrace(doc, view, {0, 1, 37, 99}, {0, 3, 7});
        doc.setSelectedSample(2);
        compareWithTrace(doc, view, {0, 50, 99}, {1, 6});
    }

    void randomResetAfterFalse()
    {
        Document doc;
        RunController controller(&doc);
        EquationView view(&doc);
        GruConfig c;
        c.units = 5;
        c.reset_after = false;
        loadRandom(doc, c, 2, 12, 3, 11);
        QVERIFY(controller.waitForIdle());
        QVERIFY2(doc.lastError().isEmpty(), qPrintable(doc.lastError()));
        QVERIFY(!doc.result()->config.reset_after);
        QVERIFY(doc.result()->weights->bias.rank() == 1);
        doc.setSelectedSample(1);
        compareWithTrace(doc, view, {0, 1, 6, 11}, {0, 2, 4});
        QVERIFY(view.plainText().contains(QStringLiteral("reset_after=False")));
        QVERIFY(view.plainText().contains(QStringLiteral("(r ⊙ h)·R")));
        QVERIFY(!view.plainText().contains(QStringLiteral("b rec")));
    }

    void goBackwards()
    {
        Document doc;
        RunController controller(&doc);
        EquationView view(&doc);
        GruConfig c;
        c.units = 4;
        c.go_backwards = true;
        loadRandom(doc, c, 1, 9, 2, 5);
        QVERIFY(controller.waitForIdle());
        QVERIFY2(doc.lastError().isEmpty(), qPrintable(doc.lastError()));
        compareWithTrace(doc, view, {0, 4, 8}, {0, 3});
        doc.setCurrentStep(2);
        QCOMPARE(view.terms().timeIndex, int64_t(6)); // step 2 of 9 reads t = 8 − 2
        // x_t in the terms is the input row that step read.
        const auto x = doc.result()->inputAt(0, 2);
        QCOMPARE(view.terms().x, x);
        QCOMPARE(float(x[0]), doc.input().data[size_t(6 * 2 + 0)]);
        c.reset_after = false;
        doc.setConfig(c);
        QVERIFY(controller.waitForIdle());
        compareWithTrace(doc, view, {0, 5, 8}, {1, 2});
    }

    void noBiasRelu()
    {
        Document doc;
        RunController controller(&doc);
        EquationView view(&doc);
        GruConfig c;
        c.units = 4;
        c.use_bias = false;
        c.activation = "relu";
        c.recurrent_activation = "hard_sigmoid";
        loadRandom(doc, c, 1, 8, 2, 23, 3.0f);
        QVERIFY(controller.waitForIdle());
        QVERIFY2(doc.lastError().isEmpty(), qPrintable(doc.lastError()));
        compareWithTrace(doc, view, {0, 3, 7}, {0, 1, 2, 3});
        QCOMPARE(view.terms().z.bIn, 0.0);
        QVERIFY(view.plainText().contains(QStringLiteral("use_bias=False")));
        QVERIFY(view.plainText().contains(QStringLiteral("relu(")));
    }

    void maskedStep()
    {
        Document doc;
        RunController controller(&doc);
        EquationView view(&doc);
        loadExample(doc, QStringLiteral("masked_sum"));
        QVERIFY(controller.waitForIdle());
        QVERIFY2(doc.lastError().isEmpty(), qPrintable(doc.lastError()));
        // Sample 3 keeps its first 3 steps; steps 3..11 are padding.
        doc.setSelectedSample(3);
        QCOMPARE(doc.mask()->data[size_t(3 * 12 + 5)], uint8_t(0));
        compareWithTrace(doc, view, {0, 2, 3, 5, 11}, {0, 4});
        doc.setCurrentStep(5);
        doc.setSelectedUnit(2);
        const EquationTerms t = view.terms();
        QVERIFY(!t.kept);
        QCOMPARE(t.hOut, t.hPrevJ); // the state carries over
        // The cell was still evaluated: its h' differs from the state it keeps.
        QVERIFY(std::abs(t.hNew - t.hOut) > 1e-6);
        QVERIFY(view.plainText().contains(QStringLiteral("masked step")));
        doc.setCurrentStep(1);
        QVERIFY(view.terms().kept);
        QVERIFY(!view.plainText().contains(QStringLiteral("masked step")));
    }

    void trainingWithDropoutShowsEngineValues()
    {
        Document doc;
        RunController controller(&doc);
        EquationView view(&doc);
        GruConfig c;
        c.units = 3;
        c.dropout = 0.4;
        c.recurrent_dropout = 0.3;
        loadRandom(doc, c, 1, 6, 2, 3);
        doc.setTraining(true);
        QVERIFY(controller.waitForIdle());
        QVERIFY2(doc.lastError().isEmpty(), qPrintable(doc.lastError()));
        doc.setCurrentStep(4);
        doc.setSelectedUnit(1);
        const EquationTerms t = view.terms();
        QVERIFY(t.valid);
        QVERIFY(!t.recomputed);
        const auto out = doc.result();
        const Trace& tr = out->result.trace;
        QCOMPARE(t.z.value, double(out->traced(tr.z, 0, 4, 1)));
        QCOMPARE(t.hh.pre, double(out->traced(tr.preH, 0, 4, 1)));
        QVERIFY(std::abs(t.hOut - out->traced(tr.h, 0, 4, 1)) < 1e-5);
        QVERIFY(view.plainText().contains(QStringLiteral("cannot be recomputed")));
        // Without training the same layer is recomputed term by term again.
        doc.setTraining(false);
        QVERIFY(controller.waitForIdle());
        compareWithTrace(doc, view, {4}, {1});
    }

    void nothingToShowSaysWhy()
    {
        Document doc;
        EquationView view(&doc);
        QVERIFY(view.plainText().contains(QStringLiteral("no run yet")));
        RunController controller(&doc);
        GruConfig c;
        c.units = 3;
        loadRandom(doc, c, 2, 5, 1, 9);
        QVERIFY(controller.waitForIdle());
        doc.setSelectedUnit(-1);
        QVERIFY(!view.terms().valid);
        QVERIFY(view.plainText().contains(QStringLiteral("no unit selected")));

        // A run that traced sample 0 only: sample 1 has no numbers to show.
        RunRequest rq = makeRunRequest(doc);
        rq.traceSamples = {0};
        rq.generation = 99;
        doc.publishResult(executeRun(rq, nullptr));
        controller.cancel();
        doc.setSelectedUnit(1);
        QVERIFY(view.terms().valid);
        const EquationTerms t = equationTermsFor(*doc.result(), 1, 0, 1);
        QVERIFY(!t.valid);
        QVERIFY(t.message.find("not traced") != std::string::npos);
        QCOMPARE(equationTermsFor(*doc.result(), 0, 7, 1).message, std::string("step 7 is outside 0..4"));
        QCOMPARE(equationTermsFor(*doc.result(), 5, 0, 1).message, std::string("sample 5 is outside 0..1"));
        QCOMPARE(equationTermsFor(*doc.result(), 0, 0, 3).message, std::string("unit 3 is outside 0..2"));
    }
};

QTEST_MAIN(TstEquationView)
#include "tst_equation_view.moc"
