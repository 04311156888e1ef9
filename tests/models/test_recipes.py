"""Default recipes and architectures per data set and task (glassnet.recipes)."""

from __future__ import annotations

import pytest

from glassnet.errors import ValidationError
from glassnet.models import builders, recipes


def test_builtin_data_sets_get_their_recipes():
    assert recipes.choose("mnist", 60000).name == "mnist"
    assert recipes.choose("kmnist", 60000).name == "mnist"
    assert recipes.choose("xor-clusters", 400).hidden == (3,)
    assert recipes.choose("spirals", 400).name == "2d"


def test_file_recipes_grow_with_the_data():
    small, medium, large = (recipes.choose("my", n, is_file=True) for n in (300, 5000, 50000))
    assert small.hidden == (64,) and medium.hidden == (64, 32) and large.hidden == (128, 64)
    assert all(r.early_stopping for r in (small, medium, large))
    assert medium.validation == large.validation == 0.1 and medium.folds == large.folds == 0
    assert small.folds == 5 and small.validation == 0  # under 1,000 rows: cross-validation


def test_named_recipe_lookup_lists_the_names():
    assert recipes.get("mnist-best").epochs > recipes.get("mnist").epochs
    with pytest.raises(ValidationError, match="valid recipes: mnist, mnist-best"):
        recipes.get("resnet")


@pytest.mark.parametrize(
    "task, classes, layers, loss",
    [
        ("multiclass", 10, ["Dense"], "cross_entropy"),
        ("binary", 2, ["Dense", "Sigmoid"], "binary_cross_entropy"),
        ("regression", None, ["Dense"], "squared_error"),
    ],
)
def test_output_layer_and_cost_follow_the_task(task, classes, layers, loss):
    net, chosen = builders.for_task(16, (), task=task, n_classes=classes)
    output = net.layers
    assert [type(layer).__name__ for layer in output] == layers and chosen == loss
    assert output[0].n_out == (classes if task == "multiclass" else 1)


def test_hidden_layers_build_a_network():
    net, _ = builders.for_task(4, (8, 6), "tanh", task="binary", n_classes=2, dropout=0.1)
    assert repr(net) == ("Network(Dense(4→8), Tanh(), Dropout(0.1), Dense(8→6), Tanh(), "
                         "Dropout(0.1), Dense(6→1), Sigmoid())")  # fmt: skip
    with pytest.raises(ValidationError, match="valid activations"):
        builders.hidden_layers(4, (8,), "swish")
