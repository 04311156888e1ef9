"""Explain one sample: every value, local Jacobian, gradient and update, in the documents' order.

    tr = explain.trace(net, x, y, loss="squared_error", lr=1.0)
    print(explain.render(tr))                       # aligned matrices for a terminal
    explain.render(tr, fmt="markdown")              # tables and code blocks for a handout
    explain.render(tr, fmt="latex")                 # bmatrix, for a LaTeX handout

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

Two presentations of the bias follow the documents:
* form="extra-one" is the "extra 1" form: x̃ = [x; 1], z₁ = [W⁽¹⁾x̃; 1], x₂ = R(z₁), z₂ = W⁽²⁾x₂,
  where each W⁽ʲ⁾ is the augmented [W | b]. It is the same network when every hidden activation
  has f(1) = 1 (ReLU, leaky ReLU, identity).
* a bias sign of −1 in the notation shows a layer as z = W a − b (the 1-1-1 document writes
  y₂ = w₁y₁ − b₁): glassnet stores b = −b₁, and the trace prints b₁ and ∂L/∂b₁ = −∂L/∂b.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from glassnet.errors import ValidationError
from glassnet.nn import losses as _losses
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

FORMS = ("plain", "extra-one")
FORMATS = ("text", "markdown", "latex")
MAX_ROWS, MAX_COLS = 10, 12  # a matrix larger than this is printed with … and ⋮

SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

# ---------------------------------------------------------------- the trace


@dataclass
class Quantity:
    """One value of the forward pass: symbol = formula = value."""

    symbol: str
    formula: str
    value: np.ndarray  # 1-D


@dataclass(eq=False)
class Factor:
    """A local Jacobian ∂num/∂den, a matrix (rows: num's entries, columns: den's)."""

    num: str
    den: str
    formula: str
    value: np.ndarray  # 2-D (or KronX, the Jacobian ∂z/∂w kept implicit)

    @property
    def symbol(self) -> str:
        return f"∂{self.num}/∂{self.den}"


@dataclass
class LayerGradient:
    """The gradient of one Dense layer's parameters, three ways, and its update."""

    layer: int  # index in net.layers
    weight: str  # symbols, e.g. "W⁽¹⁾", "b⁽¹⁾", "[W⁽¹⁾ | b⁽¹⁾]", "w⁽¹⁾"
    bias: str
    augmented: str
    vector: str
    z: str  # symbol of the layer's output z (δ is ∂L/∂z; in the extra-one form ∂L/∂q)
    bias_sign: int
    chain: list[Factor]  # the factors multiplied, output first
    delta: np.ndarray  # δ = ∂L/∂z (n_out,)
    chain_product: np.ndarray  # ∂L/∂w as a row (n_out · (n_in + 1),)
    Wb: np.ndarray  # [W | b] before the update, in the displayed sign convention
    grad: dict[str, np.ndarray]  # "chain", "backprop", "numeric" → [∇W | ∇b] (displayed sign)
    new_Wb: np.ndarray | None = None

    @property
    def dW(self) -> np.ndarray:
        return self.grad["chain"][:, :-1]

    @property
    def db(self) -> np.ndarray:
        return self.grad["chain"][:, -1]


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


@dataclass
class Table:
    """A small table of numbers or text, rendered with the trace (e.g. a document's figures)."""

    title: str
    headers: list[str]
    rows: list[list]
    note: str = ""


@dataclass
class Document:
    """A worked example: a title and parts (paragraphs, tables and traces) in reading order."""

    title: str
    parts: list = field(default_factory=list)


# ---------------------------------------------------------------- notation

ACTIVATION_SYMBOL = {Sigmoid: "σ", ReLU: "R", Tanh: "tanh", LeakyReLU: "f", Identity: "id"}


def default_notation(net, form: str = "plain") -> dict:
    """Symbols for every value: x, z⁽¹⁾, a⁽¹⁾, …, ŷ; W⁽ʲ⁾, b⁽ʲ⁾; L; y."""
    values, formulas, weights, biases = [], [], [], []
    prev, j = "x", 0
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Dense):
            j += 1
            sup = f"({j})".translate(SUP)
            W, b = (f"W{sup}", f"b{sup}") if form == "plain" else (f"A{sup}", f"b{sup}")
            weights.append(W)
            biases.append(b)
            name = f"z{sup}"
            formula = f"{W}{prev} + {b}" if form == "plain" else f"W{sup}{prev}"
        elif isinstance(layer, Softmax):
            name, formula = f"a{f'({j})'.translate(SUP)}", f"softmax({prev})"
        elif type(layer) in ACTIVATION_SYMBOL:
            name = f"a{f'({j})'.translate(SUP)}"
            formula = f"{ACTIVATION_SYMBOL[type(layer)]}({prev})"
        elif isinstance(layer, Standardize):
            name, formula = "x̄", f"({prev} − mean) / std"
        else:  # Dropout: the identity when not training
            name, formula = prev + "′", f"{prev} (dropout is off outside training)"
        if i == last and not isinstance(layer, Dense):
            name = "ŷ"
        values.append(name)
        formulas.append(formula)
        prev = name
    if form == "extra-one":
        # the augmented input and [z; 1] hidden values; W⁽ʲ⁾ now means [W | b]
        formulas = [f.replace("x", "x̃", 1) if f.startswith("W⁽¹⁾") else f for f in formulas]
    dense = len(weights)
    return {
        "input": "x" if form == "plain" else "x̃",
        "values": values,
        "formulas": formulas,
        "weights": weights,
        "biases": biases,
        "augmented": [f"[{w} | {b}]" for w, b in zip(weights, biases, strict=True)]
        if form == "plain"
        else [w.replace("A", "W") for w in weights],
        "vectors": [f"w{f'({k + 1})'.translate(SUP)}" for k in range(dense)],
        "bias_signs": [1] * dense,
        "cost": "L",
        "target": "y",
        "cost_formula": None,
        "dcost_formula": None,
        "q": "q",
    }


def _notation(net, form: str, notation: dict | None) -> dict:
    names = default_notation(net, form)
    for key, value in (notation or {}).items():
        if key not in names:
            raise ValidationError(f"unknown notation key {key!r}; valid keys: {', '.join(names)}")
        names[key] = value
    dense = len(net.dense_layers)
    for key in ("weights", "biases", "augmented", "vectors", "bias_signs"):
        if len(names[key]) != dense:
            raise ValidationError(f"notation {key!r} needs {dense} entries, one per Dense layer")
    for key in ("values", "formulas"):
        if len(names[key]) != len(net.layers):
            raise ValidationError(
                f"notation {key!r} needs {len(net.layers)} entries, one per layer"
            )
    return names


LOSS_FORMULAS = {
    # name: (per-sample cost, ∂cost/∂ŷ), written with ŷ and y
    "squared_error": ("Σₖ (ŷₖ − yₖ)²", "2(ŷ − y)"),
    "half_squared_error": ("½ Σₖ (ŷₖ − yₖ)²", "ŷ − y"),
    "mse": ("(1/K) Σₖ (ŷₖ − yₖ)²", "2(ŷ − y)/K"),
    "binary_cross_entropy": ("−[y log ŷ + (1 − y) log(1 − ŷ)]", "(ŷ − y) / (ŷ(1 − ŷ))"),
    "cross_entropy": ("−log softmax(ŷ)ᵧ", "softmax(ŷ) − eᵧ"),
}


def _loss_formulas(loss, net, names) -> tuple[str, str]:
    cost, dcost = LOSS_FORMULAS.get(loss.name, (loss.name, f"∂{names['cost']}/∂ŷ"))
    if loss.name == "cross_entropy" and isinstance(net.layers[-1], Softmax):
        cost, dcost = "−log ŷᵧ", "−eᵧ / ŷᵧ"
    out, target = names["values"][-1], names["target"]
    cost = cost.replace("ŷ", out).replace("y", target) if out != "ŷ" or target != "y" else cost
    dcost = dcost.replace("ŷ", out).replace("y", target) if out != "ŷ" or target != "y" else dcost
    return names["cost_formula"] or cost, names["dcost_formula"] or dcost


# ---------------------------------------------------------------- computing the trace


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
    from glassnet.teach.gradcheck import float64_copy, gradcheck

    if form not in FORMS:
        raise ValidationError(f"unknown form {form!r}; valid forms: {', '.join(FORMS)}")
    work = float64_copy(net)
    loss = _losses.get(loss)
    x, target, t_raw = _sample(work, loss, x, y)
    if form == "extra-one":
        _check_extra_one(work)
    names = _notation(work, form, notation)
    cost = _cost(work, loss, x, target)
    forward = _forward_quantities(work, x, names, form)
    factors, upstream = _backward_factors(work, loss, x, target, names, form)
    work.loss_and_backward(loss, x[None], target, training=False)
    checks = gradcheck(work, x[None], t_raw, loss, max_checks=max_checks)
    numeric = {(c.layer, c.param): c.numeric for c in checks.checks}
    layers = []
    for i in reversed(range(len(work.layers))):
        if isinstance(work.layers[i], Dense):
            layers.append(_layer_gradient(work, i, upstream, names, form, numeric, factors))
    factors = factors + [f for lg in layers for f in lg.chain if not any(f is g for g in factors)]
    cost_formula, _ = _loss_formulas(loss, work, names)
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


def _sample(net, loss, x, y):
    """x as (n_in,) float64, the prepared target (1, k) or (1,) labels, and y as gradcheck
    takes it."""
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
    return x, target, y


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


def _dcost(net, loss, target) -> np.ndarray:
    """∂L/∂ŷ for the last forward pass, as a row (1, n_out)."""
    last = net.layers[-1]
    y_hat = last.y
    if isinstance(loss, _losses.CrossEntropy) and isinstance(last, Softmax):
        g = np.zeros_like(y_hat)
        g[0, target[0]] = -1.0 / y_hat[0, target[0]]  # L = −log ŷ_y
        return g
    return loss.grad(y_hat, target)


def _extra_one(net, i: int) -> bool:
    """Whether layer i's output carries the appended 1 in the extra-one form (hidden layers)."""
    return i < _last_dense(net)


def _last_dense(net) -> int:
    return max(i for i, layer in enumerate(net.layers) if isinstance(layer, Dense))


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
        if form == "extra-one" and _extra_one(net, i):
            value = np.concatenate([value, one])
            if isinstance(layer, Dense):
                formula = f"[{formula}; 1]"
        items.append(Quantity(names["values"][i], formula, value))
    return items


def _augment_jacobian(J: np.ndarray, rows: bool, cols: bool, diag_one: float = 1.0):
    """Pad a Jacobian for the extra-one form: an extra row and/or column for the appended 1."""
    out = J
    if cols:
        out = np.hstack([out, np.zeros((out.shape[0], 1))])
    if rows:
        out = np.vstack([out, np.zeros((1, out.shape[1]))])
        if cols:
            out[-1, -1] = diag_one
    return out


def _jacobian_formula(layer, names, i) -> str:
    if isinstance(layer, Dense):
        kind = "weights" if names["_form"] == "plain" else "augmented"
        return names[kind][_dense_index(layer, names, i)]
    prev = names["values"][i - 1] if i else names["input"]
    if isinstance(layer, Softmax):
        return f"diag({names['values'][i]}) − {names['values'][i]}{names['values'][i]}ᵀ"
    if type(layer) in ACTIVATION_SYMBOL:
        if isinstance(layer, Identity):
            return "I"
        return f"diag({ACTIVATION_SYMBOL[type(layer)]}′({prev}))"
    if isinstance(layer, Standardize):
        return "diag(1/std)"
    return "I"


def _dense_index(layer, names, i) -> int:
    return names["_dense_order"].index(i)


def _backward_factors(net, loss, x, target, names, form):
    """The local Jacobians from the output back to the first Dense layer's output, and the
    upstream products: upstream[i] = ∂L/∂(output of layer i) as a row."""
    names["_form"] = form
    names["_dense_order"] = [i for i, layer in enumerate(net.layers) if isinstance(layer, Dense)]
    net.forward_checked(x[None])
    _, dcost = _loss_formulas(loss, net, names)
    out = names["values"][-1]
    g = _dcost(net, loss, target)
    factors = [Factor(names["cost"], out, dcost, g.copy())]
    upstream = {len(net.layers) - 1: g.copy()}
    first = names["_dense_order"][0]
    for i in range(len(net.layers) - 1, first, -1):
        layer = net.layers[i]
        x_in = layer.x[0]
        J = layer.local_jacobian(x_in) if not isinstance(layer, Dense) else layer.W.copy()
        if not isinstance(layer, Dense):
            layer.forward(x_in[None])  # local_jacobian re-ran forward on one row; same values
        formula = _jacobian_formula(layer, names, i)
        if form == "extra-one":
            extra_in = _extra_one(net, i - 1)
            extra_out = _extra_one(net, i)
            if isinstance(layer, Dense):
                J = np.hstack([layer.W, layer.b[:, None]])  # ∂z/∂[a; 1] = [W | b]
                if extra_out:
                    J = np.vstack([J, np.zeros((1, J.shape[1]))])
                    formula = f"[{formula}; 0]"
            else:
                slope = float(layer.local_jacobian(np.ones(1))[0, 0])
                layer.forward(x_in[None])
                J = _augment_jacobian(J, extra_out, extra_in, slope)
        prev = names["values"][i - 1]
        factors.append(Factor(names["values"][i], prev, formula, J))
        g = g @ J
        upstream[i - 1] = g.copy()
    return factors, upstream


def _layer_gradient(net, i, upstream, names, form, numeric, factors) -> LayerGradient:
    layer = net.layers[i]
    k = names["_dense_order"].index(i)
    sign = int(names["bias_signs"][k])
    a = layer.x[0]
    z_name = names["values"][i]
    vec = names["vectors"][k]
    X = KronX(layer.n_out, np.concatenate([a, [float(sign)]]))
    a_name = names["values"][i - 1] if i > 0 and i - 1 >= 0 else names["input"]
    if i == 0 or (form == "extra-one" and i == names["_dense_order"][0]):
        a_name = names["input"]
    one = "1" if sign > 0 else "−1"
    x_formula = f"I{str(layer.n_out).translate(SUB)} ⊗ [{a_name}; {one}]ᵀ"
    if form == "extra-one":  # x̃ and the hidden values already end in the appended 1
        x_formula = f"I{str(layer.n_out).translate(SUB)} ⊗ {a_name}ᵀ"
    chain_start = [f for f in factors if _factor_above(f, i, names)]
    delta_of = names["q"] if form == "extra-one" and _extra_one(net, i) else z_name
    delta_row = upstream[i]
    tail = []
    if form == "extra-one" and _extra_one(net, i):
        lift = np.vstack([np.eye(layer.n_out), np.zeros((1, layer.n_out))])
        tail.append(Factor(z_name, names["q"], f"[I{str(layer.n_out).translate(SUB)}; 0]", lift))
        delta_row = delta_row @ lift
        tail.append(Factor(names["q"], vec, f"X = {x_formula}", X))
    else:
        tail.append(Factor(z_name, vec, f"X = {x_formula}", X))
    product = X.left_multiply(delta_row)
    grad_chain = product.reshape(layer.n_out, layer.n_in + 1)
    backprop = np.hstack([layer.dW, sign * layer.db[:, None]])
    num = np.hstack([numeric[(i, "W")], sign * numeric[(i, "b")][:, None]])
    return LayerGradient(
        layer=i,
        weight=names["weights"][k],
        bias=names["biases"][k],
        augmented=names["augmented"][k],
        vector=vec,
        z=delta_of,
        bias_sign=sign,
        chain=chain_start + tail,
        delta=delta_row[0].copy(),
        chain_product=product[0].copy(),
        Wb=np.hstack([layer.W, sign * layer.b[:, None]]),
        grad={"chain": grad_chain, "backprop": backprop, "numeric": num},
    )


class KronX:
    """X = I ⊗ aᵀ (n_out × n_out·len(a)), the Jacobian of z = W a + b with respect to the
    stacked rows of [W | b]. Kept as a and n_out (it is mostly zeros: for a 784-input layer
    of 128 units it would be 12.9 million numbers); `array()` builds it."""

    lazy = True

    def __init__(self, n_out: int, a: np.ndarray):
        self.n_out, self.a = n_out, np.asarray(a, dtype=float)
        self.shape = (n_out, n_out * self.a.size)

    def __getitem__(self, index):
        r, c = index
        return self.a[c % self.a.size] if c // self.a.size == r else 0.0

    def left_multiply(self, row: np.ndarray) -> np.ndarray:
        """row · X for a row (1, n_out): the outer product of row and a, flattened."""
        return np.outer(row[0], self.a).reshape(1, -1)

    def array(self) -> np.ndarray:
        return np.kron(np.eye(self.n_out), self.a[None, :])


def _factor_above(f: Factor, i: int, names) -> bool:
    """Whether factor f lies on the path from the cost down to layer i's output."""
    order = [names["cost"]] + names["values"]
    top = names["values"][i]
    if f.num == names["cost"]:
        return True
    if f.num not in order or top not in order:
        return False
    # factors ∂v_j/∂v_{j−1} for layers j above i
    return order.index(f.num) > order.index(top)


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


# ---------------------------------------------------------------- numbers and matrices as text


def num(v: float) -> str:
    """A number as a learner reads it: integers plainly, others to 6 significant digits."""
    v = float(v)
    if v == 0:
        return "0"
    if v == int(v) and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.6g}"


def _as_matrix(M):
    if getattr(M, "lazy", False):
        return M
    return np.atleast_2d(np.asarray(M, dtype=float))


def _cells(M) -> list[list[str]]:
    """The entries as strings, with rows and columns beyond MAX_ROWS, MAX_COLS elided."""
    rows = _elide(list(range(M.shape[0])), MAX_ROWS)
    cols = _elide(list(range(M.shape[1])), MAX_COLS)
    out = []
    for r in rows:
        if r is None:
            out.append(["⋮" if c is not None else "⋱" for c in cols])
        else:
            out.append(["…" if c is None else num(M[r, c]) for c in cols])
    return out


def _elide(idx: list[int], limit: int) -> list:
    if len(idx) <= limit:
        return idx
    return idx[: limit - 2] + [None] + idx[-1:]


def matrix_lines(M) -> list[str]:
    """A matrix as aligned lines with ⎡ ⎤ brackets (one line: [ … ])."""
    cells = _cells(_as_matrix(M))
    widths = [max(width(row[c]) for row in cells) for c in range(len(cells[0]))]
    body = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in cells]
    if len(body) == 1:
        return [f"[ {body[0]} ]"]
    lines = []
    for k, line in enumerate(body):
        left, right = ("⎡", "⎤") if k == 0 else ("⎣", "⎦") if k == len(body) - 1 else ("⎢", "⎥")
        lines.append(f"{left} {line} {right}")
    return lines


def vector_text(v) -> str:
    """A forward value written as the column vector it is: [ a  b  c ]ᵀ."""
    v = np.ravel(v)
    line = matrix_lines(v[None, :])[0]
    return line if v.size == 1 else line + "ᵀ"


def shape_text(M) -> str:
    if getattr(M, "lazy", False):
        return f"{M.shape[0]}×{M.shape[1]}"
    M = np.asarray(M)
    if M.ndim == 1:
        return f"{M.size}×1"
    return f"{M.shape[0]}×{M.shape[1]}"


# ---------------------------------------------------------------- rendering


def render(obj, fmt: str = "text") -> str:
    """A Trace, Table or Document as text (terminal), Markdown or LaTeX (bmatrix)."""
    if fmt not in FORMATS:
        raise ValidationError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    writer = {"text": TextWriter, "markdown": MarkdownWriter, "latex": LatexWriter}[fmt]()
    writer.part(obj)
    return "\n".join(writer.lines).rstrip() + "\n"


def _sections(tr: Trace) -> list[tuple[str, list]]:
    """The trace as (heading, items) in reading order; each writer lays the items out.

    Items: ("eq", symbol, formula, shape, value, kind) with kind "vector"/"matrix"/"scalar";
    ("para", text); ("table", Table).
    """
    out = []
    fwd = [
        (
            "para",
            f"Sample: x = {vector_text(tr.x)}, "
            f"target {tr.target_symbol} = {vector_text(tr.target)}.",
        )
    ]
    for q in tr.forward:
        fwd.append(("eq", q.symbol, q.formula, shape_text(q.value), q.value, "vector"))
    fwd.append(("eq", tr.cost_symbol, tr.cost_formula, "", tr.cost, "scalar"))
    out.append(("Forward pass", fwd))

    vec = ", ".join(lg.vector for lg in reversed(tr.layers))
    aug = ", ".join(lg.augmented for lg in reversed(tr.layers))
    text = (
        "Each factor is a local Jacobian: its rows are the entries of the numerator, its "
        "columns those of the denominator."
    )
    if vec != aug:
        text += (
            f" {vec}: the rows of {aug} stacked into one vector (the documents' "
            "vectorised W), so ∂z/∂w is the matrix X = I ⊗ [a; 1]ᵀ."
        )
    if tr.form == "extra-one":
        text = text.replace("X = I ⊗ [a; 1]ᵀ", "X = I ⊗ aᵀ, a ending in its appended 1")
        text += (
            " Each W here is the augmented matrix [A | b]: weights A, bias column b; "
            "q = W⁽¹⁾x̃ is z₁ without its appended 1."
        )
    back = [("para", text)]
    for f in tr.factors:
        back.append(("eq", f.symbol, f.formula, shape_text(f.value), f.value, "matrix"))
    out.append(("Backward pass: local Jacobians, from the cost back to the first layer", back))

    for lg in tr.layers:
        items = []
        head = [f for f in lg.chain]
        symbols = " · ".join(f.symbol for f in head)
        shapes = "".join(f"({shape_text(f.value)})" for f in head)
        items.append(
            (
                "para",
                f"∂{tr.cost_symbol}/∂{lg.vector} = {symbols}\n"
                f"shapes {shapes} → 1×{lg.chain_product.size}",
            )
        )
        items.append(
            (
                "eq",
                f"∂{tr.cost_symbol}/∂{lg.vector}",
                "",
                f"1×{lg.chain_product.size}",
                lg.chain_product[None, :],
                "matrix",
            )
        )
        items.append(
            (
                "eq",
                f"δ = ∂{tr.cost_symbol}/∂{lg.z}",
                "",
                f"1×{lg.delta.size}",
                lg.delta[None, :],
                "matrix",
            )
        )
        items.append(
            (
                "eq",
                f"∇{lg.weight}",
                f"∂{tr.cost_symbol}/∂{lg.weight}",
                shape_text(lg.dW),
                lg.dW,
                "matrix",
            )
        )
        items.append(
            (
                "eq",
                f"∇{lg.bias}",
                f"∂{tr.cost_symbol}/∂{lg.bias}",
                shape_text(lg.db),
                lg.db,
                "vector",
            )
        )
        if lg.vector != lg.augmented:
            items.append(
                (
                    "eq",
                    f"∂{tr.cost_symbol}/∂{lg.augmented}",
                    f"∂{tr.cost_symbol}/∂{lg.vector}, {lg.grad['chain'].shape[1]} per row",
                    shape_text(lg.grad["chain"]),
                    lg.grad["chain"],
                    "matrix",
                )
            )
        if lg.bias_sign < 0:
            items.append(
                (
                    "para",
                    f"{lg.bias} is subtracted ({lg.z} = … − {lg.bias}), as the "
                    f"document writes it: glassnet stores b = −{lg.bias}, so "
                    f"∂{tr.cost_symbol}/∂{lg.bias} = −∂{tr.cost_symbol}/∂b.",
                )
            )
        title = f"Gradient of {lg.augmented} (net.layers[{lg.layer}]) by the chain rule"
        out.append((title, items))

    if tr.lr is not None:
        items = [("para", f"p ← p − η ∇p with η = {num(tr.lr)}")]
        for lg in tr.layers:
            items.append(("eq", f"{lg.augmented} before", "", shape_text(lg.Wb), lg.Wb, "matrix"))
            items.append(
                (
                    "eq",
                    f"{lg.augmented} after",
                    f"{lg.augmented} − {num(tr.lr)}·∇",
                    shape_text(lg.new_Wb),
                    lg.new_Wb,
                    "matrix",
                )
            )
            if lg.new_Wb.shape[1] > 2 or lg.new_Wb.shape[0] > 1:
                items.append(
                    (
                        "eq",
                        f"{lg.weight} after",
                        "",
                        shape_text(lg.new_Wb[:, :-1]),
                        lg.new_Wb[:, :-1],
                        "matrix",
                    )
                )
                items.append(
                    (
                        "eq",
                        f"{lg.bias} after",
                        "",
                        shape_text(lg.new_Wb[:, -1]),
                        lg.new_Wb[:, -1],
                        "vector",
                    )
                )
        items.append(("eq", f"{tr.cost_symbol} after", tr.cost_formula, "", tr.new_cost, "scalar"))
        change = tr.new_cost - tr.cost
        word = "down" if change < 0 else "up"
        items.append(
            (
                "para",
                f"The cost went {word} from {num(tr.cost)} to {num(tr.new_cost)} "
                f"({'+' if change >= 0 else ''}{num(change)}).",
            )
        )
        out.append(("One step of gradient descent", items))

    rows = []
    for lg in tr.layers:
        g = lg.grad
        rows.append(
            [
                lg.augmented,
                f"{relative_error(g['chain'], g['backprop']):.1e}",
                f"{relative_error(g['backprop'], g['numeric']):.1e}",
                f"{relative_error(g['chain'], g['numeric']):.1e}",
            ]
        )
    rows.append(
        ["all parameters"]
        + [
            f"{tr.errors[k]:.1e}"
            for k in ("chain vs backprop", "backprop vs numeric", "chain vs numeric")
        ]
    )
    verdict = "they agree" if tr.passed else "they DISAGREE"
    check = Table(
        "",
        ["gradient of", "chain vs backprop", "backprop vs numeric", "chain vs numeric"],
        rows,
        "chain: the product of the local Jacobians above; backprop: net.backward; numeric: "
        f"central differences (glassnet.gradcheck, step ε = {num(tr.eps)}). Relative error "
        "‖a − b‖ / (‖a‖ + ‖b‖); below 1e-6 the two agree. Worst: "
        f"{tr.worst:.1e}: {verdict}.",
    )
    out.append(("Check: the same gradient three ways", [("table", check)]))
    return out


def width(text: str) -> int:
    """Columns a string takes in a terminal (combining accents such as x̃ take none)."""
    import unicodedata

    return sum(1 for ch in text if not unicodedata.combining(ch))


def ljust(text: str, n: int) -> str:
    return text + " " * max(0, n - width(text))


def rjust(text: str, n: int) -> str:
    return " " * max(0, n - width(text)) + text


class TextWriter:
    """Plain Unicode for a terminal: aligned columns, matrices with ⎡ ⎤ brackets."""

    def __init__(self):
        self.lines: list[str] = []
        self.nested = False  # inside a Document: a trace's title is a section, not a title

    def part(self, obj):
        if isinstance(obj, Document):
            self.heading(obj.title, top=True)
            self.nested = True
            for p in obj.parts:
                self.part(p)
            self.nested = False
        elif isinstance(obj, Trace):
            self.trace(obj)
        elif isinstance(obj, Table):
            self.table(obj)
        elif isinstance(obj, str):
            self.para(obj)
        else:
            raise ValidationError(f"cannot render {type(obj).__name__}")

    def heading(self, text, top=False):
        if top:
            self.lines += ["═" * min(len(text), 100), text, "═" * min(len(text), 100), ""]
        else:
            self.lines += [text, "─" * min(len(text), 100)]

    def para(self, text):
        import textwrap

        if self.lines and self.lines[-1]:
            self.lines.append("")
        for paragraph in text.split("\n"):
            self.lines += textwrap.wrap(paragraph, 100, break_on_hyphens=False) or [""]
        self.lines.append("")

    def trace(self, tr: Trace):
        if tr.title:
            self.title(tr.title)
        self.summary(tr)
        for note in tr.notes:
            self.para(note)
        for heading, items in _sections(tr):
            self.heading(heading)
            self.items(items)

    def title(self, text):
        self.heading(text, top=not self.nested)

    def summary(self, tr: Trace):
        self.lines += [f"{tr.network}   loss: {tr.loss}   computed in float64", ""]

    def items(self, items):
        eqs = [it for it in items if it[0] == "eq"]
        label_w = max((width(self._label(it)) for it in eqs), default=0)
        shape_w = max((len(it[3]) for it in eqs), default=0)
        for it in items:
            if it[0] == "para":
                self.para(it[1])
            elif it[0] == "table":
                self.table(it[1])
            else:
                self.equation(it, label_w, shape_w)
        self.lines.append("")

    @staticmethod
    def _label(it) -> str:
        _, symbol, formula, *_ = it
        return f"{symbol} = {formula}" if formula else symbol

    def equation(self, it, label_w, shape_w):
        _, symbol, formula, shape, value, kind = it
        label = ljust(self._label(it), label_w)
        if kind == "scalar":
            self.lines.append(f"  {label}  {'':{shape_w}}  = {num(value)}")
            return
        if kind == "vector":
            body = [vector_text(value)]
        else:
            body = matrix_lines(value)
        pad = " " * (label_w + shape_w + 6)
        self.lines.append(f"  {label}  {shape:>{shape_w}}  {body[0]}")
        self.lines += [f"{pad}{line}" for line in body[1:]]

    def table(self, t: Table):
        if t.title:
            self.lines += [t.title]
        cells = [[str(h) for h in t.headers]] + [[_cell(c) for c in r] for r in t.rows]
        widths = [max(width(r[c]) for r in cells) for c in range(len(t.headers))]

        def line(r):
            return "  " + "  ".join(
                ljust(c, w) if k == 0 else rjust(c, w)
                for k, (c, w) in enumerate(zip(r, widths, strict=True))
            )

        self.lines.append(line(cells[0]))
        self.lines.append("  " + "  ".join("─" * w for w in widths))
        self.lines += [line(r) for r in cells[1:]]
        self.lines.append("")
        if t.note:
            self.para(t.note)


def _cell(c) -> str:
    if isinstance(c, (float, np.floating, int, np.integer)) and not isinstance(c, bool):
        return num(c)
    return str(c)


class MarkdownWriter(TextWriter):
    """Markdown for a handout: headings, tables, and matrices in code blocks."""

    in_title = False

    def heading(self, text, top=False):
        level = "## " if top else "#### " if self.nested and not self.in_title else "### "
        self.lines += [level + text, ""]

    def para(self, text):
        self.lines += [text.replace("\n", "  \n"), ""]

    def title(self, text):
        self.in_title = True
        super().title(text)
        self.in_title = False

    def summary(self, tr: Trace):
        self.lines += [f"`{tr.network}` · loss `{tr.loss}` · float64", ""]

    def items(self, items):
        for it in items:
            if it[0] == "para":
                self.para(it[1])
            elif it[0] == "table":
                self.table(it[1])
            else:
                self.equation(it, 0, 0)

    def equation(self, it, label_w, shape_w):
        _, symbol, formula, shape, value, kind = it
        label = self._label(it)
        if kind == "scalar":
            self.lines += [f"- **{label}** = `{num(value)}`", ""]
            return
        body = [vector_text(value)] if kind == "vector" else matrix_lines(value)
        if len(body) == 1:
            self.lines += [f"- **{label}** ({shape}) = `{body[0]}`", ""]
        else:
            self.lines += [f"- **{label}** ({shape}) =", "", "  ```"]
            self.lines += [f"  {line}" for line in body]
            self.lines += ["  ```", ""]

    def table(self, t: Table):
        if t.title:
            self.lines += [f"**{t.title}**", ""]
        self.lines.append("| " + " | ".join(t.headers) + " |")
        self.lines.append("|" + "|".join("---" for _ in t.headers) + "|")
        for r in t.rows:
            self.lines.append("| " + " | ".join(_cell(c).replace("|", "\\|") for c in r) + " |")
        self.lines.append("")
        if t.note:
            self.para(t.note)


class LatexWriter(TextWriter):
    """A LaTeX fragment (needs amsmath): align* environments with bmatrix."""

    def part(self, obj):
        if not self.lines:
            self.lines += ["% glassnet explain: paste into a document that loads amsmath", ""]
        super().part(obj)

    def heading(self, text, top=False):
        cmd = "section*" if top else "subsection*"
        self.lines += [f"\\{cmd}{{{latex_text(text)}}}", ""]

    def para(self, text):
        self.lines += [latex_text(text).replace("\n", "\\\\\n"), ""]

    def summary(self, tr: Trace):
        self.para(f"{tr.network}, loss {tr.loss}, computed in float64.")

    def items(self, items):
        block = []
        for it in items + [("end",)]:
            if it[0] == "eq":
                block.append(it)
                continue
            if block:
                self.lines.append("\\begin{align*}")
                self.lines += [self.equation_line(e) for e in block]
                self.lines[-1] = self.lines[-1].removesuffix(" \\\\")
                self.lines += ["\\end{align*}", ""]
                block = []
            if it[0] == "para":
                self.para(it[1])
            elif it[0] == "table":
                self.table(it[1])

    def equation_line(self, it) -> str:
        _, symbol, formula, shape, value, kind = it
        left = latex_math(symbol)
        mid = f" = {latex_math(formula)}" if formula else ""
        if kind == "scalar":
            body = num(value)
        elif kind == "vector":
            body = bmatrix(np.ravel(value)[:, None])
        else:
            body = bmatrix(value)
        return f"{left} &{mid} = {body} \\\\"

    def table(self, t: Table):
        if t.title:
            self.lines += [f"\\paragraph{{{latex_text(t.title)}}}", ""]
        cols = "l" + "r" * (len(t.headers) - 1)
        self.lines += [f"\\begin{{tabular}}{{{cols}}}", "\\hline"]
        self.lines.append(" & ".join(latex_text(h) for h in t.headers) + " \\\\ \\hline")
        for r in t.rows:
            self.lines.append(" & ".join(latex_text(_cell(c)) for c in r) + " \\\\")
        self.lines += ["\\hline", "\\end{tabular}", ""]
        if t.note:
            self.para(t.note)


def bmatrix(M) -> str:
    """A matrix as \\begin{bmatrix} … \\end{bmatrix}, elided like the text form."""
    cells = _cells(_as_matrix(M))
    swap = {"…": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots"}
    rows = [" & ".join(swap.get(c, c) for c in row) for row in cells]
    return "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"


_SUPERS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾ᵀ", "0123456789()T", strict=True))
_SUBS = dict(zip("₀₁₂₃₄₅₆₇₈₉ₖᵧₕₓᵢⱼ", "0123456789kyhxij", strict=True))
_MATH = {
    "σ": r"\sigma",
    "δ": r"\delta",
    "∂": r"\partial",
    "∇": r"\nabla",
    "Σ": r"\sum",
    "⊗": r"\otimes",
    "·": r"\cdot",
    "−": "-",
    "×": r"\times",
    "½": r"\tfrac{1}{2}",
    "′": "'",
    "≈": r"\approx",
    "→": r"\to",
    "←": r"\leftarrow",
    "ε": r"\varepsilon",
    "η": r"\eta",
    "…": r"\ldots",
    "‖": r"\|",
    "⋮": r"\vdots",
    "ŷ": r"\hat{y}",
    "ỹ": r"\tilde{y}",
    "⟨": r"\langle",
    "⟩": r"\rangle",
    "±": r"\pm",
}
_WORDS = re.compile(r"\b(diag|softmax|tanh|log|id)\b")
_ACCENT = re.compile(r"(\w)([\u0303\u0304])")


def latex_math(s: str) -> str:
    """A symbol or formula in glassnet's Unicode notation as LaTeX math (no $ signs)."""
    s = _ACCENT.sub(lambda m: ("\\tilde{" if m[2] == "\u0303" else "\\bar{") + m[1] + "}", s)
    s = _WORDS.sub(
        lambda m: (
            r"\tanh "
            if m[1] == "tanh"
            else r"\log "
            if m[1] == "log"
            else f"\\operatorname{{{m[1]}}}"
        ),
        s,
    )
    words = re.search(r"(, \d+ per row| before| after)$", s)
    if words:
        return latex_math(s[: words.start()]) + f"\\text{{{words[1]}}}"
    s = s.replace(" | ", r" \mid ").replace("|", r"\mid ")
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        for table, mark in ((_SUPERS, "^"), (_SUBS, "_")):
            if ch in table:
                j = i
                while j < len(s) and s[j] in table:
                    j += 1
                out.append(mark + "{" + "".join(table[c] for c in s[i:j]) + "}")
                i = j
                break
        else:
            if ch in _MATH:
                rep = _MATH[ch]
                out.append(rep + (" " if rep[-1].isalpha() else ""))
            elif ch == "∂":
                out.append(r"\partial ")
            else:
                out.append(ch)
            i += 1
    text = "".join(out)
    return _fractions(text)


def _fractions(text: str) -> str:
    r"""\partial A/\partial B → \frac{\partial A}{\partial B} (the derivatives glassnet writes)."""
    pattern = re.compile(r"\\partial ([^\s/]+?)\s*/\\partial ((?:\[[^\]]*\]|[^\s=,\[])+)")

    def frac(m):
        den, rest = m[2], ""
        while den.count(")") > den.count("(") and den.endswith(")"):
            den, rest = den[:-1], ")" + rest
        return f"\\frac{{\\partial {m[1]}}}{{\\partial {den}}}{rest}"

    return pattern.sub(frac, text)


_TEXT_ESCAPES = {
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


def latex_text(s: str) -> str:
    """Prose with Unicode math as LaTeX text: specials escaped, math symbols in $…$."""
    out = []
    for ch in s:
        if ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch in _SUPERS or ch in _SUBS or ch in _MATH or ch in "\u0303\u0304":
            out.append(ch)  # marked below
        else:
            out.append(ch)
    text = "".join(out)
    math_chars = "".join(_SUPERS) + "".join(_SUBS) + "".join(_MATH) + "\u0303\u0304"
    run = re.compile(f"\\w?[{re.escape(math_chars)}]+")
    text = run.sub(lambda m: "$" + latex_math(m[0]) + "$", text)
    return text.replace("$$", "").replace("–", "--")
