"""Compiled element-wise kernels for the training step (numba; imported only by `fastpath`).

Each kernel fuses work that NumPy does in several passes and several calls: gather + convert +
standardise a batch, bias + ReLU, softmax + cross-entropy + its gradient + the bias gradient,
ReLU′ mask + bias gradient (+ the bias update), and the whole Adam update. They compute what the
straightforward NumPy code computes, in the same dtype and order of operations where it matters;
tests compare the two paths.

error_model="numpy": a float division by zero gives inf/nan as in NumPy instead of raising,
which also lets LLVM vectorise the divisions and square roots. No fastmath: IEEE arithmetic.
cache=True: compiled once per machine, loaded from numba's cache afterwards.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_jit = njit(cache=True, error_model="numpy", nogil=True)


@_jit
def gather(X, idx, mean, scale, out):
    """out[i] = (X[idx[i]] − mean) · scale, converted to out's dtype first (as Standardize)."""
    for i in range(idx.shape[0]):
        row = X[idx[i]]
        o = out[i]
        for j in range(o.shape[0]):
            o[j] = row[j]
        for j in range(o.shape[0]):
            o[j] = (o[j] - mean[j]) * scale[j]


@_jit
def bias_relu(Z, b):
    """Z ← max(Z + b, 0), in place."""
    zero = Z.dtype.type(0)
    for i in range(Z.shape[0]):
        z = Z[i]
        for j in range(z.shape[0]):
            v = z[j] + b[j]
            z[j] = v if v > zero else zero


@_jit
def bias_add(Z, b):
    """Z ← Z + b, in place."""
    for i in range(Z.shape[0]):
        z = Z[i]
        for j in range(z.shape[0]):
            z[j] = z[j] + b[j]


@_jit
def softmax_xent(Z, labels, idx, scale, db):
    """Softmax cross-entropy on logits Z (n, K) for the labels labels[idx].

    Z is overwritten with scale · (softmax(Z) − onehot(y)) (the gradient; scale = 1/n, or η/n
    for plain SGD), db with its column sums. Returns (Σ per-sample cost, correct argmaxes).
    """
    n, k = Z.shape
    cost = 0.0
    correct = 0
    for j in range(k):
        db[j] = 0
    for i in range(n):
        z = Z[i]
        y = labels[idx[i]]
        best = 0
        for j in range(1, k):
            if z[j] > z[best]:
                best = j
        if best == y:
            correct += 1
        top = z[best]
        shifted_y = z[y] - top
        total = z.dtype.type(0)
        for j in range(k):
            z[j] = np.exp(z[j] - top)
            total += z[j]
        cost += np.log(total) - shifted_y
        for j in range(k):
            z[j] = z[j] / total
        z[y] -= 1
        for j in range(k):
            z[j] = z[j] * scale
            db[j] += z[j]
    return cost, correct


@_jit
def relu_backward(D, H, db, b, update):
    """D ← D ⊙ [H > 0] (ReLU′ with R′(0) = 0; H is the ReLU's output), db ← Σ rows of D,
    and b ← b − db when `update` (plain SGD, whose gradients already carry η)."""
    zero = D.dtype.type(0)
    for j in range(db.shape[0]):
        db[j] = 0
    for i in range(D.shape[0]):
        d = D[i]
        h = H[i]
        for j in range(d.shape[0]):
            if h[j] <= zero:
                d[j] = zero
            db[j] += d[j]
    if update:
        for j in range(b.shape[0]):
            b[j] -= db[j]


@_jit
def adam(p, g, m, v, beta1, beta2, rest1, rest2, step, denom_scale, eps, decay, l2):
    """One Adam (or AdamW) update of the flat arrays p, m, v for the gradient g:

    g′ = g + l2·p;  m ← β₁m + rest1·g′;  v ← β₂v + rest2·g′²
    p ← decay·p − m / (√v · denom_scale + eps) · step
    with rest = 1 − β (rounded once, from double precision, as NumPy's Adam does),
    step = η/(1 − β₁ᵗ), denom_scale = 1/√(1 − β₂ᵗ), decay = 1 − ηλ (AdamW) or 1.
    """
    for i in range(p.shape[0]):
        gi = g[i] + l2 * p[i]
        mi = beta1 * m[i] + rest1 * gi
        vi = beta2 * v[i] + rest2 * (gi * gi)
        m[i] = mi
        v[i] = vi
        p[i] = decay * p[i] - mi / (np.sqrt(vi) * denom_scale + eps) * step


def warm_up() -> None:
    """Compile (or load from numba's cache) the signatures float32 training uses, so the first
    training step does not pay for it: uint8 or float32 inputs, writable or read-only."""
    f4, i8 = np.float32, np.int64
    Z, b, idx = np.zeros((2, 3), f4), np.zeros(3, f4), np.zeros(1, i8)
    for dtype in (np.uint8, f4):
        for writable in (True, False):
            X = np.zeros((2, 3), dtype)
            X.setflags(write=writable)
            gather(X, idx, b, b, Z[:1])
    bias_relu(Z, b)
    bias_add(Z, b)
    softmax_xent(Z, np.zeros(2, i8), np.zeros(2, i8), f4(1), b)
    relu_backward(Z, Z, b, b, True)
    v = np.zeros(4, f4)
    adam(v, v, v, v, *[f4(1)] * 9)
