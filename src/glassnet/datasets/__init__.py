"""Data for glassnet: XOR and other 2-D sets, the MNIST family, and the user's own files.

    from glassnet.datasets import load
    data = load("mnist")            # or "xor-clusters", "moons", "my.csv", "arrays.npz" …
    data.X_train, data.y_train      # samples are rows; labels are class ids 0..K−1

Only NumPy and the standard library are imported here; network code is imported when a
download actually happens.  Nothing is printed: downloads report through ``progress``.
"""

from .dataset import Dataset, array_sha256, file_sha256
from .idx import read_idx, write_idx
from .images import verify
from .loader import BUILTIN_NAMES, describe, load
from .preprocessing import fit_standardizer, train_test_split
from .store import data_home, download
from .synthetic import blobs, circles, moons, spirals, xor, xor_clusters
from .tabular import load_csv, load_npy, load_npz

__all__ = [
    "BUILTIN_NAMES",
    "Dataset",
    "array_sha256",
    "blobs",
    "circles",
    "data_home",
    "describe",
    "download",
    "file_sha256",
    "fit_standardizer",
    "load",
    "load_csv",
    "load_npy",
    "load_npz",
    "moons",
    "read_idx",
    "spirals",
    "train_test_split",
    "verify",
    "write_idx",
    "xor",
    "xor_clusters",
]
