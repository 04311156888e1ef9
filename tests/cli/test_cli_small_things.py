"""The smaller items of issue 17, each as a user meets it."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn


def test_info_speaks_plainly_and_shows_the_input_scaling(glassnet, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[10.0, -3.0], scale=[2.0, 0.5], size=(60, 2))
    data = tmp_path / "d.csv"
    np.savetxt(data, np.c_[X, X[:, 0] > 10], delimiter=",", header="height,depth,big",
               comments="", fmt="%.4f")  # fmt: skip
    model = tmp_path / "m.glassnet"
    assert glassnet("train", data, "--target", "big", "--epochs", "3", "--out", model,
                    "--test-fraction", "0.2", "-q").returncode == 0  # fmt: skip
    text = glassnet("info", model).stdout
    assert "2 inputs → 1 output," in text or "2 inputs → 2 outputs," in text
    height = gn.load(model).layers[0].mean[0]  # the training rows' mean, about 10
    assert "input scaling x′ = (x − mean) / std" in text and f"height {height:.4g}" in text
    assert "{'" not in text  # no Python dict reprs
    assert "learnt from 48 of the file's 60 rows" in text
    everything = tmp_path / "all.glassnet"
    assert glassnet("train", data, "--target", "big", "--epochs", "3", "--out", everything,
                    "-q").returncode == 0  # fmt: skip
    assert "learnt from all 60 rows of the file" in glassnet("info", everything).stdout
    info = json.loads(glassnet("info", model, "--json").stdout)
    assert info["input_scaling"][1]["feature"] == "depth"
    assert info["input_scaling"][1]["mean"] == gn.load(model).layers[0].mean[1]


def test_train_prints_no_negative_zero_and_labels_logits(glassnet):
    result = glassnet("train", "xor", "--epochs", "30", "--loss", "cross_entropy")
    assert result.returncode == 0, result.stderr
    assert "-0.0000" not in result.stdout
    assert "softmax(z) (the network outputs logits z)" in result.stdout


def test_a_csv_whose_header_does_not_match_the_model_is_refused(glassnet, tmp_path):
    net = gn.Network([gn.Dense(2, 1), gn.Sigmoid()], seed=0)
    net.card.feature_names = ["weight", "sugar"]
    net.save(tmp_path / "m.glassnet")
    swapped = tmp_path / "other.csv"
    swapped.write_text("mass,sweetness\n1,2\n")
    result = glassnet("predict", tmp_path / "m.glassnet", swapped)
    assert result.returncode == 1 and "no columns weight, sugar" in result.stderr
    ok = tmp_path / "ok.csv"
    ok.write_text("sugar,weight\n0.2,150\n")  # by name, in any order
    assert glassnet("predict", tmp_path / "m.glassnet", ok).returncode == 0


def test_one_unreadable_image_does_not_abort_the_batch(glassnet, tmp_path):
    from PIL import Image

    net = gn.Network([gn.Dense(784, 10)], seed=0)
    net.save(tmp_path / "digits.glassnet")
    good = tmp_path / "good.png"
    digit = np.full((28, 28), 255, dtype=np.uint8)
    digit[6:22, 12:16] = 0  # a dark stroke on white paper: a "1"
    Image.fromarray(digit).save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    result = glassnet("predict", tmp_path / "digits.glassnet", good, bad)
    assert result.returncode == 0, result.stderr
    assert "warning: skipped" in result.stderr and str(bad) in result.stderr
    assert str(good) in result.stdout


def test_explain_refuses_an_impossible_target(glassnet, tmp_path):
    spec = {"layers": [{"W": [[1.0]], "b": [0.0], "activation": "sigmoid"}],
            "input": [0.5], "target": 5, "loss": "binary_cross_entropy"}  # fmt: skip
    path = tmp_path / "w.json"
    path.write_text(json.dumps(spec))
    result = glassnet("explain", "--weights", path)
    assert result.returncode == 1 and "between 0 and 1" in result.stderr
    # the same target from --target is a value of an option: a usage error, exit 2
    spec["target"] = 1
    path.write_text(json.dumps(spec))
    flagged = glassnet("explain", "--weights", path, "--target", "5")
    assert flagged.returncode == 2 and "between 0 and 1" in flagged.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--example", "1-1-1", "--input", "1,2"), "expected one sample with 1 input value"),
        (("--example", "1-1-1", "--input", "nan"), "non-finite"),
        (("--example", "xor-2-2-1", "--target", "1,2,3"), "expected one target"),
    ],
)
def test_a_sample_that_does_not_fit_is_a_usage_error(glassnet, args, message):
    result = glassnet("explain", *args)
    assert result.returncode == 2 and message in result.stderr
    assert result.stderr.startswith("usage: glassnet explain") and "Traceback" not in result.stderr
