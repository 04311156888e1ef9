"""The networks a learner builds, as the compiled-step tests train them (tests/fast).

Sigmoid, tanh, leaky ReLU, identity and ReLU hidden layers; cross-entropy (on logits or after a
Softmax), binary cross-entropy on a final sigmoid and the squared-error family (squared error,
half squared error, MSE) on any of those outputs; SGD with momentum, Nesterov and weight decay,
Adam and AdamW: each a 20-24-16-k network on 100 uint8 samples, in float32 or float64, trained
by the C step or by the layer-by-layer reference step from the same start; and `assert_agree`,
how two such runs are compared."""

import copy

import numpy as np

import glassnet as gn
from glassnet.fast import step as fastpath


class Learners:
    """The data, the networks and `train` for one dtype."""

    def __init__(self, dtype: str, seed: int):
        rng = np.random.default_rng(seed)
        self.dtype = dtype
        self.X = rng.integers(0, 256, (100, 20)).astype(np.uint8)
        self.labels = rng.integers(0, 4, 100)
        self.values = rng.standard_normal((100, 1)).astype(dtype)
        self.cases = self._cases()

    def net(self, act, out=None, k=4) -> gn.Network:
        layers = [gn.Standardize(0, 255), gn.Dense(20, 24), act(), gn.Dense(24, 16), act(),
                  gn.Dense(16, k)]  # fmt: skip
        return gn.Network(layers + ([out()] if out else []), seed=0, dtype=self.dtype)

    def _cases(self) -> dict:
        """name: (network, loss, optimizer, targets)"""
        net, labels, values = self.net, self.labels, self.values
        return {
            "ReLU, cross-entropy, SGD": (lambda: net(gn.ReLU), "cross_entropy", gn.SGD(0.1),
                                         labels),
            "ReLU, softmax, cross-entropy": (lambda: net(gn.ReLU, gn.Softmax), "cross_entropy",
                                             gn.SGD(0.1), labels),
            "tanh, cross-entropy": (lambda: net(gn.Tanh), "cross_entropy", gn.SGD(0.1), labels),
            "sigmoid, squared error on a sigmoid": (
                lambda: net(gn.Sigmoid, gn.Sigmoid), "squared_error", gn.SGD(0.5), labels),
            "leaky ReLU, Nesterov": (lambda: net(leaky), "cross_entropy",
                                     gn.SGD(0.05, momentum=0.9, nesterov=True), labels),
            "identity, cross-entropy": (lambda: net(gn.Identity), "cross_entropy", gn.SGD(0.05),
                                        labels),
            "ReLU, MSE": (lambda: net(gn.ReLU), "mse", gn.SGD(0.1), labels),
            "ReLU, half squared error, momentum and decay": (
                lambda: net(gn.ReLU), "half_squared_error",
                gn.SGD(0.1, momentum=0.9, weight_decay=1e-3), labels),
            "ReLU, binary cross-entropy": (
                lambda: net(gn.ReLU, gn.Sigmoid), "binary_cross_entropy", gn.SGD(0.1), labels),
            "one sigmoid output, binary cross-entropy": (
                lambda: net(gn.ReLU, gn.Sigmoid, k=1), "binary_cross_entropy", gn.SGD(0.1),
                labels % 2),
            "tanh regression, MSE": (lambda: net(gn.Tanh, k=1), "mse", gn.SGD(0.1), values),
            "tanh output, squared error": (lambda: net(gn.ReLU, gn.Tanh), "squared_error",
                                           gn.SGD(0.1), labels),
            "ReLU, momentum": (lambda: net(gn.ReLU), "cross_entropy", gn.SGD(0.1, momentum=0.9),
                               labels),
            "ReLU, Adam": (lambda: net(gn.ReLU), "cross_entropy", gn.Adam(0.01), labels),
            "tanh, Adam": (lambda: net(gn.Tanh), "cross_entropy", gn.Adam(0.01), labels),
            "sigmoid, AdamW, MSE": (lambda: net(gn.Sigmoid), "mse",
                                    gn.AdamW(0.01, weight_decay=0.1), labels),
        }  # fmt: skip

    def train(self, case, fast: bool, monkeypatch, batch_size=16, epochs=3, callback=None):
        """(trainer, history) of the case trained on the C step (fast) or the reference step."""
        make, loss, optimizer, targets = self.cases[case]
        monkeypatch.setenv(fastpath.FAST_ENV, "1" if fast else "0")
        trainer = gn.Trainer(make(), self.X, targets, loss=loss,
                             optimizer=copy.deepcopy(optimizer), epochs=epochs,
                             batch_size=batch_size, callback=callback)  # fmt: skip
        return trainer, trainer.run()


def leaky():
    return gn.LeakyReLU(0.1)


def assert_agree(fast, plain, rtol=2e-5, atol=1e-6):
    """Two runs, (trainer, history) each, on the C step and on the reference step from the
    same start, agree: weights to (rtol, atol), the last gradients, the losses and the
    accuracies, and the optimizers counted the same steps."""
    (t_fast, h_fast), (t_plain, h_plain) = fast, plain
    for (p, g), (q, h) in zip(t_fast.net.parameters(), t_plain.net.parameters(), strict=True):
        np.testing.assert_allclose(p, q, rtol=rtol, atol=atol)
        np.testing.assert_allclose(g, h, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(h_fast.train_loss, h_plain.train_loss, rtol=1e-5)
    assert h_fast.train_accuracy == h_plain.train_accuracy
    assert t_fast.optimizer.t == t_plain.optimizer.t
