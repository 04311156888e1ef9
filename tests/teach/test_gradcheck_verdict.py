"""gradcheck passes correct code (issue 17): kinks reported apart, poor steps retried, the
README's snippet, the default MNIST model, a regression model and the worked examples."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn
from datasets_helpers import shared_mnist
from glassnet.teach import worked


def kinked_network():
    """The first hidden unit's input is exactly 0 for the first sample: every step crosses it."""
    return gn.Network(
        [gn.Dense(2, 2, W=[[1, -1], [0.5, 0.5]], b=[0, 0.1]), gn.ReLU(),
         gn.Dense(2, 1, W=[[1.0, 1.0]])],
        dtype="float64",
    )  # fmt: skip


def test_entries_at_a_kink_are_reported_apart_and_do_not_fail_the_verdict():
    X = np.array([[0.3, 0.3], [0.9, 0.1]])
    result = gn.gradcheck(kinked_network(), X, np.array([[1.0], [0.0]]), loss="squared_error")
    assert result.at_kinks >= 1 and result.ok and not result.passed
    assert "reported apart" in str(result) and "PASS" in str(result)
    kinked = [c for c in result.checks if c.kink.any()]
    assert kinked and all(c.worst < 1e-6 for c in kinked)  # the others agree


def test_the_readme_snippet_passes():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0])
    net = gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1), gn.Sigmoid()], seed=0)
    net.fit(X, y, loss="binary_cross_entropy", optimizer=gn.Adam(0.05), epochs=500,
            batch_size="full")  # fmt: skip
    result = gn.gradcheck(net, X, y, loss="squared_error")
    assert result.ok, str(result)


def test_a_poor_step_is_retried_and_a_wrong_gradient_still_fails():
    class BrokenTanh(gn.Tanh):
        def derivative(self):
            return 1.0 - self.y  # should be 1 − y²

    net = gn.Network([gn.Dense(2, 3), gn.Tanh(), gn.Dense(3, 1)], seed=0, dtype="float64")
    X = np.random.default_rng(0).normal(size=(4, 2))
    poor = gn.gradcheck(net, X, np.zeros((4, 1)), loss="squared_error", eps=1.0)
    assert poor.ok and len(poor.steps()) > 1, str(poor)  # ε = 1 is far too large; retried
    broken = gn.Network([gn.Dense(2, 3), BrokenTanh(), gn.Dense(3, 1)], seed=0, dtype="float64")
    module = __import__("glassnet.teach.gradcheck", fromlist=["_run"])
    result = module._run(broken, gn.losses.get("squared_error"), X, np.zeros((4, 1)), 1e-3,
                         None, 0, 1e-6)  # fmt: skip
    assert not result.ok and result.per_layer()[0] > 1e-3


@pytest.mark.parametrize("name", worked.names())
def test_every_worked_example_exits_0(glassnet, name):
    result = glassnet("gradcheck", "--example", name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sign_conventions_are_stated_where_both_appear(glassnet):
    check = glassnet("gradcheck", "--example", "1-1-1")
    assert "signs:" in check.stdout and "opposite sign" in check.stdout
    explained = glassnet("explain", "--example", "1-1-1")
    assert "∂C/∂b₁ = −∂C/∂b" in explained.stdout


def test_the_default_mnist_model_passes(glassnet, tmp_path):
    model = tmp_path / "mnist.glassnet"
    trained = glassnet("train", "mnist", "--data-dir", shared_mnist().parent, "--train-size",
                       "2000", "--epochs", "1", "--out", model, "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    result = glassnet("gradcheck", model, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["worst"] < 1e-6


def test_a_regression_model_passes(glassnet, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = 100 + 20 * X[:, 0] - 5 * X[:, 1] ** 2
    np.savetxt(tmp_path / "r.csv", np.c_[X, y], delimiter=",", header="a,b,c,price", comments="")
    trained = glassnet("train", tmp_path / "r.csv", "--target", "price", "--epochs", "50",
                       "--out", tmp_path / "r.glassnet", "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    result = glassnet("gradcheck", tmp_path / "r.glassnet", "--quiet")
    assert result.returncode == 0 and "PASS" in result.stdout, result.stdout
