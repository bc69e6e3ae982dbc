// Shared helpers for the Qt Test suites: a float comparison that reports the worst element
// (qFuzzyCompare fails near zero), paths to the fixtures, and a temporary folder.
#pragma once

#include "gruscope/array.h"
#include "gruscope/error.h"

#include <QTest>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gstest {

// Where tests/data lives (from the build) — fixtures made by real Keras.
std::string dataPath(const std::string& relative);

// The wild corpus (18 weight files saved by real users): GRUSCOPE_WILD_WEIGHTS when set, else
// ../shared/wild-weights beside the source tree, as CI and every developer machine lay it out.
std::string wildWeightsDir();

// Why a wild file (or, with an empty name, the corpus folder) cannot be used here, or nothing.
// Suites call it through GS_NEED_WILD, which skips, or fails where tools/dev test (and so CI)
// sets GRUSCOPE_REQUIRE_WILD_WEIGHTS=1, so that a missing corpus never passes a check unseen.
std::optional<std::string> wildWeightsMissing(const std::string& file = "");
bool wildWeightsRequired();

// Multi-index of a flat C-order index: "[1, 4, 2]".
std::string indexToString(const gruscope::Shape& shape, int64_t flat);

// Empty when every |got - expected| <= atol + rtol * |expected| and NaN/Inf match; otherwise a
// message naming the worst element, its index, both values and the count of bad elements.
template <class A, class B>
std::string whyNotClose(const gruscope::Array<A>& got, const gruscope::Array<B>& expected, double atol, double rtol);

// What real Keras computed for a weight-file fixture: every array of
// tests/data/weightfiles/<name>.expected.npz, as float32, by name.
std::map<std::string, gruscope::ArrayF> weightfileExpected(const std::string& name);

// Same shape and the same bytes (NaN payloads and -0 included). An empty array's data() may be
// null, and memcmp must not be handed null even for zero bytes (UBSan flags it), hence the guard.
template <class T>
bool sameBits(const gruscope::Array<T>& a, const gruscope::Array<T>& b)
{
    return a.shape == b.shape && a.data.size() == b.data.size() &&
           (a.data.empty() || std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(T)) == 0);
}

// The gruscope::Error that f() threw, or nothing when it returned. Other exceptions pass through.
template <class F>
std::optional<gruscope::Error> errorOf(F&& f)
{
    try {
        f();
    } catch (const gruscope::Error& e) {
        return e;
    }
    return std::nullopt;
}

// Largest |got - expected| (NaN-aware: a NaN mismatch counts as infinity).
template <class A, class B>
double maxAbsDiff(const gruscope::Array<A>& got, const gruscope::Array<B>& expected);

} // namespace gstest

// Skip (or fail, when required) unless the wild file FILE ("" for the folder) is here.
#define GS_NEED_WILD(file)                                                                      \
    do {                                                                                        \
        if (const auto gsMissing_ = gstest::wildWeightsMissing(file)) {                         \
            if (gstest::wildWeightsRequired())                                                  \
                QFAIL((*gsMissing_ + " (GRUSCOPE_REQUIRE_WILD_WEIGHTS=1)").c_str());            \
            QSKIP(gsMissing_->c_str());                                                         \
        }                                                                                       \
    } while (false)

// QVERIFY2 with the explanation from whyNotClose.
#define GS_VERIFY_CLOSE(got, expected, atol, rtol)                                              \
    do {                                                                                        \
        const std::string gsWhy_ = gstest::whyNotClose((got), (expected), (atol), (rtol));      \
        QVERIFY2(gsWhy_.empty(), gsWhy_.c_str());                                               \
    } while (false)
