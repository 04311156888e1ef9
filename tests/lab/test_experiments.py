"""Experiments on XOR: the qualitative results the documents lead a learner to expect."""

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import lab as ex
from glassnet.errors import DivergenceError, ValidationError
from glassnet.lab import Problem
from glassnet.models.builders import mlp

X4 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y4 = np.array([0, 1, 1, 0])


def clusters(n_per_corner=25, noise=0.15, seed=0):
    rng = np.random.default_rng(seed)
    X = np.repeat(X4, n_per_corner, axis=0) + rng.normal(0, noise, (4 * n_per_corner, 2))
    return X.astype(np.float32), np.repeat(Y4, n_per_corner)


# ---------------------------------------------------------------- lr-range


def test_lr_range_on_xor_marks_tiny_too_small_and_100_diverging():
    X, y = clusters()
    trials = ex.lr_range(Problem.from_arrays(X, y), ex.xor_recipe(), [1e-4, 1e-3, 1.0, 100.0],
                         epochs=5)  # fmt: skip
    verdicts = {t.lr: t.verdict for t in trials}
    assert verdicts[1e-4] == "too_small"
    assert verdicts[100.0] == "diverges"
    assert verdicts[1.0] == "good"
    # every trial starts from the same weights, so from the same cost
    assert len({t.initial_cost for t in trials}) == 1
    assert ex.suggested_lr(trials) == 1.0


def test_lr_range_default_sweep_is_log_spaced_1e_4_to_100():
    X, y = clusters(5)
    trials = ex.lr_range(Problem.from_arrays(X, y), ex.xor_recipe(), epochs=1)
    lrs = [t.lr for t in trials]
    assert lrs[0] == pytest.approx(1e-4) and lrs[-1] == pytest.approx(100.0)
    np.testing.assert_allclose(np.diff(np.log10(lrs)), 0.5)
    assert trials[-1].verdict == "diverges"
    with pytest.raises(ValidationError, match="positive"):
        ex.lr_range(Problem.from_arrays(X, y), ex.xor_recipe(), [0.1, -1.0])


@pytest.mark.parametrize(
    ("costs", "verdict"),
    [
        ([0.999, 0.998], "too_small"),  # fell 0.2 %
        ([0.8, 0.5], "good"),
        ([0.9, math.inf], "diverges"),
        ([1.6, 0.5], "diverges"),  # rose above 1.5 × the start on the way
        ([1.05, 1.1], "diverges"),  # ended above the start
    ],
)
def test_classify_lr(costs, verdict):
    assert ex.classify_lr(1.0, costs)[0] == verdict


# ---------------------------------------------------------------- compare-gd


def test_compare_gd_same_start_and_the_documents_trade_off():
    X, y = clusters(25)
    runs = ex.compare_gd(Problem.from_arrays(X, y), ex.xor_recipe(), epochs=4, lr=0.5)
    by = {r.name: r for r in runs}
    assert [r.name for r in runs] == ["stochastic", "mini-batch", "full batch"]
    assert len({r.cost[0] for r in runs}) == 1  # identical initial weights
    assert by["stochastic"].updates[-1] == 4 * 100
    assert by["mini-batch"].updates[-1] == 4 * 4  # ⌈100 / 32⌉ = 4 per epoch
    assert by["full batch"].updates[-1] == 4
    assert all(r.samples_seen[-1] == 400 for r in runs)
    # per epoch, more updates make more progress
    assert by["stochastic"].final_cost < by["full batch"].final_cost
    assert by["mini-batch"].final_cost < by["full batch"].final_cost
    assert by["full batch"].trace_updates == [1, 1, 2, 3, 4]
    assert by["stochastic"].trace_samples[-1] == 400


# ---------------------------------------------------------------- seeds


class DeadXOR(Problem):
    """XOR, on which the 2-3-1 network starts with hidden biases so negative that every
    pre-activation is ≤ 0."""

    def network(self, recipe, seed=0):
        net = super().network(recipe, seed)
        net.dense_layers[0].b[...] = -10.0
        return net


def test_seeds_known_dead_initialisation_is_classified_dead_relu():
    recipe = ex.xor_recipe(name="dead", epochs=20)
    result = ex.run_seeds(DeadXOR.from_arrays(X4, Y4), recipe, n=3)
    assert result.solved == 0
    assert [o.failure for o in result.outcomes] == ["dead_relu"] * 3
    assert result.outcomes[0].detail == "3 of 3 ReLU units dead in hidden layer 1"
    assert result.outcomes[0].advice == ex.ADVICE["dead_relu"]
    assert result.to_dict()["failures"] == {"dead_relu": 3}


def test_seeds_default_recipe_counts_and_classifies_every_seed():
    result = ex.run_seeds(Problem.from_arrays(X4, Y4), ex.xor_recipe(), n=6)
    assert len(result.outcomes) == 6
    assert 0 < result.solved <= 6  # the 2-3-1 ReLU network solves XOR from some seeds
    for o in result.outcomes:
        assert o.solved == (o.failure is None)
        if o.solved:
            assert o.accuracy == 1.0
        else:
            assert o.failure in ex.ADVICE and o.advice


def test_classify_saturated_divergence_and_local_minimum():
    saturated = gn.Network([gn.Dense(2, 2, W=[[40, 40], [-40, -40]], b=[20, -20]), gn.Sigmoid(),
                            gn.Dense(2, 1), gn.Sigmoid()], seed=0)  # fmt: skip
    assert ex.classify_failure(saturated, X4)[0] == "saturated"
    error = DivergenceError("training diverged at epoch 3, batch 1: the cost became nan. Lower")
    assert ex.classify_failure(saturated, X4, error) == ("divergence", "training diverged at "
                                                         "epoch 3, batch 1")  # fmt: skip
    healthy = gn.Network([gn.Dense(2, 2, W=[[1, 1], [1, -1]], b=[0.5, 0.5]), gn.ReLU(),
                          gn.Dense(2, 1), gn.Sigmoid()], seed=0)  # fmt: skip
    assert ex.classify_failure(healthy, X4)[0] == "local_minimum"
    healthy.dense_layers[1].W[0, 0] = np.nan
    assert ex.classify_failure(healthy, X4)[0] == "divergence"


def test_hidden_units_ignores_the_output_layer():
    net = mlp([2, 3, 1], "relu", output="sigmoid", seed=0)
    net.dense_layers[1].b[...] = 100.0  # output sigmoid saturated: not a hidden unit
    units = ex.hidden_units(net, X4)
    assert [(u["type"], u["layer"], u["hidden"]) for u in units] == [("ReLU", 1, 1)]


# ---------------------------------------------------------------- gradients, separability


def test_deep_sigmoid_gradients_vanish_towards_the_input_and_relu_ones_do_not():
    X, y = clusters(10)
    sigmoid, relu = ex.deep_comparison(Problem.from_arrays(X, y), depth=5, width=8, epochs=2)
    assert len(sigmoid.layers) == 6 and len(sigmoid.grad_norm[0]) == 2
    first, last = sigmoid.grad_norm[0][-1], sigmoid.grad_norm[-1][-1]
    assert first < last / 100  # σ′ ≤ ¼ per layer: five layers shrink it by 4⁵ at least
    assert relu.grad_norm[0][-1] > relu.grad_norm[-1][-1] / 100
    assert all(w > 0 for w in sigmoid.weight_norm[0])


@pytest.mark.parametrize("optimizer", [gn.SGD(0.1), gn.Adam(0.1)])
def test_gradient_norms_record_the_gradient_itself(optimizer):
    """One full-batch step: the recorded ‖∂L/∂W‖ is that of the initial weights, whatever the
    optimizer (plain SGD trains with η folded into dW)."""
    X, y = clusters(5)
    record = ex.gradient_norms(mlp([2, 3, 1], "tanh", output="sigmoid", seed=0), X, y,
                               loss="binary_cross_entropy", optimizer=optimizer, epochs=1,
                               batch_size="full")  # fmt: skip
    net = mlp([2, 3, 1], "tanh", output="sigmoid", seed=0)
    net.loss_and_backward(gn.losses.get("binary_cross_entropy"), X, y[:, None].astype(np.float32))
    for i, layer in enumerate(net.dense_layers):
        assert record.grad_norm[i][0] == pytest.approx(np.linalg.norm(layer.dW), rel=1e-4)


def test_linear_separability():
    assert ex.linear_separability(X4, Y4) <= 0.75  # no line separates XOR
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-3, 0.5, (50, 2)), rng.normal(3, 0.5, (50, 2))])
    y = np.repeat([0, 1], 50)
    assert ex.linear_separability(X, y) == 1.0
    three = np.repeat([0, 1, 2], 30)
    centres = np.array([[0, 5], [5, 0], [-5, -5]])
    assert ex.linear_separability(centres[three] + rng.normal(0, 0.3, (90, 2)), three) == 1.0


def test_mlp_and_problem_from_arrays():
    net = mlp([2, 4, 4, 3], "tanh", output="softmax", seed=0)
    assert repr(net) == ("Network(Dense(2→4), Tanh(), Dense(4→4), Tanh(), Dense(4→3), "
                         "Softmax())")  # fmt: skip
    X, y = np.zeros((6, 2)), np.array([0, 1, 2, 0, 1, 2])
    problem = Problem.from_arrays(X, y)
    recipe = problem.recipe((3,))
    assert problem.loss(recipe) == "cross_entropy" and problem.network(recipe, 0).n_out == 3
    with pytest.raises(ValidationError, match="valid activations"):
        mlp([2, 1], "swish")


def test_regression_problem_and_input_scaling():
    X = np.column_stack([np.linspace(0, 1, 20), np.linspace(500, 600, 20)])
    y = X[:, 0] * 2.0
    problem = Problem.from_arrays(X, y, task="regression", scale=(X.mean(0), X.std(0)))
    recipe = problem.recipe((4,))
    net = problem.network(recipe, 0)
    assert problem.loss(recipe) == "squared_error"
    assert repr(net) == "Network(Standardize(2 features), Dense(2→4), ReLU(), Dense(4→1))"
    first = net.layers[0].forward(X.astype(np.float32))
    np.testing.assert_allclose(first.mean(0), 0, atol=1e-5)
    runs = ex.compare_gd(problem, recipe, epochs=2, lr=0.01)
    assert all(r.accuracy is None and math.isfinite(r.final_cost) for r in runs)
    with pytest.raises(ValidationError, match="needs class labels"):
        ex.run_seeds(Problem.from_arrays(X, y + 0.5, task="regression"), recipe, n=1)


# ---------------------------------------------------------------- problems


def test_problem_xor_builds_the_documents_network():
    problem = Problem.xor()
    assert (problem.task, problem.n_classes, problem.scale) == ("binary", 2, None)
    net = problem.network(ex.DOCUMENTS_XOR, seed=4)
    assert repr(net) == "Network(Dense(2→3), ReLU(), Dense(3→1), Sigmoid())"
    again = problem.network(ex.DOCUMENTS_XOR, seed=4)
    for (p, _), (q, _) in zip(net.parameters(), again.parameters(), strict=True):
        np.testing.assert_array_equal(p, q)  # the same seed draws the same weights
    assert problem.loss(ex.DOCUMENTS_XOR) == "binary_cross_entropy"
    described = problem.describe(ex.xor_recipe(4, "tanh"))
    assert described["name"] == "xor 2-4-1 tanh/sigmoid" and described["hidden"] == [4]
    assert described["architecture"] == "2-4-1 tanh/sigmoid"
    assert described["loss"] == "binary_cross_entropy"


def test_problem_names_the_architecture_by_its_output():
    X = np.zeros((6, 2))
    three = Problem.from_arrays(X, [0, 1, 2, 0, 1, 2])
    assert three.recipe((5,), "tanh").name == "2-5-3 tanh/softmax"  # cross-entropy of logits
    numbers = Problem.from_arrays(X, np.zeros((6, 2)), task="regression")
    assert (numbers.task, numbers.n_targets) == ("regression", 2)
    assert numbers.recipe((4, 4)).name == "2-4-4-2 relu/linear"
    squared = Problem.from_arrays(X, [0, 1, 1, 0, 1, 0]).recipe((3,), loss="squared_error")
    assert squared.name == "2-3-1 relu/sigmoid"


def test_problem_from_dataset_scales_the_inputs_as_builders_say():
    from glassnet.datasets import Dataset

    X = np.column_stack([np.arange(8.0), 500 + np.arange(8.0)]).astype(np.float32)
    y = np.array([0, 1] * 4)
    table = Dataset("table", X, y, task="binary")
    from_file = Problem.from_dataset(table, X, y, is_file=True)
    net = from_file.network(from_file.recipe((3,)))
    assert type(net.layers[0]).__name__ == "Standardize"
    np.testing.assert_allclose(net.layers[0].forward(X).mean(axis=0), 0, atol=1e-5)
    assert Problem.from_dataset(table, X, y).scale is None  # built-in sets stay unscaled
    pixels = Dataset("pixels", X, y, task="binary", input_scale=255.0)
    assert Problem.from_dataset(pixels, X, y).scale == (0.0, 255.0)


def test_network_copy_trains_exactly_like_a_fresh_network_of_the_same_seed():

    X, y = clusters(5)
    problem, recipe = Problem.from_arrays(X, y), ex.xor_recipe(batch_size=4, epochs=3)
    fresh = problem.network(recipe, seed=7)
    copied = problem.network(recipe, seed=7).copy()
    for net in (fresh, copied):  # mini-batches: the shuffling draws from the network's rng
        net.fit(X, y, **{**recipe.fit_kwargs(), "loss": problem.loss(recipe)})
    for (p, _), (q, _) in zip(fresh.parameters(), copied.parameters(), strict=True):
        np.testing.assert_array_equal(p, q)
