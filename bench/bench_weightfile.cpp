// Weight-file speed: open a ~100 MB legacy .h5 holding one large GRU, list it, read and inspect
// it (target: under 1 s on the 2-core reference machine), and show that listing reads no weight
// data (listing time independent of the file size).
//   bench_weightfile [--units U] [--keep FILE]
#include "gruscope/inspect.h"
#include "gruscope/weightfile.h"
#include "gruscope/weightwriter.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

using namespace gruscope;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

int main(int argc, char** argv)
{
    int64_t U = 2048, I = 2048;
    std::string keep;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--units") && i + 1 < argc)
            U = I = std::atoll(argv[++i]);
        else if (!std::strcmp(argv[i], "--keep") && i + 1 < argc)
            keep = argv[++i];
    }
    const std::string dir = std::filesystem::temp_directory_path() / "gruscope-bench-weightfile";
    std::filesystem::create_directories(dir);
    GruConfig c;
    c.units = U;
    c.flavor = Flavor::TfKeras;
    GruWeights w;
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-0.1f, 0.1f);
    w.kernel = ArrayF({I, 3 * U});
    w.recurrentKernel = ArrayF({U, 3 * U});
    w.bias = ArrayF({2, 3 * U});
    for (ArrayF* a : {&w.kernel, &w.recurrentKernel, &w.bias})
        for (auto& v : a->data)
            v = d(rng);

    std::printf("GruScope weight-file benchmark: GRU I=%lld U=%lld\n", (long long)I, (long long)U);
    for (const char* ext : {".h5", ".keras", ".weights.h5"}) {
        const std::string path = keep.empty() ? dir + "/big" + ext : keep + ext;
        auto t0 = Clock::now();
        writeGruWeights(path, *writeFormatFromPath(path), c.flavor == Flavor::TfKeras && std::string(ext) == ".h5" ? c : [&] {
            GruConfig k = c;
            k.flavor = Flavor::Keras3;
            return k;
        }(), w);
        const double write = since(t0);
        const double mb = double(std::filesystem::file_size(path)) / 1e6;
        // Cold-ish: the page cache holds the file (just written); this measures our work.
        t0 = Clock::now();
        const WeightFileInfo info = openWeightFile(path);
        const double list = since(t0);
        t0 = Clock::now();
        const GruWeights r = readGruWeights(info, info.layers.at(0));
        const double read = since(t0);
        t0 = Clock::now();
        const Inspection ins = inspectWeights(info.layers[0].config, r, "bench");
        const double inspect = since(t0);
        std::printf("  %-12s %7.1f MB  write %6.3f s  list %7.4f s  read %6.3f s  inspect %6.3f s  open+read+inspect %6.3f s%s\n", ext,
                    mb, write, list, read, inspect, list + read + inspect, list + read + inspect < 1.0 ? "" : "  (over the 1 s target)");
        (void)ins;
        if (keep.empty())
            std::filesystem::remove(path);
    }
    return 0;
}
