#include "golden.h"

#include "test_support.h"

#include <fstream>

using namespace gruscope;

namespace gstest {

const nlohmann::json& goldenManifest()
{
    static const nlohmann::json m = [] {
        std::ifstream in(dataPath("golden/manifest.json"));
        return nlohmann::json::parse(in);
    }();
    return m;
}

GoldenCase loadGoldenCase(size_t index)
{
    GoldenCase c;
    c.meta = goldenManifest()["cases"][index];
    for (auto& [name, arr] : npy::readNpz(dataPath("golden/" + c.meta["file"].get<std::string>())))
        c.arrays.emplace(name, std::move(arr));
    return c;
}

GruConfig goldenConfig(const GoldenCase& c, std::string* why)
{
    ParsedConfig parsed = parseConfigJson(c.meta["config"].dump(), flavorFromName(c.meta["flavor"].get<std::string>()),
                                          "golden config");
    if (why)
        for (const auto& i : parsed.issues)
            *why += i.message() + "; ";
    // Keras 3 does not serialise `implementation`; the case records what was passed.
    if (c.meta.contains("layer_kwargs") && c.meta["layer_kwargs"].contains("implementation"))
        parsed.config.implementation = c.meta["layer_kwargs"]["implementation"].get<int>();
    return parsed.config;
}

GruWeights goldenWeights(const GoldenCase& c)
{
    GruWeights w;
    w.kernel = c.f("kernel");
    w.recurrentKernel = c.f("recurrent_kernel");
    if (c.has("bias"))
        w.bias = c.f("bias");
    return w;
}

CallInputs goldenInputs(const GoldenCase& c, int call)
{
    const std::string sfx = GoldenCase::suffix(call);
    CallInputs in;
    in.x = c.f("x" + sfx);
    if (c.has("mask" + sfx))
        in.mask = c.arrays.at("mask" + sfx).toMask("mask" + sfx);
    if (c.has("initial_state" + sfx))
        in.initialState = c.f("initial_state" + sfx);
    return in;
}

} // namespace gstest
