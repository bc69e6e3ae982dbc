#include "convert.h"

#include "gruscope/error.h"

#include <cstring>

namespace gspy {

using namespace gruscope;

namespace {

template <class T>
Array<T> fromNumpy(const py::array_t<T, py::array::c_style | py::array::forcecast>& a)
{
    Array<T> out;
    out.shape.assign(a.shape(), a.shape() + a.ndim());
    out.data.resize(size_t(a.size()));
    if (a.size() > 0)
        std::memcpy(out.data.data(), a.data(), size_t(a.size()) * sizeof(T));
    return out;
}

// The vector moves into a capsule that numpy frees with the array: a trace of a long sequence is
// not copied on its way out.
template <class T>
py::array own(std::vector<T>&& data, const Shape& shape)
{
    auto* heap = new std::vector<T>(std::move(data));
    py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    std::vector<py::ssize_t> dims(shape.begin(), shape.end());
    if (shape.empty() && heap->empty())
        dims = {0};
    return py::array_t<T>(dims, heap->data(), owner);
}

template <class T>
py::object arrayOrNone(Array<T>&& a)
{
    if (a.empty())
        return py::none();
    return toNumpy(std::move(a));
}

} // namespace

ArrayF toArrayF(const py::handle& obj, const std::string& what)
{
    if (obj.is_none())
        throw Error(ErrorCode::InvalidArgument, what + " is None; expected an array of numbers");
    py::array_t<float, py::array::c_style | py::array::forcecast> a;
    try {
        a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(obj);
    } catch (const py::error_already_set&) {
    }
    if (!a) {
        PyErr_Clear();
        throw Error(ErrorCode::InvalidArgument,
                    what + ": expected an array of numbers, got " + std::string(py::str(py::type::of(obj).attr("__name__"))));
    }
    return fromNumpy(a);
}

std::optional<ArrayF> toOptionalArrayF(const py::handle& obj, const std::string& what)
{
    if (obj.is_none())
        return std::nullopt;
    return toArrayF(obj, what);
}

std::optional<ArrayU8> toOptionalMask(const py::handle& obj, const std::string& what)
{
    if (obj.is_none())
        return std::nullopt;
    // Keras casts the mask to bool: any nonzero value keeps the step.
    py::array_t<bool, py::array::c_style | py::array::forcecast> a;
    try {
        a = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(obj);
    } catch (const py::error_already_set&) {
    }
    if (!a) {
        PyErr_Clear();
        throw Error(ErrorCode::InvalidArgument, what + ": expected an array of booleans (1 = keep the step)");
    }
    ArrayU8 m;
    m.shape.assign(a.shape(), a.shape() + a.ndim());
    m.data.resize(size_t(a.size()));
    const bool* p = a.data();
    for (size_t i = 0; i < m.data.size(); ++i)
        m.data[i] = p[i] ? 1 : 0;
    return m;
}

GruWeights toWeights(const py::handle& kernel, const py::handle& recurrentKernel, const py::handle& bias)
{
    GruWeights w;
    w.kernel = toArrayF(kernel, "kernel");
    w.recurrentKernel = toArrayF(recurrentKernel, "recurrent_kernel");
    if (!bias.is_none())
        w.bias = toArrayF(bias, "bias");
    return w;
}

py::array toNumpy(ArrayF&& a) { return own(std::move(a.data), a.shape); }
py::array toNumpy(ArrayD&& a) { return own(std::move(a.data), a.shape); }
py::array toNumpy(ArrayU8&& a)
{
    // A mask or the trace's kept flags: bool, as Keras's masks are.
    py::array u8 = own(std::move(a.data), a.shape);
    return u8.attr("astype")("bool");
}
py::array toNumpy(const std::vector<int64_t>& v)
{
    std::vector<int64_t> copy = v;
    return own(std::move(copy), Shape{int64_t(v.size())});
}

ParsedConfig parseConfig(const std::string& json, const std::string& flavor, const std::string& what)
{
    std::optional<Flavor> f;
    if (!flavor.empty()) {
        f = flavorFromName(flavor);
        if (!f)
            throw Error(ErrorCode::InvalidArgument, "flavor '" + flavor + "': allowed are keras3 and tf_keras");
    }
    ParsedConfig parsed = parseConfigJson(json, f, what);
    if (!parsed.issues.empty()) {
        std::string msg = what + ": invalid GRU arguments:";
        for (const auto& i : parsed.issues)
            msg += "\n  " + i.message();
        throw Error(ErrorCode::InvalidArgument, msg);
    }
    return parsed;
}

py::dict toDict(RunResult&& r)
{
    py::dict d;
    d["output"] = toNumpy(std::move(r.output));
    d["state"] = toNumpy(std::move(r.state));
    d["output64"] = arrayOrNone(std::move(r.output64));
    d["state64"] = arrayOrNone(std::move(r.state64));
    d["backend"] = r.backend;
    d["notes"] = py::cast(r.notes);
    d["seconds"] = r.seconds;
    d["threads"] = r.threads;
    Trace& t = r.trace;
    const bool traced = t.recorded();
    // The engine's names: hh is the candidate h~; pre* are the sums fed to the activations.
    d["z"] = traced ? arrayOrNone(std::move(t.z)) : py::none();
    d["r"] = traced ? arrayOrNone(std::move(t.r)) : py::none();
    d["h_tilde"] = traced ? arrayOrNone(std::move(t.hh)) : py::none();
    d["h"] = traced ? arrayOrNone(std::move(t.h)) : py::none();
    d["pre_z"] = traced ? arrayOrNone(std::move(t.preZ)) : py::none();
    d["pre_r"] = traced ? arrayOrNone(std::move(t.preR)) : py::none();
    d["pre_h_tilde"] = traced ? arrayOrNone(std::move(t.preH)) : py::none();
    d["kept"] = traced ? arrayOrNone(std::move(t.kept)) : py::none();
    d["time_index"] = traced ? py::object(toNumpy(t.timeIndex)) : py::none();
    d["trace_samples"] = traced ? py::object(toNumpy(t.samples)) : py::none();
    d["trace_steps"] = py::make_tuple(t.stepBegin, t.stepEnd);
    d["trace_truncated"] = t.truncated;
    d["trace_rebuilt"] = t.rebuilt;
    d["trace_note"] = t.note;
    return d;
}

py::dict toDict(const EligibilityReport& r)
{
    py::list conditions;
    for (const auto& c : r.conditions) {
        py::dict o;
        o["id"] = c.id;
        o["title"] = c.title;
        o["ok"] = c.ok;
        o["applies"] = c.applies;
        o["reason"] = c.reason;
        o["fix"] = c.fix;
        o["source"] = c.source;
        conditions.append(o);
    }
    py::dict d;
    d["eligible"] = r.eligible;
    d["conditions"] = conditions;
    d["notes"] = py::cast(r.notes);
    return d;
}

void registerErrors(py::module_&)
{
    // pybind11 takes a plain function of an exception_ptr by value.
    py::register_exception_translator([](std::exception_ptr p) { // NOLINT(performance-unnecessary-value-param)
        try {
            if (p)
                std::rethrow_exception(p);
        } catch (const Error& e) {
            // The class lives in Python (gruscope/errors.py) so that it pickles and documents like
            // any other; it is looked up when the first error is raised.
            try {
                py::object cls = py::module_::import("gruscope.errors").attr("Error");
                py::object instance = cls(e.what(), errorCodeName(e.code()));
                PyErr_SetObject(cls.ptr(), instance.ptr());
            } catch (const py::error_already_set&) {
                PyErr_SetString(PyExc_ValueError, e.what());
            }
        }
    });
}

} // namespace gspy
