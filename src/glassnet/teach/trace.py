"""Trace one sample: every value, local Jacobian, gradient and update, in the documents' order.

    from glassnet.teach import render, trace
    tr = trace(net, x, y, loss="squared_error", lr=1.0)
    print(render(tr))                       # aligned matrices for a terminal
    render(tr, fmt="markdown")              # tables and code blocks for a handout
    render(tr, fmt="latex")                 # bmatrix, for a LaTeX handout

For one sample x (n_in,) and its target y the trace holds

    the forward pass     each Dense layer's z = W a + b and each activation's a = f(z)
    the cost             L(ŷ, y) for that one sample
    local Jacobians      ∂L/∂ŷ, ∂ŷ/∂z = diag(σ′(z)), ∂z/∂a = W, diag(R′(z)), …, and for each
                         Dense layer ∂z/∂w = X = I ⊗ [a; 1]ᵀ, where w is [W | b] with its rows
                         stacked into one vector (the documents' vectorised W)
    chain products       ∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂z · … · ∂z/∂w, reshaped to [∇W | ∇b]; δ = ∂L/∂z
    an update            p ← p − η ∇p and the cost after it (when lr is given)
    a check              the gradient by the chain product, by backpropagation (net.backward)
                         and by central differences (glassnet.gradcheck), with relative errors

Everything is computed on a float64 copy of the network; the network itself is not changed.
The local Jacobians and chain products are computed in glassnet.teach.chain, the symbols come
from glassnet.teach.notation.

Two presentations of the bias follow the documents:
* form="extra-one" is the "extra 1" form: x̃ = [x; 1], z₁ = [W⁽¹⁾x̃; 1], x₂ = R(z₁), z₂ = W⁽²⁾x₂,
  where each W⁽ʲ⁾ is the augmented [W | b]. It is the same network when every hidden activation
  has f(1) = 1 (ReLU, leaky ReLU, identity).
* a bias sign of −1 in the notation shows a layer as z = W a − b (the 1-1-1 document writes
  y₂ = w₁y₁ − b₁): glassnet stores b = −b₁, and the trace prints b₁ and ∂L/∂b₁ = −∂L/∂b.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from glassnet.errors import ValidationError
from glassnet.nn import losses as _losses
from glassnet.nn.layers import Dense, Identity, LeakyReLU, ReLU
from glassnet.teach.chain import (
    Factor,
    LayerGradient,
    backward_factors,
    carries_one,
    layer_gradient,
)
from glassnet.teach.gradcheck import float64_copy, gradcheck
from glassnet.teach.notation import loss_formulas, resolve_notation

__all__ = ["FORMS", "Factor", "LayerGradient", "Quantity", "Trace", "relative_error", "trace"]

FORMS = ("plain", "extra-one")


@dataclass
class Quantity:
    """One value of the forward pass: symbol = formula = value."""

    symbol: str
    formula: str
    value: np.ndarray  # 1-D


@dataclass
class Trace:
    """Everything one forward and backward pass computes for one sample."""

    network: str
    loss: str
    form: str
    x: np.ndarray
    target: np.ndarray
    target_symbol: str
    forward: list[Quantity]
    cost_symbol: str
    cost_formula: str
    cost: float
    factors: list[Factor]  # every distinct local Jacobian, output to input, then each ∂z/∂w
    layers: list[LayerGradient]  # the Dense layers, last first (the order backpropagation goes)
    errors: dict[str, float]  # "chain vs backprop", "backprop vs numeric", "chain vs numeric"
    eps: float
    lr: float | None = None
    new_cost: float | None = None
    title: str = ""
    notes: list[str] = field(default_factory=list)

    def value(self, symbol: str) -> np.ndarray:
        """The forward value called `symbol` (e.g. "z⁽¹⁾")."""
        for q in self.forward:
            if q.symbol == symbol:
                return q.value
        raise KeyError(f"no forward value {symbol!r}; have {[q.symbol for q in self.forward]}")

    def factor(self, num: str, den: str) -> Factor:
        for f in self.factors:
            if (f.num, f.den) == (num, den):
                return f
        raise KeyError(f"no factor ∂{num}/∂{den}")

    @property
    def worst(self) -> float:
        return max(self.errors.values())

    @property
    def passed(self) -> bool:
        return self.worst < 1e-6


def trace(
    net,
    x,
    y,
    loss="squared_error",
    lr: float | None = None,
    *,
    form: str = "plain",
    notation: dict | None = None,
    max_checks: int | None = 200,
    title: str = "",
) -> Trace:
    """The forward pass, the chain of local Jacobians, the gradients, one update and a check,
    for ONE sample x (n_in,) with target y, on a float64 copy of `net`.

    loss: a name from glassnet.losses (default "squared_error", the documents' cost).
    lr: when given, the update p ← p − lr·∇p of every W and b, and the cost after it.
    form: "plain" (z = W a + b) or "extra-one" (the documents' [x; 1] form, see the module doc).
    notation: symbols to print instead of the defaults (see default_notation).
    max_checks: at most this many entries of each W and b are checked by central differences.
    """
    if form not in FORMS:
        raise ValidationError(f"unknown form {form!r}; valid forms: {', '.join(FORMS)}")
    work = float64_copy(net)
    loss = _losses.get(loss)
    x, target, t_raw = _sample(work, loss, x, y)
    if form == "extra-one":
        _check_extra_one(work)
    names = resolve_notation(work, form, notation)
    cost = _cost(work, loss, x, target)
    forward = _forward_quantities(work, x, names, form)
    factors, upstream = backward_factors(work, loss, x, target, names, form)
    work.loss_and_backward(loss, x[None], target, training=False)
    checks = gradcheck(work, x[None], t_raw, loss, max_checks=max_checks)
    numeric = {(c.layer, c.param): c.numeric for c in checks.checks}
    layers = []
    for i in reversed(range(len(work.layers))):
        if isinstance(work.layers[i], Dense):
            layers.append(layer_gradient(work, i, upstream, names, form, numeric, factors))
    factors = factors + [f for lg in layers for f in lg.chain if not any(f is g for g in factors)]
    cost_formula, _ = loss_formulas(loss, work, names)
    result = Trace(
        network=repr(net),
        loss=loss.name,
        form=form,
        x=x,
        target=np.asarray(target[0]),
        target_symbol=names["target"],
        forward=forward,
        cost_symbol=names["cost"],
        cost_formula=cost_formula,
        cost=cost,
        factors=factors,
        layers=layers,
        errors=_errors(layers, checks),
        eps=checks.eps,
        title=title,
    )
    if lr is not None:
        _update(work, loss, x, target, result, float(lr))
    return result


class SampleError(ValidationError):
    """The sample (its input or its target) does not fit the network or the cost: the command
    line calls that a usage error when the sample came from its options."""


def _sample(net, loss, x, y):
    """x as (n_in,) float64, the prepared target (1, k) or (1,) labels, and y as gradcheck
    takes it; SampleError naming what does not fit."""
    try:
        return _checked_sample(net, loss, x, y)
    except ValidationError as exc:
        raise SampleError(str(exc)) from None


def _checked_sample(net, loss, x, y):
    from glassnet.train.targets import prepare_targets

    x = np.asarray(x, dtype=float).reshape(-1)
    if x.shape != (net.n_in,):
        raise ValidationError(
            f"expected one sample with {net.n_in} input value(s), got {x.size}: give --input "
            f"as {net.n_in} comma-separated numbers"
        )
    net.check_input(x[None])
    y = np.asarray(y)
    if y.ndim == 0:
        y = y[None]
    elif y.ndim == 1 and net.n_out > 1 and len(y) == net.n_out and loss.targets != "labels":
        y = y[None, :]
    target = prepare_targets(net, loss, y, name="target").values
    if len(target) != 1:
        raise ValidationError(
            f"expected one target for one sample, got {np.asarray(y).size} values for a "
            f"network with {net.n_out} output(s)"
        )
    _check_probability_target(loss, target)
    return x, target, y


def _check_probability_target(loss, target) -> None:
    """A binary cross-entropy target is a probability: C = −[y log ŷ + (1 − y) log(1 − ŷ)]
    has no meaning (and can go negative) for y outside [0, 1]."""
    from glassnet.nn.losses import BinaryCrossEntropy

    if isinstance(loss, BinaryCrossEntropy) and np.any((target < 0) | (target > 1)):
        raise ValidationError(
            f"binary_cross_entropy needs a target between 0 and 1 (a probability or a class "
            f"0/1), got {np.ravel(target).tolist()}: give --target 0 or 1, or choose a --loss "
            "such as squared_error"
        )


def _check_extra_one(net) -> None:
    for layer in net.layers[:-1]:
        if not isinstance(layer, (Dense, ReLU, LeakyReLU, Identity)):
            raise ValidationError(
                "the extra-one form appends 1 to each hidden z before the activation, which "
                f"needs f(1) = 1 (ReLU, LeakyReLU, Identity); this network has {layer!r}; "
                "use form='plain'"
            )


def _cost(net, loss, x, target) -> float:
    y_hat = net.forward_checked(x[None])
    last = net.layers[-1]
    if loss.fuses_with is not None and isinstance(last, loss.fuses_with):
        return loss.value_and_grad_logits(last.x, target)[0]
    return loss.value(y_hat, target)


def _forward_quantities(net, x, names, form) -> list[Quantity]:
    net.forward_checked(x[None])
    one = np.ones(1)
    if form == "plain":
        items = [Quantity(names["input"], "" if names["input"] == "x" else "x", x.copy())]
    else:
        items = [Quantity(names["input"], "[x; 1]", np.concatenate([x, one]))]
    for i, layer in enumerate(net.layers):
        value = layer.y[0].copy()
        formula = names["formulas"][i]
        if form == "extra-one" and carries_one(net, i):
            value = np.concatenate([value, one])
            if isinstance(layer, Dense):
                formula = f"[{formula}; 1]"
        items.append(Quantity(names["values"][i], formula, value))
    return items


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are 0: how far apart two gradients are."""
    a, b = np.ravel(a), np.ravel(b)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def _errors(layers: list[LayerGradient], checks) -> dict[str, float]:
    mask = np.concatenate([_checked_mask(lg, checks) for lg in layers])

    def whole(kind):
        return np.concatenate([lg.grad[kind].ravel() for lg in layers])

    chain, backprop, numeric = whole("chain"), whole("backprop"), whole("numeric")
    return {
        "chain vs backprop": relative_error(chain, backprop),
        "backprop vs numeric": relative_error(backprop[mask], numeric[mask]),
        "chain vs numeric": relative_error(chain[mask], numeric[mask]),
    }


def _checked_mask(lg: LayerGradient, checks) -> np.ndarray:
    """Which entries of [∇W | ∇b] central differences checked (all, unless max_checks cut)."""
    n_out, n_in1 = lg.grad["chain"].shape
    mask = np.zeros((n_out, n_in1), dtype=bool)
    for c in checks.checks:
        if c.layer != lg.layer:
            continue
        flat = np.zeros(c.analytic.size, dtype=bool)
        flat[c.checked] = True
        if c.param == "W":
            mask[:, :-1] = flat.reshape(n_out, n_in1 - 1)
        else:
            mask[:, -1] = flat
    return mask.ravel()


def _update(net, loss, x, target, result: Trace, lr: float) -> None:
    for lg in result.layers:
        layer = net.layers[lg.layer]
        g = lg.grad["chain"]
        layer.W = layer.W - lr * g[:, :-1]
        layer.b = layer.b - lr * lg.bias_sign * g[:, -1]
        lg.new_Wb = np.hstack([layer.W, lg.bias_sign * layer.b[:, None]])
    result.lr = lr
    result.new_cost = _cost(net, loss, x, target)
