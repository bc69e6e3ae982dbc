// fault-writer: writes the files the window writes (a session, the model in each weight format,
// a view's data, a figure, the autosave) with the window's own code, so that tst_gui_faults can
// kill it in the middle of a write or starve it of disk space and then look at what is left.
//
//   fault-writer loop KIND PATH [FROM]
//                                     write PATH again and again with markers FROM+1, FROM+2, ...;
//                                     prints "begin n" before and "end n" after each write
//   fault-writer once KIND PATH N [FSIZE]
//                                     write PATH once with marker N; exit 2 with the error on failure.
//                                     FSIZE: set RLIMIT_FSIZE to that many bytes first (after the
//                                     document is ready), so that the write meets a "full disk"
//   fault-writer read KIND PATH       print the marker PATH holds ("marker N"); exit 2 when it
//                                     cannot be read whole
//
// KIND: session, keras, weights.h5, h5, safetensors, npz (the model), csv, data.npz (a view's
// numbers), png (a figure), autosave (PATH is the autosave folder; the session goes through
// Autosave::saveNow, the marker file says this process owns it). The marker is a number stored
// in the content (an input value, a kernel weight, a table cell) so the reader can say which
// write a file came from.
#include "autosave.h"
#include "model/document.h"
#include "model/examples.h"
#include "model/model_files.h"
#include "model/session.h"
#include "plots/exportable.h"
#include "plots/plot_export.h"

#include "gruscope/error.h"
#include "gruscope/npy.h"
#include "gruscope/weightfile.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QFile>
#include <QImage>

#include <csignal>
#include <sys/resource.h>
#include <cstdio>
#include <string>

using namespace gsui;

namespace {

const QStringList kModelKinds{"keras", "weights.h5", "h5", "safetensors", "npz"};

// A document big enough that one write takes a while (a kill then often lands inside it): the
// bundled sine example with a 4 × 2000-step input.
void prepare(Document& doc)
{
    loadExample(doc, QStringLiteral("sine"));
    const int64_t I = doc.input().shape[2];
    gruscope::ArrayF x({4, 2000, I});
    for (size_t k = 0; k < x.data.size(); ++k)
        x.data[k] = float(k % 97) / 97.0f;
    doc.setInput(std::move(x));
}

void setMarker(Document& doc, const QString& kind, int n)
{
    if (kModelKinds.contains(kind)) {
        gruscope::GruWeights w = *doc.weights();
        w.kernel.data[0] = float(n);
        doc.setWeights(std::move(w));
    } else {
        doc.setInputValue(0, 0, 0, float(n));
    }
}

std::vector<ShownData> tables(int n)
{
    ShownData t;
    t.name = QStringLiteral("h");
    t.rows = 2000;
    t.columns = 16;
    t.values.assign(size_t(t.rows * t.columns), 0.25);
    t.values[0] = n;
    return {t};
}

void write(const QString& kind, const QString& path, Document& doc, Autosave* autosave, QCustomPlot* plot, int n)
{
    if (kind == QLatin1String("session")) {
        setMarker(doc, kind, n);
        saveSession(path, doc);
    } else if (kModelKinds.contains(kind)) {
        setMarker(doc, kind, n);
        saveModel(doc, path);
    } else if (kind == QLatin1String("csv") || kind == QLatin1String("data.npz")) {
        saveShownData(tables(n), path);
    } else if (kind == QLatin1String("png")) {
        plot->graph(0)->setData({0.0, 1.0, 2.0}, {0.0, double(n), 1.0});
        plot->rescaleAxes();
        savePlotFigure(plot, path, 1600, 1200);
    } else if (kind == QLatin1String("autosave")) {
        setMarker(doc, kind, n);
        doc.setModified(true);
        if (!autosave->saveNow())
            throw gruscope::Error(gruscope::ErrorCode::BadFile, autosave->lastError().toStdString());
    } else {
        throw gruscope::Error(gruscope::ErrorCode::InvalidArgument, "unknown kind " + kind.toStdString());
    }
}

// The marker a file holds; throws when it cannot be read whole.
double readMarker(const QString& kind, const QString& path)
{
    if (kind == QLatin1String("session") || kind == QLatin1String("autosave")) {
        Document doc;
        loadSession(path, doc);
        return doc.input().data.at(0);
    }
    if (kModelKinds.contains(kind)) {
        const gruscope::WeightFileInfo info = gruscope::openWeightFile(path.toStdString());
        if (info.layers.empty())
            throw gruscope::Error(gruscope::ErrorCode::BadFile, "no GRU layer in " + path.toStdString());
        return gruscope::readGruWeights(info, info.layers.front()).kernel.data.at(0);
    }
    if (kind == QLatin1String("csv")) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            throw gruscope::Error(gruscope::ErrorCode::BadFile, "cannot open " + path.toStdString());
        const QList<QByteArray> lines = f.readAll().split('\n');
        // 2000 rows of 16 numbers, each row ending in a newline.
        int rows = 0;
        for (const QByteArray& l : lines)
            rows += l.isEmpty() ? 0 : 1;
        if (rows != 2000 || !lines.last().isEmpty() || lines.at(1999).split(',').size() != 16)
            throw gruscope::Error(gruscope::ErrorCode::BadFile, "a cut CSV: " + std::to_string(rows) + " lines");
        bool ok = false;
        const double v = lines.at(0).split(',').value(0).toDouble(&ok);
        if (!ok)
            throw gruscope::Error(gruscope::ErrorCode::BadFile, "the first cell is not a number: " + lines.at(0).toStdString());
        return v;
    }
    if (kind == QLatin1String("data.npz")) {
        const auto arrays = gruscope::npy::readNpz(path.toStdString());
        if (arrays.empty())
            throw gruscope::Error(gruscope::ErrorCode::BadFile, "an empty .npz");
        return arrays.front().second.toDouble().data.at(0);
    }
    if (kind == QLatin1String("png")) {
        QImage image;
        // 1600 × 1200 at twice the pixel density, as the window exports figures.
        if (!image.load(path) || image.width() != 3200 || image.height() != 2400)
            throw gruscope::Error(gruscope::ErrorCode::BadFile, "not a whole 3200 × 2400 PNG");
        return 0; // a figure carries no marker that can be read back; whole is what counts
    }
    throw gruscope::Error(gruscope::ErrorCode::InvalidArgument, "unknown kind " + kind.toStdString());
}

} // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 4) {
        std::fprintf(stderr, "usage: fault-writer loop|once|read KIND PATH [N]\n");
        return 64;
    }
    // Like the window and the CLI: a write past RLIMIT_FSIZE fails with EFBIG instead of killing us.
    std::signal(SIGXFSZ, SIG_IGN);
    const QString& mode = args[1];
    const QString& kind = args[2];
    const QString& path = args[3];
    try {
        if (mode == QLatin1String("read")) {
            std::printf("marker %g\n", readMarker(kind, kind == QLatin1String("autosave") ? path + "/autosave.gruscope.json" : path));
            return 0;
        }
        Document doc;
        prepare(doc);
        std::unique_ptr<Autosave> autosave;
        if (kind == QLatin1String("autosave")) {
            autosave = std::make_unique<Autosave>(&doc, path);
            autosave->start();
        }
        QCustomPlot plot;
        plot.resize(1600, 1200);
        plot.addGraph();
        if (mode == QLatin1String("once")) {
            if (args.size() > 5) {
                const rlimit lim{rlim_t(args[5].toLongLong()), rlim_t(args[5].toLongLong())};
                ::setrlimit(RLIMIT_FSIZE, &lim);
            }
            write(kind, path, doc, autosave.get(), &plot, args.value(4).toInt());
            return 0; // no finishCleanly(): an autosave stays recoverable, as after a crash
        }
        for (int n = args.value(4).toInt() + 1;; ++n) {
            std::printf("begin %d\n", n);
            std::fflush(stdout);
            write(kind, path, doc, autosave.get(), &plot, n);
            std::printf("end %d\n", n);
            std::fflush(stdout);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 2;
    }
}
