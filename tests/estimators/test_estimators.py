"""glassnet.sklearn: the estimators pass scikit-learn's own checks and work in its tools."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import glassnet as gn
from glassnet.sklearn import GlassnetClassifier, GlassnetRegressor, expected_failed_checks


@parametrize_with_checks(
    [GlassnetClassifier(), GlassnetRegressor()], expected_failed_checks=expected_failed_checks
)
def test_scikit_learn_checks(estimator, check):
    check(estimator)


def test_at_most_three_expected_failures():
    for estimator in (GlassnetClassifier(), GlassnetRegressor()):
        assert len(expected_failed_checks(estimator)) <= 3


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def test_classifier_learns_and_has_the_fitted_attributes(wine):
    X_train, X_test, y_train, y_test = wine
    labels = np.array(["barolo", "grignolino", "barbera"])
    model = GlassnetClassifier(random_state=0).fit(X_train, labels[y_train])
    assert model.score(X_test, labels[y_test]) >= 0.9
    assert model.classes_.tolist() == ["barbera", "barolo", "grignolino"]
    assert model.n_features_in_ == 13 and model.n_iter_ >= 1
    assert isinstance(model.network_, gn.Network) and len(model.history_) >= model.n_iter_
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3) and np.allclose(proba.sum(axis=1), 1)
    assert model.decision_function(X_test).shape == (len(X_test), 3)
    assert set(model.predict(X_test)) <= set(labels)


def test_pipeline_cross_val_score_clone_and_pickle(wine):
    X_train, X_test, y_train, y_test = wine
    pipe = make_pipeline(StandardScaler(), GlassnetClassifier(random_state=0, epochs=60))
    scores = cross_val_score(pipe, X_train, y_train, cv=3)
    assert scores.mean() > 0.85
    fitted = pipe.fit(X_train, y_train)
    again = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(again.predict(X_test), fitted.predict(X_test))
    twin = clone(pipe)
    assert twin.get_params()["glassnetclassifier__epochs"] == 60
    assert not hasattr(twin[-1], "network_")


def test_grid_search_on_two_processes():
    X, y = load_iris(return_X_y=True)
    grid = GridSearchCV(GlassnetClassifier(random_state=0, epochs=40),
                        {"weight_decay": [0.01, 0.1]}, cv=3, n_jobs=2)  # fmt: skip
    grid.fit(X, y)
    assert grid.best_score_ > 0.85 and grid.best_params_["weight_decay"] in (0.01, 0.1)


def test_feature_names_of_a_data_frame_are_kept():
    pandas = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = GlassnetClassifier(random_state=0, epochs=20).fit(X, y)
    assert list(model.feature_names_in_) == list(pandas.DataFrame(X).columns)


def test_partial_fit_trains_one_more_epoch_each_call():
    X, y = load_iris(return_X_y=True)
    model = GlassnetClassifier(random_state=0)
    model.partial_fit(X, y, classes=[0, 1, 2])
    first = model.score(X, y)
    for _ in range(30):
        model.partial_fit(X, y)
    assert model.n_iter_ == 31 and model.score(X, y) > first
    model.partial_fit(X[y < 2], y[y < 2])  # a batch may lack a class: classes_ stays
    assert model.classes_.tolist() == [0, 1, 2]
    model.fit(X[y < 2], y[y < 2])  # fit starts over, with y's own classes
    assert model.classes_.tolist() == [0, 1]


def test_random_state_makes_fits_repeatable_and_seeds_differ():
    X, y = load_diabetes(return_X_y=True)
    a = GlassnetRegressor(random_state=3, epochs=30).fit(X, y).predict(X[:5])
    b = GlassnetRegressor(random_state=3, epochs=30).fit(X, y).predict(X[:5])
    c = GlassnetRegressor(random_state=4, epochs=30).fit(X, y).predict(X[:5])
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_regressor_predicts_in_the_targets_units():
    X, y = load_diabetes(return_X_y=True)
    model = GlassnetRegressor(random_state=0).fit(X, y)
    assert model.score(X, y) > 0.4
    assert abs(model.predict(X).mean() - y.mean()) < 0.1 * y.std()


def test_class_weight_balanced_lifts_the_rare_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    y = (X[:, 0] + 0.8 * rng.normal(size=600) > 1.6).astype(int)  # about 8 % positives
    plain = GlassnetClassifier(random_state=0).fit(X, y)
    balanced = GlassnetClassifier(random_state=0, class_weight="balanced").fit(X, y)
    rare = y == 1
    assert balanced.predict(X)[rare].mean() > plain.predict(X)[rare].mean()


def test_the_estimator_and_the_command_line_give_the_same_model(tmp_path):
    X, y = load_iris(return_X_y=True)
    path = tmp_path / "iris.csv"
    rows = "".join(",".join(f"{v:g}" for v in x) + f",{t}\n" for x, t in zip(X, y, strict=True))
    path.write_text("a,b,c,d,species\n" + rows)
    cli = gn.run(gn.RunConfig(data=str(path), target="species", seed=2, test_fraction=0.0))
    model = GlassnetClassifier(random_state=2).fit(X.astype(np.float32), y)
    for ours, theirs in zip(cli.network.parameters(), model.network_.parameters(), strict=True):
        np.testing.assert_array_equal(ours[0], theirs[0])
