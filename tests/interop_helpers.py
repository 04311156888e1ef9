"""What the interop tests share (tests/interop): small networks of every supported layer, their
inputs, and a bit-for-bit comparison of weights."""

import os
import subprocess
import sys
import sysconfig
import warnings

import numpy as np

import glassnet as gn

N_INPUTS = 1000  # the "1,000 inputs"
TOLERANCE = 1e-5  # float32 precision, max abs difference


def classifier(dtype="float32", seed=0):
    """5 features → 3 classes, through every hidden activation and a per-feature Standardize."""
    rng = np.random.default_rng(seed)
    net = gn.Network([
        gn.Standardize(rng.normal(size=5), rng.uniform(0.5, 2.0, size=5)),
        gn.Dense(5, 8), gn.ReLU(), gn.Dense(8, 7), gn.LeakyReLU(0.1), gn.Dropout(0.2),
        gn.Dense(7, 6), gn.Tanh(), gn.Dense(6, 4), gn.Sigmoid(), gn.Dense(4, 3),
    ], seed=seed, dtype=dtype)  # fmt: skip
    net.task = "multiclass"
    net.card.classes = ["cat", "dog", "fox"]
    net.card.feature_names = ["a", "b", "c", "d", "e"]
    return net


def binary(dtype="float32"):
    net = gn.Network([gn.Dense(4, 6), gn.Tanh(), gn.Dense(6, 1), gn.Sigmoid()], seed=2,
                     dtype=dtype)  # fmt: skip
    net.card.classes = [0, 1]
    return net


def softmax_out(dtype="float32"):
    net = gn.Network([gn.Dense(4, 6), gn.Identity(), gn.Dense(6, 3), gn.Softmax()], seed=3,
                     dtype=dtype)  # fmt: skip
    return net


def regression(dtype="float32"):
    net = gn.Network([gn.Standardize(2.0, 3.0), gn.Dense(3, 5), gn.ReLU(), gn.Dense(5, 2)],
                     seed=4, dtype=dtype)  # fmt: skip
    net.card.target_scale = gn.TargetScale((10.0, -1.0), (2.5, 0.5))
    return net


NETWORKS = {"classifier": classifier, "binary": binary, "softmax": softmax_out,
            "regression": regression}  # fmt: skip


def inputs(net, n=N_INPUTS, seed=1) -> np.ndarray:
    """n inputs around the network's own scale (its Standardize's mean and std)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, net.n_in))
    first = net.layers[0]
    if isinstance(first, gn.Standardize):
        X = first.mean.astype(float) + first.std.astype(float) * 2 * X
    return X.astype(net.dtype)


def same_weights(a, b) -> bool:
    """Bit for bit: the same layers, the same arrays, the same dtypes."""
    if [type(x) for x in a.layers] != [type(x) for x in b.layers]:
        return False
    for x, y in zip(a.layers, b.layers, strict=True):
        ax, ay = x.arrays(), y.arrays()
        if ax.keys() != ay.keys():
            return False
        for k in ax:
            if ax[k].dtype != ay[k].dtype or not np.array_equal(ax[k], ay[k]):
                return False
    return True


def export_with_torch(module, example, path, **options) -> None:
    """torch.onnx.export by its TorchScript exporter (the dynamo one needs onnxscript), whose
    deprecation warning says nothing about glassnet."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(module, example, str(path), dynamo=False, **options)


def run_without_glassnet(script: str, cwd) -> subprocess.CompletedProcess:
    """`script` in a fresh Python (-S: no .pth files, so not the editable install) whose
    sys.path is the standard library and site-packages alone: torch, safetensors and NumPy
    import, glassnet cannot. The script first proves that, then runs."""
    site_packages = sysconfig.get_paths()["purelib"]
    proof = (
        "import importlib.util, sys\n"
        "assert importlib.util.find_spec('glassnet') is None, sys.path\n"
    )
    env = {**os.environ, "PYTHONPATH": site_packages}
    return subprocess.run([sys.executable, "-S", "-c", proof + script], capture_output=True,
                          text=True, cwd=cwd, env=env)  # fmt: skip
