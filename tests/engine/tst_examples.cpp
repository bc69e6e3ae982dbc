// The bundled examples (resources/examples, trained by real Keras with tools/make_examples.py)
// must run in GruScope exactly as in Keras: they are what a new user sees first.
#include "gruscope/config.h"
#include "gruscope/layer.h"
#include "gruscope/npy.h"
#include "test_support.h"

#include <QTest>

#include <filesystem>

using namespace gruscope;

class TstExamples : public QObject {
    Q_OBJECT

private slots:
    void matchesKeras_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* n : {"sine", "parity", "masked_sum"})
            QTest::newRow(n) << QString::fromLatin1(n);
    }

    void matchesKeras()
    {
        QFETCH(QString, name);
        const std::string dir = std::string(GRUSCOPE_SOURCE_DIR) + "/resources/examples/" + name.toStdString() + "/";
        const ParsedConfig parsed = readConfigFile(dir + "config.json");
        QVERIFY(parsed.issues.empty());
        GruWeights w;
        for (auto& [k, a] : npy::readNpz(dir + "weights.npz")) {
            if (k == "kernel")
                w.kernel = a.toFloat();
            else if (k == "recurrent_kernel")
                w.recurrentKernel = a.toFloat();
            else if (k == "bias")
                w.bias = a.toFloat();
        }
        GruLayer layer(parsed.config, w);
        CallInputs in;
        in.x = npy::readNpyAsFloat(dir + "input.npy");
        if (std::filesystem::exists(dir + "mask.npy"))
            in.mask = npy::readNpy(dir + "mask.npy").toMask("mask.npy");
        ArrayF output, state;
        for (auto& [k, a] : npy::readNpz(dir + "expected.npz")) {
            if (k == "output")
                output = a.toFloat();
            else if (k == "state")
                state = a.toFloat();
        }
        for (BackendKind b : {BackendKind::Cpu, BackendKind::Reference}) {
            const RunResult r = layer.call(in, b);
            GS_VERIFY_CLOSE(r.output, output, 1e-5, 1e-5);
            GS_VERIFY_CLOSE(r.state, state, 1e-5, 1e-5);
        }
    }
};

QTEST_GUILESS_MAIN(TstExamples)
#include "tst_examples.moc"
