// Input generators and mask presets, as the window's Input panel offers them. They live in the
// engine (Qt-free, plain functions of their parameters) so that the CLI can offer the same signals
// and tests can check every element against the closed forms below.
//
// Every generator fills a float32 (B, T, I) array, batch-major. With t the time index, i the
// feature, b the sample, A the amplitude and c the offset:
//
//   periodic kinds use the phase θ = f_i·t + φ_i + b·δ (in cycles, so θ = 1 is one period):
//     sine      x = c + A·sin(2π·θ)
//     square    x = c + A  when frac(θ) < ½, c − A otherwise      (the sign of the sine)
//     sawtooth  x = c + A·(2·frac(θ) − 1)                          (rises from −A to A)
//   f_i = frequencies[i] when given, else baseFrequency + i·frequencyStep (cycles per step);
//   φ_i = phases[i] when given, else basePhase + i·phaseStep (cycles); δ = samplePhaseStep.
//
//   positional kinds use p_b = position + b·positionStep (a time index; may lie past T − 1):
//     step      x = c + A  for t ≥ p_b, c before
//     impulse   x = c + A  at t = p_b,  c elsewhere
//     ramp      x = c + A·(t − p_b)/(T − 1) for t ≥ p_b, c before  (slope A/(T − 1) per step)
//
//   random kinds draw n ~ N(0, 1) from std::mt19937_64(seed), one per element in C order
//   (b, t, i), so the same seed always gives the same array:
//     white noise  x = c + A·n[b, t, i]                 (A is the standard deviation)
//     random walk  x = c + A·Σ_{τ ≤ t} n[b, τ, i]        (the cumulative sum of the noise)
//
// The per-sample shifts (δ and positionStep) make the samples of a batch differ, so stepping
// through a batch shows the gates reacting to shifted copies of the same signal.
#pragma once

#include "gruscope/array.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gruscope {

enum class GeneratorKind { Sine, Square, Sawtooth, Step, Impulse, Ramp, WhiteNoise, RandomWalk };

// Every kind, in the order the panel lists them.
const std::vector<GeneratorKind>& generatorKinds();
// Stable identifier for sessions and descriptions: "sine", "square", "sawtooth", "step",
// "impulse", "ramp", "noise", "walk".
const char* generatorKindName(GeneratorKind kind);
std::optional<GeneratorKind> generatorKindFromName(std::string_view name);
// Words for the user: "sine", "white noise (Gaussian)", ...
const char* generatorKindLabel(GeneratorKind kind);

bool isPeriodic(GeneratorKind kind);   // sine, square, sawtooth: frequency and phase apply
bool isPositional(GeneratorKind kind); // step, impulse, ramp: position applies
bool isRandom(GeneratorKind kind);     // noise, walk: seed applies

// Generated inputs are refused above this many elements (256 MiB of float32).
constexpr int64_t kMaxGeneratedElements = int64_t(1) << 26;

struct GeneratorSpec {
    GeneratorKind kind = GeneratorKind::Sine;
    int64_t batch = 1, steps = 50, features = 1;

    // Periodic kinds. Per-feature vectors win when non-empty (their size must equal features).
    std::vector<double> frequencies; // cycles per step
    std::vector<double> phases;      // cycles (0.25 turns a sine into a cosine)
    double baseFrequency = 0.05;
    double frequencyStep = 0.02;
    double basePhase = 0.0;
    double phaseStep = 0.0;
    double samplePhaseStep = 0.125; // added per sample, in cycles

    double amplitude = 1.0; // peak for periodic/positional kinds, standard deviation for random ones
    double offset = 0.0;

    // Positional kinds.
    int64_t position = 10;
    int64_t positionStep = 2; // added per sample

    // Random kinds.
    uint64_t seed = 1;

    // Frequency and phase of feature i as generate() uses them.
    double frequencyOf(int64_t i) const;
    double phaseOf(int64_t i) const;
};

// Empty when the spec can be generated; otherwise a message for the user naming the parameter.
std::string validateSpec(const GeneratorSpec& spec);

// The (B, T, I) input. Throws gruscope::Error(InvalidArgument / ResourceLimit) with
// validateSpec's message for a bad spec.
ArrayF generate(const GeneratorSpec& spec);

// One line for Document::setInput's description: "sine f=0.05+0.02·i cycles/step, A=1" (the
// shape is shown next to it, so it is not repeated).
std::string describeSpec(const GeneratorSpec& spec);

// ---- mask presets (B, T), 1 = keep -------------------------------------------------------------
//
// Lengths: sample b uses lengths[b]; when fewer lengths than samples are given the last one
// repeats (so "5" pads every sample to 5 steps). Every length must lie in [0, T].

ArrayU8 maskNone(int64_t batch, int64_t steps); // every step kept
// Sample b keeps t < L_b: the padding is at the end, the layout cuDNN accepts.
ArrayU8 maskRightPadded(int64_t batch, int64_t steps, const std::vector<int64_t>& lengths);
// Sample b keeps t ≥ T − L_b: the padding is at the start, which cuDNN refuses.
ArrayU8 maskLeftPadded(int64_t batch, int64_t steps, const std::vector<int64_t>& lengths);
// Each cell is masked independently with probability `probability` (seeded, reproducible).
ArrayU8 maskRandomHoles(int64_t batch, int64_t steps, double probability, uint64_t seed);

// "10, 8, 5" → {10, 8, 5}; commas, semicolons and spaces separate. Throws
// gruscope::Error(InvalidArgument) naming the bad token; an empty list is an error too.
std::vector<int64_t> parseLengths(std::string_view text);

} // namespace gruscope
