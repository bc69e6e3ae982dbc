"""From whatever the user holds (a live Keras layer or model, a config dict and weights, a weight
file) to the engine's layer."""

import json
import os
import sys

import numpy as np

from . import _gruscope, _locate
from .errors import Error
from .results import RunResult, _run_result, EligibilityReport


def _json_default(o):
    # get_config() may hold numpy scalars (a seed) or objects Keras itself serialises by name.
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def keras_origin(obj):
    """(flavor, Keras version) of a live Keras object, from the package its class comes from:
    ``keras`` 3.x is Keras 3; ``tf_keras``, ``keras`` 2.x and TensorFlow's own ``tf.keras``
    before 2.16 are tf.keras (Keras 2). (None, "") for anything else."""
    root = (type(obj).__module__ or "").split(".")[0]
    pkg = sys.modules.get(root)
    version = str(getattr(pkg, "__version__", "") or "")
    if root == "tf_keras":
        return "tf_keras", version
    if root == "keras":
        try:
            major = int(version.split(".")[0])
        except ValueError:
            major = 3
        return ("keras3" if major >= 3 else "tf_keras"), version
    if root == "tensorflow":
        return "tf_keras", ""
    return None, ""


def is_keras(obj):
    return keras_origin(obj)[0] is not None and hasattr(obj, "get_config")


def _kind(obj):
    return type(obj).__name__


def is_keras_model(obj):
    return is_keras(obj) and _kind(obj) not in ("GRU", "Bidirectional") and hasattr(obj, "layers")


def keras_grus(model):
    """[(name, layer)] of every GRU and Bidirectional(GRU) in a Keras model, nested models
    included, in the model's order."""
    out = []
    for layer in getattr(model, "layers", []):
        kind = _kind(layer)
        if kind == "GRU":
            out.append((layer.name, layer))
        elif kind == "Bidirectional" and _kind(getattr(layer, "forward_layer", None)) == "GRU":
            out.append((layer.name, layer))
        elif hasattr(layer, "layers") and is_keras(layer):
            out.extend(keras_grus(layer))
    return out


def _weights_tuple(weights, what):
    """(kernel, recurrent_kernel, bias or None) from a dict with those keys or a list of 2 or 3
    arrays (what layer.get_weights() returns)."""
    if isinstance(weights, dict):
        missing = [k for k in ("kernel", "recurrent_kernel") if k not in weights]
        if missing:
            raise Error(f"{what}: weights dict lacks {', '.join(missing)} (keys: kernel, recurrent_kernel, bias)")
        return weights["kernel"], weights["recurrent_kernel"], weights.get("bias")
    if isinstance(weights, (list, tuple)):
        if len(weights) not in (2, 3):
            raise Error(f"{what}: weights is a list of {len(weights)} arrays; expected [kernel, recurrent_kernel, bias] "
                        "as layer.get_weights() gives them (bias absent with use_bias=False)")
        return weights[0], weights[1], (weights[2] if len(weights) == 3 else None)
    raise Error(f"{what}: weights must be a dict (kernel, recurrent_kernel, bias) or a list of arrays, "
                f"not {type(weights).__name__}")


def _from_keras_gru(obj, weights, flavor):
    fl, version = keras_origin(obj)
    name = getattr(obj, "name", "gru")
    w = obj.get_weights() if weights is None else weights
    if weights is None and not w:
        raise Error(f"Keras layer '{name}' has no weights yet: build it (call it once on an input, or "
                    "layer.build(input_shape)) or pass weights=")
    k, rk, b = _weights_tuple(w, f"Keras layer '{name}'")
    config = json.dumps(obj.get_config(), default=_json_default)
    return _gruscope.Layer(config, flavor or fl, k, rk, b), version


def _is_path(obj):
    return isinstance(obj, os.PathLike) or (isinstance(obj, str) and not obj.lstrip().startswith("{"))


def load_file(path):
    """The file as the gruscope-parse child read it (the engine's isolated loader)."""
    return _gruscope.load_file(os.fspath(path), _locate.parse_worker())


def _layer_list(layers):
    return "".join(f"\n  {l['name']}  {l['kind']} kernel {tuple(l['kernel_shape'])}"
                   + (f"  ({l['direction']} half of {l['wrapper']})" if l["wrapper"] else "") for l in layers)


def choose_file_layers(f, path, name):
    """Indices of the file's layers `name` picks: one GRU, or a Bidirectional's forward and
    backward halves (by the wrapper's name); with no name, the file's only GRU (or only
    Bidirectional)."""
    layers = f.layers
    if not layers:
        raise Error(f"{path}: the file holds no GRU layer ({f.format_detail})")
    if not name:
        if len(layers) == 1:
            return [0]
        if len(layers) == 2 and layers[0]["wrapper"] and layers[0]["wrapper"] == layers[1]["wrapper"]:
            return sorted([0, 1], key=lambda i: layers[i]["direction"] != "forward")
        raise Error(f"{path} holds {len(layers)} GRU layers; choose one with layer_name=:{_layer_list(layers)}")
    for i, l in enumerate(layers):
        if l["name"] == name:
            return [i]
    halves = [i for i, l in enumerate(layers) if l["wrapper"] == name]
    if len(halves) == 2:
        return sorted(halves, key=lambda i: layers[i]["direction"] != "forward")
    raise Error(f"{path}: no GRU layer named '{name}'; the file holds:{_layer_list(layers)}")


class Layer:
    """A GRU layer as GruScope runs it: Keras's arguments and weights, checked once.

    ``gruscope.Layer(x)`` takes what :func:`gruscope.run` takes: a Keras 3 or tf_keras
    ``GRU`` or ``Bidirectional(GRU)`` layer, a Keras model with ``layer_name=`` (or with one
    GRU), a ``get_config()`` dict with ``weights=``, or a weight file (.keras, .h5,
    .weights.h5, .safetensors, .npz) with ``layer_name=`` when it holds several GRUs.

    Keep a Layer to call it repeatedly: a ``stateful`` layer carries its state from one
    :meth:`run` to the next (``reset_states()`` forgets it), as in Keras.
    """

    def __init__(self, layer, weights=None, *, layer_name=None, flavor=None):
        self.keras_version = ""
        self.merge_mode = None
        self.source = ""
        if isinstance(layer, Layer):
            self.__dict__.update(layer.__dict__)
            return
        if is_keras(layer):
            self._from_keras(layer, weights, layer_name, flavor)
        elif isinstance(layer, dict) or (isinstance(layer, str) and layer.lstrip().startswith("{")):
            if weights is None:
                raise Error("a config needs its weights: gruscope.run(config, x, weights={'kernel': ..., "
                            "'recurrent_kernel': ..., 'bias': ...}) or weights=layer.get_weights()")
            text = layer if isinstance(layer, str) else json.dumps(layer, default=_json_default)
            k, rk, b = _weights_tuple(weights, "config")
            self._halves = [_gruscope.Layer(text, flavor or "", k, rk, b)]
            self.source = "a config dict"
        elif _is_path(layer):
            self._from_file(os.fspath(layer), layer_name, flavor)
        else:
            raise Error(f"cannot make a GRU layer from a {type(layer).__module__}.{type(layer).__name__}: pass a Keras "
                        "GRU or Bidirectional layer, a Keras model, a get_config() dict with weights=, or a weight file path")

    def _from_keras(self, obj, weights, layer_name, flavor):
        if is_keras_model(obj):
            grus = keras_grus(obj)
            names = "".join(f"\n  {n}  {_kind(l)}" for n, l in grus)
            if layer_name:
                found = [l for n, l in grus if n == layer_name]
                if not found:
                    # A Bidirectional's half, named as files name it: "bidirectional/forward_gru".
                    for n, l in grus:
                        if _kind(l) == "Bidirectional":
                            for half in (l.forward_layer, l.backward_layer):
                                if layer_name in (f"{n}/{half.name}", half.name):
                                    found = [half]
                if not found:
                    raise Error(f"model '{obj.name}' has no GRU named '{layer_name}'; it has:{names}")
                obj = found[0]
            elif len(grus) == 1:
                obj = grus[0][1]
            else:
                raise Error(f"model '{obj.name}' holds {len(grus)} GRU layers; choose one with layer_name=:"
                            f"{names or ' (none)'}")
        kind = _kind(obj)
        self.source = f"{type(obj).__module__.split('.')[0]}.layers.{kind} '{obj.name}'"
        if kind == "GRU":
            layer, self.keras_version = _from_keras_gru(obj, weights, flavor)
            self._halves = [layer]
        elif kind == "Bidirectional":
            if weights is not None:
                raise Error("a Bidirectional layer takes its weights from its two halves; pass no weights=")
            fwd, self.keras_version = _from_keras_gru(obj.forward_layer, None, flavor)
            bwd, _ = _from_keras_gru(obj.backward_layer, None, flavor)
            self._halves = [fwd, bwd]
            self.merge_mode = obj.merge_mode if obj.merge_mode is not None else "none"
            self._name = obj.name
        else:
            raise Error(f"{kind} '{getattr(obj, 'name', '')}' is not a GRU: gruscope looks inside keras.layers.GRU "
                        "and Bidirectional(GRU)", "unsupported")

    def _from_file(self, path, layer_name, flavor):
        if not os.path.exists(path):
            raise Error(f"{path}: no such file", "bad file")
        f = load_file(path)
        picked = choose_file_layers(f, path, layer_name)
        self._halves = [f.layer(i) for i in picked]
        if flavor:
            # The file's arguments under another flavor: read its config again as that Keras.
            self._halves = [_gruscope.Layer(h.config_json(), flavor, *_weights_tuple(h.weights(), path))
                            for h in self._halves]
        self.keras_version = f.keras_version
        self.source = f"{path} ({f.format_detail})"
        if len(picked) == 2:
            info = f.layers[picked[0]]
            self.merge_mode = info["merge_mode"]
            self._name = info["wrapper"]

    # ---- what it is ------------------------------------------------------------------------

    @property
    def bidirectional(self):
        """True for Bidirectional(GRU): two halves, merged by ``merge_mode``."""
        return len(self._halves) == 2

    @property
    def name(self):
        return self._name if self.bidirectional else self._halves[0].name

    @property
    def flavor(self):
        """"keras3" or "tf_keras": whose semantics the layer runs with."""
        return self._halves[0].flavor

    @property
    def units(self):
        return self._halves[0].units

    @property
    def config(self):
        """The arguments as Keras's get_config() dict (a list of two for a Bidirectional)."""
        configs = [json.loads(h.config_json()) for h in self._halves]
        return configs if self.bidirectional else configs[0]

    @property
    def weights(self):
        """{'kernel': (I, 3U), 'recurrent_kernel': (U, 3U), 'bias': (2, 3U), (3U,) or None},
        gate blocks z | r | h (a list of two for a Bidirectional)."""
        w = [h.weights() for h in self._halves]
        return w if self.bidirectional else w[0]

    @property
    def notes(self):
        """What reading the arguments noticed: keys ignored, flavor guessed, values assumed."""
        return [n for h in self._halves for n in h.notes]

    @property
    def state(self):
        """A stateful layer's stored state (B, U), or None before its first run."""
        return self._halves[0].stored_state if not self.bidirectional else tuple(h.stored_state for h in self._halves)

    def reset_states(self):
        """Forget a stateful layer's stored state (the next run starts from zeros)."""
        for h in self._halves:
            h.reset_states()

    def __repr__(self):
        kind = f"Bidirectional(merge_mode={self.merge_mode!r}) of " if self.bidirectional else ""
        return f"<gruscope.Layer {self.name!r}: {kind}GRU({self.units}), {self.flavor}, from {self.source}>"

    # ---- what it does ----------------------------------------------------------------------

    def run(self, x, mask=None, initial_state=None, backend="auto", trace=True, training=False, seed=0):
        """Runs the layer on ``x``; see :func:`gruscope.run`."""
        if self.bidirectional:
            if initial_state is not None:
                raise Error("initial_state for a Bidirectional layer is not supported: run one half "
                            "(layer_name='<wrapper>/forward_<name>') with its own initial_state", "unsupported")
            d = _gruscope.run_bidirectional(self._halves[0], self._halves[1], self.merge_mode, x, mask, backend,
                                            bool(trace), bool(training), int(seed))
            fwd, bwd = _run_result(d["forward"]), _run_result(d["backward"])
            fields = {"output": d["output"], "backward_output": d["backward_output"], "state": (fwd.state, bwd.state),
                      "forward": fwd, "backward": bwd, "backend": fwd.backend,
                      "notes": fwd.notes + [n for n in bwd.notes if n not in fwd.notes]}
            for k in ("z", "r", "h_tilde", "h", "pre_z", "pre_r", "pre_h_tilde", "kept"):
                fields[k] = None
            return RunResult(fields)
        return _run_result(self._halves[0].call(x, mask, initial_state, backend, bool(trace), bool(training), int(seed)))

    def eligibility(self, mask=None, device=None, training=False, keras_version=None):
        """Keras's cuDNN verdict for this layer; see :func:`gruscope.eligibility`. A
        Bidirectional gives {half name: report}."""
        reports = {}
        for h in self._halves:
            # A file names its halves "wrapper/forward_gru" already; a live Keras layer does not.
            name = h.name if not self.bidirectional or h.name.startswith(self._name + "/") else f"{self._name}/{h.name}"
            reports[name] = eligibility_of(h.config_json(), h.flavor, mask, device, training,
                                           self.keras_version if keras_version is None else keras_version, name)
        return reports if self.bidirectional else next(iter(reports.values()))

    def _single(self, what):
        if self.bidirectional:
            raise Error(f"{what} works on one GRU; name a half of Bidirectional '{self._name}' with "
                        f"layer_name='{self._name}/{self._halves[0].name}'", "unsupported")
        return self._halves[0]


def device_name(device):
    if device is None:
        return "auto"
    if device is True:
        return "gpu"
    if device is False:
        return "none"
    return str(device)


def eligibility_of(config_json, flavor, mask, device, training, keras_version, layer_name=""):
    d = _gruscope.eligibility(config_json, flavor, mask, device_name(device), keras_version or "", bool(training))
    d["layer"] = layer_name
    return EligibilityReport(d)
