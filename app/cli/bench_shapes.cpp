#include "bench_shapes.h"

#include "cli_common.h"

#include <sstream>

namespace cli {

namespace {

// The targets: B=1, I=U=256 at oneDNN's speed and 5x PyTorch's; B=32, I=128, U=256
// within 10% of oneDNN.
const std::vector<Target> kTargetsB1 = {{"onednn", 1.0, "≤ 1.0× oneDNN"}, {"torch", 0.2, "≥ 5× faster than PyTorch"}};
const std::vector<Target> kTargetsB32 = {{"onednn", 1.1, "≤ 1.1× oneDNN"}};

} // namespace

// Shapes of shared/reference/performance.md §7 (S1–S16) and the scale and sweep sets.
std::vector<BenchShape> benchPreset(const std::string& name)
{
    auto S = [](std::string id, int64_t B, int64_t T, int64_t I, int64_t U) {
        BenchShape s;
        s.id = std::move(id);
        s.B = B, s.T = T, s.I = I, s.U = U;
        return s;
    };
    if (name == "standard") {
        std::vector<BenchShape> v = {S("S1", 1, 1, 256, 256),       S("S2", 1, 100, 64, 128),
                                     S("S3", 1, 100, 256, 256),     S("S4", 1, 100, 512, 512),
                                     S("S5", 1, 100, 1024, 1024),   S("S6", 8, 100, 128, 256),
                                     S("S7", 32, 100, 128, 256),    S("S8", 64, 100, 512, 512),
                                     S("S11", 32, 100, 1, 64),      S("S12", 32, 100, 128, 256),
                                     S("S13", 3, 37, 100, 250),     S("S16", 32, 100, 128, 256)};
        v[2].targets = kTargetsB1;
        v[6].targets = kTargetsB32;
        v[9].masked = true;
        v[11].backwards = true;
        return v;
    }
    if (name == "targets") {
        std::vector<BenchShape> v = {S("S3", 1, 100, 256, 256), S("S7", 32, 100, 128, 256)};
        v[0].targets = kTargetsB1;
        v[1].targets = kTargetsB32;
        return v;
    }
    if (name == "quick")
        return {S("S2", 1, 100, 64, 128), S("S3", 1, 100, 256, 256), S("S7", 32, 100, 128, 256)};
    if (name == "scale") {
        std::vector<BenchShape> v = {S("T1k", 1, 1000, 256, 256), S("T10k", 1, 10000, 256, 256),
                                     S("T100k", 1, 100000, 256, 256), S("B1", 1, 100, 128, 256),
                                     S("B8", 8, 100, 128, 256),       S("B32", 32, 100, 128, 256),
                                     S("B128", 128, 100, 128, 256)};
        for (int i = 0; i < 3; ++i)
            v[size_t(i)].last = true;
        return v;
    }
    if (name == "sweep") {
        std::vector<BenchShape> v;
        for (int64_t U : {64, 128, 256, 512, 1024})
            v.push_back(S("U" + std::to_string(U), 1, 100, U, U));
        for (int64_t B : {1, 4, 16, 64})
            v.push_back(S("B" + std::to_string(B), B, 100, 256, 256));
        return v;
    }
    throw UsageError{"--preset " + name + ": not one of standard, targets, quick, scale, sweep"};
}

// "BxTxIxU" with optional ":masked", ":backwards", ":last".
BenchShape parseBenchShape(const std::string& text)
{
    std::stringstream ss(text);
    std::string dims, flag;
    std::getline(ss, dims, ':');
    BenchShape s;
    s.id = text;
    char x1 = 0, x2 = 0, x3 = 0;
    std::istringstream d(dims);
    if (!(d >> s.B >> x1 >> s.T >> x2 >> s.I >> x3 >> s.U) || x1 != 'x' || x2 != 'x' || x3 != 'x' || !d.eof() ||
        s.B < 1 || s.T < 1 || s.I < 1 || s.U < 1)
        throw UsageError{"--shape " + text + ": expected BxTxIxU with positive sizes, e.g. 32x100x128x256"};
    while (std::getline(ss, flag, ':')) {
        if (flag == "masked")
            s.masked = true;
        else if (flag == "backwards")
            s.backwards = true;
        else if (flag == "last")
            s.last = true;
        else
            throw UsageError{"--shape " + text + ": '" + flag + "' is not one of masked, backwards, last"};
    }
    return s;
}

} // namespace cli
