#include "layer_source.h"

#include "cli_common.h"

#include "gruscope/error.h"
#include "gruscope/input_files.h"
#include "gruscope/npy.h"

#include <filesystem>

namespace cli {

using namespace gruscope;

std::string listLayers(const WeightFileInfo& info)
{
    std::string s;
    for (const auto& l : info.layers)
        s += "\n  " + l.name + "  " + l.kind + " kernel " + shapeToString(l.kernelShape) +
             (l.wrapper.empty() ? "" : "  (" + l.direction + " half of " + l.wrapper + ")");
    return s;
}

LayerChoice chooseLayer(const std::string& path, const std::string& name)
{
    LayerChoice c;
    c.loaded = loadWeights(path);
    const auto& layers = c.file().layers;
    if (layers.empty())
        throw Error(ErrorCode::InvalidArgument, path + ": the file holds no GRU layer (" + c.file().formatDetail + ")");
    if (name.empty()) {
        if (layers.size() == 1) {
            c.layers = {&layers[0]};
            return c;
        }
        if (layers.size() == 2 && !layers[0].wrapper.empty() && layers[0].wrapper == layers[1].wrapper) {
            c.layers = {&layers[0], &layers[1]};
            c.mergeMode = layers[0].mergeMode;
            return c;
        }
        throw Error(ErrorCode::InvalidArgument, path + " holds " + std::to_string(layers.size()) +
                                                    " GRU layers; choose one with --layer:" + listLayers(c.file()));
    }
    for (const auto& l : layers)
        if (l.name == name) {
            c.layers = {&l};
            return c;
        }
    for (const auto& l : layers)
        if (l.wrapper == name)
            c.layers.push_back(&l);
    if (c.layers.size() == 2) {
        if (c.layers[0]->direction != "forward")
            std::swap(c.layers[0], c.layers[1]);
        c.mergeMode = c.layers[0]->mergeMode;
        return c;
    }
    throw Error(ErrorCode::InvalidArgument, path + ": no GRU layer named '" + name + "'; the file holds:" + listLayers(c.file()));
}


std::optional<FileFlavor> fileFlavor(const LayerChoice& choice, const std::string& path)
{
    // Only a file that says which Keras wrote it (a version, or the layer's own config) knows.
    const GruLayerInfo& layer = *choice.layers[0];
    if (choice.file().kerasVersion.empty() && !layer.configFromFile)
        return std::nullopt;
    return FileFlavor{layer.config.flavor, path,
                      choice.file().kerasVersion.empty() ? choice.file().formatDetail : "Keras " + choice.file().kerasVersion};
}

LoadedCall loadCall(const CallSource& src)
{
    const auto flavor = parseFlavor(src.flavor);
    LoadedCall out;
    if (src.config.empty() && src.weights.empty())
        throw UsageError{src.command + " needs --config, --weights (a file that records the layer's arguments), or both"};
    if (!src.layer.empty() && src.weights.empty())
        throw UsageError{"--layer names a layer inside the --weights file"};

    // Weights from a file (Keras, PyTorch or NumPy); the file's arguments unless --config is given.
    std::optional<LayerChoice>& choice = out.choice;
    if (!src.weights.empty())
        choice = chooseLayer(src.weights, src.layer);
    GruConfig& config = out.config;
    if (!src.config.empty()) {
        config = loadConfig(src.config, flavor, src.quiet, choice ? fileFlavor(*choice, src.weights) : std::nullopt);
    } else {
        config = choice->layers[0]->config;
        if (flavor)
            config.flavor = *flavor;
        if (!src.quiet && !choice->layers[0]->configFromFile)
            for (const auto& as : choice->layers[0]->assumptions)
                printNote(src.weights + ": assumed " + as);
    }

    CallInputs& in = out.inputs;
    in.memoryLimitBytes = maxRunMiB() << 20;
    // .npy as given (B, T, I); .csv (one row per step, optional header and sample column) and
    // .npz (array 'x', 'input' or the first) through the input-file reader.
    const auto ext = std::filesystem::path(src.input).extension().string();
    if (ext == ".csv" || ext == ".txt" || ext == ".npz") {
        InputReadOptions options;
        options.maxElements = maxElements();
        InputFile f = readInputFileDetailed(src.input, options);
        if (!src.quiet)
            for (const auto& n : f.notes)
                printNote(src.input + ": " + n);
        in.x = std::move(f.x);
    } else {
        in.x = npy::readNpyAsFloat(src.input, arrayLimits());
    }
    if (!src.mask.empty())
        in.mask = loadMask(src.mask);
    if (!src.initialState.empty())
        in.initialState = npy::readNpyAsFloat(src.initialState, arrayLimits());
    in.training = src.training;
    in.seed = uint64_t(src.seed);

    if (in.x.rank() != 3)
        throw Error(ErrorCode::ShapeMismatch, src.input + ": input has shape " + shapeToString(in.x.shape) + "; expected " +
                                                  (config.time_major ? "(timesteps, batch, features)" : "(batch, timesteps, features)"));
    GruWeights& weights = out.weights;
    std::string& weightsFrom = out.weightsFrom;
    if (choice) {
        weights = choice->loaded.weights(*choice->layers[0]);
        weightsFrom = src.weights + " (" + choice->layers[0]->name + ")";
        if (choice->layers.size() == 2) {
            GruConfig bc = src.config.empty() ? choice->layers[1]->config : config;
            if (!src.config.empty())
                bc.go_backwards = !config.go_backwards;
            out.backwardConfig = bc;
            out.backwardWeights = choice->loaded.weights(*choice->layers[1]);
            weightsFrom = src.weights + " (Bidirectional " + choice->layers[0]->wrapper + ", merge " + choice->mergeMode + ")";
        }
    } else {
        weights = initializeWeights(config, in.x.shape[2], uint64_t(src.seed));
        weightsFrom = "made by the config's initializers with seed " + std::to_string(src.seed);
    }
    return out;
}

} // namespace cli
