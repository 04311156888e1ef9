"""The compiled step's kernels written in NumPy, for where the C extension is not at hand.

Same names, arguments and results as the C module's (csrc/kernel_calls.c), each working in
place on the step's reusable buffers, so `CompiledStep` runs the same sequence (and folds η into
δ for plain SGD) with them between np.matmul calls: the NumPy-only route of training
(GLASSNET_KERNELS=0, or no C compiler at install time).
"""

from __future__ import annotations

import numpy as np


def gather(X: np.ndarray, idx: np.ndarray, mean, scale, out: np.ndarray) -> None:
    """out ← (float32(X[idx]) − mean) · scale."""
    out[...] = X[idx]
    out -= mean
    out *= scale


def bias_relu(z: np.ndarray, b: np.ndarray) -> None:
    """z ← max(z + b, 0), in place."""
    z += b
    np.maximum(z, 0, out=z)


def bias_add(z: np.ndarray, b: np.ndarray) -> None:
    """z ← z + b, in place."""
    z += b


def softmax_xent(z: np.ndarray, labels, idx, scale, db: np.ndarray) -> tuple[float, int]:
    """(Σ −log softmax(z)_y, correct argmaxes) for the labels labels[idx]; z becomes
    scale · (softmax(z) − onehot(y)) and db its column sums."""
    y = labels[idx]
    rows = np.arange(len(z))
    correct = int(np.count_nonzero(z.argmax(axis=1) == y))
    z -= z.max(axis=1, keepdims=True)
    shifted_y = z[rows, y].astype(np.float64)
    np.exp(z, out=z)
    total = z.sum(axis=1, keepdims=True)
    cost = float(np.sum(np.log(total[:, 0], dtype=np.float64) - shifted_y))
    z /= total
    z[rows, y] -= 1
    z *= scale
    np.sum(z, axis=0, out=db)
    return cost, correct


def relu_backward(d: np.ndarray, h: np.ndarray, db: np.ndarray, b: np.ndarray,
                  update: bool) -> None:  # fmt: skip
    """d ← d · [h > 0] (h is the ReLU's output), db ← its column sums, b ← b − db if update."""
    np.multiply(d, h > 0, out=d)
    np.sum(d, axis=0, out=db)
    if update:
        b -= db
