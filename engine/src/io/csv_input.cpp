// Layer inputs from .npy, .npz and CSV files (see gruscope/input_files.h).
#include "gruscope/input_files.h"

#include "gruscope/error.h"
#include "gruscope/npy.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string_view>

namespace gruscope {

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& message)
{
    throw Error(ErrorCode::BadFile, path + ": " + message);
}

std::string shown(std::string_view s)
{
    std::string out;
    for (char ch : s) {
        if (out.size() >= 40) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7F) {
            out += ch;
        } else {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string_view trim(std::string_view s, bool tabs)
{
    auto ws = [&](char c) { return c == ' ' || c == '\r' || (tabs && c == '\t'); };
    while (!s.empty() && ws(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && ws(s.back()))
        s.remove_suffix(1);
    return s;
}

// A float32 from the whole field, locale-independent; nullopt when it is not a number.
enum class NumberStatus { Ok, NotANumber, OutOfRange };

NumberStatus parseNumber(std::string_view s, float& out)
{
    if (!s.empty() && s.front() == '+')
        s.remove_prefix(1);
    if (s.empty() || s.front() == '+')
        return NumberStatus::NotANumber;
    const char* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, out);
    if (p != end)
        return NumberStatus::NotANumber;
    if (ec == std::errc())
        return NumberStatus::Ok;
    if (ec != std::errc::result_out_of_range)
        return NumberStatus::NotANumber;
    // Too small for a normal float32 (rounds to a subnormal or zero) is fine; too large is not.
    double d = 0.0;
    auto [p2, ec2] = std::from_chars(s.data(), end, d);
    if (p2 != end)
        return NumberStatus::NotANumber;
    if (ec2 == std::errc::result_out_of_range) { // past double's range: a negative exponent means tiny (zero)
        if (s.find("e-") == std::string_view::npos && s.find("E-") == std::string_view::npos)
            return NumberStatus::OutOfRange;
        out = (s.front() == '-') ? -0.0f : 0.0f;
        return NumberStatus::Ok;
    }
    if (std::abs(d) >= double(std::numeric_limits<float>::max()))
        return NumberStatus::OutOfRange;
    out = float(d);
    return NumberStatus::Ok;
}

std::vector<std::string_view> splitFields(std::string_view line, char delim)
{
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        const size_t pos = line.find(delim, start);
        out.push_back(trim(line.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start), delim != '\t'));
        if (pos == std::string_view::npos)
            break;
        start = pos + 1;
    }
    return out;
}

std::string lower(std::string s)
{
    for (char& c : s)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string readText(const std::string& path, const InputReadOptions& options)
{
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec)
        bad(path, "cannot read the file (" + ec.message() + ")");
    // A number takes at least 2 bytes ("0,"); allow generous spacing and comments.
    const uint64_t maxEl = uint64_t(std::max<int64_t>(options.maxElements, 0));
    const uint64_t cap = std::min<uint64_t>(maxEl, uint64_t(1) << 36) * 64 + (uint64_t(1) << 20);
    if (size > cap)
        throw Error(ErrorCode::ResourceLimit, path + ": " + std::to_string(size) + " bytes of text, more than a CSV within the limit of " +
                                                  std::to_string(options.maxElements) + " values can take");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        bad(path, "cannot open the file");
    std::string text(size_t(size), '\0');
    if (size > 0 && !in.read(text.data(), std::streamsize(size)))
        bad(path, "cannot read the file");
    return text;
}

InputFile readCsv(const std::string& path, const InputReadOptions& options)
{
    const std::string text = readText(path, options);
    const std::string ext = lower(std::filesystem::path(path).extension().string());
    const char delim = ext == ".tsv" ? '\t' : ',';
    std::string_view rest = text;
    if (rest.substr(0, 3) == "\xEF\xBB\xBF")
        rest.remove_prefix(3); // UTF-8 byte order mark
    InputFile f;
    f.format = "csv";
    bool headerSeen = false, sampleColumn = false;
    size_t columns = 0, columnsLine = 0;
    std::vector<std::string> names;
    std::vector<float> values;
    std::vector<std::pair<std::string, int64_t>> samples; // label, rows
    size_t lineNo = 0;
    while (!rest.empty()) {
        ++lineNo;
        const size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        if (line.find('\0') != std::string_view::npos)
            bad(path, "line " + std::to_string(lineNo) + " holds a NUL byte: not a text (CSV) file");
        if (const size_t hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash);
        line = trim(line, true);
        if (line.empty())
            continue;
        const std::vector<std::string_view> fields = splitFields(line, delim);
        const std::string where = "line " + std::to_string(lineNo);
        if (!headerSeen && columns == 0) {
            headerSeen = true;
            float dummy = 0;
            const bool anyNumber = std::any_of(fields.begin(), fields.end(),
                                               [&](std::string_view s) { return parseNumber(s, dummy) != NumberStatus::NotANumber; });
            if (!anyNumber) { // a header of column names
                for (auto s : fields)
                    names.emplace_back(s);
                sampleColumn = lower(names[0]) == "sample";
                columns = fields.size();
                columnsLine = lineNo;
                if (columns == (sampleColumn ? 1u : 0u) || (sampleColumn && columns < 2))
                    bad(path, where + ": the header names no feature column");
                continue;
            }
        }
        if (columns == 0) {
            columns = fields.size();
            columnsLine = lineNo;
        }
        if (fields.size() != columns)
            bad(path, where + ": " + std::to_string(fields.size()) + (fields.size() == 1 ? " value" : " values") + ", expected " +
                          std::to_string(columns) + " as in line " + std::to_string(columnsLine) +
                          (names.empty() ? "" : " (the header)") + ": every row needs one value per column");
        size_t c0 = 0;
        if (sampleColumn) {
            const std::string label(fields[0]);
            if (label.empty())
                bad(path, where + ", column 1 (sample): no sample label");
            if (samples.empty() || samples.back().first != label) {
                for (const auto& s : samples)
                    if (s.first == label)
                        bad(path, where + ": sample '" + shown(label) +
                                      "' appears again after other samples; keep each sample's rows together");
                samples.emplace_back(label, 0);
            }
            ++samples.back().second;
            c0 = 1;
        }
        for (size_t c = c0; c < fields.size(); ++c) {
            float v = 0;
            const NumberStatus st = parseNumber(fields[c], v);
            if (st != NumberStatus::Ok) {
                const std::string col = "column " + std::to_string(c + 1) + (names.empty() ? "" : " ('" + shown(names[c]) + "')");
                bad(path, where + ", " + col + ": " +
                              (fields[c].empty() ? std::string("empty value")
                                                 : "'" + shown(fields[c]) + "' " +
                                                       (st == NumberStatus::OutOfRange ? "is outside the float32 range"
                                                                                       : "is not a number") +
                                                       (fields[c].find_first_of(delim == ',' ? ";\t" : ",;") != std::string_view::npos
                                                            ? std::string(" (values are separated by ") + (delim == ',' ? "commas" : "tabs") + ")"
                                                            : std::string())));
            }
            if (int64_t(values.size()) >= options.maxElements)
                throw Error(ErrorCode::ResourceLimit, path + ": more than the limit of " + std::to_string(options.maxElements) + " values");
            values.push_back(v);
        }
    }
    if (values.empty() && samples.empty())
        bad(path, "no data rows (one row per time step, one column per input feature)" +
                      (names.empty() ? std::string() : ", only the header line " + std::to_string(columnsLine)));
    const int64_t I = int64_t(columns - (sampleColumn ? 1 : 0));
    if (I <= 0)
        bad(path, "no feature columns");
    int64_t B = 1, T = int64_t(values.size()) / I;
    if (sampleColumn) {
        B = int64_t(samples.size());
        T = samples.front().second;
        for (const auto& s : samples)
            if (s.second != T)
                bad(path, "sample '" + shown(s.first) + "' has " + std::to_string(s.second) + " rows (time steps) but sample '" +
                              shown(samples.front().first) + "' has " + std::to_string(T) +
                              ": every sample needs the same number of time steps");
        for (const auto& s : samples)
            f.sampleLabels.push_back(s.first);
        names.erase(names.begin());
        f.notes.push_back(std::to_string(B) + " samples from the 'sample' column, " + std::to_string(T) + " time steps each");
    } else {
        f.notes.push_back("one sample: " + std::to_string(T) + " rows (time steps) of " + std::to_string(I) + " features");
    }
    f.columnNames = std::move(names);
    f.x = ArrayF({B, T, I}, std::move(values));
    return f;
}

ArrayF toBatch(ArrayF a, const std::string& what, InputFile& f)
{
    if (a.rank() == 3)
        return a;
    if (a.rank() == 2) {
        f.notes.push_back("2-D " + shapeToString(a.shape) + " array read as one sample (1, T, I)");
        a.shape.insert(a.shape.begin(), 1);
        return a;
    }
    throw Error(ErrorCode::ShapeMismatch, what + ": an array of shape " + shapeToString(a.shape) +
                                              "; an input must be (batch, time, features) or (time, features)");
}

} // namespace

InputFile readInputFileDetailed(const std::string& path, const InputReadOptions& options)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        bad(path, "this is a folder, not a file");
    if (!std::filesystem::exists(path, ec))
        bad(path, "no such file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        bad(path, "cannot open the file");
    char head[6] = {};
    in.read(head, sizeof head);
    const size_t have = size_t(in.gcount());
    in.close();
    if (have == 0)
        bad(path, "the file is empty");
    const bool npyMagic = have == 6 && static_cast<unsigned char>(head[0]) == 0x93 && std::memcmp(head + 1, "NUMPY", 5) == 0;
    const bool zipMagic = have >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    const std::string ext = lower(std::filesystem::path(path).extension().string());
    npy::ReadLimits limits;
    limits.maxElements = options.maxElements;
    InputFile f;
    if (npyMagic) {
        f.format = "npy";
        f.x = toBatch(npy::readNpyAsFloat(path, limits), path, f);
        return f;
    }
    if (zipMagic) {
        f.format = "npz";
        auto arrays = npy::readNpz(path, limits);
        if (arrays.empty())
            bad(path, "the .npz archive holds no arrays");
        const std::pair<std::string, npy::NpyArray>* chosen = nullptr;
        auto named = [&](const std::string& key) -> const std::pair<std::string, npy::NpyArray>* {
            for (const auto& a : arrays)
                if (a.first == key)
                    return &a;
            return nullptr;
        };
        if (!options.npzKey.empty()) {
            chosen = named(options.npzKey);
            if (!chosen) {
                std::string keys;
                for (const auto& a : arrays)
                    keys += (keys.empty() ? "" : ", ") + shown(a.first);
                bad(path, "no array named '" + shown(options.npzKey) + "' (the archive holds: " + keys + ")");
            }
        } else if (!(chosen = named("x")) && !(chosen = named("input"))) {
            chosen = &arrays.front();
            if (arrays.size() > 1)
                f.notes.push_back("no array named 'x' or 'input': read the first, '" + chosen->first + "', of " +
                                  std::to_string(arrays.size()));
        }
        f.arrayName = chosen->first;
        f.x = toBatch(chosen->second.toFloat(), path + ":" + chosen->first, f);
        return f;
    }
    if (ext == ".npy" || ext == ".npz")
        bad(path, std::string("not a ") + ext + " file: it does not start with the " + (ext == ".npy" ? "NumPy" : "zip") + " magic bytes");
    return readCsv(path, options);
}

ArrayF readInputFile(const std::string& path, const InputReadOptions& options)
{
    return readInputFileDetailed(path, options).x;
}

} // namespace gruscope
