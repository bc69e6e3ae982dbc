#include "backends/gpu_host.h"

#include "gruscope/error.h"

#include <climits>
#include <cstdio>

namespace gruscope::detail {

bool gpuCallPossible(bool built, bool deviceUsable, const DeviceInfo& device, const PreparedCall& p, const char* intSizesOf,
                     BackendSupport& s)
{
    s.ok = false;
    s.error = ErrorCode::DeviceUnavailable;
    if (!built) {
        s.reason = device.reason.empty() ? "this GruScope was built without the GPU backend" : device.reason;
        return false;
    }
    if (!deviceUsable) {
        s.reason = "no usable GPU: " + device.reason;
        return false;
    }
    s.error = ErrorCode::Unsupported;
    for (int64_t v : {p.B, p.T, p.I, p.U})
        if (v > INT_MAX) {
            s.reason = "a dimension of " + std::to_string(v) + " is larger than " + intSizesOf + " int sizes";
            return false;
        }
    return true;
}

std::vector<int32_t> keptLengths(const PreparedCall& p)
{
    std::vector<int32_t> len(size_t(p.B), int32_t(p.T));
    if (!p.mask)
        return len;
    for (int64_t b = 0; b < p.B; ++b) {
        int32_t n = 0;
        for (int64_t t = 0; t < p.T; ++t)
            n += p.mask[b * p.T + t] ? 1 : 0;
        len[size_t(b)] = n;
    }
    return len;
}

namespace {
std::string mib(uint64_t bytes)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / double(1 << 20));
    return buf;
}
} // namespace

void requireDeviceMemory(const char* backend, const std::vector<std::pair<std::string, uint64_t>>& parts,
                         uint64_t freeBytes, uint64_t totalBytes, const std::string& device)
{
    uint64_t need = 0;
    std::string list;
    for (const auto& [what, bytes] : parts) {
        need += bytes;
        list += (list.empty() ? "" : ", ") + what + " " + mib(bytes);
    }
    if (need <= freeBytes)
        return;
    throw Error(ErrorCode::ResourceLimit, std::string("the ") + backend + " backend needs " + mib(need) +
                                              " of GPU memory for this call (" + list + ") but " + device + " has " +
                                              mib(freeBytes) + " free of " + mib(totalBytes) +
                                              "; use a smaller batch or fewer timesteps");
}

void TraceRebuilder::reserve(const PreparedCall& c)
{
    m_cell.reserve(c, m_v);
    m_hPrev.resize(size_t(c.U));
}

void TraceRebuilder::rebuild(const PreparedCall& c, const std::function<const float*(int64_t, int64_t)>& stateAfter,
                             RunResult& result) noexcept
{
    if (!c.tracing())
        return;
    Trace& tr = result.trace;
    const int64_t U = c.U;
    for (int64_t b = 0; b < c.B; ++b) {
        const int64_t slot = c.sampleSlot[size_t(b)];
        if (slot < 0)
            continue;
        for (int64_t s = c.traceBegin; s < c.traceEnd; ++s) {
            const float* before = s == 0 ? c.h0.data() + b * U : stateAfter(b, s - 1);
            for (int64_t j = 0; j < U; ++j)
                m_hPrev[size_t(j)] = double(before[j]);
            m_cell.eval(c, b, s, m_hPrev.data(), m_v);
            recordTraceStep(c, b, s, m_v, stateAfter(b, s), tr);
        }
    }
    tr.rebuilt = true;
    result.notes.push_back("gate traces rebuilt on the CPU from the GPU's states and the weights (float64 sums)");
}

} // namespace gruscope::detail
