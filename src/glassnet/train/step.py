"""One training step, and the seam where a faster implementation plugs in.

A step takes the indices of a batch, runs the forward pass, checks the cost, back-propagates
and updates the parameters. Two implementations are siblings behind the `Step` protocol, chosen
in one place (`Trainer`), the way PyTorch's `sgd()` picks `_single_tensor_sgd` or `_fused_sgd`:

    step = fast.compile_step(...) or ReferenceStep(...)

`ReferenceStep` is the documents' step, layer by layer: ŷ = f(x), δ = ∂L/∂ŷ, the reverse walk
`for layer in reversed(layers): g = layer.backward(g)`, then the optimizer's rule θ ← θ − η g
(or Adam's). `glassnet.fast` holds the compiled one. Both give the same numbers to rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from glassnet.nn.losses import Loss
from glassnet.nn.network import Network
from glassnet.nn.optimizers import Optimizer
from glassnet.train.targets import Targets, count_correct


@dataclass(frozen=True)
class StepResult:
    """What a step reports: the batch's mean cost (not finite: nothing was updated) and how
    many of its samples were classified right (0 when nobody counts)."""

    cost: float
    correct: int


class Step(Protocol):
    """A training step over the rows `idx` of the training data; `last` marks an epoch's last
    batch (after it the layers must hold its ∂L/∂θ, as after net.backward)."""

    def __call__(self, idx: np.ndarray, last: bool = False) -> StepResult: ...

    def finish(self) -> None:
        """Leave ∂L/∂θ of the last batch in every Dense layer's dW and db, as after
        net.backward (a step that updates inside its kernels may not have written them)."""
        ...


# Compilers of faster steps: each returns a Step for (net, loss, optimizer, X, targets,
# batch_size=, watched=) or None where it does not apply. glassnet.fast registers its own
# when glassnet is imported; train never imports it.
StepCompiler = Callable[..., "Step | None"]
STEP_COMPILERS: list[StepCompiler] = []


def register_compiler(compiler: StepCompiler) -> StepCompiler:
    """Offer `compiler` to every Trainer from now on (first registered, first asked)."""
    if compiler not in STEP_COMPILERS:
        STEP_COMPILERS.append(compiler)
    return compiler


class ReferenceStep:
    """The step as the documents write it: forward, cost, backward, optimizer.step()."""

    def __init__(self, net: Network, loss: Loss, optimizer: Optimizer, X: np.ndarray,
                 targets: Targets, count: bool = True):  # fmt: skip
        self.net, self.loss, self.optimizer = net, loss, optimizer
        self.X, self.targets = X, targets
        self.count = count and targets.labels is not None

    def __call__(self, idx: np.ndarray, last: bool = False) -> StepResult:
        weights = self.targets.weights
        cost, y_hat = self.net.loss_and_backward(
            self.loss, self.X[idx], self.targets.values[idx], training=True,
            weights=None if weights is None else weights[idx],
        )  # fmt: skip
        if not np.isfinite(cost):
            return StepResult(cost, 0)  # nothing updated: the trainer reports the divergence
        self.optimizer.step()
        labels = self.targets.labels
        correct = count_correct(y_hat, labels[idx]) if self.count and labels is not None else 0
        return StepResult(cost, correct)

    def finish(self) -> None:
        """Nothing to do: backward left ∂L/∂θ in every layer."""
