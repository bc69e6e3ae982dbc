// Opening models into the window: any weight file the engine reads (Keras .h5 / .weights.h5 /
// .keras, PyTorch .safetensors / .npz, Keras-layout .npz) or a layer config .json. The window
// shows one GRU at a time: a file with several GRUs (stacked layers, a Bidirectional's two
// halves) asks which one. Everything is read and checked before the document changes, so a
// corrupt file leaves the current model as it was.
#pragma once

#include "model/document.h"

#include "gruscope/isolated_parse.h"
#include "gruscope/weightfile.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace gsui {

// What kind of file a path is, by name and content. An .npz is read to tell weights from an
// input batch; when it holds weights, `weightsRead` (if given) receives them, so that the caller
// does not read the file a second time.
enum class FileRole { Session, Config, Weights, Input, Unknown };
FileRole guessFileRole(const QString& path, std::optional<gruscope::LoadedWeightFile>* weightsRead = nullptr);

// One line per GRU for a chooser: "gru_1 · GRU · 64 units · reset_after=True".
QStringList layerLabels(const gruscope::WeightFileInfo& info);

// Lists and reads a weight file as the window does: in the gruscope-parse child under
// windowLimits() (model/limits.h). Throws gruscope::Error naming the file and what happened.
gruscope::LoadedWeightFile readWeightFile(const QString& path, const std::atomic<bool>* cancel = nullptr);

// Puts layer `index` of a read file into the document (arguments from the file, weights).
// Throws gruscope::Error; the document is unchanged then.
void loadLayer(Document& doc, const gruscope::LoadedWeightFile& file, int index);

// The input kept beside a weight file: input.npy in the same folder ((batch, timesteps, features),
// or (timesteps, features) for one sequence) and, if there, mask.npy ((batch, timesteps), 1 =
// keep), as the bundled examples and many training folders keep them. It replaces the window's
// input when that is not the user's own (Document::InputSource::Given) and its features are the
// layer's; the mask then comes from mask.npy or is cleared. Never throws: a file that cannot be
// used is named in the returned line, for the status bar, with the reason. Empty when there is
// no input.npy or the user's input stays.
QString loadInputBeside(Document& doc, const QString& weightPath);

// A config .json: its arguments. The current weights stay when their shapes fit the new
// arguments (a config given beside a weight file); otherwise fresh weights come from its
// initialisers (feature count kept from the current input). A config that names no flavor takes
// the flavor of the weight file the current model came from, when that file records it, so that
// a Keras 2 file's hard_sigmoid stays 0.2·x + 0.5.
void loadConfigOnly(Document& doc, const QString& path);

// The document's layer written to `path` (format by extension, see gruscope::writeFormatFromPath)
// or, for .json, its config. Throws gruscope::Error.
void saveModel(const Document& doc, const QString& path);

} // namespace gsui
