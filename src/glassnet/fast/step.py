"""The compiled training step: the numbers of the reference step, in fewer passes.

`ReferenceStep` (glassnet.train.step) walks the layers one Python call at a time, each a NumPy
pass or two: clear, and what `glassnet explain` shows. For the networks practitioners train
(float32, [Standardize], Dense–ReLU blocks, a Dense output, softmax cross-entropy) `CompiledStep`
does the same step as one C call (csrc/): the GEMMs by the cblas_sgemm of NumPy's own OpenBLAS
(`blas`), everything between them in one fused loop each. Where NumPy's OpenBLAS cannot be
reached, the same kernels run between np.matmul calls made from Python; where the C extension
is not built (or GLASSNET_KERNELS=0), their NumPy twins (`numpy_kernels`) do.

The speed tricks live here and only here:
* plain SGD folds η into δ = ∂L/∂z, so the update is θ ← θ − g (g = η ∂L/∂θ), and when nobody
  watches the batches (no callback) each W is updated inside its ∂L/∂W multiplication:
  W ← W − Gᵀ A in one GEMM, dW not written. An epoch's last batch and every watched batch run
  unfolded, so the layers then hold ∂L/∂θ as after net.backward.
* Adam and AdamW run as one fused kernel per parameter, inside the C step.
Float64 networks take the same C step, its code compiled a second time for double (csrc/real.h)
with NumPy's cblas_dgemm, where that can be reached (else the reference step). With
GLASSNET_FAST=0, or any other architecture, training takes the reference step (tests/fast
compares every route with it).
"""

from __future__ import annotations

import functools
import math
import operator
import os

import numpy as np

from glassnet import cores
from glassnet.errors import ValidationError
from glassnet.fast import blas, numpy_kernels
from glassnet.nn.layers import (
    Dense,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Standardize,
    Tanh,
)
from glassnet.nn.losses import MSE, BinaryCrossEntropy, CrossEntropy, Loss, SquaredError
from glassnet.nn.network import Network
from glassnet.nn.optimizers import SGD, Adam, Optimizer
from glassnet.train.step import StepResult
from glassnet.train.targets import Targets

KERNELS_ENV = "GLASSNET_KERNELS"  # 0: not the C kernels (their NumPy twins run instead)
FAST_ENV = "GLASSNET_FAST"  # 0: no compiled step at all, training takes the reference step
TEAM_ENV = "GLASSNET_TEAM"  # auto (default): the team or one thread, whichever is faster now
BLANK_ENV = "GLASSNET_BLANK"  # off: the first layer works on every feature of every batch
OFF = ("0", "off", "false", "no")
ON = ("1", "on", "true", "yes", "always")
GATHERED = (np.uint8, np.float32, np.float64)  # input dtypes the batch-gathering kernel reads
# csrc/kernels.h: enum act (the activation after a Dense layer) and enum head (the cost)
ACTIVATIONS = {ReLU: 0, LeakyReLU: 1, Sigmoid: 2, Tanh: 3, Identity: 4}
SOFTMAX_XENT, SIGMOID_BCE, SQUARED = 0, 1, 2


@functools.cache
def kernels():
    """The C kernels module, or None (not built, or GLASSNET_KERNELS=0)."""
    if os.environ.get(KERNELS_ENV, "1").strip().lower() in OFF:
        return None
    try:
        from glassnet.fast import _ckernels
    except ImportError:
        return None
    return _ckernels


def team_policy() -> int:
    """GLASSNET_TEAM as team_config's policy: 0 auto (the C step times the team against one
    thread and takes the faster, csrc/team.h), 1 the team whenever it can, 2 one thread."""
    value = os.environ.get(TEAM_ENV, "auto").strip().lower()
    if value in ("", "auto"):
        return 0
    if value in ON or value in OFF:
        return 1 if value in ON else 2
    raise ValidationError(f"{TEAM_ENV}={value!r} is not auto, on or off; unset it or pick one")


def skip_blank() -> bool:
    """GLASSNET_BLANK: whether the C step leaves the features that are 0 in every sample of a
    batch out of the first layer's products (on, the default; csrc/step.c: the batch's blank
    features) or always multiplies by every feature (off, to compare the two)."""
    value = os.environ.get(BLANK_ENV, "on").strip().lower()
    if value in ("", *ON, *OFF):
        return value not in OFF
    raise ValidationError(f"{BLANK_ENV}={value!r} is not on or off; unset it or pick one")


def adam_numbers(optimizer: Adam, t: int) -> tuple[float, ...]:
    """The 9 numbers of Adam's kernel (_ckernels.c, adam) for step t: β₁, β₂, 1 − β₁, 1 − β₂,
    η / (1 − β₁ᵗ), 1 / √(1 − β₂ᵗ), ε, the decoupled decay factor and the L2 coefficient, in
    double precision; the kernel rounds each once to the network's dtype. Python floats, not
    NumPy scalars: this runs before every compiled Adam step, and building nine NumPy scalars
    took 3.6 µs of a 600 µs MNIST step."""
    beta1, beta2 = optimizer.betas
    lr = optimizer.lr
    decay, l2 = 1.0, optimizer.weight_decay
    if optimizer.decoupled:
        decay, l2 = 1 - lr * optimizer.weight_decay, 0.0
    step, denom_scale = lr / (1 - beta1**t), 1 / math.sqrt(1 - beta2**t)
    return (beta1, beta2, 1 - beta1, 1 - beta2, step, denom_scale, optimizer.eps, decay, l2)


class CompiledStep:
    """One training step of a float32 (or float64) [Standardize] (Dense act)* Dense [act]
    network with one of the costs `network_kinds` lists, on reusable buffers (a
    `glassnet.train.step.Step`).

    Where NumPy's OpenBLAS can be reached (`blas.sgemm`), the whole step is one C call
    (`_ckernels.step` on a plan that binds these arrays once); elsewhere `forward` and
    `backward` run the same sequence from Python, with np.matmul for the GEMMs."""

    def __init__(self, net: Network, optimizer: Optimizer, X: np.ndarray, targets: Targets,
                 batch_size: int, watched: bool, k, sgemm, threads=None, gemm=None,
                 kinds=None):  # fmt: skip
        self.k = k
        self.kinds = kinds  # None: (Dense ReLU)* Dense, softmax cross-entropy; see network_kinds
        self.dense = net.dense_layers
        self.optimizer = optimizer
        self.watched = watched
        self.X = X.view(np.ndarray)
        labels = targets.labels
        self.labels = None if labels is None else np.ascontiguousarray(labels, dtype=np.int64)
        first = net.layers[0]
        n_in, dtype = self.dense[0].n_in, net.dtype
        self.dtype = dtype
        if isinstance(first, Standardize):
            self.mean = np.ascontiguousarray(np.broadcast_to(first.mean, (n_in,)), dtype=dtype)
            self.scale = np.ascontiguousarray(np.broadcast_to(first.scale, (n_in,)), dtype=dtype)
        else:
            self.mean, self.scale = np.zeros(n_in, dtype), np.ones(n_in, dtype)
        self.x = np.empty((batch_size, n_in), dtype)
        self.z = [np.empty((batch_size, d.n_out), dtype) for d in self.dense]
        self.dx = [None] + [np.empty((batch_size, d.n_in), dtype) for d in self.dense[1:]]
        self.sgemm, self.threads = sgemm, threads
        self.gemm = gemm  # cblas_sgemm through ctypes, for fused updates driven from Python
        # Adam (or AdamW) on moments of the network's dtype runs inside the C step too, after
        # each gradient.
        self.adam = isinstance(optimizer, Adam) and all(
            _compact(a, dtype) for state in optimizer.state for a in (state["m"], state["v"])
        )
        # SGD with momentum too, with its velocities v.
        self.momentum = (
            sgemm is not None
            and isinstance(optimizer, SGD)
            and optimizer.momentum > 0
            and all(_compact(state["v"], dtype) for state in optimizer.state)
        )
        # Plain SGD folds η into δ; unwatched, its updates happen inside the ∂L/∂W GEMMs.
        self.plain_sgd = isinstance(optimizer, SGD) and optimizer.plain
        can_fuse = sgemm is not None or gemm is not None
        self.fusable = can_fuse and self.plain_sgd and not watched
        self.dw_factor: float | None = 1.0  # what dW holds: factor × ∂L/∂W; None: not written
        self.plan, self._bound = None, ()
        if sgemm is not None:
            self._bind()

    def _arrays(self) -> tuple[tuple[np.ndarray, ...], ...]:
        """Per Dense layer, the arrays the plan binds: W, b, dW, db and, for Adam, the moments
        mW, vW, mb, vb, for SGD with momentum the velocities vW, vb (the optimizer's state
        follows net.parameters(): W₁, b₁, W₂, b₂, …)."""
        state = self.optimizer.state
        if self.momentum:
            return tuple(
                (d.W, d.b, d.dW, d.db, w["v"], b["v"])
                for d, w, b in zip(self.dense, state[::2], state[1::2], strict=True)
            )
        if not self.adam:
            return tuple((d.W, d.b, d.dW, d.db) for d in self.dense)
        return tuple(
            (d.W, d.b, d.dW, d.db, w["m"], w["v"], b["m"], b["v"])
            for d, w, b in zip(self.dense, state[::2], state[1::2], strict=True)
        )

    def _bind(self) -> None:
        """(Re)build the C plan over the layers' current arrays."""
        bound = self._arrays()
        for i, arrays in enumerate(bound):
            if not all(_compact(a, self.dtype) for a in arrays):
                raise ValidationError(
                    f"Dense layer {i} parameters must stay C-contiguous {self.dtype} arrays"
                )
        layers = [
            (*arrays[:4], z, dx, *arrays[4:])
            for arrays, z, dx in zip(bound, self.z, self.dx, strict=True)
        ]
        self.plan = self.k.make_plan(*self.sgemm, self.X, self.labels, self.mean, self.scale,
                                     self.x, layers, self.threads, self.kinds,
                                     skip_blank())  # fmt: skip
        self._bound = bound

    def _replaced(self) -> bool:
        """Whether a layer's array (or an Adam moment) is no longer the one the plan holds."""
        return not all(map(_same, self._arrays(), self._bound))

    def __call__(self, idx: np.ndarray, last: bool = False) -> StepResult:
        """One training step on the samples idx. A non-finite cost returns before anything is
        updated, for the trainer to report."""
        opt, n = self.optimizer, len(idx)
        folded = self.plain_sgd and not (self.watched or last)  # δ carries η
        fused = folded and self.fusable
        scale = (opt.lr if folded else 1.0) / n
        if self.plan is None:
            cost, correct = self.forward(idx, scale)
            if math.isfinite(cost):
                self.backward(fused)
        else:
            if self._replaced():
                self._bind()  # an array was replaced: bind the new ones
            rule = adam_numbers(opt, opt.t + 1) if self.adam else None
            if self.momentum:
                rule = (opt.lr, opt.momentum, opt.weight_decay, float(opt.nesterov))
            cost, correct = self.k.step(self.plan, idx, scale, fused, rule)
        if not math.isfinite(cost):  # nothing was updated: the trainer reports the divergence
            return StepResult(cost / n, correct)
        if fused or (self.plan is not None and (self.adam or self.momentum)):
            opt.count_step()  # the C step applied the update
        elif folded:
            for p, g in opt.params:
                p -= g  # θ ← θ − g, with g = η ∂L/∂θ
            opt.count_step()
        else:
            opt.step()
        self.dw_factor = None if fused else (opt.lr if folded else 1.0)
        return StepResult(cost / n, correct)

    def finish(self) -> None:
        """Divide a folded η out of dW and db, so they hold ∂L/∂θ of the last batch that wrote
        them (a run ends on an epoch's last batch, which always does)."""
        if self.dw_factor not in (None, 1.0):
            for _, g in self.optimizer.params:
                g /= g.dtype.type(self.dw_factor)
        self.dw_factor = 1.0

    def forward(self, idx, scale: float) -> tuple[float, int]:
        """The forward pass and the output gradient (scaled by `scale`) for the samples idx,
        from Python: (cost sum, correct)."""
        k, dense = self.k, self.dense
        n = len(idx)
        x = self.x[:n]
        k.gather(self.X, idx, self.mean, self.scale, x)
        self.inputs, a = [], x
        for i, layer in enumerate(dense):
            z = self.z[i][:n]
            np.matmul(a, layer.W.T, out=z)
            if i + 1 < len(dense):
                k.bias_relu(z, layer.b)
            else:
                k.bias_add(z, layer.b)
            self.inputs.append(a)
            a = z
        cost, correct = k.softmax_xent(a, self.labels, idx, a.dtype.type(scale), dense[-1].db)
        self.grad = a
        return cost, correct

    def backward(self, fused: bool = False) -> None:
        """Back-propagate the output gradient of `forward` into every dW and db, from Python;
        fused (δ carries η): update each W and b instead, W ← W − Gᵀ A in one sgemm call."""
        k, dense, inputs = self.k, self.dense, self.inputs
        g = self.grad
        for i in range(len(dense) - 1, -1, -1):
            layer = dense[i]
            if i:
                dx = self.dx[i][: len(g)]
                np.matmul(g, layer.W, out=dx)  # with W before its update
            if fused:
                blas.update_weights(self.gemm, layer.W, g, inputs[i])
            else:
                np.matmul(g.T, inputs[i], out=layer.dW)
            if i:
                below = dense[i - 1]
                k.relu_backward(dx, inputs[i], below.db, below.b, fused)
                g = dx
        if fused:
            dense[-1].b -= dense[-1].db


def _same(now: tuple, then: tuple) -> bool:
    """Whether two tuples hold the very same objects, position by position."""
    return all(map(operator.is_, now, then))


def _compact(a: np.ndarray, dtype=np.float32) -> bool:
    return a.dtype == dtype and a.flags.c_contiguous


def compile_step(net: Network, loss: Loss, optimizer: Optimizer, X, targets: Targets, *,
                 batch_size: int, watched: bool = False) -> CompiledStep | None:  # fmt: skip
    """A CompiledStep for this network, loss and data, or None if it does not apply
    (GLASSNET_FAST=0, another architecture or loss, weights that are views, float64 without the
    C extension or NumPy's dgemm). Without the C extension (or with GLASSNET_KERNELS=0) a
    float32 step runs its NumPy kernels from Python."""
    if os.environ.get(FAST_ENV, "1").strip().lower() in OFF:
        return None
    dtype = net.dtype
    if dtype not in (np.float32, np.float64):
        return None
    kinds = network_kinds(net, loss, targets)
    if kinds is False:
        return None
    labels = targets.labels
    if not (isinstance(X, np.ndarray) and X.flags.c_contiguous and X.dtype in GATHERED):
        return None
    softmax = kinds is None or kinds[0] == SOFTMAX_XENT
    if softmax and (labels is None or labels.dtype.kind not in "ui"):
        return None
    if not all(_compact(a, dtype) for p, g in net.parameters() for a in (p, g)):
        return None  # weights set by hand as views (W = A.T, say): the reference step
    k = kernels()
    given = (net, optimizer, X, targets, batch_size, watched)
    in_c_only = kinds is not None or dtype == np.float64
    if k is None and in_c_only:
        return None  # the NumPy-only route covers float32 (Dense ReLU)* Dense, cross-entropy
    if k is None:  # the NumPy-only route: NumPy kernels, W ← W − Gᵀ A through ctypes
        return CompiledStep(*given, numpy_kernels, None, gemm=blas.sgemm_function())
    sgemm = blas.gemms(dtype)
    if in_c_only and sgemm is None:
        return None  # the other networks' step, and float64's, run in C only
    k.team_config(team_policy(), cores.usable_cores())
    return CompiledStep(*given, k, sgemm, blas.threads(), kinds=kinds)


def network_kinds(net: Network, loss: Loss, targets: Targets):
    """What the C step needs to know of a network beyond its Dense layers: None for the
    original (Dense ReLU)* Dense [Softmax] with cross-entropy, False when the compiled step
    does not cover it, else (head, factor, targets, activations) for make_plan:
    * hidden layers: Dense followed by ReLU, LeakyReLU, Sigmoid, Tanh or Identity;
    * the cost: cross-entropy (a final Softmax or none), binary cross-entropy on a final
      Sigmoid, or the squared-error family on a final activation of the hidden kinds (or none).
    """
    layers = list(net.layers)
    if layers and isinstance(layers[0], Standardize):
        layers = layers[1:]
    if layers and isinstance(layers[-1], Softmax) and isinstance(loss, CrossEntropy):
        layers = layers[:-1]
    if layers and isinstance(layers[-1], Dense):
        layers.append(Identity())  # the output layer's own activation: none
    pairs = list(zip(layers[::2], layers[1::2], strict=False))
    if 2 * len(pairs) != len(layers) or not pairs:
        return False
    if not all(type(d) is Dense and type(a) in ACTIVATIONS for d, a in pairs):
        return False
    acts = tuple((ACTIVATIONS[type(a)], float(getattr(a, "alpha", 0.0))) for _, a in pairs)
    hidden, out = acts[:-1], acts[-1]
    if isinstance(loss, CrossEntropy):
        relu = all(kind == ACTIVATIONS[ReLU] for kind, _ in hidden)
        if out[0] != ACTIVATIONS[Identity]:
            return False
        return None if relu else (SOFTMAX_XENT, 1.0, None, acts)
    values = targets.values
    if not (isinstance(values, np.ndarray) and _compact(values, net.dtype) and values.ndim == 2):
        return False
    if isinstance(loss, BinaryCrossEntropy):
        if out[0] != ACTIVATIONS[Sigmoid]:
            return False
        return (SIGMOID_BCE, 1.0, values, (*hidden, (ACTIVATIONS[Identity], 0.0)))
    if isinstance(loss, SquaredError):
        return (SQUARED, loss.factor, values, acts)
    if isinstance(loss, MSE):
        return (SQUARED, 1.0 / net.n_out, values, acts)
    return False
