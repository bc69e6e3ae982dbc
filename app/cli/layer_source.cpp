#include "layer_source.h"

#include "cli_common.h"

#include "gruscope/error.h"

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
    c.file = openWeightFile(path);
    const auto& layers = c.file.layers;
    if (layers.empty())
        throw Error(ErrorCode::InvalidArgument, path + ": the file holds no GRU layer (" + c.file.formatDetail + ")");
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
                                                    " GRU layers; choose one with --layer:" + listLayers(c.file));
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
    throw Error(ErrorCode::InvalidArgument, path + ": no GRU layer named '" + name + "'; the file holds:" + listLayers(c.file));
}

} // namespace cli
