"""Misbehaving HTTP servers for the download cases of tests/hostile_data_corpus.py: each handler
class serves (or pretends to serve) MNIST's files on 127.0.0.1 through datasets_helpers'
http_server."""

import time

from datasets_helpers import QuietHandler, shared_mnist


class DripHandler(QuietHandler):
    """Announces a 9.9 MB file and sends one byte every half second."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "9912422")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"\x1f")
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass


class EndlessHandler(QuietHandler):
    """Sends zeros for ever, without a Content-Length."""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        zeros = bytes(1 << 16)
        try:
            while True:
                self.wfile.write(zeros)
        except OSError:
            pass
        self.close_connection = True


class HugeLengthHandler(QuietHandler):
    """Announces 5 GB, then sends zeros."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(5 * 10**9))
        self.end_headers()
        zeros = bytes(1 << 16)
        try:
            while True:
                self.wfile.write(zeros)
        except OSError:
            pass


class SlowHandler(QuietHandler):
    """Serves the shared MNIST files at about 1 MB/s, so a download can be stopped midway."""

    def do_GET(self):
        data = (shared_mnist() / self.path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            for start in range(0, len(data), 1 << 16):
                self.wfile.write(data[start : start + (1 << 16)])
                time.sleep(0.06)
        except OSError:
            pass


def nothing_left(folder, stdout):
    left = [str(p.relative_to(folder)) for p in (folder / "data").rglob("*") if p.is_file()]
    return f"left behind: {left}" if left else None
