#!/usr/bin/env python3
"""Generate the PyTorch / safetensors / NumPy fixtures of tests/io/tst_tensor_files.cpp.

Every weight file is written by the real libraries: torch's own state_dict,
saved with safetensors.torch.save_file and as .npz (one array per state-dict
key, the layout numpy.savez writes).  Every expected value is torch's own
output: nothing here re-implements GRU math.  The one array conversion (the
Keras-layout .npz) follows keras-gru.md 7.1 and is checked by the C++ test
against torch's output, so a wrong mapping here would fail there.

Usage:
    python3 tools/make_tensor_fixtures.py [--out tests/data/tensorfiles]

Files (I = 3 inputs, B = 2 samples, T = 6 steps):
    x.npy                     fixed input (B, T, I) float32
    gru_l1.safetensors/.npz   Module {gru: nn.GRU(3, 4, batch_first=True),
                              fc: nn.Linear(4, 2)}: keys gru.* and fc.*
    gru_l1.expected.npz       output (B, T, 4), h_n (1, B, 4)
    gru_l2_bidi.safetensors/.npz
                              nn.GRU(3, 5, num_layers=2, bidirectional=True,
                              batch_first=True), plain state_dict keys
    gru_l2_bidi.expected.npz  output (B, T, 10), h_n (4, B, 5), and l0_output
                              (B, T, 10): layer 0 alone (a 1-layer
                              bidirectional torch GRU with the l0 weights)
    gru_l1_f16.safetensors    the gru_l1 GRU in float16 (prefix gru.)
    gru_l1_bf16.safetensors   ... in bfloat16
    gru_l1_f64.npz            ... in float64
    gru_l1_{f16,bf16,f64}.expected.npz
                              torch output of a float32 GRU holding the
                              rounded weights (what a reader converting to
                              float32 must reproduce)
    gru_nobias.safetensors    nn.GRU(3, 4, bias=False, batch_first=True)
    gru_nobias.expected.npz
    keras_layout.npz          kernel, recurrent_kernel, bias (2, 12) of the
                              gru_l1 GRU in Keras layout (7.1 mapping)
    manifest.json             versions and the list above

Determinism: weights from torch.manual_seed; zip members carry a fixed date, so
re-running gives identical files.
"""

import argparse
import io
import json
import os
import shutil
import sys
import zipfile

import numpy as np
import safetensors
import safetensors.torch
import torch

I, B, T = 3, 2, 6
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def write_npz(path, arrays):
    """numpy.savez layout (stored members '<key>.npy'), fixed member dates."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for key, a in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(a), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            z.writestr(info, buf.getvalue())


def np_state(module):
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def run(gru, x):
    gru.eval()
    with torch.no_grad():
        out, h_n = gru(torch.from_numpy(x))
    return out.numpy(), h_n.numpy()


def torch_to_keras(w_ih, w_hh, b_ih, b_hh, units):
    """keras-gru.md 7.1: Keras block g (z, r, h) takes torch block perm[g] = [1, 0, 2][g]."""
    perm = [1, 0, 2]

    def blocks(a):
        return np.concatenate([a[p * units:(p + 1) * units] for p in perm], axis=0)

    return (np.ascontiguousarray(blocks(w_ih).T), np.ascontiguousarray(blocks(w_hh).T),
            np.stack([blocks(b_ih), blocks(b_hh)]))


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(I, 4, batch_first=True)
        self.fc = torch.nn.Linear(4, 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "data", "tensorfiles"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    stage = out + ".staging"
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    p = lambda name: os.path.join(stage, name)  # noqa: E731
    torch.set_num_threads(1)
    files = {}

    rng = np.random.RandomState(20240611)
    x = rng.uniform(-1, 1, size=(B, T, I)).astype(np.float32)
    np.save(p("x.npy"), x)
    files["x.npy"] = f"input (B, T, I) = {list(x.shape)} float32"

    # 1-layer GRU inside a Module: prefixed keys and a tensor to ignore.
    torch.manual_seed(1)
    net = Net()
    sd = np_state(net)
    o, h = run(net.gru, x)
    safetensors.torch.save_file(net.state_dict(), p("gru_l1.safetensors"))
    write_npz(p("gru_l1.npz"), sd)
    write_npz(p("gru_l1.expected.npz"), {"output": o, "h_n": h})
    files["gru_l1.safetensors"] = "Module{gru: nn.GRU(3, 4, batch_first=True), fc: nn.Linear(4, 2)}.state_dict()"
    files["gru_l1.npz"] = "the same state dict, one array per key"

    # Keras layout of the same GRU.
    k, r, b = torch_to_keras(sd["gru.weight_ih_l0"], sd["gru.weight_hh_l0"], sd["gru.bias_ih_l0"], sd["gru.bias_hh_l0"], 4)
    write_npz(p("keras_layout.npz"), {"kernel": k, "recurrent_kernel": r, "bias": b})
    files["keras_layout.npz"] = "gru_l1's GRU in Keras layout (expected: gru_l1.expected.npz)"

    # The same GRU stored in float16 / bfloat16 / float64; expected from a float32 GRU holding
    # the rounded weights.
    for tag, dtype in (("f16", torch.float16), ("bf16", torch.bfloat16), ("f64", torch.float64)):
        g = torch.nn.GRU(I, 4, batch_first=True)
        rounded = {kk.split(".", 1)[1]: v.to(dtype) for kk, v in net.state_dict().items() if kk.startswith("gru.")}
        g.load_state_dict({kk: v.to(torch.float32) for kk, v in rounded.items()})
        o2, h2 = run(g, x)
        stored = {"gru." + kk: v.contiguous() for kk, v in rounded.items()}
        if tag == "f64":
            write_npz(p("gru_l1_f64.npz"), {kk: v.numpy() for kk, v in stored.items()})
            files["gru_l1_f64.npz"] = "gru_l1's GRU as float64 arrays"
        else:
            safetensors.torch.save_file(stored, p(f"gru_l1_{tag}.safetensors"))
            files[f"gru_l1_{tag}.safetensors"] = f"gru_l1's GRU in {dtype}"
        write_npz(p(f"gru_l1_{tag}.expected.npz"), {"output": o2, "h_n": h2})

    # No bias.
    torch.manual_seed(3)
    g = torch.nn.GRU(I, 4, bias=False, batch_first=True)
    o, h = run(g, x)
    safetensors.torch.save_file(g.state_dict(), p("gru_nobias.safetensors"))
    write_npz(p("gru_nobias.expected.npz"), {"output": o, "h_n": h})
    files["gru_nobias.safetensors"] = "nn.GRU(3, 4, bias=False, batch_first=True).state_dict()"

    # 2-layer bidirectional.
    torch.manual_seed(2)
    U = 5
    g = torch.nn.GRU(I, U, num_layers=2, bidirectional=True, batch_first=True)
    sd = np_state(g)
    o, h = run(g, x)
    g0 = torch.nn.GRU(I, U, num_layers=1, bidirectional=True, batch_first=True)
    g0.load_state_dict({kk: torch.from_numpy(v) for kk, v in sd.items() if "_l0" in kk})
    o0, _ = run(g0, x)
    safetensors.torch.save_file(g.state_dict(), p("gru_l2_bidi.safetensors"))
    write_npz(p("gru_l2_bidi.npz"), sd)
    write_npz(p("gru_l2_bidi.expected.npz"), {"output": o, "h_n": h, "l0_output": o0})
    files["gru_l2_bidi.safetensors"] = "nn.GRU(3, 5, num_layers=2, bidirectional=True, batch_first=True).state_dict()"
    files["gru_l2_bidi.npz"] = "the same state dict, one array per key"

    # Reload checks: what was saved is what torch holds.
    back = safetensors.torch.load_file(p("gru_l2_bidi.safetensors"))
    g2 = torch.nn.GRU(I, U, num_layers=2, bidirectional=True, batch_first=True)
    g2.load_state_dict(back)
    o2, h2 = run(g2, x)
    assert np.array_equal(o2, o) and np.array_equal(h2, h)
    z = np.load(p("gru_l2_bidi.npz"))
    assert all(np.array_equal(z[kk], v) for kk, v in sd.items())

    manifest = {
        "generator": "tools/make_tensor_fixtures.py",
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__,
                     "safetensors": safetensors.__version__, "numpy": np.__version__},
        "files": files,
    }
    with open(p("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    for name in os.listdir(stage):
        os.chmod(p(name), 0o644)  # safetensors writes 0600
    shutil.rmtree(out, ignore_errors=True)
    os.replace(stage, out)
    print(f"wrote {len(os.listdir(out))} files to {out}")


if __name__ == "__main__":
    main()
