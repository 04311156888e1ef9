"""Downloading against a real HTTP server on 127.0.0.1, verification, and where data lives."""

import dataclasses
import hashlib
import os
import socket
from pathlib import Path

import pytest

from datasets_helpers import (
    MNIST_STEMS,
    LyingLengthHandler,
    fake_emnist_zip,
    http_server,
    mirror_folder,
    regzip,
    shared_mnist,
)
from glassnet.datasets import data_home, download, load, verify
from glassnet.datasets.registry import IMAGE_SETS, RemoteFile
from glassnet.errors import DataError, DownloadError

GZ_NAMES = [f"{stem}.gz" for stem in MNIST_STEMS]


CLOSED_PORT_URL = "http://127.0.0.1:9/"  # the discard port: nothing listens there


@pytest.fixture(autouse=True)
def no_ambient_data(monkeypatch):
    """Tests choose their data folder explicitly and never reach the internet: the mirror is
    a local URL unless a test starts a server."""
    monkeypatch.delenv("GLASSNET_DATA", raising=False)
    monkeypatch.setenv("GLASSNET_MIRROR", CLOSED_PORT_URL)


def _leftovers(folder):
    """Temporary download files left in ``folder`` (there should be none)."""
    return [p.name for p in folder.rglob("*") if p.name.endswith(".part")]


def test_download_from_a_local_mirror_then_verify_and_load(tmp_path, monkeypatch):
    calls = []
    data_dir = tmp_path / "data"
    with http_server(shared_mnist()) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        paths = download("mnist", data_dir=data_dir, progress=lambda *a: calls.append(a))
    assert [p.name for p in paths] == GZ_NAMES
    assert sorted(p.name for p in (data_dir / "mnist").iterdir()) == sorted(GZ_NAMES)
    rows = verify("mnist", data_dir=data_dir)
    assert len(rows) == 4 and all(ok for _, ok, _ in rows)
    # the shared files are gzipped again, so they verify by the SHA-256 of their payload
    assert all("decompressed data matches" in detail for _, _, detail in rows)
    done, total, name = calls[-1]
    assert name == "t10k-labels-idx1-ubyte.gz" and done == total == 4517
    assert calls[0][0] == 0
    data = load("mnist", data_dir=data_dir, download=False)
    assert data.X_train.shape == (60000, 784)


def test_download_keeps_verified_files_and_needs_no_server(tmp_path):
    # the files are all there (and verify), so nothing is fetched: no mirror is reachable here
    paths = download("mnist", data_dir=shared_mnist())
    assert [p.parent for p in paths] == [shared_mnist()] * 4


def test_load_downloads_missing_files(tmp_path, monkeypatch):
    with http_server(shared_mnist()) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        data = load("mnist", data_dir=tmp_path)
    assert data.y_test.shape == (10000,)
    assert (tmp_path / "mnist" / "t10k-labels-idx1-ubyte").is_file()  # decompressed once


def test_checksum_mismatch(tmp_path, monkeypatch):
    def flip_last_label(payload):
        return payload[:-1] + bytes([(payload[-1] + 1) % 10])

    bad = regzip(shared_mnist() / "t10k-labels-idx1-ubyte.gz", flip_last_label)
    mirror = mirror_folder(tmp_path, {"t10k-labels-idx1-ubyte.gz": bad})
    data_dir = tmp_path / "data"
    with http_server(mirror) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        with pytest.raises(DownloadError) as caught:
            download("mnist", data_dir=data_dir)
    message = str(caught.value)
    assert message.startswith("could not download t10k-labels-idx1-ubyte.gz for mnist")
    assert "checksum mismatch" in message and "expected ff7bcfd416de" in message
    assert f"Download {url}/t10k-labels-idx1-ubyte.gz yourself" in message
    assert f"put the file in {data_dir / 'mnist'}/" in message and "--data-dir" in message
    assert not (data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()
    assert _leftovers(data_dir) == []


def test_truncated_file_served_short(tmp_path, monkeypatch):
    whole = (shared_mnist() / "train-labels-idx1-ubyte.gz").read_bytes()
    mirror = mirror_folder(tmp_path, {"train-labels-idx1-ubyte.gz": whole[:10000]})
    with http_server(mirror) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        with pytest.raises(DownloadError, match="train-labels-idx1-ubyte.gz .*checksum mismatch"):
            download("mnist", data_dir=tmp_path / "data")
    assert _leftovers(tmp_path / "data") == []


def test_truncated_transfer_content_length_lie(tmp_path, monkeypatch):
    with http_server(shared_mnist(), LyingLengthHandler) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        with pytest.raises(DownloadError) as caught:
            download("mnist", data_dir=tmp_path)
    message = str(caught.value)
    assert "could not download train-images-idx3-ubyte.gz" in message
    assert "connection closed after 4,859,719 of 9,719,438 bytes" in message
    # one message names every file still to get and where they go
    for name in GZ_NAMES:
        assert f"{url}/{name}" in message
    assert f"put the files in {tmp_path / 'mnist'}/" in message
    assert _leftovers(tmp_path) == []


def test_server_not_running(tmp_path, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("GLASSNET_MIRROR", f"http://127.0.0.1:{port}/")
    with pytest.raises(DownloadError) as caught:
        load("kmnist", data_dir=tmp_path)
    message = str(caught.value)
    assert message.count("could not download") == 1
    assert f"http://127.0.0.1:{port}/train-images-idx3-ubyte.gz: Connection refused" in message
    assert f"put the files in {tmp_path / 'kmnist'}/" in message
    assert "GLASSNET_DATA" in message
    assert _leftovers(tmp_path) == []


def test_http_error_is_reported_with_its_status(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    with http_server(empty) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        with pytest.raises(DownloadError, match="train-images-idx3-ubyte.gz: HTTP 404"):
            download("fashion-mnist", data_dir=tmp_path / "data")


def test_emnist_archive_is_fetched_verified_and_extracted(tmp_path, monkeypatch):
    archive, images, _ = fake_emnist_zip(tmp_path, "digits")
    served = tmp_path / "served"
    served.mkdir()
    (served / "gzip.zip").write_bytes(archive)
    spec = IMAGE_SETS["emnist-digits"]
    fake = RemoteFile("gzip.zip", md5=hashlib.md5(archive).hexdigest())
    monkeypatch.setitem(IMAGE_SETS, "emnist-digits", dataclasses.replace(spec, archive=fake))
    with http_server(served) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        data = load("emnist-digits", data_dir=tmp_path / "data")
    assert (tmp_path / "data" / "emnist" / "gzip.zip").is_file()
    assert data.X_test.reshape(-1, 28, 28).tolist() == images[6:].tolist()


def test_unusable_data_dir_gives_a_clear_message(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "kmnist").write_text("a file where a folder should be")
    with pytest.raises(
        DownloadError, match="cannot create .*kmnist .*--data-dir or .*GLASSNET_DATA"
    ):
        download("kmnist", data_dir=locked)


def test_data_home_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert data_home() == tmp_path / "home" / ".cache" / "glassnet"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_home() == tmp_path / "xdg" / "glassnet"
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "env"))
    assert data_home() == tmp_path / "env"
    assert data_home(tmp_path / "arg") == tmp_path / "arg"
    assert data_home("~/x") == tmp_path / "home" / "x"


def test_each_source_of_the_data_folder_is_used_by_load(tmp_path, monkeypatch):
    cache = tmp_path / "xdg" / "glassnet"
    cache.mkdir(parents=True)
    (cache / "mnist").symlink_to(shared_mnist())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert load("mnist", download=False).provenance["files"]["t10k-labels-idx1-ubyte"]
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("GLASSNET_DATA", str(empty))  # the environment beats the cache
    with pytest.raises(DataError, match=f"mnist is not in {empty}"):
        load("mnist", download=False)
    data = load("mnist", data_dir=shared_mnist().parent, download=False)  # the argument wins
    assert Path(data.provenance["files"]["t10k-labels-idx1-ubyte"]["path"]).parent == Path(
        shared_mnist()
    )


def test_verify_reports_missing_files(tmp_path):
    rows = verify("mnist", data_dir=tmp_path)
    assert [os.path.basename(f) for f, _, _ in rows] == GZ_NAMES
    assert not any(ok for _, ok, _ in rows)
    assert "glassnet datasets download mnist" in rows[0][2]


def test_unknown_downloadable_name():
    with pytest.raises(
        DataError, match="'xor' is not a downloadable data set: choose one of mnist"
    ):
        download("xor")
