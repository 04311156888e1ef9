"""scikit-learn → glassnet: a fitted MLPClassifier or MLPRegressor as a Network.

scikit-learn keeps layer l as coefs_[l] (n_in, n_out) and intercepts_[l] (n_out,) and computes
a = f(a · coefs_[l] + intercepts_[l]); glassnet's Dense holds W = coefs_[l]ᵀ (n_out, n_in), so
the same map is z = W a + b. Hidden activations: relu → ReLU, logistic → Sigmoid, tanh → Tanh,
identity → Identity. The output activation is kept (out_activation_): softmax → Softmax
(forward gives predict_proba), logistic → Sigmoid (one output, the positive class),
identity → Identity (forward gives predict). The card gets classes_ and feature_names_in_.
A Pipeline of a StandardScaler and the MLP becomes Standardize(mean_, scale_) first.
"""

from __future__ import annotations

import numpy as np

from glassnet.card import ModelCard
from glassnet.errors import ValidationError
from glassnet.interop.common import build, dense, float_dtype, need, standardize
from glassnet.nn.layers import Identity, ReLU, Sigmoid, Softmax, Tanh
from glassnet.nn.network import Network

ACTIVATIONS = {"relu": ReLU, "logistic": Sigmoid, "tanh": Tanh, "identity": Identity}
OUTPUTS = {"softmax": Softmax, "logistic": Sigmoid, "identity": Identity}
# The cost each estimator minimises, by glassnet's names (scikit-learn's squared loss is ½‖ŷ − y‖²).
LOSSES = {
    "softmax": "cross_entropy",
    "logistic": "binary_cross_entropy",
    "identity": "half_squared_error",
}


def from_sklearn(estimator) -> Network:
    """The Network that computes what the fitted `estimator` computes (its dtype: float64 for
    an estimator fitted on float64 data). `estimator` is an MLPClassifier, an MLPRegressor, or
    a Pipeline of a StandardScaler and one of them."""
    sklearn = need("sklearn", "scikit-learn import")
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    scaler = None
    mlp = estimator
    if isinstance(estimator, Pipeline):
        scaler, mlp = _scaler_and_mlp(estimator, StandardScaler)
    if not isinstance(mlp, (MLPClassifier, MLPRegressor)):
        raise ValidationError(
            f"from_sklearn takes an MLPClassifier or MLPRegressor (or a Pipeline of a "
            f"StandardScaler and one), got {type(mlp).__name__}"
        )
    if not hasattr(mlp, "coefs_"):
        raise ValidationError(f"the {type(mlp).__name__} is not fitted; call fit(X, y) first")
    layers = [] if scaler is None else [_standardize(scaler)]
    layers += _mlp_layers(mlp)
    card = _card(mlp, estimator, sklearn.__version__)
    return build(layers, card, float_dtype(mlp.coefs_))


def _scaler_and_mlp(pipeline, StandardScaler) -> tuple:
    steps = [step for _, step in pipeline.steps if step not in (None, "passthrough")]
    if len(steps) == 2 and isinstance(steps[0], StandardScaler):
        return steps[0], steps[1]
    if len(steps) == 1:
        return None, steps[0]
    names = ", ".join(type(s).__name__ for s in steps)
    raise ValidationError(
        f"the Pipeline holds {names}; glassnet imports a StandardScaler followed by an "
        "MLPClassifier or MLPRegressor"
    )


def _standardize(scaler):
    """StandardScaler's (x − mean_) / scale_ (either may be switched off)."""
    mean = scaler.mean_ if scaler.with_mean else 0.0
    scale = scaler.scale_ if scaler.with_std else 1.0
    return standardize(mean, scale)


def _mlp_layers(mlp) -> list:
    n_layers = len(mlp.coefs_)
    if mlp.out_activation_ not in OUTPUTS:
        raise ValidationError(
            f"the output activation {mlp.out_activation_!r} (loss={mlp.loss!r}) has no glassnet "
            f"layer; glassnet imports the outputs {', '.join(OUTPUTS)}"
        )
    if mlp.out_activation_ == "logistic" and mlp.coefs_[-1].shape[1] > 1:
        raise ValidationError(
            "this MLPClassifier is multilabel (several sigmoid outputs), which glassnet's "
            "classifiers are not; train it on one label per sample"
        )
    layers = []
    for k, (coef, intercept) in enumerate(zip(mlp.coefs_, mlp.intercepts_, strict=True)):
        layers.append(dense(np.asarray(coef).T, np.asarray(intercept)))  # W = coefs_ᵀ
        f = OUTPUTS[mlp.out_activation_] if k == n_layers - 1 else ACTIVATIONS[mlp.activation]
        layers.append(f())
    return layers


def _card(mlp, estimator, version: str) -> ModelCard:
    out = mlp.out_activation_
    card = ModelCard(
        training={
            "loss": LOSSES[out],
            "imported_from": f"scikit-learn {type(estimator).__name__} ({version})",
            "solver": mlp.solver,
            "alpha": float(mlp.alpha),
        }
    )
    if hasattr(mlp, "classes_"):
        card.task = "binary" if out == "logistic" else "multiclass"
        card.classes = [_plain(c) for c in mlp.classes_]
    else:
        card.task = "regression"
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        card.feature_names = [str(n) for n in names]
    return card


def _plain(value):
    """A NumPy scalar label as the Python value JSON can hold."""
    return value.item() if isinstance(value, np.generic) else value
