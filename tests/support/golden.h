// The Keras-generated golden matrix (tests/data/golden, made by tools/make_golden.py with real
// Keras): its manifest, one case's arrays, and the layer and inputs each case describes.
#pragma once

#include "gruscope/layer.h"
#include "gruscope/npy.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace gstest {

struct GoldenCase {
    nlohmann::json meta;
    std::map<std::string, gruscope::npy::NpyArray> arrays;

    bool has(const std::string& k) const { return arrays.count(k) != 0; }
    gruscope::ArrayF f(const std::string& k) const { return arrays.at(k).toFloat(); }
    gruscope::ArrayD d(const std::string& k) const { return arrays.at(k).toDouble(); }
    std::string name() const { return meta["name"].get<std::string>(); }
    int calls() const { return meta["calls"].get<int>(); }
    // "" for the first call, "_1" for the second (stateful cases).
    static std::string suffix(int call) { return call == 0 ? std::string() : "_" + std::to_string(call); }
};

const nlohmann::json& goldenManifest();
GoldenCase loadGoldenCase(size_t index);

// The case's config as parsed by the engine (QVERIFY-style failure message in `why` when its
// config does not parse), with the `implementation` Keras 3 does not serialise.
gruscope::GruConfig goldenConfig(const GoldenCase& c, std::string* why = nullptr);
gruscope::GruWeights goldenWeights(const GoldenCase& c);
gruscope::CallInputs goldenInputs(const GoldenCase& c, int call);

} // namespace gstest
