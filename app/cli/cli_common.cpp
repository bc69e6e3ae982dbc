#include "cli_common.h"

#include "gruscope/error.h"
#include "gruscope/npy.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace cli {

using namespace gruscope;

GruConfig loadConfig(const std::string& path, std::optional<Flavor> flavor, bool quiet,
                     const std::optional<FileFlavor>& fileFlavor)
{
    ParsedConfig parsed = readConfigFile(path, flavor);
    if (!parsed.flavorNamed && fileFlavor) {
        // Nothing in the config says which Keras wrote it; the weight file does.
        parsed = readConfigFile(path, fileFlavor->flavor);
        parsed.notes.push_back(path + ": names no flavor; " + flavorName(fileFlavor->flavor) + " is taken from " +
                               fileFlavor->file + (fileFlavor->why.empty() ? "" : " (" + fileFlavor->why + ")") +
                               "; pass --flavor to override");
    }
    if (!quiet)
        for (const auto& n : parsed.notes)
            printNote(n);
    if (!parsed.issues.empty()) {
        std::string msg = path + ": invalid GRU arguments:";
        for (const auto& i : parsed.issues)
            msg += "\n  " + i.message();
        throw Error(ErrorCode::InvalidArgument, msg);
    }
    return parsed.config;
}

int64_t& maxRunMiB()
{
    static int64_t limit = 0;
    return limit;
}

int64_t& maxElements()
{
    static int64_t limit = kDefaultMaxElements;
    return limit;
}

WeightReadLimits weightLimits()
{
    WeightReadLimits l;
    l.maxElements = maxElements();
    return l;
}

bool& isolateParsing()
{
    static bool isolate = defaultParseOptions().isolate;
    return isolate;
}

double& parseTimeoutSeconds()
{
    static double seconds = defaultParseOptions().timeoutSeconds;
    return seconds;
}

LoadedWeightFile loadWeights(const std::string& path)
{
    ParseOptions options = defaultParseOptions();
    options.limits = weightLimits();
    options.isolate = isolateParsing();
    options.timeoutSeconds = parseTimeoutSeconds();
    return loadWeightFile(path, options);
}

npy::ReadLimits arrayLimits()
{
    npy::ReadLimits l;
    l.maxElements = maxElements();
    return l;
}

ArrayU8 loadMask(const std::string& path)
{
    return npy::readNpy(path, arrayLimits()).toMask(path);
}

std::optional<Flavor> parseFlavor(const std::string& text)
{
    if (text.empty())
        return std::nullopt;
    auto f = flavorFromName(text);
    if (!f)
        throw UsageError{"--flavor " + text + ": allowed are keras3 and tf_keras"};
    return f;
}

std::string stats(const ArrayF& a)
{
    if (a.data.empty())
        return "empty";
    double mn = a.data[0], mx = a.data[0], sum = 0;
    for (float v : a.data) {
        mn = std::min<double>(mn, v);
        mx = std::max<double>(mx, v);
        sum += v;
    }
    std::ostringstream s;
    s.precision(4);
    s << "min " << mn << "  max " << mx << "  mean " << sum / double(a.data.size());
    return s.str();
}

void printNote(const std::string& note)
{
    std::cerr << "note: " << note << '\n';
}

void addGpuOptions(CLI::App* cmd, GpuArgs& a)
{
    cmd->add_flag("--tf32", a.tf32, "cudnn: let cuDNN use TF32 on Ampere and newer (default: FMA math, float32 products)");
    cmd->add_option("--cudnn-algo", a.algo, "cudnn: standard, small_h (PERSIST_STATIC_SMALL_H) or dynamic (PERSIST_DYNAMIC)")
        ->capture_default_str();
    cmd->add_flag("--raw-padded-outputs", a.rawPadded,
                  "cudnn: keep cuDNN's zeros at padded steps (what Keras's cuDNN path returns) instead of the generic loop's values");
}

GpuOptions gpuOptions(const GpuArgs& a)
{
    GpuOptions o;
    o.allowTf32 = a.tf32;
    o.rawPaddedOutputs = a.rawPadded;
    if (a.algo == "standard")
        o.algo = GpuOptions::CudnnAlgo::Standard;
    else if (a.algo == "small_h")
        o.algo = GpuOptions::CudnnAlgo::PersistStaticSmallH;
    else if (a.algo == "dynamic")
        o.algo = GpuOptions::CudnnAlgo::PersistDynamic;
    else
        throw UsageError{"--cudnn-algo " + a.algo + ": allowed are standard, small_h and dynamic"};
    return o;
}

} // namespace cli
