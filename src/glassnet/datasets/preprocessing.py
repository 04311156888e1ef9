"""Fitting feature standardisation and splitting off held-out samples, both on training data."""

import numpy as np

from glassnet.errors import ValidationError

STANDARDIZE_CHUNK = 8192  # rows per pass, so uint8 images are never copied whole as float64


def fit_standardizer(X, dtype="float32"):
    """Per-column mean μ and standard deviation σ of X (N, D), for x ↦ (x − μ) / σ.

    Computed in float64, one block of rows at a time, and returned as ``dtype`` arrays of
    shape (D,).  σ is the population standard deviation (divide by N).  A constant column
    (all values equal) gets σ = 1 instead of 0, so it standardises to 0 rather than to NaN.
    """
    X = np.asarray(X)
    if X.ndim != 2 or len(X) == 0:
        raise ValidationError(f"X must be a non-empty 2-D array (N, D), got shape {X.shape}")
    total = np.zeros(X.shape[1])
    for block in _blocks(X):
        total += block.sum(axis=0)
    mean = total / len(X)
    squares = np.zeros(X.shape[1])
    low, high = np.full(X.shape[1], np.inf), np.full(X.shape[1], -np.inf)
    for block in _blocks(X):
        squares += ((block - mean) ** 2).sum(axis=0)
        low, high = np.minimum(low, block.min(axis=0)), np.maximum(high, block.max(axis=0))
    std = np.sqrt(squares / len(X))
    std[low == high] = 1.0
    return mean.astype(dtype), std.astype(dtype)


def _blocks(X):
    """X in blocks of STANDARDIZE_CHUNK rows, as float64."""
    for start in range(0, len(X), STANDARDIZE_CHUNK):
        yield np.asarray(X[start : start + STANDARDIZE_CHUNK], dtype=np.float64)


def train_test_split(X, y=None, test_fraction=0.2, seed=0, stratify=True):
    """Seeded split of the samples of X into (train_indices, test_indices).

    Returns two sorted int64 index arrays (use ``X[train]``, ``y[test]``…; indices rather
    than copies, so memory-mapped images are copied only when indexed).  The test split
    holds round(test_fraction · N) samples.  With ``stratify`` and integer class labels ``y``
    each class is split in the same proportion, the classes with the largest remainders
    taking the samples lost to rounding down.
    Randomness: ``numpy.random.default_rng(seed)``; ``seed`` may be a Generator.
    """
    n = len(X)
    if not 0 < test_fraction < 1:
        raise ValidationError(
            f"test_fraction must lie strictly between 0 and 1, got {test_fraction}"
        )
    n_test = int(round(test_fraction * n))
    if not 0 < n_test < n:
        raise ValidationError(
            f"test_fraction {test_fraction} of {n} samples leaves an empty split: "
            "use more samples or a different fraction"
        )
    if y is not None and len(y) != n:
        raise ValidationError(f"X has {n} rows but y has {len(y)} labels")
    rng = np.random.default_rng(seed)
    if stratify and y is not None and np.asarray(y).dtype.kind in "iu":
        test = _stratified_test(np.asarray(y), n_test, rng)
    else:
        test = rng.permutation(n)[:n_test]
    mask = np.zeros(n, dtype=bool)
    mask[test] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def _stratified_test(y, n_test, rng):
    """Test indices with each class's share of ``n_test`` proportional to its size."""
    classes, counts = np.unique(y, return_counts=True)
    quota = counts * n_test / len(y)
    take = np.floor(quota).astype(np.int64)
    largest_remainders = np.argsort(take - quota, kind="stable")
    take[largest_remainders[: n_test - take.sum()]] += 1
    members = [np.flatnonzero(y == c) for c in classes]
    return np.concatenate([rng.permutation(m)[:k] for m, k in zip(members, take, strict=True)])
