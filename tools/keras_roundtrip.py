#!/usr/bin/env python3
"""Round trip of GruScope's weight-file writers through real Keras.

tests/io/tst_writers.cpp, run with GRUSCOPE_WRITE_ROUNDTRIP=1, writes tests/data/roundtrip/:
one file per case and format (written by gruscope::writeGruWeights), manifest.json (the case of
each file, its GRU config and input size) and expected.npz (x_<case>: the input, y_<case>: GruScope's
output for it, float64 reference backend). This script loads every file with the program that
reads that format:

  .weights.h5   Keras 3: Sequential([Input((None, I)), GRU.from_config(config)]).load_weights(path)
  .keras        Keras 3: keras.saving.load_model(path)
  .h5           tf_keras: tf_keras.models.load_model(path)  (and, for information, Keras 3's load_model)
  .npz          the case's Keras: the layer's set_weights([kernel, recurrent_kernel, bias])
  .safetensors  PyTorch: nn.GRU(I, U, batch_first=True).load_state_dict(..., strict=True)

runs it on x_<case> and writes results.json:
  {file: {"loaded": bool, "error": str|null, "max_abs_diff_vs_gruscope": float|null, "loader": str,
          "config_mismatches": [...]}}
Here GruScope's numbers are the expected side: the check is that Keras reads our files into a model
that computes what GruScope computes with the same weights. The C++ suite then asserts results.json
(so CI needs no Python).

Usage:
  python3 tools/keras_roundtrip.py [--generate build/tests/tst_writers] [--dir tests/data/roundtrip]
Needs keras 3.15.1 (TensorFlow backend), tf_keras 2.21.0, torch and safetensors.
"""
import argparse
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # CPU kernels: the same numbers on every machine

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TOLERANCE = 1e-5


def keras3():
    import keras
    return keras


def tf_keras():
    import tf_keras as tfk
    return tfk


def as_numpy(y):
    if isinstance(y, (list, tuple)):
        y = y[0]
    return np.asarray(y.numpy() if hasattr(y, "numpy") else y)


def gru_layer(model):
    grus = [l for l in model.layers if l.__class__.__name__ == "GRU"]
    if len(grus) != 1:
        raise RuntimeError(f"expected one GRU layer, found {[l.__class__.__name__ for l in model.layers]}")
    return grus[0]


def config_mismatches(layer, case_config):
    """Arguments of the loaded Keras layer that differ from the case's config."""
    got = layer.get_config()
    out = []
    for key in ("name", "units", "activation", "recurrent_activation", "use_bias", "reset_after", "return_sequences",
                "go_backwards", "return_state", "stateful", "unroll", "dropout", "recurrent_dropout", "implementation",
                "time_major"):
        if key in case_config and key in got and got[key] != case_config[key]:
            out.append(f"{key}: file gives {got[key]!r}, GruScope wrote {case_config[key]!r}")
    return out


def k3_model(case):
    keras = keras3()
    layer = keras.layers.GRU.from_config(dict(case["config"]))
    return keras.Sequential([keras.Input((None, case["input_size"])), layer])


def tfk_model(case):
    tfk = tf_keras()
    cfg = dict(case["config"])
    layer = tfk.layers.GRU.from_config(cfg)
    return tfk.Sequential([tfk.Input((None, case["input_size"])), layer])


def load_weights_h5(path, case):
    keras = keras3()
    model = k3_model(case)
    model.load_weights(str(path))
    return model, f"keras {keras.__version__} Sequential.load_weights"


def load_keras_archive(path, case):
    keras = keras3()
    return keras.saving.load_model(str(path)), f"keras {keras.__version__} keras.saving.load_model"


def load_legacy_h5(path, case):
    tfk = tf_keras()
    return tfk.models.load_model(str(path)), f"tf_keras {tfk.__version__} tf_keras.models.load_model"


def load_legacy_h5_keras3(path, case):
    keras = keras3()
    return keras.saving.load_model(str(path)), f"keras {keras.__version__} keras.saving.load_model"


def load_npz(path, case):
    model = k3_model(case) if case["flavor"] == "keras3" else tfk_model(case)
    data = np.load(str(path))
    names = ["kernel", "recurrent_kernel"] + (["bias"] if case["config"]["use_bias"] else [])
    if sorted(data.files) != sorted(names):
        raise RuntimeError(f"npz members {sorted(data.files)}, expected {sorted(names)}")
    gru_layer(model).set_weights([data[n] for n in names])
    mod = keras3() if case["flavor"] == "keras3" else tf_keras()
    return model, f"{mod.__name__} {mod.__version__} GRU.set_weights from numpy.load"


class TorchModel:
    def __init__(self, gru, return_sequences):
        self.gru = gru
        self.return_sequences = return_sequences

    def __call__(self, x, training=False):
        import torch
        with torch.no_grad():
            out, _ = self.gru(torch.from_numpy(np.ascontiguousarray(x)))
        out = out.numpy()
        return out if self.return_sequences else out[:, -1]


def load_safetensors(path, case):
    import safetensors.torch
    import torch
    cfg = case["config"]
    if cfg["go_backwards"] or cfg["activation"] != "tanh" or cfg["recurrent_activation"] != "sigmoid":
        raise RuntimeError("the case is not an nn.GRU")
    gru = torch.nn.GRU(case["input_size"], cfg["units"], batch_first=True, bias=cfg["use_bias"])
    gru.load_state_dict(safetensors.torch.load_file(str(path)), strict=True)
    gru.eval()
    return TorchModel(gru, cfg["return_sequences"]), f"torch {torch.__version__} nn.GRU.load_state_dict(strict=True)"


LOADERS = {
    "keras3_weights_h5": load_weights_h5,
    "keras3_archive": load_keras_archive,
    "legacy_h5": load_legacy_h5,
    "npz": load_npz,
    "torch_safetensors": load_safetensors,
}


def run(loader, path, case, x, y):
    result = {"loaded": False, "error": None, "max_abs_diff_vs_gruscope": None, "loader": loader.__name__,
              "config_mismatches": []}
    try:
        model, result["loader"] = loader(path, case)
        result["loaded"] = True
        if not isinstance(model, TorchModel):
            result["config_mismatches"] = config_mismatches(gru_layer(model), case["config"])
        got = as_numpy(model(x, training=False)).astype(np.float64)
        if got.shape != y.shape:
            raise RuntimeError(f"output shape {got.shape}, GruScope's {y.shape}")
        result["max_abs_diff_vs_gruscope"] = float(np.max(np.abs(got - y)))
    except Exception as e:  # every failure is a result, not a crash
        result["error"] = f"{type(e).__name__}: {e}".strip()[:2000]
        if os.environ.get("GRUSCOPE_ROUNDTRIP_TRACEBACK"):
            traceback.print_exc()
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=str(REPO / "tests" / "data" / "roundtrip"))
    ap.add_argument("--generate", metavar="TST_WRITERS",
                    help="run this tst_writers binary with GRUSCOPE_WRITE_ROUNDTRIP=1 first")
    args = ap.parse_args()
    folder = Path(args.dir)
    if args.generate:
        env = dict(os.environ, GRUSCOPE_WRITE_ROUNDTRIP="1")
        subprocess.run([args.generate, "roundTripWithRealKeras"], env=env, check=True)

    manifest = json.loads((folder / "manifest.json").read_text())
    expected = np.load(str(folder / manifest["expected"]))
    results = {}
    for name, entry in manifest["files"].items():
        case = manifest["cases"][entry["case"]]
        x = expected["x_" + entry["case"]].astype(np.float32)
        y = expected["y_" + entry["case"]].astype(np.float64)
        r = run(LOADERS[entry["format"]], folder / name, case, x, y)
        if entry["format"] == "legacy_h5":
            # For information: Keras 3 also reads legacy .h5 (its own dialect of the config).
            extra = run(load_legacy_h5_keras3, folder / name, case, x, y)
            r["keras3_load_model"] = {k: extra[k] for k in ("loaded", "error", "max_abs_diff_vs_gruscope", "loader")}
        results[name] = r
        ok = r["loaded"] and r["max_abs_diff_vs_gruscope"] is not None and r["max_abs_diff_vs_gruscope"] < TOLERANCE
        print(f"{'ok  ' if ok and not r['config_mismatches'] else 'FAIL'} {name:40s} {r['loader']}: "
              f"diff={r['max_abs_diff_vs_gruscope']} {r['error'] or ''} {'; '.join(r['config_mismatches'])}")
    (folder / "results.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    bad = [n for n, r in results.items()
           if not r["loaded"] or r["max_abs_diff_vs_gruscope"] is None or r["max_abs_diff_vs_gruscope"] >= TOLERANCE
           or r["config_mismatches"]]
    print(f"wrote {folder / 'results.json'}: {len(results) - len(bad)} of {len(results)} files loaded and match")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
