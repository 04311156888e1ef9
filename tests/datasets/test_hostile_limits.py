"""The hostile cases that need more than one command: a user without read permission, bombs
with their memory bounded, file modes, and downloads from misbehaving servers (a real HTTP
server on 127.0.0.1), including SIGTERM in the middle of one."""

import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from datasets_helpers import fake_set, http_server, shared_mnist
from glassnet.datasets import download, load, read_idx
from glassnet.datasets.idx import decompress_next_to
from glassnet.errors import DataError, DownloadError
from hostile_data_corpus import (
    NOBODY,
    DripHandler,
    EndlessHandler,
    HugeLengthHandler,
    SlowHandler,
    gzip_bomb,
    huge_photo,
    small_table,
)

IMAGES_HEADER = bytes([0, 0, 8, 3]) + np.array([6, 28, 28], ">u4").tobytes()


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    monkeypatch.setenv("GLASSNET_MIRROR", "http://127.0.0.1:9/")
    monkeypatch.delenv("GLASSNET_DATA", raising=False)


def files_in(folder):
    """Every file under ``folder``, temporary ones included, as relative names."""
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())


def test_a_file_the_user_cannot_read_is_one_clear_error(glassnet):
    folder = Path(tempfile.mkdtemp())  # pytest's tmp_path is private to root
    try:
        folder.chmod(0o755)
        path = small_table(folder / "locked.csv")
        path.chmod(0)
        result = subprocess.run([*NOBODY, sys.executable, "-m", "glassnet", "train", str(path)],
                                capture_output=True, text=True, cwd=folder)  # fmt: skip
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == (
        f"error: cannot read {path} (Permission denied): give yourself read permission "
        f"(chmod u+r {path}) or copy the file somewhere readable"
    )


def bomb_set(folder, total=200_000_000):
    """A small kmnist-layout set whose training images are a gzip bomb: the header promises
    6 images (4,720 bytes), the stream decompresses to ``total`` bytes."""
    home = folder / "kmnist"
    fake_set(home, "kmnist")
    gzip_bomb(home / "train-images-idx3-ubyte.gz", IMAGES_HEADER, total)
    return home


def test_gzip_bomb_in_a_read_only_folder_stops_at_the_promised_size(tmp_path):
    home = bomb_set(tmp_path)
    home.chmod(0o555)
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="has extra bytes at the end: its header describes "
                           "a 6 × 28 × 28 array"):  # fmt: skip
            load("kmnist", data_dir=tmp_path, download=False)
        with pytest.raises(DataError, match=r"\(4,720 bytes with the header\) but it "
                           "decompresses to more"):  # not "the file has 4,721 bytes"  # fmt: skip
            load("kmnist", data_dir=tmp_path, download=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        home.chmod(0o755)
    assert peak < 20_000_000  # the bomb is 200 MB; reading stops one byte past 4,720


def test_gzip_bomb_in_a_writable_folder_writes_nothing(tmp_path):
    home = bomb_set(tmp_path)
    with pytest.raises(DataError, match="has extra bytes at the end"):
        decompress_next_to(home / "train-images-idx3-ubyte.gz", ndim=3)
    assert files_in(home) == sorted(f.name for f in home.iterdir())  # no raw file, no .tmp
    assert not (home / "train-images-idx3-ubyte").exists()


def test_a_header_promising_more_than_deflate_can_hold_is_refused_unread(tmp_path):
    path = tmp_path / "claims.gz"
    header = bytes([0, 0, 8, 3]) + np.array([4_000_000, 28, 28], ">u4").tobytes()
    gzip_bomb(path, header, len(header) + 10)
    with pytest.raises(DataError, match="more than a gzip file of .* bytes can hold"):
        read_idx(path)
    with pytest.raises(DataError, match="claims 4,000,000 samples, but kmnist has at most 60,000"):
        read_idx(path, max_items=60_000, dataset="kmnist")


def test_downloaded_and_decompressed_files_honour_the_umask(tmp_path, monkeypatch):
    previous = os.umask(0o022)
    try:
        with http_server(shared_mnist()) as url:
            monkeypatch.setenv("GLASSNET_MIRROR", url)
            load("mnist", data_dir=tmp_path)  # downloads the .gz files, decompresses them
    finally:
        os.umask(previous)
    modes = {name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in files_in(tmp_path)}
    assert len(modes) == 8 and set(modes.values()) == {0o644}, modes


def test_a_48_megapixel_photo_is_decoded_small(tmp_path):
    huge_photo(tmp_path, {"image": "unused"})
    code = (
        "import sys; from glassnet.datasets.photos import load_digit; "
        "print(load_digit(sys.argv[1]).tobytes().hex())"
    )
    peaks, digits = [], []
    for name in ("photo.jpg", "seven.jpg"):
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%M", sys.executable, "-c", code, str(tmp_path / name)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        peaks.append(int(result.stderr.strip().splitlines()[-1]) * 1024)
        digits.append(np.frombuffer(bytes.fromhex(result.stdout.strip()), np.uint8) / 255.0)
    assert peaks[0] < peaks[1] + 100_000_000  # the photo costs < 100 MB more than a small one
    assert np.abs(digits[0] - digits[1]).mean() < 0.05  # the same 7, seen at both sizes


def test_a_drip_feeding_mirror_meets_the_overall_deadline(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DOWNLOAD_DEADLINE", "2")
    with http_server(shared_mnist(), DripHandler) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        with pytest.raises(DownloadError, match="bytes arrived within the deadline of 2 s"):
            download("mnist", data_dir=tmp_path)
    assert files_in(tmp_path) == []


def test_an_endless_response_stops_at_the_size_a_correct_copy_can_have(tmp_path, monkeypatch):
    with http_server(shared_mnist(), EndlessHandler) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        with pytest.raises(DownloadError, match="the server sent more than 47,088,080 bytes, "
                           "the most train-images-idx3-ubyte.gz can weigh"):  # fmt: skip
            download("mnist", data_dir=tmp_path)
    assert files_in(tmp_path) == []


def test_an_announced_length_over_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    with http_server(shared_mnist(), HugeLengthHandler) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        with pytest.raises(DownloadError, match="announces 5,000,000,000 bytes; "
                           "train-images-idx3-ubyte.gz has at most 47,088,080"):  # fmt: skip
            download("mnist", data_dir=tmp_path)
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("setting", ["soon", "nan", "inf", "-5", "0"])
def test_a_bad_deadline_setting_is_named(tmp_path, monkeypatch, setting):
    """NaN or inf would be no deadline at all (a dripping mirror stalls forever again)."""
    monkeypatch.setenv("GLASSNET_DOWNLOAD_DEADLINE", setting)
    with http_server(shared_mnist()) as url:
        monkeypatch.setenv("GLASSNET_MIRROR", url)
        with pytest.raises(DownloadError, match=f"GLASSNET_DOWNLOAD_DEADLINE is '{setting}'"):
            download("mnist", data_dir=tmp_path)
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_download_removes_the_partial_file(tmp_path, signum):
    with http_server(shared_mnist(), SlowHandler) as url:
        env = {**os.environ, "GLASSNET_MIRROR": url}
        command = [sys.executable, "-m", "glassnet", "datasets", "download", "mnist",
                   "--data-dir", str(tmp_path), "--quiet"]  # fmt: skip
        child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
        partial = []
        while not partial and child.poll() is None:  # wait until the download is under way
            partial = [p for p in (tmp_path / "mnist").glob(".*") if p.stat().st_size]
            time.sleep(0.05)
        child.send_signal(signum)
        child.wait(timeout=60)
    assert partial, "the download finished before the signal could be sent"
    assert child.returncode == -signum
    assert files_in(tmp_path) == []
