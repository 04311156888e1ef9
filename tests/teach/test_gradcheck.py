"""gradcheck: whole random networks against central differences, and its diagnoses."""

import importlib

import numpy as np
import pytest

import glassnet as gn

ACTIVATIONS = [gn.Sigmoid, gn.Tanh, gn.ReLU, lambda: gn.LeakyReLU(0.05), gn.Identity]


def random_network(seed, n_hidden, n_in=3, n_out=2, head=None):
    """1–4 hidden layers of random widths with activations drawn at random, random biases."""
    rng = np.random.default_rng(seed)
    widths = [n_in] + list(rng.integers(2, 6, size=n_hidden)) + [n_out]
    layers = []
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        layers.append(gn.Dense(int(a), int(b)))
        layers.append(ACTIVATIONS[rng.integers(len(ACTIVATIONS))]())
    layers.pop()  # the output head is chosen by the loss
    if head is not None:
        layers.append(head())
    net = gn.Network(layers, seed=seed, dtype="float64")
    for layer in net.dense_layers:
        layer.b[...] = rng.normal(0, 0.5, size=layer.b.shape)
    return net


def kink_free_input(net, rng, n=6, margin=0.01):
    """Inputs whose ReLU pre-activations all stay `margin` away from the kink at 0, where a
    numeric derivative is meaningless (gradcheck diagnoses that case separately)."""
    while True:
        X = rng.normal(size=(n, net.n_in))
        net.forward(X)
        kinks = [l.x for l in net.layers if isinstance(l, (gn.ReLU, gn.LeakyReLU))]
        if all(np.abs(z).min() > margin for z in kinks):
            return X


CASES = [
    ("squared_error", None, lambda rng: rng.normal(size=(6, 2))),
    ("half_squared_error", gn.Tanh, lambda rng: rng.normal(size=(6, 2))),
    ("mse", None, lambda rng: rng.normal(size=(6, 2))),
    ("binary_cross_entropy", gn.Sigmoid, lambda rng: (rng.random((6, 2)) > 0.5).astype(float)),
    ("cross_entropy", None, lambda rng: rng.integers(0, 2, 6)),
    ("cross_entropy", gn.Softmax, lambda rng: rng.integers(0, 2, 6)),
]


@pytest.mark.parametrize("n_hidden", [1, 2, 3, 4])
@pytest.mark.parametrize(("loss", "head", "targets"), CASES, ids=[str(i) for i in range(6)])
def test_random_networks_pass_the_gradient_check(n_hidden, loss, head, targets):
    seed = 10 * n_hidden + CASES.index((loss, head, targets))
    rng = np.random.default_rng(seed)
    net = random_network(seed, n_hidden, head=head)
    X = kink_free_input(net, rng)
    result = gn.gradcheck(net, X, targets(rng), loss=loss)
    assert result.worst < 1e-6, str(result)
    assert set(result.per_layer()) == {i for i, l in enumerate(net.layers) if l.params}


def test_result_names_every_parameter_and_prints_a_table():
    net = gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1), gn.Sigmoid()], seed=0)
    X = np.array([[0.1, 0.9], [0.8, 0.3]])
    result = gn.gradcheck(net, X, np.array([1, 0]), loss="squared_error")
    assert [(c.layer, c.param) for c in result.checks] == [(0, "W"), (0, "b"), (2, "W"), (2, "b")]
    text = str(result)
    assert "worst relative error" in text and "PASS" in text
    assert any("float32" in d for d in result.diagnoses)  # the net itself is float32
    assert net.layers[0].W.dtype == np.float32  # and it was not changed


def test_a_wrong_backward_pass_is_caught():
    class BrokenTanh(gn.Tanh):
        def derivative(self):
            return 1.0 - self.y  # should be 1 − y²

    net = gn.Network([gn.Dense(2, 3), BrokenTanh(), gn.Dense(3, 1)], seed=0, dtype="float64")
    # float64_copy rebuilds layers by type name, so check the broken network directly
    module = importlib.import_module("glassnet.teach.gradcheck")

    X = np.random.default_rng(0).normal(size=(4, 2))
    result = module._run(
        net, gn.losses.get("squared_error"), X, np.zeros((4, 1)), 1e-3, None, 0, 1e-6
    )
    assert not result.passed
    assert result.per_layer()[0] > 1e-3 and result.per_layer()[2] < 1e-6


def test_relu_kink_is_diagnosed_as_a_false_alarm():
    # The first hidden unit's input is exactly 0 for the first sample: a step of ±ε crosses it.
    net = gn.Network(
        [
            gn.Dense(2, 2, W=[[1, -1], [0.5, 0.5]], b=[0, 0.1]),
            gn.ReLU(),
            gn.Dense(2, 1, W=[[1.0, 1.0]]),
        ],
        dtype="float64",
    )
    X = np.array([[0.3, 0.3], [0.9, 0.1]])
    result = gn.gradcheck(net, X, np.array([[1.0], [0.0]]), loss="squared_error")
    assert not result.passed
    assert any("within 2ε of 0" in d and "false alarm" in d for d in result.diagnoses)
    assert gn.gradcheck(net, X + [0.05, 0], np.array([[1.0], [0.0]]), loss="squared_error").passed


def test_sampling_limits_the_number_of_checked_entries():
    net = gn.Network([gn.Dense(30, 20), gn.Tanh(), gn.Dense(20, 2)], seed=0)
    X = np.random.default_rng(0).normal(size=(3, 30))
    result = gn.gradcheck(net, X, np.array([0, 1, 1]), loss="cross_entropy", max_checks=25)
    assert len(result.checks[0].checked) == 25 and len(result.checks[1].checked) == 20
    assert result.passed


def test_an_exact_minimum_passes():
    # zero analytic gradient, numeric gradient of rounding size: agreement, not a failure
    net = gn.Network([gn.Dense(2, 1, W=[[0.3, -0.2]], b=[0.1]), gn.Sigmoid()], dtype="float64")
    X = np.array([[1.0, 2.0]])
    result = gn.gradcheck(net, X, net.forward(X), loss="squared_error")
    assert result.passed and result.worst < 1e-6
