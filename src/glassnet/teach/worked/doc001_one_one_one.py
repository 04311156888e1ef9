"""Document 001, "How Neural Networks Work": the 1-1-1 network and one update step.

y₁ = x, y₂ = w₁y₁ − b₁ (no activation), y₃ = σ(w₂y₂ − b₂), C = (y₃ − y)², one step of
gradient descent with learning rate 1. The document's printed figures slip in four places;
the example shows its figures, what its own equations give, and its slips redone.
"""

from __future__ import annotations

import numpy as np

from glassnet.nn.layers import Dense, Sigmoid
from glassnet.nn.network import Network
from glassnet.teach.document import Table
from glassnet.teach.notation import num
from glassnet.teach.worked.common import Built, Example, sigma

SOURCE = "reference/001_c1e2f84482963171.txt"

W1, B1, W2, B2, X0, TARGET = 0.2, 0.8, 0.4, 0.9, 0.6, 0.0


def build() -> Built:
    """The 1-1-1 network as the document writes it, its sample, notation and notes."""
    # y₂ = w₁y₁ − b₁ and y₃ = σ(w₂y₂ − b₂): glassnet's z = W a + b with b = −b₁, b = −b₂.
    net = Network(
        [Dense(1, 1, W=[[W1]], b=[-B1]), Dense(1, 1, W=[[W2]], b=[-B2]), Sigmoid()],
        dtype="float64",
    )
    notation = {
        "input": "y₁",
        "values": ["y₂", "z₃", "y₃"],
        "formulas": ["w₁y₁ − b₁", "w₂y₂ − b₂", "σ(z₃)"],
        "weights": ["w₁", "w₂"],
        "biases": ["b₁", "b₂"],
        "augmented": ["[w₁ | b₁]", "[w₂ | b₂]"],
        "vectors": ["[w₁ | b₁]", "[w₂ | b₂]"],
        "bias_signs": [-1, -1],
        "cost": "C",
        "target": "y",
        "cost_formula": "(y₃ − y)²",
        "dcost_formula": "2(y₃ − y)",
    }
    notes = [
        "The document writes y₁ = x, y₂ = w₁y₁ − b₁ (no activation), y₃ = σ(w₂y₂ − b₂), "
        "C = (y₃ − y)², with w₁ = 0.2, b₁ = 0.8, w₂ = 0.4, b₂ = 0.9, input 0.6, target 0 and "
        "one update with learning rate 1. Its biases are subtracted: glassnet stores "
        "b = −b₁ and b = −b₂, and this trace prints the document's b₁, b₂ and "
        "∂C/∂b₁ = −∂C/∂b, ∂C/∂b₂ = −∂C/∂b (the X factors carry −1 where the bias goes).",
        "The internal variable z₃ = w₂y₂ − b₂ is not named in the document; it is the argument "
        "of σ in equations 3.1–3.4.",
    ]
    return Built(net, np.array([X0]), np.array([TARGET]), "squared_error", 1.0, notes, notation)


def document_111() -> dict[str, float]:
    """The figures document 001 prints."""
    return {
        "y₂": -0.68, "y₃": 0.65, "C": 0.425,
        "∂C/∂w₁": 0.037, "∂C/∂b₁": -0.061, "∂C/∂w₂": -0.10, "∂C/∂b₂": -0.15,
        "w₁′": 0.237, "b₁′": 0.738, "w₂′": 0.437, "b₂′": 0.745, "C′": 0.38,
    }  # fmt: skip


def correct_111(lr: float = 1.0) -> dict[str, float]:
    """The same figures from equations 1.1–1.4, 3.1–3.4 and 4.1."""
    y2 = W1 * X0 - B1
    z3 = W2 * y2 - B2
    y3 = sigma(z3)
    k = 2 * (y3 - TARGET) * y3 * (1 - y3)  # ∂C/∂z₃ = 2(y₃ − y) σ′(z₃)
    g = {"w₁": k * W2 * X0, "b₁": -k * W2, "w₂": k * y2, "b₂": -k}
    new = {"w₁": W1 - lr * g["w₁"], "b₁": B1 - lr * g["b₁"], "w₂": W2 - lr * g["w₂"],
           "b₂": B2 - lr * g["b₂"]}  # fmt: skip
    y3_new = sigma(new["w₂"] * (new["w₁"] * X0 - new["b₁"]) - new["b₂"])
    out = {"y₂": y2, "y₃": y3, "C": (y3 - TARGET) ** 2}
    out.update({f"∂C/∂{p}": v for p, v in g.items()})
    out.update({f"{p}′": v for p, v in new.items()})
    out["C′"] = (y3_new - TARGET) ** 2
    return out


def slips_111() -> dict[str, float]:
    """The document's figures re-derived with its slips: b₂ added in y₃, the 2 of ∂C/∂y₃
    dropped, the step taken along +∇C; C′ from its printed new weights with b₂ added."""
    y2 = W1 * X0 - B1
    y3 = sigma(W2 * y2 + B2)  # slip: + b₂ where equation 1.3 has − b₂
    k = (y3 - TARGET) * y3 * (1 - y3)  # slip: the factor 2 of 2(y₃ − y) dropped
    g = {"w₁": k * W2 * X0, "b₁": -k * W2, "w₂": k * y2, "b₂": -k}
    new = {"w₁": W1 + g["w₁"], "b₁": B1 + g["b₁"], "w₂": W2 + g["w₂"], "b₂": B2 + g["b₂"]}
    printed = document_111()
    y3_new = sigma(printed["w₂′"] * (printed["w₁′"] * X0 - printed["b₁′"]) + printed["b₂′"])
    out = {"y₂": y2, "y₃": y3, "C": y3**2}
    out.update({f"∂C/∂{p}": v for p, v in g.items()})
    out.update({f"{p}′": v for p, v in new.items()})
    out["C′"] = y3_new**2
    return out


def extra(b: Built) -> list:
    """The document's figures against its equations, and where it slipped."""
    doc, right, slips = document_111(), correct_111(b.lr or 1.0), slips_111()
    rows = [[k, doc[k], right[k], slips[k]] for k in doc]
    table = Table(
        "The document's figures against its own equations",
        ["quantity", "document prints", "equations give", "document's slips redone"],
        rows,
        "Last column: the document's arithmetic redone with the slips named below, to show "
        "they explain its figures.",
    )
    return [
        table,
        "Where the document slipped:",
        "1. y₃: it prints 0.65, which is σ(w₂y₂ + b₂) = σ(0.628) = 0.652: it added b₂ where "
        "equation 1.3 subtracts it. The equations give z₃ = w₂y₂ − b₂ = −1.172 and "
        "y₃ = σ(−1.172) = 0.2365. Its C = 0.425 is 0.652², the same slip carried on.",
        "2. The gradient: its ∂C/∂w₂ = −0.10 and ∂C/∂b₂ = −0.15 are equations 3.1 and 3.2 at "
        "the slipped y₃ = 0.652 with the factor 2 of ∂C/∂y₃ = 2(y₃ − y) dropped (−0.1006 and "
        "−0.1479). Its ∂C/∂w₁ = 0.037 and ∂C/∂b₁ = −0.061 are about 4 % larger than the same "
        "arithmetic gives (0.0355, −0.0592); no single slip we could find accounts for that "
        "remainder (rounded intermediate values, probably).",
        "3. The update: equation 4.1 says p′ = p − η∇C, but its new w₁, b₁ and b₂ are p + ∇C "
        "(0.2 + 0.037 = 0.237; 0.8 − 0.061 = 0.739 and 0.9 − 0.15 = 0.75, printed 0.738 and "
        "0.745 as if from unrounded −0.062 and −0.155): a step uphill. Its "
        "w₂′ = 0.437 follows from no sign of its own ∂C/∂w₂ (0.4 ± 0.10 is 0.30 or 0.50); it is "
        "0.4 + 0.037, the first component of the gradient.",
        "4. C′ = 0.38 is what its printed new weights give with b₂ added again (0.383). It is "
        "below 0.425 although the step followed +∇C mainly because, with b₂ added, lowering "
        "b₂ lowers the cost.",
        "Also: equation 2.21 writes the sigmoid as 1/(1 − e^(−…)) (it is 1/(1 + e^(−…))), and "
        "3.1–3.4 write 2|y₃ − y| where the derivative of (y₃ − y)² is 2(y₃ − y); the absolute "
        "value would lose the sign whenever y₃ < y.",
        f"Correct, from the equations: ∇C = ⟨{num(right['∂C/∂w₁'])}, {num(right['∂C/∂b₁'])}, "
        f"{num(right['∂C/∂w₂'])}, {num(right['∂C/∂b₂'])}⟩ (w₁, b₁, w₂, b₂); after one step "
        f"with η = 1: w₁ = {num(right['w₁′'])}, b₁ = {num(right['b₁′'])}, "
        f"w₂ = {num(right['w₂′'])}, b₂ = {num(right['b₂′'])}, and C′ = {num(right['C′'])} "
        f"(down from C = {num(right['C'])}).",
    ]


EXAMPLES = [
    Example("1-1-1", "the 1-1-1 network of document 001: one update step, its slips "
            "corrected", SOURCE, build, extra,
            "1-1-1 network, one sample, one update (document 001)"),
]  # fmt: skip
