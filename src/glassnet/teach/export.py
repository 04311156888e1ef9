"""A Trace, Table or Document as plain data (`glassnet explain --json`): numbers, not layout.

    as_dict(trace) == {"network": …, "loss": …, "x": [...], "target": [...],
                       "forward": {"z⁽¹⁾": [...], …}, "cost": C,
                       "gradients": [{"layer": i, "W": …, "b": …, "∂L/∂W": …, "∂L/∂b": …}],
                       "lr": η, "new_cost": C after one step, "checks": {…}}

Symbols keep glassnet's Unicode notation; biases and their gradients are in the sign the trace
displays (a document's z = W a − b shows its own b and ∂L/∂b).
"""

from __future__ import annotations

import numpy as np

from glassnet.teach.document import Document, Table
from glassnet.teach.trace import Trace


def as_dict(obj) -> dict:
    """The numbers of a Trace, Table or Document as JSON-ready dicts and lists."""
    if isinstance(obj, Trace):
        return _trace(obj)
    if isinstance(obj, Table):
        return {"table": obj.title, "headers": obj.headers,
                "rows": [[_plain(c) for c in row] for row in obj.rows]}  # fmt: skip
    if isinstance(obj, Document):
        return {"title": obj.title, "parts": [as_dict(p) for p in obj.parts]}
    return {"text": str(obj)}


def _trace(tr: Trace) -> dict:
    gradients = []
    for lg in tr.layers:
        Wb, grad = np.asarray(lg.Wb), np.asarray(lg.grad["chain"])
        entry = {"layer": lg.layer, "weight": lg.weight, "bias": lg.bias,
                 "W": Wb[:, :-1], "b": Wb[:, -1], "dW": grad[:, :-1], "db": grad[:, -1],
                 "delta": lg.delta}  # fmt: skip
        if lg.new_Wb is not None:
            entry["new_W"], entry["new_b"] = lg.new_Wb[:, :-1], lg.new_Wb[:, -1]
        gradients.append({k: _plain(v) for k, v in entry.items()})
    return {
        "title": tr.title,
        "network": tr.network,
        "loss": tr.loss,
        "form": tr.form,
        "x": _plain(tr.x),
        "target": _plain(tr.target),
        "forward": {q.symbol: _plain(q.value) for q in tr.forward},
        "cost": float(tr.cost),
        "gradients": gradients,
        "lr": tr.lr,
        "new_cost": None if tr.new_cost is None else float(tr.new_cost),
        "checks": {k: float(v) for k, v in tr.errors.items()},
        "notes": list(tr.notes),
    }


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
