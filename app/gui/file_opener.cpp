#include "file_opener.h"

#include "model/engine_qt.h"

#include "gruscope/error.h"
#include "gruscope/weightfile.h"

#include <QFileInfo>
#include <QInputDialog>
#include <QObject>

namespace gsui {

using namespace gruscope;

std::optional<OpenedFile> openFileInto(Document& doc, const QString& path, const FileOpenHandlers& handlers)
{
    OpenedFile opened;
    opened.role = guessFileRole(path);
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
        const WeightFileInfo info = openWeightFile(ss(path));
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
        loadLayer(doc, info, index);
        break;
    }
    case FileRole::Unknown:
        throw Error(ErrorCode::Unsupported,
                    ss(QObject::tr("GruScope does not know this kind of file (open .h5, .weights.h5, .keras, "
                                   ".safetensors, .npz, a config or session .json, or an input .npy/.csv)")));
    }
    return opened;
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
