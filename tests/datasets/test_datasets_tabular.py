"""The user's own data: CSV edge cases and their messages, .npy, .npz, standardising, splits."""

import numpy as np
import pytest

from glassnet.datasets import (
    fit_standardizer,
    load,
    load_csv,
    load_npy,
    load_npz,
    train_test_split,
)
from glassnet.errors import DataError, ValidationError


def write(tmp_path, text, name="data.csv"):
    """A file holding ``text``; returns its path."""
    path = tmp_path / name
    path.write_text(text)
    return path


IRIS_LIKE = """\
sepal length,sepal width,species
5.1,3.5,setosa
7.0,3.2,versicolor
6.3,3.3,virginica
4.9,3.0,setosa
6.4,3.2,versicolor
"""


def test_string_labels_are_mapped_to_sorted_ids_and_back(tmp_path):
    data = load_csv(write(tmp_path, IRIS_LIKE))
    assert data.classes == ["setosa", "versicolor", "virginica"]
    assert data.y_train.tolist() == [0, 1, 2, 0, 1] and data.y_train.dtype == np.int64
    assert [data.classes[i] for i in data.y_train] == [
        "setosa",
        "versicolor",
        "virginica",
        "setosa",
        "versicolor",
    ]
    assert data.X_train.dtype == np.float32 and data.X_train.shape == (5, 2)
    np.testing.assert_allclose(data.X_train[1], [7.0, 3.2])
    assert data.feature_names == ["sepal length", "sepal width"]
    assert data.task == "multiclass" and data.X_test is None
    assert data.provenance["target"] == "species" and len(data.provenance["sha256"]) == 64


@pytest.mark.parametrize("target", ["a", 0, -3, "0", "-3"])
def test_target_by_name_index_negative_index_or_digit_string(tmp_path, target):
    data = load_csv(write(tmp_path, "a,b,c\n1,2,3\n0,5,6\n1,8,9\n"), target=target)
    assert data.feature_names == ["b", "c"] and data.y_train.tolist() == [1, 0, 1]
    np.testing.assert_array_equal(data.X_train, [[2, 3], [5, 6], [8, 9]])


def test_target_in_the_middle_by_name(tmp_path):
    text = "a,label,b\n1,yes,2\n3,no,4\n5,yes,6\n"
    data = load_csv(write(tmp_path, text), target="label")
    assert data.feature_names == ["a", "b"]
    np.testing.assert_array_equal(data.X_train, [[1, 2], [3, 4], [5, 6]])
    assert data.classes == ["no", "yes"] and data.task == "binary"


def test_unknown_target_lists_the_columns(tmp_path):
    path = write(tmp_path, IRIS_LIKE)
    message = "target column 'label' is not in .*columns are: sepal length, sepal width, species"
    with pytest.raises(DataError, match=message):
        load_csv(path, target="label")
    with pytest.raises(DataError, match="index 3 is out of range .* has 3 columns"):
        load_csv(path, target=3)


def test_missing_value_names_row_and_column(tmp_path):
    text = "age,income,label\n30,100,a\n41,,b\n25,80,a\n"
    message = r"column 'income' \(row 3\) of .* is empty: fill or drop missing values"
    with pytest.raises(DataError, match=message):
        load_csv(write(tmp_path, text))


def test_missing_value_marker(tmp_path):
    text = "age,income,label\n30,100,a\n41,90,b\nNA,80,a\n"
    with pytest.raises(DataError, match=r"column 'age' \(row 4\) .* is 'NA', a missing value"):
        load_csv(write(tmp_path, text))


def test_text_feature_names_row_and_column(tmp_path):
    text = "age,city,label\n30,Paris,a\n41,Lyon,b\n"
    message = r"column 'city' \(row 2\) .* holds text \('Paris'\), not a number: .*encode"
    with pytest.raises(DataError, match=message):
        load_csv(write(tmp_path, text))


def test_infinite_feature(tmp_path):
    with pytest.raises(DataError, match=r"column 'x' \(row 3\) .* is 'inf', not a finite"):
        load_csv(write(tmp_path, "x,y\n1,a\ninf,b\n"))


def test_single_class(tmp_path):
    text = "x,label\n1,spam\n2,spam\n3,spam\n"
    with pytest.raises(DataError, match="single value 'spam' in every row: a classifier needs"):
        load_csv(write(tmp_path, text))


def test_header_less_file(tmp_path):
    with pytest.raises(DataError, match="has no header row: its first row .* is all numbers"):
        load_csv(write(tmp_path, "1.0,2.0,0\n3.0,4.0,1\n"))


def test_empty_label(tmp_path):
    text = "x,label\n1,a\n2,\n3,b\n"
    with pytest.raises(DataError, match=r"target column 'label' \(row 3\) .* is empty"):
        load_csv(write(tmp_path, text))


def test_ragged_row(tmp_path):
    text = "x,y,label\n1,2,a\n3,b\n"
    with pytest.raises(DataError, match="row 3 has 2 values but the header names 3 columns"):
        load_csv(write(tmp_path, text))


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(DataError, match="is empty: a CSV file needs a header row"):
        load_csv(write(tmp_path, "\n\n"))
    with pytest.raises(DataError, match="has a header row but no data rows"):
        load_csv(write(tmp_path, "x,label\n"))


def test_quoting_whitespace_bom_and_blank_lines(tmp_path):
    text = '\ufeffx, y ,name\n 1 ,2,"Smith, J"\n\n3,4,"Doe, A"\n\n'
    data = load_csv(write(tmp_path, text))
    assert data.feature_names == ["x", "y"]
    assert data.classes == ["Doe, A", "Smith, J"]
    np.testing.assert_array_equal(data.X_train, [[1, 2], [3, 4]])


def test_semicolon_and_tab_files(tmp_path):
    data = load_csv(write(tmp_path, "x;y;label\n1;2;a\n3;4;b\n"))
    assert data.feature_names == ["x", "y"]
    data = load_csv(write(tmp_path, "x\ty\tlabel\n1\t2\ta\n3\t4\tb\n", name="data.tsv"))
    assert data.classes == ["a", "b"]


def test_few_integer_labels_are_classes_many_or_fractional_are_regression(tmp_path):
    ints = "x,label\n" + "".join(f"{i},{i % 3}\n" for i in range(30))
    data = load_csv(write(tmp_path, ints))
    assert data.task == "multiclass" and data.classes == [0, 1, 2]
    binary = load_csv(write(tmp_path, "x,label\n1,1.0\n2,0.0\n3,1.0\n"))
    assert binary.task == "binary" and binary.classes == [0, 1]
    assert binary.y_train.tolist() == [1, 0, 1]
    floats = "x,price\n" + "".join(f"{i},{i * 1.5}\n" for i in range(30))
    data = load_csv(write(tmp_path, floats))
    assert data.task == "regression" and data.classes is None
    assert data.y_train.dtype == np.float32 and data.y_train[3] == 4.5
    many = "x,count\n" + "".join(f"{i},{i}\n" for i in range(21))
    assert load_csv(write(tmp_path, many)).task == "regression"
    assert load_csv(write(tmp_path, many), task="classification").n_classes == 21


def test_regression_target_must_be_finite(tmp_path):
    text = "x,price\n" + "".join(f"{i},{i * 1.5}\n" for i in range(30)) + "31,nan\n"
    with pytest.raises(DataError, match=r"target 'price' \(row 32\) is 'nan', not a finite"):
        load_csv(write(tmp_path, text))


def test_load_dispatches_csv_with_target(tmp_path):
    data = load(write(tmp_path, IRIS_LIKE), target="species")
    assert data.name == "data" and data.n_classes == 3
    assert load(str(tmp_path / "data.csv")).n_classes == 3


def test_npy_target_column(tmp_path):
    table = np.array([[0.5, 1.0, 0], [1.5, 2.0, 1], [2.5, 3.0, 1], [3.5, 4.0, 0]])
    path = tmp_path / "table.npy"
    np.save(path, table)
    data = load_npy(path)
    np.testing.assert_array_equal(data.X_train, table[:, :2])
    assert data.y_train.tolist() == [0, 1, 1, 0] and data.task == "binary"
    data = load(path, target=0)
    assert data.task == "regression" and data.y_train.tolist() == [0.5, 1.5, 2.5, 3.5]


def test_npy_errors(tmp_path):
    path = tmp_path / "flat.npy"
    np.save(path, np.arange(5.0))
    with pytest.raises(DataError, match=r"shape \(5,\); a .npy data file must be 2-D"):
        load_npy(path)
    np.save(path, np.array([[1.0, np.nan, 0], [2.0, 3.0, 1]]))
    with pytest.raises(DataError, match="feature 1 of sample 0 is nan: replace missing"):
        load_npy(path)
    np.save(path, np.array([[1, "a"], [2, "b"]], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="not a readable .npy file without pickle"):
        load_npy(path)


def test_npz_with_test_split_and_string_labels(tmp_path):
    path = tmp_path / "arrays.npz"
    X = np.arange(12.0).reshape(6, 2)
    np.savez(path, X=X, y=np.array(["b", "a", "c", "a", "b", "c"]), X_test=X[:2], y_test=["c", "a"])
    data = load(path)
    assert data.classes == ["a", "b", "c"] and data.y_train.tolist() == [1, 0, 2, 0, 1, 2]
    assert data.y_test.tolist() == [2, 0] and data.X_test.dtype == np.float32
    assert set(data.provenance["arrays"]) == {"X", "y", "X_test", "y_test"}


def test_npz_keras_names_and_uint8_images(tmp_path):
    path = tmp_path / "mnist-like.npz"
    images = np.random.default_rng(0).integers(0, 256, (8, 28, 28), dtype=np.uint8)
    labels = np.arange(8) % 4
    np.savez(path, x_train=images, y_train=labels, x_test=images[:3], y_test=labels[:3])
    data = load_npz(path)
    assert data.X_train.shape == (8, 784) and data.X_train.dtype == np.uint8
    assert data.image_shape == (28, 28) and data.input_scale == 255.0
    assert data.classes == [0, 1, 2, 3] and data.X_test.shape == (3, 784)


def test_npz_errors(tmp_path):
    path = tmp_path / "arrays.npz"
    np.savez(path, features=np.zeros((2, 2)), labels=np.zeros(2))
    with pytest.raises(
        DataError, match="holds arrays features, labels, but glassnet needs X and y"
    ):
        load_npz(path)
    np.savez(path, X=np.zeros((4, 2)), y=[0, 1, 0, 1], X_test=np.zeros((1, 2)), y_test=[7])
    with pytest.raises(DataError, match=r"test labels include \[7\] which the training labels"):
        load_npz(path)
    np.savez(path, X=np.zeros((2, 2)), y=[0, 1])
    with pytest.raises(ValidationError, match="target column does not apply"):
        load(path, target=0)


def test_fit_standardizer():
    X = np.array([[1.0, 5.0, 0.0], [3.0, 5.0, 10.0], [5.0, 5.0, 20.0]], dtype=np.float32)
    mean, std = fit_standardizer(X)
    np.testing.assert_allclose(mean, [3.0, 5.0, 10.0])
    np.testing.assert_allclose(std, [np.sqrt(8 / 3), 1.0, np.sqrt(200 / 3)], rtol=1e-6)
    assert mean.dtype == np.float32 and std.dtype == np.float32
    Z = (X - mean) / std
    np.testing.assert_allclose(Z[:, 1], 0.0)  # the constant column becomes 0, not NaN
    np.testing.assert_allclose(Z.std(axis=0)[[0, 2]], 1.0, rtol=1e-6)


def test_fit_standardizer_on_uint8_images_in_blocks():
    X = np.random.default_rng(0).integers(0, 256, (20000, 5), dtype=np.uint8)
    mean, std = fit_standardizer(X, dtype="float64")
    np.testing.assert_allclose(mean, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std, X.std(axis=0), rtol=1e-12)
    with pytest.raises(ValidationError, match=r"non-empty 2-D array \(N, D\), got shape \(3,\)"):
        fit_standardizer(np.zeros(3))


def test_train_test_split_is_seeded_disjoint_and_stratified():
    y = np.array([0] * 80 + [1] * 15 + [2] * 5)
    X = np.zeros((100, 2))
    train, test = train_test_split(X, y, test_fraction=0.2, seed=1)
    assert len(test) == 20 and len(train) == 80
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(100))
    assert np.bincount(y[test]).tolist() == [16, 3, 1]
    again, _ = train_test_split(X, y, test_fraction=0.2, seed=1)
    other, _ = train_test_split(X, y, test_fraction=0.2, seed=2)
    np.testing.assert_array_equal(train, again)
    assert not np.array_equal(train, other)
    assert np.all(np.diff(train) > 0)  # sorted


def test_train_test_split_rounding_and_regression():
    y = np.array([0] * 7 + [1] * 7 + [2] * 7)
    _, test = train_test_split(np.zeros((21, 1)), y, test_fraction=0.3, seed=0)
    assert len(test) == 6 and sorted(np.bincount(y[test]).tolist()) == [2, 2, 2]
    y_float = np.linspace(0, 1, 10)
    train, test = train_test_split(np.zeros((10, 1)), y_float, test_fraction=0.3, seed=0)
    assert len(test) == 3 and len(train) == 7


@pytest.mark.parametrize(
    ("fraction", "n", "message"),
    [(0.0, 10, "strictly between 0 and 1"), (1.5, 10, "strictly between"), (0.01, 10, "empty")],
)
def test_train_test_split_bad_fraction(fraction, n, message):
    with pytest.raises(ValidationError, match=message):
        train_test_split(np.zeros((n, 1)), None, test_fraction=fraction)


def test_target_alone_is_not_enough(tmp_path):
    with pytest.raises(DataError, match="single column 'label': add feature columns"):
        load_csv(write(tmp_path, "label\na\nb\n"))
