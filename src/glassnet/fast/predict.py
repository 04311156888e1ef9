"""Prediction on the compiled step's machinery: a network's forward pass in one C call.

`Network.predict` asks glassnet.fast for its output (nn.network.PREDICTION_FORWARDS, filled by
glassnet/fast/__init__.py); `compiled_forward` answers for float32 and float64 networks of
Dense layers
with the activations the compiled step knows, after an optional Standardize and before an
optional final Softmax. The rows are cut into one share per thread of the team (csrc/team.h),
and each share goes through the whole network on its own (csrc/step.c, forward_rows_part): its
rows converted and standardised in the gather kernel, then per layer one single-threaded
cblas_sgemm (cblas_sgemv for one row; dgemm and dgemv for float64) and one fused loop for the
bias and activation. On one thread the same shares run one after another, so the numbers do not
depend on the choice; they are those of `Network.forward` to the network's rounding.

A plan (its checks, its buffers) is kept per network and number of rows, for the next call:
one sample's prediction is a few microseconds of arithmetic, and setting up a plan, buffers and
the route took longer than that. A kept plan is used again only while the network has the very
same layers and arrays; a call takes it, so that another thread's call at the same time makes
its own.
"""

from __future__ import annotations

import functools
import operator
import weakref
from dataclasses import dataclass

import numpy as np

from glassnet import cores
from glassnet.fast import blas
from glassnet.fast.step import ACTIVATIONS, GATHERED, kernels, team_policy
from glassnet.nn.layers import Dense, Identity, Softmax, Standardize
from glassnet.nn.network import Network

CHUNK = 1024  # rows per C call
KEPT = 2  # plans kept per network (the row counts of its latest calls)
PREDICTION = 3  # csrc/kernels.h: HEAD_NONE, a plan that only runs forward
FLOATS = (np.dtype(np.float32), np.dtype(np.float64))  # the networks computed here
AUTO, TEAM_FEW = 0, 8  # csrc/team.c: the "auto" policy runs fewer rows than FEW on one thread


@dataclass
class Bound:
    """A plan for one network's forward pass over up to `cap` rows, with what it binds."""

    layers: tuple  # the network's layers when the plan was made
    pairs: list  # (Dense, activation), the network's layers the plan computes
    arrays: tuple  # every Dense layer's W, b, dW and db, as bound
    acts: tuple  # (activation code, LeakyReLU's α) after each Dense layer
    standardize: Standardize | None
    tail: list  # a final Softmax, applied in NumPy
    plan: object
    out: np.ndarray  # the output layer's z, (cap, n_out)
    mean: np.ndarray  # what the gather subtracts and multiplies by, filled on each call
    scale: np.ndarray


_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # net -> {cap: Bound}


def compiled_forward(net: Network, X: np.ndarray) -> np.ndarray | None:
    """What net.forward_checked(X) returns, computed in C; None where it does not apply (no C
    extension or NumPy's gemm, other layers or dtypes, input that is not a C-ordered array)."""
    k = kernels()
    dtype = np.dtype(net.dtype)
    if k is None or dtype not in FLOATS or not _readable(X) or _gemms(dtype) is None:
        return None
    n = len(X)
    cap = CHUNK if n >= CHUNK else 1 << (n - 1).bit_length()  # a power of two: few plans
    plans = _PLANS.setdefault(net, {})
    bound = plans.pop(cap, None)
    if bound is None or not _still_bound(bound, net):
        bound = _bind(k, net, cap)
        if bound is None:
            return None
    out = _run(k, bound, X)
    plans[cap] = bound
    for stale in list(plans)[:-KEPT]:  # the oldest first (a list: other threads may write)
        plans.pop(stale, None)
    return out


@functools.cache
def _gemms(dtype: np.dtype):
    """blas.gemms(dtype), found and checked once per process."""
    return blas.gemms(dtype)


def _run(k, bound: Bound, X: np.ndarray) -> np.ndarray:
    """The forward pass of X on a plan, cap rows per C call, into a fresh array."""
    std = bound.standardize
    bound.mean[...], bound.scale[...] = (0.0, 1.0) if std is None else (std.mean, std.scale)
    n, cap = len(X), len(bound.out)
    policy = team_policy()
    if n >= TEAM_FEW or policy != AUTO:  # "auto" runs a few rows on one thread: skip the ~5 µs
        k.team_config(policy, cores.usable_cores())  # (a stale policy moves threads, not bits)
    if n <= cap:  # one call (a copy of the rows it wrote, not an empty array filled)
        k.forward(bound.plan, X, 0, n)
        out = bound.out[:n].copy()
    else:
        out = np.empty((n, bound.out.shape[1]), bound.out.dtype)
        for start in range(0, n, cap):
            m = min(cap, n - start)
            k.forward(bound.plan, X, start, m)
            out[start : start + m] = bound.out[:m]
    for layer in bound.tail:
        out = layer.forward(out)
    return out


def _still_bound(bound: Bound, net: Network) -> bool:
    """Whether the plan still binds this network's layers and arrays, with their activations."""
    if bound.layers != tuple(net.layers):
        return False
    now = _arrays(bound.pairs)
    same = len(now) == len(bound.arrays) and all(map(operator.is_, now, bound.arrays))
    return same and bound.acts == _acts(bound.pairs)


def _bind(k, net: Network, cap: int) -> Bound | None:
    """A plan for net's forward pass over cap rows; None for a network it cannot compute."""
    pairs, standardize, tail = _pairs(tuple(net.layers))
    if pairs is None:
        return None
    dense = [d for d, _ in pairs]
    arrays, real = _arrays(pairs), np.dtype(net.dtype)  # the plan's type: its x buffer's
    if not all(a.dtype == real and a.flags.c_contiguous and a.flags.writeable for a in arrays):
        return None  # (read-only weights: a model unpickled from a memory map) NumPy's pass
    n_in = dense[0].n_in
    z = [np.empty((cap, d.n_out), real) for d in dense]
    dx = [None] + [np.empty((cap, d.n_in), real) for d in dense[1:]]  # bound, never touched
    mean, scale, acts = np.zeros(n_in, real), np.ones(n_in, real), _acts(pairs)
    layers = [(*arrays[4 * i : 4 * i + 4], z[i], dx[i]) for i in range(len(dense))]
    plan = k.make_plan(*_gemms(real), np.zeros((1, n_in), np.uint8), None, mean, scale,
                       np.empty((cap, n_in), real), layers, blas.threads(),
                       (PREDICTION, 1.0, None, acts))  # fmt: skip
    return Bound(
        tuple(net.layers), pairs, arrays, acts, standardize, tail, plan, z[-1], mean, scale
    )


def _pairs(layers: tuple) -> tuple:
    """([(Dense, activation), ...] or None where the C pass does not apply, the Standardize
    in front or None, [a final Softmax] or [])."""
    layers, tail = list(layers), []
    standardize = layers.pop(0) if layers and isinstance(layers[0], Standardize) else None
    if layers and isinstance(layers[-1], Softmax):
        tail = [layers.pop()]
    if layers and isinstance(layers[-1], Dense):
        layers.append(Identity())
    pairs = list(zip(layers[::2], layers[1::2], strict=False))
    if not pairs or 2 * len(pairs) != len(layers):
        return None, standardize, tail
    if not all(type(d) is Dense and type(a) in ACTIVATIONS for d, a in pairs):
        return None, standardize, tail
    return pairs, standardize, tail


def _arrays(pairs) -> tuple:
    return tuple(a for d, _ in pairs for a in (d.W, d.b, d.dW, d.db))


def _acts(pairs) -> tuple:
    return tuple((ACTIVATIONS[type(a)], float(getattr(a, "alpha", 0.0))) for _, a in pairs)


def _readable(X) -> bool:
    return (
        isinstance(X, np.ndarray) and X.ndim == 2 and len(X) > 0 and X.flags.c_contiguous
        and X.dtype in GATHERED
    )  # fmt: skip
