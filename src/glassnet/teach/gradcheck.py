"""Gradient checking: backpropagation's gradients against central differences, in float64.

For each parameter θ the numeric gradient is the fourth-order central difference

    ∂L/∂θ ≈ [8(L(θ + ε) − L(θ − ε)) − (L(θ + 2ε) − L(θ − 2ε))] / 12ε     (error O(ε⁴))

with ε = 1e-3, and the relative error is |analytic − numeric| / max(|analytic| + |numeric|,
floor). Below 1e-6 the two agree. The floor is FLOOR = 1e-8, or 1e-4 of the largest |∂L/∂θ|
of the same parameter array when that is larger: it keeps an entry that is zero on both sides
(at an exact minimum, say), or 10⁴ times smaller than its neighbours, from comparing the
rounding noise of the difference quotient (about 1e-16 · |L| / ε) with its own tiny size.
The two-point form (L(θ + ε) − L(θ − ε)) / 2ε (order=2) has
error O(ε²) plus rounding of about 1e-16/ε, about 1e-10 at best: too coarse to check gradients
of 1e-6 to a relative 1e-6, which deep networks have.

Two things make a correct gradient look wrong, and the check handles both:

* a kink. ReLU and leaky ReLU have none of a derivative at 0; when a step of ±2ε moves any of
  their inputs across 0, the difference quotient measures two different slopes. Every entry
  whose stencil crosses a kink is found exactly (the signs of those inputs are compared at each
  point of the stencil), retried with smaller steps, and if it still crosses one it is reported
  apart (`at_kinks`): it does not fail the verdict (`ok`), though it keeps `passed` False.
* a poor step. Too large a step meets curvature, too small a step meets rounding. An entry
  that disagrees at ε is retried at ε/10, ε/100 and 10ε; the step that agrees best is kept
  (`steps` counts them). A wrong backward pass disagrees at every step.
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
SCALE_FLOOR = 1e-4  # an entry is also measured against 1e-4 · the largest |∂L/∂θ| of its array
RETRY_STEPS = (0.1, 0.01, 10.0)  # multiples of ε tried for an entry that disagrees at ε


@dataclass
class ParamCheck:
    """One parameter array of one layer: analytic and numeric gradients, where checked."""

    layer: int
    layer_name: str
    param: str
    analytic: np.ndarray
    numeric: np.ndarray
    checked: np.ndarray  # flat indices that were checked
    kink: np.ndarray | None = None  # per checked entry: its stencil crosses a ReLU kink
    step: np.ndarray | None = None  # per checked entry: the ε its numeric value used

    def __post_init__(self):
        if self.kink is None:
            self.kink = np.zeros(len(self.checked), dtype=bool)

    @property
    def floor(self) -> float:
        return scale_floor(self.analytic)

    @property
    def rel_errors(self) -> np.ndarray:
        a = self.analytic.ravel()[self.checked]
        n = self.numeric.ravel()[self.checked]
        return relative_error(a, n, self.floor)

    @property
    def worst(self) -> float:
        """The largest relative error among the entries away from kinks."""
        errors = self.rel_errors[~self.kink]
        return float(errors.max()) if errors.size else 0.0

    @property
    def worst_at_kinks(self) -> float:
        errors = self.rel_errors[self.kink]
        return float(errors.max()) if errors.size else 0.0


def relative_error(a, n, floor: float = FLOOR):
    """|a − n| / max(|a| + |n|, floor), entry by entry."""
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)


def scale_floor(analytic) -> float:
    """max(FLOOR, SCALE_FLOOR · max |∂L/∂θ|) over one parameter array: an entry 10⁴ times
    smaller than the largest of its array is compared at the accuracy a difference quotient of
    the cost can reach (rounding of about 1e-16 · |L| / ε), not against its own tiny size."""
    return max(FLOOR, SCALE_FLOOR * float(np.max(np.abs(analytic), initial=0.0)))


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
        """The largest relative error among the entries away from kinks (the verdict's)."""
        return max((c.worst for c in self.checks), default=0.0)

    @property
    def at_kinks(self) -> int:
        """How many checked entries have a stencil that crosses a ReLU kink."""
        return sum(int(c.kink.sum()) for c in self.checks)

    @property
    def ok(self) -> bool:
        """The verdict: every entry away from a kink agrees (kinks are reported apart)."""
        return self.worst < self.threshold

    @property
    def passed(self) -> bool:
        """Every checked entry agrees, those at a kink included (stricter than `ok`)."""
        kinks = max((c.worst_at_kinks for c in self.checks), default=0.0)
        return self.ok and kinks < self.threshold

    def steps(self) -> dict[float, int]:
        """ε → how many entries' numeric gradients used it."""
        used = np.concatenate([c.step for c in self.checks if c.step is not None] or [[]])
        values, counts = np.unique(used, return_counts=True)
        return {float(v): int(k) for v, k in zip(values, counts, strict=True)}

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
        verdict = "PASS" if self.ok else "FAIL"
        kinks = ""
        if self.at_kinks and self.at_kinks == sum(len(c.checked) for c in self.checks):
            verdict = "PASS (no entry away from a kink to compare: no evidence of a bug)"
        if self.at_kinks:
            kinks = f"; {self.at_kinks} entries at a ReLU kink reported apart"
        lines.append(
            f"worst relative error {self.worst:.3e} (threshold {self.threshold:g}{kinks}): "
            f"{verdict}"
        )
        steps = self.steps()
        if len(steps) > 1:
            shown = ", ".join(f"ε = {eps:g}: {n}" for eps, n in sorted(steps.items()))
            lines.append(f"step sizes used (entries): {shown}")
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
    kink = np.zeros(len(checked), dtype=bool)
    step = np.full(len(checked), eps)
    base, floor = _kink_signs(net, X), scale_floor(analytic)
    for j, k in enumerate(checked):
        difference = _Difference(net, loss, X, target, flat, k, order, base, floor)
        numeric_flat[k], kink[j], step[j] = difference.best(analytic.ravel()[k], eps)
    return ParamCheck(i, repr(layer), name, analytic, numeric, checked, kink, step)


def _kink_signs(net, X) -> np.ndarray:
    """The sign of every ReLU/leaky-ReLU input after a forward pass of X."""
    net.forward_checked(X)
    return _signs(net)


@dataclass
class _Difference:
    """The central difference of one entry θ_k, at any step, knowing whether its stencil
    crossed a kink (a ReLU input changed sign between the points of the stencil)."""

    net: Network
    loss: object
    X: np.ndarray
    target: np.ndarray
    flat: np.ndarray
    k: int
    order: int
    base: np.ndarray  # the kink signs at θ
    floor: float  # of relative_error, for this parameter array

    def best(self, analytic: float, eps: float) -> tuple[float, bool, float]:
        """(numeric value, crossed a kink, step): ε first; an entry that disagrees (or
        crosses a kink) is retried at RETRY_STEPS · ε, and the best kink-free try is kept."""
        value, kink = self.at(eps)
        if not kink and relative_error(analytic, value, self.floor) < THRESHOLD:
            return value, False, eps
        tries = [(value, kink, eps)] + [(*self.at(eps * m), eps * m) for m in RETRY_STEPS]
        smooth = [t for t in tries if not t[1]]
        if not smooth:
            return value, True, eps
        return min(smooth, key=lambda t: relative_error(analytic, t[0], self.floor))

    def at(self, eps: float) -> tuple[float, bool]:
        original = self.flat[self.k]
        crossed = False

        def cost_at(step: float) -> float:
            nonlocal crossed
            self.flat[self.k] = original + step
            out = self.net.forward_checked(self.X)  # a forward pass is all a cost needs
            crossed = crossed or bool(np.any(_signs(self.net) != self.base))
            return self.net.cost(self.loss, out, self.target)

        try:
            near = cost_at(eps) - cost_at(-eps)
            if self.order == 2:
                return near / (2 * eps), crossed
            far = cost_at(2 * eps) - cost_at(-2 * eps)
            return (8 * near - far) / (12 * eps), crossed
        finally:
            self.flat[self.k] = original


def _signs(net) -> np.ndarray:
    """The signs of the kinked activations' inputs of the last forward pass."""
    inputs = [layer.x.ravel() > 0 for layer in net.layers if isinstance(layer, (ReLU, LeakyReLU))]
    return np.concatenate(inputs) if inputs else np.zeros(0, dtype=bool)


def _diagnose(original, net, loss, X, target, result, max_checks, seed) -> list[str]:
    """Plain-words explanations of the known false alarms."""
    notes = []
    if original.dtype != np.float64:
        notes.append(
            f"the network is {original.dtype.name}; the check ran on a float64 copy, because "
            "float32 differences (about 1e-7 relative) would swamp the comparison"
        )
    if result.at_kinks or not result.ok:
        notes += _kink_notes(net, X, result)
    retried = sum(n for eps, n in result.steps().items() if eps != result.eps)
    if retried:
        notes.append(
            f"{retried} entries disagreed at ε = {result.eps:g} and agree at another step: "
            "ε was a poor step size for them (too large a step meets curvature, too small a "
            "step meets rounding error)"
        )
    if not result.ok:
        notes.append(
            "no known false alarm explains the mismatch at any step tried: a layer's backward "
            "pass is likely wrong"
        )
    return notes


def _kink_notes(net, X, result) -> list[str]:
    notes = []
    net.forward_checked(X)
    reach = result.order // 2
    for i, layer in enumerate(net.layers):
        if isinstance(layer, (ReLU, LeakyReLU)):
            near = np.abs(layer.x) < reach * result.eps
            if np.any(near):
                notes.append(
                    f"layer {i} {layer!r} has {int(near.sum())} input(s) within {reach}ε of 0, "
                    "where the function has a kink: a step of that size crosses it, so the "
                    "numeric gradient there is meaningless (a false alarm, not a bug)"
                )
    if result.at_kinks:
        notes.append(
            f"{result.at_kinks} entries cross a kink even at ε/100: they are reported apart "
            "and do not fail the check"
        )
    return notes
