// Whole files as bytes and little-endian fields in them, for the tests that build or damage
// archives by hand (tst_zip_archive, tst_keras_stream).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace gstest {

using Bytes = std::vector<std::byte>;

inline Bytes readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Bytes b(s.size());
    std::memcpy(b.data(), s.data(), s.size());
    return b;
}

inline void writeFile(const std::string& path, const Bytes& b)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

inline uint32_t getU32(const Bytes& b, size_t at)
{
    return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
}

inline uint16_t getU16(const Bytes& b, size_t at) { return uint16_t(uint16_t(b[at]) | uint16_t(b[at + 1]) << 8); }

inline void putU32(Bytes& b, size_t at, uint32_t v)
{
    for (int k = 0; k < 4; ++k)
        b[at + size_t(k)] = std::byte((v >> (8 * k)) & 0xff);
}

inline void putU16(Bytes& b, size_t at, uint16_t v)
{
    b[at] = std::byte(v & 0xff);
    b[at + 1] = std::byte(v >> 8);
}

} // namespace gstest
