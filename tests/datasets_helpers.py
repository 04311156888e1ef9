"""Shared pieces of the glassnet.datasets tests: the shared MNIST folder, a local HTTP server."""

import gzip
import io
import shutil
import threading
import zipfile
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from glassnet.datasets import write_idx
from glassnet.datasets.registry import IMAGE_SETS

# CI clones the repository next to shared/, which holds MNIST for the tests.
SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
MNIST_STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def shared_mnist():
    """The shared MNIST folder; fails the test with an explanation when it is absent."""
    if not (SHARED_MNIST / "SHA256SUMS").is_file():
        pytest.fail(f"{SHARED_MNIST} with MNIST's four .gz files is needed beside the repository")
    return SHARED_MNIST


def published_sums():
    """{stem: SHA-256} from the shared SHA256SUMS file."""
    lines = (shared_mnist() / "SHA256SUMS").read_text().split("\n")
    return {name: digest for digest, name in (line.split() for line in lines if line.strip())}


def mirror_folder(tmp_path, replace=None):
    """A folder serving MNIST's four .gz files: links to the shared ones, except ``replace``
    ({file name: bytes}), written as given."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    for stem in MNIST_STEMS:
        name = f"{stem}.gz"
        if replace and name in replace:
            (folder / name).write_bytes(replace[name])
        else:
            (folder / name).symlink_to(shared_mnist() / name)
    return folder


def regzip(path, edit):
    """The gzip file ``path`` decompressed, passed through ``edit`` and compressed again."""
    return gzip.compress(edit(gzip.decompress(path.read_bytes())), compresslevel=1)


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without logging each request to stderr."""

    def log_message(self, *args):
        pass


class LyingLengthHandler(QuietHandler):
    """Announces each file's full Content-Length, sends half of it, and hangs up."""

    def do_GET(self):
        data = (Path(self.directory) / self.path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.close_connection = True


@contextmanager
def http_server(folder, handler=QuietHandler):
    """A real threaded HTTP server on 127.0.0.1 (free port) serving ``folder``; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fake_set(folder, name, n_train=6, n_test=4, label_offset=0, transposed=False, gz=True):
    """Write a small MNIST-layout data set; returns the images as they should load."""
    spec = IMAGE_SETS[name]
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n_train + n_test, 28, 28), dtype=np.uint8)
    labels = (np.arange(n_train + n_test) % len(spec.classes)).astype(np.uint8) + label_offset
    stored = images.transpose(0, 2, 1) if transposed else images
    parts = (stored[:n_train], labels[:n_train], stored[n_train:], labels[n_train:])
    folder.mkdir(parents=True, exist_ok=True)
    for remote, part in zip(spec.files, parts, strict=True):
        write_idx(folder / (remote.name if gz else remote.stem), part)
    return images, labels.astype(np.int64) - label_offset


def fake_emnist_zip(folder, split):
    """A small gzip.zip holding one EMNIST split; returns (zip bytes, images, labels)."""
    staging = folder / "staging"
    offset = 1 if split == "letters" else 0
    images, labels = fake_set(staging, f"emnist-{split}", label_offset=offset, transposed=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in staging.iterdir():
            zf.write(path, f"gzip/{path.name}")
    shutil.rmtree(staging)
    return buffer.getvalue(), images, labels
