// Every conversion between Python and the engine: numpy arrays to and from gruscope::Array, the
// engine's results to dicts, gruscope::Error to the Python exception gruscope.Error. The rest of
// the binding only calls the engine.
#pragma once

#include "gruscope/array.h"
#include "gruscope/config.h"
#include "gruscope/eligibility.h"
#include "gruscope/layer.h"
#include "gruscope/weights.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

namespace gspy {

namespace py = pybind11;

// Any array-like of numbers as float32 (C order; float64 and integers are cast, as Keras casts its
// inputs). `what` names the argument in the error a non-numeric object gets.
gruscope::ArrayF toArrayF(const py::handle& obj, const std::string& what);
std::optional<gruscope::ArrayF> toOptionalArrayF(const py::handle& obj, const std::string& what);
// A mask: anything numpy casts to bool (nonzero = keep), stored as 0/1.
std::optional<gruscope::ArrayU8> toOptionalMask(const py::handle& obj, const std::string& what);

// kernel (I, 3U), recurrent_kernel (U, 3U), bias or None.
gruscope::GruWeights toWeights(const py::handle& kernel, const py::handle& recurrentKernel, const py::handle& bias);

// numpy arrays that own the engine's data (moved, not copied).
py::array toNumpy(gruscope::ArrayF&& a);
py::array toNumpy(gruscope::ArrayD&& a);
py::array toNumpy(gruscope::ArrayU8&& a);
py::array toNumpy(const std::vector<int64_t>& v);

// A config dict's JSON text (what get_config() gives) read under `flavor` ("" = from the keys).
// Throws Error(InvalidArgument) listing every problem.
gruscope::ParsedConfig parseConfig(const std::string& json, const std::string& flavor, const std::string& what);

// The results as dicts of numpy arrays, lists and strings.
py::dict toDict(gruscope::RunResult&& r);
py::dict toDict(const gruscope::EligibilityReport& r);

// Installs the translator: gruscope::Error becomes gruscope.Error(message, code) with `code` the
// engine's errorCodeName ("shape mismatch").
void registerErrors(py::module_& m);

} // namespace gspy
