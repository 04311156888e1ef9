"""scikit-learn → glassnet against the real scikit-learn: predict_proba and predict agree."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import glassnet as gn
from glassnet.errors import ValidationError
from interop_helpers import TOLERANCE


def fitted(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def data(n_classes=3, n=1000, seed=0):
    X, y = make_classification(n_samples=n, n_features=6, n_informative=4, n_classes=n_classes,
                               random_state=seed)  # fmt: skip
    return X * 5 + 3, y


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "identity"])
def test_a_multiclass_mlp_gives_predict_proba_and_its_labels(activation):
    X, y = data()
    labels = np.array(["red", "green", "blue"])[y]
    mlp = fitted(MLPClassifier((10, 7), activation=activation, max_iter=50, random_state=0),
                 X, labels)  # fmt: skip
    net = gn.from_sklearn(mlp)
    assert type(net.layers[-1]).__name__ == "Softmax" and net.dtype == np.float64
    assert np.abs(net.forward(X) - mlp.predict_proba(X)).max() <= TOLERANCE
    assert list(net.predict(X)) == list(mlp.predict(X))
    assert net.card.classes == list(mlp.classes_) and net.task == "multiclass"
    assert net.card.training["loss"] == "cross_entropy"


def test_a_binary_mlp_keeps_its_logistic_output():
    X, y = data(n_classes=2)
    mlp = fitted(MLPClassifier((8,), max_iter=50, random_state=0), X, y)
    net = gn.from_sklearn(mlp)
    assert repr(net).endswith("Dense(8→1), Sigmoid())") and net.task == "binary"
    assert np.abs(net.predict_proba(X) - mlp.predict_proba(X)).max() <= TOLERANCE
    assert np.array_equal(net.predict(X), mlp.predict(X))


def test_a_regressor_with_its_scaler_in_a_pipeline():
    X, y = make_regression(n_samples=1000, n_features=4, n_targets=2, random_state=0)
    X = X * [1, 10, 100, 1000]
    pipe = fitted(make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(9,), max_iter=50,
                                                                random_state=0)), X, y)  # fmt: skip
    net = gn.from_sklearn(pipe)
    assert repr(net).startswith("Network(Standardize(4 features), Dense(4→9), ReLU()")
    assert np.abs(net.predict(X) - pipe.predict(X)).max() <= TOLERANCE
    assert net.task == "regression" and net.card.training["loss"] == "half_squared_error"


def test_feature_names_come_along():
    import pandas as pd

    X, y = data()
    frame = pd.DataFrame(X, columns=list("uvwxyz"))
    net = gn.from_sklearn(fitted(MLPClassifier((5,), max_iter=20, random_state=0), frame, y))
    assert net.card.feature_names == list("uvwxyz")


def test_float32_fits_give_a_float32_network():
    X, y = data()
    mlp = fitted(MLPClassifier((5,), max_iter=20, random_state=0), X.astype(np.float32), y)
    net = gn.from_sklearn(mlp)
    assert net.dtype == np.float32
    assert (
        np.abs(net.forward(X.astype(np.float32)) - mlp.predict_proba(X.astype(np.float32))).max()
        <= TOLERANCE
    )


def test_what_cannot_be_imported_says_why():
    with pytest.raises(ValidationError, match="not fitted; call fit"):
        gn.from_sklearn(MLPClassifier())
    with pytest.raises(ValidationError, match="MLPClassifier or MLPRegressor.*got StandardScaler"):
        gn.from_sklearn(StandardScaler())
    X, _ = data()
    multilabel = fitted(
        MLPClassifier((4,), max_iter=5), X, np.eye(2, dtype=int)[np.arange(1000) % 2]
    )
    with pytest.raises(ValidationError, match="multilabel"):
        gn.from_sklearn(multilabel)
    poisson = fitted(MLPRegressor(loss="poisson", hidden_layer_sizes=(3,), max_iter=5), X,
                     np.arange(1000) % 3)  # fmt: skip
    with pytest.raises(ValidationError, match=r"output activation 'exp' \(loss='poisson'\)"):
        gn.from_sklearn(poisson)


def test_a_scaler_without_centring_gives_one_shape_for_mean_and_std(tmp_path):
    X, y = data(n_classes=2)
    mlp = MLPClassifier((4,), max_iter=50, random_state=0)
    pipe = fitted(make_pipeline(StandardScaler(with_mean=False), mlp), X, y)
    net = gn.from_sklearn(pipe)
    assert repr(net).startswith("Network(Standardize(6 features), Dense(6→4)")
    assert np.abs(net.predict_proba(X) - pipe.predict_proba(X)).max() <= TOLERANCE
    net.save(tmp_path / "m.glassnet")
    assert np.array_equal(gn.load(tmp_path / "m.glassnet").forward(X), net.forward(X))
