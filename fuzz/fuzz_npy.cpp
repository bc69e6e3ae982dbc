// fuzz_npy: npy::parseNpy on arbitrary bytes, then the conversions. The same bytes are also read
// from a file (readNpy, readNpyAsFloat: their own header reader, the chunked and Fortran-order
// conversions), which must agree with parseNpy; a parsed array is written back with writeNpy and
// must read back identical. gruscope::Error is the expected outcome for bad input; anything else
// (another exception, a sanitizer report, a broken invariant) is a bug.
#include "fuzz_common.h"

#include "gruscope/error.h"
#include "gruscope/npy.h"

#include <cstring>
#include <optional>

using namespace gruscope;

namespace {

size_t itemBytes(npy::DType d)
{
    switch (d) {
    case npy::DType::Bool:
    case npy::DType::Int8:
    case npy::DType::UInt8: return 1;
    case npy::DType::Int16:
    case npy::DType::UInt16:
    case npy::DType::Float16: return 2;
    case npy::DType::Int32:
    case npy::DType::UInt32:
    case npy::DType::Float32: return 4;
    default: return 8;
    }
}

bool sameBits(const ArrayF& a, const ArrayF& b)
{
    return a.shape == b.shape && a.data.size() == b.data.size() &&
           (a.data.empty() || std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0);
}

bool sameArray(const npy::NpyArray& a, const npy::NpyArray& b)
{
    return a.dtype == b.dtype && a.shape == b.shape && a.bytes == b.bytes;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const fuzz::ScratchFile in(".npy"), out(".out.npy");
    npy::ReadLimits limits;
    limits.maxElements = int64_t(1) << 20;

    std::optional<npy::NpyArray> parsed;
    try {
        parsed = npy::parseNpy(reinterpret_cast<const std::byte*>(data), size, "fuzz", limits);
    } catch (const Error&) {
    }
    if (parsed) {
        const npy::NpyArray& a = *parsed;
        const int64_t n = a.elementCount();
        FUZZ_CHECK(n >= 0 && n <= limits.maxElements);
        FUZZ_CHECK(a.bytes.size() == size_t(n) * itemBytes(a.dtype));
        const ArrayF f = a.toFloat();
        FUZZ_CHECK(f.shape == a.shape && f.data.size() == size_t(n));
        const ArrayD d = a.toDouble();
        FUZZ_CHECK(d.data.size() == size_t(n));
        try {
            const ArrayU8 m = a.toMask("fuzz");
            FUZZ_CHECK(m.data.size() == size_t(n));
            for (uint8_t v : m.data)
                FUZZ_CHECK(v == 0 || v == 1);
        } catch (const Error&) {
        }
    }

    // The file readers must agree with the in-memory parser.
    in.write(data, size);
    std::optional<npy::NpyArray> fromFile;
    try {
        fromFile = npy::readNpy(in.path(), limits);
    } catch (const Error&) {
    }
    FUZZ_CHECK(parsed.has_value() == fromFile.has_value());
    std::optional<ArrayF> asFloat;
    try {
        asFloat = npy::readNpyAsFloat(in.path(), limits);
    } catch (const Error&) {
    }
    FUZZ_CHECK(parsed.has_value() == asFloat.has_value());
    if (!parsed)
        return 0;
    FUZZ_CHECK(sameArray(*parsed, *fromFile));
    FUZZ_CHECK(sameBits(*asFloat, parsed->toFloat()));

    // Write it back (native order, C order) and read it again.
    npy::ArrayRef ref;
    ref.name = "x";
    ref.dtype = parsed->dtype;
    ref.shape = parsed->shape;
    ref.data = parsed->bytes.data();
    npy::writeNpy(out.path(), ref);
    const npy::NpyArray again = npy::readNpy(out.path(), limits);
    FUZZ_CHECK(sameArray(*parsed, again));
    return 0;
}
