"""Paths of the repository's Keras-made fixtures, for the tests."""

import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "data", "golden")
WEIGHTFILES = os.path.join(ROOT, "tests", "data", "weightfiles")
EXAMPLES = os.path.join(ROOT, "resources", "examples")


def small_layer(units=4, features=3, reset_after=True, use_bias=True, seed=0, **config):
    """A config dict and weights of the right shapes (values from a seeded generator: for shape
    and error tests, never for expected numbers)."""
    rng = np.random.default_rng(seed)
    cfg = {"units": units, "reset_after": reset_after, "use_bias": use_bias}
    cfg.update(config)
    weights = {"kernel": rng.uniform(-0.5, 0.5, (features, 3 * units)).astype(np.float32),
               "recurrent_kernel": rng.uniform(-0.5, 0.5, (units, 3 * units)).astype(np.float32)}
    if use_bias:
        weights["bias"] = rng.uniform(-0.2, 0.2, (2, 3 * units) if reset_after else (3 * units,)).astype(np.float32)
    return cfg, weights
