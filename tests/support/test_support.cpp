#include "test_support.h"

#include "gruscope/npy.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <sstream>

namespace gstest {

std::string dataPath(const std::string& relative)
{
    return std::string(GRUSCOPE_TEST_DATA) + "/" + relative;
}

std::string wildWeightsDir()
{
    if (const char* env = std::getenv("GRUSCOPE_WILD_WEIGHTS"); env && *env)
        return env;
    return std::string(GRUSCOPE_SOURCE_DIR) + "/../shared/wild-weights";
}

std::optional<std::string> wildWeightsMissing(const std::string& file)
{
    const std::string dir = wildWeightsDir();
    if (!std::filesystem::is_directory(dir))
        return "the wild-weights corpus is not beside the project: " + dir;
    if (!file.empty() && !std::filesystem::is_regular_file(dir + "/" + file))
        return "the wild weight file " + file + " is not in " + dir;
    return std::nullopt;
}

bool wildWeightsRequired()
{
    const char* require = std::getenv("GRUSCOPE_REQUIRE_WILD_WEIGHTS");
    return require && std::string(require) == "1";
}

std::string indexToString(const gruscope::Shape& shape, int64_t flat)
{
    std::vector<int64_t> idx(shape.size());
    for (size_t k = shape.size(); k-- > 0;) {
        const int64_t d = shape[k] > 0 ? shape[k] : 1;
        idx[k] = flat % d;
        flat /= d;
    }
    std::ostringstream s;
    s << '[';
    for (size_t k = 0; k < idx.size(); ++k)
        s << (k ? ", " : "") << idx[k];
    s << ']';
    return s.str();
}

template <class A, class B>
std::string whyNotClose(const gruscope::Array<A>& got, const gruscope::Array<B>& expected, double atol, double rtol)
{
    if (got.shape != expected.shape)
        return "shape " + gruscope::shapeToString(got.shape) + " != expected " + gruscope::shapeToString(expected.shape);
    if (got.data.size() != expected.data.size())
        return "element count differs from the shape";
    int64_t bad = 0, worst = -1;
    double worstExcess = -1.0;
    for (size_t i = 0; i < got.data.size(); ++i) {
        const double g = double(got.data[i]);
        const double e = double(expected.data[i]);
        double excess;
        if (std::isnan(g) || std::isnan(e)) {
            excess = (std::isnan(g) && std::isnan(e)) ? -1.0 : std::numeric_limits<double>::infinity();
        } else if (std::isinf(g) || std::isinf(e)) {
            excess = (g == e) ? -1.0 : std::numeric_limits<double>::infinity();
        } else {
            excess = std::abs(g - e) - (atol + rtol * std::abs(e));
        }
        if (excess > 0) {
            ++bad;
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = int64_t(i);
            }
        }
    }
    if (bad == 0)
        return {};
    std::ostringstream s;
    s.precision(9);
    s << bad << " of " << got.data.size() << " elements differ beyond atol=" << atol << " rtol=" << rtol
      << "; worst at " << indexToString(got.shape, worst) << ": got " << double(got.data[size_t(worst)])
      << ", expected " << double(expected.data[size_t(worst)]) << " (|diff| "
      << std::abs(double(got.data[size_t(worst)]) - double(expected.data[size_t(worst)])) << ")";
    return s.str();
}

std::map<std::string, gruscope::ArrayF> weightfileExpected(const std::string& name)
{
    std::map<std::string, gruscope::ArrayF> out;
    for (auto& [k, a] : gruscope::npy::readNpz(dataPath("weightfiles/" + name + ".expected.npz")))
        out[k] = a.toFloat();
    return out;
}

template <class A, class B>
double maxAbsDiff(const gruscope::Array<A>& got, const gruscope::Array<B>& expected)
{
    if (got.data.size() != expected.data.size())
        return std::numeric_limits<double>::infinity();
    double m = 0;
    for (size_t i = 0; i < got.data.size(); ++i) {
        const double d = std::abs(double(got.data[i]) - double(expected.data[i]));
        if (std::isnan(d)) {
            if (!(std::isnan(double(got.data[i])) && std::isnan(double(expected.data[i]))))
                return std::numeric_limits<double>::infinity();
        } else if (d > m) {
            m = d;
        }
    }
    return m;
}

template std::string whyNotClose(const gruscope::Array<float>&, const gruscope::Array<float>&, double, double);
template std::string whyNotClose(const gruscope::Array<double>&, const gruscope::Array<double>&, double, double);
template std::string whyNotClose(const gruscope::Array<float>&, const gruscope::Array<double>&, double, double);
template std::string whyNotClose(const gruscope::Array<double>&, const gruscope::Array<float>&, double, double);
template double maxAbsDiff(const gruscope::Array<float>&, const gruscope::Array<float>&);
template double maxAbsDiff(const gruscope::Array<double>&, const gruscope::Array<double>&);
template double maxAbsDiff(const gruscope::Array<float>&, const gruscope::Array<double>&);
template double maxAbsDiff(const gruscope::Array<double>&, const gruscope::Array<float>&);

} // namespace gstest
