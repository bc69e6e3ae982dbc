// fuzz_weightfile: arbitrary bytes as a weight file (HDF5 of any Keras generation, .keras zip,
// tensor files): openWeightFile, readGruWeights for every listed layer, and a 1×2 call of each
// layer that can be built. Seeds: the example models, small wild files, tests/data/weightfiles.
#include "fuzz_weightfile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const gruscope::fuzz::ScratchFile file(".weights");
    file.write(data, size);
    gruscope::fuzz::exerciseWeightFile(file.path());
    return 0;
}
