"""Linear separability of a feature space: the accuracy of the best linear separator."""

from __future__ import annotations

import numpy as np


def linear_separability(H, y, iterations: int = 50, ridge: float = 1e-3) -> float:
    """Accuracy on (H, y) of the best linear separator a logistic-regression fit finds.

    H (N, d) are hidden-layer activations; y (N,) class ids. Two classes: Newton's method on the
    standardised features with a small L2 penalty `ridge` (so perfectly separable data keeps
    finite weights). More classes: one-vs-rest, each sample given the class of highest score.
    1.0 means some hyperplane separates the classes in that space.
    """
    H = np.asarray(H, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    std = H.std(axis=0)
    std[std == 0] = 1.0
    A = np.hstack([(H - H.mean(axis=0)) / std, np.ones((len(H), 1))])
    classes = np.unique(y)
    if len(classes) < 2:
        return 1.0
    targets = [classes[1]] if len(classes) == 2 else list(classes)
    scores = np.column_stack([A @ _newton_logistic(A, (y == c).astype(float), iterations, ridge)
                              for c in targets])  # fmt: skip
    if len(classes) == 2:
        predicted = np.where(scores[:, 0] > 0, classes[1], classes[0])
    else:
        predicted = classes[np.argmax(scores, axis=1)]
    return float(np.mean(predicted == y))


def _newton_logistic(A, t, iterations, ridge) -> np.ndarray:
    """Weights w maximising Σ log-likelihood − ½ ridge ‖w‖² of σ(A w) for targets t ∈ {0, 1}."""
    w = np.zeros(A.shape[1])
    penalty = ridge * len(A) * np.eye(A.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(A @ w, -500, 500)))
        gradient = A.T @ (p - t) + penalty @ w
        hessian = (A * (p * (1 - p))[:, None]).T @ A + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w
