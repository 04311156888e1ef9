"""Prediction on the compiled step's machinery: a network's forward pass in one C call.

`Network.predict` asks glassnet.fast for its output (nn.network.PREDICTION_FORWARDS, filled by
glassnet/fast/__init__.py); `compiled_forward` answers for float32 networks of Dense layers
with the activations the compiled step knows, after an optional Standardize and before an
optional final Softmax: the input is converted and standardised in the gather kernel, every
GEMM is a single-threaded cblas_sgemm call on its share of the columns, each bias and
activation one fused loop, on the team of threads or on one thread as a training step would
run (csrc/team.h). The numbers are those of `Network.forward` to float32 rounding.
"""

from __future__ import annotations

import numpy as np

from glassnet.fast import blas, cores
from glassnet.fast.step import ACTIVATIONS, GATHERED, kernels, team_policy
from glassnet.nn.layers import Dense, Identity, Softmax, Standardize
from glassnet.nn.network import Network

CHUNK = 1024  # rows per C call
FEW = 8  # fewer rows: NumPy's forward, whose few calls cost less than setting up a plan
PREDICTION = 3  # csrc/kernels.h: HEAD_NONE, a plan that only runs forward


def compiled_forward(net: Network, X: np.ndarray) -> np.ndarray | None:
    """What net.forward_checked(X) returns, computed in C; None where it does not apply (no C
    extension or NumPy sgemm, float64, other layers, input that is not a C-ordered array)."""
    k, sgemm = kernels(), blas.gemms()
    if k is None or sgemm is None or net.dtype != np.float32 or not _readable(X):
        return None
    if len(X) < FEW:
        return None
    layers, tail = list(net.layers), []
    standardize = layers.pop(0) if layers and isinstance(layers[0], Standardize) else None
    if layers and isinstance(layers[-1], Softmax):
        tail = [layers.pop()]
    if layers and isinstance(layers[-1], Dense):
        layers.append(Identity())
    pairs = list(zip(layers[::2], layers[1::2], strict=False))
    if not pairs or 2 * len(pairs) != len(layers):
        return None
    if not all(type(d) is Dense and type(a) in ACTIVATIONS for d, a in pairs):
        return None
    n, dense = len(X), [d for d, _ in pairs]
    if not all(_compact(a) for d in dense for a in (d.W, d.b, d.dW, d.db)):
        return None
    acts = tuple((ACTIVATIONS[type(a)], float(getattr(a, "alpha", 0.0))) for _, a in pairs)
    out = _run(k, sgemm, X, standardize, dense, acts, min(n, CHUNK))
    for layer in tail:
        out = layer.forward(out)
    return out


def _run(k, sgemm, X, standardize, dense, acts, cap) -> np.ndarray:
    """The forward pass of X, cap rows per C call."""
    n_in, f4 = dense[0].n_in, np.float32
    mean, scale = np.zeros(n_in, f4), np.ones(n_in, f4)
    if standardize is not None:
        mean = np.ascontiguousarray(np.broadcast_to(standardize.mean, (n_in,)), dtype=f4)
        scale = np.ascontiguousarray(np.broadcast_to(standardize.scale, (n_in,)), dtype=f4)
    z = [np.empty((cap, d.n_out), f4) for d in dense]
    dx = [None] + [np.empty((cap, d.n_in), f4) for d in dense[1:]]
    bound = [(d.W, d.b, d.dW, d.db, zi, dxi) for d, zi, dxi in zip(dense, z, dx, strict=True)]
    k.team_config(team_policy(), cores.usable_cores())
    plan = k.make_plan(*sgemm, X, None, mean, scale, np.empty((cap, n_in), f4), bound,
                       blas.threads(), (PREDICTION, 1.0, None, acts))  # fmt: skip
    n = len(X)
    if n == cap:
        k.forward(plan, 0, n)
        return z[-1]  # a fresh array, the caller's
    out = np.empty((n, dense[-1].n_out), f4)
    for start in range(0, n, cap):
        m = min(cap, n - start)
        k.forward(plan, start, m)
        out[start : start + m] = z[-1][:m]
    return out


def _readable(X) -> bool:
    return (
        isinstance(X, np.ndarray) and X.ndim == 2 and len(X) > 0 and X.flags.c_contiguous
        and X.dtype in GATHERED
    )  # fmt: skip


def _compact(a: np.ndarray) -> bool:
    return a.dtype == np.float32 and a.flags.c_contiguous
