"""The backward pass of a trace: local Jacobians and, per Dense layer, their chain product.

For one sample, from the cost back to the first Dense layer, each factor is a local Jacobian
∂v/∂u (rows: v's entries, columns: u's): ∂L/∂ŷ, ∂ŷ/∂z = diag(σ′(z)), ∂z/∂a = W, diag(R′(z)), …
For each Dense layer with output z = W a + b, w is [W | b] with its rows stacked into one
vector (the documents' vectorised W), ∂z/∂w = X = I ⊗ [a; 1]ᵀ (KronX), and

    ∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂z · … · ∂z/∂w,    δ = ∂L/∂z,

reshaped to [∇W | ∇b] and set beside backpropagation's and central differences' gradients.
In the extra-one form (see glassnet.teach.trace) the hidden values end in an appended 1, and
each Jacobian gets the row and column that carry it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassnet.nn import losses as _losses
from glassnet.nn.layers import Dense, Identity, Softmax, Standardize
from glassnet.teach.notation import ACTIVATION_SYMBOL, SUB, loss_formulas


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
        """X as a dense matrix."""
        return np.kron(np.eye(self.n_out), self.a[None, :])


def cost_gradient(net, loss, target) -> np.ndarray:
    """∂L/∂ŷ for the last forward pass, as a row (1, n_out)."""
    last = net.layers[-1]
    y_hat = last.y
    if isinstance(loss, _losses.CrossEntropy) and isinstance(last, Softmax):
        g = np.zeros_like(y_hat)
        g[0, target[0]] = -1.0 / y_hat[0, target[0]]  # L = −log ŷ_y
        return g
    return loss.grad(y_hat, target)


def carries_one(net, i: int) -> bool:
    """Whether layer i's output carries the appended 1 in the extra-one form (hidden layers)."""
    return i < last_dense(net)


def last_dense(net) -> int:
    """The index in net.layers of the last Dense layer."""
    return max(i for i, layer in enumerate(net.layers) if isinstance(layer, Dense))


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
    """How ∂(output of layer i)/∂(its input) is written: W, diag(σ′(z)), I, …"""
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


def backward_factors(net, loss, x, target, names, form):
    """The local Jacobians from the output back to the first Dense layer's output, and the
    upstream products: upstream[i] = ∂L/∂(output of layer i) as a row."""
    names["_form"] = form
    names["_dense_order"] = [i for i, layer in enumerate(net.layers) if isinstance(layer, Dense)]
    net.forward_checked(x[None])
    _, dcost = loss_formulas(loss, net, names)
    out = names["values"][-1]
    g = cost_gradient(net, loss, target)
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
            extra_in = carries_one(net, i - 1)
            extra_out = carries_one(net, i)
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


def layer_gradient(net, i, upstream, names, form, numeric, factors) -> LayerGradient:
    """Dense layer i's gradient: the factors from the cost down to its z, then ∂z/∂w = X;
    their product ∂L/∂w = δ · X as [∇W | ∇b], beside backpropagation's (net.backward, run
    before) and the central differences in `numeric` ((i, "W") and (i, "b") → arrays)."""
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
    delta_of = names["q"] if form == "extra-one" and carries_one(net, i) else z_name
    delta_row = upstream[i]
    tail = []
    if form == "extra-one" and carries_one(net, i):
        lift = np.vstack([np.eye(layer.n_out), np.zeros((1, layer.n_out))])
        tail.append(Factor(z_name, names["q"], f"[I{str(layer.n_out).translate(SUB)}; 0]", lift))
        delta_row = delta_row @ lift
        tail.append(Factor(names["q"], vec, f"X = {x_formula}", X))
    else:
        tail.append(Factor(z_name, vec, f"X = {x_formula}", X))
    product = X.left_multiply(delta_row)
    grad_chain = product.reshape(layer.n_out, layer.n_in + 1)
    backprop = np.hstack([layer.dW, sign * layer.db[:, None]])
    by_differences = np.hstack([numeric[(i, "W")], sign * numeric[(i, "b")][:, None]])
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
        grad={"chain": grad_chain, "backprop": backprop, "numeric": by_differences},
    )


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
