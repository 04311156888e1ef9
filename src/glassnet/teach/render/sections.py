"""A trace as sections in reading order, each a heading and items every writer lays out.

Items: ("eq", symbol, formula, shape, value, kind) with kind "vector"/"matrix"/"scalar";
("para", text); ("table", Table). The sections: the forward pass, the local Jacobians, the
gradient of each Dense layer by the chain rule (last layer first), one step of gradient
descent (when the trace has a learning rate) and the check of the gradient three ways.
"""

from __future__ import annotations

from glassnet.teach.document import Table
from glassnet.teach.notation import num, shape_text, vector_text
from glassnet.teach.trace import LayerGradient, Trace, relative_error


def sections(tr: Trace) -> list[tuple[str, list]]:
    """The trace as (heading, items) in reading order; each writer lays the items out."""
    out = [forward_section(tr), jacobians_section(tr)]
    for lg in tr.layers:
        out.append(gradient_section(tr, lg))
    if tr.lr is not None:
        out.append(update_section(tr))
    out.append(check_section(tr))
    return out


def forward_section(tr: Trace) -> tuple[str, list]:
    """The sample, each forward value v = formula, and the cost."""
    sample = (
        f"Sample: x = {vector_text(tr.x)}, target {tr.target_symbol} = {vector_text(tr.target)}."
    )
    items = [("para", sample)]
    for q in tr.forward:
        items.append(("eq", q.symbol, q.formula, shape_text(q.value), q.value, "vector"))
    items.append(("eq", tr.cost_symbol, tr.cost_formula, "", tr.cost, "scalar"))
    return "Forward pass", items


def jacobians_section(tr: Trace) -> tuple[str, list]:
    """Every local Jacobian ∂v/∂u, from the cost back to the first layer, and each ∂z/∂w."""
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
    items = [("para", text)]
    for f in tr.factors:
        items.append(("eq", f.symbol, f.formula, shape_text(f.value), f.value, "matrix"))
    return "Backward pass: local Jacobians, from the cost back to the first layer", items


def gradient_section(tr: Trace, lg: LayerGradient) -> tuple[str, list]:
    """One Dense layer: ∂L/∂w as the product of its chain, δ = ∂L/∂z, ∇W and ∇b."""
    L = tr.cost_symbol
    symbols = " · ".join(f.symbol for f in lg.chain)
    shapes = "".join(f"({shape_text(f.value)})" for f in lg.chain)
    product = lg.chain_product
    items = [
        ("para", f"∂{L}/∂{lg.vector} = {symbols}\nshapes {shapes} → 1×{product.size}"),
        ("eq", f"∂{L}/∂{lg.vector}", "", f"1×{product.size}", product[None, :], "matrix"),
        ("eq", f"δ = ∂{L}/∂{lg.z}", "", f"1×{lg.delta.size}", lg.delta[None, :], "matrix"),
        ("eq", f"∇{lg.weight}", f"∂{L}/∂{lg.weight}", shape_text(lg.dW), lg.dW, "matrix"),
        ("eq", f"∇{lg.bias}", f"∂{L}/∂{lg.bias}", shape_text(lg.db), lg.db, "vector"),
    ]
    if lg.vector != lg.augmented:
        grad = lg.grad["chain"]
        per_row = f"∂{L}/∂{lg.vector}, {grad.shape[1]} per row"
        items.append(("eq", f"∂{L}/∂{lg.augmented}", per_row, shape_text(grad), grad, "matrix"))
    if lg.bias_sign < 0:
        items.append((
            "para",
            f"{lg.bias} is subtracted ({lg.z} = … − {lg.bias}), as the document writes it: "
            f"glassnet stores b = −{lg.bias}, so ∂{L}/∂{lg.bias} = −∂{L}/∂b.",
        ))  # fmt: skip
    return f"Gradient of {lg.augmented} (net.layers[{lg.layer}]) by the chain rule", items


def update_section(tr: Trace) -> tuple[str, list]:
    """p ← p − η ∇p for every [W | b], and the cost before and after."""
    items = [("para", f"p ← p − η ∇p with η = {num(tr.lr)}")]
    for lg in tr.layers:
        new = lg.new_Wb
        items.append(("eq", f"{lg.augmented} before", "", shape_text(lg.Wb), lg.Wb, "matrix"))
        step = f"{lg.augmented} − {num(tr.lr)}·∇"
        items.append(("eq", f"{lg.augmented} after", step, shape_text(new), new, "matrix"))
        if new.shape[1] > 2 or new.shape[0] > 1:
            W, b = new[:, :-1], new[:, -1]
            items.append(("eq", f"{lg.weight} after", "", shape_text(W), W, "matrix"))
            items.append(("eq", f"{lg.bias} after", "", shape_text(b), b, "vector"))
    items.append(("eq", f"{tr.cost_symbol} after", tr.cost_formula, "", tr.new_cost, "scalar"))
    change = tr.new_cost - tr.cost
    word = "down" if change < 0 else "up"
    items.append((
        "para",
        f"The cost went {word} from {num(tr.cost)} to {num(tr.new_cost)} "
        f"({'+' if change >= 0 else ''}{num(change)}).",
    ))  # fmt: skip
    return "One step of gradient descent", items


CHECKS = ("chain vs backprop", "backprop vs numeric", "chain vs numeric")


def check_section(tr: Trace) -> tuple[str, list]:
    """The gradient by the chain rule, by backpropagation and by central differences, compared."""
    rows = []
    for lg in tr.layers:
        g = lg.grad
        errors = (
            relative_error(g["chain"], g["backprop"]),
            relative_error(g["backprop"], g["numeric"]),
            relative_error(g["chain"], g["numeric"]),
        )
        rows.append([lg.augmented] + [f"{e:.1e}" for e in errors])
    rows.append(["all parameters"] + [f"{tr.errors[k]:.1e}" for k in CHECKS])
    verdict = "they agree" if tr.passed else "they DISAGREE"
    check = Table(
        "",
        ["gradient of", *CHECKS],
        rows,
        "chain: the product of the local Jacobians above; backprop: net.backward; numeric: "
        f"central differences (glassnet.gradcheck, step ε = {num(tr.eps)}). Relative error "
        "‖a − b‖ / (‖a‖ + ‖b‖); below 1e-6 the two agree. Worst: "
        f"{tr.worst:.1e}: {verdict}.",
    )
    return "Check: the same gradient three ways", [("table", check)]
