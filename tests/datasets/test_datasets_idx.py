"""The IDX reader on the real MNIST files and on damaged ones; the MNIST family loader."""

import dataclasses
import gzip
import hashlib
import os
import shutil

import numpy as np
import pytest

from datasets_helpers import MNIST_STEMS, fake_emnist_zip, fake_set, published_sums, shared_mnist
from glassnet.datasets import load, read_idx, verify, write_idx
from glassnet.datasets.registry import IMAGE_SETS, RemoteFile
from glassnet.errors import DataError


@pytest.fixture(scope="module")
def mnist_copy(tmp_path_factory):
    """A writable folder with copies of the shared MNIST .gz files."""
    folder = tmp_path_factory.mktemp("data") / "mnist"
    folder.mkdir()
    for stem in MNIST_STEMS:
        shutil.copy(shared_mnist() / f"{stem}.gz", folder)
    return folder


@pytest.fixture(scope="module")
def raw_labels(tmp_path_factory):
    """The raw (decompressed) MNIST test labels, as bytes."""
    return gzip.decompress((shared_mnist() / "t10k-labels-idx1-ubyte.gz").read_bytes())


def test_shared_files_decompress_to_the_published_sha256():
    sums = published_sums()
    assert set(sums) == set(MNIST_STEMS)
    for stem in MNIST_STEMS:
        payload = gzip.decompress((shared_mnist() / f"{stem}.gz").read_bytes())
        assert hashlib.sha256(payload).hexdigest() == sums[stem]


def test_read_idx_on_the_real_gzipped_files():
    images = read_idx(shared_mnist() / "t10k-images-idx3-ubyte.gz", ndim=3)
    labels = read_idx(shared_mnist() / "t10k-labels-idx1-ubyte.gz", ndim=1)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert images.max() == 255 and images.min() == 0


def test_load_mnist_from_the_read_only_shared_folder():
    before = sorted(os.listdir(shared_mnist()))
    data = load("mnist", data_dir=shared_mnist().parent, download=False)
    assert sorted(os.listdir(shared_mnist())) == before  # nothing written beside the .gz files
    assert data.X_train.shape == (60000, 784) and data.X_train.dtype == np.uint8
    assert data.y_train.shape == (60000,) and data.y_train.dtype == np.int64
    assert data.X_test.shape == (10000, 784) and data.y_test.shape == (10000,)
    assert data.classes == [str(d) for d in range(10)]
    assert data.task == "multiclass" and data.image_shape == (28, 28)
    assert data.input_scale == 255.0
    assert np.bincount(data.y_train).tolist()[:3] == [5923, 6742, 5958]
    sums = published_sums()
    assert {k: v["sha256"] for k, v in data.provenance["files"].items()} == sums


def test_the_folder_holding_the_files_works_as_data_dir():
    data = load("mnist", data_dir=shared_mnist(), download=False)
    assert data.y_test[:3].tolist() == [7, 2, 1]


def test_writable_folder_decompresses_once_then_memory_maps(mnist_copy):
    first = load("mnist", data_dir=mnist_copy.parent, download=False)
    for stem in MNIST_STEMS:
        assert (mnist_copy / stem).is_file()
    assert not [p for p in mnist_copy.iterdir() if p.name.startswith(".")]  # no temp files
    second = load("mnist", data_dir=mnist_copy.parent, download=False)
    assert isinstance(second.X_train, np.memmap)
    assert second.provenance["files"]["train-images-idx3-ubyte"]["path"].endswith("ubyte")
    np.testing.assert_array_equal(first.X_test, second.X_test)
    np.testing.assert_array_equal(first.y_train, second.y_train)


def test_folder_marked_read_only_is_left_alone(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    shutil.copy(shared_mnist() / "t10k-labels-idx1-ubyte.gz", folder)
    shutil.copy(shared_mnist() / "t10k-images-idx3-ubyte.gz", folder)
    for stem in MNIST_STEMS[:2]:
        os.symlink(shared_mnist() / f"{stem}.gz", folder / f"{stem}.gz")
    folder.chmod(0o555)
    try:
        data = load("mnist", data_dir=tmp_path, download=False)
        assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s}.gz" for s in MNIST_STEMS)
    finally:
        folder.chmod(0o755)
    assert data.X_test.shape == (10000, 784)


def test_raw_file_that_differs_from_the_published_data_is_rejected(mnist_copy, raw_labels):
    folder = mnist_copy.parent.parent / "altered" / "mnist"
    folder.mkdir(parents=True)
    for stem in MNIST_STEMS:
        os.symlink(mnist_copy / f"{stem}.gz", folder / f"{stem}.gz")
    altered = bytearray(raw_labels)
    altered[-1] = (altered[-1] + 1) % 10
    (folder / "t10k-labels-idx1-ubyte").write_bytes(bytes(altered))
    with pytest.raises(DataError, match="does not hold the published mnist data .*download it"):
        load("mnist", data_dir=folder.parent, download=False)
    rows = {os.path.basename(f): ok for f, ok, _ in verify("mnist", data_dir=folder.parent)}
    assert rows["t10k-labels-idx1-ubyte"] is False
    assert rows["t10k-labels-idx1-ubyte.gz"] is True


def test_corrupt_magic_number(tmp_path, raw_labels):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(b"\x12\x34" + raw_labels[2:])
    with pytest.raises(DataError, match=r"labels-idx1-ubyte is not an IDX file: .*0x12340801"):
        read_idx(path)
    path.write_bytes(b"\x00\x00\x07\x01" + raw_labels[4:])  # 0x07 is no IDX element type
    with pytest.raises(DataError, match="is not an IDX file.*delete labels-idx1-ubyte"):
        read_idx(path)


def test_truncated_raw_file(tmp_path, raw_labels):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(raw_labels[:5000])
    message = r"is truncated: .* 10000 array of uint8 \(10,008 bytes .*\) .* 5,000 bytes"
    with pytest.raises(DataError, match=message):
        read_idx(path)
    with pytest.raises(DataError, match="download it again .*glassnet datasets verify mnist"):
        read_idx(path, dataset="mnist")


def test_file_with_extra_bytes(tmp_path, raw_labels):
    path = tmp_path / "labels"
    path.write_bytes(raw_labels + b"\x00")
    with pytest.raises(DataError, match="has extra bytes at the end"):
        read_idx(path)


def test_truncated_gzip_file(tmp_path):
    gz = (shared_mnist() / "t10k-labels-idx1-ubyte.gz").read_bytes()
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gz[: len(gz) // 2])
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is not a complete gzip file"):
        read_idx(path)


def test_wrong_number_of_dimensions(tmp_path, raw_labels):
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(raw_labels)  # a label file where images were expected
    with pytest.raises(DataError, match=r"holds a 1-D array .*where a 3-D one was expected"):
        read_idx(path, ndim=3)


def test_header_dimensions_that_disagree_with_the_data(tmp_path):
    path = tmp_path / "images"
    write_idx(path, np.zeros((10, 28, 28), np.uint8))
    data = bytearray(path.read_bytes())
    data[11] = 29  # the header now says 10 × 29 × 28
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"10 × 29 × 28 array of uint8 .* is truncated|truncated"):
        read_idx(path)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_write_then_read_round_trip(tmp_path, dtype, suffix):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = tmp_path / f"array{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.shape == array.shape
    np.testing.assert_array_equal(back, array)


def test_fashion_mnist_layout_and_class_names(tmp_path):
    images, labels = fake_set(tmp_path / "fashion-mnist", "fashion-mnist")
    data = load("fashion-mnist", data_dir=tmp_path, download=False)
    np.testing.assert_array_equal(data.X_train, images[:6].reshape(6, 784))
    np.testing.assert_array_equal(data.y_test, labels[6:])
    assert data.classes[0] == "T-shirt/top" and data.classes[9] == "Ankle boot"
    rows = verify("fashion-mnist", data_dir=tmp_path)
    # a raw copy is checked by structure (no payload checksum is published), the .gz by MD5
    assert {ok for f, ok, _ in rows if not f.endswith(".gz")} == {True}
    assert {ok for f, ok, _ in rows if f.endswith(".gz")} == {False}


def test_image_and_label_counts_must_agree(tmp_path):
    fake_set(tmp_path / "kmnist", "kmnist", gz=False)
    spec = IMAGE_SETS["kmnist"]
    write_idx(tmp_path / "kmnist" / spec.files[1].stem, np.zeros(5, np.uint8))
    with pytest.raises(DataError, match="has 6 images but .*train-labels-idx1-ubyte has 5 labels"):
        load("kmnist", data_dir=tmp_path, download=False)


def test_labels_out_of_range(tmp_path):
    fake_set(tmp_path / "kmnist", "kmnist", gz=False)
    write_idx(tmp_path / "kmnist" / IMAGE_SETS["kmnist"].files[3].stem, np.full(4, 12, np.uint8))
    with pytest.raises(DataError, match="labels from 12 to 12, but kmnist labels run from 0 to 9"):
        load("kmnist", data_dir=tmp_path, download=False)


def test_missing_files_without_download(tmp_path):
    with pytest.raises(DataError, match="kmnist is not in .*glassnet datasets download kmnist"):
        load("kmnist", data_dir=tmp_path, download=False)


def test_emnist_letters_from_a_local_archive(tmp_path, monkeypatch):
    archive, images, labels = fake_emnist_zip(tmp_path, "letters")
    (tmp_path / "emnist").mkdir()
    (tmp_path / "emnist" / "gzip.zip").write_bytes(archive)
    spec = IMAGE_SETS["emnist-letters"]
    fake = RemoteFile("gzip.zip", md5=hashlib.md5(archive).hexdigest())
    monkeypatch.setitem(IMAGE_SETS, "emnist-letters", dataclasses.replace(spec, archive=fake))
    data = load("emnist-letters", data_dir=tmp_path, download=False)
    assert (tmp_path / "emnist-letters" / spec.files[0].name).is_file()  # extracted
    # stored transposed, loaded in MNIST's orientation; labels 1..26 become 0..25
    np.testing.assert_array_equal(data.X_train.reshape(-1, 28, 28), images[:6])
    np.testing.assert_array_equal(data.y_train, labels[:6])
    assert data.classes[:3] == ["a", "b", "c"] and len(data.classes) == 26
    rows = verify("emnist-letters", data_dir=tmp_path)
    assert all(ok for _, ok, _ in rows) and rows[0][0].endswith("gzip.zip")


def test_emnist_archive_with_the_wrong_checksum_is_not_trusted(tmp_path):
    archive, _, _ = fake_emnist_zip(tmp_path, "digits")
    (tmp_path / "emnist").mkdir()
    (tmp_path / "emnist" / "gzip.zip").write_bytes(archive)
    rows = verify("emnist-digits", data_dir=tmp_path)
    assert rows[0][1] is False and "checksum mismatch" in rows[0][2]
    with pytest.raises(DataError, match=r"gzip.zip is not the published gzip.zip \(checksum mis"):
        load("emnist-digits", data_dir=tmp_path, download=False)
