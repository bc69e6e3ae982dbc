#!/usr/bin/env python3
"""Generate Keras-exact GRU golden test fixtures for GruScope.

Every expected value in the generated files comes from a real Keras call
(Keras 3 via ``import keras`` and the TF2 legacy Keras 2.x via ``import
tf_keras``), run eagerly on the CPU with the TensorFlow backend.  Nothing here
re-implements the GRU math: the script only draws deterministic random
weights/inputs/masks, hands them to Keras and records what Keras returned.

Usage:
    python3 tools/make_golden.py [--out tests/data/golden]

Output (a contract read by the C++ tests):
    <out>/manifest.json   list of cases (flavor, verbatim get_config(), flags, tags)
    <out>/<case>.npz      arrays of one case (see README.md written next to them)
    <out>/README.md       versions, regeneration command, case list, observations

The script is deterministic: each case seeds its own numpy RandomState from a
CRC32 of its name, so reruns give bit-identical arrays.  An existing .npz whose
arrays are already identical is left untouched (zip timestamps would otherwise
change the bytes on every run).
"""

import os

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
os.environ["CUDA_VISIBLE_DEVICES"] = ""

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
import tf_keras  # noqa: E402

F32 = np.float32
F64 = np.float64

ACTIVATION_NAMES = [
    "tanh", "sigmoid", "hard_sigmoid", "linear", "relu", "relu6", "elu",
    "selu", "gelu", "silu", "swish", "softplus", "softsign", "exponential",
    "hard_silu", "leaky_relu", "log_sigmoid", "mish", "celu", "softmax",
]

FLAVOR_MODULE = {"keras3": keras, "tf_keras": tf_keras}

# Recurrent-activation names whose gate values leave [0, 1] (or grow without
# bound) make the state explode over a few steps with the default weight
# scale; these cases use smaller weights so values stay moderate.
SMALL_WEIGHT_RACT = ("linear", None, "exponential", "log_sigmoid")


def rws(name):
    return 0.3 if name in SMALL_WEIGHT_RACT else 0.7


def rbs(name):
    return 0.1 if name in SMALL_WEIGHT_RACT else 0.3


# --------------------------------------------------------------------------
# Case description
# --------------------------------------------------------------------------

def case(name, flavor, *, kw=None, B=3, T=9, I=4, U=5, mask=None,
         init=False, calls=1, mask_1=None, init_1=False, wscale=0.7,
         bscale=0.3, tags=(), quirk=False, note="", seed_from=None):
    """A case: GRU constructor kwargs (without units/name/dtype) + data spec.

    seed_from: draw weights/inputs with another case's seed (same data).

    mask / mask_1: None or one of the pattern names understood by make_mask.
    """
    return dict(name=name, flavor=flavor, kw=dict(kw or {}), B=B, T=T, I=I,
                U=U, mask=mask, init=init, calls=calls, mask_1=mask_1,
                init_1=init_1, wscale=wscale, bscale=bscale, tags=list(tags),
                quirk=quirk, note=note, seed_from=seed_from)


def make_mask(spec, B, T, rng):
    """Deterministic (B, T) bool masks (True = keep)."""
    m = np.ones((B, T), dtype=bool)
    if spec == "right":          # right padding, lengths T, ~2T/3, ~T/4
        lens = [T, max(1, (2 * T) // 3), max(1, T // 4)]
        for b in range(B):
            m[b, lens[b % 3]:] = False
    elif spec == "left":         # left padding (masked leading steps)
        lens = [T, max(1, (2 * T) // 3), max(1, T // 4)]
        for b in range(B):
            m[b, :T - lens[b % 3]] = False
    elif spec == "holes":        # first and last step valid, holes between
        holes = [[2, 3], [1, 4, 5], [T // 2]]
        for b in range(B):
            for t in holes[b % 3]:
                if 0 < t < T - 1:
                    m[b, t] = False
    elif spec == "allmasked":    # row 1 fully masked
        for b in range(B):
            if b % 3 == 1:
                m[b, :] = False
            elif b % 3 == 2:
                m[b, T // 2:] = False
    elif spec == "holes_tail":   # holes, and the last step masked in row 0
        holes = [[1, 2, T - 1], [3], [0, T - 2]]
        for b in range(B):
            for t in holes[b % 3]:
                m[b, t] = False
    elif spec == "random_right":  # random right-padding lengths in [1, T]
        lens = rng.randint(1, T + 1, size=B)
        lens[0] = T
        for b in range(B):
            m[b, lens[b]:] = False
    else:
        raise ValueError(spec)
    return m


def build_matrix():
    cases = []
    K3, TK = "keras3", "tf_keras"

    # ---- 1. keras3 layer-level features ----------------------------------
    cases += [
        case("k3_basic", K3, tags=["reset_after"],
             note="defaults (reset_after=True), return_sequences=False"),
        case("k3_basic_seq", K3, kw=dict(return_sequences=True),
             tags=["reset_after", "return_sequences"],
             note="defaults, return_sequences=True"),
        case("k3_reset_before", K3, kw=dict(reset_after=False),
             tags=["reset_before"], note="reset_after=False, last output"),
        case("k3_reset_before_seq", K3,
             kw=dict(reset_after=False, return_sequences=True),
             tags=["reset_before", "return_sequences"],
             note="reset_after=False, return_sequences=True"),
        case("k3_nobias", K3, kw=dict(use_bias=False, return_sequences=True),
             tags=["no_bias", "reset_after", "return_sequences"],
             note="use_bias=False, reset_after=True"),
        case("k3_nobias_reset_before", K3,
             kw=dict(use_bias=False, reset_after=False,
                     return_sequences=True),
             tags=["no_bias", "reset_before", "return_sequences"],
             note="use_bias=False, reset_after=False"),
        case("k3_go_backwards_seq", K3,
             kw=dict(go_backwards=True, return_sequences=True),
             tags=["go_backwards", "return_sequences"],
             note="go_backwards=True, sequence in processing order"),
        case("k3_go_backwards", K3, kw=dict(go_backwards=True),
             tags=["go_backwards"], note="go_backwards=True, last output"),
        case("k3_go_backwards_reset_before_seq", K3,
             kw=dict(go_backwards=True, reset_after=False,
                     return_sequences=True),
             tags=["go_backwards", "reset_before", "return_sequences"],
             note="go_backwards=True with reset_after=False"),
        case("k3_go_backwards_mask_right_seq", K3,
             kw=dict(go_backwards=True, return_sequences=True),
             mask="right", tags=["go_backwards", "mask", "mask_right",
                                 "return_sequences"],
             note="go_backwards + right-padded mask, zero_output_for_mask=False"),
        case("k3_go_backwards_mask_right_zero_seq", K3,
             kw=dict(go_backwards=True, return_sequences=True,
                     zero_output_for_mask=True),
             mask="right", tags=["go_backwards", "mask", "mask_right",
                                 "zero_output_for_mask", "return_sequences"],
             note="go_backwards + right-padded mask + zero_output_for_mask=True"),
        case("k3_go_backwards_mask_right", K3,
             kw=dict(go_backwards=True), mask="right",
             tags=["go_backwards", "mask", "mask_right"],
             note="go_backwards + right-padded mask, last output"),
        case("k3_go_backwards_mask_holes_seq", K3,
             kw=dict(go_backwards=True, return_sequences=True),
             mask="holes", tags=["go_backwards", "mask", "mask_holes",
                                 "return_sequences"],
             note="go_backwards + mask with holes"),
        case("k3_return_state_seq", K3,
             kw=dict(return_sequences=True, return_state=True),
             tags=["return_state", "return_sequences"],
             note="return_state=True with return_sequences=True"),
        case("k3_return_state", K3, kw=dict(return_state=True),
             tags=["return_state"],
             note="return_state=True with return_sequences=False"),
        case("k3_return_state_mask_right_zero", K3,
             kw=dict(return_state=True, zero_output_for_mask=True),
             mask="right", tags=["return_state", "mask", "mask_right",
                                 "zero_output_for_mask"],
             note="return_state + zero_output_for_mask: output zero, state carried"),
        case("k3_initial_state_seq", K3, kw=dict(return_sequences=True),
             init=True, tags=["initial_state", "return_sequences"],
             note="initial_state given"),
        case("k3_initial_state", K3, init=True, tags=["initial_state"],
             note="initial_state given, last output"),
        case("k3_initial_state_reset_before_seq", K3,
             kw=dict(reset_after=False, return_sequences=True), init=True,
             tags=["initial_state", "reset_before", "return_sequences"],
             note="initial_state given, reset_after=False"),
        case("k3_initial_state_mask_left_seq", K3,
             kw=dict(return_sequences=True), init=True, mask="left",
             tags=["initial_state", "mask", "mask_left", "return_sequences"],
             note="initial_state + left-padded mask (masked leading steps)"),
        case("k3_initial_state_mask_left_zero_seq", K3,
             kw=dict(return_sequences=True, zero_output_for_mask=True),
             init=True, mask="left",
             tags=["initial_state", "mask", "mask_left",
                   "zero_output_for_mask", "return_sequences"],
             note="initial_state + left-padded mask, zero_output_for_mask=True"),
        case("k3_initial_state_mask_holes_seq", K3,
             kw=dict(return_sequences=True), init=True, mask="holes_tail",
             tags=["initial_state", "mask", "mask_holes", "return_sequences"],
             note="initial_state + holes incl. masked first/last steps"),
        case("k3_initial_state_allmasked", K3, init=True, mask="allmasked",
             kw=dict(return_state=True),
             tags=["initial_state", "mask", "mask_allmasked", "return_state"],
             note="initial_state + fully masked sample: state stays initial"),
    ]
    for spec in ("right", "left", "holes", "holes_tail", "allmasked"):
        for seq in (True, False):
            for zero in (False, True):
                kw = {}
                if seq:
                    kw["return_sequences"] = True
                if zero:
                    kw["zero_output_for_mask"] = True
                name = "k3_mask_%s%s%s" % (spec, "_zero" if zero else "",
                                           "_seq" if seq else "")
                tags = ["mask", "mask_" + spec.replace("_tail", "")]
                if zero:
                    tags.append("zero_output_for_mask")
                if seq:
                    tags.append("return_sequences")
                cases.append(case(
                    name, K3, kw=kw, mask=spec, tags=tags,
                    note="%s mask, zero_output_for_mask=%s, "
                         "return_sequences=%s" % (spec, zero, seq)))
    cases += [
        case("k3_mask_holes_reset_before_seq", K3,
             kw=dict(reset_after=False, return_sequences=True),
             mask="holes_tail",
             tags=["mask", "mask_holes", "reset_before", "return_sequences"],
             note="reset_after=False with a holes mask"),
        case("k3_mask_right_nobias_seq", K3,
             kw=dict(use_bias=False, return_sequences=True), mask="right",
             tags=["mask", "mask_right", "no_bias", "return_sequences"],
             note="use_bias=False with right-padded mask"),
        case("k3_stateful_seq", K3,
             kw=dict(stateful=True, return_sequences=True), calls=2,
             tags=["stateful", "return_sequences"],
             note="stateful, two calls; call 1 continues from call 0's state"),
        case("k3_stateful", K3, kw=dict(stateful=True), calls=2,
             mask="right", mask_1="holes",
             tags=["stateful", "mask", "mask_right", "mask_holes"],
             note="stateful, two calls with masks, last output"),
        case("k3_stateful_initial_state", K3,
             kw=dict(stateful=True, return_sequences=True), calls=2,
             init_1=True, tags=["stateful", "initial_state",
                                "return_sequences"],
             note="stateful; call 1 passes initial_state (Keras 3 uses it)"),
        case("k3_unroll_seq", K3, kw=dict(unroll=True, return_sequences=True),
             tags=["unroll", "return_sequences"], note="unroll=True, no mask"),
        case("k3_unroll", K3, kw=dict(unroll=True), tags=["unroll"],
             note="unroll=True, no mask, last output"),
        case("k3_unroll_mask_holes_seq", K3,
             kw=dict(unroll=True, return_sequences=True), mask="holes_tail",
             tags=["unroll", "mask", "mask_holes", "return_sequences"],
             note="unroll=True with holes mask"),
        case("k3_unroll_mask_holes_zero_seq", K3,
             kw=dict(unroll=True, return_sequences=True,
                     zero_output_for_mask=True), mask="holes_tail",
             tags=["unroll", "mask", "mask_holes", "zero_output_for_mask",
                   "return_sequences"],
             note="unroll=True, holes mask, zero_output_for_mask=True"),
        case("k3_impl1_seq", K3,
             kw=dict(implementation=1, return_sequences=True),
             tags=["implementation1", "return_sequences"],
             note="implementation=1 (not in get_config; same math)"),
        case("k3_impl1_reset_before_seq", K3,
             kw=dict(implementation=1, reset_after=False,
                     return_sequences=True),
             tags=["implementation1", "reset_before", "return_sequences"],
             note="implementation=1 with reset_after=False"),
    ]

    # ---- 2. keras3 activations -------------------------------------------
    small = dict(B=2, T=6, I=3, U=4)
    for n in ACTIVATION_NAMES + [None]:
        nm = "none" if n is None else n
        ws = 0.3 if n == "exponential" else 0.7
        cases.append(case(
            "k3_act_%s" % nm, K3,
            kw=dict(activation=n, recurrent_activation="sigmoid",
                    return_sequences=True), wscale=ws,
            tags=["activation", "act:%s" % nm, "return_sequences"],
            note="activation=%r, recurrent_activation='sigmoid'" % n, **small))
        cases.append(case(
            "k3_ract_%s" % nm, K3,
            kw=dict(activation="tanh", recurrent_activation=n,
                    return_sequences=True), wscale=rws(n), bscale=rbs(n),
            tags=["recurrent_activation", "ract:%s" % nm, "return_sequences"],
            note="activation='tanh', recurrent_activation=%r" % n, **small))

    # ---- 3. tf_keras -------------------------------------------------------
    cases += [
        case("tfk_basic", TK, tags=["reset_after"],
             note="tf_keras defaults (reset_after=True), last output"),
        case("tfk_basic_seq", TK, kw=dict(return_sequences=True),
             tags=["reset_after", "return_sequences"],
             note="tf_keras defaults, return_sequences=True"),
        case("tfk_reset_before", TK, kw=dict(reset_after=False),
             tags=["reset_before"], note="reset_after=False, last output"),
        case("tfk_reset_before_seq", TK,
             kw=dict(reset_after=False, return_sequences=True),
             tags=["reset_before", "return_sequences"],
             note="reset_after=False, return_sequences=True"),
        case("tfk_nobias_seq", TK,
             kw=dict(use_bias=False, return_sequences=True),
             tags=["no_bias", "return_sequences"], note="use_bias=False"),
        case("tfk_hard_sigmoid_seq", TK,
             kw=dict(recurrent_activation="hard_sigmoid",
                     return_sequences=True),
             tags=["hard_sigmoid_tfk", "reset_after", "return_sequences"],
             note="recurrent_activation='hard_sigmoid' (0.2x+0.5), reset_after=True"),
        case("tfk_hard_sigmoid_reset_before_seq", TK,
             kw=dict(recurrent_activation="hard_sigmoid", reset_after=False,
                     return_sequences=True),
             tags=["hard_sigmoid_tfk", "reset_before", "return_sequences"],
             note="Keras 2.2-style: hard_sigmoid (0.2x+0.5) + reset_after=False"),
        case("tfk_hard_sigmoid_reset_before_mask_seq", TK,
             kw=dict(recurrent_activation="hard_sigmoid", reset_after=False,
                     return_sequences=True), mask="right",
             tags=["hard_sigmoid_tfk", "reset_before", "mask", "mask_right",
                   "return_sequences"],
             note="hard_sigmoid + reset_after=False + right-padded mask"),
        case("tfk_initial_state_seq", TK, kw=dict(return_sequences=True),
             init=True, tags=["initial_state", "return_sequences"],
             note="initial_state given"),
        case("tfk_return_state", TK, kw=dict(return_state=True),
             tags=["return_state"], note="return_state=True, last output"),
        case("tfk_time_major_seq", TK,
             kw=dict(time_major=True, return_sequences=True),
             tags=["time_major", "return_sequences"],
             note="time_major=True, x (T,B,I), output (T,B,U)"),
        case("tfk_time_major", TK, kw=dict(time_major=True),
             tags=["time_major"], note="time_major=True, last output (B,U)"),
        case("tfk_time_major_mask_seq", TK,
             kw=dict(time_major=True, return_sequences=True),
             mask="holes_tail",
             tags=["time_major", "mask", "mask_holes", "return_sequences"],
             note="time_major=True with a (T,B) mask with holes"),
        case("tfk_time_major_mask_right", TK,
             kw=dict(time_major=True), mask="right",
             tags=["time_major", "mask", "mask_right"],
             note="time_major=True with a (T,B) right-padded mask, last output"),
        case("tfk_go_backwards_seq", TK,
             kw=dict(go_backwards=True, return_sequences=True),
             tags=["go_backwards", "return_sequences"],
             note="go_backwards=True"),
        case("tfk_go_backwards_mask_right_seq", TK,
             kw=dict(go_backwards=True, return_sequences=True), mask="right",
             tags=["go_backwards", "mask", "mask_right", "return_sequences"],
             note="go_backwards + right-padded mask"),
        case("tfk_mask_right_seq", TK, kw=dict(return_sequences=True),
             mask="right", tags=["mask", "mask_right", "return_sequences"],
             note="right-padded mask"),
        case("tfk_mask_holes_seq", TK, kw=dict(return_sequences=True),
             mask="holes_tail", tags=["mask", "mask_holes",
                                      "return_sequences"],
             note="holes mask incl. masked first/last steps"),
        case("tfk_mask_holes_zero_seq", TK,
             kw=dict(return_sequences=True, zero_output_for_mask=True),
             mask="holes_tail",
             tags=["mask", "mask_holes", "zero_output_for_mask",
                   "return_sequences"],
             note="holes mask, zero_output_for_mask=True"),
        case("tfk_mask_allmasked_seq", TK, kw=dict(return_sequences=True),
             mask="allmasked",
             tags=["mask", "mask_allmasked", "return_sequences"],
             note="one fully masked sample"),
        case("tfk_mask_allmasked", TK, mask="allmasked",
             tags=["mask", "mask_allmasked"],
             note="one fully masked sample, last output"),
        case("tfk_mask_allmasked_zero", TK,
             kw=dict(zero_output_for_mask=True, return_state=True),
             mask="allmasked",
             tags=["mask", "mask_allmasked", "zero_output_for_mask",
                   "return_state"],
             note="fully masked sample, zero_output_for_mask=True, last output"),
        case("tfk_stateful_seq", TK,
             kw=dict(stateful=True, return_sequences=True), calls=2,
             tags=["stateful", "return_sequences"],
             note="stateful, two calls"),
        case("tfk_stateful_initial_state", TK,
             kw=dict(stateful=True, return_sequences=True), calls=2,
             init_1=True, quirk=True,
             tags=["stateful", "initial_state", "return_sequences"],
             note="stateful; call 1 passes initial_state, tf_keras ignores it "
                  "because the stored state is non-zero"),
        case("tfk_stateful_initial_state_first", TK,
             kw=dict(stateful=True, return_sequences=True), calls=2,
             init=True,
             tags=["stateful", "initial_state", "return_sequences"],
             note="stateful; call 0 passes initial_state (stored state still "
                  "zero, so it is used); call 1 continues"),
    ]
    for n in ACTIVATION_NAMES + [None]:
        nm = "none" if n is None else n
        ws = 0.3 if n == "exponential" else 0.7
        cases.append(case(
            "tfk_act_%s" % nm, TK,
            kw=dict(activation=n, recurrent_activation="sigmoid",
                    return_sequences=True), wscale=ws,
            tags=["activation", "act:%s" % nm, "return_sequences"],
            note="activation=%r, recurrent_activation='sigmoid'" % n, **small))
        cases.append(case(
            "tfk_ract_%s" % nm, TK,
            kw=dict(activation="tanh", recurrent_activation=n,
                    return_sequences=True), wscale=rws(n), bscale=rbs(n),
            tags=["recurrent_activation", "ract:%s" % nm, "return_sequences"],
            note="activation='tanh', recurrent_activation=%r" % n, **small))

    # ---- 4. sizes ----------------------------------------------------------
    cases += [
        case("k3_tiny", K3, kw=dict(return_sequences=True), B=1, T=1, I=1,
             U=1, tags=["size", "tiny", "return_sequences"],
             note="B=T=I=U=1"),
        case("k3_tiny_reset_before", K3,
             kw=dict(reset_after=False, return_sequences=True), B=1, T=1,
             I=1, U=1, tags=["size", "tiny", "reset_before",
                             "return_sequences"],
             note="B=T=I=U=1, reset_after=False"),
        case("tfk_tiny", TK, kw=dict(return_sequences=True), B=1, T=1, I=1,
             U=1, tags=["size", "tiny", "return_sequences"],
             note="B=T=I=U=1"),
        case("k3_t37_mask_seq", K3, kw=dict(return_sequences=True), B=3,
             T=37, I=5, U=7, mask="random_right",
             tags=["size", "mask", "mask_right", "return_sequences"],
             note="B=3 T=37 I=5 U=7, random right-padded mask"),
        case("k3_t37_mask", K3, kw=dict(return_state=True), B=3, T=37, I=5,
             U=7, mask="random_right",
             tags=["size", "mask", "mask_right", "return_state"],
             note="B=3 T=37 I=5 U=7, random right-padded mask, last output"),
        case("tfk_t37_mask_seq", TK, kw=dict(return_sequences=True), B=3,
             T=37, I=5, U=7, mask="random_right",
             tags=["size", "mask", "mask_right", "return_sequences"],
             note="B=3 T=37 I=5 U=7, random right-padded mask"),
        case("k3_t500_seq", K3, kw=dict(return_sequences=True), B=2, T=500,
             I=3, U=4, tags=["size", "long", "return_sequences"],
             note="B=2 T=500 I=3 U=4"),
        case("tfk_t500_seq", TK, kw=dict(return_sequences=True), B=2, T=500,
             I=3, U=4, tags=["size", "long", "return_sequences"],
             note="B=2 T=500 I=3 U=4"),
    ]

    # ---- 5. quirk documentation -------------------------------------------
    qkw = dict(go_backwards=True, zero_output_for_mask=True,
               return_sequences=True)
    cases += [
        case("k3_quirk_unroll_go_backwards_zero_holes_seq", K3,
             kw=dict(unroll=True, **qkw), mask="holes_tail", quirk=True,
             tags=["unroll", "go_backwards", "zero_output_for_mask", "mask",
                   "mask_holes", "return_sequences"],
             note="unrolled path zeroes outputs with the un-reversed mask"),
        case("k3_go_backwards_zero_holes_seq", K3, kw=dict(unroll=False, **qkw),
             mask="holes_tail",
             seed_from="k3_quirk_unroll_go_backwards_zero_holes_seq",
             tags=["go_backwards", "zero_output_for_mask", "mask",
                   "mask_holes", "return_sequences"],
             note="the unroll quirk case's config and data with unroll=False"),
        case("tfk_quirk_unroll_go_backwards_zero_holes_seq", TK,
             kw=dict(unroll=True, **qkw), mask="holes_tail", quirk=True,
             tags=["unroll", "go_backwards", "zero_output_for_mask", "mask",
                   "mask_holes", "return_sequences"],
             note="tf_keras: unroll + go_backwards + zero_output_for_mask"),
        case("tfk_go_backwards_zero_holes_seq", TK, kw=dict(unroll=False, **qkw),
             mask="holes_tail",
             seed_from="tfk_quirk_unroll_go_backwards_zero_holes_seq",
             tags=["go_backwards", "zero_output_for_mask", "mask",
                   "mask_holes", "return_sequences"],
             note="the tf_keras unroll quirk case's config and data with "
                  "unroll=False"),
    ]
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return cases


# --------------------------------------------------------------------------
# Running one case through Keras
# --------------------------------------------------------------------------

def refused(flavor, kw):
    """Return the error text if Keras refuses to construct the layer."""
    mod = FLAVOR_MODULE[flavor]
    try:
        mod.layers.GRU(4, **kw)
    except (ValueError, TypeError, KeyError) as e:
        return "%s: %s" % (type(e).__name__, str(e).splitlines()[0])
    return None


def to_np(t):
    return np.asarray(keras.ops.convert_to_numpy(t)) if not isinstance(
        t, np.ndarray) else t


def split_result(res, return_state):
    if return_state:
        assert isinstance(res, (list, tuple)) and len(res) == 2, type(res)
        return to_np(res[0]), to_np(res[1])
    assert not isinstance(res, (list, tuple)), type(res)
    return to_np(res), None


def run_case(c):
    rng = np.random.RandomState(
        zlib.crc32((c["seed_from"] or c["name"]).encode()))
    mod = FLAVOR_MODULE[c["flavor"]]
    B, T, I, U = c["B"], c["T"], c["I"], c["U"]
    kw = dict(c["kw"])
    reset_after = kw.get("reset_after", True)
    use_bias = kw.get("use_bias", True)
    time_major = kw.get("time_major", False)
    stateful = kw.get("stateful", False)
    ret_state = kw.get("return_state", False)

    w, bs = c["wscale"], c["bscale"]
    kernel = rng.uniform(-w, w, (I, 3 * U)).astype(F32)
    rec = rng.uniform(-w, w, (U, 3 * U)).astype(F32)
    weights = [kernel, rec]
    if use_bias:
        bias = rng.uniform(-bs, bs, (2, 3 * U) if reset_after else (3 * U,))
        weights.append(bias.astype(F32))

    def draw_call():
        x = rng.uniform(-1, 1, (B, T, I)).astype(F32)
        return x

    data = {"kernel": kernel, "recurrent_kernel": rec}
    if use_bias:
        data["bias"] = weights[2]

    per_call = []  # (x, mask, init) in the layout passed to Keras
    for k in range(c["calls"]):
        x = draw_call()
        mspec = c["mask"] if k == 0 else c["mask_1"]
        m = make_mask(mspec, B, T, rng) if mspec else None
        want_init = c["init"] if k == 0 else c["init_1"]
        s = rng.uniform(-0.8, 0.8, (B, U)).astype(F32) if want_init else None
        if time_major:
            x = np.ascontiguousarray(x.transpose(1, 0, 2))
            if m is not None:
                m = np.ascontiguousarray(m.T)
        per_call.append((x, m, s))
    in_shape = per_call[0][0].shape

    def build(dtype, force_return_state):
        k = dict(kw)
        if force_return_state:
            k["return_state"] = True
        if dtype == F64:
            k["dtype"] = "float64"
        name = c["name"]
        if dtype == F64:
            name += "_f64"
        if force_return_state and not ret_state:
            name += "_rs"
        layer = mod.layers.GRU(U, name=name, **k)
        layer.build(in_shape)
        layer.set_weights([a.astype(dtype) for a in weights])
        return layer

    def invoke(layer, x, m, s, dtype):
        return layer(
            tf.constant(x.astype(dtype)),
            mask=None if m is None else tf.constant(m),
            initial_state=None if s is None else tf.constant(s.astype(dtype)),
            training=False)

    results = {}
    config = None
    for dtype in (F32, F64):
        real = build(dtype, False)
        twin = real if ret_state else build(dtype, True)
        if dtype == F32:
            config = real.get_config()
            # get_weights round-trip sanity (weights really are ours)
            for a, b in zip(real.get_weights(), weights):
                assert np.array_equal(a, b)
        for k, (x, m, s) in enumerate(per_call):
            out, st = split_result(invoke(real, x, m, s, dtype), ret_state)
            if twin is not real:
                out_t, st = split_result(invoke(twin, x, m, s, dtype), True)
                if not np.array_equal(out_t, out):
                    print("  WARNING %s: twin output differs from real "
                          "output (max %.3g)" % (c["name"], np.max(
                              np.abs(out_t - out))))
            if stateful:
                stored = to_np(real.states[0])
                if not np.array_equal(stored, st):
                    print("  WARNING %s: layer.states[0] != returned state "
                          "(call %d)" % (c["name"], k))
            assert out.dtype == dtype and st.dtype == dtype, (out.dtype,
                                                             st.dtype)
            results[(dtype, k)] = (out, st)

    for k, (x, m, s) in enumerate(per_call):
        suf = "" if k == 0 else "_%d" % k
        data["x" + suf] = x
        if m is not None:
            data["mask" + suf] = m
        if s is not None:
            data["initial_state" + suf] = s
        data["output" + suf], data["state" + suf] = results[(F32, k)]
        data["output64" + suf], data["state64" + suf] = results[(F64, k)]

    entry = {
        "name": c["name"],
        "flavor": c["flavor"],
        "config": config,
        "file": c["name"] + ".npz",
        "calls": c["calls"],
        "has_mask": c["mask"] is not None,
        "has_initial_state": bool(c["init"]),
        "has_initial_state_1": bool(c["init_1"]) and c["calls"] == 2,
        "tags": c["tags"],
        "quirk": bool(c["quirk"]),
        "note": c["note"],
        "layer_kwargs": dict(units=U, **{k: v for k, v in kw.items()}),
    }
    return entry, data


# --------------------------------------------------------------------------
# Saving, hashing, checks
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


def save_if_changed(path, data):
    if os.path.exists(path):
        try:
            old = load_npz(path)
            if arrays_digest(old) == arrays_digest(data):
                return False
        except Exception:  # unreadable file: rewrite
            pass
    np.savez_compressed(path, **data)
    return True


def sanity_checks(entry, data):
    """Cheap consistency checks between Keras's own outputs (not stored)."""
    msgs = []
    cfg = entry["config"]
    seq = cfg.get("return_sequences", False)
    tm = cfg.get("time_major", False)
    zero = cfg.get("zero_output_for_mask", False)
    for k in range(entry["calls"]):
        suf = "" if k == 0 else "_%d" % k
        for o_key, s_key in (("output", "state"), ("output64", "state64")):
            out, st = data[o_key + suf], data[s_key + suf]
            m = data.get("mask" + suf)
            if m is not None and tm:
                m = m.T
            last = (out[-1] if tm else out[:, -1]) if seq else out
            valid = None
            if m is not None:
                lastproc = m[:, 0] if cfg.get("go_backwards") else m[:, -1]
                valid = lastproc if zero else m.any(axis=1)
            if valid is None:
                ok = np.array_equal(last, st)
            else:
                ok = np.array_equal(last[valid], st[valid])
            if not ok and not entry["quirk"]:
                msgs.append("%s%s: last output != state" % (o_key, suf))
        o32 = data["output" + suf].astype(F64)
        d = np.max(np.abs(o32 - data["output64" + suf]))
        scale = max(1.0, float(np.max(np.abs(o32))))
        if not np.isfinite(d) or d > 1e-5 * scale:
            msgs.append("float32 vs float64 max |diff| %.3g (max |out| %.3g)"
                        % (d, scale))
    return msgs


def observations(entries, datas, refusals):
    """Facts about real Keras behaviour, derived from the recorded arrays."""
    obs = []
    D = datas

    def same(a, b):
        return bool(np.array_equal(a, b))

    # masked-step outputs in the loop (K3 and TFK)
    for nm in ("k3_mask_holes_tail_seq", "tfk_mask_holes_seq"):
        d = D[nm]
        m, o = d["mask"], d["output"]
        prev_ok = all(same(o[b, t], o[b, t - 1]) for b in range(m.shape[0])
                      for t in range(1, m.shape[1]) if not m[b, t])
        first_zero = all(same(o[b, 0], np.zeros_like(o[b, 0]))
                         for b in range(m.shape[0]) if not m[b, 0])
        obs.append("%s: output at a masked step equals the previous output: "
                   "%s; output at a masked first step is zeros: %s."
                   % (nm, prev_ok, first_zero))
    d = D["k3_initial_state_mask_left_seq"]
    m, o = d["mask"], d["output"]
    lead_zero = all(same(o[b, t], np.zeros_like(o[b, t]))
                    for b in range(m.shape[0]) for t in range(m.shape[1])
                    if not m[b, :t + 1].any())
    lead_init = all(same(o[b, t], d["initial_state"][b])
                    for b in range(m.shape[0]) for t in range(m.shape[1])
                    if not m[b, :t + 1].any())
    obs.append("k3_initial_state_mask_left_seq: outputs at masked leading "
               "steps are zeros: %s; equal to the initial state: %s."
               % (lead_zero, lead_init))
    d = D["k3_initial_state_allmasked"]
    r = int(np.where(~d["mask"].any(axis=1))[0][0])
    obs.append("k3_initial_state_allmasked: fully masked sample keeps the "
               "initial state as final state: %s; its last output is zeros: %s."
               % (same(d["state"][r], d["initial_state"][r]),
                  same(d["output"][r], np.zeros_like(d["output"][r]))))
    for nm in ("k3_mask_right_zero", "k3_return_state_mask_right_zero",
               "k3_mask_allmasked_zero", "tfk_mask_allmasked_zero"):
        d = D[nm]
        rows = np.where(~d["mask"][:, -1])[0]
        z = all(same(d["output"][b], np.zeros_like(d["output"][b]))
                for b in rows)
        nz = all(np.any(d["state"][b] != 0) for b in rows
                 if d["mask"][b].any())
        obs.append("%s (zero_output_for_mask=True, return_sequences=False): "
                   "output is zeros for samples whose last step is masked: "
                   "%s; their state is non-zero (carried): %s." % (nm, z, nz))
    d = D["k3_mask_right"]
    obs.append("k3_mask_right (zero_output_for_mask=False, "
               "return_sequences=False): output == state: %s."
               % same(d["output"], d["state"]))
    # go_backwards order
    d = D["k3_go_backwards_seq"]
    obs.append("k3_go_backwards_seq: last sequence element == final state "
               "(output kept in processing order, not reversed back): %s."
               % same(d["output"][:, -1], d["state"]))
    # stateful + initial_state
    for nm in ("k3_stateful_initial_state", "tfk_stateful_initial_state"):
        d = D[nm]
        e = [x for x in entries if x["name"] == nm][0]
        flv = e["flavor"]
        used = check_initial_state_usage(flv, e, d)
        obs.append("%s (%s): call 1 with initial_state -> %s." % (nm, flv,
                                                                   used))
    e = [x for x in entries if x["name"] == "tfk_stateful_initial_state_first"]
    if e:
        d = D[e[0]["name"]]
        kw = dict(e[0]["layer_kwargs"], stateful=False)
        w = [d["kernel"], d["recurrent_kernel"], d["bias"]]
        a_out, _ = run_layer("tf_keras", kw, w, d["x"], None,
                             d["initial_state"], d["x"].shape)
        obs.append("tfk_stateful_initial_state_first: call 0 (stored state "
                   "still zero) used the passed initial_state: %s."
                   % np.array_equal(a_out, d["output"]))
    e = [x for x in entries if x["name"] == "tfk_time_major_mask_seq"]
    if e:
        d = D[e[0]["name"]]
        kw = dict(e[0]["layer_kwargs"], time_major=False)
        w = [d["kernel"], d["recurrent_kernel"], d["bias"]]
        xb = np.ascontiguousarray(d["x"].transpose(1, 0, 2))
        b_out, _ = run_layer("tf_keras", kw, w, xb,
                             np.ascontiguousarray(d["mask"].T), None,
                             xb.shape)
        obs.append("tfk_time_major_mask_seq: time_major output with the (T,B) "
                   "mask equals the batch-major run with transposed x and "
                   "mask, transposed back: %s."
                   % np.array_equal(b_out.transpose(1, 0, 2), d["output"]))
    # unroll quirk
    for q, ref in (("k3_quirk_unroll_go_backwards_zero_holes_seq",
                    "k3_go_backwards_zero_holes_seq"),
                   ("tfk_quirk_unroll_go_backwards_zero_holes_seq",
                    "tfk_go_backwards_zero_holes_seq")):
        dq, dr = D[q], D[ref]
        res = check_unroll_quirk([x for x in entries if x["name"] == q][0],
                                 dq)
        same_in = all(np.array_equal(dq[k], dr[k]) for k in
                      ("x", "mask", "kernel", "recurrent_kernel", "bias"))
        obs.append("%s: %s Comparison case %s has identical inputs/weights: "
                   "%s; its output equals the in-script unroll=False rerun: "
                   "%s." % (q, res, ref, same_in,
                            np.array_equal(dr["output"], check_unroll_quirk.
                                           last_loop_out)))
    # how get_config() spells the activation names that were passed
    alias = {}
    for e in entries:
        for slot in ("activation", "recurrent_activation"):
            if slot in e["layer_kwargs"]:
                given = e["layer_kwargs"][slot]
                got = e["config"][slot]
                if given != got:
                    alias.setdefault(e["flavor"], set()).add(
                        "%r -> %r" % (given, got))
    for flv in sorted(alias):
        obs.append("%s get_config() renames activations: %s." % (
            flv, ", ".join(sorted(alias[flv]))))
    for flv in ("keras3", "tf_keras"):
        fl = [e for e in entries if e["flavor"] == flv]
        absent = [e for e in fl if "zero_output_for_mask" not in e["config"]]
        impl = [e for e in fl if "implementation" in e["config"]]
        obs.append("%s get_config(): `zero_output_for_mask` key present in %d "
                   "of %d cases (absent exactly when it is False: %s); "
                   "`implementation` key present in %d of %d cases."
                   % (flv, len(fl) - len(absent), len(fl),
                      ("n/a, never absent" if not absent else
                       all(not e["layer_kwargs"].get("zero_output_for_mask",
                                                     False) for e in absent)),
                      len(impl), len(fl)))
    for flv, lst in refusals.items():
        obs.append("%s refuses activation names: %s." % (
            flv, ", ".join("%s (%s)" % (n, why) for n, why in lst) or "none"))
    return obs


def run_layer(flavor, kw, weights, x, m, s, in_shape):
    mod = FLAVOR_MODULE[flavor]
    k = dict(kw)
    units = k.pop("units")
    k["return_state"] = True
    layer = mod.layers.GRU(units, **k)
    layer.build(in_shape)
    layer.set_weights(weights)
    res = layer(tf.constant(x), mask=None if m is None else tf.constant(m),
                initial_state=None if s is None else tf.constant(s),
                training=False)
    return to_np(res[0]), to_np(res[1])


def check_initial_state_usage(flavor, e, d):
    """Re-run call 1 non-statefully (a) from the given initial_state and
    (b) from the stored state after call 0; report which one Keras used."""
    kw = dict(e["layer_kwargs"])
    kw["stateful"] = False
    w = [d["kernel"], d["recurrent_kernel"]] + (
        [d["bias"]] if "bias" in d else [])
    x1 = d["x_1"]
    a_out, _ = run_layer(flavor, kw, w, x1, d.get("mask_1"),
                         d["initial_state_1"], x1.shape)
    b_out, _ = run_layer(flavor, kw, w, x1, d.get("mask_1"), d["state"],
                         x1.shape)
    if np.array_equal(d["output_1"], a_out):
        return "Keras USED the passed initial_state"
    if np.array_equal(d["output_1"], b_out):
        return ("Keras IGNORED the passed initial_state and continued from "
                "the stored (non-zero) state")
    return ("output matches neither (max diff vs initial_state run %.3g, vs "
            "stored-state run %.3g)" % (np.max(np.abs(d["output_1"] - a_out)),
                                        np.max(np.abs(d["output_1"] - b_out))))


def check_unroll_quirk(e, d):
    kw = dict(e["layer_kwargs"])
    kw["unroll"] = False
    w = [d["kernel"], d["recurrent_kernel"]] + (
        [d["bias"]] if "bias" in d else [])
    loop_out, loop_st = run_layer(e["flavor"], kw, w, d["x"], d["mask"], None,
                                  d["x"].shape)
    check_unroll_quirk.last_loop_out = loop_out
    o, m = d["output"], d["mask"]               # (B, T, U), (B, T)
    zero_pos = np.all(o == 0, axis=-1)           # (B, T) all-zero outputs
    proc = m[:, ::-1]                            # mask in processing order
    before_first = np.cumsum(proc, axis=1) == 0  # no valid step yet
    loop_zero = np.all(loop_out == 0, axis=-1)
    # the same loop without zero_output_for_mask (carries the previous output)
    kw2 = dict(kw)
    kw2["zero_output_for_mask"] = False
    carry_out, _ = run_layer(e["flavor"], kw2, w, d["x"], d["mask"], None,
                             d["x"].shape)
    carried_then_zeroed = np.where(m[..., None], carry_out, 0)
    return ("differs from the same config with unroll=False: %s (max |diff| "
            "%.3g); final state equal to the loop's: %s. With unroll=False "
            "the zero outputs are exactly the steps masked in processing "
            "order (reversed mask): %s. With unroll=True the zero outputs are "
            "exactly the steps where the UN-reversed mask is False, plus the "
            "steps before the first valid processed step (carried zero "
            "output): %s; the whole unrolled output equals the "
            "zero_output_for_mask=False loop output zeroed with the "
            "UN-reversed mask: %s."
            % (not np.array_equal(o, loop_out), np.max(np.abs(o - loop_out)),
               np.array_equal(d["state"], loop_st),
               np.array_equal(loop_zero, ~proc),
               np.array_equal(zero_pos, (~m) | before_first),
               np.array_equal(o, carried_then_zeroed)))


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------

README_HEAD = """# GRU golden fixtures (generated by real Keras)

Generated by `tools/make_golden.py` -- do not edit by hand. Every expected
value (`output*`, `state*`) is what a real Keras GRU layer returned when called
eagerly on the CPU (TensorFlow backend, `training=False`); nothing was computed
with hand-written GRU math.

Regenerate (from the repository root):

    python3 tools/make_golden.py --out tests/data/golden

Reruns are deterministic (per-case `numpy.random.RandomState(crc32(name))`);
an `.npz` whose arrays did not change is not rewritten.

## Versions

{versions}

## Files

* `manifest.json`: `{{"generator", "versions", "cases": [...]}}`; each case has
  `name`, `flavor` (`keras3` = `import keras`, `tf_keras` = TF2 legacy Keras 2),
  `config` (verbatim `layer.get_config()` of the float32 layer), `file`,
  `calls` (1 or 2; 2 = stateful), `has_mask`, `has_initial_state`,
  `has_initial_state_1`, `tags`, `quirk`, `note`, plus `layer_kwargs`
  (the constructor kwargs passed; e.g. Keras 3 drops `implementation` from
  `get_config()`, so that is only visible there).
* `<case>.npz` (`np.savez_compressed`):
  * `x` float32 `(B,T,I)` (`(T,B,I)` when `time_major`)
  * `mask` bool `(B,T)` (`(T,B)` when `time_major`), exactly as passed to Keras
  * `initial_state` float32 `(B,U)`
  * `kernel` `(I,3U)`, `recurrent_kernel` `(U,3U)`, `bias` (`(2,3U)` if
    `reset_after` else `(3U,)`; absent if `use_bias=False`), float32
  * `output` float32 (what the layer returned as output), `state` float32
    `(B,U)` (final state; from a `return_state=True` twin layer with
    identical config and weights when the case's config has
    `return_state=False`; for stateful cases also equal to `layer.states[0]`)
  * `output64`, `state64`: same config with `dtype="float64"`, same weights
    and inputs cast to float64
  * stateful cases (`calls == 2`): `x_1`, `mask_1`, `initial_state_1`,
    `output_1`, `state_1`, `output64_1`, `state64_1` for the second call
    (the layer continues from the state stored by call 0)
* Weights: kernel/recurrent_kernel ~ U(-0.7, 0.7) (U(-0.3, 0.3) for the
  `exponential` cases and for the `recurrent_activation` cases with
  `linear`/`None`/`exponential`/`log_sigmoid`, whose gates leave [0, 1] and
  make the state grow), biases ~ U(-0.3, 0.3) (U(-0.1, 0.1) for those
  recurrent_activation cases), x ~ U(-1, 1),
  initial states ~ U(-0.8, 0.8).
* Mask patterns: `right` (lengths T, 2T/3, T/4), `left` (same lengths,
  left-padded), `holes` (first/last steps valid), `holes_tail` (holes incl.
  masked first and last steps), `allmasked` (row 1 all False),
  `random_right` (random lengths).

## Observed Keras behaviour (computed from the recorded arrays)

{observations}

## Cases ({n} total: {n_k3} keras3, {n_tfk} tf_keras)

{cases}
"""


def versions_dict():
    return {
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "tf_keras": tf_keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/data/golden")
    ap.add_argument("--only", default=None,
                    help="comma-separated case names (debugging; manifest "
                         "and README are not written)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    matrix = build_matrix()
    refusals = {"keras3": [], "tf_keras": []}
    seen_refusal = set()
    cases = []
    for c in matrix:
        why = refused(c["flavor"], c["kw"])
        if why is not None:
            act = c["kw"].get("activation") if c["name"].split("_")[1] == \
                "act" else c["kw"].get("recurrent_activation")
            key = (c["flavor"], act)
            if key not in seen_refusal:
                seen_refusal.add(key)
                refusals[c["flavor"]].append((act, why))
            print("skip %-45s refused: %s" % (c["name"], why))
            continue
        cases.append(c)
    if args.only:
        want = set(args.only.split(","))
        cases = [c for c in cases if c["name"] in want]

    entries, datas = [], {}
    written = 0
    total = hashlib.sha256()
    for c in cases:
        entry, data = run_case(c)
        msgs = sanity_checks(entry, data)
        dig = arrays_digest(data)
        total.update(dig.encode())
        path = os.path.join(args.out, entry["file"])
        written += save_if_changed(path, data)
        print("%-48s %s %s" % (entry["name"], dig[:12],
                               "; ".join(msgs) if msgs else "ok"))
        json.dumps(entry["config"])  # must be JSON-serialisable as is
        entries.append(entry)
        datas[entry["name"]] = data

    print("files written: %d of %d; combined array digest %s"
          % (written, len(entries), total.hexdigest()))
    if args.only:
        return

    manifest = {"generator": "tools/make_golden.py",
                "versions": versions_dict(), "cases": entries}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")

    obs = observations(entries, datas, refusals)
    for o in obs:
        print("OBS", o)
    vers = "\n".join("* %s %s" % kv for kv in versions_dict().items())
    lines = []
    for e in entries:
        lines.append("* `%s` (%s)%s: %s" % (e["name"], e["flavor"],
                                             " **quirk**" if e["quirk"] else "",
                                             e["note"]))
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(README_HEAD.format(
            versions=vers, observations="\n".join("* " + o for o in obs),
            n=len(entries),
            n_k3=sum(e["flavor"] == "keras3" for e in entries),
            n_tfk=sum(e["flavor"] == "tf_keras" for e in entries),
            cases="\n".join(lines)))
    # stale files from removed cases
    keep = {e["file"] for e in entries} | {"manifest.json", "README.md"}
    for fn in sorted(os.listdir(args.out)):
        if fn.endswith(".npz") and fn not in keep:
            os.remove(os.path.join(args.out, fn))
            print("removed stale", fn)


if __name__ == "__main__":
    sys.exit(main())
