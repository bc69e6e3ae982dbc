// gruscope._gruscope: the engine's layer, file reader, eligibility check, backend comparison and
// device probe, as the Python package (python/gruscope) calls them. Everything here is a call
// into the engine; conversions live in convert.cpp, the user-facing API in Python.
#include "convert.h"

#include "gruscope/bidirectional.h"
#include "gruscope/compare.h"
#include "gruscope/device.h"
#include "gruscope/device_choice.h"
#include "gruscope/error.h"
#include "gruscope/inspect.h"
#include "gruscope/isolated_parse.h"
#include "gruscope/version.h"

#include <pybind11/stl.h>

#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <thread>

namespace gspy {

using namespace gruscope;

namespace {

BackendKind backendKind(const std::string& name)
{
    const auto kind = backendFromName(name);
    if (!kind)
        throw Error(ErrorCode::InvalidArgument, "backend '" + name + "': allowed are auto, cpu, reference, cudnn and cuda");
    return *kind;
}

// Runs `work` off the Python thread while this one waits with the GIL released, checking for
// Ctrl+C (a notebook's interrupt) every 50 ms: an interrupt cancels the engine's call at its next
// step, and the KeyboardInterrupt is raised once the call has stopped.
template <class F>
auto interruptible(CallProgress& progress, F&& work) -> decltype(work())
{
    using R = decltype(work());
    std::packaged_task<R()> task(std::forward<F>(work));
    std::future<R> done = task.get_future();
    std::thread worker;
    {
        py::gil_scoped_release nogil;
        worker = std::thread(std::move(task));
    }
    bool interrupted = false;
    for (;;) {
        std::future_status status;
        {
            py::gil_scoped_release nogil;
            status = done.wait_for(std::chrono::milliseconds(50));
        }
        if (status == std::future_status::ready)
            break;
        if (!interrupted && PyErr_CheckSignals() != 0) {
            interrupted = true;
            progress.cancel = true;
        }
    }
    {
        py::gil_scoped_release nogil;
        worker.join();
    }
    if (interrupted) {
        try {
            done.get();
        } catch (const Error& e) {
            if (e.code() != ErrorCode::Cancelled)
                throw;
        }
        throw py::error_already_set(); // the KeyboardInterrupt PyErr_CheckSignals set
    }
    return done.get();
}

CallInputs callInputs(const py::handle& x, const py::handle& mask, const py::handle& initialState, bool training,
                      uint64_t seed)
{
    CallInputs in;
    in.x = toArrayF(x, "x");
    in.mask = toOptionalMask(mask, "mask");
    in.initialState = toOptionalArrayF(initialState, "initial_state");
    in.training = training;
    in.seed = seed;
    return in;
}

// One GRU layer (config + weights, validated), with its stored state when stateful.
class Layer {
public:
    Layer(GruConfig config, GruWeights weights, std::vector<std::string> notes)
        : m_layer(std::move(config), std::move(weights)), m_notes(std::move(notes))
    {
    }

    static Layer fromJson(const std::string& configJson, const std::string& flavor, const py::handle& kernel,
                          const py::handle& recurrentKernel, const py::handle& bias)
    {
        ParsedConfig parsed = parseConfig(configJson, flavor, "config");
        GruWeights w = toWeights(kernel, recurrentKernel, bias);
        return Layer(std::move(parsed.config), std::move(w), std::move(parsed.notes));
    }

    GruLayer& engine() { return m_layer; }
    const GruConfig& config() const { return m_layer.config(); }
    const std::vector<std::string>& notes() const { return m_notes; }

    py::dict call(const py::handle& x, const py::handle& mask, const py::handle& initialState, const std::string& backend,
                  bool trace, bool training, uint64_t seed)
    {
        CallInputs in = callInputs(x, mask, initialState, training, seed);
        const BackendKind kind = backendKind(backend);
        TraceOptions t;
        t.enabled = trace;
        CallProgress progress;
        in.progress = &progress;
        RunResult r = interruptible(progress, [&] { return m_layer.call(in, kind, t); });
        return toDict(std::move(r));
    }

    py::dict weights() const
    {
        GruWeights w = m_layer.weights();
        py::dict d;
        d["kernel"] = toNumpy(std::move(w.kernel));
        d["recurrent_kernel"] = toNumpy(std::move(w.recurrentKernel));
        d["bias"] = w.hasBias() ? py::object(toNumpy(std::move(w.bias))) : py::none();
        return d;
    }

    std::string compare(const py::handle& x, const py::handle& mask, const py::handle& initialState,
                        const std::vector<std::string>& backends, int warmups, int repeats, double tolerance, bool training,
                        uint64_t seed)
    {
        CallInputs in = callInputs(x, mask, initialState, training, seed);
        CompareOptions options;
        options.backends.clear();
        for (const auto& b : backends) {
            const BackendKind kind = backendKind(b);
            if (kind == BackendKind::Auto)
                throw Error(ErrorCode::InvalidArgument, "compare: name the backends (cpu, reference, cudnn, cuda), not auto");
            options.backends.push_back(kind);
        }
        options.warmups = warmups;
        options.repeats = repeats;
        options.tolerance = tolerance;
        CompareReport report;
        {
            py::gil_scoped_release nogil;
            report = compareBackends(m_layer.config(), m_layer.weights(), in, options);
        }
        return report.toJson(-1);
    }

    py::object storedState() const
    {
        if (!m_layer.storedState())
            return py::none();
        ArrayF s = *m_layer.storedState();
        return toNumpy(std::move(s));
    }

private:
    GruLayer m_layer;
    std::vector<std::string> m_notes; // what reading the config noticed (ignored keys, flavor guessed)
};

py::dict runBidirectionalPy(Layer& forward, Layer& backward, const std::string& mergeMode, const py::handle& x,
                            const py::handle& mask, const std::string& backend, bool trace, bool training, uint64_t seed)
{
    CallInputs in = callInputs(x, mask, py::none(), training, seed);
    const BackendKind kind = backendKind(backend);
    TraceOptions t;
    t.enabled = trace;
    CallProgress progress;
    in.progress = &progress;
    BidirectionalResult r =
        interruptible(progress, [&] { return runBidirectional(forward.engine(), backward.engine(), mergeMode, in, kind, t); });
    py::dict d;
    d["output"] = toNumpy(std::move(r.output));
    d["backward_output"] = r.backwardOutput.empty() ? py::object(py::none()) : py::object(toNumpy(std::move(r.backwardOutput)));
    d["forward"] = toDict(std::move(r.forward));
    d["backward"] = toDict(std::move(r.backward));
    return d;
}

py::dict eligibilityPy(const std::string& configJson, const std::string& flavor, const py::handle& mask,
                       const std::string& device, const std::string& kerasVersion, bool training)
{
    ParsedConfig parsed = parseConfig(configJson, flavor, "config");
    const std::optional<ArrayU8> m = toOptionalMask(mask, "mask");
    EligibilityContext ctx;
    ctx.flavor = parsed.config.flavor;
    ctx.kerasVersion = kerasVersion;
    ctx.training = training;
    const DeviceInfo dev = deviceNamed(device);
    py::dict d = toDict(checkCudnnEligibility(parsed.config, m ? &*m : nullptr, dev, ctx));
    d["device"] = dev.present ? dev.reason : "none: " + dev.reason;
    d["flavor"] = flavorName(parsed.config.flavor);
    d["keras_version"] = kerasVersion;
    d["config_notes"] = py::cast(parsed.notes);
    return d;
}

// A weight file as the gruscope-parse child read it: the layer list, every layer's weights (or
// why not) and the file tree. Nothing touches the file again after load.
class File {
public:
    explicit File(LoadedWeightFile loaded) : m_loaded(std::move(loaded)) {}

    const WeightFileInfo& info() const { return m_loaded.info; }

    py::list layers() const
    {
        py::list out;
        for (const auto& l : info().layers) {
            py::dict d;
            d["name"] = l.name;
            d["kind"] = l.kind;
            d["wrapper"] = l.wrapper;
            d["direction"] = l.direction;
            d["merge_mode"] = l.mergeMode;
            d["flavor"] = flavorName(l.config.flavor);
            d["config_json"] = configToJson(l.config);
            d["config_from_file"] = l.configFromFile;
            d["assumptions"] = py::cast(l.assumptions);
            d["dtype"] = l.dtype;
            d["kernel_shape"] = py::cast(l.kernelShape);
            d["recurrent_kernel_shape"] = py::cast(l.recurrentShape);
            d["bias_shape"] = py::cast(l.biasShape);
            out.append(d);
        }
        return out;
    }

    Layer layer(size_t index) const
    {
        if (index >= info().layers.size())
            throw Error(ErrorCode::InvalidArgument, "layer index " + std::to_string(index) + " out of range");
        const GruLayerInfo& l = info().layers[index];
        std::vector<std::string> notes;
        if (!l.configFromFile)
            for (const auto& a : l.assumptions)
                notes.push_back(info().path + ": assumed " + a);
        return Layer(l.config, m_loaded.weights(index), std::move(notes));
    }

    py::list diagnostics() const
    {
        py::list out;
        for (const auto& d : info().diagnostics)
            out.append(py::dict(py::arg("severity") = severityName(d.severity), py::arg("where") = d.where,
                                py::arg("message") = d.message));
        return out;
    }

    std::string inspection(const std::string& file, const std::string& layer, bool withTree) const
    {
        return inspectionJson(m_loaded, file, layer, withTree, -1);
    }

    py::dict report() const
    {
        const ParseReport& r = m_loaded.report;
        return py::dict(py::arg("isolated") = r.isolated, py::arg("worker") = r.worker, py::arg("seconds") = r.seconds,
                        py::arg("child_seconds") = r.childSeconds, py::arg("reply_bytes") = r.replyBytes,
                        py::arg("child_peak_kib") = r.childPeakKiB);
    }

private:
    LoadedWeightFile m_loaded;
};

File loadFilePy(const std::string& path, const std::string& worker, std::optional<bool> isolate)
{
    ParseOptions options = defaultParseOptions();
    if (!worker.empty())
        options.workerPath = worker;
    if (isolate)
        options.isolate = *isolate;
    CallProgress progress; // its cancel flag stops the child on Ctrl+C
    options.cancel = &progress.cancel;
    LoadedWeightFile loaded = interruptible(progress, [&] {
        return loadWeightFile(path, options);
    });
    return File(std::move(loaded));
}

py::dict devicesPy()
{
    const DeviceInfo& d = probeDevice();
    py::dict gpu;
    gpu["present"] = d.present;
    gpu["cuda_usable"] = d.cudaUsable;
    gpu["name"] = d.name;
    gpu["compute_capability"] = py::make_tuple(d.computeMajor, d.computeMinor);
    gpu["driver"] = d.driverVersion ? cudaVersionString(d.driverVersion) : std::string();
    gpu["runtime"] = d.runtimeVersion ? cudaVersionString(d.runtimeVersion) : std::string();
    gpu["cudnn"] = d.cudnnVersion ? cudnnVersionString(d.cudnnVersion) : std::string();
    gpu["memory_bytes"] = d.memoryBytes;
    gpu["reason"] = d.reason;
    py::list backends;
    for (const BackendDescription& b : describeBackends())
        backends.append(py::dict(py::arg("name") = b.name, py::arg("usable") = b.usable, py::arg("summary") = b.summary,
                                 py::arg("reason") = b.reason));
    py::dict out;
    out["gpu_backends_built"] = build::gpuBackends;
    out["gpu_toolchain"] = build::gpuToolchain;
    out["gpu"] = gpu;
    out["backends"] = backends;
    return out;
}

} // namespace

} // namespace gspy

PYBIND11_MODULE(_gruscope, m)
{
    using namespace gspy;
    namespace py = pybind11;
    m.doc() = "GruScope's engine (use the gruscope package, not this module)";
    registerErrors(m);

    py::class_<Layer>(m, "Layer")
        .def(py::init(&Layer::fromJson), py::arg("config_json"), py::arg("flavor"), py::arg("kernel"),
             py::arg("recurrent_kernel"), py::arg("bias"))
        .def("call", &Layer::call, py::arg("x"), py::arg("mask"), py::arg("initial_state"), py::arg("backend"),
             py::arg("trace"), py::arg("training"), py::arg("seed"))
        .def("compare", &Layer::compare, py::arg("x"), py::arg("mask"), py::arg("initial_state"), py::arg("backends"),
             py::arg("warmups"), py::arg("repeats"), py::arg("tolerance"), py::arg("training"), py::arg("seed"))
        .def("weights", &Layer::weights)
        .def("config_json", [](const Layer& l) { return gruscope::configToJson(l.config()); })
        .def_property_readonly("flavor", [](const Layer& l) { return std::string(gruscope::flavorName(l.config().flavor)); })
        .def_property_readonly("units", [](const Layer& l) { return l.config().units; })
        .def_property_readonly("name", [](const Layer& l) { return l.config().name; })
        .def_property_readonly("notes", &Layer::notes)
        .def_property_readonly("stored_state", &Layer::storedState)
        .def("reset_states", [](Layer& l) { l.engine().resetStates(); });

    py::class_<File>(m, "File")
        .def_property_readonly("path", [](const File& f) { return f.info().path; })
        .def_property_readonly("format", [](const File& f) { return std::string(gruscope::weightFormatName(f.info().format)); })
        .def_property_readonly("format_detail", [](const File& f) { return f.info().formatDetail; })
        .def_property_readonly("keras_version", [](const File& f) { return f.info().kerasVersion; })
        .def_property_readonly("keras_backend", [](const File& f) { return f.info().backend; })
        .def_property_readonly("model_config_json", [](const File& f) { return f.info().modelConfigJson; })
        .def_property_readonly("layers", &File::layers)
        .def_property_readonly("diagnostics", &File::diagnostics)
        .def_property_readonly("report", &File::report)
        .def("layer", &File::layer, py::arg("index"))
        .def("inspection_json", &File::inspection, py::arg("file"), py::arg("layer"), py::arg("with_tree"));

    m.def("load_file", &loadFilePy, py::arg("path"), py::arg("worker"), py::arg("isolate") = std::nullopt);
    m.def("run_bidirectional", &runBidirectionalPy, py::arg("forward"), py::arg("backward"), py::arg("merge_mode"),
          py::arg("x"), py::arg("mask"), py::arg("backend"), py::arg("trace"), py::arg("training"), py::arg("seed"));
    m.def("eligibility", &eligibilityPy, py::arg("config_json"), py::arg("flavor"), py::arg("mask"), py::arg("device"),
          py::arg("keras_version"), py::arg("training"));
    m.def("normalize_config", [](const std::string& json, const std::string& flavor) {
        gruscope::ParsedConfig p = parseConfig(json, flavor, "config");
        return py::make_tuple(gruscope::configToJson(p.config), std::string(gruscope::flavorName(p.config.flavor)), p.notes);
    }, py::arg("config_json"), py::arg("flavor"));
    m.def("devices", &devicesPy);
    m.def("version", [] { return std::string(gruscope::build::version); });
}
