#!/usr/bin/env python3
"""Train GruScope's bundled example models with real Keras and export them.

Each example is a tiny Keras 3 model ``Input -> [Masking] -> GRU -> Dense``
trained here (CPU, TensorFlow backend, fixed seeds, deterministic ops) on a
toy task whose gates tell a story:

* ``sine``   GRU(8) + Dense(1): predict the next clean value of a noisy sine
             wave whose frequency differs per sequence and drifts within it.
* ``parity`` GRU(6) + Dense(1, sigmoid): running parity (XOR) of a bit stream.
* ``masked_sum`` Masking + GRU(6) + Dense(1): running sum of a right-padded
             variable-length sequence (mask.npy marks the valid steps).

Usage:
    python3 tools/make_examples.py [--out resources/examples]

Output per example, in ``<out>/<name>/`` (a contract read by the viewer):
    config.json        verbatim ``gru_layer.get_config()``
    weights.npz        kernel (I,3U), recurrent_kernel (U,3U), bias (2,3U)
    input.npy          demo batch float32 (B,T,I)
    mask.npy           bool (B,T), True = valid step (masked examples only)
    expected.npz       output (B,T,U) and state (B,U): what the Keras GRU layer
                       returned on input.npy (+ mask.npy); prediction (B,T,1):
                       the full model's output; target (B,T,1): the task's
                       ground truth for the demo batch
    head.npz           the Dense head's kernel (U,1) and bias (1,)
    info.json          title, task description, head activation, metrics
    model.keras        the whole trained model (``model.save``)
    model.weights.h5   its weights (``model.save_weights``)
plus ``<out>/README.md`` (tasks, settings, metrics, gate observations).

Everything in expected.npz comes from Keras itself.  The gate statistics in
README.md (z, r per step) are recomputed with NumPy from the exported weights
(Keras does not expose its gates); that recomputation is only accepted if its
h reproduces the Keras output to 1e-5.

Reruns on the same machine give bit-identical weights (seeded
``keras.utils.set_random_seed`` per example, ``enable_op_determinism``, a
fixed thread count).  Files whose content did not change are not rewritten;
model.keras / model.weights.h5 (zip / HDF5 with timestamps) are only rewritten
when the trained weights changed.
"""

import os

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

tf.get_logger().setLevel("ERROR")
tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)
tf.config.experimental.enable_op_determinism()

F32 = np.float32


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def arrays_digest(data):
    h = hashlib.sha256()
    for k in sorted(data):
        a = np.ascontiguousarray(data[k])
        h.update(k.encode())
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def load_npz(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def write_bytes_if_changed(path, data):
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    with open(path, "wb") as f:
        f.write(data)
    return True


def save_npz_if_changed(path, data):
    if os.path.exists(path):
        try:
            if arrays_digest(load_npz(path)) == arrays_digest(data):
                return False
        except Exception:  # unreadable: rewrite
            pass
    np.savez(path, **data)  # uncompressed on purpose
    return True


def save_npy_if_changed(path, arr):
    buf = io.BytesIO()
    np.save(buf, arr)
    return write_bytes_if_changed(path, buf.getvalue())


def save_text_if_changed(path, text):
    return write_bytes_if_changed(path, text.encode("utf-8"))


def versions_dict():
    return {
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "h5py": __import__("h5py").__version__,
        "python": platform.python_version(),
    }


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def numpy_gates(cfg, kernel, rkernel, bias, x, mask=None):
    """z, r, h~, h per step (float64) for a Keras 3 GRU with the default
    activations and reset_after=True; only used for README statistics and
    accepted only if h reproduces the Keras output."""
    assert cfg["reset_after"] and cfg["activation"] == "tanh"
    assert cfg["recurrent_activation"] == "sigmoid" and cfg["use_bias"]
    k, rk, b = (a.astype(np.float64) for a in (kernel, rkernel, bias))
    U = rk.shape[0]
    B, T, _ = x.shape
    h = np.zeros((B, U))
    zs, rs, cs, hs = (np.zeros((B, T, U)) for _ in range(4))
    for t in range(T):
        xi = x[:, t].astype(np.float64) @ k + b[0]
        hi = h @ rk + b[1]
        z = sigmoid(xi[:, :U] + hi[:, :U])
        r = sigmoid(xi[:, U:2 * U] + hi[:, U:2 * U])
        c = np.tanh(xi[:, 2 * U:] + r * hi[:, 2 * U:])
        hn = z * h + (1.0 - z) * c
        if mask is not None:
            hn = np.where(mask[:, t:t + 1], hn, h)
        h = hn
        zs[:, t], rs[:, t], cs[:, t], hs[:, t] = z, r, c, h
    return zs, rs, cs, hs


def fmt_row(vals, width=5, prec=2):
    return " ".join("%*.*f" % (width, prec, v) for v in vals)


# --------------------------------------------------------------------------
# Tasks (data generators).  Training and demo data use separate RandomStates.
# --------------------------------------------------------------------------

SINE_T = 100
SINE_NOISE = 0.1


def sine_data(rng, n, freqs=None, drifts=None, phases=None):
    """Noisy sine with per-sequence frequency (cycles/step) and a linear
    frequency drift (chirp).  x_t = sin(phi_t) + noise, y_t = sin(phi_{t+1})
    (the clean next value).  Also returns phi (n, T) for the README."""
    T = SINE_T
    f = rng.uniform(0.04, 0.12, (n, 1)) if freqs is None else \
        np.asarray(freqs, np.float64)[:, None]
    df = rng.uniform(-4e-4, 4e-4, (n, 1)) if drifts is None else \
        np.asarray(drifts, np.float64)[:, None]
    p0 = rng.uniform(0, 2 * np.pi, (n, 1)) if phases is None else \
        np.asarray(phases, np.float64)[:, None]
    t = np.arange(T + 1)[None, :]
    phi = p0 + 2 * np.pi * np.cumsum(f + df * t, axis=1)
    clean = np.sin(phi)
    noisy = clean + rng.normal(0.0, SINE_NOISE, clean.shape)
    x = noisy[:, :-1, None].astype(F32)
    y = clean[:, 1:, None].astype(F32)
    return x, y, phi[:, :-1]


PARITY_T = 30


def parity_data(rng, n, T=PARITY_T):
    x = rng.randint(0, 2, (n, T, 1)).astype(F32)
    y = (np.cumsum(x, axis=1) % 2).astype(F32)
    return x, y


def parity_demo():
    rows = [
        # sparse ones: long holds between flips
        "000010000000100000000010000001",
        # a burst of ones followed by silence
        "011111100000000000001100000000",
        # alternating runs
        "110011100001111000001010101000",
        # random-looking
        "101101001110010111010001101011",
    ]
    x = np.array([[[float(c)] for c in r] for r in rows], dtype=F32)
    y = (np.cumsum(x, axis=1) % 2).astype(F32)
    return x, y


SUM_T = 12


def sum_data(rng, n, lengths=None):
    T = SUM_T
    x = rng.uniform(-1.0, 1.0, (n, T, 1)).astype(F32)
    L = rng.randint(3, T + 1, n) if lengths is None else np.asarray(lengths)
    mask = np.arange(T)[None, :] < L[:, None]
    x[~mask] = 0.0          # padding value == Masking(mask_value=0.0)
    x[mask & (x[..., 0] == 0.0)] = 1e-3  # never a real 0 (would be masked)
    y = np.cumsum(x, axis=1).astype(F32)  # padded steps keep the final sum
    return x, y, mask


# --------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------

def build(units, head_activation, masking=False, seq_units=1):
    inp = keras.Input((None, 1), name="x")
    h = inp
    if masking:
        h = keras.layers.Masking(mask_value=0.0, name="masking")(h)
    h = keras.layers.GRU(units, return_sequences=True, name="gru")(h)
    out = keras.layers.Dense(seq_units, activation=head_activation,
                             name="head")(h)
    return keras.Model(inp, out, name="gruscope_example")


EXAMPLES = {}


def example(fn):
    EXAMPLES[fn.__name__.replace("ex_", "")] = fn
    return fn


@example
def ex_sine():
    seed = 1234
    keras.utils.set_random_seed(seed)
    rng = np.random.RandomState(seed)
    x, y, _ = sine_data(rng, 1500)
    xv, yv, _ = sine_data(np.random.RandomState(seed + 1), 300)
    model = build(8, None)
    settings = dict(seed=seed, train_sequences=1500, val_sequences=300,
                    T=SINE_T, noise_std=SINE_NOISE,
                    freq_range_cycles_per_step=[0.04, 0.12],
                    drift_range_per_step=[-4e-4, 4e-4], optimizer="Adam",
                    learning_rate=0.02, batch_size=32, epochs=8, loss="mse")
    model.compile(keras.optimizers.Adam(0.02), "mse")
    model.fit(x, y, batch_size=32, epochs=8, shuffle=True, verbose=0)
    pv = model.predict(xv, batch_size=300, verbose=0)
    warm = 20
    metrics = {
        "val_mse": float(np.mean((pv - yv) ** 2)),
        "val_mse_after_step_%d" % warm:
            float(np.mean((pv[:, warm:] - yv[:, warm:]) ** 2)),
        "baseline_repeat_input_mse": float(np.mean((xv - yv) ** 2)),
        "baseline_predict_zero_mse": float(np.mean(yv ** 2)),
        "input_noise_variance": SINE_NOISE ** 2,
    }
    # demo: slow, medium and fast (with chirps), fixed start phase
    dx, dy, dphi = sine_data(np.random.RandomState(7), 3,
                             freqs=[0.05, 0.08, 0.11],
                             drifts=[2e-4, 0.0, -3e-4],
                             phases=[0.0, 1.0, 2.0])
    return dict(
        model=model, settings=settings, metrics=metrics, x=dx, target=dy,
        mask=None, extra=dict(phi=dphi),
        title="Noisy sine: predict the next value",
        task=("Input: a sine wave with Gaussian noise (std %.2g); each "
              "sequence has its own frequency (0.04-0.12 cycles/step) that "
              "also drifts linearly (chirp). Target at step t: the clean "
              "value at step t+1." % SINE_NOISE),
    )


@example
def ex_parity():
    seed = 4321
    keras.utils.set_random_seed(seed)
    rng = np.random.RandomState(seed)
    x, y = parity_data(rng, 4000)
    xv, yv = parity_data(np.random.RandomState(seed + 1), 1000)
    xl, yl = parity_data(np.random.RandomState(seed + 2), 500, T=100)
    model = build(6, "sigmoid")
    settings = dict(seed=seed, train_sequences=4000, val_sequences=1000,
                    T=PARITY_T, optimizer="Adam", learning_rate=0.01,
                    batch_size=64, epochs=8, loss="binary_crossentropy")
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy")
    model.fit(x, y, batch_size=64, epochs=8, shuffle=True, verbose=0)
    pv = model.predict(xv, batch_size=1000, verbose=0)
    pl = model.predict(xl, batch_size=500, verbose=0)
    eps = 1e-7
    bce = -np.mean(yv * np.log(pv + eps) + (1 - yv) * np.log(1 - pv + eps))
    metrics = {
        "val_bce": float(bce),
        "val_step_accuracy": float(np.mean((pv > 0.5) == (yv > 0.5))),
        "val_sequence_accuracy": float(np.mean(np.all(
            (pv > 0.5) == (yv > 0.5), axis=(1, 2)))),
        "T100_step_accuracy": float(np.mean((pl > 0.5) == (yl > 0.5))),
    }
    dx, dy = parity_demo()
    return dict(
        model=model, settings=settings, metrics=metrics, x=dx, target=dy,
        mask=None, extra={},
        title="Running parity of a bit stream",
        task=("Input: a stream of bits (0.0/1.0), T=%d. Target at step t: "
              "1 if an odd number of 1-bits has been seen so far (steps "
              "0..t), else 0 -- the output must flip at every 1-bit and "
              "hold at every 0-bit." % PARITY_T),
    )


@example
def ex_masked_sum():
    seed = 2024
    keras.utils.set_random_seed(seed)
    rng = np.random.RandomState(seed)
    x, y, _ = sum_data(rng, 3000)
    xv, yv, mv = sum_data(np.random.RandomState(seed + 1), 500)
    model = build(6, None, masking=True)
    settings = dict(seed=seed, train_sequences=3000, val_sequences=500,
                    T=SUM_T, lengths=[3, SUM_T], value_range=[-1, 1],
                    optimizer="Adam", learning_rate=0.01, batch_size=32,
                    epochs=8, loss="mse (padded steps masked out)")
    model.compile(keras.optimizers.Adam(0.01), "mse")
    model.fit(x, y, batch_size=32, epochs=8, shuffle=True, verbose=0)
    pv = model.predict(xv, batch_size=500, verbose=0)
    err = (pv - yv)[mv]
    lengths = mv.sum(axis=1)
    last = (pv - yv)[np.arange(len(xv)), lengths - 1]
    metrics = {
        "val_mse_valid_steps": float(np.mean(err ** 2)),
        "val_target_variance": float(np.var(yv[mv])),
        "val_r2": float(1 - np.mean(err ** 2) / np.var(yv[mv])),
        "val_final_sum_mae": float(np.mean(np.abs(last))),
    }
    dx, dy, dm = sum_data(np.random.RandomState(11), 4,
                          lengths=[12, 9, 6, 3])
    return dict(
        model=model, settings=settings, metrics=metrics, x=dx, target=dy,
        mask=dm, extra={},
        title="Running sum of a variable-length (right-padded) sequence",
        task=("Input: %d-step sequences of values in [-1, 1] whose real "
              "length is 3..%d; the rest is right padding (value 0.0, "
              "masked: mask.npy / a Keras Masking(mask_value=0.0) layer). "
              "Target at each valid step: the running sum so far." %
              (SUM_T, SUM_T)),
    )


# --------------------------------------------------------------------------
# Export + verification
# --------------------------------------------------------------------------

def keras_gru_outputs(gru, x, mask):
    """output via the trained layer itself, state via a return_state twin."""
    xt = tf.constant(x)
    mt = None if mask is None else tf.constant(mask)
    out = gru(xt, mask=mt, training=False)
    cfg = dict(gru.get_config())
    cfg["return_state"] = True
    cfg["name"] = "gru_twin"
    twin = keras.layers.GRU.from_config(cfg)
    twin.build(x.shape)
    twin.set_weights(gru.get_weights())
    out2, state = twin(xt, mask=mt, training=False)
    out, out2, state = (np.asarray(keras.ops.convert_to_numpy(v))
                        for v in (out, out2, state))
    assert np.array_equal(out, out2), "twin output differs"
    return out.astype(F32), state.astype(F32)


def export(name, ex, outdir):
    model = ex["model"]
    gru = model.get_layer("gru")
    head = model.get_layer("head")
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    x, mask = ex["x"], ex["mask"]

    kernel, rkernel, bias = (w.astype(F32) for w in gru.get_weights())
    weights = dict(kernel=kernel, recurrent_kernel=rkernel, bias=bias)
    hk, hb = (w.astype(F32) for w in head.get_weights())
    headw = dict(kernel=hk, bias=hb)
    cfg = gru.get_config()

    out, state = keras_gru_outputs(gru, x, mask)
    pred = model.predict(x, batch_size=len(x), verbose=0).astype(F32)
    expected = dict(output=out, state=state, prediction=pred,
                    target=ex["target"].astype(F32))

    # --- checks against Keras itself -------------------------------------
    sub = keras.Model(model.input, gru.output)
    sub_out = sub.predict(x, batch_size=len(x), verbose=0)
    sub_diff = float(np.max(np.abs(sub_out - out)))
    assert sub_diff <= 1e-6, "GRU sub-model output differs by %g" % sub_diff
    if mask is not None:   # the Masking layer must produce the same mask
        assert np.array_equal(np.any(x != 0.0, axis=-1), mask)

    changed = []
    files = {
        "config.json": lambda p: save_text_if_changed(
            p, json.dumps(cfg, indent=2) + "\n"),
        "weights.npz": lambda p: save_npz_if_changed(p, weights),
        "head.npz": lambda p: save_npz_if_changed(p, headw),
        "input.npy": lambda p: save_npy_if_changed(p, x.astype(F32)),
        "expected.npz": lambda p: save_npz_if_changed(p, expected),
    }
    if mask is not None:
        files["mask.npy"] = lambda p: save_npy_if_changed(p, mask)
    elif os.path.exists(os.path.join(d, "mask.npy")):
        os.remove(os.path.join(d, "mask.npy"))
    wchanged = False
    for fname, fn in files.items():
        if fn(os.path.join(d, fname)):
            changed.append(fname)
            wchanged |= fname in ("weights.npz", "head.npz")

    # model.keras / model.weights.h5 embed timestamps: only rewrite them when
    # the weights changed (or they are missing).
    mk, mw = os.path.join(d, "model.keras"), os.path.join(d, "model.weights.h5")
    if wchanged or not os.path.exists(mk) or not os.path.exists(mw):
        model.save(mk)
        model.save_weights(mw)
        changed += ["model.keras", "model.weights.h5"]

    # --- reload checks ---------------------------------------------------
    loaded = keras.saving.load_model(mk)
    lp = loaded.predict(x, batch_size=len(x), verbose=0)
    reload_diff = float(np.max(np.abs(lp - pred)))
    lg = loaded.get_layer("gru")
    assert all(np.array_equal(a, b) for a, b in
               zip(lg.get_weights(), gru.get_weights())), \
        "model.keras weights differ from the exported ones"
    assert lg.get_config() == cfg, "model.keras GRU config differs"
    fresh = build(gru.units, head.get_config()["activation"],
                  masking=mask is not None)
    fresh.load_weights(mw)
    assert all(np.array_equal(a, b) for a, b in
               zip(fresh.get_weights(), model.get_weights())), \
        "model.weights.h5 differs"
    assert reload_diff == 0.0, "reloaded model.keras predicts differently " \
        "(max |diff| %g)" % reload_diff

    # --- NumPy gate recomputation (README statistics only) ---------------
    z, r, c, h = numpy_gates(cfg, kernel, rkernel, bias, x, mask)
    gate_diff = float(np.max(np.abs(h - out)))
    assert gate_diff < 1e-5, "numpy gates do not reproduce Keras (%g)" % \
        gate_diff

    info = dict(
        name=name, title=ex["title"], task=ex["task"],
        input_features=["x"], units=int(gru.units),
        head=dict(activation=head.get_config()["activation"],
                  units=int(head.units)),
        has_mask=mask is not None,
        training=ex["settings"],
        metrics={k: round(v, 6) for k, v in ex["metrics"].items()},
        versions=versions_dict(),
        generator="tools/make_examples.py",
    )
    if save_text_if_changed(os.path.join(d, "info.json"),
                            json.dumps(info, indent=2) + "\n"):
        changed.append("info.json")

    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    return dict(name=name, dir=d, cfg=cfg, out=out, state=state, pred=pred,
                z=z, r=r, c=c, h=h, weights=weights,
                digest=arrays_digest(dict(weights, **{"head_" + k: v for k, v
                                                      in headw.items()})),
                changed=changed, size=size, sub_diff=sub_diff,
                reload_diff=reload_diff, gate_diff=gate_diff)


# --------------------------------------------------------------------------
# Gate observations (computed from the data, written into README.md)
# --------------------------------------------------------------------------

def observe_sine(ex, res):
    lines = []
    z, h = res["z"], res["h"]
    phi = ex["extra"]["phi"]
    warm = 20
    # how well does the state encode the phase?  Least squares fit of
    # sin(phi), cos(phi) from [h, 1] over steps >= warm of all demo rows.
    H = h[:, warm:].reshape(-1, h.shape[-1])
    A = np.hstack([H, np.ones((len(H), 1))])
    r2 = {}
    for nm, tgt in (("sin", np.sin(phi)), ("cos", np.cos(phi))):
        tv = tgt[:, warm:].reshape(-1)
        coef, *_ = np.linalg.lstsq(A, tv, rcond=None)
        r2[nm] = 1 - np.mean((A @ coef - tv) ** 2) / np.var(tv)
    lines.append(
        "* The state tracks the phase: a linear read-out of the 8 state "
        "values explains R^2 = %.3f of sin(phase) and %.3f of cos(phase) of "
        "the (noise-free) demo waves after step %d -- the GRU keeps a "
        "noise-filtered 2-D phase vector, not just the last input."
        % (r2["sin"], r2["cos"], warm))
    pred = res["pred"][..., 0]
    tgt = ex["target"][..., 0]
    xin = ex["x"][..., 0]
    mse_rows = np.mean((pred[:, warm:] - tgt[:, warm:]) ** 2, axis=1)
    base_rows = np.mean((xin[:, warm:] - tgt[:, warm:]) ** 2, axis=1)
    lines.append(
        "* Demo rows (start freq 0.05 / 0.08 / 0.11 cycles/step): prediction "
        "MSE after step %d = %s vs %s for \"repeat the noisy input\"."
        % (warm, " / ".join("%.4f" % v for v in mse_rows),
           " / ".join("%.4f" % v for v in base_rows)))
    zm = z.mean(axis=(0, 1))
    order = np.argsort(zm)
    lines.append(
        "* Update gate z per unit (mean over the demo batch and all steps): "
        "%s. A higher z keeps more of the previous state each step (slower, "
        "smoother unit); a lower z rewrites more of it from the candidate "
        "h~ (faster unit)."
        % ", ".join("u%d %.2f" % (u, zm[u]) for u in order))
    # how much of each unit's z over time is explained by the phase?
    P = np.stack([np.sin(phi[:, warm:]).ravel(), np.cos(phi[:, warm:]).ravel(),
                  np.ones(phi[:, warm:].size)], axis=1)
    zr2 = []
    for u in range(z.shape[-1]):
        zu = z[:, warm:, u].ravel()
        coef, *_ = np.linalg.lstsq(P, zu, rcond=None)
        zr2.append(1 - np.mean((P @ coef - zu) ** 2) / max(np.var(zu), 1e-12))
    zsd = z[:, warm:].std(axis=1).mean(axis=0)
    lines.append(
        "* z is not constant: per unit, its std over time (after step %d) "
        "and the share of its variation explained by sin/cos of the wave's "
        "phase (R^2) are %s. Gates with high R^2 open and close once per "
        "cycle of the wave."
        % (warm, ", ".join("u%d %.2f/%.2f" % (u, zsd[u], zr2[u])
                           for u in order)))
    early = np.mean((pred[:, :5] - tgt[:, :5]) ** 2)
    lines.append(
        "* The first steps are a warm-up: prediction MSE over steps 0-4 is "
        "%.3f (the state has not seen enough of the wave to know its "
        "frequency/phase yet) vs %.4f after step %d."
        % (early, np.mean(mse_rows), warm))
    return lines


def observe_parity(ex, res):
    lines = []
    z, h = res["z"], res["h"]
    bit = ex["x"][..., 0] > 0.5
    par = ex["target"][..., 0] > 0.5           # parity after step t
    before = np.concatenate([np.zeros_like(par[:, :1]), par[:, :-1]], 1)
    U = z.shape[-1]
    cases = [("0-bit, parity even (hold)", ~bit & ~before),
             ("0-bit, parity odd (hold)", ~bit & before),
             ("1-bit, even -> odd (flip)", bit & ~before),
             ("1-bit, odd -> even (flip)", bit & before)]
    zc = np.array([z[sel].mean(axis=0) for _, sel in cases])   # (4, U)
    lines.append(
        "* Mean update gate z per unit, split by the current bit and the "
        "parity *before* the step (all %d demo steps):" % bit.size)
    lines.append("")
    lines.append("  | step kind | n | " + " | ".join(
        "z u%d" % u for u in range(U)) + " |")
    lines.append("  |---|---|" + "---|" * U)
    for (label, sel), row in zip(cases, zc):
        lines.append("  | %s | %d | %s |" % (
            label, int(sel.sum()), " | ".join("%.2f" % v for v in row)))
    lines.append("")
    # units whose z drops when a 1-bit arrives (in one of the parities)
    drops = []
    for u in range(U):
        for p, nm in ((0, "even"), (1, "odd")):
            d0, d1 = zc[p, u], zc[2 + p, u]
            if d0 - d1 > 0.1 and d1 < 0.25:
                drops.append("u%d %.2f -> %.2f (%s)" % (u, d0, d1, nm))
    if drops:
        lines.append(
            "* z switches at the 1-bits: these units open (z falls towards "
            "0, i.e. they take the candidate h~) when a 1-bit arrives, "
            "compared with a 0-bit in the same parity: %s."
            % ", ".join(drops))
    latch_odd = [u for u in range(U)
                 if min(zc[1, u], zc[3, u]) > 0.75 and zc[0, u] < 0.3]
    latch_even = [u for u in range(U)
                  if min(zc[0, u], zc[2, u]) > 0.75 and zc[1, u] < 0.3]
    def units(us):
        names = ["u%d" % u for u in us]
        txt = ", ".join(names[:-1]) + " and " + names[-1] \
            if len(names) > 1 else names[0]
        return txt + (" keep" if len(names) > 1 else " keeps")

    parts = []
    if latch_odd:
        parts.append("%s z ~ 1 while the parity is odd" % units(latch_odd))
    if latch_even:
        parts.append("%s z ~ 1 while it is even" % units(latch_even))
    if parts:
        lines.append(
            "* z also depends on the state itself -- latch units: %s. A "
            "latch unit holds its value (z ~ 1) for as long as the parity "
            "stays on its side and rewrites itself (z ~ 0) on the other "
            "side; %s." % ("; ".join(parts),
                           "opposite latches together form a flip-flop"
                           if latch_odd and latch_even else
                           "it is one half of a flip-flop"))
    hs = h > 0
    agree = [np.mean(hs[..., u] == par) for u in range(U)]
    best = int(np.argmax(np.abs(np.array(agree) - 0.5)))
    ag = agree[best]
    lines.append(
        "* The parity can be read from the sign of a single unit: "
        "sign(h[u%d]) matches the running parity at %.0f%% of the demo steps "
        "(%s)." % (best, 100 * max(ag, 1 - ag),
                   "positive = odd" if ag >= 0.5 else "positive = even"))
    row, n = 0, 16
    bits = "".join("1" if b else "0" for b in bit[row])
    lines.append("* Demo row %d, bits `%s`, first %d steps (z per unit, "
                 "then the model's prediction):" % (row, bits, n))
    lines.append("")
    lines.append("  ```")
    lines.append("  step    " + " ".join("%5d" % t for t in range(n)))
    lines.append("  bit     " + " ".join("%5d" % v for v in bit[row, :n]))
    lines.append("  parity  " + " ".join("%5d" % v for v in par[row, :n]))
    for u in range(U):
        lines.append("  z u%-4d " % u + fmt_row(z[row, :n, u]))
    lines.append("  pred    " + fmt_row(res["pred"][row, :n, 0]))
    lines.append("  ```")
    lines.append("")
    acc = np.mean((res["pred"][..., 0] > 0.5) == par)
    lines.append("* Demo batch step accuracy: %.1f%%." % (100 * acc))
    return lines


def observe_masked_sum(ex, res):
    lines = []
    z, h, out = res["z"], res["h"], res["out"]
    mask = ex["mask"]
    L = mask.sum(axis=1)
    carry = all(np.array_equal(out[b, t], out[b, L[b] - 1])
                for b in range(len(L)) for t in range(L[b], mask.shape[1]))
    lines.append(
        "* Demo lengths %s (of T=%d). At every padded step the Keras output "
        "is exactly (bit-for-bit) the output of the last valid step: %s. "
        "Keras skips the cell there and carries the state over "
        "(zero_output_for_mask=False); the final `state` equals the output "
        "at step length-1, not at step T-1."
        % ("/".join(str(v) for v in L), mask.shape[1],
           "yes" if carry else "NO"))
    st_ok = all(np.array_equal(res["state"][b], out[b, L[b] - 1])
                for b in range(len(L)))
    lines.append("* state == output[length-1] for every row: %s."
                 % ("yes" if st_ok else "NO"))
    zv = z[mask]
    zm = zv.mean(axis=0)
    lines.append(
        "* Update gate z per unit, mean over valid steps: %s. (z at padded "
        "steps is meaningless: the cell is not applied there.)"
        % ", ".join("u%d %.2f" % (u, zm[u]) for u in np.argsort(zm)))
    pred = res["pred"][..., 0]
    tgt = ex["target"][..., 0]
    lines.append(
        "* Final sums (target -> prediction): %s."
        % ", ".join("%.2f -> %.2f" % (tgt[b, L[b] - 1], pred[b, L[b] - 1])
                    for b in range(len(L))))
    # what if the padding were fed as real zeros (no mask)?  Keras again.
    model = ex["model"]
    gru, head = model.get_layer("gru"), model.get_layer("head")
    nm_out = np.asarray(keras.ops.convert_to_numpy(
        gru(tf.constant(ex["x"]), training=False)))
    nomask = np.asarray(keras.ops.convert_to_numpy(
        head(tf.constant(nm_out))))[..., 0]
    pad = ~mask
    dh = float(np.max(np.abs(nm_out - out)[pad]))
    dp = float(np.max(np.abs(nomask - pred)[pad]))
    lines.append(
        "* Why the mask matters: the same Keras layers run *without* the "
        "mask (padding fed as real 0.0 inputs) drift away from the carried-"
        "over values at the padded steps by up to %.3f in the GRU output and "
        "%.3f in the prediction. The trained GRU has learned that a 0.0 "
        "input adds (almost) nothing, so it nearly holds its state by "
        "itself -- but only the mask makes the carry-over exact." % (dh, dp))
    return lines


OBSERVERS = {"sine": observe_sine, "parity": observe_parity,
             "masked_sum": observe_masked_sum}


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------

HEADER = """\
# GruScope example models (trained by real Keras)

Generated by `tools/make_examples.py` -- do not edit by hand. Each folder holds
a tiny Keras 3 model `Input -> [Masking] -> GRU(return_sequences=True) ->
Dense` that was trained by Keras on a toy task, plus a demo batch and what
Keras's GRU layer returns on it.

Regenerate (from the repository root; about a minute on 2 CPU cores):

    python3 tools/make_examples.py

Reruns on the same machine are deterministic (per-example
`keras.utils.set_random_seed`, `tf.config.experimental.enable_op_determinism()`,
2 intra-op threads): the weights come out bit-identical and unchanged files
are not rewritten. A different CPU / TensorFlow build may train to slightly
different weights.

## Versions

%s

## Files in each `<name>/` folder

* `config.json`: verbatim `gru.get_config()` of the trained GRU layer.
* `weights.npz` (uncompressed): `kernel` `(I,3U)`, `recurrent_kernel`
  `(U,3U)`, `bias` `(2,3U)` (row 0 input bias, row 1 recurrent bias;
  `reset_after=True`), float32, from `gru.get_weights()`.
* `input.npy`: demo batch, float32 `(B,T,I)`.
* `mask.npy`: bool `(B,T)`, True = valid step (masked example only). In the
  Keras model the mask comes from a `Masking(mask_value=0.0)` layer in front of
  the GRU; the padded input values are 0.0.
* `expected.npz` (uncompressed), all float32:
  * `output` `(B,T,U)`: what the trained Keras GRU layer returned on
    `input.npy` (+ `mask.npy`), called eagerly with `training=False`;
    checked to equal the output of a Keras sub-model `model.input -> gru`.
  * `state` `(B,U)`: the final state, from a `return_state=True` twin layer
    with identical config and weights.
  * `prediction` `(B,T,1)`: the full model's output (the Dense head applied
    to `output`), via `model.predict`.
  * `target` `(B,T,1)`: the task's ground truth for the demo batch.
* `head.npz`: the Dense head's `kernel` `(U,1)` and `bias` `(1,)`, float32;
  its activation is in `info.json` (`head.activation`).
* `info.json`: title, task text, head activation, training settings, metrics,
  versions.
* `model.keras`: the whole trained model (`model.save`), reloadable with
  `keras.saving.load_model` (checked: identical weights and predictions).
* `model.weights.h5`: `model.save_weights` of the same model.

The gate statistics below (z) were recomputed with NumPy from the exported
weights -- Keras does not expose its gates -- and were only used after that
recomputation reproduced the Keras `output` to < 1e-5 (max |diff| %s).
Keras GRU convention: `h = z * h_prev + (1 - z) * h~`, so **z near 1 = keep
the old state, z near 0 = take the candidate h~**.
"""


def section(name, ex, res):
    s = ex["settings"]
    m = ex["metrics"]
    model = ex["model"]
    layers = " -> ".join(
        "%s(%s)" % (type(l).__name__,
                    l.units if hasattr(l, "units") else "")
        for l in model.layers[1:])
    B, T, I = ex["x"].shape
    lines = ["## `%s`: %s" % (name, ex["title"]), ""]
    lines.append("**Task.** " + ex["task"])
    lines.append("")
    head_act = model.get_layer("head").get_config()["activation"]
    lines.append("**Architecture.** `%s`; GRU defaults otherwise (tanh / "
                 "sigmoid, reset_after=True, return_sequences=True); Dense "
                 "activation `%s`. %d trainable parameters (GRU %d)."
                 % (layers.replace("()", ""), head_act,
                    model.count_params(),
                    model.get_layer("gru").count_params()))
    lines.append("")
    lines.append("**Training.** " + ", ".join(
        "%s=%s" % (k, v) for k, v in s.items()) + ".")
    lines.append("")
    lines.append("**Result** (held-out data): " + ", ".join(
        "%s=%s" % (k, ("%.4f" % v) if isinstance(v, float) else v)
        for k, v in m.items()) + ".")
    lines.append("")
    lines.append("**Demo batch.** B=%d, T=%d, I=%d%s." % (
        B, T, I, ", with mask.npy" if ex["mask"] is not None else ""))
    lines.append("")
    lines.append("**What to look for in the gates** (observed on the demo "
                 "batch):")
    lines.append("")
    lines += OBSERVERS[name](ex, res)
    lines.append("")
    return "\n".join(lines)


STORY_INTRO = {
    "sine": ("A GRU with 8 units has to denoise the wave and extrapolate one "
             "step, which needs the current phase and frequency -- a "
             "quantity the input alone (one noisy number) does not carry."),
    "parity": ("The classic XOR/flip-flop task: the 6-unit GRU must flip its "
               "state at every 1-bit and hold it at every 0-bit."),
    "masked_sum": ("Shows what Keras does at padded steps: nothing. The "
                   "state (and, with zero_output_for_mask=False, the output) "
                   "is carried over unchanged."),
}


def write_readme(outdir, done):
    vers = "\n".join("* %s %s" % kv for kv in versions_dict().items())
    gate = max(res["gate_diff"] for _, _, res in done)
    parts = [HEADER % (vers, "%.1e" % gate)]
    parts.append("## Examples\n")
    for name, ex, res in done:
        parts.append("* `%s/` (%s): %s" % (name, ex["title"],
                                          STORY_INTRO[name]))
    parts.append("")
    for name, ex, res in done:
        parts.append(section(name, ex, res))
    text = "\n".join(parts).rstrip() + "\n"
    return save_text_if_changed(os.path.join(outdir, "README.md"), text)


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="resources/examples")
    ap.add_argument("--only", default=None,
                    help="comma-separated example names (debugging; the "
                         "README is not written)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    names = list(EXAMPLES)
    if args.only:
        names = [n for n in names if n in args.only.split(",")]

    t_all = time.time()
    done = []
    for name in names:
        t0 = time.time()
        ex = EXAMPLES[name]()
        t_train = time.time() - t0
        res = export(name, ex, args.out)
        print("%-11s train %5.1fs  %s" % (name, t_train, "  ".join(
            "%s=%.4g" % kv for kv in ex["metrics"].items())))
        print("%-11s weights digest %s  folder %.1f KB  sub-model diff %g  "
              "reload diff %g  numpy-gate diff %.2g  written: %s" % (
                  "", res["digest"][:16], res["size"] / 1024.0,
                  res["sub_diff"], res["reload_diff"], res["gate_diff"],
                  ", ".join(res["changed"]) or "nothing"))
        for line in OBSERVERS[name](ex, res):
            print("   " + line)
        done.append((name, ex, res))
        keras.backend.clear_session()
    if not args.only:
        w = write_readme(args.out, done)
        print("README.md %s" % ("written" if w else "unchanged"))
    print("total %.1fs" % (time.time() - t_all))


if __name__ == "__main__":
    main()
