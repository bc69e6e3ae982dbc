"""GruScope from Python: look inside a Keras GRU layer with exact Keras semantics.

Numpy in, numpy out::

    import gruscope
    res = gruscope.run(layer, x)              # a keras.layers.GRU, a tf_keras one, a file, a config
    res.output, res.state                     # what Keras returns
    res.z, res.r, res.h_tilde, res.h          # per-step gates: (samples, steps, units)
    gruscope.eligibility(layer)               # would Keras run it on cuDNN? why not, how to fix
    gruscope.compare(layer, x)                # the same call on every backend, against float64
    gruscope.inspect("model.keras")           # what a weight file holds
    gruscope.show(layer, x)                   # the GruScope window on that layer and input

What a ``layer`` may be, everywhere:

- a live Keras 3 ``keras.layers.GRU`` or tf_keras ``GRU`` (its ``get_config()`` and
  ``get_weights()``; the flavor follows the package it comes from), or
  ``Bidirectional(GRU)``;
- a Keras model, with ``layer_name=`` when it has several GRUs;
- a ``get_config()`` dict (or its JSON text) with ``weights=`` (a dict kernel /
  recurrent_kernel / bias, or ``layer.get_weights()``'s list);
- a weight file path (.keras, .h5, .weights.h5, .safetensors, .npz) with ``layer_name=``
  when it holds several GRUs; files are read in a separate, sandboxed process;
- a :class:`gruscope.Layer`, which keeps a stateful layer's state between runs.

Every problem raises :class:`gruscope.Error` (a ``ValueError``) with the engine's message.
"""

import json as _json
import os as _os

import numpy as _np

from . import _gruscope, _locate, _window
from ._layers import Layer, is_keras, is_keras_model, keras_grus, load_file as _load_file
from ._layers import choose_file_layers as _choose, eligibility_of as _eligibility_of, _is_path
from .errors import Error
from .results import Condition, EligibilityReport, RunResult

__all__ = ["run", "eligibility", "inspect", "compare", "show", "devices", "backends", "version", "Layer", "Error",
           "RunResult", "EligibilityReport", "Condition"]
__version__ = _gruscope.version()


def _layer(layer, weights=None, layer_name=None, flavor=None):
    if isinstance(layer, Layer) and weights is None and layer_name is None and flavor is None:
        return layer
    return Layer(layer, weights, layer_name=layer_name, flavor=flavor)


def run(layer, x, mask=None, initial_state=None, backend="auto", trace=True, training=False, seed=0, *,
        weights=None, layer_name=None, flavor=None):
    """Runs a GRU layer on ``x`` as Keras would and returns a :class:`RunResult`.

    Parameters
    ----------
    layer : Keras GRU / Bidirectional / model, config dict, file path or gruscope.Layer
        See the module's documentation. With a model, ``x`` is the GRU layer's own input.
    x : array (batch, timesteps, features)
        ``(timesteps, batch, features)`` with tf.keras's ``time_major=True``. Cast to float32.
    mask : array (batch, timesteps) of bool, optional
        True keeps a step (``(timesteps, batch)`` with ``time_major``). Keras's generic loop
        semantics: a masked step repeats the previous state.
    initial_state : array (batch, units), optional
    backend : "auto", "cpu", "reference", "cudnn" or "cuda"
        "auto" is what Keras would run here (cuDNN when built, present and eligible, else the
        CUDA fallback on a GPU, else the CPU). "reference" is float64 straight from the
        equations (``output64``/``state64`` hold the float64 values).
    trace : bool
        Record the gates of every step and sample (``z``, ``r``, ``h_tilde``, ``h`` and the
        pre-activations).
    training : bool
        Apply ``dropout``/``recurrent_dropout`` (masks from ``seed``, or the config's seed).
    weights, layer_name, flavor :
        ``weights`` for a config dict; ``layer_name`` picks a GRU of a model or file (a
        Bidirectional by its wrapper's name, or one half as "wrapper/forward_gru");
        ``flavor`` ("keras3" or "tf_keras") overrides whose semantics apply.

    Example
    -------
    >>> res = gruscope.run(keras_gru, x)
    >>> np.abs(res.output - keras_gru(x).numpy()).max()
    """
    return _layer(layer, weights, layer_name, flavor).run(x, mask, initial_state, backend, trace, training, seed)


def eligibility(layer_or_config, mask=None, device=None, training=False, keras_version=None, *, weights=None,
                layer_name=None, flavor=None):
    """Would Keras run this GRU through cuDNN? Every condition Keras checks, with its reason and
    the fix, as an :class:`EligibilityReport` (a dict: ``eligible``, ``conditions``, ``notes``).

    ``layer_or_config`` is anything :func:`run` takes; a config dict needs no weights. For a
    Keras model, a Bidirectional layer or a weight file the result is
    ``{layer name: report}``, one per GRU (``layer_name=`` narrows it to one).

    ``mask`` matters (cuDNN needs right-padded masks and no fully masked sample).
    ``device``: None or "auto" asks this machine's GPU; "gpu" (or True) assumes one is
    present, "none" (or False) that none is — to see the layer's own verdict on a machine
    without a GPU, pass ``device="gpu"``. ``training`` matters for the dropout rules;
    ``keras_version`` selects the rules of that release (default: the layer's own Keras, or
    the current rules).
    """
    if isinstance(layer_or_config, dict) or (isinstance(layer_or_config, str) and layer_or_config.lstrip().startswith("{")):
        text = layer_or_config if isinstance(layer_or_config, str) else _json.dumps(layer_or_config, default=str)
        return _eligibility_of(text, flavor or "", mask, device, training, keras_version or "")
    if is_keras_model(layer_or_config) and layer_name is None:
        out = {}
        for name, obj in keras_grus(layer_or_config):
            rep = Layer(obj, flavor=flavor).eligibility(mask, device, training, keras_version)
            out.update(rep if isinstance(rep, dict) and not isinstance(rep, EligibilityReport) else {name: rep})
        if not out:
            raise Error(f"model '{layer_or_config.name}' holds no GRU layer")
        return out
    if _is_path(layer_or_config) and not isinstance(layer_or_config, Layer):
        path = _os.fspath(layer_or_config)
        f = _load_file(path)
        indices = _choose(f, path, layer_name) if layer_name else range(len(f.layers))
        if not f.layers:
            raise Error(f"{path}: the file holds no GRU layer ({f.format_detail})")
        out = {}
        for i in indices:
            info = f.layers[i]
            version = keras_version if keras_version is not None else (f.keras_version if not flavor else "")
            out[info["name"]] = _eligibility_of(info["config_json"], flavor or info["flavor"], mask, device, training,
                                                version, info["name"])
        return out
    return _layer(layer_or_config, weights, layer_name, flavor).eligibility(mask, device, training, keras_version)


def inspect(path, layer_name=None, tree=False):
    """What a weight file holds, as a dict: ``file``, ``format``, ``keras_version``, ``layers``
    (each with its ``config``, tensor shapes and statistics per gate block, and diagnostics),
    the file's ``diagnostics`` and ``model_config``; with ``tree=True`` its HDF5 tree. The same
    as ``gruscope-cli inspect --json``. The file is read in a separate, sandboxed process."""
    path = _os.fspath(path)
    if not _os.path.exists(path):
        raise Error(f"{path}: no such file", "bad file")
    return _json.loads(_load_file(path).inspection_json(path, layer_name or "", bool(tree)))


def compare(layer, x, backends=("cpu", "reference"), mask=None, initial_state=None, *, repeats=5, warmups=1,
            tolerance=1e-5, training=False, seed=0, weights=None, layer_name=None, flavor=None):
    """The same call on several backends, side by side, as a dict.

    ``backends`` lists "cpu", "reference", "cudnn", "cuda" (all four: ``gruscope.backends()``
    names). The result holds ``shape``, and under ``backends`` one entry per backend: whether it
    ran (else ``reason``), median/min time in ms after ``warmups`` untimed calls, and its
    difference from the float64 reference: ``max_abs_output``, ``max_abs_state``,
    ``max_ulps_output``, ``max_abs_per_step``, ``max_abs_per_unit``, the first step past
    ``tolerance``. ``pairs`` gives, for every two backends that ran, the largest |difference|
    of their outputs and final states from one more call each.
    """
    lay = _layer(layer, weights, layer_name, flavor)
    half = lay._single("compare()")
    report = _json.loads(half.compare(x, mask, initial_state, list(backends), int(warmups), int(repeats),
                                      float(tolerance), bool(training), int(seed)))
    ran = [b["backend"] for b in report["backends"] if b["ran"]]
    results = {}
    for name in ran:
        fresh = Layer(lay)  # a stateful layer: every backend starts from the same (no) state
        fresh._halves = [_gruscope.Layer(half.config_json(), half.flavor, *_weights(half))]
        results[name] = fresh.run(x, mask, initial_state, name, trace=False, training=training, seed=seed)
    report["pairs"] = []
    for i, a in enumerate(ran):
        for b in ran[i + 1:]:
            ra, rb = results[a], results[b]
            pick = lambda r: (r.output64 if r.output64 is not None else r.output,
                              r.state64 if r.state64 is not None else r.state)
            (oa, sa), (ob, sb) = pick(ra), pick(rb)
            report["pairs"].append({"backends": [a, b],
                                    "max_abs_output": float(_np.max(_np.abs(oa.astype(_np.float64) - ob))) if oa.size else 0.0,
                                    "max_abs_state": float(_np.max(_np.abs(sa.astype(_np.float64) - sb))) if sa.size else 0.0})
    return report


def _weights(half):
    w = half.weights()
    return w["kernel"], w["recurrent_kernel"], w["bias"]


def show(layer_or_model, x=None, mask=None, initial_state=None, *, weights=None, layer_name=None, flavor=None,
         backend="auto", training=False, seed=0, tab="gates", step=0, unit=0, block=False, launch=True):
    """Opens the GruScope window on a layer (or a model) and an input; returns the file it
    opened.

    - One GRU (a Keras GRU layer, a config with ``weights=``, a gruscope.Layer, or one GRU of a
      model or file named by ``layer_name``): writes a session file
      (``*.gruscope.json``, the window's own format: arguments, weights, input, mask, initial
      state) into a new temporary folder and opens it. The window can save it elsewhere.
    - A Keras model: saves it as ``model.keras`` in a temporary folder with ``x`` (the model's
      input) as ``input.npy`` (and ``mask.npy``) beside it, and opens it on the GRU
      ``layer_name`` (the window asks which of several otherwise). The window takes ``x`` on a
      GRU that reads it directly; for a GRU deeper in the model it opens on the first one (with
      a warning) and "Layer of the model" then shows the deeper one on what the layers before
      make of ``x``.
    - A weight file: the same with a copy of the file.

    ``x`` is the GRU's input for one GRU, the model's input for a model; without it, a sine per
    feature. ``tab`` picks the window's central view (gates, weights, compare, saturation,
    diff), ``step``/``unit`` the step and unit shown. The window runs on its own (closing the
    notebook leaves it open); ``block=True`` waits until it is closed. ``launch=False`` only
    writes the files (for a machine without a display). The window finds the ``gruscope``
    program in this build or installation, or at ``$GRUSCOPE_APP``.
    """
    if is_keras_model(layer_or_model):
        folder = _window.new_folder()
        target = _os.path.join(folder, "model.keras")
        try:
            layer_or_model.save(target)
        except Exception as e:  # Keras's own errors (a model that cannot be saved)
            raise Error(f"could not save the model to {target}: {e}", "unsupported") from e
        _window.stage_inputs(folder, x, mask)
        return _open_file(target, layer_name, tab, step, unit, block, launch, x)
    if _is_path(layer_or_model) and not isinstance(layer_or_model, Layer) and flavor is None:
        # The window opens the file itself: all its GRUs stay reachable, a Bidirectional too.
        path = _os.fspath(layer_or_model)
        if not _os.path.exists(path):
            raise Error(f"{path}: no such file", "bad file")
        folder = _window.new_folder()
        target = _window.stage_model_file(folder, path, x, mask)
        return _open_file(target, layer_name, tab, step, unit, block, launch, x)
    lay = _layer(layer_or_model, weights, layer_name, flavor)
    if lay.bidirectional:
        raise Error(f"show() opens one GRU, and '{lay.name}' is a Bidirectional: pass the model (the window shows "
                    "either direction of it), or one half (layer.forward_layer)", "unsupported")
    session = _window.session_dict(lay, x, mask, initial_state, backend, training, seed, tab, step, unit)
    folder = _window.new_folder()
    path = _os.path.join(folder, f"{lay.name or 'gru'}.gruscope.json")
    _window.write_session(path, session)
    if launch:
        _launch(path, [], block)
    return path


def _open_file(target, layer_name, tab, step, unit, block, launch, x=None):
    # The window's --layer takes a GRU's name as the file lists it ("bidirectional/forward_gru"
    # for a half); a wrapper's name opens its forward half. Without a name the window asks which
    # GRU of several to show.
    f = _load_file(target)
    if not f.layers or layer_name:
        picked = _choose(f, target, layer_name)  # raises for no GRU or a wrong name
    else:
        try:
            picked = _choose(f, target, None)
        except Error:
            picked = None  # several GRUs: the window asks
    if picked and x is not None:
        # The window takes input.npy only for a GRU that reads it directly (its features); a GRU
        # deeper in the model gets the input run through the layers before once the window is
        # on the first one and "Layer of the model" picks it.
        features = _np.shape(x)[-1]
        chosen = f.layers[picked[0]]
        if chosen["kernel_shape"][0] != features:
            first = next((i for i, l in enumerate(f.layers) if l["kernel_shape"][0] == features), None)
            if first is not None:
                import warnings
                warnings.warn(f"the window opens on '{f.layers[first]['name']}', the GRU that reads x ({features} "
                              f"features); choose '{chosen['name']}' under 'Layer of the model' to see it on the "
                              "input the model gives it", stacklevel=3)
                picked = [first]
    args = []
    if picked:
        args += ["--layer", f.layers[picked[0]]["name"]]
    if tab not in _window.TABS:
        raise Error(f"tab '{tab}': allowed are {', '.join(_window.TABS)}")
    if tab != "gates":
        args += ["--tab", tab]
    if step:
        args += ["--step", str(int(step))]
    if unit:
        args += ["--unit", str(int(unit))]
    if launch:
        _launch(target, args, block)
    return target


def _launch(target, args, block):
    if not _window.has_display():
        import warnings
        warnings.warn(f"no display (DISPLAY/WAYLAND_DISPLAY unset): wrote {target} but did not open the window; "
                      f"open it with: gruscope {target}", stacklevel=3)
        return
    _window.launch(target, args, block)


def devices():
    """What this machine and this build can run: ``gpu`` (present, name, compute capability,
    driver, cuDNN, memory, or the reason there is none), whether the GPU backends were built
    (``gpu_backends_built``, ``gpu_toolchain``), and ``backends``: one entry per backend (name,
    usable, summary, reason), in the order ``backend="auto"`` considers them."""
    return _gruscope.devices()


def backends():
    """The backends' names, in the order "auto" considers them, then the reference."""
    return [b["name"] for b in _gruscope.devices()["backends"]]


def version():
    """GruScope's version (the engine this module was built with)."""
    return _gruscope.version()
