"""`glassnet datasets` end to end, downloading MNIST from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import shutil
import socket
import threading
from pathlib import Path

import pytest

from datasets_helpers import SHARED_MNIST as MNIST

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")  # fmt: skip


def last_line(text: str) -> str:
    """The final line (download progress lines come before the one error line)."""
    return text.strip().splitlines()[-1]


class TruncatingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files, but sends only half of any file named in `truncate` (with the full
    Content-Length), as a dropped connection does."""

    truncate: tuple[str, ...] = ()

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.lstrip("/")
        if name not in self.truncate:
            return super().do_GET()
        data = (Path(self.directory) / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture
def serve():
    """serve(folder, truncate=()) -> base URL of an HTTP server on 127.0.0.1 for `folder`."""
    servers = []

    def start(folder, truncate=()):
        handler = type("Handler", (TruncatingHandler,), {"truncate": tuple(truncate)})
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_list_names_every_builtin_dataset(glassnet):
    result = glassnet("datasets")
    assert result.returncode == 0
    for name in ("xor-clusters", "spirals", "mnist", "fashion-mnist", "emnist-letters"):
        assert name in result.stdout
    listed = json.loads(glassnet("datasets", "list", "--json").stdout)
    assert len(listed["datasets"]) == 11


def test_download_mnist_from_the_mirror_then_verify_and_train(glassnet, serve, tmp_path):
    mirror = serve(MNIST)
    env = {"GLASSNET_MIRROR": mirror}
    result = glassnet("datasets", "download", "mnist", "--data-dir", tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "verified" in result.stdout
    for name in FILES:
        assert (tmp_path / "mnist" / name).is_file()
    verified = glassnet("datasets", "verify", "mnist", "--data-dir", tmp_path, "--json")
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"] is True
    trained = glassnet("train", "mnist", "--data-dir", tmp_path, "--train-size", "500",
                       "--epochs", "1", "--json")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["n_test"] == 10000


def test_checksum_mismatch_is_refused(glassnet, serve, tmp_path):
    folder = tmp_path / "evil"
    folder.mkdir()
    for name in FILES:
        shutil.copy(MNIST / name, folder / name)
    labels = bytearray(gzip.decompress((MNIST / FILES[1]).read_bytes()))
    labels[-1] = (labels[-1] + 1) % 10  # one label changed: same shape, other checksum
    (folder / FILES[1]).write_bytes(gzip.compress(bytes(labels)))
    result = glassnet("datasets", "download", "mnist", "--data-dir", tmp_path / "data",
                      env={"GLASSNET_MIRROR": serve(folder)})  # fmt: skip
    assert result.returncode == 1
    assert last_line(result.stderr).startswith("error: ") and "checksum mismatch" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "mnist" / FILES[1]).exists()


def test_truncated_download_is_refused(glassnet, serve, tmp_path):
    mirror = serve(MNIST, truncate=[FILES[1]])
    result = glassnet("datasets", "download", "mnist", "--data-dir", tmp_path,
                      env={"GLASSNET_MIRROR": mirror})  # fmt: skip
    assert result.returncode == 1 and last_line(result.stderr).startswith("error: ")
    assert FILES[1] in result.stderr and "closed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "mnist" / FILES[1]).exists()


def test_server_not_running_says_what_to_download_and_where(glassnet, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = glassnet("datasets", "download", "mnist", "--data-dir", tmp_path,
                      env={"GLASSNET_MIRROR": f"http://127.0.0.1:{port}/"})  # fmt: skip
    assert result.returncode == 1 and last_line(result.stderr).startswith("error: ")
    assert "could not download" in result.stderr and str(tmp_path) in result.stderr
    assert "Traceback" not in result.stderr
    trained = glassnet("train", "mnist", "--data-dir", tmp_path / "empty",
                       env={"GLASSNET_MIRROR": f"http://127.0.0.1:{port}/"})  # fmt: skip
    assert trained.returncode == 1 and "Traceback" not in trained.stderr


def test_verify_reports_missing_files_and_exits_1(glassnet, tmp_path):
    result = glassnet("datasets", "verify", "mnist", "--data-dir", tmp_path)
    assert result.returncode == 1 and "missing" in result.stdout


def test_usage_errors(glassnet):
    assert glassnet("datasets", "fetch").returncode == 2
    result = glassnet("datasets", "download")
    assert result.returncode == 2 and "needs a data set name" in result.stderr
    result = glassnet("datasets", "download", "imagenet")
    assert result.returncode == 1 and "mnist" in result.stderr
