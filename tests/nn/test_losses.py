"""Costs: values by their definitions, gradients by central differences, fused forms, names."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ValidationError
from glassnet.nn.layers import softmax

RNG = np.random.default_rng(7)


def numeric_grad(f, a, eps=1e-6):
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        up = f(a)
        a[idx] = old - eps
        down = f(a)
        a[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def rel_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12))


def test_squared_error_family_values_by_definition():
    y_hat = np.array([[1.0, 2.0], [0.0, 0.0]])
    y = np.array([[0.0, 0.0], [1.0, 1.0]])
    # per sample Σₖ(ŷₖ − yₖ)²: 5 and 2, mean 3.5
    assert gn.losses.get("squared_error").value(y_hat, y) == pytest.approx(3.5)
    assert gn.losses.get("half_squared_error").value(y_hat, y) == pytest.approx(1.75)
    # mse: mean over all 4 elements: 7 / 4
    assert gn.losses.get("mse").value(y_hat, y) == pytest.approx(1.75)


@pytest.mark.parametrize("name", ["squared_error", "half_squared_error", "mse"])
def test_squared_family_gradients(name):
    loss = gn.losses.get(name)
    y_hat, y = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    numeric = numeric_grad(lambda a: loss.value(a, y), y_hat.copy())
    assert rel_error(loss.grad(y_hat, y), numeric) < 1e-7


def test_binary_cross_entropy_value_gradient_and_clipping():
    loss = gn.losses.get("binary_cross_entropy")
    p = np.array([[0.9], [0.2]])
    y = np.array([[1.0], [0.0]])
    expected = -(np.log(0.9) + np.log(0.8)) / 2
    assert loss.value(p, y) == pytest.approx(expected)
    numeric = numeric_grad(lambda a: loss.value(a, y), p.copy())
    assert rel_error(loss.grad(p, y), numeric) < 1e-7
    # log(0) is clipped at the dtype's epsilon, never nan or inf
    assert np.isfinite(loss.value(np.array([[0.0]]), np.array([[1.0]])))


def test_binary_cross_entropy_logit_form_matches_probability_form():
    loss = gn.losses.get("binary_cross_entropy")
    z = RNG.normal(size=(6, 1)) * 3
    y = (RNG.random((6, 1)) > 0.5).astype(float)
    p = 1 / (1 + np.exp(-z))
    value, grad = loss.value_and_grad_logits(z, y)
    assert value == pytest.approx(loss.value(p, y), rel=1e-10)
    np.testing.assert_allclose(grad, (p - y) / 6)  # δ = σ(z) − y, over N
    # stable where the probability form would overflow
    big_value, _ = loss.value_and_grad_logits(np.array([[800.0]]), np.array([[0.0]]))
    assert big_value == pytest.approx(800.0)


def test_cross_entropy_value_and_fused_gradient():
    loss = gn.losses.get("cross_entropy")
    z = RNG.normal(size=(5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    expected = np.mean(-np.log(softmax(z)[np.arange(5), labels]))
    assert loss.value(z, labels) == pytest.approx(expected)
    numeric = numeric_grad(lambda a: loss.value(a, labels), z.copy())
    assert rel_error(loss.grad(z, labels), numeric) < 1e-7
    onehot = np.eye(4)[labels]
    np.testing.assert_allclose(loss.grad(z, labels), (softmax(z) - onehot) / 5)


def test_cross_entropy_is_stable_for_huge_logits():
    loss = gn.losses.get("cross_entropy")
    z = np.array([[1000.0, 0.0], [0.0, -1000.0]])
    value = loss.value(z, np.array([1, 0]))
    assert value == pytest.approx(500.0)


def test_cost_is_a_mean_so_batch_size_does_not_change_it():
    loss = gn.losses.get("squared_error")
    y_hat, y = RNG.normal(size=(3, 2)), RNG.normal(size=(3, 2))
    doubled = loss.value(np.vstack([y_hat, y_hat]), np.vstack([y, y]))
    assert doubled == pytest.approx(loss.value(y_hat, y))


def test_unknown_loss_lists_the_valid_names():
    with pytest.raises(ValidationError, match="unknown loss 'hinge'; valid losses: squared_error"):
        gn.losses.get("hinge")
