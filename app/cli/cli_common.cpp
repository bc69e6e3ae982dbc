#include "cli_common.h"

#include "gruscope/error.h"
#include "gruscope/npy.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace cli {

using namespace gruscope;

GruConfig loadConfig(const std::string& path, std::optional<Flavor> flavor, bool quiet)
{
    ParsedConfig parsed = readConfigFile(path, flavor);
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

ArrayU8 loadMask(const std::string& path)
{
    return npy::readNpy(path).toMask(path);
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

} // namespace cli
