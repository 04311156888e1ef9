"""Document 000, "But How Do Neural Networks Work?": the 2-3-1 XOR network with the extra 1.

x̃ = [x; 1], z₁ = [W⁽¹⁾x̃; 1], x₂ = R(z₁), z₂ = W⁽²⁾x₂, ỹ = σ(z₂), L = (y − ỹ)². The document
gives no numbers: the initial weights are seeded draws, and the example traces one sample
before and after training on Gaussian clusters around the four XOR points.
"""

from __future__ import annotations

import numpy as np

from glassnet.nn.layers import Dense, ReLU, Sigmoid
from glassnet.nn.network import Network
from glassnet.teach.document import Document, Table
from glassnet.teach.notation import num
from glassnet.teach.trace import trace
from glassnet.teach.worked.common import XOR_INPUTS, XOR_TARGETS, Built, Example

SOURCE = "reference/000_957da479c9dc89b4.txt"

WB1_231 = [[1.1, 1.8, -2.6], [-0.1, 1.0, 1.4], [0.7, 1.5, 0.3]]  # W⁽¹⁾ = [A | b], seeded
WB2_231 = [[0.6, 0.2, -1.1, -0.8]]
SEED_231 = 6  # np.random.default_rng(6).normal(0, 1, …) rounded to one decimal gives these
TRAINING_231 = {"n_per_corner": 25, "noise": 0.15, "data_seed": 0, "lr": 1.0, "batch_size": 10,
                "epochs": 150}  # fmt: skip

NOTATION_231 = {
    "input": "x̃",
    "values": ["z₁", "x₂", "z₂", "ỹ"],
    "formulas": ["W⁽¹⁾x̃", "R(z₁)", "W⁽²⁾x₂", "σ(z₂)"],
    "weights": ["A⁽¹⁾", "A⁽²⁾"],
    "biases": ["b⁽¹⁾", "b⁽²⁾"],
    "augmented": ["W⁽¹⁾", "W⁽²⁾"],
    "vectors": ["w₁", "w₂"],
    "cost": "L",
    "target": "y",
    "cost_formula": "(y − ỹ)²",
    "dcost_formula": "2(ỹ − y)",
}


def initial_weights_231() -> tuple[np.ndarray, np.ndarray]:
    """W⁽¹⁾ (3×3) and W⁽²⁾ (1×4): N(0, 1) draws from seed 6, rounded to one decimal.
    (No hidden pre-activation is 0 on the four XOR points, so central differences never
    straddle ReLU's kink there.)"""
    rng = np.random.default_rng(SEED_231)
    return np.round(rng.normal(0, 1, (3, 3)), 1), np.round(rng.normal(0, 1, (1, 4)), 1)


def network_231(Wb1, Wb2) -> Network:
    """Dense(2→3), ReLU, Dense(3→1), Sigmoid from W⁽¹⁾ = [A | b] (3×3) and W⁽²⁾ (1×4)."""
    return Network([Dense(2, 3, Wb=Wb1), ReLU(), Dense(3, 1, Wb=Wb2), Sigmoid()],
                   seed=SEED_231, dtype="float64")  # fmt: skip


def build() -> Built:
    """The 2-3-1 network at its seeded initial weights, in the extra-one form, at (1, 0) → 1."""
    Wb1, Wb2 = initial_weights_231()
    notes = [
        "As document 000 writes it: x̃ = [x; 1], z₁ = [W⁽¹⁾x̃; 1], x₂ = R(z₁), z₂ = W⁽²⁾x₂, "
        "ỹ = σ(z₂), L = (y − ỹ)², with W⁽¹⁾ 3×3 and W⁽²⁾ 1×4 (each is [A | b]: weights and a "
        "bias column). Because R(1) = 1 the appended 1 passes through R unchanged, so this is "
        "glassnet's Dense(2→3), ReLU, Dense(3→1), Sigmoid. The document gives no numbers; the "
        "initial weights are N(0, 1) draws from seed 6, rounded to one decimal. The traced "
        "sample is (1, 0) with target 1.",
        "The document's slips are in its notation, not its equations: the ReLU Jacobian is "
        "labelled dx₁/dz₁ (it is dx₂/dz₁) and cited from 2.2.4 (the list is in 2.4.4); 3.2.2 "
        "says ReLU produces x⁽¹⁾ (it produces x⁽²⁾); z₂ is written as a vector though it is a "
        "scalar; and in 2.4.1 the Jacobian's top-right entry is printed cos(x₁) where "
        "∂f₁/∂x₂ = cos(x₂).",
    ]
    return Built(network_231(Wb1, Wb2), np.array([1.0, 0.0]), np.array([1.0]), "squared_error",
                 1.0, notes, NOTATION_231, form="extra-one",
                 data=(XOR_INPUTS.copy(), XOR_TARGETS.copy()))  # fmt: skip


def training_data() -> tuple[np.ndarray, np.ndarray]:
    """The example's data set: Gaussian clusters (σ = 0.15) of 25 points around each XOR
    point, each with its corner's label (glassnet.datasets.xor_clusters, float64)."""
    from glassnet.datasets.synthetic import xor_clusters

    cfg = TRAINING_231
    X, y = xor_clusters(n_per_corner=cfg["n_per_corner"], noise=cfg["noise"],
                        seed=cfg["data_seed"], dtype="float64")  # fmt: skip
    return X, y.astype(np.float64)


def train_231(net: Network):
    """Train the 2-3-1 network as the example does; returns the History."""
    from glassnet.nn.optimizers import SGD

    cfg = TRAINING_231
    X, y = training_data()
    return net.fit(X, y, loss="squared_error", optimizer=SGD(cfg["lr"]), epochs=cfg["epochs"],
                   batch_size=cfg["batch_size"])  # fmt: skip


def trained_231() -> Network:
    """The 2-3-1 network after the example's training."""
    net = build().net
    train_231(net)
    return net


def worked(ex: Example, lr, x, y) -> Document:
    """The trace before training, the training, ỹ on the four points, the trace after."""
    b = ex.build()
    cfg = TRAINING_231

    def traced(title):
        return trace(b.net, b.x if x is None else x, b.y if y is None else y, b.loss,
                     b.lr if lr is None else lr, form=b.form, notation=b.notation,
                     title=title)  # fmt: skip

    before = traced("Before training")
    y_before = b.net.forward(XOR_INPUTS)[:, 0].copy()
    history = train_231(b.net)
    y_after = b.net.forward(XOR_INPUTS)[:, 0].copy()
    after = traced("After training")
    training = (
        f"Training: {4 * cfg['n_per_corner']} points in Gaussian clusters (σ = {cfg['noise']}, "
        f"seed {cfg['data_seed']}) around the four XOR points, each with its corner's label; "
        f"mini-batch gradient descent, η = {num(cfg['lr'])}, batches of {cfg['batch_size']}, "
        f"{cfg['epochs']} epochs; the mean cost went from {num(history.train_loss[0])} in the "
        f"first epoch to {num(history.train_loss[-1])} in the last."
    )
    rows = [[str(tuple(int(v) for v in xi)), XOR_TARGETS[k], y_before[k], y_after[k]]
            for k, xi in enumerate(XOR_INPUTS)]  # fmt: skip
    table = Table("ỹ on the four XOR points", ["x", "target", "before", "after"], rows,
                  "After training every point is on the right side of 0.5.")  # fmt: skip
    return Document(
        f"{ex.name}: {ex.description}",
        [f"Source: {ex.source}."] + b.notes + [before, training, table, after],
    )


EXAMPLES = [
    Example("xor-2-3-1", "the 2-3-1 ReLU/sigmoid XOR network of document 000 with the "
            "extra-1 bias inputs, before and after training", SOURCE, build, None,
            "2-3-1 XOR network with the extra 1 (document 000)", worked),
]  # fmt: skip
