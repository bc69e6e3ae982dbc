# %% [markdown]
# # A Keras GRU, looked inside with GruScope
#
# Cells for Jupyter, VS Code or any editor that reads `# %%`; also runs as a script:
#
#     PYTHONPATH=build/python python3 python/examples/notebook.py
#
# With Keras installed it builds a `keras.layers.GRU`; without, it uses the bundled sine example
# (a GRU trained by Keras, resources/examples/sine).

# %%
import os

import numpy as np

import gruscope

print("GruScope", gruscope.version(), "| backends usable here:",
      [b["name"] for b in gruscope.devices()["backends"] if b["usable"]])

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "resources", "examples", "sine")

# %% A layer: a live Keras GRU when Keras is here, else the example's trained one
try:
    import keras
    layer = keras.layers.GRU(8, return_sequences=True)
    x = 3 * np.sin(np.linspace(0, 12, 60, dtype=np.float32))[None, :, None]
    keras_out = np.asarray(layer(x))
    source = f"keras {keras.__version__}"
except ImportError:
    layer = os.path.join(EXAMPLE, "model.keras")
    x = np.load(os.path.join(EXAMPLE, "input.npy"))
    keras_out = np.load(os.path.join(EXAMPLE, "expected.npz"))["output"]
    source = "the sine example's model.keras"
# One gruscope.Layer reads the arguments and weights once (and keeps a stateful layer's state).
g = gruscope.Layer(layer)
print(g, "| input", x.shape)

# %% Run it: Keras's output, and every gate at every step
res = g.run(x)
print(res)
print("backend:", res.backend, "| max |gruscope - Keras| =", float(np.abs(res.output - keras_out).max()))

# %% What the gates did: z near 1 keeps the state, r near 0 forgets it in h~
z_mean = res.z[0].mean(axis=0)
print("mean z per unit:", np.round(z_mean, 2))
print("unit that remembers most:", int(z_mean.argmax()), "| memory τ = -1/ln z̄ ≈",
      np.round(-1 / np.log(np.clip(z_mean, 1e-6, 1 - 1e-6)), 1))

# %% A mask: right-padded sequences keep their last real state
mask = np.ones(x.shape[:2], bool)
mask[-1, x.shape[1] // 2:] = False
masked = g.run(x, mask=mask)
print("kept steps per sample:", masked.kept.sum(axis=1))

# %% Would Keras use cuDNN for it? (device="gpu" asks as if a GPU were there)
report = g.eligibility(mask=mask, device="gpu")
print(report)

# %% The CPU backend against the float64 reference
cmp = gruscope.compare(g, x, repeats=3)
for b in cmp["backends"]:
    print(b["backend"], "ran" if b["ran"] else b["reason"], b.get("max_abs_output"))

# %% The window on the same layer and input (a session file; needs a display)
if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
    print("opened", gruscope.show(g, x, mask))
else:
    print("no display; the session is at", gruscope.show(g, x, mask, launch=False))
