"""MNIST for the benchmark, and the shared starting point every framework trains from.

MNIST comes from `glassnet.datasets.load("mnist", data_dir=...)` when glassnet has it, else from
the small private IDX reader below (the same gzipped files, the same arrays). The start file is
one uncompressed .npz in a temporary folder: the four MNIST arrays plus the initial weights, so
each worker process reads the data in a fraction of a second and every framework begins from
the very same numbers.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
MNIST_DIR = BENCH_DIR.parent.parent / "shared" / "data" / "mnist"
LAYER_SIZES = (784, 256, 128, 10)
FILES = {
    "X_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "X_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}


def read_idx(path: Path) -> np.ndarray:
    """An IDX file of unsigned bytes (gzipped) as an array: images flattened to (N, 784)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    shape = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(int)
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(shape[0], -1) if ndim > 1 else data.copy()


def load_private(data_dir: Path = MNIST_DIR) -> dict[str, np.ndarray]:
    """MNIST read with the private IDX reader."""
    return {name: read_idx(data_dir / file) for name, file in FILES.items()}


def load_mnist(data_dir: Path = MNIST_DIR) -> tuple[dict[str, np.ndarray], str]:
    """MNIST as uint8 arrays, and which loader read it ("glassnet.datasets" or "private IDX")."""
    try:
        from glassnet import datasets

        ds = datasets.load("mnist", data_dir=data_dir)
        arrays = {name: np.asarray(getattr(ds, name)) for name in FILES}
        return arrays, "glassnet.datasets"
    except Exception as exc:  # glassnet.datasets missing or not ready: read the files ourselves
        return load_private(data_dir), f"private IDX ({type(exc).__name__}: {exc})"


def he_uniform(seed: int = 0, sizes=LAYER_SIZES) -> dict[str, np.ndarray]:
    """Initial weights W (out, in) ~ U(±√(6/in)) and zero biases, float32 (784-256-128-10)."""
    rng = np.random.default_rng(seed)
    weights = {}
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:], strict=False), start=1):
        limit = np.sqrt(6.0 / n_in)
        weights[f"W{i}"] = rng.uniform(-limit, limit, (n_out, n_in)).astype(np.float32)
        weights[f"b{i}"] = np.zeros(n_out, dtype=np.float32)
    return weights


def write_start(path: Path, seed: int = 0) -> str:
    """Write MNIST and the initial weights to `path` (.npz); returns the loader's name."""
    arrays, loader = load_mnist()
    arrays = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    np.savez(path, **arrays, **he_uniform(seed))
    return loader


def read_start(path: str | Path) -> dict[str, np.ndarray]:
    """Everything `write_start` saved, as a dict of arrays."""
    with np.load(path) as f:
        return {name: f[name] for name in f.files}
