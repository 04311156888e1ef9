"""Layers: forward values, central-difference checks of every backward pass, shapes, errors."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ValidationError

RNG = np.random.default_rng(1234)


def numeric_input_grad(layer, x, g, eps=1e-6):
    """∂(Σ g ⊙ f(x))/∂x by central differences, element by element."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = np.sum(g * layer.forward(x.copy()))
        x[idx] = old - eps
        down = np.sum(g * layer.forward(x.copy()))
        x[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def built(layer, dtype="float64"):
    layer.build(np.random.default_rng(0), np.dtype(dtype), None)
    return layer


def rel_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12))


ACTIVATIONS = [gn.Sigmoid, gn.Tanh, gn.ReLU, lambda: gn.LeakyReLU(0.1), gn.Identity, gn.Softmax]


@pytest.mark.parametrize("make", ACTIVATIONS, ids=lambda m: repr(m()))
def test_activation_backward_matches_central_differences(make):
    layer = built(make())
    x = RNG.normal(size=(5, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the ReLU kink
    g = RNG.normal(size=(5, 4))
    layer.forward(x)
    analytic = layer.backward(g)
    assert rel_error(analytic, numeric_input_grad(layer, x, g)) < 1e-7


def test_dense_backward_matches_central_differences():
    layer = built(gn.Dense(3, 2))
    x = RNG.normal(size=(4, 3))
    g = RNG.normal(size=(4, 2))
    layer.forward(x)
    dx = layer.backward(g)
    assert rel_error(dx, numeric_input_grad(layer, x, g)) < 1e-7
    for name in ("W", "b"):
        theta = getattr(layer, name)
        numeric = np.zeros_like(theta)
        for idx in np.ndindex(theta.shape):
            old = theta[idx]
            theta[idx] = old + 1e-6
            up = np.sum(g * layer.forward(x))
            theta[idx] = old - 1e-6
            down = np.sum(g * layer.forward(x))
            theta[idx] = old
            numeric[idx] = (up - down) / 2e-6
        layer.forward(x)
        layer.backward(g)
        assert rel_error(getattr(layer, "d" + name), numeric) < 1e-7


def test_dense_equations_and_shapes():
    layer = built(gn.Dense(2, 3, W=[[1, 2], [3, 4], [5, 6]], b=[0.5, -1, 0]))
    X = np.array([[1.0, 0.0], [2.0, -1.0]])
    Z = layer.forward(X)
    np.testing.assert_allclose(Z, [[1.5, 2, 5], [0.5, 1, 4]])
    G = np.array([[1.0, 0, 2], [0, 1, 0]])
    dX = layer.backward(G)
    np.testing.assert_allclose(layer.dW, G.T @ X)
    np.testing.assert_allclose(layer.db, [1, 1, 2])
    np.testing.assert_allclose(dX, G @ layer.W)
    assert layer.W.shape == (3, 2) and layer.b.shape == (3,)


def test_dense_gradients_are_overwritten_not_accumulated():
    layer = built(gn.Dense(2, 2))
    X = np.ones((3, 2))
    G = np.ones((3, 2))
    layer.forward(X)
    layer.backward(G)
    first = layer.dW.copy()
    layer.forward(X)
    layer.backward(G)
    np.testing.assert_array_equal(layer.dW, first)


def test_augmented_weights_round_trip():
    Wb = [[3, 4, -2], [2, 3, -4]]
    layer = built(gn.Dense(2, 2, Wb=Wb))
    np.testing.assert_array_equal(layer.W, [[3, 4], [2, 3]])
    np.testing.assert_array_equal(layer.b, [-2, -4])
    np.testing.assert_array_equal(layer.Wb, Wb)
    x = np.array([[1.0, 0.0]])
    # [W | b] acting on [x; 1] is the same map as W x + b
    np.testing.assert_allclose(layer.forward(x)[0], np.array(Wb) @ [1.0, 0.0, 1.0])


@pytest.mark.parametrize(
    ("init", "check"),
    [
        ("he", lambda W: abs(W.std() - np.sqrt(2 / 400)) < 0.004),
        ("xavier", lambda W: np.abs(W).max() <= np.sqrt(6 / 500)),
        ("uniform", lambda W: np.abs(W).max() <= 1 / np.sqrt(400)),
        ("zeros", lambda W: not W.any()),
    ],
)
def test_initialisers_follow_their_distributions(init, check):
    layer = built(gn.Dense(400, 100, init=init))
    assert check(layer.W)
    assert not layer.b.any()


def test_auto_initialiser_uses_he_before_relu_and_xavier_otherwise():
    relu_net = gn.Network([gn.Dense(400, 200), gn.ReLU(), gn.Dense(200, 1)], seed=0)
    sig_net = gn.Network([gn.Dense(400, 200), gn.Sigmoid(), gn.Dense(200, 1)], seed=0)
    assert abs(relu_net.layers[0].W.std() - np.sqrt(2 / 400)) < 0.002
    assert np.abs(sig_net.layers[0].W).max() <= np.sqrt(6 / 600)


def test_relu_derivative_at_zero_is_zero():
    layer = built(gn.ReLU())
    layer.forward(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(layer.backward(np.ones((1, 3))), [[0, 0, 1]])


def test_sigmoid_is_stable_for_large_inputs():
    layer = built(gn.Sigmoid())
    with np.errstate(over="raise"):
        y = layer.forward(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_allclose(y, [[0.0, 0.5, 1.0]])


def test_softmax_rows_sum_to_one_and_local_jacobian():
    layer = built(gn.Softmax())
    z = np.array([1.0, 2.0, 3.0])
    y = layer.forward(z[None])[0]
    assert y.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(layer.local_jacobian(z), np.diag(y) - np.outer(y, y))


def test_dropout_is_inverted_and_only_active_while_training():
    layer = gn.Dropout(0.5)
    layer.build(np.random.default_rng(0), np.dtype("float64"), None)
    x = np.ones((2000, 50))
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    y = layer.forward(x, training=True)
    assert set(np.unique(y)) == {0.0, 2.0}
    assert abs(y.mean() - 1.0) < 0.02
    g = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(g, y)  # the same mask scales the gradient


def test_standardize_converts_integers_and_scales():
    layer = gn.Standardize(0, 255)
    layer.build(None, np.dtype("float32"), None)
    pixels = np.array([[0, 255, 51]], dtype=np.uint8)
    y = layer.forward(pixels)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [[0, 1, 0.2]], rtol=1e-6)
    assert pixels[0, 1] == 255  # the caller's array is untouched


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: gn.Dense(0, 3), "n_in must be a positive integer, got 0"),
        (lambda: gn.Dense(2, -1), "n_out must be a positive integer, got -1"),
        (lambda: gn.Dense(2, 3, init="magic"), "unknown initialiser 'magic'; valid initialisers"),
        (lambda: gn.Dense(2, 2, W=np.ones((3, 2))), r"W must have shape \(2, 2\), got \(3, 2\)"),
        (lambda: gn.Dense(2, 2, Wb=np.ones((2, 2))), r"Wb must have shape \(2, 3\)"),
        (lambda: gn.Dense(1, 1, W=[[np.nan]]), "non-finite"),
        (lambda: gn.Dropout(1.0), r"p must be in \[0, 1\)"),
        (lambda: gn.LeakyReLU(-0.1), r"alpha must be in \[0, 1\)"),
        (lambda: gn.Standardize(0, 0), "std must be positive"),
    ],
)
def test_layer_validation_messages(make, message):
    with pytest.raises(ValidationError, match=message):
        make()


@pytest.mark.parametrize(
    ("mean", "std", "shown"),
    [(0, 255, "Standardize(0, 255)"), ([1.0, 2.0], [3.0, 4.0], "Standardize(2 features)"),
     (0, [1.0, 2.0], "Standardize(2 features)"), ([1.0, 2.0], 1, "Standardize(2 features)")],
)  # fmt: skip
def test_a_standardize_layer_prints_whatever_mix_of_scalars_and_vectors_it_holds(mean, std, shown):
    assert repr(gn.Standardize(mean, std)) == shown
