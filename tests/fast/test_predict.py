"""Prediction through glassnet.fast (`compiled_forward`) gives what `Network.forward` gives."""

import numpy as np
import pytest

import glassnet as gn

pytest.importorskip("glassnet.fast._ckernels", reason="the C extension is not built")

from glassnet.fast import blas as _blas  # noqa: E402
from glassnet.fast import predict as fastpredict  # noqa: E402
from glassnet.fast import step as fastpath  # noqa: E402
from glassnet.nn import network  # noqa: E402

pytestmark = pytest.mark.skipif(_blas.sgemm() is None, reason="NumPy's sgemm is out of reach")
RNG = np.random.default_rng(2)


def net(hidden_act=gn.ReLU, tail=(), k=5, standardize=True):
    layers = [gn.Standardize(0, 255)] if standardize else []
    layers += [gn.Dense(30, 40), hidden_act(), gn.Dense(40, 24), hidden_act(), gn.Dense(24, k)]
    return gn.Network(layers + [t() for t in tail], seed=1)


@pytest.mark.parametrize(
    ("make", "rows"),
    [
        (lambda: net(), 300),
        (lambda: net(gn.Tanh, (gn.Softmax,)), 64),
        (lambda: net(gn.Sigmoid, (gn.Sigmoid,), k=1), 33),
        (lambda: net(lambda: gn.LeakyReLU(0.2), (gn.Identity,)), 2500),  # three C calls
    ],
)
@pytest.mark.parametrize("policy", ["on", "off"])
def test_the_compiled_forward_pass_is_the_layer_by_layer_one(make, rows, policy, monkeypatch):
    monkeypatch.setenv(fastpath.TEAM_ENV, policy)
    network_ = make()
    X = RNG.integers(0, 256, (rows, 30)).astype(np.uint8)
    out = fastpredict.compiled_forward(network_, X)
    assert out is not None and out.shape == (rows, network_.n_out)
    np.testing.assert_allclose(out, network_.forward(X), rtol=1e-5, atol=1e-6)


def test_predict_takes_the_compiled_forward_pass_and_gives_the_same_labels(monkeypatch):
    network_ = net()
    X = RNG.integers(0, 256, (500, 30)).astype(np.uint8)
    network_.fit(X, RNG.integers(0, 5, 500), loss="cross_entropy", epochs=1)  # a classifier
    calls = []
    original = fastpredict.compiled_forward

    def spy(n, a):
        calls.append(len(a))
        return original(n, a)

    monkeypatch.setattr(fastpredict, "compiled_forward", spy)
    labels = network_.predict(X)
    assert calls == [500]
    assert np.array_equal(labels, np.argmax(network_.forward(X), axis=1))
    assert network.PREDICTION_FORWARDS  # glassnet.fast offered its forward pass


@pytest.mark.parametrize(
    "case", ["float64", "a few rows", "Fortran order", "dropout", "float input unstandardized"]
)
def test_what_the_compiled_forward_pass_leaves_to_numpy(case):
    network_, X = net(), RNG.integers(0, 256, (50, 30)).astype(np.uint8)
    if case == "float64":
        network_ = gn.Network([gn.Dense(30, 4)], dtype="float64")
    elif case == "a few rows":
        X = X[:3]
    elif case == "Fortran order":
        X = np.asfortranarray(X)
    elif case == "dropout":
        network_ = gn.Network([gn.Dense(30, 8), gn.Dropout(0.5), gn.ReLU(), gn.Dense(8, 2)])
    else:  # this one the C pass does take
        network_, X = net(standardize=False), RNG.standard_normal((50, 30)).astype(np.float32)
        np.testing.assert_allclose(
            fastpredict.compiled_forward(network_, X), network_.forward(X), rtol=1e-5, atol=1e-6
        )
        return
    assert fastpredict.compiled_forward(network_, X) is None
    network_.predict(X)  # and predict still answers, layer by layer
