// Activation names, aliases and the float32 path against the float64 one. (Agreement with Keras
// for every name in both slots is in tst_golden.)
#include "gruscope/activations.h"
#include "test_support.h"

#include <QTest>

#include <cmath>

using namespace gruscope;

class TstActivations : public QObject {
    Q_OBJECT

private slots:
    void namesAndAliases()
    {
        QCOMPARE(activationNames().size(), size_t(19));
        for (const auto& n : activationNames()) {
            const auto k = activationFromName(n);
            QVERIFY2(k.has_value(), n.c_str());
            QCOMPARE(std::string(activationName(*k)), n);
            QVERIFY(!activationFormula(*k, Flavor::Keras3).empty());
        }
        QCOMPARE(activationFromName("swish"), std::optional(ActivationKind::Silu));
        QCOMPARE(activationFromName("hard_swish"), std::optional(ActivationKind::HardSilu));
        QCOMPARE(activationFromName("None"), std::optional(ActivationKind::Linear));
        QVERIFY(!activationFromName("Tanh").has_value()); // Keras names are case-sensitive
        QVERIFY(!activationFromName("swish2").has_value());
    }

    void hardSigmoidDependsOnFlavor()
    {
        // Keras 3: relu6(x + 3)/6; tf.keras: clip(0.2x + 0.5, 0, 1).
        QCOMPARE(activationScalar(ActivationKind::HardSigmoid, Flavor::Keras3, 1.5), 0.75);
        QCOMPARE(activationScalar(ActivationKind::HardSigmoid, Flavor::TfKeras, 1.5), 0.8);
        QCOMPARE(activationScalar(ActivationKind::HardSigmoid, Flavor::Keras3, 3.0), 1.0);
        QCOMPARE(activationScalar(ActivationKind::HardSigmoid, Flavor::TfKeras, -2.5), 0.0);
    }

    void floatPathMatchesDouble_data()
    {
        QTest::addColumn<QString>("name");
        for (const auto& n : activationNames())
            QTest::newRow(n.c_str()) << QString::fromStdString(n);
    }

    void floatPathMatchesDouble()
    {
        // The float32 path (Eigen's vectorised tanh/sigmoid for those two) stays within float
        // rounding of the float64 formulas, including the tails.
        QFETCH(QString, name);
        const ActivationKind k = *activationFromName(name.toStdString());
        std::vector<float> xf;
        for (double x = -12.0; x <= 12.0; x += 0.173)
            xf.push_back(float(x));
        std::vector<double> xd(xf.begin(), xf.end());
        applyActivation(k, Flavor::Keras3, xf.data(), int64_t(xf.size()));
        applyActivation(k, Flavor::Keras3, xd.data(), int64_t(xd.size()));
        for (size_t i = 0; i < xf.size(); ++i) {
            const double tol = 3e-6 * std::max(1.0, std::abs(xd[i]));
            QVERIFY2(std::abs(double(xf[i]) - xd[i]) <= tol,
                     (name.toStdString() + " at " + std::to_string(i) + ": " + std::to_string(xf[i]) + " vs " + std::to_string(xd[i])).c_str());
        }
    }

    void softmaxIsOverTheUnits()
    {
        std::vector<double> v{1.0, 2.0, 3.0, 1000.0};
        applyActivation(ActivationKind::Softmax, Flavor::Keras3, v.data(), 4);
        double sum = 0;
        for (double x : v) {
            QVERIFY(std::isfinite(x));
            sum += x;
        }
        QVERIFY(std::abs(sum - 1.0) < 1e-12);
        QVERIFY(v[3] > 0.999);
    }

    void stableTails()
    {
        QCOMPARE(activationScalar(ActivationKind::Softplus, Flavor::Keras3, 800.0), 800.0);
        QVERIFY(std::isfinite(activationScalar(ActivationKind::LogSigmoid, Flavor::Keras3, -800.0)));
        QCOMPARE(activationScalar(ActivationKind::Sigmoid, Flavor::Keras3, -800.0), 0.0);
        QCOMPARE(activationScalar(ActivationKind::Relu6, Flavor::Keras3, 9.0), 6.0);
    }
};

QTEST_GUILESS_MAIN(TstActivations)
#include "tst_activations.moc"
