"""glassnet explain and glassnet gradcheck, end to end in a subprocess."""

import json
import math
import subprocess
import sys

import pytest

import glassnet as gn
from glassnet import teach as explain
from glassnet.teach import worked as examples


def test_list_prints_one_example_per_line_name_first(glassnet):
    result = glassnet("explain", "--list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == examples.names()
    assert all(len(line.split(None, 1)) == 2 for line in lines)


@pytest.mark.parametrize("name", examples.names())
def test_each_example_runs(glassnet, name):
    result = glassnet("explain", "--example", name)
    assert result.returncode == 0, result.stderr
    assert "Check: the same gradient three ways" in result.stdout
    assert "DISAGREE" not in result.stdout


def test_example_formats_and_learning_rate(glassnet):
    md = glassnet("explain", "--example", "1-1-1", "--format", "markdown", "--lr", "0.5")
    assert md.returncode == 0 and "|---|" in md.stdout and "η = 0.5" in md.stdout
    tex = glassnet("explain", "--example", "xor-2-2-1", "--format", "latex")
    assert tex.returncode == 0 and "\\begin{bmatrix}" in tex.stdout


def test_example_with_another_sample(glassnet):
    result = glassnet("explain", "--example", "xor-2-2-1", "--input", "1,1", "--target", "0")
    assert result.returncode == 0
    # (1, 1): sₕ = (3 + 4 − 2, 2 + 3 − 4) = (5, 1)
    assert "[ 5  1 ]ᵀ" in result.stdout


def test_unknown_example_exits_1_with_the_list(glassnet):
    result = glassnet("explain", "--example", "nope")
    assert result.returncode == 1
    assert result.stderr.startswith("error: unknown example 'nope'")
    assert all(name in result.stderr for name in examples.names())
    assert "Traceback" not in result.stderr


def test_explain_needs_a_source(glassnet):
    # a usage error (issue 17): exit 2, the subcommand's usage, then one error line
    result = glassnet("explain")
    assert result.returncode == 2 and result.stderr.startswith("usage: glassnet explain")
    assert result.stderr.strip().splitlines()[-1].startswith("error:")


def test_explain_weights_json(glassnet, tmp_path):
    spec = {
        "layers": [
            {"W": [[0.2]], "b": [0.8], "bias": "subtract"},
            {"Wb": [[0.4, 0.9]], "bias": "subtract", "activation": "sigmoid"},
        ],
        "input": [0.6],
        "target": 0,
        "lr": 1,
    }
    path = tmp_path / "net.json"
    path.write_text(json.dumps(spec))
    result = glassnet("explain", "--weights", str(path))
    assert result.returncode == 0, result.stderr
    y3 = 1 / (1 + math.exp(-(0.4 * (0.6 * 0.2 - 0.8) - 0.9)))
    assert explain.num(y3) in result.stdout
    assert explain.num((y3 - 0) ** 2) in result.stdout


def test_explain_weights_json_mistakes(glassnet, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"layers": [{"W": [[1, 2]], "activation": "swish"}]}))
    result = glassnet("explain", "--weights", str(path), "--input", "1,2", "--target", "1")
    assert result.returncode == 1
    assert "unknown activation 'swish'" in result.stderr and "Traceback" not in result.stderr


def test_explain_a_model_file(glassnet, tmp_path):
    net = gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1), gn.Sigmoid()], seed=0)
    path = tmp_path / "m.safetensors"
    net.save(path)
    result = glassnet("explain", str(path), "--input", "0.5,1.0", "--target", "1", "--lr", "0.1")
    assert result.returncode == 0, result.stderr
    assert "One step of gradient descent" in result.stdout
    missing = glassnet("explain", str(path))
    assert missing.returncode == 2 and "--input" in missing.stderr  # a usage error


def test_gradcheck_example_passes_and_prints_the_worst_error(glassnet):
    result = glassnet("gradcheck", "--example", "xor-2-3-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "worst relative error" in result.stdout
    assert "PASS" in result.stdout and "backprop" in result.stdout


def test_gradcheck_reports_the_kink_false_alarm(glassnet):
    # issue 17: entries at a kink are reported apart and no longer fail the verdict (was exit 1)
    result = glassnet("gradcheck", "--example", "xor-2-2-1-converged")
    assert result.returncode == 0
    assert "FAIL" not in result.stdout and "kink" in result.stdout


def test_gradcheck_model_file_on_random_samples(glassnet, tmp_path):
    net = gn.Network([gn.Dense(3, 4), gn.Tanh(), gn.Dense(4, 2), gn.Softmax()], seed=0)
    path = tmp_path / "m.safetensors"
    net.save(path)
    result = glassnet("gradcheck", str(path), "--samples", "3", "--seed", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 random inputs (seed 1) with random class ids" in result.stdout


def test_gradcheck_missing_model_file_is_one_error_line(glassnet, tmp_path):
    result = glassnet("gradcheck", str(tmp_path / "missing.safetensors"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "Traceback" not in result.stderr


def test_output_survives_a_terminal_that_cannot_encode_the_symbols():
    import os

    env = dict(os.environ, PYTHONIOENCODING="ascii")
    result = subprocess.run(
        [sys.executable, "-m", "glassnet", "explain", "--example", "1-1-1"],
        capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0
    assert "σ(z₃)" in result.stdout.decode("utf-8")


def test_another_sample_leaves_the_documents_own_figures_out(glassnet):
    own = glassnet("explain", "--example", "1-1-1")
    assert "The document's figures against its own equations" in own.stdout
    other = glassnet("explain", "--example", "1-1-1", "--target", "1")
    assert other.returncode == 0, other.stderr
    assert "The document's figures against its own equations" not in other.stdout
    assert "left out" in other.stdout
