"""gruscope.run and gruscope.Layer on config dicts: shapes of every output, masks, initial
states, backends, stateful layers and the errors."""

import unittest

import numpy as np

import gruscope
from _support import small_layer


class RunShapes(unittest.TestCase):
    def setUp(self):
        self.cfg, self.w = small_layer(units=4, features=3, return_sequences=True)
        self.x = np.random.default_rng(1).uniform(-1, 1, (2, 7, 3)).astype(np.float32)

    def test_every_output_has_its_shape(self):
        res = gruscope.run(self.cfg, self.x, weights=self.w)
        self.assertEqual(res.output.shape, (2, 7, 4))
        self.assertEqual(res.state.shape, (2, 4))
        for name in ("z", "r", "h_tilde", "h", "pre_z", "pre_r", "pre_h_tilde"):
            self.assertEqual(getattr(res, name).shape, (2, 7, 4), name)
            self.assertEqual(getattr(res, name).dtype, np.float32, name)
        self.assertEqual(res.kept.shape, (2, 7))
        self.assertTrue(res.kept.all())
        self.assertEqual(list(res.time_index), list(range(7)))
        self.assertEqual(list(res.trace_samples), [0, 1])
        self.assertEqual(res.trace_steps, (0, 7))
        self.assertEqual(res.backend, "cpu")
        self.assertIsInstance(res.notes, list)
        self.assertIsNone(res.output64)
        # The last traced h is the final state, and with return_sequences the output is h.
        np.testing.assert_array_equal(res.h[:, -1], res.state)
        np.testing.assert_array_equal(res.output, res.h)
        self.assertIn("z", res.keys())
        self.assertIs(res["z"], res.z)
        self.assertIn("output=float32(2, 7, 4)", repr(res))

    def test_gates_follow_the_equations(self):
        res = gruscope.run(self.cfg, self.x, weights=self.w)
        sig = lambda v: 1 / (1 + np.exp(-v))
        np.testing.assert_allclose(res.z, sig(res.pre_z), atol=1e-6)
        np.testing.assert_allclose(res.r, sig(res.pre_r), atol=1e-6)
        np.testing.assert_allclose(res.h_tilde, np.tanh(res.pre_h_tilde), atol=1e-6)
        h_prev = np.concatenate([np.zeros((2, 1, 4), np.float32), res.h[:, :-1]], axis=1)
        np.testing.assert_allclose(res.h, res.z * h_prev + (1 - res.z) * res.h_tilde, atol=1e-6)

    def test_no_trace(self):
        res = gruscope.run(self.cfg, self.x, weights=self.w, trace=False)
        self.assertEqual(res.output.shape, (2, 7, 4))
        for name in ("z", "r", "h_tilde", "h", "pre_z", "kept"):
            self.assertIsNone(getattr(res, name), name)

    def test_last_output_only_and_list_weights(self):
        cfg = dict(self.cfg, return_sequences=False)
        res = gruscope.run(cfg, self.x, weights=[self.w["kernel"], self.w["recurrent_kernel"], self.w["bias"]])
        self.assertEqual(res.output.shape, (2, 4))
        np.testing.assert_array_equal(res.output, res.state)

    def test_mask_keeps_the_state_on_masked_steps(self):
        mask = np.ones((2, 7), bool)
        mask[1, 4:] = False
        res = gruscope.run(self.cfg, self.x, mask=mask, weights=self.w)
        self.assertEqual(res.kept.dtype, bool)
        np.testing.assert_array_equal(res.kept, mask)
        for t in range(4, 7):
            np.testing.assert_array_equal(res.h[1, t], res.h[1, 3])
        np.testing.assert_array_equal(res.state[1], res.h[1, 3])
        # An integer 0/1 mask means the same.
        res2 = gruscope.run(self.cfg, self.x, mask=mask.astype(np.int32), weights=self.w)
        np.testing.assert_array_equal(res.output, res2.output)

    def test_initial_state(self):
        h0 = np.full((2, 4), 0.5, np.float32)
        res = gruscope.run(self.cfg, self.x, initial_state=h0, weights=self.w)
        zero = gruscope.run(self.cfg, self.x, weights=self.w)
        self.assertFalse(np.allclose(res.output[:, 0], zero.output[:, 0]))
        # Step 0 from h0: h = z h0 + (1 - z) h~.
        np.testing.assert_allclose(res.h[:, 0], res.z[:, 0] * h0 + (1 - res.z[:, 0]) * res.h_tilde[:, 0], atol=1e-6)

    def test_reference_backend_gives_float64(self):
        ref = gruscope.run(self.cfg, self.x, weights=self.w, backend="reference")
        cpu = gruscope.run(self.cfg, self.x, weights=self.w, backend="cpu")
        self.assertEqual(ref.backend, "reference")
        self.assertEqual(ref.output64.dtype, np.float64)
        self.assertEqual(ref.state64.shape, (2, 4))
        self.assertLess(np.abs(ref.output64 - cpu.output).max(), 1e-5)

    def test_float64_and_list_inputs_are_cast(self):
        res = gruscope.run(self.cfg, self.x.astype(np.float64).tolist(), weights=self.w)
        np.testing.assert_array_equal(res.output, gruscope.run(self.cfg, self.x, weights=self.w).output)

    def test_go_backwards_trace_is_in_processing_order(self):
        res = gruscope.run(dict(self.cfg, go_backwards=True), self.x, weights=self.w)
        self.assertEqual(list(res.time_index), list(range(6, -1, -1)))

    def test_stateful_layer_carries_its_state(self):
        layer = gruscope.Layer(dict(self.cfg, stateful=True), weights=self.w)
        self.assertIsNone(layer.state)
        first = layer.run(self.x[:, :3])
        np.testing.assert_array_equal(layer.state, first.state)
        second = layer.run(self.x[:, 3:])
        whole = gruscope.run(self.cfg, self.x, weights=self.w)
        np.testing.assert_allclose(second.state, whole.state, atol=1e-6)
        layer.reset_states()
        self.assertIsNone(layer.state)

    def test_layer_properties(self):
        layer = gruscope.Layer(self.cfg, weights=self.w)
        self.assertEqual(layer.units, 4)
        self.assertEqual(layer.flavor, "keras3")
        self.assertFalse(layer.bidirectional)
        self.assertEqual(layer.config["units"], 4)
        np.testing.assert_array_equal(layer.weights["kernel"], self.w["kernel"])
        tfk = gruscope.Layer(dict(self.cfg, time_major=False), weights=self.w)
        self.assertEqual(tfk.flavor, "tf_keras")  # time_major is tf.keras's
        self.assertEqual(gruscope.Layer(self.cfg, weights=self.w, flavor="tf_keras").flavor, "tf_keras")

    def test_version_and_devices(self):
        self.assertRegex(gruscope.version(), r"^\d+\.\d+\.\d+")
        self.assertEqual(gruscope.__version__, gruscope.version())
        d = gruscope.devices()
        names = [b["name"] for b in d["backends"]]
        self.assertEqual(gruscope.backends(), names)
        for name in ("cpu", "reference", "cudnn", "cuda"):
            self.assertIn(name, names)
        cpu = d["backends"][names.index("cpu")]
        self.assertTrue(cpu["usable"])
        self.assertIn("present", d["gpu"])
        if not d["gpu"]["present"]:
            self.assertTrue(d["gpu"]["reason"])


class Interrupt(unittest.TestCase):
    def test_ctrl_c_stops_a_long_run(self):
        # A notebook's interrupt is SIGINT: the engine's call stops at its next step, the
        # KeyboardInterrupt reaches Python, and the layer runs again afterwards.
        import os
        import signal
        import threading
        import time
        rng = np.random.default_rng(0)
        w = [rng.uniform(-.1, .1, (64, 768)).astype(np.float32), rng.uniform(-.1, .1, (256, 768)).astype(np.float32),
             np.zeros((2, 768), np.float32)]
        layer = gruscope.Layer({"units": 256}, weights=w)
        x = rng.uniform(-1, 1, (8, 20000, 64)).astype(np.float32)
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        start = time.monotonic()
        with self.assertRaises(KeyboardInterrupt):
            layer.run(x, backend="reference", trace=False)
        self.assertLess(time.monotonic() - start, 5.0)
        timer.join()
        self.assertEqual(layer.run(x[:, :3], trace=False).output.shape, (8, 256))


class RunErrors(unittest.TestCase):
    def setUp(self):
        self.cfg, self.w = small_layer(units=4, features=3)
        self.x = np.zeros((2, 5, 3), np.float32)

    def assertError(self, code, pattern, fn, *args, **kwargs):
        with self.assertRaises(gruscope.Error) as cm:
            fn(*args, **kwargs)
        self.assertEqual(cm.exception.code, code, str(cm.exception))
        self.assertRegex(str(cm.exception), pattern)
        self.assertIsInstance(cm.exception, ValueError)
        return cm.exception

    def test_wrong_input_features(self):
        self.assertError("shape mismatch", r"\(2, 5, 4\)", gruscope.run, self.cfg, np.zeros((2, 5, 4), np.float32),
                         weights=self.w)

    def test_wrong_weight_shape_names_the_tensor(self):
        w = dict(self.w, recurrent_kernel=np.zeros((4, 9), np.float32))
        self.assertError("shape mismatch", "recurrent_kernel", gruscope.run, self.cfg, self.x, weights=w)

    def test_bias_of_the_other_reset_after(self):
        cfg = dict(self.cfg, reset_after=False)
        self.assertError("shape mismatch", "reset_after", gruscope.run, cfg, self.x, weights=self.w)

    def test_invalid_argument_lists_it(self):
        cfg = dict(self.cfg, activation="swishy", implementation=5)
        e = self.assertError("invalid argument", "activation", gruscope.run, cfg, self.x, weights=self.w)
        self.assertIn("implementation", str(e))  # every problem at once

    def test_mask_shape(self):
        self.assertError("shape mismatch", "mask", gruscope.run, self.cfg, self.x, mask=np.ones((2, 4), bool),
                         weights=self.w)

    def test_initial_state_shape(self):
        self.assertError("shape mismatch", r"initial.state|\(2, 3\)", gruscope.run, self.cfg, self.x,
                         initial_state=np.zeros((2, 3), np.float32), weights=self.w)

    def test_unknown_backend(self):
        self.assertError("invalid argument", "allowed are auto, cpu", gruscope.run, self.cfg, self.x, weights=self.w,
                         backend="tpu")

    def test_gpu_backend_without_gpu(self):
        if gruscope.devices()["gpu"]["present"]:
            self.skipTest("this machine has a GPU")
        e = self.assertError("device unavailable", ".", gruscope.run, self.cfg, self.x, weights=self.w, backend="cudnn")
        self.assertTrue(str(e))

    def test_config_without_weights(self):
        self.assertError("invalid argument", "weights", gruscope.run, self.cfg, self.x)

    def test_not_an_array(self):
        self.assertError("invalid argument", "x: expected an array", gruscope.run, self.cfg, object(), weights=self.w)

    def test_not_a_layer(self):
        self.assertError("invalid argument", "cannot make a GRU layer", gruscope.run, 42, self.x)

    def test_missing_file(self):
        self.assertError("bad file", "no such file", gruscope.run, "/nonexistent/model.keras", self.x)

    def test_error_pickles(self):
        import pickle
        e = gruscope.Error("message", "bad file")
        back = pickle.loads(pickle.dumps(e))
        self.assertEqual((str(back), back.code), ("message", "bad file"))


if __name__ == "__main__":
    unittest.main()
