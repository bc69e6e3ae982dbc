#!/usr/bin/env python3
"""Generate GRU weight-file fixtures (every layout GruScope's readers must open).

Every weight file written here is saved by the real library whenever that is
possible (tf_keras, Keras 3, torch + safetensors, numpy).  Only layouts that no
installed library can write any more (Keras 2.1/2.2 multi-backend .h5) are
constructed with h5py, following the layout of real files of that era; they are
labelled "constructed" in the manifest.  Expected values always come from a real
Keras (or torch) call on a fixed input; nothing here re-implements GRU math
(the only array conversions are the PyTorch -> Keras weight mapping, which is
cross-checked by running Keras on the mapped weights, and the Keras-2 files,
which hold the weights of a tf_keras model unchanged).

Usage:
    python3 tools/make_weightfile_fixtures.py [--out tests/data/weightfiles]

Output (a contract read by the C++ tests):
    <out>/manifest.json     one entry per weight file (format, producer, GRU
                            layers with config + dataset paths, input, expected)
    <out>/README.md         versions, regeneration command, one line per file
    <out>/*.h5 *.keras ...  the weight files
    <out>/<case>.expected.npz   what Keras/torch computed (see README)
    <out>/x*.npy/.npz/.csv  the fixed inputs

Determinism: weights come from numpy RandomState seeded by CRC32 of the case
name; .npy/.npz files are written by a deterministic zip writer; h5py does not
record timestamps, so every .h5 is byte-identical between runs.  Keras 3 .keras
archives carry "date_saved" and the zip time of model.weights.h5, so an existing
.keras is kept when only those differ.  All files are generated into a staging
directory first and then installed.
"""

import os

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import argparse  # noqa: E402
import copy  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
import zipfile  # noqa: E402
import zlib  # noqa: E402

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import h5py  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
import tf_keras  # noqa: E402
from tf_keras.src.layers.rnn.cudnn_gru import CuDNNGRU  # noqa: E402
from tf_keras.src.saving.legacy import hdf5_format as tfk_hdf5  # noqa: E402

try:
    import torch  # noqa: E402
    import safetensors  # noqa: E402
    import safetensors.torch  # noqa: E402
    HAVE_TORCH = True
except ImportError:  # pragma: no cover - documented fallback
    HAVE_TORCH = False

tf.config.set_visible_devices([], "GPU")
try:
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
except RuntimeError:
    pass
if HAVE_TORCH:
    torch.set_num_threads(1)

# Fixed sizes (small on purpose).
B, T, I, U, U2, D = 2, 5, 3, 4, 5, 2
PATCHED_LIMIT = 60
F32 = np.float32

TFK = tf_keras
TL = tf_keras.layers
KL = keras.layers

VERSIONS = {
    "python": platform.python_version(),
    "numpy": np.__version__,
    "h5py": h5py.__version__,
    "hdf5": h5py.version.hdf5_version,
    "tensorflow": tf.__version__,
    "tf_keras": tf_keras.__version__,
    "keras": keras.__version__,
    "torch": torch.__version__ if HAVE_TORCH else None,
    "safetensors": safetensors.__version__ if HAVE_TORCH else None,
}
P_TFK = f"tf_keras {tf_keras.__version__} (TensorFlow {tf.__version__})"
P_K3 = f"keras {keras.__version__} (TensorFlow {tf.__version__} backend)"
P_H5 = f"constructed with h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version})"
P_TORCH = (f"torch {VERSIONS['torch']} + safetensors {VERSIONS['safetensors']}"
           if HAVE_TORCH else None)
P_NP = f"numpy {np.__version__} (weights from {P_K3})"


# --------------------------------------------------------------------------
# Deterministic writers
# --------------------------------------------------------------------------

def npy_bytes(a):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def write_npz(path, arrays):
    """np.savez-compatible, stored (uncompressed), fixed zip timestamps."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for k, v in arrays.items():
            zi = zipfile.ZipInfo(k + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            z.writestr(zi, npy_bytes(np.asarray(v)))


def write_npy(path, a):
    with open(path, "wb") as f:
        f.write(npy_bytes(a))


def f32_text(v):
    # shortest decimal that round-trips to the same float32 (strtof-exact)
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def jsonable(o):
    if isinstance(o, dict):
        return {str(k): jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [jsonable(v) for v in o]
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if o is None or isinstance(o, (str, int, float, bool)):
        return o
    return str(o)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# --------------------------------------------------------------------------
# Deterministic data
# --------------------------------------------------------------------------

def rng_for(name):
    return np.random.RandomState(zlib.crc32(name.encode("utf-8")))


X = np.random.RandomState(20240611).uniform(-1.0, 1.0, size=(B, T, I)).astype(F32)
X_TIME_MAJOR = np.ascontiguousarray(X.transpose(1, 0, 2))


def det_values(name, shapes_dtypes_names):
    """Weights in [-0.6, 0.6], biases in [-0.3, 0.3] (never all zero)."""
    rng = rng_for(name)
    out = []
    for shape, dtype, vname in shapes_dtypes_names:
        scale = 0.3 if "bias" in vname else 0.6
        out.append(rng.uniform(-scale, scale, size=shape).astype(dtype))
    return out


def set_det_weights(model, name):
    ws = model.get_weights()
    names = [v.name for v in model.weights]
    assert len(ws) == len(names)
    vals = det_values(name, [(w.shape, w.dtype, n) for w, n in zip(ws, names)])
    model.set_weights(vals)
    return vals


def np_out(t):
    if isinstance(t, (list, tuple)):
        return [np_out(v) for v in t]
    return np.asarray(t)


# --------------------------------------------------------------------------
# What Keras computes, per GRU layer
# --------------------------------------------------------------------------

def probe_clone(mod, layer, inp):
    """Same layer config with return_sequences/return_state, same weights."""
    cfg = layer.get_config()
    cfg = dict(cfg)
    cfg["return_sequences"] = True
    cfg["return_state"] = True
    cfg["stateful"] = False
    cfg["name"] = cfg["name"] + "_probe"
    for k in ("batch_input_shape", "batch_shape", "input_shape"):
        cfg.pop(k, None)
    clone = layer.__class__.from_config(cfg)
    clone(inp)
    clone.set_weights(layer.get_weights())
    seq, h = clone(inp, training=False)
    return np.asarray(seq), np.asarray(h)


def layer_input(mod, model, layer, x):
    try:
        if any(layer.input is t for t in model.inputs):
            return x
    except AttributeError:
        pass
    sub = mod.Model(model.inputs, layer.input)
    return np_out(sub(x, training=False))


def gru_expectations(mod, model, layer, x, exp, key=None):
    """Fill exp with <key>__input/__output/__sequences/__state (+ Bidi parts)."""
    key = key or layer.name
    inp = layer_input(mod, model, layer, x)
    exp[f"{key}__input"] = inp
    sub = mod.Model(model.inputs, layer.output)
    out = np_out(sub(x, training=False))
    keys = {"input": f"{key}__input"}
    if isinstance(out, list):
        for j, o in enumerate(out):
            exp[f"{key}__output_{j}"] = o
        keys["output"] = [f"{key}__output_{j}" for j in range(len(out))]
    else:
        exp[f"{key}__output"] = out
        keys["output"] = f"{key}__output"
    if layer.__class__.__name__ == "Bidirectional":
        for part, sub_layer in (("forward", layer.forward_layer),
                                ("backward", layer.backward_layer)):
            seq, h = probe_clone(mod, sub_layer, inp)
            exp[f"{key}__{part}__sequences"] = seq
            exp[f"{key}__{part}__state"] = h
            keys[f"{part}_sequences"] = f"{key}__{part}__sequences"
            keys[f"{part}_state"] = f"{key}__{part}__state"
    else:
        seq, h = probe_clone(mod, layer, inp)
        exp[f"{key}__sequences"] = seq
        exp[f"{key}__state"] = h
        keys["sequences"] = f"{key}__sequences"
        keys["state"] = f"{key}__state"
    return keys


def describe_keras_layer(layer, cls=None, config=None):
    cls = cls or layer.__class__.__name__
    d = {"name": layer.name, "class": cls,
         "config": jsonable(config if config is not None else layer.get_config())}
    ws = layer.get_weights()
    if cls == "Bidirectional":
        fw, bw = layer.forward_layer, layer.backward_layer
        n = len(fw.get_weights())
        d["forward_layer_name"] = fw.name
        d["backward_layer_name"] = bw.name
        d["backward_config"] = jsonable(bw.get_config())
        fws = ws[:n]
    else:
        fws = ws
    d["kernel_shape"] = list(fws[0].shape)
    d["recurrent_kernel_shape"] = list(fws[1].shape)
    d["bias_shape"] = list(fws[2].shape) if len(fws) > 2 else None
    d["dtype"] = str(fws[0].dtype)
    d["n_weights"] = len(ws)
    return d


# --------------------------------------------------------------------------
# Locating weights inside the files (by value: weights are random, unique)
# --------------------------------------------------------------------------

def h5_datasets(f):
    out = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out.append(("/" + name, obj[()]))
    f.visititems(visit)
    return out


def open_h5_of(path):
    """h5py.File for a .h5 or for model.weights.h5 inside a .keras zip."""
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as z:
            data = z.read("model.weights.h5")
        return h5py.File(io.BytesIO(data), "r"), "model.weights.h5"
    return h5py.File(path, "r"), None


def find_paths(datasets, arrays):
    paths = []
    for a in arrays:
        hits = [p for p, v in datasets
                if np.shape(v) == a.shape and np.array_equal(
                    np.asarray(v, dtype=np.float64), a.astype(np.float64))]
        if len(hits) != 1:
            raise RuntimeError(f"weight located {len(hits)} times: {hits}")
        paths.append(hits[0])
    return paths


def layer_group(f, first_path, layer_name):
    """Legacy h5: the group with weight_names; K3: the group whose vars has
    attr name == layer_name (walking up from the first dataset)."""
    parts = first_path.strip("/").split("/")
    for n in range(len(parts) - 1, 0, -1):
        g = "/" + "/".join(parts[:n])
        obj = f[g]
        if "weight_names" in obj.attrs or "weight_names0" in obj.attrs:
            return g
        if "vars" in obj and obj["vars"].attrs.get("name") == layer_name:
            return g
    return "/" + "/".join(parts[:-1])


def annotate_paths(path, gru_layers, weights_per_layer):
    f, member = open_h5_of(path)
    with f:
        ds = h5_datasets(f)
        for d, arrays in zip(gru_layers, weights_per_layer):
            wp = find_paths(ds, arrays)
            d["weight_paths"] = wp
            d["path_in_file"] = layer_group(f, wp[0], d["name"])
            if member:
                d["h5_member"] = member
    return gru_layers


# --------------------------------------------------------------------------
# Bookkeeping
# --------------------------------------------------------------------------

class Registry:
    def __init__(self, stage):
        self.stage = stage
        self.files = []       # manifest entries for weight files
        self.data_files = []  # inputs / expected
        self.checks = []      # verification log lines
        self.constructed = []

    def p(self, name):
        return os.path.join(self.stage, name)

    def add(self, entry):
        self.files.append(entry)

    def data(self, name, kind, desc):
        self.data_files.append({"file": name, "kind": kind, "description": desc})

    def check(self, msg):
        self.checks.append(msg)
        print("  check:", msg, flush=True)


def assert_same(name, a, b):
    if isinstance(a, list):
        for j, (u, v) in enumerate(zip(a, b)):
            assert_same(f"{name}[{j}]", u, v)
        return 0.0
    a, b = np.asarray(a), np.asarray(b)
    if not np.array_equal(a, b):
        diff = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
        raise AssertionError(f"{name}: reload mismatch, max |diff| {diff}")
    return 0.0


def save_expected(reg, case, exp, desc):
    fn = f"{case}.expected.npz"
    write_npz(reg.p(fn), exp)
    reg.data(fn, "expected_npz", desc)
    return fn


# --------------------------------------------------------------------------
# tf_keras cases
# --------------------------------------------------------------------------

def tfk_clear():
    tf_keras.backend.clear_session()


def tfk_case(reg, case, build, saves, *, x=X, x_file="x.npy", notes="",
             stateful=False, extra_exp=None):
    """build() -> model. saves: list of (suffix, format, kind['full'|'weights'],
    extra notes)."""
    tfk_clear()
    model = build()
    set_det_weights(model, case)
    if stateful:
        model.reset_states()
    exp = {"x": x}
    gru_like = [l for l in model.layers
                if l.__class__.__name__ in ("GRU", "Bidirectional")]
    keys_per = []
    for l in gru_like:
        if stateful:
            l.reset_states()
        keys_per.append(gru_expectations(TFK, model, l, x, exp))
    if stateful:
        model.reset_states()
    out = np_out(model(x, training=False))
    if isinstance(out, list):
        for j, o in enumerate(out):
            exp[f"model__output_{j}"] = o
        model_key = [f"model__output_{j}" for j in range(len(out))]
    else:
        exp["model__output"] = out
        model_key = "model__output"
    if stateful:
        exp["model__output_call2"] = np_out(model(x, training=False))
        model.reset_states()
    if extra_exp:
        extra_exp(model, exp)
    exp_file = save_expected(reg, case, exp, f"Keras outputs for case {case}")

    for suffix, fmt, kind, fnotes in saves:
        fn = case + suffix
        path = reg.p(fn)
        if kind == "full":
            model.save(path)
        else:
            model.save_weights(path)
        # verify reload
        if stateful:
            model.reset_states()
        if kind == "full":
            m2 = tf_keras.models.load_model(path, compile=False)
        else:
            m2 = build()
            m2.load_weights(path)
        if stateful:
            m2.reset_states()
        got = np_out(m2(x, training=False))
        assert_same(fn, got, out)
        if stateful:
            assert_same(fn + " call2", np_out(m2(x, training=False)),
                        exp["model__output_call2"])
        reg.check(f"{fn}: reloaded with tf_keras "
                  f"{'load_model' if kind == 'full' else 'load_weights'}; "
                  f"prediction bit-identical")
        layers = [describe_keras_layer(l) for l in gru_like]
        for d, k in zip(layers, keys_per):
            d["expected_keys"] = k
        annotate_paths(path, layers, [l.get_weights() for l in gru_like])
        reg.add({"file": fn, "format": fmt, "producer": P_TFK,
                 "save_call": ("model.save(path)" if kind == "full"
                               else "model.save_weights(path)"),
                 "model_class": model.__class__.__name__,
                 "gru_layers": layers, "input": x_file, "expected": exp_file,
                 "expected_model_output_key": model_key,
                 "notes": " ".join(s for s in (notes, fnotes) if s)})
    return model


def seq_head(*layers):
    return tf_keras.Sequential(list(layers) + [TL.Dense(D)])


def tfk_cases(reg):
    FULL = (".full.h5", "tfkeras_h5_full", "full", "")
    WO = (".weights_only.h5", "tfkeras_h5_weights", "weights",
          "Weights-only legacy layout at the file root (no model_config).")

    tfk_case(reg, "tfk_gru_dense",
             lambda: seq_head(TL.GRU(U, input_shape=(T, I))), [FULL, WO],
             notes="Sequential [GRU(4), Dense(2)], defaults (reset_after=True, "
                   "sigmoid). layer_names excludes the InputLayer; model_config "
                   "lists it.")

    def compiled():
        m = seq_head(TL.GRU(U, input_shape=(T, I)))
        m.compile(optimizer=TFK.optimizers.Adam(1e-3), loss="mse")
        return m

    # compiled + one training step => training_config + optimizer_weights
    case = "tfk_gru_dense_compiled"
    tfk_clear()
    m = compiled()
    set_det_weights(m, case + "_pretrain")
    y = rng_for(case + "_y").uniform(-1, 1, size=(B, D)).astype(F32)
    m.train_on_batch(X, y)
    tfk_case_prebuilt(reg, case, m, compiled, notes=(
        "Compiled with Adam and trained one step (train_on_batch), then weights "
        "reset to deterministic values: the file has training_config and an "
        "/optimizer_weights group that readers must skip."))

    tfk_case(reg, "tfk_functional",
             lambda: tfk_functional(), [FULL, WO],
             notes="Functional Input->GRU->Dense; layer_names includes the "
                   "InputLayer (empty weight_names, stored as an empty float64 "
                   "array).")
    tfk_case(reg, "tfk_reset_after_false",
             lambda: seq_head(TL.GRU(U, reset_after=False, input_shape=(T, I))),
             [FULL], notes="reset_after=False: bias shape (3U,).")
    tfk_case(reg, "tfk_use_bias_false",
             lambda: seq_head(TL.GRU(U, use_bias=False, input_shape=(T, I))),
             [FULL], notes="use_bias=False: only kernel and recurrent_kernel.")
    tfk_case(reg, "tfk_hard_sigmoid",
             lambda: seq_head(TL.GRU(U, recurrent_activation="hard_sigmoid",
                                     input_shape=(T, I))),
             [FULL], notes="recurrent_activation=hard_sigmoid (tf_keras "
                           "definition clip(0.2x+0.5,0,1)), reset_after=True.")
    for mm in ("concat", "sum", "mul", "ave"):
        saves = [FULL] + ([WO] if mm == "concat" else [])
        tfk_case(reg, f"tfk_bidi_{mm}",
                 lambda mm=mm: seq_head(TL.Bidirectional(
                     TL.GRU(U, return_sequences=True), merge_mode=mm,
                     input_shape=(T, I))),
                 saves, notes=f"Bidirectional(GRU(4, return_sequences=True), "
                 f"merge_mode='{mm}') + Dense(2) applied per step. Weights of "
                 f"one group, forward kernel/recurrent/bias then backward. "
                 f"__backward__sequences is in processing (reversed) order as "
                 f"the go_backwards GRU returns it; __output is the merged "
                 f"(time-aligned) Bidirectional output.")

    def bidi_none():
        inp = TFK.Input((T, I), name="x_in")
        o = TL.Bidirectional(TL.GRU(U, return_sequences=True),
                             merge_mode=None)(inp)
        return TFK.Model(inp, o, name="bidi_none")
    tfk_case(reg, "tfk_bidi_none", bidi_none, [FULL],
             notes="Functional, Bidirectional merge_mode=None: two outputs "
                   "[forward, backward(time-aligned)], no head.")
    tfk_case(reg, "tfk_stacked_two_gru",
             lambda: seq_head(TL.GRU(U, return_sequences=True,
                                     input_shape=(T, I)),
                              TL.GRU(U2)),
             [FULL], notes="Two stacked GRUs (4 units rs=True, 5 units) + "
                           "Dense(2). Second GRU's __input is the first GRU's "
                           "output computed by Keras through a sub-model.")
    tfk_case(reg, "tfk_float16",
             lambda: tf_keras.Sequential([
                 TL.GRU(U, dtype="float16", input_shape=(T, I)),
                 TL.Dense(D, dtype="float16")]),
             [FULL], notes="GRU(dtype='float16') and Dense(dtype='float16') "
                           "saved by tf_keras itself: datasets are <f2; Keras "
                           "computes in float16 (expected arrays are float16; "
                           "the input x is float32 and cast by Keras).")

    # layer_names split into layer_names0/1 by real tf_keras (no patch):
    # numpy pads every name to the longest one, so one long (weightless)
    # layer name among 16 layers is enough.
    long_name = "act_long_" + "x" * 4091

    def long_model():
        acts = [TL.Activation("linear",
                              name=(long_name if k == 7 else f"act_{k:02d}"))
                for k in range(14)]
        return tf_keras.Sequential(
            [TL.GRU(U, input_shape=(T, I), name="gru")] + acts
            + [TL.Dense(D, name="dense")])
    tfk_case(reg, "tfk_split_layer_names", long_model,
             [FULL, WO],
             notes="Real tf_keras split (no monkeypatch): 16 layers (GRU, 14 "
                   "linear Activations, Dense), one Activation named "
                   "'act_long_' + 4091*'x', so layer_names as a |S4100 array "
                   "is 65600 bytes > HDF5_OBJECT_HEADER_LIMIT=64512 and is "
                   "written as layer_names0/layer_names1 (fixed-length |S4100 "
                   "chunks of 8 names, unlike the unsplit vlen form). "
                   "Weightless layers have empty weight_names.")
    for suffix in (".full.h5", ".weights_only.h5"):
        with h5py.File(reg.p("tfk_split_layer_names" + suffix), "r") as f:
            g = f["model_weights"] if "model_weights" in f else f
            assert "layer_names0" in g.attrs and "layer_names" not in g.attrs

    # patched limit: split on a normal-looking model
    case = "tfk_split_attrs_patched"
    old = tfk_hdf5.HDF5_OBJECT_HEADER_LIMIT
    tfk_hdf5.HDF5_OBJECT_HEADER_LIMIT = PATCHED_LIMIT
    try:
        tfk_case(reg, case,
                 lambda: tf_keras.Sequential([
                     TL.GRU(U, return_sequences=True, input_shape=(T, I),
                            name="gru_first_of_two_stacked"),
                     TL.GRU(U2, name="gru_second_of_two_stacked"),
                     TL.Dense(D, name="dense_head_after_the_grus")]),
                 [FULL, WO],
                 notes=f"Saved by tf_keras with its HDF5_OBJECT_HEADER_LIMIT "
                       f"monkeypatched from 64512 to {PATCHED_LIMIT} bytes, so "
                       f"ordinary attributes are split by tf_keras's own "
                       f"code: layer_names -> layer_names0/1, each "
                       f"weight_names -> weight_names0..k (fixed-length |S "
                       f"chunks). Reloaded unpatched-independent (the loader "
                       f"does not use the limit).")
        for suffix in (".full.h5", ".weights_only.h5"):
            with h5py.File(reg.p(case + suffix), "r") as f:
                g = f["model_weights"] if "model_weights" in f else f
                assert "layer_names0" in g.attrs and "layer_names" not in g.attrs
                assert "weight_names0" in g["gru_second_of_two_stacked"].attrs
    finally:
        tfk_hdf5.HDF5_OBJECT_HEADER_LIMIT = old

    tfk_case(reg, "tfk_time_major",
             lambda: seq_head(TL.GRU(U, time_major=True, return_sequences=True,
                                     input_shape=(B, I))),
             [FULL], x=X_TIME_MAJOR, x_file="x_time_major.npy",
             notes="GRU(time_major=True, return_sequences=True) + Dense: input "
                   "and all outputs are (T, B, .); x_time_major.npy is "
                   "x.npy transposed.")
    tfk_case(reg, "tfk_stateful",
             lambda: seq_head(TL.GRU(U, stateful=True,
                                     batch_input_shape=(B, T, I))),
             [FULL], stateful=True,
             notes="GRU(stateful=True) built with batch_input_shape (2,5,3). "
                   "Expected values are for the first call after "
                   "reset_states(); model__output_call2 is a second call on "
                   "the same x continuing from the state (states are not "
                   "saved in the file).")

    cudnngru_case(reg)


def tfk_functional():
    inp = TFK.Input((T, I), name="x_in")
    h = TL.GRU(U, name="gru")(inp)
    o = TL.Dense(D, name="dense")(h)
    return TFK.Model(inp, o, name="functional_gru")


def tfk_case_prebuilt(reg, case, model, build, notes):
    l = [l for l in model.layers if l.__class__.__name__ == "GRU"][0]
    set_det_weights(model, case)  # final deterministic weights
    exp = {"x": X}
    keys = gru_expectations(TFK, model, l, X, exp)
    out = np_out(model(X, training=False))
    exp["model__output"] = out
    exp_file = save_expected(reg, case, exp, f"Keras outputs for case {case}")
    fn = case + ".full.h5"
    model.save(reg.p(fn))
    with h5py.File(reg.p(fn), "r") as f:
        assert "optimizer_weights" in f and "training_config" in f.attrs
    m2 = tf_keras.models.load_model(reg.p(fn))
    assert_same(fn, np_out(m2(X, training=False)), out)
    reg.check(f"{fn}: reloaded with tf_keras load_model (with optimizer); "
              f"prediction bit-identical")
    d = describe_keras_layer(l)
    d["expected_keys"] = keys
    annotate_paths(reg.p(fn), [d], [l.get_weights()])
    reg.add({"file": fn, "format": "tfkeras_h5_full", "producer": P_TFK,
             "save_call": "model.save(path)", "model_class": "Sequential",
             "gru_layers": [d], "input": "x.npy", "expected": exp_file,
             "expected_model_output_key": "model__output", "notes": notes})


def cudnngru_case(reg):
    """Real tf_keras CuDNNGRU (buildable and savable on CPU, not runnable)."""
    case = "tfk_cudnngru"
    # 1. reference GRU(reset_after=True) model: this is what Keras runs
    tfk_clear()
    ref = tf_keras.Sequential([
        TL.GRU(U, reset_after=True, recurrent_activation="sigmoid",
               input_shape=(T, I), name="cu_dnngru"),
        TL.Dense(D, name="dense")])
    ref_w = set_det_weights(ref, case)
    # 2. the CuDNNGRU model, weights converted by tf_keras's own loader code
    tfk_clear()
    cu = tf_keras.Sequential([CuDNNGRU(U, input_shape=(T, I), name="cu_dnngru"),
                              TL.Dense(D, name="dense")])
    cu_layer = cu.layers[0]
    cu_w = tfk_hdf5._convert_rnn_weights(cu_layer, ref_w[:3])
    cu.set_weights(list(cu_w) + ref_w[3:])
    fn = case + ".full.h5"
    fn_wo = case + ".weights_only.h5"
    cu.save(reg.p(fn))
    cu.save_weights(reg.p(fn_wo))
    # 3. load the CuDNNGRU files back into GRU(reset_after=True): Keras's
    #    own conversion must give back the reference weights
    exp = {"x": X}
    for f_ in (fn, fn_wo):
        tfk_clear()
        back = tf_keras.Sequential([
            TL.GRU(U, reset_after=True, recurrent_activation="sigmoid",
                   input_shape=(T, I), name="cu_dnngru"),
            TL.Dense(D, name="dense")])
        back.load_weights(reg.p(f_))
        for a, b in zip(back.get_weights(), ref_w):
            assert np.array_equal(a, b), "CuDNNGRU->GRU conversion mismatch"
        reg.check(f"{f_}: tf_keras load_weights into GRU(reset_after=True) "
                  f"converts the CuDNNGRU weights back to the reference "
                  f"weights exactly")
    m2 = tf_keras.models.load_model(reg.p(fn), compile=False)
    assert m2.layers[0].__class__.__name__ == "CuDNNGRU"
    for a, b in zip(m2.get_weights(), cu.get_weights()):
        assert np.array_equal(a, b)
    reg.check(f"{fn}: tf_keras load_model gives a CuDNNGRU layer with identical "
              f"weights (it cannot run on CPU: no CudnnRNNV3 kernel)")
    keys = gru_expectations(TFK, back, back.layers[0], X, exp)
    exp["model__output"] = np_out(back(X, training=False))
    g = back.layers[0].get_weights()
    exp["cu_dnngru__as_gru_kernel"] = g[0]
    exp["cu_dnngru__as_gru_recurrent_kernel"] = g[1]
    exp["cu_dnngru__as_gru_bias"] = g[2]
    exp_file = save_expected(reg, case, exp,
                             "outputs of the equivalent GRU(reset_after=True) "
                             "+ Dense, computed by tf_keras")
    for f_, fmt, call in ((fn, "cudnngru_h5", "model.save(path)"),
                          (fn_wo, "cudnngru_h5_weights",
                           "model.save_weights(path)")):
        d = describe_keras_layer(cu_layer, cls="CuDNNGRU")
        d["expected_keys"] = keys
        d["equivalent_gru_config"] = jsonable(back.layers[0].get_config())
        annotate_paths(reg.p(f_), [d], [cu_layer.get_weights()])
        reg.add({"file": f_, "format": fmt, "producer": P_TFK,
                 "save_call": call + " on a Sequential[CuDNNGRU, Dense] built "
                 "on CPU", "model_class": "Sequential",
                 "gru_layers": [d], "input": "x.npy", "expected": exp_file,
                 "expected_model_output_key": "model__output",
                 "notes": "Saved by real tf_keras CuDNNGRU (class_name "
                 "'CuDNNGRU', bias (6U,), per-gate kernel blocks in cuDNN "
                 "memory order reshaped to (I,U)). The CuDNNGRU weights were "
                 "produced from a GRU(reset_after=True)'s weights by tf_keras's "
                 "own hdf5_format._convert_rnn_weights; expected values are "
                 "those of that GRU computed by tf_keras (CuDNNGRU needs a GPU). "
                 "cu_dnngru__as_gru_* in the expected npz are the weights "
                 "tf_keras's loader produces from this file."})


# --------------------------------------------------------------------------
# Keras 2.1 / 2.2 multi-backend files, constructed with h5py
# --------------------------------------------------------------------------

def k2_init():
    return {
        "kernel_initializer": {"class_name": "VarianceScaling", "config": {
            "scale": 1.0, "mode": "fan_avg", "distribution": "uniform",
            "seed": None}},
        "recurrent_initializer": {"class_name": "Orthogonal",
                                  "config": {"gain": 1.0, "seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
    }


def k2_gru_config(name, units, rs, first, with_reset_after):
    c = {"name": name, "trainable": True}
    if first:
        c["batch_input_shape"] = [None, T, I]
        c["dtype"] = "float32"
    c.update({"return_sequences": rs, "return_state": False,
              "go_backwards": False, "stateful": False, "unroll": False,
              "units": units, "activation": "tanh",
              "recurrent_activation": "hard_sigmoid", "use_bias": True})
    ini = k2_init()
    c.update({"kernel_initializer": ini["kernel_initializer"],
              "recurrent_initializer": ini["recurrent_initializer"],
              "bias_initializer": ini["bias_initializer"],
              "kernel_regularizer": None, "recurrent_regularizer": None,
              "bias_regularizer": None, "activity_regularizer": None,
              "kernel_constraint": None, "recurrent_constraint": None,
              "bias_constraint": None, "dropout": 0.0,
              "recurrent_dropout": 0.0, "implementation": 1})
    if with_reset_after:
        c["reset_after"] = False
    return {"class_name": "GRU", "config": c}


def k2_dense_config(name, units):
    ini = k2_init()
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "units": units,
        "activation": "linear", "use_bias": True,
        "kernel_initializer": ini["kernel_initializer"],
        "bias_initializer": ini["bias_initializer"],
        "kernel_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None}}


def vlen_ascii(s):
    return np.array(s.encode("ascii"), dtype=h5py.string_dtype("ascii"))


def write_k2_h5(path, keras_version, model_config, layers):
    """layers: [(layer_name, [(weight_name, array), ...])] in model order.

    Mirrors keras 2.x engine/saving.py as written by h5py 2.x: root and
    model_weights keras_version/backend and model_config are scalar vlen
    ASCII strings; layer_names/weight_names are fixed-length |S arrays;
    an empty weight_names is an empty float64 array; datasets are created in
    the layer group with the weight name as a relative path."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = vlen_ascii(keras_version)
        f.attrs["backend"] = vlen_ascii("tensorflow")
        f.attrs["model_config"] = vlen_ascii(json.dumps(model_config))
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        g.attrs["backend"] = vlen_ascii("tensorflow")
        g.attrs["keras_version"] = vlen_ascii(keras_version)
        for lname, ws in layers:
            lg = g.create_group(lname)
            lg.attrs["weight_names"] = (np.array([w.encode() for w, _ in ws])
                                        if ws else np.array([]))
            for wname, arr in ws:
                ds = lg.create_dataset(wname, arr.shape, dtype=arr.dtype)
                ds[:] = arr


def keras2_cases(reg):
    # ---- 2.2.4: Sequential {name, layers}, reset_after key present --------
    case = "keras224_stacked_gru_constructed"
    tfk_clear()
    m = tf_keras.Sequential([
        TL.GRU(U, return_sequences=True, reset_after=False,
               recurrent_activation="hard_sigmoid", implementation=1,
               input_shape=(T, I), name="gru_1"),
        TL.GRU(U2, reset_after=False, recurrent_activation="hard_sigmoid",
               implementation=1, name="gru_2"),
        TL.Dense(D, name="dense_1")], name="sequential_1")
    w = set_det_weights(m, case)
    exp = {"x": X}
    grus = m.layers[:2]
    keys = [gru_expectations(TFK, m, l, X, exp) for l in grus]
    exp["model__output"] = np_out(m(X, training=False))
    exp_file = save_expected(reg, case, exp,
                             "outputs of tf_keras GRU(reset_after=False, "
                             "recurrent_activation='hard_sigmoid')")
    cfgs = [k2_gru_config("gru_1", U, True, True, True),
            k2_gru_config("gru_2", U2, False, False, True),
            k2_dense_config("dense_1", D)]
    mc = {"class_name": "Sequential",
          "config": {"name": "sequential_1", "layers": cfgs}}
    layers = [("gru_1", [("gru_1/kernel:0", w[0]),
                         ("gru_1/recurrent_kernel:0", w[1]),
                         ("gru_1/bias:0", w[2])]),
              ("gru_2", [("gru_2/kernel:0", w[3]),
                         ("gru_2/recurrent_kernel:0", w[4]),
                         ("gru_2/bias:0", w[5])]),
              ("dense_1", [("dense_1/kernel:0", w[6]),
                           ("dense_1/bias:0", w[7])])]
    fn = case + ".h5"
    write_k2_h5(reg.p(fn), "2.2.4", mc, layers)
    m2 = tf_keras.models.load_model(reg.p(fn), compile=False)
    assert_same(fn, np_out(m2(X, training=False)), exp["model__output"])
    reg.check(f"{fn}: tf_keras load_model reads the constructed Keras 2.2.4 "
              f"file; prediction bit-identical to the source model")
    k3note = keras3_reads(reg, fn, exp["model__output"])
    ds = []
    for l, k, c in zip(grus, keys, cfgs[:2]):
        d = describe_keras_layer(l, config=c["config"])
        d["expected_keys"] = k
        d["tf_keras_equivalent_config"] = jsonable(l.get_config())
        ds.append(d)
    annotate_paths(reg.p(fn), ds, [l.get_weights() for l in grus])
    reg.add({"file": fn, "format": "keras2_h5_constructed", "producer": P_H5,
             "emulates": "Keras 2.2.4 (multi-backend, TensorFlow backend) "
                         "model.save, as written by h5py 2.x",
             "model_class": "Sequential", "gru_layers": ds, "input": "x.npy",
             "expected": exp_file, "expected_model_output_key": "model__output",
             "notes": "Constructed, not saved by Keras (Keras 2.2.4 cannot be "
                      "installed next to TF 2.21). Layout copied from real "
                      "Keras 2.2.4 files (e.g. wild-weights "
                      "keras224_stacked_gru.h5): keras_version '2.2.4', no "
                      "cell scope in weight names (gru_1/kernel:0), bias (3U,), "
                      "GRU config with reset_after=false, hard_sigmoid, "
                      "implementation 1, batch_input_shape on the first layer, "
                      "no InputLayer, no training_config. Expected values: "
                      "tf_keras GRU(reset_after=False, "
                      "recurrent_activation='hard_sigmoid') with the same "
                      "weights (Keras 2 hard_sigmoid = clip(0.2x+0.5)). "
                      + k3note})
    reg.constructed.append(fn)

    # ---- 2.1.2: Sequential config is a bare list, no reset_after key ------
    case = "keras212_gru_no_reset_after_constructed"
    tfk_clear()
    m = tf_keras.Sequential([
        TL.GRU(U, reset_after=False, recurrent_activation="hard_sigmoid",
               implementation=1, input_shape=(T, I), name="gru_1"),
        TL.Dense(D, name="dense_1")], name="sequential_1")
    w = set_det_weights(m, case)
    exp = {"x": X}
    keys = gru_expectations(TFK, m, m.layers[0], X, exp)
    exp["model__output"] = np_out(m(X, training=False))
    exp_file = save_expected(reg, case, exp,
                             "outputs of tf_keras GRU(reset_after=False, "
                             "recurrent_activation='hard_sigmoid')")
    cfgs = [k2_gru_config("gru_1", U, False, True, False),
            k2_dense_config("dense_1", D)]
    mc = {"class_name": "Sequential", "config": cfgs}
    layers = [("gru_1", [("gru_1/kernel:0", w[0]),
                         ("gru_1/recurrent_kernel:0", w[1]),
                         ("gru_1/bias:0", w[2])]),
              ("dense_1", [("dense_1/kernel:0", w[3]),
                           ("dense_1/bias:0", w[4])])]
    fn = case + ".h5"
    write_k2_h5(reg.p(fn), "2.1.2", mc, layers)
    # tf_keras cannot load_model it faithfully (its GRU defaults to
    # reset_after=True); record what happens, then verify the weights with
    # an explicit reset_after=False model.
    try:
        m2 = tf_keras.models.load_model(reg.p(fn), compile=False)
        got = np_out(m2(X, training=False))
        tfk_note = ("tf_keras load_model loaded it; max |diff| vs expected "
                    f"{float(np.max(np.abs(got - exp['model__output']))):.3g}.")
    except Exception as e:  # noqa: BLE001
        tfk_note = ("tf_keras load_model FAILS on this file (its GRU default "
                    "is reset_after=True, so the (3U,) bias does not fit): "
                    f"{type(e).__name__}: {str(e).splitlines()[0][:160]}")
    reg.check(f"{fn}: {tfk_note}")
    tfk_clear()
    m3 = tf_keras.Sequential([
        TL.GRU(U, reset_after=False, recurrent_activation="hard_sigmoid",
               input_shape=(T, I)), TL.Dense(D)])
    m3.load_weights(reg.p(fn))
    assert_same(fn, np_out(m3(X, training=False)), exp["model__output"])
    reg.check(f"{fn}: tf_keras load_weights into GRU(reset_after=False, "
              f"hard_sigmoid)+Dense; prediction bit-identical")
    k3note = keras3_reads(reg, fn, exp["model__output"])
    d = describe_keras_layer(m.layers[0], config=cfgs[0]["config"])
    d["expected_keys"] = keys
    d["tf_keras_equivalent_config"] = jsonable(m.layers[0].get_config())
    annotate_paths(reg.p(fn), [d], [m.layers[0].get_weights()])
    reg.add({"file": fn, "format": "keras2_h5_constructed", "producer": P_H5,
             "emulates": "Keras 2.1.2 (multi-backend) model.save",
             "model_class": "Sequential", "gru_layers": [d], "input": "x.npy",
             "expected": exp_file, "expected_model_output_key": "model__output",
             "notes": "Constructed, not saved by Keras. Keras <= 2.1.2 style: "
                      "Sequential model_config 'config' is a bare list of "
                      "layers (no name), GRU config has NO reset_after key "
                      "(=> reset_after False, the Keras 2 meaning) and "
                      "recurrent_activation hard_sigmoid. " + tfk_note + " "
                      + k3note})
    reg.constructed.append(fn)


def keras3_reads(reg, fn, expected):
    try:
        m = keras.models.load_model(reg.p(fn), compile=False)
        got = np_out(m(X, training=False))
        diff = float(np.max(np.abs(got.astype(np.float64) - expected)))
        note = (f"Keras 3 load_model also opens it but computes max |diff| "
                f"{diff:.3g} vs the expected values (Keras 3 hard_sigmoid is "
                f"clip(x/6+0.5)).")
    except Exception as e:  # noqa: BLE001
        note = (f"Keras 3 load_model fails: {type(e).__name__}: "
                f"{str(e).splitlines()[0][:160]}")
    reg.check(f"{fn}: {note}")
    return note


# --------------------------------------------------------------------------
# Keras 3 cases
# --------------------------------------------------------------------------

def k3_clear():
    keras.backend.clear_session()


def k3_case(reg, case, build, formats, notes="", compiled=False):
    k3_clear()
    model = build()
    if compiled:
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
        set_det_weights(model, case + "_pretrain")
        y = rng_for(case + "_y").uniform(-1, 1, size=(B, D)).astype(F32)
        model.train_on_batch(X, y)
    set_det_weights(model, case)
    exp = {"x": X}
    grus = [l for l in model.layers
            if l.__class__.__name__ in ("GRU", "Bidirectional")]
    keys = [gru_expectations(keras, model, l, X, exp) for l in grus]
    out = np_out(model(X, training=False))
    exp["model__output"] = out
    exp_file = save_expected(reg, case, exp, f"Keras 3 outputs for case {case}")
    for fmt in formats:
        if fmt == "keras3_keras":
            fn = case + ".keras"
            model.save(reg.p(fn))
            m2 = keras.models.load_model(reg.p(fn))
            call, fnote = "model.save(path)", (
                "Zip written by Keras (members stored, uncompressed); "
                "config.json has shared_object_id = Python id() values "
                "(differ on every save).")
        elif fmt == "keras3_weights_h5":
            fn = case + ".weights.h5"
            model.save_weights(reg.p(fn))
            m2 = build()
            m2.load_weights(reg.p(fn))
            call, fnote = "model.save_weights(path)", ""
        elif fmt == "keras3_legacy_h5":
            fn = case + ".h5"
            model.save(reg.p(fn))
            m2 = keras.models.load_model(reg.p(fn), compile=False)
            call, fnote = "model.save(path)", ("Keras 3 legacy .h5: weight "
                                                "names without ':0', scoped by "
                                                "the model name.")
        elif fmt == "keras3_keras_deflated":
            src = case + ".keras"
            fn = case + ".deflated.keras"
            with zipfile.ZipFile(reg.p(src)) as zi, \
                    zipfile.ZipFile(reg.p(fn), "w", zipfile.ZIP_DEFLATED) as zo:
                for info in zi.infolist():
                    ni = zipfile.ZipInfo(info.filename,
                                         date_time=(1980, 1, 1, 0, 0, 0))
                    ni.compress_type = zipfile.ZIP_DEFLATED
                    ni.external_attr = info.external_attr
                    zo.writestr(ni, zi.read(info.filename))
            m2 = keras.models.load_model(reg.p(fn))
            call = "re-zip of " + src
            fnote = ("Same members as " + src + " (same metadata.json bytes), "
                     "re-zipped by this script with zipfile.ZIP_DEFLATED and "
                     "fixed 1980-01-01 timestamps; Keras itself never writes "
                     "deflated members. Keras 3 load_model reads it.")
        else:
            raise ValueError(fmt)
        assert_same(fn, np_out(m2(X, training=False)), out)
        reg.check(f"{fn}: reloaded with Keras 3 "
                  f"({'load_weights' if fmt == 'keras3_weights_h5' else 'load_model'});"
                  f" prediction bit-identical")
        ds = []
        for l, k in zip(grus, keys):
            d = describe_keras_layer(l)
            d["expected_keys"] = k
            ds.append(d)
        annotate_paths(reg.p(fn), ds, [l.get_weights() for l in grus])
        reg.add({"file": fn, "format": ("keras3_keras" if fmt.startswith(
                    "keras3_keras") else fmt),
                 "zip_compression": ("deflated" if fmt == "keras3_keras_deflated"
                                     else ("stored" if fmt == "keras3_keras"
                                           else None)),
                 "producer": (P_K3 if fmt != "keras3_keras_deflated" else
                              P_K3 + ", re-zipped with Python zipfile "
                              "(ZIP_DEFLATED) by this script"),
                 "save_call": call, "model_class": model.__class__.__name__,
                 "gru_layers": ds, "input": "x.npy", "expected": exp_file,
                 "expected_model_output_key": "model__output",
                 "notes": " ".join(s for s in (notes, fnote) if s)})
    return model


def k3_seq(*layers, name="sequential"):
    return keras.Sequential([keras.Input((T, I))] + list(layers)
                            + [KL.Dense(D, name="dense")], name=name)


def keras3_cases(reg):
    ALL = ["keras3_keras", "keras3_weights_h5", "keras3_legacy_h5"]
    k3_case(reg, "k3_gru_dense", lambda: k3_seq(KL.GRU(U, name="gru")),
            ALL + ["keras3_keras_deflated"],
            notes="Sequential [Input, GRU(4), Dense(2)], defaults.")
    k3_case(reg, "k3_gru_dense_compiled",
            lambda: k3_seq(KL.GRU(U, name="gru")), ["keras3_keras"],
            compiled=True,
            notes="Compiled with Adam and trained one step, then weights reset "
                  "to deterministic values: model.weights.h5 also has "
                  "/optimizer/vars/0..n and config.json has compile_config.")
    k3_case(reg, "k3_bidi_concat",
            lambda: k3_seq(KL.Bidirectional(
                KL.GRU(U, return_sequences=True, name="gru"),
                merge_mode="concat", name="bidirectional")),
            ALL, notes="Bidirectional(GRU(4, return_sequences=True), "
                       "merge_mode='concat') + Dense(2) per step. "
                       "__backward__sequences is in processing order.")
    k3_case(reg, "k3_two_gru",
            lambda: k3_seq(KL.GRU(U, return_sequences=True, name="gru_first"),
                           KL.GRU(U2, name="gru_second")),
            ALL, notes="Two stacked GRUs named gru_first/gru_second: the "
                       ".weights.h5 paths are layers/gru and layers/gru_1 "
                       "(class-name based), not the layer names.")
    k3_case(reg, "k3_use_bias_false",
            lambda: k3_seq(KL.GRU(U, use_bias=False, name="gru")), ALL,
            notes="use_bias=False: vars/0 and vars/1 only.")
    k3_case(reg, "k3_reset_after_false",
            lambda: k3_seq(KL.GRU(U, reset_after=False, name="gru")), ALL,
            notes="reset_after=False: bias (3U,).")

    def func():
        inp = keras.Input((T, I), name="x_in")
        h = KL.GRU(U, name="gru")(inp)
        o = KL.Dense(D, name="dense")(h)
        return keras.Model(inp, o, name="functional_gru")
    k3_case(reg, "k3_functional", func, ALL,
            notes="Functional Input->GRU->Dense (has layers/input_layer).")


# --------------------------------------------------------------------------
# PyTorch cases
# --------------------------------------------------------------------------

def torch_to_keras(w_ih, w_hh, b_ih, b_hh, units):
    """keras-gru.md 7.1: Keras block g (z,r,h) <- torch block perm[g]."""
    perm = [1, 0, 2]

    def blocks(a):
        return [a[p * units:(p + 1) * units] for p in perm]
    kernel = np.concatenate(blocks(w_ih), axis=0).T
    rec = np.concatenate(blocks(w_hh), axis=0).T
    bias = np.stack([np.concatenate(blocks(b_ih)), np.concatenate(blocks(b_hh))])
    return (np.ascontiguousarray(kernel), np.ascontiguousarray(rec),
            np.ascontiguousarray(bias))


def keras_run_mapped(kw, x, backwards=False):
    """Run a Keras 3 GRU(reset_after=True) with given weights (cross-check)."""
    g = KL.GRU(kw[1].shape[0], return_sequences=True, return_state=True,
               go_backwards=backwards)
    g(x)
    g.set_weights(list(kw))
    seq, h = g(x)
    seq = np.asarray(seq)
    if backwards:
        seq = seq[:, ::-1]
    return seq, np.asarray(h)


def torch_cases(reg):
    if not HAVE_TORCH:
        reg.check("torch not installed: PyTorch cases skipped")
        return

    # ---- nn.GRU(num_layers=2, bidirectional=True), plain state_dict -------
    case = "torch_gru_l2_bidir"
    torch.manual_seed(0)
    gru = torch.nn.GRU(I, U, num_layers=2, bidirectional=True, batch_first=True)
    rng = rng_for(case)
    sd = {}
    for k, p in gru.named_parameters():
        scale = 0.3 if k.startswith("bias") else 0.6
        sd[k] = rng.uniform(-scale, scale, size=tuple(p.shape)).astype(F32)
    gru.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    gru.eval()
    xt = torch.from_numpy(X)
    with torch.no_grad():
        out, h_n = gru(xt)
    exp = {"x": X, "output": out.numpy(), "h_n": h_n.numpy()}
    # per layer, computed by torch with single-layer modules
    layer_in = xt
    max_cross = 0.0
    for l in range(2):
        in_size = I if l == 0 else 2 * U
        g1 = torch.nn.GRU(in_size, U, num_layers=1, bidirectional=True,
                          batch_first=True)
        g1.load_state_dict({
            k.replace(f"_l{l}", "_l0"): torch.from_numpy(v)
            for k, v in sd.items() if f"_l{l}" in k})
        g1.eval()
        with torch.no_grad():
            o1, h1 = g1(layer_in)
        exp[f"l{l}__input"] = layer_in.numpy()
        exp[f"l{l}__output"] = o1.numpy()
        exp[f"l{l}__h_n"] = h1.numpy()
        for dname, suf, back in (("forward", "", False),
                                 ("backward", "_reverse", True)):
            kw = torch_to_keras(sd[f"weight_ih_l{l}{suf}"],
                                sd[f"weight_hh_l{l}{suf}"],
                                sd[f"bias_ih_l{l}{suf}"],
                                sd[f"bias_hh_l{l}{suf}"], U)
            for nm, a in zip(("kernel", "recurrent_kernel", "bias"), kw):
                exp[f"l{l}__{dname}__keras_{nm}"] = a
            k3_clear()
            seq, h = keras_run_mapped(kw, layer_in.numpy(), backwards=back)
            half = o1.numpy()[:, :, (U if back else 0):(2 * U if back else U)]
            max_cross = max(max_cross, float(np.max(np.abs(seq - half))),
                            float(np.max(np.abs(h - h1.numpy()[1 if back else 0]))))
        layer_in = o1
    assert np.array_equal(exp["l1__output"], exp["output"]) or \
        np.allclose(exp["l1__output"], exp["output"], atol=1e-6)
    assert max_cross < 1e-5, max_cross
    reg.check(f"{case}: Keras 3 GRU(reset_after=True) with the mapped weights "
              f"reproduces torch per layer/direction, max |diff| {max_cross:.3g}")
    exp_file = save_expected(reg, case, exp, "torch outputs (h0 = 0)")
    fn_st, fn_npz = case + ".safetensors", case + ".npz"
    safetensors.torch.save_file({k: torch.from_numpy(v) for k, v in sd.items()},
                                reg.p(fn_st))
    write_npz(reg.p(fn_npz), sd)
    back = safetensors.torch.load_file(reg.p(fn_st))
    g2 = torch.nn.GRU(I, U, num_layers=2, bidirectional=True, batch_first=True)
    g2.load_state_dict(back)
    with torch.no_grad():
        o2, hn2 = g2(xt)
    assert np.array_equal(o2.numpy(), exp["output"])
    assert np.array_equal(hn2.numpy(), exp["h_n"])
    z = np.load(reg.p(fn_npz))
    assert all(np.array_equal(z[k], v) for k, v in sd.items())
    reg.check(f"{fn_st}/{fn_npz}: reloaded into torch.nn.GRU; output and h_n "
              f"bit-identical")
    cfg = {"input_size": I, "hidden_size": U, "num_layers": 2, "bias": True,
           "batch_first": True, "bidirectional": True, "dropout": 0.0}
    layers = []
    for l in range(2):
        keys = []
        for suf in ("", "_reverse"):
            keys += [f"weight_ih_l{l}{suf}", f"weight_hh_l{l}{suf}",
                     f"bias_ih_l{l}{suf}", f"bias_hh_l{l}{suf}"]
        layers.append({
            "name": f"l{l}", "class": "torch.nn.GRU", "torch_layer_index": l,
            "config": cfg, "path_in_file": "", "weight_paths": keys,
            "kernel_shape": list(sd[f"weight_ih_l{l}"].shape),
            "recurrent_kernel_shape": list(sd[f"weight_hh_l{l}"].shape),
            "bias_shape": list(sd[f"bias_ih_l{l}"].shape),
            "dtype": "float32",
            "expected_keys": {"input": f"l{l}__input", "output": f"l{l}__output",
                              "h_n": f"l{l}__h_n"}})
    tnote = ("nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True) "
             "state_dict, keys weight_ih_l{k}[_reverse] (3U, in) rows r,z,n; "
             "weight_hh (3U, U); bias_ih/bias_hh (3U,). Expected: torch output "
             "(B,T,2U) and h_n (num_layers*2, B, U) with h0 = 0; per layer "
             "l{k}__output/__h_n from single-layer torch GRUs with the same "
             "weights; l{k}__{forward,backward}__keras_* are the same weights "
             "in Keras layout (keras-gru.md 7.1 mapping, verified by running "
             "Keras on them).")
    reg.add({"file": fn_st, "format": "torch_safetensors", "producer": P_TORCH,
             "save_call": "safetensors.torch.save_file(gru.state_dict())",
             "gru_layers": layers, "input": "x.npy", "expected": exp_file,
             "expected_model_output_key": ["output", "h_n"], "notes": tnote})
    reg.add({"file": fn_npz, "format": "torch_npz",
             "producer": f"numpy {np.__version__} (arrays of the torch "
                         f"{VERSIONS['torch']} state_dict)",
             "save_call": "np.savez-compatible writer, one array per "
                          "state_dict key",
             "gru_layers": copy.deepcopy(layers), "input": "x.npy",
             "expected": exp_file,
             "expected_model_output_key": ["output", "h_n"], "notes": tnote})

    # ---- single-layer unidirectional GRU inside a Module (prefixed keys) ---
    case = "torch_gru_l1_head"

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = torch.nn.GRU(I, U, batch_first=True)
            self.head = torch.nn.Linear(U, D)

        def forward(self, x):
            o, h = self.gru(x)
            return o, h, self.head(h[-1])

    net = Net()
    rng = rng_for(case)
    sd = {}
    for k, p in net.named_parameters():
        scale = 0.3 if "bias" in k else 0.6
        sd[k] = rng.uniform(-scale, scale, size=tuple(p.shape)).astype(F32)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    net.eval()
    with torch.no_grad():
        o, h, y = net(xt)
    exp = {"x": X, "gru__output": o.numpy(), "gru__h_n": h.numpy(),
           "model__output": y.numpy()}
    kw = torch_to_keras(sd["gru.weight_ih_l0"], sd["gru.weight_hh_l0"],
                        sd["gru.bias_ih_l0"], sd["gru.bias_hh_l0"], U)
    for nm, a in zip(("kernel", "recurrent_kernel", "bias"), kw):
        exp[f"gru__keras_{nm}"] = a
    k3_clear()
    seq, hk = keras_run_mapped(kw, X)
    cross = max(float(np.max(np.abs(seq - o.numpy()))),
                float(np.max(np.abs(hk - h.numpy()[0]))))
    assert cross < 1e-5
    reg.check(f"{case}: Keras 3 GRU with mapped weights reproduces torch, "
              f"max |diff| {cross:.3g}")
    exp_file = save_expected(reg, case, exp, "torch outputs (h0 = 0)")
    fn_st, fn_npz = case + ".safetensors", case + ".npz"
    safetensors.torch.save_file({k: torch.from_numpy(v) for k, v in sd.items()},
                                reg.p(fn_st))
    write_npz(reg.p(fn_npz), sd)
    n2 = Net()
    n2.load_state_dict(safetensors.torch.load_file(reg.p(fn_st)))
    n2.eval()
    with torch.no_grad():
        o2, h2, y2 = n2(xt)
    assert np.array_equal(y2.numpy(), exp["model__output"])
    reg.check(f"{fn_st}/{fn_npz}: reloaded into the torch module; outputs "
              f"bit-identical")
    cfg = {"input_size": I, "hidden_size": U, "num_layers": 1, "bias": True,
           "batch_first": True, "bidirectional": False, "dropout": 0.0}
    layer = {"name": "gru", "class": "torch.nn.GRU", "torch_layer_index": 0,
             "config": cfg, "path_in_file": "gru.",
             "weight_paths": ["gru.weight_ih_l0", "gru.weight_hh_l0",
                              "gru.bias_ih_l0", "gru.bias_hh_l0"],
             "kernel_shape": [3 * U, I], "recurrent_kernel_shape": [3 * U, U],
             "bias_shape": [3 * U], "dtype": "float32",
             "expected_keys": {"input": "x", "output": "gru__output",
                               "h_n": "gru__h_n"}}
    tnote = ("state_dict of a Module {gru: nn.GRU(3, 4, batch_first=True), "
             "head: nn.Linear(4, 2)} applied to h_n[-1]: keys are prefixed "
             "'gru.' and the file also holds head.weight (2,4)/head.bias (2,). "
             "gru__keras_* are the GRU weights in Keras layout.")
    reg.add({"file": fn_st, "format": "torch_safetensors", "producer": P_TORCH,
             "save_call": "safetensors.torch.save_file(net.state_dict())",
             "gru_layers": [layer], "input": "x.npy", "expected": exp_file,
             "expected_model_output_key": "model__output", "notes": tnote})
    reg.add({"file": fn_npz, "format": "torch_npz",
             "producer": f"numpy {np.__version__} (arrays of the torch "
                         f"{VERSIONS['torch']} state_dict)",
             "save_call": "np.savez-compatible writer, one array per "
                          "state_dict key",
             "gru_layers": [copy.deepcopy(layer)], "input": "x.npy",
             "expected": exp_file, "expected_model_output_key": "model__output",
             "notes": tnote})


# --------------------------------------------------------------------------
# NumPy case + inputs
# --------------------------------------------------------------------------

def numpy_cases(reg):
    for case, ra in (("numpy_gru", True), ("numpy_gru_reset_after_false", False)):
        k3_clear()
        inp = keras.Input((T, I))
        g = KL.GRU(U, reset_after=ra, name="gru")
        model = keras.Model(inp, g(inp))
        w = set_det_weights(model, case)
        exp = {"x": X}
        keys = gru_expectations(keras, model, g, X, exp)
        x0 = X[0:1]
        exp["sample0__x"] = x0
        exp["sample0__output"] = np_out(model(x0, training=False))
        seq, h = probe_clone(keras, g, x0)
        exp["sample0__sequences"] = seq
        exp["sample0__state"] = h
        exp_file = save_expected(reg, case, exp,
                                 "Keras 3 outputs (batch x and sample 0 alone "
                                 "for the CSV input)")
        fn = case + ".npz"
        write_npz(reg.p(fn), {"kernel": w[0], "recurrent_kernel": w[1],
                              "bias": w[2]})
        z = np.load(reg.p(fn))
        k3_clear()
        g2 = KL.GRU(U, reset_after=ra)
        g2(X)
        g2.set_weights([z["kernel"], z["recurrent_kernel"], z["bias"]])
        assert_same(fn, np_out(g2(X)), exp["gru__output"])
        reg.check(f"{fn}: arrays set on a fresh Keras 3 GRU give bit-identical "
                  f"output")
        d = describe_keras_layer(g)
        d["expected_keys"] = dict(keys, sample0_output="sample0__output",
                                  sample0_sequences="sample0__sequences",
                                  sample0_state="sample0__state")
        d["path_in_file"] = ""
        d["weight_paths"] = ["kernel", "recurrent_kernel", "bias"]
        reg.add({"file": fn, "format": "numpy_npz", "producer": P_NP,
                 "save_call": "np.savez-compatible writer (stored zip), keys "
                              "kernel, recurrent_kernel, bias",
                 "gru_layers": [d], "input": "x.npy",
                 "input_alternatives": ["x.npz", "x_sample0.csv"],
                 "expected": exp_file, "expected_model_output_key": "gru__output",
                 "notes": f"Keras layout arrays of a Keras 3 GRU(4, "
                          f"reset_after={ra}); tanh/sigmoid; the npz holds no "
                          f"config (reset_after is visible from the bias "
                          f"shape {list(w[2].shape)}). sample0__* are Keras "
                          f"outputs for x_sample0.csv (x[0:1])."})


def write_inputs(reg):
    write_npy(reg.p("x.npy"), X)
    reg.data("x.npy", "input_npy",
             f"fixed input x, float32, shape {list(X.shape)} (B, T, I), "
             f"uniform(-1, 1) from RandomState(20240611)")
    write_npz(reg.p("x.npz"), {"x": X})
    reg.data("x.npz", "input_npz", "same x under key 'x'")
    write_npy(reg.p("x_time_major.npy"), X_TIME_MAJOR)
    reg.data("x_time_major.npy", "input_npy",
             f"x transposed to (T, B, I) = {list(X_TIME_MAJOR.shape)}")
    lines = [",".join(f"x{j}" for j in range(I))]
    for t in range(T):
        lines.append(",".join(f32_text(v) for v in X[0, t]))
    with open(reg.p("x_sample0.csv"), "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    back = np.loadtxt(reg.p("x_sample0.csv"), delimiter=",", skiprows=1,
                      dtype=np.float64).astype(F32)
    assert np.array_equal(back, X[0]), "CSV does not round-trip"
    reg.check("x_sample0.csv: parses (float64 then float32 cast, or strtof) "
              "to exactly x[0]")
    reg.data("x_sample0.csv", "input_csv",
             "sample 0 of x: header line 'x0,x1,x2' (one column per input "
             "feature), then one row per time step (T=5 rows), comma "
             "separated, '\\n' line ends, each value the shortest decimal "
             "that round-trips to the float32 value")


# --------------------------------------------------------------------------
# Install, manifest, README
# --------------------------------------------------------------------------

def normalize_shared_ids(o, ids=None):
    """Keras 3 writes "shared_object_id": id(obj) (a memory address) into
    config.json; renumber them by first appearance for comparisons."""
    ids = {} if ids is None else ids
    if isinstance(o, dict):
        r = {}
        for k, v in o.items():
            if k == "shared_object_id":
                r[k] = ids.setdefault(v, len(ids))
            else:
                r[k] = normalize_shared_ids(v, ids)
        return r
    if isinstance(o, list):
        return [normalize_shared_ids(v, ids) for v in o]
    return o


def keras_zip_equivalent(a, b):
    """Two .keras files equal except metadata date_saved, zip timestamps and
    config.json shared_object_id values."""
    try:
        with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
            na = [(i.filename, i.compress_type) for i in za.infolist()]
            nb = [(i.filename, i.compress_type) for i in zb.infolist()]
            if na != nb:
                return False
            for n, _ in na:
                da, db = za.read(n), zb.read(n)
                if n == "metadata.json":
                    ja, jb = json.loads(da), json.loads(db)
                    ja.pop("date_saved", None)
                    jb.pop("date_saved", None)
                    if ja != jb:
                        return False
                elif n == "config.json":
                    if (normalize_shared_ids(json.loads(da))
                            != normalize_shared_ids(json.loads(db))):
                        return False
                elif da != db:
                    return False
        return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def install(stage, out):
    os.makedirs(out, exist_ok=True)
    produced = sorted(os.listdir(stage))
    changed, kept = [], []
    for n in produced:
        src, dst = os.path.join(stage, n), os.path.join(out, n)
        if os.path.exists(dst):
            with open(src, "rb") as f1, open(dst, "rb") as f2:
                same = f1.read() == f2.read()
            if same or (n.endswith(".keras") and keras_zip_equivalent(src, dst)):
                kept.append(n)
                continue
        shutil.copyfile(src, dst)
        changed.append(n)
    managed_ext = (".h5", ".keras", ".npz", ".npy", ".csv", ".safetensors")
    removed = []
    for n in os.listdir(out):
        if n.endswith(managed_ext) and n not in produced:
            os.remove(os.path.join(out, n))
            removed.append(n)
    return changed, kept, removed


def write_manifest(reg, out):
    for e in reg.files:
        p = os.path.join(out, e["file"])
        e["size_bytes"] = os.path.getsize(p)
        e["sha256"] = sha256(p)
    for e in reg.data_files:
        p = os.path.join(out, e["file"])
        e["size_bytes"] = os.path.getsize(p)
        e["sha256"] = sha256(p)
    man = {
        "generator": "tools/make_weightfile_fixtures.py",
        "versions": VERSIONS,
        "sizes": {"B": B, "T": T, "I": I, "U": U, "U2": U2, "dense_units": D},
        "conventions": {
            "expected_npz_keys": (
                "x: the input; <layer>__input: the layer's own input (for a "
                "stacked layer the previous layer's output, computed by Keras "
                "through a sub-model); <layer>__output: what the layer returns "
                "with its saved config (__output_0/_1 for merge_mode=None); "
                "<layer>__sequences/__state: full sequence and final state "
                "from the same layer config with return_sequences/return_state "
                "forced on; Bidirectional: <layer>__forward__*/__backward__* "
                "(backward sequences in processing order); model__output: "
                "whole-model prediction; torch: output, h_n, l<k>__*."),
            "weight_paths": (
                "HDF5 dataset paths (inside model.weights.h5 for .keras) or "
                "npz/safetensors keys, in kernel, recurrent_kernel, bias order "
                "(Bidirectional: forward then backward; torch: weight_ih, "
                "weight_hh, bias_ih, bias_hh, then _reverse). Located by value "
                "in the saved file, not assumed."),
            "path_in_file": (
                "legacy h5: the layer group carrying weight_names; K3 "
                "weights.h5/.keras: the group of the layer (its vars/ has "
                "attr name = layer name); torch: state_dict key prefix"),
            "tolerance": (
                "expected values are exactly what Keras/torch returned on "
                "CPU (float32; float16 for tfk_float16); compare with atol "
                "about 1e-5 (1e-2 for float16)"),
        },
        "files": reg.files,
        "data_files": reg.data_files,
        "checks": reg.checks,
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1, sort_keys=False)
        f.write("\n")


OBSERVATIONS = [
    "- HDF5 strings. tf_keras 2.21 / Keras 3 legacy .h5 (h5py 3.14): root "
    "`keras_version`/`backend` are scalar variable-length UTF-8; the "
    "`model_weights` copies and `model_config`/`training_config` are scalar "
    "variable-length ASCII; unsplit `layer_names`/`weight_names` are 1-D "
    "variable-length ASCII arrays, but split chunks (`layer_names0`, "
    "`weight_names0`, ...) are fixed-length `|S<n>` arrays (numpy arrays "
    "written by tf_keras's splitter). Keras 2.x files (and the constructed "
    "ones) use fixed-length `|S<n>` for unsplit lists too. An empty "
    "`weight_names` (InputLayer, Activation, `top_level_model_weights`) is an "
    "empty float64 array. Keras 3 `.weights.h5` `vars` groups carry a "
    "variable-length UTF-8 `name` attribute.",
    "- Splitting: chunks are cut with numpy.array_split on the whole list, so "
    "a chunk holds consecutive names; readers must concatenate name0, name1, "
    "... in numeric order when `name` is absent.",
    "- tf_keras 2.21 `model_config`: initializers are serialized with `module` "
    "and `registered_name` keys; a Sequential's layer list starts with an "
    "`InputLayer` (and the GRU also carries `batch_input_shape`), while "
    "`layer_names` in model_weights excludes the InputLayer (Functional "
    "includes it). GRU config has `time_major` and `implementation: 2`.",
    "- tf_keras weight names: `<layer>/gru_cell/kernel:0` for every GRU (the "
    "cell scope is not numbered after clear_session), Bidirectional "
    "`bidirectional/forward_gru/gru_cell/kernel:0` then `backward_gru`; "
    "datasets live at `<layer group>/<weight name>`.",
    "- Keras 3 legacy .h5: weight names have no `:0`; for a Sequential they "
    "are scoped by the model name (`sequential/gru/gru_cell/kernel`), for a "
    "Functional model not (`gru/gru_cell/kernel`). Bidirectional config "
    "carries both `layer` and `backward_layer`, and the inner GRUs are "
    "renamed `forward_gru`/`backward_gru` (the user named it `gru`).",
    "- Keras 3 `.weights.h5`/`.keras`: GRU weights at "
    "`layers/<snake_case class, uniquified>/cell/vars/0..2` (two GRUs named "
    "gru_first/gru_second are `layers/gru`, `layers/gru_1`); Bidirectional at "
    "`layers/bidirectional/{forward_layer,backward_layer}/cell/vars/0..2`; a "
    "compiled+trained model adds `optimizer/vars/0..n`. `config.json` "
    "contains `shared_object_id` keys (Python id() values) on shared "
    "DTypePolicy/initializer objects: ignore them.",
    "- CuDNNGRU: not exported as `tf_keras.layers.CuDNNGRU` (only in the v1 "
    "API); `tf_keras.src.layers.rnn.cudnn_gru.CuDNNGRU` builds and saves on "
    "CPU. Its config has no activation/recurrent_activation/reset_after/"
    "implementation (but has `time_major`); weights `cu_dnngru/kernel:0` "
    "(I,3U), `recurrent_kernel:0` (U,3U), `bias:0` (6U,), no cell scope.",
    "- Loading old files: tf_keras load_model fails on a Keras <= 2.1.2 style "
    "file whose GRU config lacks `reset_after` (it assumes the TF2 default "
    "True and then refuses the (3U,) bias); a reader must apply the Keras 2 "
    "default False (the bias shape tells). Keras 3 load_model fails on both "
    "constructed Keras 2 files (and on the real "
    "wild-weights/keras224_stacked_gru.h5 with the same error as the "
    "2.2.4 one).",
    "- float16: tf_keras `GRU(dtype='float16')` writes `<f2` datasets and "
    "config `dtype: \"float16\"`; outputs are float16.",
]


def write_readme(reg, out):
    v = VERSIONS
    total = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
    L = []
    L.append("# GRU weight-file fixtures\n")
    L.append("Small models saved in every GRU weight-file layout GruScope reads, "
             "with what Keras (or torch) computes on a fixed input, so the C++ "
             "readers can be tested without Python. Generated by "
             "`tools/make_weightfile_fixtures.py`; `manifest.json` is the "
             "machine-readable contract (per file: format, producer, GRU layers "
             "with config, dataset paths and shapes, input and expected "
             "files).\n")
    L.append("## Versions\n")
    L.append(f"Python {v['python']}, numpy {v['numpy']}, h5py {v['h5py']} "
             f"(HDF5 {v['hdf5']}), TensorFlow {v['tensorflow']} (CPU), "
             f"tf_keras {v['tf_keras']}, keras {v['keras']} (TensorFlow "
             f"backend), torch {v['torch']} (run on CPU), safetensors "
             f"{v['safetensors']}.\n")
    L.append("## Regenerate\n")
    L.append("```\npip install torch safetensors   # once\n"
             "python3 tools/make_weightfile_fixtures.py  "
             "# writes tests/data/weightfiles/\n```\n")
    L.append("The run is deterministic: weights come from numpy RandomState "
             "seeded by CRC32 of the case name (kernels uniform(-0.6, 0.6), "
             "biases uniform(-0.3, 0.3)), set with set_weights before saving. "
             "Every .h5 (h5py stores no timestamps) and every .npz/.npy/.csv/"
             ".safetensors is byte-identical between runs. A Keras-written "
             ".keras archive contains `date_saved` in metadata.json and the "
             "current time as the zip date of model.weights.h5, and its "
             "config.json carries `shared_object_id` values that are Python "
             "id()s (memory addresses), so it changes on every save; the "
             "script keeps an existing .keras when nothing else differs "
             "(shared_object_id compared after renumbering). The deflated "
             ".keras is re-zipped from Keras's archive with fixed "
             "timestamps.\n")
    L.append(f"Sizes: B={B}, T={T}, I={I}, U={U} (second stacked GRU U={U2}), "
             f"Dense head {D} units. Total size of this folder: about "
             f"{total / 2**20:.1f} MiB.\n")
    L.append("## Files\n")
    L.append("| file | format | what |")
    L.append("| --- | --- | --- |")
    for e in reg.files:
        what = e["notes"].split(". ")[0].rstrip(".").replace("|", "\\|")
        fmt = e["format"]
        if e.get("zip_compression") == "deflated":
            fmt += " (deflated zip)"
        L.append(f"| `{e['file']}` | {fmt} | {what} |")
    L.append("")
    L.append("Inputs and expected values:\n")
    for d in reg.data_files:
        if d["kind"] != "expected_npz":
            L.append(f"- `{d['file']}` ({d['kind']}): {d['description']}")
    L.append("- `<case>.expected.npz`: see `conventions.expected_npz_keys` in "
             "manifest.json; one per model, shared by all files of that model.\n")
    L.append("## CSV layout\n")
    L.append("`x_sample0.csv` holds one sample (x[0]): a header line `x0,x1,x2` "
             "(one column per input feature), then one row per time step "
             "(5 rows), comma separated, `\\n` line ends. Values are the "
             "shortest decimals that round-trip to the float32 values, so "
             "`strtof` gives exactly x[0]. The Keras outputs for this single "
             "sample are `sample0__*` in numpy_gru*.expected.npz.\n")
    L.append("## Constructed by hand, and why\n")
    L.append("- `keras224_stacked_gru_constructed.h5`, "
             "`keras212_gru_no_reset_after_constructed.h5`: multi-backend "
             "Keras 2.1/2.2 cannot be installed next to TensorFlow 2.21, so "
             "these are written with h5py following real files of that era "
             "(see /work/shared/wild-weights): scalar variable-length ASCII "
             "keras_version/backend/model_config, fixed-length `|S` "
             "layer_names/weight_names, weight names without a cell scope "
             "(`gru_1/kernel:0`), bias (3U,). 2.2.4: Sequential config "
             "`{name, layers}`, `reset_after: false` present; 2.1.2: config is "
             "a bare list of layers and GRU configs have no `reset_after` key "
             "(Keras 2 default: false). The weights are those of a tf_keras "
             "GRU(reset_after=False, recurrent_activation='hard_sigmoid'), "
             "whose outputs are the expected values.")
    L.append("  Check: Keras 3 load_model fails on the constructed 2.2.4 "
             "file with the same error as on the real "
             "wild-weights/keras224_stacked_gru.h5 (batch_input_shape on a "
             "Sequential's first layer), and tf_keras loads both.")
    L.append("- `k3_gru_dense.deflated.keras`: Keras's own archive re-zipped "
             "with ZIP_DEFLATED (Keras only writes stored members).")
    L.append("- `tfk_split_attrs_patched.*`: saved by tf_keras, but with its "
             f"HDF5_OBJECT_HEADER_LIMIT monkeypatched to {PATCHED_LIMIT} bytes "
             "so ordinary "
             "names get split (layer_names and weight_names). "
             "`tfk_split_layer_names.*` shows the layer_names split without "
             "any patch (one 4100-character layer name among 16 layers).")
    L.append("- The CuDNNGRU files are saved by real tf_keras (`CuDNNGRU` can be "
             "built and saved on CPU, not run); their weights come from a "
             "GRU(reset_after=True) through tf_keras's own converter, and the "
             "expected values are that GRU's outputs.\n")
    L.append("## Layout details observed in these files\n")
    L.extend(OBSERVATIONS)
    L.append("")
    L.append("## Verification done by the script\n")
    for c in reg.checks:
        L.append(f"- {c}")
    L.append("")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(L))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(
        here, "..", "tests", "data", "weightfiles"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    stage = tempfile.mkdtemp(prefix="weightfiles_")
    try:
        reg = Registry(stage)
        write_inputs(reg)
        print("tf_keras cases", flush=True)
        tfk_cases(reg)
        print("Keras 2 constructed cases", flush=True)
        keras2_cases(reg)
        print("Keras 3 cases", flush=True)
        keras3_cases(reg)
        print("torch cases", flush=True)
        torch_cases(reg)
        print("numpy cases", flush=True)
        numpy_cases(reg)
        changed, kept, removed = install(stage, out)
        write_manifest(reg, out)
        write_readme(reg, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print(f"wrote {len(reg.files)} weight files to {out}: "
          f"{len(changed)} changed, {len(kept)} unchanged, "
          f"{len(removed)} removed")
    for n in changed:
        print("  changed:", n)


if __name__ == "__main__":
    sys.exit(main())
