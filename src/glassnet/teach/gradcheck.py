"""Gradient checking: backpropagation's gradients against central differences, in float64.

For each parameter θ the numeric gradient is the fourth-order central difference

    ∂L/∂θ ≈ [8(L(θ + ε) − L(θ − ε)) − (L(θ + 2ε) − L(θ − 2ε))] / 12ε     (error O(ε⁴))

with ε = 1e-3, and the relative error is |analytic − numeric| / max(|analytic| + |numeric|,
FLOOR). Below 1e-6 the two agree. FLOOR = 1e-8 keeps an entry that is zero on both sides (at
an exact minimum, say) from comparing rounding noise of 1e-17 with 0: there the difference is
measured against 1e-8. The two-point form (L(θ + ε) − L(θ − ε)) / 2ε (order=2) has
error O(ε²) plus rounding of about 1e-16/ε, about 1e-10 at best: too coarse to check gradients
of 1e-6 to a relative 1e-6, which deep networks have.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from glassnet.errors import ValidationError
from glassnet.nn import losses as _losses
from glassnet.nn.layers import Dense, LeakyReLU, ReLU
from glassnet.nn.network import Network, default_loss

THRESHOLD = 1e-6
FLOOR = 1e-8


@dataclass
class ParamCheck:
    """One parameter array of one layer: analytic and numeric gradients, where checked."""

    layer: int
    layer_name: str
    param: str
    analytic: np.ndarray
    numeric: np.ndarray
    checked: np.ndarray  # flat indices that were checked

    @property
    def rel_errors(self) -> np.ndarray:
        a = self.analytic.ravel()[self.checked]
        n = self.numeric.ravel()[self.checked]
        return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), FLOOR)

    @property
    def worst(self) -> float:
        errors = self.rel_errors
        return float(errors.max()) if errors.size else 0.0


@dataclass
class GradcheckResult:
    """The check of every parameter; `worst` is the largest relative error anywhere."""

    checks: list[ParamCheck]
    eps: float
    threshold: float = THRESHOLD
    diagnoses: list[str] = field(default_factory=list)
    order: int = 4

    @property
    def worst(self) -> float:
        return max((c.worst for c in self.checks), default=0.0)

    @property
    def passed(self) -> bool:
        return self.worst < self.threshold

    def per_layer(self) -> dict[int, float]:
        """Layer index → worst relative error over that layer's parameters."""
        worst: dict[int, float] = {}
        for c in self.checks:
            worst[c.layer] = max(worst.get(c.layer, 0.0), c.worst)
        return worst

    def __str__(self) -> str:
        lines = [f"{'layer':<18} {'param':<6} {'checked':>8} {'worst rel. error':>17}"]
        for c in self.checks:
            name = f"{c.layer} {c.layer_name}"
            lines.append(f"{name:<18} {c.param:<6} {len(c.checked):>8} {c.worst:>17.3e}")
        verdict = "PASS" if self.passed else "FAIL"
        lines.append(
            f"worst relative error {self.worst:.3e} (threshold {self.threshold:g}): {verdict}"
        )
        lines.extend(f"note: {d}" for d in self.diagnoses)
        return "\n".join(lines)


def float64_copy(net: Network) -> Network:
    """The same network with every parameter and buffer in float64 (the input is untouched)."""
    return net.copy(dtype="float64")


def gradcheck(
    net: Network,
    X,
    y,
    loss=None,
    eps: float | None = None,
    max_checks: int | None = 200,
    seed: int = 0,
    threshold: float = THRESHOLD,
    order: int = 4,
) -> GradcheckResult:
    """Check ∂L/∂θ of every Dense parameter of `net` on (X, y) against central differences.

    The check runs on a float64 copy (the network itself is not changed). At most `max_checks`
    entries of each parameter array are checked (chosen with `seed`; None checks all).
    order is 4 (five-point stencil, default ε = 1e-3) or 2 (two-point, default ε = 1e-6).
    The result lists the worst relative error per layer and diagnoses known false alarms.
    """
    if order not in (2, 4):
        raise ValidationError(f"order must be 2 or 4, got {order!r}")
    eps = eps if eps is not None else (1e-3 if order == 4 else 1e-6)
    from glassnet.train.targets import prepare_targets

    work = float64_copy(net)
    X = work.check_input(X)
    loss = _losses.get(loss or default_loss(work, y))
    target = prepare_targets(work, loss, y).values
    result = _run(work, loss, X, target, eps, max_checks, seed, threshold, order)
    result.diagnoses = _diagnose(net, work, loss, X, target, result, max_checks, seed)
    return result


def _run(net, loss, X, target, eps, max_checks, seed, threshold, order=4) -> GradcheckResult:
    rng = np.random.default_rng(seed)
    checks = [
        _check_param(net, loss, X, target, i, name, eps, max_checks, rng, order)
        for i, layer in enumerate(net.layers)
        if isinstance(layer, Dense)
        for name in layer.params
    ]
    return GradcheckResult(checks, eps, threshold, order=order)


def _check_param(net, loss, X, target, i, name, eps, max_checks, rng, order) -> ParamCheck:
    layer = net.layers[i]
    net.loss_and_backward(loss, X, target, training=False)
    analytic = getattr(layer, "d" + name).copy()
    theta = getattr(layer, name)
    flat = theta.reshape(-1)
    if max_checks is None or flat.size <= max_checks:
        checked = np.arange(flat.size)
    else:
        checked = np.sort(rng.choice(flat.size, size=max_checks, replace=False))
    numeric = np.zeros_like(theta)
    numeric_flat = numeric.reshape(-1)
    for k in checked:
        numeric_flat[k] = _central_difference(net, loss, X, target, flat, k, eps, order)
    return ParamCheck(i, repr(layer), name, analytic, numeric, checked)


def _central_difference(net, loss, X, target, flat, k, eps, order) -> float:
    original = flat[k]

    def cost_at(step: float) -> float:
        flat[k] = original + step
        return net.cost(loss, net.forward_checked(X), target)  # a forward pass is all a cost needs

    near = cost_at(eps) - cost_at(-eps)
    if order == 2:
        flat[k] = original
        return near / (2 * eps)
    far = cost_at(2 * eps) - cost_at(-2 * eps)
    flat[k] = original
    return (8 * near - far) / (12 * eps)


def _diagnose(original, net, loss, X, target, result, max_checks, seed) -> list[str]:
    """Plain-words explanations of the known false alarms."""
    notes = []
    if original.dtype != np.float64:
        notes.append(
            f"the network is {original.dtype.name}; the check ran on a float64 copy, because "
            "float32 differences (about 1e-7 relative) would swamp the comparison"
        )
    if result.passed:
        return notes
    net.forward_checked(X)
    for i, layer in enumerate(net.layers):
        if isinstance(layer, (ReLU, LeakyReLU)):
            near = np.abs(layer.x) < result.order // 2 * result.eps
            if np.any(near):
                notes.append(
                    f"layer {i} {layer!r} has {int(near.sum())} input(s) within "
                    f"{result.order // 2}ε of 0, where the function has a kink: a step of that "
                    "size crosses it, so the numeric gradient there is meaningless (a false "
                    "alarm, not a bug)"
                )
    for other in (result.eps * 10, result.eps / 100):
        retry = _run(net, loss, X, target, other, max_checks, seed, result.threshold, result.order)
        if retry.passed:
            notes.append(
                f"with ε = {other:g} the check passes (worst {retry.worst:.1e}): ε = "
                f"{result.eps:g} was a poor step size for this network (too large a step "
                "meets curvature, too small a step meets rounding error)"
            )
            break
    if len(notes) == (1 if original.dtype != np.float64 else 0):
        notes.append(
            "no known false alarm explains the mismatch: a layer's backward pass is likely wrong"
        )
    return notes
