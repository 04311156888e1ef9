"""`glassnet replay`: a recorded run re-run from its manifest, curve by curve."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def run_dir(glassnet, tmp_path):
    folder = tmp_path / "run"
    result = glassnet("train", "moons", "--epochs", "12", "--validation", "0.2",
                      "--run-dir", folder, "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return folder


def test_replay_of_an_untouched_run_is_identical(glassnet, run_dir):
    result = glassnet("replay", run_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("identical")
    report = json.loads(glassnet("replay", run_dir, "--json").stdout)
    assert report["identical"] is True and report["epochs"] == [12, 12]


def test_replay_detects_a_changed_hyperparameter(glassnet, run_dir):
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["hyperparameters"]["lr"] = manifest["hyperparameters"]["lr"] * 2
    manifest_path.write_text(json.dumps(manifest))
    result = glassnet("replay", run_dir)
    assert result.returncode == 1
    assert "differs: first at epoch 1, train_loss" in result.stdout
    report = json.loads(glassnet("replay", run_dir, "--json").stdout)
    assert report["identical"] is False and report["epoch"] == 1
    assert report["difference"] == report["replayed"] - report["recorded"] != 0


def test_replay_detects_a_changed_epoch_count(glassnet, run_dir):
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["hyperparameters"]["epochs"] = 10
    manifest_path.write_text(json.dumps(manifest))
    report = json.loads(glassnet("replay", run_dir, "--json").stdout)
    assert report["identical"] is False
    assert report["curve"] in ("epochs", "train_loss")


def test_replay_of_a_folder_without_a_manifest_is_one_error(glassnet, tmp_path):
    result = glassnet("replay", tmp_path)
    assert result.returncode == 1 and result.stderr.startswith("error: ")
    assert "manifest.json" in result.stderr and "Traceback" not in result.stderr
