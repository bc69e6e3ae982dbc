"""gruscope.show: the session file it writes is one the window reads (the fields and encodings
widgets/model/session.cpp checks), and, where this build has the window, the window opens it."""

import base64
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np

import gruscope
from gruscope import _locate
from _support import EXAMPLES, WEIGHTFILES, small_layer


def decode(a):
    dtype = np.dtype(a["dtype"]).newbyteorder("<")
    return np.frombuffer(base64.b64decode(a["data"]), dtype=dtype).reshape(a["shape"])


class Session(unittest.TestCase):
    def setUp(self):
        self.cfg, self.w = small_layer(units=5, features=3, return_sequences=True)
        self.x = np.random.default_rng(3).uniform(-1, 1, (2, 6, 3)).astype(np.float32)
        self.mask = np.ones((2, 6), bool)
        self.mask[1, 4:] = False
        self.h0 = np.full((2, 5), 0.25, np.float32)

    def session(self, *args, **kwargs):
        path = gruscope.show(*args, launch=False, **kwargs)
        self.assertTrue(path.endswith(".gruscope.json"), path)
        with open(path, encoding="utf-8") as f:
            return path, json.load(f)

    def test_fields_the_window_reads(self):
        path, s = self.session(self.cfg, self.x, self.mask, self.h0, weights=self.w, tab="weights", step=2, unit=1)
        self.assertEqual(s["format"], "gruscope-session")
        self.assertEqual(s["version"], 1)
        self.assertEqual(s["flavor"], "keras3")
        self.assertEqual(s["config"]["units"], 5)
        self.assertTrue(s["config"]["return_sequences"])
        np.testing.assert_array_equal(decode(s["weights"]["kernel"]), self.w["kernel"])
        np.testing.assert_array_equal(decode(s["weights"]["recurrent_kernel"]), self.w["recurrent_kernel"])
        np.testing.assert_array_equal(decode(s["weights"]["bias"]), self.w["bias"])
        self.assertEqual(s["input"]["dtype"], "float32")
        np.testing.assert_array_equal(decode(s["input"]), self.x)
        self.assertEqual(s["mask"]["dtype"], "uint8")
        np.testing.assert_array_equal(decode(s["mask"]), self.mask.astype(np.uint8))
        self.assertEqual(s["initial_state"]["mode"], "custom")
        np.testing.assert_array_equal(decode(s["initial_state"]["custom"]), self.h0)
        self.assertIsInstance(s["initial_state"]["seed"], str)
        self.assertIsInstance(s["dropout_seed"], str)
        self.assertEqual(s["backend"], "auto")
        self.assertEqual(s["view"]["tab"], 1)
        self.assertEqual((s["view"]["step"], s["view"]["unit"]), (2, 1))
        for key in ("origin", "training", "eligibility", "input_description"):
            self.assertIn(key, s)
        self.assertEqual(os.path.dirname(path), os.path.dirname(os.path.abspath(path)))

    def test_without_input_a_sine_per_feature(self):
        _, s = self.session(self.cfg, weights=self.w)
        x = decode(s["input"])
        self.assertEqual(x.shape[0], 1)
        self.assertEqual(x.shape[2], 3)
        self.assertGreater(np.ptp(x), 1.0)
        self.assertIsNone(s["mask"])
        self.assertEqual(s["initial_state"]["mode"], "zeros")

    def test_time_major_is_stored_batch_major(self):
        cfg = dict(self.cfg, time_major=True)
        _, s = self.session(cfg, self.x.transpose(1, 0, 2), self.mask.T, weights=self.w)
        self.assertEqual(s["flavor"], "tf_keras")
        np.testing.assert_array_equal(decode(s["input"]), self.x)
        np.testing.assert_array_equal(decode(s["mask"]), self.mask.astype(np.uint8))

    def test_wrong_input_is_an_error_here(self):
        with self.assertRaises(gruscope.Error) as cm:
            gruscope.show(self.cfg, np.zeros((1, 4, 7), np.float32), weights=self.w, launch=False)
        self.assertEqual(cm.exception.code, "shape mismatch")
        with self.assertRaises(gruscope.Error):
            gruscope.show(self.cfg, self.x, weights=self.w, tab="nope", launch=False)

    def test_a_file_opens_as_itself_with_the_input_beside(self):
        src = os.path.join(WEIGHTFILES, "k3_bidi_concat.keras")
        x = np.zeros((1, 5, 3), np.float32)
        target = gruscope.show(src, x, launch=False)
        self.assertTrue(os.path.exists(target))
        self.assertEqual(os.path.basename(target), "k3_bidi_concat.keras")
        np.testing.assert_array_equal(np.load(os.path.join(os.path.dirname(target), "input.npy")), x)

    def test_a_bidirectional_layer_alone_is_refused(self):
        layer = gruscope.Layer(os.path.join(WEIGHTFILES, "k3_bidi_concat.keras"))
        with self.assertRaises(gruscope.Error) as cm:
            gruscope.show(layer, launch=False)
        self.assertIn("Bidirectional", str(cm.exception))


@unittest.skipIf(_locate.app() is None, "the window (gruscope) is not built in this build tree")
class Window(unittest.TestCase):
    """The window itself opens what show() wrote: --screenshot exits 2 when it cannot."""

    def screenshot(self, target, *args):
        home = tempfile.mkdtemp(prefix="gruscope-test-")
        out = os.path.join(home, "window.png")
        # Settings and autosave of this window go to the test's own folder, not the user's.
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=os.path.join(home, "config"),
                   XDG_DATA_HOME=os.path.join(home, "data"), XDG_RUNTIME_DIR=home)
        proc = subprocess.run([_locate.app(), "--screenshot", out, target, *args], env=env, capture_output=True,
                              text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("cannot open", proc.stderr)
        self.assertGreater(os.path.getsize(out), 10000)

    def test_window_opens_the_session(self):
        cfg, w = small_layer(units=6, features=2, return_sequences=True)
        x = np.sin(np.linspace(0, 6, 40, dtype=np.float32))[None, :, None].repeat(2, axis=2)
        mask = np.ones((1, 40), bool)
        mask[0, 30:] = False
        self.screenshot(gruscope.show(cfg, x, mask, weights=w, launch=False))

    def test_window_opens_a_staged_file(self):
        x = np.load(os.path.join(EXAMPLES, "parity", "input.npy"))
        self.screenshot(gruscope.show(os.path.join(EXAMPLES, "parity", "model.keras"), x, launch=False))


if __name__ == "__main__":
    unittest.main()
