"""Why a network did not solve its task: dead ReLU units, saturated sigmoid/tanh units,
divergence, or a local minimum, each with advice."""

from __future__ import annotations

import numpy as np

from glassnet.errors import DivergenceError
from glassnet.nn.layers import ReLU, Sigmoid, Tanh
from glassnet.nn.network import Network

# A unit is saturated when its activation's derivative stays below this on every sample:
# σ′(z) < 0.01 for |z| > 4.6, tanh′(z) < 0.01 for |z| > 2.6.
SATURATION = 0.01

ADVICE = {
    "dead_relu": (
        "Hidden ReLU units never switch on, so no gradient reaches them: use more hidden units, "
        "LeakyReLU, a smaller learning rate or another seed."
    ),
    "saturated": (
        "Hidden sigmoid/tanh units sit on the flat tails where the derivative is almost 0: "
        "scale the inputs, use a smaller initialisation or learning rate, or switch to ReLU."
    ),
    "divergence": (
        "The cost or the weights ran off to infinity: lower the learning rate (try a tenth) and "
        "standardise the inputs."
    ),
    "local_minimum": (
        "Training settled where the gradient is small but the data is not fitted: train longer, "
        "add hidden units, or try another seed or optimizer."
    ),
}


def hidden_units(net: Network, X) -> list[dict]:
    """For each hidden activation layer (not the output): its type, and per unit whether it is
    dead (ReLU with pre-activation z ≤ 0 on every sample) or saturated (sigmoid/tanh with
    f′(z) < SATURATION on every sample). Runs one forward pass on X."""
    net.forward(X)
    report = []
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        if i == last or not isinstance(layer, (ReLU, Sigmoid, Tanh)):
            continue
        z = np.asarray(layer.x, dtype=np.float64)
        if isinstance(layer, ReLU):
            bad = np.all(z <= 0, axis=0)
            kind = "dead"
        else:
            derivative = np.asarray(layer.derivative(), dtype=np.float64)
            bad = np.all(derivative < SATURATION, axis=0)
            kind = "saturated"
        report.append({
            "layer": i,  # index in net.layers
            "hidden": len(report) + 1,  # 1 for the first hidden layer
            "type": type(layer).__name__,
            "kind": kind,
            "units": np.flatnonzero(bad).tolist(),
            "width": z.shape[1],
        })  # fmt: skip
    return report


def classify_failure(net: Network | None, X, error: Exception | None = None) -> tuple[str, str]:
    """(kind, detail) for a network that did not solve its task.

    divergence     a DivergenceError was raised, or a weight is not finite;
    dead_relu      some hidden ReLU unit has pre-activation z ≤ 0 on every sample;
    saturated      some hidden sigmoid/tanh unit has f′(z) < 0.01 on every sample;
    local_minimum  none of these: training stopped somewhere that does not fit the data.
    """
    if isinstance(error, DivergenceError):
        return "divergence", str(error).split(":")[0]
    if net is None or not all(np.all(np.isfinite(p)) for p, _ in net.parameters()):
        return "divergence", "a weight is not finite"
    units = hidden_units(net, X)
    for kind, name in (("dead", "dead_relu"), ("saturated", "saturated")):
        found = [u for u in units if u["kind"] == kind and u["units"]]
        if found:
            return name, ", ".join(_describe(u, kind) for u in found)
    return "local_minimum", "no dead or saturated unit"


def _describe(units: dict, kind: str) -> str:
    """E.g. "2 of 3 ReLU units dead in hidden layer 1"."""
    return (f"{len(units['units'])} of {units['width']} {units['type']} units {kind} in hidden "
            f"layer {units['hidden']}")  # fmt: skip


def is_solved(net: Network, X, y) -> bool:
    """Solved means every sample is classified right."""
    return bool(np.all(net.predict(X) == np.asarray(y)))
