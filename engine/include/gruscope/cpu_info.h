// The CPU the cpu backend runs on: its threads, what the build vectorises with, and the
// machine's measured peak (for a benchmark's "% of peak").
//
// Threads: by default a call uses as many as pay for its size (one for small layers, where
// waking a second core costs more than it saves), up to the machine's cores or
// GRUSCOPE_CPU_THREADS. setCpuThreads(n) caps that for the whole process (1: single-threaded,
// 0: back to the default); benchmarks use it to time one and two threads side by side. The
// numbers do not depend on it: every unit is computed the same way whichever thread runs it.
#pragma once

#include <string>

namespace gruscope {

void setCpuThreads(int threads) noexcept;
int cpuThreads() noexcept; // the cap in force: at least 1

// "AVX-512 (16 floats, FMA)", "AVX2 + FMA (8 floats)" or "generic (4 floats, no FMA)": what the
// cpu backend's products were compiled for.
std::string cpuSimd();
// The processor's name from /proc/cpuinfo ("?" when unknown).
std::string cpuModelName();

// Peak float32 multiply-add rate of this machine in GFLOP/s, measured with independent vector
// FMA chains on `threads` threads for about `seconds` (2 FLOP per lane per FMA).
double measureCpuPeakGflops(int threads, double seconds = 0.2);

} // namespace gruscope
