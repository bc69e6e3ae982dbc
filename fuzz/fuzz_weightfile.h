// What fuzz_weightfile and fuzz_keras_archive do with a file once it is on disk: list its GRU
// layers, read each one's weights, and run each layer that can be built once (batch 1, two
// timesteps) on the CPU backend. gruscope::Error is the expected outcome at every step.
#pragma once

#include "fuzz_common.h"

#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "gruscope/weightfile.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>

namespace gruscope::fuzz {

inline void exerciseWeightFile(const std::string& path)
{
    WeightReadLimits limits;
    limits.maxElements = int64_t(1) << 20;
    limits.maxArchiveMemberBytes = int64_t(64) << 20;
    std::optional<WeightFileInfo> info;
    try {
        info = openWeightFile(path, limits);
    } catch (const Error&) {
        return;
    }
    // What the CLI does with the model config as stored (gruscope-cli weights --json): parse and
    // write it again. It must not crash on anything openWeightFile passes on.
    if (!info->modelConfigJson.empty()) {
        try {
            (void)nlohmann::ordered_json::parse(info->modelConfigJson).dump();
        } catch (const nlohmann::json::exception&) {
        }
    }
    for (const GruLayerInfo& layer : info->layers) {
        FUZZ_CHECK(info->find(layer.name) != nullptr);
        GruWeights w;
        try {
            w = readGruWeights(*info, layer, limits);
        } catch (const Error&) {
            continue;
        }
        FUZZ_CHECK(int64_t(w.kernel.data.size()) == shapeElementCount(w.kernel.shape));
        FUZZ_CHECK(int64_t(w.recurrentKernel.data.size()) == shapeElementCount(w.recurrentKernel.shape));
        FUZZ_CHECK(w.bias.empty() || int64_t(w.bias.data.size()) == shapeElementCount(w.bias.shape)); // empty: no bias
        try {
            const int64_t inputSize = w.inputSize();
            GruLayer gru(layer.config, std::move(w));
            CallInputs in;
            const Shape shape = gru.config().time_major ? Shape{2, 1, inputSize} : Shape{1, 2, inputSize};
            in.x = ArrayF(shape, 0.5f);
            const RunResult r = gru.call(in, BackendKind::Cpu);
            FUZZ_CHECK(int64_t(r.output.data.size()) == shapeElementCount(r.output.shape));
            FUZZ_CHECK(r.state.shape == (Shape{1, gru.config().units}));
        } catch (const Error&) {
        }
    }
}

} // namespace gruscope::fuzz
