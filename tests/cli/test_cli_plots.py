"""End to end, in a subprocess: glassnet plot, compare-gd, seeds, lr-range and report."""

import json

import numpy as np
import pytest
from PIL import Image

import glassnet as gn
from glassnet.cli.main import main
from glassnet.datasets import xor_clusters


def in_process(capsys, *args):
    """(exit code, stdout, stderr) of the command run in this process: the variants of a
    command whose subprocess run is tested elsewhere."""
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def one_error_line(result):
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run folder as `glassnet train --run-dir` leaves it, made with the library."""
    folder = tmp_path_factory.mktemp("cli") / "run"
    folder.mkdir()
    X, y = xor_clusters(25, seed=0)
    net = gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1), gn.Sigmoid()], seed=1)
    history = net.fit(X, y, loss="binary_cross_entropy", optimizer=gn.Adam(0.05), epochs=12,
                      batch_size=32, validation_fraction=0.2)  # fmt: skip
    net.save(folder / "model.glassnet")
    (folder / "history.json").write_text(json.dumps(history.to_dict()))
    manifest = {"command": ["glassnet", "train"], "seed": 0,
                "data": {"name": "xor-clusters", "path": "xor-clusters"}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture(scope="module")
def image_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    X = rng.integers(0, 255, size=(20, 28, 28)).astype(np.uint8)
    np.savez(folder / "pixels.npz", X=X, y=y, X_test=X[:6], y_test=y[:6])
    net = gn.Network([gn.Standardize(0, 255), gn.Dense(784, 4), gn.ReLU(), gn.Dense(4, 2)], seed=0)
    net.task = "multiclass"  # logits out, as `glassnet train` saves an image classifier
    net.save(folder / "m.glassnet")
    return folder


def png(path):
    image = Image.open(path)
    assert image.format == "PNG" and image.size[0] > 300
    return image


def test_plot_curves_boundary_features(glassnet, run_dir, tmp_path):
    ok(glassnet("plot", "curves", run_dir, "--out", tmp_path / "c.png"))
    png(tmp_path / "c.png")
    ok(glassnet("plot", "boundary", run_dir / "model.glassnet", "--out", tmp_path / "b.svg"))
    assert "<svg" in (tmp_path / "b.svg").read_text()
    result = ok(glassnet("plot", "features", run_dir / "model.glassnet", "xor-clusters",
                         "--out", tmp_path / "f.png", "--gif", tmp_path / "f.gif",
                         "--frames", "3", "--epochs", "4"))  # fmt: skip
    png(tmp_path / "f.png")
    gif = Image.open(tmp_path / "f.gif")
    assert gif.format == "GIF" and gif.n_frames >= 3
    assert "f.gif" in result.stdout


def test_plot_default_out_activations_and_gradients(glassnet, tmp_path):
    ok(glassnet("plot", "activations", cwd=tmp_path))
    png(tmp_path / "activations.png")
    ok(glassnet("plot", "gradients", "--depth", "3", "--width", "4", "--epochs", "2",
                "--out", tmp_path / "g.png"))  # fmt: skip
    png(tmp_path / "g.png")


def test_plot_weights_and_confusion(glassnet, image_model, tmp_path):
    ok(glassnet("plot", "weights", image_model / "m.glassnet", "--out", tmp_path / "w.png"))
    png(tmp_path / "w.png")
    ok(glassnet("plot", "confusion", image_model / "m.glassnet", image_model / "pixels.npz",
                "--out", tmp_path / "cm.png"))  # fmt: skip
    png(tmp_path / "cm.png")


def test_compare_gd_json_and_figure(glassnet, tmp_path):
    result = ok(glassnet("compare-gd", "--epochs", "2", "--json", "--out", tmp_path / "gd.png"))
    data = json.loads(result.stdout)
    assert [r["name"] for r in data["runs"]] == ["stochastic", "mini-batch", "full batch"]
    assert len({r["cost"][0] for r in data["runs"]}) == 1
    png(tmp_path / "gd.png")


def test_seeds_json(glassnet):
    data = json.loads(ok(glassnet("seeds", "--n", "2", "--epochs", "20", "--json")).stdout)
    assert data["n"] == 2 and len(data["seeds"]) == 2
    assert data["solved"] == sum(s["solved"] for s in data["seeds"])


def test_tables_in_process(capsys):
    code, out, _ = in_process(capsys, "seeds", "--n", "3", "--epochs", "50")
    assert code == 0 and "solved " in out and "/3" in out
    code, out, _ = in_process(capsys, "compare-gd", "--epochs", "1")
    assert code == 0 and "stochastic" in out and "final cost" in out
    code, out, _ = in_process(capsys, "lr-range", "--epochs", "1", "--steps", "3")
    assert code == 0 and "diverges" in out and "too small" in out


def test_lr_range_classes_100_as_diverging(glassnet, tmp_path):
    result = ok(glassnet("lr-range", "--json", "--epochs", "3", "--out", tmp_path / "lr.png"))
    trials = json.loads(result.stdout)["trials"]
    assert trials[-1]["lr"] == pytest.approx(100.0)
    assert trials[-1]["verdict"] == "diverges"
    assert trials[0]["verdict"] == "too_small"
    png(tmp_path / "lr.png")


def test_report_end_to_end(glassnet, run_dir, tmp_path):
    result = ok(glassnet("report", run_dir, "--out", tmp_path / "r.html"))
    assert "r.html" in result.stdout
    assert (tmp_path / "r.html").read_text(encoding="utf-8").count("data:image/png;base64,") == 3


def test_missing_inputs_give_one_error_line(glassnet, tmp_path, capsys):
    assert "does not exist" in one_error_line(glassnet("plot", "curves", tmp_path / "none"))
    missing = tmp_path / "none.glassnet"
    assert "does not exist" in one_error_line(glassnet("plot", "boundary", missing))
    variants = [("report", tmp_path / "none"), ("plot", "features", missing),
                ("plot", "weights", missing), ("plot", "confusion", missing, "xor")]  # fmt: skip
    for args in variants:
        code, _, err = in_process(capsys, *args)
        assert code == 1 and err.startswith("error: ") and "does not exist" in err, args
    code, _, err = in_process(capsys, "plot", "activations", "--out", tmp_path / "a.jpg")
    assert code == 1 and ".png or .svg" in err


def test_lr_range_on_a_users_csv_standardises_it(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)) * [1, 100, 0.01] + [0, 500, 0]
    y = (X[:, 0] > 0).astype(int)
    path = tmp_path / "table.csv"
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", header="a,b,c,label", comments="",
               fmt="%.6g")  # fmt: skip
    code, out, err = in_process(capsys, "lr-range", path, "--steps", "3", "--epochs", "2",
                                "--json")  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["recipe"]["name"] == "3-3-1 relu/sigmoid"
    assert [t["verdict"] for t in result["trials"]][-1] == "diverges"
