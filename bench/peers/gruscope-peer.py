#!/usr/bin/env python3
"""gruscope-peer.py: times PyTorch's nn.GRU or Keras's GRU layer on weights and inputs that
`gruscope-cli bench` wrote, and writes their outputs back for the agreement check.

  gruscope-peer.py torch|keras DIR B T I U RESET_AFTER WARMUP RUNS THREADS

DIR holds kernel.f32 (I x 3U), recurrent_kernel.f32 (U x 3U), bias.f32 (2 x 3U, or 3U), x.f32
(B x T x I), float32, Keras layouts. Writes DIR/out.f32 (B x T x U) and prints one JSON line
{"peer":…,"version":…,"kernel":…,"median_ms":…,"min_ms":…,"runs":…}. Exit 3 when the framework
cannot be imported (the CLI then says the peer is not installed).

"kernel" says what the peer's matrix products ran on, read after the timed calls: every BLAS or
OpenMP library threadpoolctl finds loaded (OpenBLAS's own name for the core kernel it chose, and
its thread count), and for PyTorch its BLAS and CPU capability from torch.__config__. The CLI
starts the peer without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, so OpenBLAS picks its kernel
for this processor.

PyTorch's nn.GRU is reset_after=True with gates r, z, n: weight_ih = kernel^T with the z and r
blocks swapped (the same for weight_hh and both biases). It has no reset_after=False form.
"""
import json
import os
import sys
import time


def load(path, shape):
    import numpy as np
    a = np.fromfile(path, dtype=np.float32)
    if a.size != int(np.prod(shape)):
        sys.exit("gruscope-peer: %s holds %d floats, expected %s" % (path, a.size, shape))
    return a.reshape(shape)


def timed(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    ms = []
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return out, ms[len(ms) // 2], ms[0]


def mapped_blas():
    """The BLAS shared objects mapped into this process (real paths), from /proc/self/maps."""
    found = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path)
                if ("blas" in base or "mkl_" in base) and path not in found:
                    found.append(path)
    except OSError:
        pass
    return [os.path.realpath(p) for p in found]


def loaded_kernels():
    """The BLAS/OpenMP libraries loaded in this process, as threadpoolctl reports them."""
    try:
        import threadpoolctl
    except ImportError:
        return "threadpoolctl not installed: BLAS kernel unknown"
    parts = []
    blas_seen = False
    for lib in threadpoolctl.threadpool_info():
        name = lib.get("internal_api", "?")
        what = " ".join(v for v in (name, lib.get("version") or "", lib.get("architecture") or "") if v)
        if lib.get("threading_layer"):
            what += " (%s)" % lib["threading_layer"]
        what += ", %s thread%s" % (lib.get("num_threads"), "" if lib.get("num_threads") == 1 else "s")
        blas_seen = blas_seen or lib.get("user_api") == "blas"
        parts.append(what)
    if not blas_seen:
        # A BLAS threadpoolctl cannot see: on Debian usually the reference BLAS (libblas3, in
        # .../blas/), which libopenblas0-pthread replaces as the libblas.so.3 alternative.
        for path in mapped_blas():
            if "/blas/libblas" in path:
                parts.append("BLAS %s: Debian's reference BLAS, not an optimised one" % path)
            else:
                parts.append("BLAS %s (not seen by threadpoolctl)" % path)
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            parts.append("%s=%s is set" % (var, os.environ[var]))
    return "; ".join(parts) if parts else "no BLAS library loaded"


def torch_config(torch):
    """BLAS_INFO and the CPU capability from PyTorch's build configuration."""
    try:
        cfg = torch.__config__.show()
    except Exception:  # noqa: BLE001 - any failure only means the line is not known
        return ""
    keep = []
    for line in cfg.splitlines():
        line = line.strip()
        if line.startswith("- CPU capability usage:"):
            keep.append("CPU capability " + line.split(":", 1)[1].strip())
        for item in line.split(","):
            item = item.strip()
            if item.startswith("BLAS_INFO="):
                keep.append("torch BLAS " + item.split("=", 1)[1])
    return ", ".join(keep)


def torch_peer(d, B, T, I, U, reset_after, warmup, runs, threads):
    try:
        import torch
    except ImportError:
        sys.exit(3)
    import numpy as np
    if not reset_after:
        sys.exit("gruscope-peer: PyTorch's nn.GRU has no reset_after=False form")
    torch.set_num_threads(threads)
    K = load(d + "/kernel.f32", (I, 3 * U))
    R = load(d + "/recurrent_kernel.f32", (U, 3 * U))
    b = load(d + "/bias.f32", (2, 3 * U))
    x = load(d + "/x.f32", (B, T, I))

    def zr_swap(m):  # Keras [z | r | h] along the last axis -> PyTorch [r | z | n] along the first
        z, r, h = np.split(m, 3, axis=-1)
        return np.ascontiguousarray(np.concatenate([r, z, h], axis=-1).T)

    gru = torch.nn.GRU(I, U, batch_first=True)
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.from_numpy(zr_swap(K)))
        gru.weight_hh_l0.copy_(torch.from_numpy(zr_swap(R)))
        gru.bias_ih_l0.copy_(torch.from_numpy(zr_swap(b[0:1]).reshape(-1)))
        gru.bias_hh_l0.copy_(torch.from_numpy(zr_swap(b[1:2]).reshape(-1)))
    xt = torch.from_numpy(np.ascontiguousarray(x))
    with torch.inference_mode():
        out, med, mn = timed(lambda: gru(xt)[0], warmup, runs)
    out.numpy().astype(np.float32).tofile(d + "/out.f32")
    kernel = "; ".join(k for k in (torch_config(torch), loaded_kernels()) if k)
    return "torch", torch.__version__, kernel, med, mn


def keras_peer(d, B, T, I, U, reset_after, warmup, runs, threads):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    try:
        import keras
        import numpy as np
        import tensorflow as tf
    except ImportError:
        sys.exit(3)
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    K = load(d + "/kernel.f32", (I, 3 * U))
    R = load(d + "/recurrent_kernel.f32", (U, 3 * U))
    b = load(d + "/bias.f32", (2, 3 * U) if reset_after else (3 * U,))
    x = load(d + "/x.f32", (B, T, I))
    layer = keras.layers.GRU(U, return_sequences=True, reset_after=reset_after)
    layer.build((B, T, I))
    layer.set_weights([K, R, b])
    xt = tf.constant(x)
    call = tf.function(lambda v: layer(v))
    out, med, mn = timed(lambda: call(xt), warmup, runs)
    np.asarray(out, dtype=np.float32).tofile(d + "/out.f32")
    kernel = "TensorFlow's own (Eigen, oneDNN when enabled); " + loaded_kernels()
    return "keras", "keras %s, tensorflow %s" % (keras.__version__, tf.__version__), kernel, med, mn


def main():
    if len(sys.argv) != 11 or sys.argv[1] not in ("torch", "keras"):
        sys.exit(__doc__)
    which, d = sys.argv[1], sys.argv[2]
    B, T, I, U, ra, warmup, runs, threads = (int(v) for v in sys.argv[3:])
    fn = torch_peer if which == "torch" else keras_peer
    name, version, kernel, med, mn = fn(d, B, T, I, U, bool(ra), warmup, max(runs, 1), max(threads, 1))
    print(json.dumps({"peer": name, "version": version, "kernel": kernel, "median_ms": med, "min_ms": mn,
                      "runs": runs}))


if __name__ == "__main__":
    main()
