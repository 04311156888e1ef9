"""Sample weights in the training loop: the weighted cost, its gradient, and the two rules
that make weights exact (equal weights are no weights; a weight of 0 leaves a row out)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ValidationError
from glassnet.nn import losses


def data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    return X, (X[:, 0] - X[:, 1] > 0).astype(np.int64)


def network(seed=0):
    return gn.Network([gn.Dense(3, 8), gn.ReLU(), gn.Dense(8, 2)], seed=seed)


def weights_of(net):
    return [p.copy() for p, _ in net.parameters()]


def train(X, y, **kwargs):
    net = network()
    net.fit(X, y, optimizer=gn.optimizers.Adam(lr=0.01), epochs=5, batch_size=16, **kwargs)
    return weights_of(net)


def test_equal_weights_train_exactly_as_no_weights():
    X, y = data()
    for ours, plain in zip(train(X, y, sample_weight=np.full(len(X), 3.0)), train(X, y),
                           strict=True):  # fmt: skip
        np.testing.assert_array_equal(ours, plain)


def test_a_zero_weight_leaves_the_row_out_exactly():
    X, y = data()
    w = np.ones(len(X))
    w[::4] = 0
    kept = w > 0
    for ours, removed in zip(train(X, y, sample_weight=w), train(X[kept], y[kept]), strict=True):
        np.testing.assert_array_equal(ours, removed)


@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error", "mse"])
def test_the_weighted_gradient_is_the_derivative_of_the_weighted_cost(loss):
    X, y = data(8)
    net = network().copy(dtype="float64")
    w = np.linspace(0.5, 2.0, 8)
    target = y if loss == "cross_entropy" else np.eye(2)[y]
    cost, _ = net.loss_and_backward(losses.get(loss), X.astype(np.float64), target, weights=w)
    layer, eps = net.dense_layers[0], 1e-6
    analytic = layer.dW[1, 2]

    def cost_at(delta):
        layer.W[1, 2] += delta
        value = net.cost(losses.get(loss), net.forward(X), target, w)
        layer.W[1, 2] -= delta
        return value

    assert cost == pytest.approx(cost_at(0.0))
    assert analytic == pytest.approx((cost_at(eps) - cost_at(-eps)) / (2 * eps), rel=1e-5)


def test_heavier_class_weights_move_the_predictions():
    X, y = data(400)
    w = np.where(y == 1, 10.0, 1.0)
    net = network()
    net.fit(X, y, optimizer=gn.optimizers.Adam(lr=0.01), epochs=20, sample_weight=w)
    plain = network()
    plain.fit(X, y, optimizer=gn.optimizers.Adam(lr=0.01), epochs=20)
    assert (net.predict(X) == 1).mean() > (plain.predict(X) == 1).mean()


@pytest.mark.parametrize(
    "weights, message",
    [([1.0, 2.0], "one weight per sample"), ([-1.0] * 120, "≥ 0"), ([0.0] * 120, "zero")],
)
def test_bad_weights_are_refused(weights, message):
    X, y = data()
    with pytest.raises(ValidationError, match=message):
        network().fit(X, y, sample_weight=weights)
