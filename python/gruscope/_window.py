"""Opening the GruScope window from Python: a session file (the window's own
"gruscope-session" format, widgets/model/session.cpp) for one GRU, or a saved model file with
the input beside it, and the `gruscope` program started on it."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time

import numpy as np

from . import _locate
from .errors import Error

SESSION_FORMAT = "gruscope-session"
SESSION_VERSION = 1
# The window's central tabs, in its order (app/gui/main.cpp --tab).
TABS = ("gates", "weights", "compare", "saturation", "diff")


def _array(a, dtype):
    # {shape, dtype, data}: data is base64 of the little-endian bytes, so values come back bit
    # for bit.
    a = np.ascontiguousarray(a, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"shape": list(a.shape), "dtype": np.dtype(dtype).name, "data": base64.b64encode(a.tobytes()).decode("ascii")}


def default_input(features, timesteps=64):
    """A sine per feature, each shifted, so that no plot starts flat: (1, T, features)."""
    t = np.arange(timesteps, dtype=np.float64)[:, None]
    phase = np.arange(features, dtype=np.float64)[None, :]
    return np.sin(2 * np.pi * t / 32.0 + phase)[None].astype(np.float32)


def session_dict(layer, x=None, mask=None, initial_state=None, backend="auto", training=False, seed=0,
                 tab="gates", step=0, unit=0, description="", keras_version=""):
    """The session JSON (as a dict) that opens `layer` (a gruscope.Layer of one GRU) on `x`."""
    half = layer._single("show()")
    config = json.loads(half.config_json())
    time_major = bool(config.get("time_major", False))
    features = half.weights()["kernel"].shape[0]
    made = x is None
    if made:
        x = default_input(features)
        mask = None
        initial_state = None
    # The window checks exactly what Keras would: run once here so that a wrong shape is an
    # error in the notebook rather than a banner in the window.
    layer.run(x, mask=mask, initial_state=initial_state, backend="cpu", trace=False)
    x = np.asarray(x, dtype=np.float32)
    # The window keeps the input as (batch, timesteps, features) and the mask as (batch,
    # timesteps) whatever time_major says, and transposes them for the call.
    if time_major:
        x = x.transpose(1, 0, 2)
    if mask is not None:
        mask = np.asarray(mask).astype(bool)
        if time_major:
            mask = mask.T
    if tab not in TABS:
        raise Error(f"tab '{tab}': allowed are {', '.join(TABS)}")
    units = half.units
    w = half.weights()
    weights = {"kernel": _array(w["kernel"], np.float32), "recurrent_kernel": _array(w["recurrent_kernel"], np.float32)}
    if w["bias"] is not None:
        weights["bias"] = _array(w["bias"], np.float32)
    init = {"mode": "zeros", "seed": "7"}
    if initial_state is not None:
        init = {"mode": "custom", "seed": "7", "custom": _array(initial_state, np.float32)}
    return {
        "format": SESSION_FORMAT,
        "version": SESSION_VERSION,
        "flavor": half.flavor,
        "config": config,
        "weights": weights,
        "origin": {"path": "", "layer": half.name, "description": description or f"from Python: {layer.source}",
                   "flavor_from_file": False, "notes": list(half.notes)},
        "input": _array(x, np.float32),
        "input_description": "a sine per feature (gruscope.show)" if made else "from Python (gruscope.show)",
        "mask": None if mask is None else _array(mask, np.uint8),
        "initial_state": init,
        "training": bool(training),
        "backend": backend,
        "dropout_seed": str(int(seed)),
        "eligibility": {"keras_version": keras_version or layer.keras_version, "assume_gpu": False},
        "view": {"step": int(step), "sample": 0, "unit": int(unit),
                 "plotted_units": list(range(min(units, 4))), "tab": TABS.index(tab)},
    }


def write_session(path, session):
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(session, f)
    os.replace(tmp, path)


def new_folder():
    return tempfile.mkdtemp(prefix="gruscope-")


def stage_model_file(folder, source, x, mask):
    """A copy of a weight or model file in `folder` with input.npy (and mask.npy) beside it:
    the window takes those as the input when it opens the file."""
    target = os.path.join(folder, os.path.basename(source))
    shutil.copyfile(source, target)
    stage_inputs(folder, x, mask)
    return target


def stage_inputs(folder, x, mask):
    if x is not None:
        np.save(os.path.join(folder, "input.npy"), np.asarray(x, dtype=np.float32))
    if mask is not None:
        np.save(os.path.join(folder, "mask.npy"), np.asarray(mask).astype(bool))


def has_display():
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal", "vnc")))


def launch(target, args=(), block=False):
    """Starts `gruscope target args...` in a session of its own (closing the notebook leaves the
    window open); its output goes to gruscope.log beside the target. With block=True waits for
    the window to be closed."""
    app = _locate.app()
    if app is None:
        raise Error("the GruScope window (the gruscope program) was not found: build the 'gruscope' target, install "
                    "GruScope, or set GRUSCOPE_APP to the program", "unsupported")
    log_path = os.path.join(os.path.dirname(target), "gruscope.log")
    log = open(log_path, "ab")
    try:
        proc = subprocess.Popen([app, target, *args], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, close_fds=True)
    finally:
        log.close()
    if block:
        rc = proc.wait()
    else:
        # A window that cannot start (no display, a missing library) exits at once: say so here.
        deadline = time.monotonic() + 1.0
        rc = None
        while rc is None and time.monotonic() < deadline:
            time.sleep(0.05)
            rc = proc.poll()
    if rc not in (None, 0):
        with open(log_path, "rb") as f:
            tail = f.read()[-2000:].decode("utf-8", "replace").strip()
        raise Error(f"the GruScope window exited with status {rc} on {target}:\n{tail}", "unsupported")
    return proc
