"""The generated 2-D data sets: shapes, dtypes, labels, geometry and seeding."""

import numpy as np
import pytest

from glassnet.datasets import blobs, circles, moons, spirals, xor, xor_clusters
from glassnet.errors import ValidationError

SEEDED = {
    "xor_clusters": (xor_clusters, {"n_per_corner": 50}, 200, 2),
    "circles": (circles, {"n": 301}, 301, 2),
    "moons": (moons, {"n": 300}, 300, 2),
    "spirals": (spirals, {"n": 300}, 300, 2),
    "blobs": (blobs, {"n": 301, "centers": 4}, 301, 4),
}


def test_xor_is_the_four_points_with_xor_labels():
    X, y = xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert xor(dtype="float64")[0].dtype == np.float64


@pytest.mark.parametrize("name", SEEDED)
def test_shapes_dtypes_and_balanced_labels(name):
    generate, kwargs, n, k = SEEDED[name]
    X, y = generate(**kwargs)
    assert X.shape == (n, 2) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == k and counts.max() - counts.min() <= 1
    assert np.all(np.isfinite(X))
    assert generate(**kwargs, dtype="float64")[0].dtype == np.float64


@pytest.mark.parametrize("name", SEEDED)
def test_same_seed_same_data_other_seed_other_data(name):
    generate, kwargs, _, _ = SEEDED[name]
    X1, y1 = generate(**kwargs, seed=3)
    X2, y2 = generate(**kwargs, seed=3)
    X3, _ = generate(**kwargs, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("name", SEEDED)
def test_generator_argument_and_no_global_state(name):
    generate, kwargs, _, _ = SEEDED[name]
    before = np.random.get_state()[1].copy()  # noqa: NPY002 (checking it is left alone)
    X1, _ = generate(**kwargs, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    np.testing.assert_array_equal(X1, generate(**kwargs, seed=7)[0])


def test_xor_clusters_sit_around_their_corners_with_the_corner_label():
    X, y = xor_clusters(n_per_corner=500, noise=0.1, seed=1)
    corner = np.rint(X).clip(0, 1).astype(int)
    agree = (corner[:, 0] ^ corner[:, 1]) == y
    assert agree.mean() > 0.99  # σ = 0.1: a point crosses the midline 0.5 only at 5σ
    spread = (X - corner).std(axis=0)
    np.testing.assert_allclose(spread, 0.1, rtol=0.1)


def test_xor_clusters_rows_are_shuffled():
    _, y = xor_clusters(n_per_corner=100)
    assert 0 < y[:40].mean() < 1


def test_circles_radii():
    X, y = circles(n=400, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(r[y == 1], 0.3, atol=1e-6)


def test_moons_lie_on_their_half_circles():
    X, y = moons(n=400, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-6)
    assert np.all(upper[:, 1] >= -1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert np.all(lower[:, 1] <= 0.5 + 1e-6)


def test_spirals_arms_are_half_a_turn_apart():
    X, y = spirals(n=400, noise=0.0, turns=1.5)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 1.0 + 1e-6
    theta = np.arctan2(X[:, 1], X[:, 0])
    # on arm k: angle = 3π r + kπ (mod 2π)
    expected = 2 * np.pi * 1.5 * r + np.pi * y
    diff = np.angle(np.exp(1j * (theta - expected)))
    np.testing.assert_allclose(diff, 0.0, atol=1e-4)


def test_blobs_centres_and_explicit_centres():
    X, y = blobs(n=3000, centers=3, noise=0.5, seed=2)
    means = np.array([X[y == c].mean(axis=0) for c in range(3)])
    gaps = np.linalg.norm(means - np.roll(means, 1, axis=0), axis=1)
    np.testing.assert_allclose(gaps, 6.0, atol=0.1)
    X, y = blobs(n=10, centers=[[10, 10], [-10, -10]], noise=0.0)
    np.testing.assert_array_equal(X[y == 0], np.full((5, 2), 10.0))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: xor_clusters(n_per_corner=0), "n_per_corner must be an integer ≥ 1, got 0"),
        (lambda: circles(n=2.5), "n must be an integer"),
        (lambda: moons(noise=-1), "noise must be a finite number ≥ 0"),
        (lambda: circles(factor=1.5), "factor must lie strictly between 0 and 1"),
        (lambda: spirals(turns=0), "turns must be positive"),
        (
            lambda: blobs(centers=[1, 2, 3]),
            r"centers must be a count or an array of shape \(k, 2\)",
        ),
        (lambda: blobs(n=2, centers=3), "n must be an integer ≥ 3"),
    ],
)
def test_bad_parameters_name_the_rule(call, message):
    with pytest.raises(ValidationError, match=message):
        call()
