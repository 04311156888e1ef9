"""The compiled training step: the same numbers as the layer-by-layer step, in fewer passes.

`Network.loss_and_backward` walks the layers one Python call at a time, each a NumPy pass or
two: clear, and what `glassnet explain` shows. For the networks practitioners train (float32,
[Standardize], Dense–ReLU blocks, a Dense output, softmax cross-entropy) `FastStep` does the
same step with the matrix multiplications left to NumPy's BLAS and everything between them in
one C kernel each (`_ckernels.c`). For plain SGD, when nobody watches the gradients batch by
batch (no callback), each weight update is folded into its ∂L/∂W multiplication (`_blas`):
W ← W − Gᵀ A in one GEMM. Adam on float32 runs as one fused kernel per parameter.

The C kernels are an optional extension, built when glassnet is installed where a C compiler
is at hand. Without them, with GLASSNET_KERNELS=0 in the environment, for float64 networks or
for any other architecture, training takes the layer-by-layer path. Both paths give the same
numbers to float32 rounding (tests/test_fastpath.py).
"""

from __future__ import annotations

import functools
import math
import os

import numpy as np

from ._blas import address
from .errors import ValidationError
from .layers import Dense, ReLU, Softmax, Standardize
from .losses import CrossEntropy
from .optimizers import Adam

KERNELS_ENV = "GLASSNET_KERNELS"
GATHERED = (np.uint8, np.float32, np.float64)  # input dtypes the batch-gathering kernel reads


@functools.cache
def kernels():
    """The C kernels module, or None (not built, or GLASSNET_KERNELS=0)."""
    if os.environ.get(KERNELS_ENV, "1").strip().lower() in ("0", "off", "false", "no"):
        return None
    try:
        from . import _ckernels
    except ImportError:
        return None
    return _ckernels


def adam_update(optimizer: Adam, p: np.ndarray, g: np.ndarray, state: dict) -> bool:
    """Adam's update as one fused kernel for float32 arrays; False if it does not apply."""
    if p.dtype != np.float32 or g.dtype != np.float32:
        return False  # float64 (worked examples, gradcheck) stays exact NumPy
    if not (p.flags.c_contiguous and g.flags.c_contiguous):
        return False
    k = kernels()
    if k is None:
        return False
    beta1, beta2 = optimizer.betas
    t, lr, f = optimizer.t, optimizer.lr, np.float32
    decay, l2 = 1.0, optimizer.weight_decay
    if optimizer.decoupled:
        decay, l2 = 1 - lr * optimizer.weight_decay, 0.0
    step, denom_scale = lr / (1 - beta1**t), 1 / math.sqrt(1 - beta2**t)
    k.adam(p.reshape(-1), g.reshape(-1), state["m"].reshape(-1), state["v"].reshape(-1),
           f(beta1), f(beta2), f(1 - beta1), f(1 - beta2), f(step), f(denom_scale),
           f(optimizer.eps), f(decay), f(l2))
    return True


class FastStep:
    """One training step of a float32 [Standardize] (Dense ReLU)* Dense [Softmax] network with
    softmax cross-entropy, on reusable buffers. Fills each Dense layer's dW and db exactly as
    the layer-by-layer step does (η·∂L/∂W for plain SGD), except in fused steps, where the
    update happens inside the ∂L/∂W multiplication and dW is not written."""

    def __init__(self, trainer, k, sgemm_update):
        net = trainer.net
        self.k = k
        self.dense = net.dense_layers
        self.optimizer = trainer.optimizer
        self.X = trainer.X.view(np.ndarray)
        self.labels = np.ascontiguousarray(trainer.targets.labels, dtype=np.int64)
        self.update = sgemm_update if trainer.callback is None else None
        first = net.layers[0]
        n_in, dtype = self.dense[0].n_in, net.dtype
        if isinstance(first, Standardize):
            self.mean = np.ascontiguousarray(np.broadcast_to(first.mean, (n_in,)))
            self.scale = np.ascontiguousarray(np.broadcast_to(first.scale, (n_in,)))
        else:
            self.mean, self.scale = np.zeros(n_in, dtype), np.ones(n_in, dtype)
        rows = trainer.batch_size
        self.x = np.empty((rows, n_in), dtype)
        self.z = [np.empty((rows, d.n_out), dtype) for d in self.dense]
        self.dx = [np.empty((rows, d.n_in), dtype) for d in self.dense[1:]]
        # Addresses for the fused update of layer i: its output gradient G and its input A.
        self._g_address = [address(b) for b in self.dx] + [address(self.z[-1])]
        self._a_address = [address(self.x)] + [address(b) for b in self.z[:-1]]
        self._W, self._W_address = [None] * len(self.dense), [0] * len(self.dense)

    def fuses(self, last_batch: bool) -> bool:
        """Whether this step updates W inside the GEMM: plain SGD, no callback, and not the
        epoch's last batch (which writes dW, so the layers end each epoch holding a gradient)."""
        return self.update is not None and self.optimizer.prescalable and not last_batch

    def _update_weights(self, i: int, g: np.ndarray) -> None:
        """W ← W − Gᵀ A for Dense layer i, in one GEMM (G already carries η/n)."""
        W = self.dense[i].W
        if self._W[i] is not W:  # the layer's array was replaced: look its address up again
            if not (W.flags.c_contiguous and W.dtype == np.float32):
                raise ValidationError(
                    f"Dense layer {i} weights must stay a C-contiguous float32 array"
                )
            self._W[i], self._W_address[i] = W, address(W)
        n_out, n_in = W.shape
        self.update(n_out, n_in, len(g), self._W_address[i], self._g_address[i],
                    self._a_address[i])

    def forward(self, idx) -> tuple[float, int]:
        """The forward pass and the output gradient for the samples idx: (mean cost, correct)."""
        k, dense, opt = self.k, self.dense, self.optimizer
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
        scale = a.dtype.type(opt.lr / n if opt.prescalable else 1.0 / n)
        cost, correct = k.softmax_xent(a, self.labels, idx, scale, dense[-1].db)
        self.grad = a
        return cost / n, correct

    def backward_and_update(self, last_batch: bool) -> None:
        """Back-propagate the output gradient of `forward` and update the parameters."""
        k, dense, opt, inputs = self.k, self.dense, self.optimizer, self.inputs
        fused = self.fuses(last_batch)
        g = self.grad
        for i in range(len(dense) - 1, -1, -1):
            layer = dense[i]
            if i:
                dx = self.dx[i - 1][: len(g)]
                np.matmul(g, layer.W, out=dx)  # with W before its update
            if fused:
                self._update_weights(i, g)
                if i == len(dense) - 1:
                    np.subtract(layer.b, layer.db, out=layer.b)
            else:
                np.matmul(g.T, inputs[i], out=layer.dW)
            if i:
                below = dense[i - 1]
                k.relu_backward(dx, inputs[i], below.db, below.b, fused)
                g = dx
        if fused:
            opt.t += 1
        elif opt.prescalable:
            opt.step_prescaled()
        else:
            opt.step()


def plan(trainer) -> FastStep | None:
    """A FastStep for this trainer's network, loss and data, or None if it does not apply."""
    net = trainer.net
    if net.dtype != np.float32 or not isinstance(trainer.loss, CrossEntropy):
        return None
    layers = list(net.layers)
    if layers and isinstance(layers[0], Standardize):
        layers = layers[1:]
    if layers and isinstance(layers[-1], Softmax):
        layers = layers[:-1]
    pattern = [Dense, ReLU] * (len(layers) // 2) + [Dense]
    if len(layers) != len(pattern):
        return None
    if any(type(layer) is not kind for layer, kind in zip(layers, pattern, strict=True)):
        return None
    X, labels = trainer.X, trainer.targets.labels
    if not (isinstance(X, np.ndarray) and X.flags.c_contiguous and X.dtype in GATHERED):
        return None
    if labels is None or labels.dtype.kind not in "ui":
        return None
    k = kernels()
    if k is None:
        return None
    from ._blas import sgemm_update_fn

    return FastStep(trainer, k, sgemm_update_fn())
