"""The glass box of the page: a unit's equation with the numbers of the selected sample, a
connection's weight and gradients, and the full trace of one sample (glassnet.teach.trace, the
code behind `glassnet explain`).

Every number here is computed on a copy of the session's network (float64), so looking never
changes what is trained: the copy's backward pass on the one sample gives δ = ∂L/∂z (for one
sample, ∂L/∂b = δ) and ∂L/∂W = δ aᵀ.
"""

from __future__ import annotations

import numpy as np

from glassnet.nn import losses
from glassnet.nn.layers import Dense
from glassnet.teach import render, trace
from glassnet.teach.notation import SUP, num

SYMBOLS = {"Sigmoid": "σ", "Tanh": "tanh", "ReLU": "ReLU", "LeakyReLU": "LReLU",
           "Identity": "id", "Softmax": "softmax"}  # fmt: skip


def activation_after(net, dense_index: int) -> str:
    """The class name of the activation that follows net.layers[dense_index] ("Identity" when
    another Dense layer, or nothing, follows)."""
    following = net.layers[dense_index + 1] if dense_index + 1 < len(net.layers) else None
    if following is None or isinstance(following, Dense):
        return "Identity"
    return type(following).__name__


def one_sample(session, split: str, index: int):
    """(copy of the network after a backward pass on the sample, x, target, cost)."""
    x, target = session.sample(split, index)
    work = session.net.copy(dtype="float64")
    loss = losses.get(session.loss)
    from glassnet.train.targets import prepare_targets

    prepared = prepare_targets(work, loss, np.asarray([target]))
    cost, _ = work.loss_and_backward(loss, x[None], prepared.values, training=False)
    return work, x, target, float(cost)


def unit_info(session, layer: int, unit: int, split: str = "train", index: int | None = None):
    """Unit `unit` of Dense layer `layer` (1-based) for the selected sample: its inputs a, its
    weights, z = Σ wᵢaᵢ + b, a = f(z) and δ = ∂L/∂z, and the equation as text."""
    if index is None:
        split, index = session.selected_split, session.selected
    dense_layer = session._dense_layer(layer)
    if not (isinstance(unit, int) and 0 <= unit < dense_layer.n_out):
        from glassnet.errors import ValidationError

        raise ValidationError(f"unit must be 0 to {dense_layer.n_out - 1} in layer {layer}, "
                              f"got {unit!r}")  # fmt: skip
    work, x, target, cost = one_sample(session, split, index)
    position = session.net.layers.index(dense_layer)
    dense = work.layers[position]
    a_in = dense.x[0]
    w, b = dense.W[unit], float(dense.b[unit])
    z = float(dense.y[0, unit])
    kind = activation_after(work, position)
    act_out = float(work.layers[position + 1].y[0, unit]) if kind != "Identity" else z
    delta = float(dense.db[unit])  # one sample: ∂L/∂b = δ
    prev = "x" if layer == 1 else f"a{sup(layer - 1)}"
    f = SYMBOLS.get(kind, kind)
    lines = [
        f"unit {unit + 1} of layer {layer}, sample {split} #{index} (target {num(target)})",
        f"z = Σ wᵢ{prev}ᵢ + b = {weighted_sum(w, a_in, b)} = {num(z)}",
        f"a = {f}(z) = {f}({num(z)}) = {num(act_out)}",
        f"δ = ∂L/∂z = {num(delta)}   (L = {num(cost)}, cost {session.loss})",
    ]
    return {
        "layer": layer, "unit": unit, "split": split, "index": index,
        "inputs": a_in.tolist(), "weights": w.tolist(), "bias": b, "z": z, "a": act_out,
        "activation": kind, "delta": delta, "cost": cost, "lines": lines,
        "bias_name": f"b{sup(layer)}[{unit + 1}]",
    }  # fmt: skip


def sup(n: int) -> str:
    """⁽ⁿ⁾: a layer's number as the documents write it (W⁽¹⁾, a⁽²⁾)."""
    return f"({n})".translate(SUP)


def weighted_sum(w, a, b) -> str:
    """w₁·a₁ + w₂·a₂ − … + b with the numbers, signs written once: 0.5·1 − 0.25·(−2) + 0.1."""
    text = ""
    for k, (wk, ak) in enumerate(zip(w, a, strict=True)):
        factor = num(ak) if ak >= 0 else f"({num(ak)})"
        if k == 0:
            text = f"{num(wk)}·{factor}"
        else:
            text += f" {'−' if wk < 0 else '+'} {num(abs(wk))}·{factor}"
    sign = "−" if b < 0 else "+"
    return f"{text} {sign} {num(abs(b))}" if text else num(b)


def weight_info(session, layer: int, row: int, col: int):
    """W⁽ˡ⁾[row, col] (col = n_in: the bias): its value, ∂L/∂w for the selected sample and for
    the last batch, and the last update Δw."""
    dense = session._dense_layer(layer)
    if not (isinstance(row, int) and 0 <= row < dense.n_out and isinstance(col, int)
            and 0 <= col <= dense.n_in):  # fmt: skip
        from glassnet.errors import ValidationError

        raise ValidationError(f"no weight [{row}, {col}] in layer {layer}")
    bias = col == dense.n_in
    value = float(dense.b[row] if bias else dense.W[row, col])
    split, index = session.selected_split, session.selected
    work, _, _, _ = one_sample(session, split, index)
    copy = work.layers[session.net.layers.index(dense)]
    sample_grad = float(copy.db[row] if bias else copy.dW[row, col])
    batch = getattr(dense, "db" if bias else "dW", None) if session.updates else None
    batch_grad = None if batch is None else float(batch[row] if bias else batch[row, col])
    update = float(session.last_update(layer)[row, col]) if session.updates else None
    name = f"b{sup(layer)}[{row + 1}]" if bias else f"W{sup(layer)}[{row + 1},{col + 1}]"
    w = "b" if bias else "w"  # ∂L/∂b of a bias, ∂L/∂w of a weight
    lines = [
        f"{name} = {num(value)}",
        f"∂L/∂{w} for sample {split} #{index} = {num(sample_grad)}",
        f"∂L/∂{w} for the last batch = "
        + ("— (no update yet)" if batch_grad is None else num(batch_grad)),
        f"last update Δ{w} = " + ("— (no update yet)" if update is None else num(update)),
    ]
    return {
        "layer": layer, "row": row, "col": col, "bias": bias, "name": name, "value": value,
        "sample_grad": sample_grad, "batch_grad": batch_grad, "update": update, "lines": lines,
    }  # fmt: skip


def sample_trace(session, split: str, index: int) -> dict:
    """The trace of one sample as `glassnet explain` prints it (for a worked example, with its
    notation and form), and the update p ← p − η∇p of that one sample."""
    x, target = session.sample(split, index)
    ex = session.example
    lr = session.trainer.base_lr
    if ex is not None:
        tr = trace(session.net, x, target, session.loss, lr, form=ex.form, notation=ex.notation,
                   title=f"worked example {session.settings.example}")  # fmt: skip
    else:
        tr = trace(session.net, x, target, session.loss, lr,
                   title=f"sample {split} #{index}: x = ({', '.join(num(v) for v in x)}), "
                   f"target {num(target)}")  # fmt: skip
    return {"split": split, "index": index, "text": render(tr, "text"), "passed": tr.passed}
