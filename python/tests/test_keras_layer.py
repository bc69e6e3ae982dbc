"""Real Keras layers, live: a keras.layers.GRU (Keras 3) and a tf_keras GRU are built, called on
an input, and gruscope.run on the same layer object must return the same numbers.

Needs Keras (``pip install keras tensorflow-cpu tf-keras``); without it every test skips with the
reason, and the file prints a GRUSCOPE-SKIP line that CTest reports as a skipped test.
"""

import os
import tempfile
import unittest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np

import gruscope

try:
    import keras
    KERAS_WHY = "" if int(keras.__version__.split(".")[0]) >= 3 else f"keras {keras.__version__} is not Keras 3"
except Exception as e:  # ImportError, or a broken TensorFlow underneath
    keras, KERAS_WHY = None, f"keras is not importable ({type(e).__name__}: {e})"
try:
    import tf_keras
    TFK_WHY = ""
except Exception as e:
    tf_keras, TFK_WHY = None, f"tf_keras is not importable ({type(e).__name__}: {e})"

if KERAS_WHY and TFK_WHY:
    print(f"GRUSCOPE-SKIP: {KERAS_WHY}; {TFK_WHY}")

ATOL = 1e-5
rng = np.random.default_rng(20240611)
X = rng.uniform(-1, 1, (3, 9, 4)).astype(np.float32)
MASK = np.ones((3, 9), bool)
MASK[1, 6:] = False   # right-padded
MASK[2, [0, 4]] = False  # holes
H0 = rng.uniform(-0.8, 0.8, (3, 6)).astype(np.float32)

# Argument sets both Kerases take; each is run with and without a mask and an initial state.
CONFIGS = [
    {},
    {"reset_after": False},
    {"use_bias": False},
    {"go_backwards": True},
    {"activation": "relu", "recurrent_activation": "hard_sigmoid"},
    {"return_sequences": True, "zero_output_for_mask": True},
]


def maxdiff(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


class _Both:
    lib = None
    flavor = ""

    def gru(self, **kwargs):
        kwargs.setdefault("return_sequences", True)
        layer = self.lib.layers.GRU(6, return_state=True, **kwargs)
        layer(X[:1])  # builds it: Keras's initializers make the weights
        # Biases are zeros at first; give them values so that every term is exercised.
        w = layer.get_weights()
        if len(w) == 3:
            w[2] = rng.uniform(-0.3, 0.3, w[2].shape).astype(np.float32)
            layer.set_weights(w)
        return layer

    def keras_call(self, layer, mask, h0):
        kw = {}
        # tf_keras takes an initial state only as a tensor.
        tensor = self.lib.backend.constant if self.flavor == "tf_keras" else (lambda a: a)
        if mask is not None:
            kw["mask"] = tensor(mask)
        if h0 is not None:
            kw["initial_state"] = [tensor(h0)]
        out = layer(X, **kw)
        return np.asarray(out[0]), np.asarray(out[1])

    def test_layers_match_keras(self):
        worst = 0.0
        for cfg in CONFIGS:
            for mask in (None, MASK):
                for h0 in (None, H0):
                    with self.subTest(config=cfg, mask=mask is not None, initial_state=h0 is not None):
                        layer = self.gru(**cfg)
                        k_out, k_state = self.keras_call(layer, mask, h0)
                        res = gruscope.run(layer, X, mask=mask, initial_state=h0)
                        self.assertEqual(res.output.shape, k_out.shape)
                        d = max(maxdiff(res.output, k_out), maxdiff(res.state, k_state))
                        worst = max(worst, d)
                        self.assertLess(d, ATOL)
                        self.assertEqual(res.z.shape, (3, 9, 6))
        print(f"\n{self.flavor} {self.lib.__version__}: {len(CONFIGS) * 4} calls, max|gruscope - Keras| = {worst:.3g}")

    def test_flavor_and_eligibility(self):
        layer = self.gru(recurrent_dropout=0.1)
        g = gruscope.Layer(layer)
        self.assertEqual(g.flavor, self.flavor)
        self.assertEqual(g.keras_version, self.lib.__version__)
        rep = gruscope.eligibility(layer, device="gpu")
        self.assertEqual([c.name for c in rep.failed], ["recurrent_dropout"])

    def test_bidirectional(self):
        bi = self.lib.layers.Bidirectional(self.lib.layers.GRU(5, return_sequences=True), merge_mode="concat")
        k_out = np.asarray(bi(X))
        res = gruscope.run(bi, X)
        self.assertEqual(res.output.shape, (3, 9, 10))
        d = maxdiff(res.output, k_out)
        print(f"\n{self.flavor} Bidirectional concat: max|Δ| = {d:.3g}")
        self.assertLess(d, ATOL)
        reps = gruscope.eligibility(bi, device="gpu")
        self.assertEqual(len(reps), 2)

    def model(self):
        L = self.lib.layers
        inp = self.lib.Input(shape=(9, 4))
        h = L.GRU(6, return_sequences=True, name="first")(inp)
        h = L.GRU(3, name="second")(h)
        return self.lib.Model(inp, L.Dense(2)(h))

    def test_model_layers(self):
        m = self.model()
        with self.assertRaises(gruscope.Error) as cm:
            gruscope.run(m, X)
        self.assertIn("second", str(cm.exception))
        sub = self.lib.Model(m.input, m.get_layer("first").output)
        h1 = np.asarray(sub(X))
        res = gruscope.run(m, h1, layer_name="second")
        k = np.asarray(self.lib.Model(m.input, m.get_layer("second").output)(X))
        d = maxdiff(res.output, k)
        print(f"\n{self.flavor} model layer 'second': max|Δ| = {d:.3g}")
        self.assertLess(d, ATOL)
        self.assertEqual(set(gruscope.eligibility(m)), {"first", "second"})


@unittest.skipIf(KERAS_WHY, KERAS_WHY)
class Keras3(_Both, unittest.TestCase):
    lib = keras
    flavor = "keras3"

    def test_show_saves_the_model(self):
        m = self.model()
        target = gruscope.show(m, X, launch=False, layer_name="second")
        self.assertTrue(target.endswith("model.keras"))
        info = gruscope.inspect(target)
        self.assertEqual([l["name"] for l in info["layers"]], ["first", "second"])
        np.testing.assert_array_equal(np.load(os.path.join(os.path.dirname(target), "input.npy")), X)
        # The saved file's layer computes what the live one does.
        res = gruscope.run(target, X, layer_name="first")
        np.testing.assert_allclose(res.output, np.asarray(self.lib.Model(m.input, m.get_layer("first").output)(X)),
                                   atol=ATOL)

    def test_show_writes_a_session_for_one_layer(self):
        layer = self.gru()
        path = gruscope.show(layer, X, MASK, launch=False)
        self.assertTrue(path.endswith(".gruscope.json"))


@unittest.skipIf(TFK_WHY, TFK_WHY)
class TfKeras(_Both, unittest.TestCase):
    lib = tf_keras
    flavor = "tf_keras"

    def test_time_major(self):
        layer = self.lib.layers.GRU(6, time_major=True, return_sequences=True)
        xt = X.transpose(1, 0, 2)
        k = np.asarray(layer(xt))
        d = maxdiff(gruscope.run(layer, xt).output, k)
        print(f"\ntf_keras time_major: max|Δ| = {d:.3g}")
        self.assertLess(d, ATOL)


if __name__ == "__main__":
    unittest.main()
