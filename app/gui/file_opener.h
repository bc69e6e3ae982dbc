// Opening a file in the window by what it is (model/model_files.h tells by name and content): a
// session replaces everything, a layer config the arguments (with fresh weights), a weight file the
// model (asking which GRU when it holds several) and the input.npy kept beside it, unless the
// input is the user's own, an input file the input. Every file is read and
// checked before the document changes, so a bad one leaves the window as it was.
#pragma once

#include "model/model_files.h"
#include "model/session.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QWidget;

namespace gsui {

struct FileOpenHandlers {
    // Which GRU of a file with several: an index into `labels`, or −1 for none.
    std::function<int(const QString& path, const QStringList& labels)> chooseLayer;
    // Reads an input file into the document as the Input panel does; false with the reason.
    std::function<bool(const QString& path, QString* why)> importInput;
    // Lists and reads a weight file (the window: in the gruscope-parse child on a worker thread,
    // with a progress dialog that can cancel it). Default: readWeightFile on this thread.
    std::function<gruscope::LoadedWeightFile(const QString& path)> readWeights;
};

struct OpenedFile {
    FileRole role = FileRole::Unknown;
    SessionExtras extras; // what a session holds beyond the document (layout, central view)
    // A weight file: everything read from it (the File panel shows its tree, and another of its
    // layers loads from it without reading the file again) and the layer put in the document.
    std::shared_ptr<const gruscope::LoadedWeightFile> weightFile;
    int layer = -1;
    QString inputNote; // the input beside the weight file: used, or why not (loadInputBeside)
};

// Opens `path` into `doc`. Throws gruscope::Error naming what is wrong, with the document
// unchanged; nullopt when no layer was chosen.
std::optional<OpenedFile> openFileInto(Document& doc, const QString& path, const FileOpenHandlers& handlers);

// Reads a weight file (readWeightFile) on a worker thread while the window stays responsive; a
// progress dialog with Cancel appears when it takes more than 400 ms. Throws what readWeightFile
// throws (Error(Cancelled) when cancelled).
gruscope::LoadedWeightFile readWeightsWithProgress(QWidget* parent, const QString& path);

// Asks which GRU layer of `path` to open (a dialog on `parent`); −1 when the user declines.
int askForLayer(QWidget* parent, const QString& path, const QStringList& labels);

} // namespace gsui
