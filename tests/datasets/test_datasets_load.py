"""``load`` by name: generated sets with their test splits, names, options, errors; the import."""

import json
import subprocess
import sys

import numpy as np
import pytest

from glassnet.datasets import BUILTIN_NAMES, circles, describe, load, xor_clusters
from glassnet.errors import DataError, ValidationError

GENERATED = ("xor-clusters", "circles", "moons", "spirals", "blobs")


def test_builtin_names_and_descriptions():
    assert BUILTIN_NAMES == (
        "xor",
        "xor-clusters",
        "circles",
        "moons",
        "spirals",
        "blobs",
        "mnist",
        "fashion-mnist",
        "kmnist",
        "emnist-digits",
        "emnist-letters",
    )
    rows = describe()
    assert [name for name, _ in rows] == list(BUILTIN_NAMES)
    assert all(isinstance(text, str) and text and "\n" not in text for _, text in rows)


def test_xor_has_no_test_split():
    data = load("xor")
    assert data.X_train.shape == (4, 2) and data.X_test is None
    assert data.task == "binary" and data.classes == [0, 1]


@pytest.mark.parametrize("name", GENERATED)
def test_generated_sets_have_an_independent_seeded_test_split(name):
    data = load(name, seed=5)
    assert data.X_test.shape == data.X_train.shape and data.X_train.dtype == np.float32
    assert data.y_test.dtype == np.int64
    assert not np.allclose(data.X_train, data.X_test)
    again = load(name, seed=5)
    np.testing.assert_array_equal(data.X_test, again.X_test)
    other = load(name, seed=6)
    assert not np.allclose(data.X_train, other.X_train)
    assert not np.allclose(data.X_test, other.X_test)
    assert data.feature_names == ["x1", "x2"] and data.image_shape is None
    json.dumps(data.provenance)
    json.dumps(data.classes)


def test_training_split_is_the_generator_output_and_options_pass_through():
    data = load("xor-clusters", seed=3, n_per_corner=10, noise=0.3)
    X, y = xor_clusters(n_per_corner=10, noise=0.3, seed=3)
    np.testing.assert_array_equal(data.X_train, X)
    np.testing.assert_array_equal(data.y_train, y)
    assert data.provenance["options"] == {"n_per_corner": 10, "noise": 0.3}
    assert load("blobs", centers=5).n_classes == 5
    assert load("XOR_Clusters").name == "xor-clusters"
    np.testing.assert_array_equal(
        load("circles", dtype="float64").X_train, circles(dtype="float64")[0]
    )


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(DataError, match="unknown data set 'mnst': choose one of xor, .*, emnist-l"):
        load("mnst")
    with pytest.raises(DataError, match="or give the path of a .csv, .npy or .npz file"):
        load("mnst")


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(DataError, match="nowhere.csv does not exist"):
        load(tmp_path / "nowhere.csv")
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(DataError, match=r"is a .xlsx file; glassnet reads .csv .* convert it"):
        load(path)
    with pytest.raises(DataError, match="is a folder: give a data file, or a data set name"):
        load(tmp_path)


def test_options_and_target_that_do_not_apply():
    with pytest.raises(ValidationError, match="option colour does not apply to moons; accepted"):
        load("moons", colour="red")
    with pytest.raises(ValidationError, match="a target column applies to CSV and .npy files"):
        load("circles", target="label")
    with pytest.raises(ValidationError, match="does not apply to mnist; accepted options: none"):
        load("mnist", noise=0.1)


def test_importing_datasets_stays_light():
    code = (
        "import sys, glassnet.datasets; "
        "print(sorted(m for m in ('matplotlib', 'rich', 'urllib.request', 'zipfile') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_target_with_a_built_in_data_set_is_refused_not_ignored():
    import glassnet as gn
    from glassnet.datasets.features import open_dataset

    with pytest.raises(ValidationError, match="moons is a built-in data set .* drop"):
        open_dataset("moons", target="label")
    with pytest.raises(ValidationError, match="drop the target"):
        gn.run(gn.RunConfig(data="moons", target="label", epochs=1))
