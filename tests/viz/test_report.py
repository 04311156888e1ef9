"""The HTML report: one self-contained file whose embedded images decode."""

import base64
import io
import json
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

import glassnet as gn
from glassnet.datasets import xor_clusters
from glassnet.errors import DataError
from glassnet.runs.record import read as read_run
from glassnet.viz.report import build_report


class Page(HTMLParser):
    """Collects images, external references, headings and preformatted text of a page."""

    def __init__(self):
        super().__init__()
        self.images, self.external, self.headings, self.pre = [], [], [], []
        self.tags = set()
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        for key in ("src", "href"):
            if key in attrs and not attrs[key].startswith("data:"):
                self.external.append(attrs[key])
        if tag in ("h2", "pre"):
            self._in = tag
            getattr(self, "headings" if tag == "h2" else "pre").append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "h2":
            self.headings[-1] += data
        elif self._in == "pre":
            self.pre[-1] += data


def parse(path):
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def decoded_images(page):
    images = []
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        image = Image.open(io.BytesIO(data))
        image.load()
        images.append(image)
    return images


def write_run(folder, net, history, data_path, seed=0, extra=None):
    folder.mkdir(parents=True, exist_ok=True)
    net.save(folder / "model.glassnet")
    (folder / "history.json").write_text(json.dumps(history.to_dict()))
    manifest = {"command": ["glassnet", "train", "--run-dir", str(folder)], "seed": seed,
                "data": {"name": str(data_path), "path": str(data_path), "sha256": "0" * 64},
                "hyperparameters": {"lr": 0.05, "hidden": [3]}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    summary = {"dataset": str(data_path), "architecture": repr(net), "epochs": len(history),
               "train_accuracy": history.train_accuracy[-1], **(extra or {})}  # fmt: skip
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    X, y = xor_clusters(25, seed=0)
    net = gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1), gn.Sigmoid()], seed=1)
    history = net.fit(X, y, loss="binary_cross_entropy", optimizer=gn.Adam(0.05), epochs=15,
                      batch_size=32, validation_fraction=0.2)  # fmt: skip
    return write_run(tmp_path_factory.mktemp("runs") / "xor", net, history, "xor-clusters")


def test_report_of_a_2d_run_is_self_contained(xor_run):
    path = build_report(xor_run)
    assert path == xor_run / "report.html"
    page = parse(path)
    assert page.external == []
    assert not page.tags & {"script", "link", "iframe"}
    images = decoded_images(page)
    assert len(images) == 3  # curves, decision boundary, feature space
    assert all(im.format == "PNG" and im.size[0] > 300 for im in images)
    for title in ("Learning curves", "Decision boundary", "The hidden feature space",
                  "Forward and backward pass for one sample", "Manifest"):  # fmt: skip
        assert title in page.headings
    text = path.read_text(encoding="utf-8")
    assert "hyperparameters.lr" in text and "xor-clusters" in text
    assert not list(xor_run.glob(".*.tmp"))  # written through a temporary file and a rename


def test_report_explain_trace_when_available(xor_run, tmp_path):
    from glassnet import teach as explain

    path = build_report(xor_run, tmp_path / "r.html")
    page = parse(path)
    if hasattr(explain, "render"):
        assert len(page.pre) == 1 and len(page.pre[0]) > 200
    else:
        assert "does not offer trace() and render() yet" in path.read_text(encoding="utf-8")


def test_report_of_an_image_run_has_a_confusion_matrix(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 20)
    images = rng.integers(0, 60, size=(60, 28, 28)).astype(np.uint8)
    for k in range(3):
        images[y == k, 9 * k : 9 * k + 9, :] = 250  # a bright band whose place is the class
    data = tmp_path / "bands.npz"
    np.savez(data, X=images, y=y, X_test=images[::3], y_test=y[::3])
    net = gn.Network([gn.Standardize(0, 255), gn.Dense(784, 4), gn.ReLU(), gn.Dense(4, 3)],
                     seed=0)  # fmt: skip
    history = net.fit(images.reshape(60, -1), y, optimizer=gn.Adam(0.01), epochs=3,
                      batch_size=20)  # fmt: skip
    run = write_run(tmp_path / "run", net, history, data)
    page = parse(build_report(run))
    assert "Confusion matrix" in page.headings
    assert "Decision boundary" not in page.headings
    assert len(decoded_images(page)) == 2


def test_report_without_model_says_why(xor_run, tmp_path):
    run = tmp_path / "nomodel"
    run.mkdir()
    for name in ("history.json", "manifest.json"):
        (run / name).write_bytes((xor_run / name).read_bytes())
    path = build_report(run)
    text = path.read_text(encoding="utf-8")
    assert "no model.glassnet" in text
    assert len(decoded_images(parse(path))) == 1  # the curves only


def test_missing_or_broken_run_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_run(tmp_path / "missing")
    with pytest.raises(DataError, match="no history.json"):
        read_run(tmp_path)
    (tmp_path / "history.json").write_text("{not json")
    with pytest.raises(DataError, match="cannot read"):
        read_run(tmp_path)
