"""What the page draws, computed by glassnet: one frame of a session as a JSON-ready dict.

    frame(session)    the counters and costs, the weights, the output's decision surface and
                      every unit's own surface over the input plane (or curve over the input
                      line), the cost curves, the hidden feature space (glassnet.lab.features)
                      and the units glassnet.lab.diagnose finds dead or saturated
    points(session)   the data: train and test points, sent once per data set

Surfaces travel as bytes (base64): one byte per grid point, 0 for −1 and 255 for +1 of a
unit's value scaled as the page colours it (σ: 2a − 1; tanh as is; ReLU, identity: a / max|a|).
"""

from __future__ import annotations

import base64

import numpy as np

from glassnet.errors import GlassnetError
from glassnet.lab import diagnose
from glassnet.lab.features import feature_layer, separator
from glassnet.nn.layers import Dense
from glassnet.playground.glassbox import activation_after
from glassnet.train.evaluate import evaluate

GRID = 32  # points along each axis of a surface
CURVE_POINTS = 300  # the most points a cost curve sends


def extent(session) -> list[float]:
    """[x₁ min, x₁ max, x₂ min, x₂ max] of the plane drawn: the data and 15 % around it."""
    if getattr(session.data, "extent", None) is not None:
        return session.data.extent
    X = session.data.all_X()
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.15 * np.maximum(hi - lo, 1.0)  # 1.0: one sample (a worked example) still has a plane
    lo, hi = lo - pad, hi + pad
    box = [float(lo[0]), float(hi[0])] + ([float(lo[1]), float(hi[1])] if X.shape[1] > 1 else [])
    session.data.extent = box
    return box


def grid_points(box: list[float], n: int = GRID) -> np.ndarray:
    """The grid's points as rows, x₂ from top to bottom, x₁ from left to right (image order);
    for a 1-D input, n points along the line."""
    xs = np.linspace(box[0], box[1], n)
    if len(box) == 2:
        return xs[:, None]
    ys = np.linspace(box[3], box[2], n)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def points(session) -> dict:
    """The data set as the page draws it."""
    d = session.data

    def rows(X, y):
        return np.column_stack([X, y]).round(5).tolist()

    values = np.concatenate([d.y_train, d.y_test]).astype(float)
    return {
        "type": "data", "name": d.name, "task": d.task, "classes": d.classes,
        "features": list(d.feature_names), "extent": extent(session), "grid": GRID,
        "train": rows(d.X_train, d.y_train), "test": rows(d.X_test, d.y_test),
        "range": [float(values.min()), float(values.max())],
    }  # fmt: skip


def frame(session) -> dict:
    """One picture of the session (module docstring); a diverged network's overflows show as
    the numbers they are (∞, NaN), not as warnings."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _frame(session)


def _frame(session) -> dict:
    net = session.net
    box = extent(session)
    P = grid_points(box)
    y = np.asarray(net.forward(P), dtype=float)
    units = []
    for position, layer in enumerate(net.layers):
        if isinstance(layer, Dense):
            units.append(_unit_values(net, position))
    out = {
        "type": "frame",
        **status(session),
        "network": network(session),
        "units": [[_encode(u) for u in layer.T] for layer in units]
        if len(box) == 4
        else [np.round(layer.T, 4).tolist() for layer in units],  # fmt: skip
        "output": _output(session, P, y),
        "curves": curves(session.trainer.history),
        "features": features(session),
        "diagnosis": diagnosis(session),
    }
    return out


def status(session) -> dict:
    """The counters and the costs (the whole train and test sets, now)."""
    d, net = session.data, session.net
    train = evaluate(net, d.X_train, d.y_train, session.loss)
    test = evaluate(net, d.X_test, d.y_test, session.loss)
    return {
        "epoch": session.trainer.epoch,
        "updates": session.updates,
        "playing": session.playing,
        "gd": session.gd_name,
        "batch_size": session.trainer.batch_size,
        "train_cost": train["loss"],
        "test_cost": test["loss"],
        "train_accuracy": train["accuracy"],
        "test_accuracy": test["accuracy"],
        "diverged": session.diverged,
        "selected": session.selected,
        "example": session.settings.example,
        "speed": session.settings.speed,
    }


def network(session) -> dict:
    """Sizes, activations, W and b of every Dense layer."""
    net = session.net
    dense = [(p, layer) for p, layer in enumerate(net.layers) if isinstance(layer, Dense)]
    return {
        "sizes": [net.n_in] + [layer.n_out for _, layer in dense],
        "activations": [activation_after(net, p) for p, _ in dense],
        "W": [layer.W.tolist() for _, layer in dense],
        "b": [layer.b.tolist() for _, layer in dense],
    }


def _unit_values(net, position: int) -> np.ndarray:
    """The activations a = f(z) of a Dense layer's units on the grid, scaled to [−1, 1]."""
    kind = activation_after(net, position)
    a = net.layers[position + 1].y if kind != "Identity" else net.layers[position].y
    a = np.asarray(a, dtype=float)
    if kind in ("Sigmoid", "Softmax"):
        return 2 * a - 1
    if kind == "Tanh":
        return a
    return a / np.maximum(np.abs(a).max(axis=0), 1.0)


def _output(session, P, y) -> dict:
    """The output y over the grid P: p(class 1), the winning class and its probability, or the
    predicted value."""
    net, d = session.net, session.data
    one_d = P.shape[1] == 1
    if d.task == "regression":
        values = y[:, 0]
        if one_d:
            return {"kind": "curve", "values": np.round(values, 5).tolist()}
        lo, hi = (
            float(min(d.y_train.min(), values.min())),
            float(max(d.y_train.max(), values.max())),
        )
        scaled = 2 * (values - lo) / max(hi - lo, 1e-9) - 1
        return {"kind": "value", "surface": _encode(scaled), "range": [lo, hi]}
    probabilities = class_probabilities(net, y)
    if probabilities.shape[1] == 1:
        p1 = probabilities[:, 0]
    elif probabilities.shape[1] == 2:
        p1 = probabilities[:, 1]
    else:
        winner = probabilities.argmax(axis=1)
        confidence = probabilities.max(axis=1)
        return {"kind": "classes", "classes": base64.b64encode(winner.astype(np.uint8).tobytes())
                .decode("ascii"), "confidence": _encode(2 * confidence - 1)}  # fmt: skip
    if one_d:
        return {"kind": "curve", "values": np.round(p1, 5).tolist()}
    return {"kind": "binary", "surface": _encode(2 * p1 - 1)}


def class_probabilities(net, out: np.ndarray) -> np.ndarray:
    """p(class 1) (N, 1) of one output, or the K class probabilities (N, K): the output layer's
    own σ or softmax, or softmax of the logits a cross-entropy network ends with."""
    last = type(net.layers[-1]).__name__
    if last in ("Sigmoid", "Softmax"):
        return out
    if out.shape[1] == 1:
        return 1 / (1 + np.exp(-out))
    e = np.exp(out - out.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _encode(values: np.ndarray) -> str:
    """Values in [−1, 1] as bytes 0…255, base64."""
    scaled = np.clip((np.asarray(values, dtype=float) + 1) * 127.5, 0, 255)
    return base64.b64encode(np.round(scaled).astype(np.uint8).tobytes()).decode("ascii")


def curves(history) -> dict:
    """Train and test cost by epoch, at most CURVE_POINTS of them."""
    n = len(history)
    keep = np.unique(np.linspace(0, n - 1, min(n, CURVE_POINTS)).astype(int)) if n else []
    return {
        "epoch": [history.epoch[i] for i in keep],
        "train": _finite([history.train_loss[i] for i in keep]),
        "test": _finite([history.val_loss[i] for i in keep]),
    }


def _finite(values: list) -> list:
    """Rounded numbers, with None for a missing or non-finite one."""
    a = np.array([np.nan if v is None else v for v in values], dtype=float).round(6)
    return [v if np.isfinite(v) else None for v in a.tolist()]


def features(session) -> dict | None:
    """The last hidden layer's activations h(x) of every point, when it has 2 or 3 units, and
    the output's separating line or plane c·h + d = 0 in that space (glassnet.lab.features)."""
    net, d = session.net, session.data
    try:
        index = feature_layer(net)
    except GlassnetError:
        return None
    net.forward(d.all_X())
    H = np.asarray(net.layers[index].x, dtype=float)
    H_train, H_test = H[: len(d.X_train)], H[len(d.X_train) :]
    sep = separator(net)
    return {
        "dims": H_train.shape[1],
        "train": np.round(H_train, 4).tolist(),
        "test": np.round(H_test, 4).tolist(),
        "separator": None if sep is None else [np.round(sep[0], 6).tolist(), round(sep[1], 6)],
    }


def diagnosis(session) -> list[dict]:
    """Dead ReLU and saturated σ/tanh units on the training data (glassnet.lab.diagnose), with
    glassnet's advice; the layer is the Dense layer (1-based) whose units they are."""
    found = []
    for report in diagnose.hidden_units(session.net, session.data.X_train):
        if report["units"]:
            advice = diagnose.ADVICE["dead_relu" if report["kind"] == "dead" else "saturated"]
            found.append({"layer": report["hidden"], "kind": report["kind"],
                          "units": report["units"], "advice": advice})  # fmt: skip
    return found
