#include "file_opener.h"

#include "model/engine_qt.h"
#include "model/limits.h"

#include "gruscope/error.h"
#include "gruscope/weightfile.h"

#include <QEventLoop>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QProgressDialog>
#include <QtConcurrent/QtConcurrentRun>
#include <QInputDialog>
#include <QObject>

namespace gsui {

using namespace gruscope;

std::optional<OpenedFile> openFileInto(Document& doc, const QString& path, const FileOpenHandlers& handlers)
{
    OpenedFile opened;
    std::optional<LoadedWeightFile> alreadyRead; // an .npz that was read to tell what it is
    opened.role = guessFileRole(path, &alreadyRead);
    switch (opened.role) {
    case FileRole::Session:
        // sessionFromJson checks every field before it changes the document (tst_session).
        loadSession(path, doc, &opened.extras);
        break;
    case FileRole::Config:
        loadConfigOnly(doc, path);
        break;
    case FileRole::Input: {
        QString why;
        if (!handlers.importInput || !handlers.importInput(path, &why))
            throw Error(ErrorCode::BadFile, ss(why));
        break;
    }
    case FileRole::Weights: {
        auto read = std::make_shared<LoadedWeightFile>(alreadyRead           ? std::move(*alreadyRead)
                                                       : handlers.readWeights ? handlers.readWeights(path)
                                                                              : readWeightFile(path));
        const LoadedWeightFile& file = *read;
        const WeightFileInfo& info = file.info;
        if (info.layers.empty())
            throw Error(ErrorCode::Unsupported,
                        "no GRU layer in this file" +
                            (info.diagnostics.empty() ? std::string() : " (" + info.diagnostics.front().message + ")"));
        int index = 0;
        if (info.layers.size() > 1) {
            index = handlers.chooseLayer ? handlers.chooseLayer(path, layerLabels(info)) : -1;
            if (index < 0)
                return std::nullopt;
        }
        loadLayer(doc, file, index);
        opened.inputNote = loadInputBeside(doc, path);
        opened.weightFile = std::move(read);
        opened.layer = index;
        break;
    }
    case FileRole::Unknown:
        throw Error(ErrorCode::Unsupported,
                    ss(QObject::tr("GruScope does not know this kind of file (open .h5, .weights.h5, .keras, "
                                   ".safetensors, .npz, a config or session .json, or an input .npy/.csv)")));
    }
    return opened;
}

LoadedWeightFile readWeightsWithProgress(QWidget* parent, const QString& path)
{
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    auto result = std::make_shared<std::optional<LoadedWeightFile>>();
    auto failure = std::make_shared<std::exception_ptr>();
    QEventLoop loop;
    QFutureWatcher<void> watcher;
    QObject::connect(&watcher, &QFutureWatcher<void>::finished, &loop, &QEventLoop::quit);
    QProgressDialog dialog(QObject::tr("Reading %1 in a separate process…").arg(QFileInfo(path).fileName()),
                           QObject::tr("Cancel"), 0, 0, parent);
    dialog.setWindowTitle(QObject::tr("Opening"));
    dialog.setWindowModality(Qt::WindowModal);
    dialog.setMinimumDuration(400);
    QObject::connect(&dialog, &QProgressDialog::canceled, [cancel] { cancel->store(true); });
    watcher.setFuture(QtConcurrent::run([path, cancel, result, failure] {
        try {
            *result = readWeightFile(path, cancel.get());
        } catch (...) {
            *failure = std::current_exception();
        }
    }));
    if (!watcher.isFinished())
        loop.exec();
    watcher.waitForFinished();
    if (*failure)
        std::rethrow_exception(*failure);
    return std::move(**result);
}

int askForLayer(QWidget* parent, const QString& path, const QStringList& labels)
{
    bool ok = false;
    const QString pick = QInputDialog::getItem(
        parent, QObject::tr("Choose a GRU layer"),
        QObject::tr("%1 holds %2 GRU layers. Which one?").arg(QFileInfo(path).fileName()).arg(labels.size()), labels, 0,
        false, &ok);
    return ok ? int(labels.indexOf(pick)) : -1;
}

} // namespace gsui
