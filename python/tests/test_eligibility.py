"""gruscope.eligibility: Keras's cuDNN conditions from a config dict, a file, a Layer."""

import os
import unittest

import numpy as np

import gruscope
from _support import EXAMPLES, WEIGHTFILES, small_layer


class Eligibility(unittest.TestCase):
    def test_default_config_is_eligible_on_an_assumed_gpu(self):
        rep = gruscope.eligibility({"units": 8}, device="gpu")
        self.assertIsInstance(rep, gruscope.EligibilityReport)
        self.assertTrue(rep["eligible"])
        self.assertTrue(rep.eligible)
        self.assertEqual(rep.failed, [])
        ids = [c["id"] for c in rep["conditions"]]
        for name in ("use_cudnn", "gpu", "activation", "recurrent_activation", "recurrent_dropout", "unroll",
                     "use_bias", "reset_after", "dropout", "mask_right_padded", "no_fully_masked_sample"):
            self.assertIn(name, ids)
        c = rep["conditions"][0]
        self.assertEqual(set(["name", "pass", "why", "fix", "id", "ok", "reason", "title", "applies"]) - set(c), set())
        self.assertEqual(c.name, c["id"])
        self.assertEqual(c["pass"], c.ok)

    def test_each_failure_says_why_and_how_to_fix(self):
        rep = gruscope.eligibility({"units": 8, "recurrent_dropout": 0.25, "activation": "relu"}, device="gpu")
        self.assertFalse(rep.eligible)
        failed = {c.name: c for c in rep.failed}
        self.assertEqual(set(failed), {"recurrent_dropout", "activation"})
        self.assertIn("0.25", failed["recurrent_dropout"].why)
        self.assertIn("recurrent_dropout=0", failed["recurrent_dropout"].fix)
        self.assertIn("FAIL", str(rep))
        self.assertIn("recurrent_dropout", repr(rep))

    def test_no_gpu(self):
        rep = gruscope.eligibility({"units": 8}, device="none")
        self.assertEqual([c.name for c in rep.failed], ["gpu"])
        self.assertEqual(gruscope.eligibility({"units": 8}, device=False).failed[0].name, "gpu")

    def test_mask_must_be_right_padded(self):
        left = np.array([[0, 1, 1], [1, 1, 1]], bool)
        rep = gruscope.eligibility({"units": 4}, mask=left, device="gpu")
        self.assertEqual([c.name for c in rep.failed], ["mask_right_padded"])
        right = np.array([[1, 1, 0], [1, 1, 1]], bool)
        self.assertTrue(gruscope.eligibility({"units": 4}, mask=right, device="gpu").eligible)

    def test_tf_keras_rules(self):
        rep = gruscope.eligibility({"units": 4, "time_major": False}, device="gpu")
        self.assertEqual(rep.flavor, "tf_keras")
        self.assertTrue(rep.eligible)

    def test_layer_and_config_give_the_same(self):
        cfg, w = small_layer(units=4, recurrent_dropout=0.1)
        a = gruscope.eligibility(cfg, device="gpu")
        b = gruscope.eligibility(gruscope.Layer(cfg, weights=w), device="gpu")
        self.assertEqual([c.ok for c in a.conditions], [c.ok for c in b.conditions])

    def test_file_gives_one_report_per_gru(self):
        reps = gruscope.eligibility(os.path.join(WEIGHTFILES, "k3_two_gru.keras"), device="gpu")
        self.assertEqual(set(reps), {"gru_first", "gru_second"})
        self.assertEqual(reps["gru_first"]["keras_version"], "3.15.1")
        reps = gruscope.eligibility(os.path.join(WEIGHTFILES, "k3_bidi_concat.keras"), device="gpu")
        self.assertEqual(set(reps), {"bidirectional/forward_gru", "bidirectional/backward_gru"})
        one = gruscope.eligibility(os.path.join(WEIGHTFILES, "k3_two_gru.keras"), layer_name="gru_second")
        self.assertEqual(list(one), ["gru_second"])

    def test_bad_device(self):
        with self.assertRaises(gruscope.Error) as cm:
            gruscope.eligibility({"units": 4}, device="tpu")
        self.assertIn("allowed", str(cm.exception))

    def test_invalid_config(self):
        with self.assertRaises(gruscope.Error) as cm:
            gruscope.eligibility({"units": 0})
        self.assertIn("units", str(cm.exception))


class Inspect(unittest.TestCase):
    def test_example_files(self):
        for example in ("sine", "parity", "masked_sum"):
            for name in ("model.keras", "model.weights.h5", "weights.npz"):
                path = os.path.join(EXAMPLES, example, name)
                with self.subTest(file=path):
                    d = gruscope.inspect(path)
                    self.assertEqual(d["file"], path)
                    self.assertEqual(len(d["layers"]), 1)
                    layer = d["layers"][0]
                    self.assertEqual(layer["kernel_shape"][1], 3 * layer["recurrent_kernel_shape"][0])
                    self.assertIn("tensors_stats", layer)
                    self.assertIn("gate_blocks", layer)

    def test_keras_archive_records_its_version_and_tree(self):
        d = gruscope.inspect(os.path.join(EXAMPLES, "sine", "model.keras"), tree=True)
        self.assertEqual(d["keras_version"], "3.15.1")
        self.assertEqual(d["layers"][0]["config"]["units"], 8)
        self.assertIn("tree", d)

    def test_one_layer_of_several(self):
        d = gruscope.inspect(os.path.join(WEIGHTFILES, "k3_two_gru.keras"), layer_name="gru_second")
        self.assertEqual([l["name"] for l in d["layers"]], ["gru_second"])

    def test_bad_files(self):
        with self.assertRaises(gruscope.Error) as cm:
            gruscope.inspect("/nonexistent.h5")
        self.assertEqual(cm.exception.code, "bad file")
        with self.assertRaises(gruscope.Error) as cm:
            gruscope.inspect(os.path.join(EXAMPLES, "README.md"))
        self.assertTrue(str(cm.exception))


class Compare(unittest.TestCase):
    def test_cpu_and_reference(self):
        x = np.load(os.path.join(EXAMPLES, "sine", "input.npy"))
        rep = gruscope.compare(os.path.join(EXAMPLES, "sine", "model.keras"), x, repeats=2)
        self.assertEqual(rep["shape"], {"batch": 3, "timesteps": 100, "features": 1, "units": 8})
        rows = {b["backend"]: b for b in rep["backends"]}
        self.assertTrue(rows["cpu"]["ran"])
        self.assertLess(rows["cpu"]["max_abs_output"], 1e-5)
        self.assertEqual(len(rows["cpu"]["max_abs_per_step"]), 100)
        self.assertEqual(rep["pairs"][0]["backends"], ["cpu", "reference"])
        self.assertLess(rep["pairs"][0]["max_abs_output"], 1e-5)

    def test_a_backend_that_cannot_run_is_a_row(self):
        if gruscope.devices()["gpu"]["present"]:
            self.skipTest("this machine has a GPU")
        cfg, w = small_layer()
        rep = gruscope.compare(cfg, np.zeros((1, 4, 3), np.float32), backends=("cpu", "cudnn"), weights=w, repeats=1)
        rows = {b["backend"]: b for b in rep["backends"]}
        self.assertFalse(rows["cudnn"]["ran"])
        self.assertTrue(rows["cudnn"]["reason"])
        self.assertEqual(rep["pairs"], [])


if __name__ == "__main__":
    unittest.main()
