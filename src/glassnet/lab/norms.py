"""Weight and gradient magnitudes per layer over training: in a deep sigmoid network the
gradients shrink layer by layer towards the input (vanishing gradients), in a ReLU one not."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from glassnet.lab.problem import Problem
from glassnet.models.recipes import Recipe
from glassnet.nn.network import Network


@dataclass
class NormRecord:
    """Per layer and epoch: ‖W‖ (Frobenius, end of epoch) and the mean over the epoch's batches
    of ‖∂L/∂W‖. Lists are indexed [layer][epoch]."""

    label: str
    layers: list[str]
    weight_norm: list[list[float]]
    grad_norm: list[list[float]]
    loss: list[float]

    def to_dict(self) -> dict:
        return asdict(self)


def gradient_norms(net: Network, X, y, *, label: str = "", on_epoch=None,
                   **fit_kwargs) -> NormRecord:  # fmt: skip
    """Train `net` with `fit_kwargs`, recording ‖W‖ and ‖∇W‖ of every Dense layer per epoch;
    on_epoch(), when given, is called after each epoch (a progress display)."""
    dense = net.dense_layers
    weight = [[] for _ in dense]
    grad = [[] for _ in dense]
    batch_sums = np.zeros(len(dense))
    batches = [0]
    losses: list[float] = []

    def record(event):
        if event["event"] == "batch":  # dW holds this batch's ∂L/∂W
            batch_sums[:] += [np.linalg.norm(layer.dW) for layer in dense]
            batches[0] += 1
            return
        if event["event"] != "epoch":
            return
        for i, layer in enumerate(dense):
            weight[i].append(float(np.linalg.norm(layer.W)))
            grad[i].append(float(batch_sums[i] / max(batches[0], 1)))
        losses.append(float(event["history"].train_loss[-1]))
        batch_sums[:] = 0
        batches[0] = 0
        if on_epoch is not None:
            on_epoch()

    net.fit(X, y, callback=record, **fit_kwargs)
    names = [f"layer {i + 1} ({d.n_in}→{d.n_out})" for i, d in enumerate(dense)]
    return NormRecord(label or repr(net), names, weight, grad, losses)


def deep_comparison(problem: Problem, *, depth: int = 6, width: int = 16, epochs: int = 20,
                    seed: int = 0, lr: float = 0.1, batch_size: int = 32,
                    progress=None) -> list[NormRecord]:  # fmt: skip
    """The same deep network (`depth` hidden layers of `width`) with sigmoid and with ReLU
    hidden layers, trained alike with plain SGD: sigmoid's gradients shrink layer by layer
    towards the input (vanishing gradients), ReLU's do not. progress(done, total, what), when
    given, is called after each epoch of either network."""
    records = []
    done, total = [0], 2 * epochs

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], total, "epochs")

    if progress is not None:
        progress(0, total, "epochs: training")
    for activation in ("sigmoid", "relu"):
        recipe = Recipe(f"deep {activation}", (width,) * depth, activation, optimizer="sgd",
                        lr=lr, batch_size=batch_size, epochs=epochs)  # fmt: skip
        net = problem.network(recipe, seed)
        fit_kwargs = {**recipe.fit_kwargs(), "loss": problem.loss(recipe)}
        label = f"{depth} hidden {activation} layers"
        records.append(gradient_norms(net, problem.X, problem.y, label=label, on_epoch=tick,
                                      **fit_kwargs))  # fmt: skip
    return records
