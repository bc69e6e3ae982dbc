"""Numbers checked against what real Keras computed: the repository's golden fixtures
(tests/data/golden, made by tools/make_golden.py with Keras 3 and tf_keras) and the example and
weight-file fixtures (expected.npz beside each model). Nothing here compares GruScope with
itself."""

import json
import os
import unittest

import numpy as np

import gruscope
from _support import EXAMPLES, GOLDEN, WEIGHTFILES

# Cases across both flavors, masks of every kind, initial states, time_major, reset_after=False,
# no bias, tf.keras's hard_sigmoid and a two-call stateful layer.
CASES = ["k3_initial_state_mask_holes_seq", "k3_mask_right_nobias_seq", "k3_go_backwards_mask_holes_seq",
         "k3_initial_state_reset_before_seq", "k3_stateful", "tfk_time_major_mask_seq",
         "tfk_hard_sigmoid_reset_before_mask_seq", "tfk_initial_state_seq", "k3_mask_allmasked_zero_seq"]


def _manifest():
    with open(os.path.join(GOLDEN, "manifest.json"), encoding="utf-8") as f:
        return {c["name"]: c for c in json.load(f)["cases"]}


class Golden(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cases = _manifest()

    def _call(self, layer, d, suffix, backend):
        return layer.run(d["x" + suffix], mask=d["mask" + suffix] if "mask" + suffix in d else None,
                         initial_state=d["initial_state" + suffix] if "initial_state" + suffix in d else None,
                         backend=backend)

    def test_cases(self):
        for name in CASES:
            case = self.cases[name]
            d = np.load(os.path.join(GOLDEN, case["file"]))
            weights = {"kernel": d["kernel"], "recurrent_kernel": d["recurrent_kernel"],
                       "bias": d["bias"] if "bias" in d else None}
            for backend in ("cpu", "reference"):
                with self.subTest(case=name, backend=backend):
                    layer = gruscope.Layer(case["config"], weights=weights, flavor=case["flavor"])
                    for call in range(case["calls"]):
                        suffix = "" if call == 0 else f"_{call}"
                        res = self._call(layer, d, suffix, backend)
                        if backend == "cpu":
                            np.testing.assert_allclose(res.output, d["output" + suffix], atol=1e-5, rtol=0)
                            np.testing.assert_allclose(res.state, d["state" + suffix], atol=1e-5, rtol=0)
                        else:  # float64 against Keras's float64 twin layer
                            np.testing.assert_allclose(res.output64, d["output64" + suffix], atol=1e-10, rtol=0)
                            np.testing.assert_allclose(res.state64, d["state64" + suffix], atol=1e-10, rtol=0)


class ExampleFiles(unittest.TestCase):
    def test_examples_from_their_model_files(self):
        for example in ("sine", "parity", "masked_sum"):
            folder = os.path.join(EXAMPLES, example)
            expected = np.load(os.path.join(folder, "expected.npz"))
            x = np.load(os.path.join(folder, "input.npy"))
            mask_path = os.path.join(folder, "mask.npy")
            mask = np.load(mask_path) if os.path.exists(mask_path) else None
            for model in ("model.keras", "model.weights.h5"):
                with self.subTest(example=example, file=model):
                    path = os.path.join(folder, model)
                    if model.endswith(".weights.h5"):
                        # A .weights.h5 holds no arguments: take them from config.json.
                        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
                            cfg = json.load(f)
                        w = gruscope.Layer(path).weights
                        res = gruscope.run(cfg, x, mask=mask, weights=w, backend="cpu")
                    else:
                        res = gruscope.run(path, x, mask=mask, backend="cpu")
                    np.testing.assert_allclose(res.output, expected["output"], atol=1e-5, rtol=0)
                    np.testing.assert_allclose(res.state, expected["state"], atol=1e-5, rtol=0)

    def test_bidirectional_files(self):
        for name, merged in (("k3_bidi_concat.keras", "bidirectional__output"),
                             ("tfk_bidi_concat.full.h5", "bidirectional__output")):
            with self.subTest(file=name):
                d = np.load(os.path.join(WEIGHTFILES, name.split(".")[0] + ".expected.npz"))
                layer = gruscope.Layer(os.path.join(WEIGHTFILES, name))
                self.assertTrue(layer.bidirectional)
                self.assertEqual(layer.merge_mode, "concat")
                res = layer.run(d["x"], backend="cpu")
                np.testing.assert_allclose(res.output, d[merged], atol=1e-5, rtol=0)
                np.testing.assert_allclose(res.state[0], d["bidirectional__forward__state"], atol=1e-5, rtol=0)
                np.testing.assert_allclose(res.state[1], d["bidirectional__backward__state"], atol=1e-5, rtol=0)
                self.assertEqual(res.forward.z.shape, (2, 5, 4))

    def test_bidirectional_merge_none(self):
        d = np.load(os.path.join(WEIGHTFILES, "tfk_bidi_none.expected.npz"))
        res = gruscope.run(os.path.join(WEIGHTFILES, "tfk_bidi_none.full.h5"), d["x"], backend="cpu")
        np.testing.assert_allclose(res.output, d["bidirectional__output_0"], atol=1e-5, rtol=0)
        np.testing.assert_allclose(res.backward_output, d["bidirectional__output_1"], atol=1e-5, rtol=0)

    def test_a_layer_of_a_stacked_model(self):
        path = os.path.join(WEIGHTFILES, "k3_two_gru.keras")
        d = np.load(os.path.join(WEIGHTFILES, "k3_two_gru.expected.npz"))
        with self.assertRaises(gruscope.Error) as cm:
            gruscope.run(path, d["x"])
        self.assertIn("gru_second", str(cm.exception))  # the message lists the layers
        res = gruscope.run(path, d["gru_second__input"], layer_name="gru_second", backend="cpu")
        np.testing.assert_allclose(res.output, d["gru_second__output"], atol=1e-5, rtol=0)
        np.testing.assert_allclose(res.state, d["gru_second__state"], atol=1e-5, rtol=0)


if __name__ == "__main__":
    unittest.main()
