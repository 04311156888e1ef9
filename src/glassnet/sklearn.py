"""scikit-learn estimators: glassnet's tabular recipe as a citizen of Pipeline, GridSearchCV,
cross_val_score and clone (`pip install glassnet[sklearn]`).

    from glassnet.sklearn import GlassnetClassifier
    make_pipeline(StandardScaler(), GlassnetClassifier(random_state=0)).fit(X, y).score(X, y)

Every constructor argument is stored as given; None means "the recipe decides", exactly as an
option left out of `glassnet train` (glassnet.models.recipes.tabular). `fit` is `gn.run` on the
arrays, so `GlassnetClassifier(random_state=s).fit(X, y)` and `glassnet train FILE --seed s`
on the same rows give the same network: early stopping on a validation
split (under 1,000 rows: on 5-fold cross-validation, `folds`), then the refit on every row.
random_state is the seed (None: 0, as `glassnet train`).

Fitted attributes: classes_ (classifier), n_features_in_, feature_names_in_ (DataFrames),
network_ (the glassnet Network), history_ (of the early-stopped run; after cross-validation, of
the final network), n_iter_ (epochs the final network trained). `partial_fit` trains one more
epoch. The checks that do not pass, and why:
`expected_failed_checks`.
"""

from __future__ import annotations

import numpy as np

from glassnet.errors import GlassnetError

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data
except ImportError as error:  # pragma: no cover - the message is the point
    raise GlassnetError(
        "glassnet.sklearn needs scikit-learn: pip install 'glassnet[sklearn]'"
    ) from error

from glassnet.datasets import Dataset
from glassnet.nn.layers import Sigmoid, Softmax
from glassnet.runs.config import RunConfig
from glassnet.runs.run import optimizer_for, run
from glassnet.train.trainer import Trainer

RECIPE_PARAMS = ("hidden", "activation", "optimizer", "lr", "weight_decay", "batch_size",
                 "epochs", "validation", "early_stopping", "patience", "smoothing", "refit",
                 "init", "dropout", "dtype", "folds")  # fmt: skip


class _Glassnet(BaseEstimator):
    """What both estimators share: the recipe's parameters, fit through gn.run."""

    _task = "regression"

    def _config(self, **changes) -> RunConfig:
        values = {name: getattr(self, name) for name in RECIPE_PARAMS}
        values = {k: (list(v) if k == "hidden" else v) for k, v in values.items() if v is not None}
        values.update(changes)
        return RunConfig(data="arrays", seed=self._seed(), test_fraction=0.0, **values)

    def _seed(self) -> int:
        if self.random_state is None:
            return 0
        if isinstance(self.random_state, (int, np.integer)):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(0, 2**31 - 1))

    def _fit(self, X, y, sample_weight, **changes):
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32),
                             y_numeric=isinstance(self, RegressorMixin))  # fmt: skip
        dataset = self._dataset(X, y)
        try:
            result = run(self._config(**changes), dataset=dataset, sample_weight=sample_weight)
        except GlassnetError as error:
            raise ValueError(str(error)) from None
        self.network_, self.history_ = result.network, result.history
        self._network64 = self.network_.copy(dtype="float64")
        self._optimizer_state = None  # a new network: partial_fit starts a fresh optimizer
        self.n_iter_ = result.summary.get("refit", {}).get("epochs", len(result.history))
        return self

    def fit(self, X, y, sample_weight=None):
        """Train the recipe on (X, y): early stopping on a validation split (or k folds), then
        the refit."""
        return self._fit(X, y, sample_weight)

    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """One more epoch on (X, y) (the first call builds the network: one epoch)."""
        if not hasattr(self, "network_"):
            self._start_partial(X, y, kwargs.get("classes"))
            return self._fit(X, y, sample_weight, epochs=1, validation=0.0,
                             early_stopping=False, refit=False)  # fmt: skip
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), reset=False)
        trainer = Trainer(self.network_, X.astype(np.float32), self._targets(y),
                          loss=self.network_.card.training["loss"], optimizer=self._optimizer(),
                          epochs=1, batch_size=self.network_.card.training["batch_size"],
                          sample_weight=sample_weight)  # fmt: skip
        state = getattr(self, "_optimizer_state", None)
        if state is not None:
            trainer.optimizer.load_state_arrays(*state)
        trainer.run()
        self._optimizer_state = (trainer.optimizer.state_arrays(), trainer.optimizer.t)
        self._network64 = self.network_.copy(dtype="float64")
        self.n_iter_ += 1
        return self

    def _start_partial(self, X, y, classes) -> None:
        """Nothing to do before a regressor's first partial_fit."""

    def _optimizer(self):
        """The optimizer the fitted network was trained with, fresh (partial_fit restores its
        moments from the last call)."""
        saved = self.network_.card.run
        return optimizer_for(self._config(optimizer=saved["optimizer"], lr=saved["lr"],
                                          weight_decay=saved["weight_decay"]))  # fmt: skip

    def _input(self, X) -> np.ndarray:
        check_is_fitted(self, "network_")
        return validate_data(self, X, dtype=np.float64, reset=False)

    def _predictor(self):
        """The network in float64, for predictions: float32 matrix products round differently
        for different batch sizes, and a row's prediction must not depend on its batch."""
        return self._network64

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


class GlassnetClassifier(ClassifierMixin, _Glassnet):
    """glassnet's tabular recipe as a scikit-learn classifier (see the module docstring).
    class_weight="balanced" weighs each class by N / (K · N_class)."""

    def __init__(self, hidden=None, activation=None, optimizer=None, lr=None,
                 weight_decay=None, batch_size=None, epochs=None, validation=None,
                 early_stopping=None, patience=None, smoothing=None, refit=None, init=None,
                 dropout=None, dtype=None, class_weight=None, random_state=None,
                 folds=None):  # fmt: skip
        self.hidden, self.activation, self.optimizer, self.lr = hidden, activation, optimizer, lr
        self.weight_decay, self.batch_size, self.epochs = weight_decay, batch_size, epochs
        self.validation, self.early_stopping, self.patience = validation, early_stopping, patience
        self.smoothing, self.refit, self.init, self.dropout = smoothing, refit, init, dropout
        self.dtype, self.class_weight, self.random_state = dtype, class_weight, random_state
        self.folds = folds

    def _config(self, **changes) -> RunConfig:
        balanced = self.class_weight if self.class_weight == "balanced" else None
        return super()._config(class_weight=balanced, **changes)

    def fit(self, X, y, sample_weight=None):
        """Train the recipe on (X, y): early stopping on a validation split (or k folds), then
        the refit. class_weight may also be a dict {label: weight}, multiplying sample_weight."""
        if isinstance(self.class_weight, dict):
            labels = np.asarray(y).reshape(-1)
            weights = np.array([self.class_weight.get(label, 1.0) for label in labels.tolist()])
            given = np.ones(len(weights)) if sample_weight is None else np.asarray(sample_weight)
            sample_weight = weights * given
        elif self.class_weight not in (None, "balanced"):
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict, got {self.class_weight!r}"
            )
        self._partial_classes = False  # the classes are y's own
        return self._fit(X, y, sample_weight)

    def _dataset(self, X, y) -> Dataset:
        check_classification_targets(y)
        if not getattr(self, "_partial_classes", False):  # else partial_fit's `classes`
            self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"a classifier needs at least two classes; y has the one class {self.classes_[0]!r}"
            )
        ids = self._targets(y)
        task = "binary" if len(self.classes_) == 2 else "multiclass"
        return Dataset(name="arrays", X_train=X.astype(np.float32), y_train=ids, task=task,
                       classes=self.classes_.tolist())  # fmt: skip

    def _start_partial(self, X, y, classes) -> None:
        if classes is not None:
            self.classes_ = np.unique(classes)
            self._partial_classes = True

    def _targets(self, y) -> np.ndarray:
        y = np.asarray(y)
        ids = np.searchsorted(self.classes_, y)
        ids = np.clip(ids, 0, len(self.classes_) - 1)
        if not np.all(self.classes_[ids] == y):
            raise ValueError(f"y holds labels outside the classes {self.classes_.tolist()}")
        return ids.astype(np.int64)

    def predict_proba(self, X) -> np.ndarray:
        """P(class k | x) for each class in classes_ (N, K)."""
        X = self._input(X)
        return self._predictor().predict_proba(X)

    def decision_function(self, X) -> np.ndarray:
        """The logits: z (N,) of the positive class for two classes, else z (N, K)."""
        X = self._input(X)
        net = self._predictor()
        out = net.forward(X)
        if isinstance(net.layers[-1], (Sigmoid, Softmax)):
            out = net.layers[-1].x
        out = out.astype(np.float64)
        return out[:, 0] if out.shape[1] == 1 else out

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row, as a label of classes_."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class GlassnetRegressor(RegressorMixin, _Glassnet):
    """glassnet's tabular recipe as a scikit-learn regressor (see the module docstring); the
    target is standardised for training and predictions come back in its units."""

    def __init__(self, hidden=None, activation=None, optimizer=None, lr=None,
                 weight_decay=None, batch_size=None, epochs=None, validation=None,
                 early_stopping=None, patience=None, smoothing=None, refit=None, init=None,
                 dropout=None, dtype=None, random_state=None, folds=None):  # fmt: skip
        self.hidden, self.activation, self.optimizer, self.lr = hidden, activation, optimizer, lr
        self.weight_decay, self.batch_size, self.epochs = weight_decay, batch_size, epochs
        self.validation, self.early_stopping, self.patience = validation, early_stopping, patience
        self.smoothing, self.refit, self.init, self.dropout = smoothing, refit, init, dropout
        self.dtype, self.random_state, self.folds = dtype, random_state, folds

    def _dataset(self, X, y) -> Dataset:
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 1:
            raise ValueError(f"y must be one target per row, shape (N,), got {y.shape}")
        return Dataset(name="arrays", X_train=X.astype(np.float32),
                       y_train=y.astype(np.float32), task="regression")  # fmt: skip

    def _targets(self, y) -> np.ndarray:
        return np.asarray(y, dtype=np.float32)

    def predict(self, X) -> np.ndarray:
        """ŷ (N,) in the target's units."""
        X = self._input(X)
        return self._predictor().predict(X)[:, 0]


def expected_failed_checks(estimator) -> dict[str, str]:
    """The scikit-learn checks these estimators do not pass, and why (for
    parametrize_with_checks(expected_failed_checks=…) and check_estimator)."""
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "an integer weight scales a sample's gradient; repeating the sample instead changes "
            "the mini-batches and the validation split (or folds), so the two fits differ"
        ),
    }
