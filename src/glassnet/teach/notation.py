"""The notation of a trace: symbols for every value, the costs' formulas, numbers as text.

default_notation names the values as the documents do (x, z⁽¹⁾, a⁽¹⁾, …, ŷ; W⁽ʲ⁾, b⁽ʲ⁾; L; y);
a worked example replaces any of them with its own document's symbols. num, matrix_lines,
vector_text and shape_text write numbers the way every renderer shows them: integers plainly,
others to 6 significant digits, matrices beyond MAX_ROWS × MAX_COLS elided with … and ⋮.
"""

from __future__ import annotations

import numpy as np

from glassnet.errors import ValidationError
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

MAX_ROWS, MAX_COLS = 10, 12  # a matrix larger than this is printed with … and ⋮

SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

# ---------------------------------------------------------------- symbols

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


def resolve_notation(net, form: str, notation: dict | None) -> dict:
    """default_notation with the entries of `notation` put in its place, checked: known keys,
    one entry per Dense layer or per layer where the key needs it."""
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


def loss_formulas(loss, net, names) -> tuple[str, str]:
    """The cost L(ŷ, y) and ∂L/∂ŷ as formulas, in the notation's output and target symbols."""
    cost, dcost = LOSS_FORMULAS.get(loss.name, (loss.name, f"∂{names['cost']}/∂ŷ"))
    if loss.name == "cross_entropy" and isinstance(net.layers[-1], Softmax):
        cost, dcost = "−log ŷᵧ", "−eᵧ / ŷᵧ"
    out, target = names["values"][-1], names["target"]
    cost = cost.replace("ŷ", out).replace("y", target) if out != "ŷ" or target != "y" else cost
    dcost = dcost.replace("ŷ", out).replace("y", target) if out != "ŷ" or target != "y" else dcost
    return names["cost_formula"] or cost, names["dcost_formula"] or dcost


# ---------------------------------------------------------------- numbers and matrices as text


def num(v: float) -> str:
    """A number as a learner reads it: integers plainly, others to 6 significant digits."""
    v = float(v)
    if v == 0:
        return "0"
    if v == int(v) and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.6g}"


def as_matrix(M):
    """M as a 2-D float array (a KronX stays as it is: it is read entry by entry)."""
    if getattr(M, "lazy", False):
        return M
    return np.atleast_2d(np.asarray(M, dtype=float))


def matrix_cells(M) -> list[list[str]]:
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
    cells = matrix_cells(as_matrix(M))
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
    """The shape as it is printed: "3×2"; a vector is a column, "3×1"."""
    if getattr(M, "lazy", False):
        return f"{M.shape[0]}×{M.shape[1]}"
    M = np.asarray(M)
    if M.ndim == 1:
        return f"{M.size}×1"
    return f"{M.shape[0]}×{M.shape[1]}"


def width(text: str) -> int:
    """Columns a string takes in a terminal (combining accents such as x̃ take none)."""
    import unicodedata

    return sum(1 for ch in text if not unicodedata.combining(ch))
