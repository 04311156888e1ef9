"""Small two-dimensional data sets for the lessons: XOR and its relatives.

Every generator returns ``(X, y)`` with ``X`` of shape ``(n, 2)`` (float32 unless ``dtype``
says otherwise) and ``y`` of shape ``(n,)``, int64 class ids.  Randomness comes only from
``numpy.random.default_rng(seed)``; ``seed`` may also be a ``numpy.random.Generator``.
The rows are shuffled with the same generator, so any prefix is a fair sample of all classes.
"""

import numpy as np

from glassnet.errors import ValidationError

XOR_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_LABELS = np.array([0, 1, 1, 0], dtype=np.int64)  # label = x1 XOR x2

BLOB_SPACING = 6.0  # distance between neighbouring blob centres (six σ at the default noise)


def xor(dtype="float32"):
    """The four points of the XOR problem: X = (0,0), (0,1), (1,0), (1,1); y = x1 XOR x2."""
    return XOR_CORNERS.astype(dtype), XOR_LABELS.copy()


def xor_clusters(n_per_corner=100, noise=0.15, seed=0, dtype="float32"):
    """Gaussian clusters around the four XOR corners.

    Each corner c gets ``n_per_corner`` points c + ε with ε ~ N(0, noise² I); its label is
    the XOR of the corner's coordinates.  Returns 4 · n_per_corner shuffled rows.
    """
    _check_count("n_per_corner", n_per_corner)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    X = np.repeat(XOR_CORNERS, n_per_corner, axis=0)
    y = np.repeat(XOR_LABELS, n_per_corner)
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng, dtype)


def circles(n=400, noise=0.08, factor=0.5, seed=0, dtype="float32"):
    """Two concentric circles: class 0 on radius 1, class 1 on radius ``factor``.

    Angles are uniform on [0, 2π); each point gets Gaussian jitter of standard deviation
    ``noise``.  Class 0 has n − n//2 points, class 1 has n//2.
    """
    _check_count("n", n, minimum=2)
    _check_noise(noise)
    if not 0 < factor < 1:
        raise ValidationError(f"factor must lie strictly between 0 and 1, got {factor}")
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n, 2)
    radius = np.where(y == 0, 1.0, factor)
    angle = rng.uniform(0.0, 2 * np.pi, n)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng, dtype)


def moons(n=400, noise=0.1, seed=0, dtype="float32"):
    """Two interleaving half circles.

    Class 0: (cos t, sin t); class 1: (1 − cos t, 1/2 − sin t); t uniform on [0, π],
    plus Gaussian jitter of standard deviation ``noise``.
    """
    _check_count("n", n, minimum=2)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n, 2)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where((y == 0)[:, None], upper, lower)
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng, dtype)


def spirals(n=400, noise=0.2, turns=1.5, seed=0, dtype="float32"):
    """Two interleaved spirals, classes 0 and 1, inside the unit disc.

    A point at position t ∈ [0, 1] along an arm sits at radius r = t and angle
    θ = 2π · turns · t (+ π for class 1); t = √u with u uniform, so points are spread evenly
    along the arm.  The arms are 1 / (2 · turns) apart, and ``noise`` is the jitter's
    standard deviation as a fraction of that gap (0.2 keeps the arms separable).
    """
    _check_count("n", n, minimum=2)
    _check_noise(noise)
    if not turns > 0:
        raise ValidationError(f"turns must be positive, got {turns}")
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n, 2)
    t = np.sqrt(rng.uniform(0.0, 1.0, n))
    angle = 2 * np.pi * turns * t + np.pi * y
    X = t[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    sigma = noise / (2 * turns)
    X = X + sigma * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng, dtype)


def blobs(n=400, centers=3, noise=1.0, seed=0, dtype="float32"):
    """Isotropic Gaussian blobs, one class per centre.

    ``centers`` is a count k or an array of shape (k, 2).  A count places the k centres
    evenly on a circle about the origin, neighbours ``BLOB_SPACING`` = 6 apart (one centre at
    the origin when k = 1).  Points are centre + ε, ε ~ N(0, noise² I); n is shared out
    as evenly as possible (the first n mod k classes get one more point).
    """
    centres = _blob_centres(centers)
    k = len(centres)
    _check_count("n", n, minimum=k)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n, k)
    X = centres[y] + noise * rng.standard_normal((n, 2))
    return _shuffled(X, y, rng, dtype)


def _blob_centres(centers):
    """The (k, 2) array of blob centres for ``blobs(centers=...)``."""
    if np.isscalar(centers):
        k = centers
        _check_count("centers", k)
        if k == 1:
            return np.zeros((1, 2))
        radius = BLOB_SPACING / (2 * np.sin(np.pi / k))
        angle = 2 * np.pi * np.arange(k) / k
        return radius * np.column_stack([np.cos(angle), np.sin(angle)])
    centres = np.asarray(centers, dtype=np.float64)
    if centres.ndim != 2 or centres.shape[1] != 2 or len(centres) == 0:
        raise ValidationError(
            f"centers must be a count or an array of shape (k, 2), got shape {centres.shape}"
        )
    return centres


def _balanced_labels(n, k):
    """Labels 0..k−1 for n points, as even as possible (class i gets ⌈(n − i) / k⌉)."""
    return np.arange(n, dtype=np.int64) % k


def _shuffled(X, y, rng, dtype):
    """Rows of (X, y) in a random order drawn from ``rng``, X cast to ``dtype``."""
    order = rng.permutation(len(y))
    return X[order].astype(dtype), y[order]


def _check_count(name, value, minimum=1):
    """Raise ValidationError unless ``value`` is an integer ≥ ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValidationError(f"{name} must be an integer ≥ {minimum}, got {value!r}")


def _check_noise(noise):
    """Raise ValidationError unless ``noise`` is a finite number ≥ 0."""
    if not (np.isscalar(noise) and np.isfinite(noise) and noise >= 0):
        raise ValidationError(f"noise must be a finite number ≥ 0, got {noise!r}")
