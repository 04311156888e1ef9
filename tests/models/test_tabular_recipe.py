"""The tabular recipe's measured choices (README "Tables"), and the smoothed early stopping."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ValidationError
from glassnet.models import recipes


def test_the_tabular_recipe_is_glorot_adamw_smoothed_and_refit():
    for n in (300, 5000, 50000):
        recipe = recipes.tabular(n)
        assert recipe.init == "glorot" and recipe.optimizer == "adamw"
        assert recipe.smoothing == 5 and recipe.refit and recipe.early_stopping
        if n < recipes.FOLDS_BELOW:  # the epochs from 5-fold cross-validation, λ 0.3
            assert recipe.folds == 5 and recipe.validation == 0 and recipe.weight_decay == 0.3
        else:
            assert recipe.validation == 0.1 and recipe.folds == 0 and recipe.weight_decay == 0.1


def test_a_tiny_table_holds_nothing_out():
    recipe = recipes.tabular(recipes.TINY - 1)
    assert recipe.validation == 0 and not recipe.early_stopping and not recipe.refit


def test_the_built_network_uses_the_recipes_initialiser():
    run = gn.run(gn.RunConfig(data="moons", init="glorot", epochs=1))
    assert all(layer.init == "glorot" for layer in run.network.dense_layers)


def test_smoothing_watches_the_mean_of_the_last_epochs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = gn.Network([gn.Dense(2, 4), gn.ReLU(), gn.Dense(4, 2)], seed=0)
    trainer = gn.train.trainer.Trainer(net, X, y, epochs=3, smoothing=3, early_stopping=True)
    assert trainer._smoothed([4.0, 1.0, 1.0, 7.0]) == pytest.approx(3.0)
    assert trainer._smoothed([2.0]) == 2.0
    history = trainer.run()
    assert history.config["smoothing"] == 3
    with pytest.raises(ValidationError, match="smoothing"):
        gn.train.trainer.Trainer(net, X, y, smoothing=0)
