"""`explain --format latex --standalone` through pdflatex: every example, a --weights file and a
model trace with wide layers compile, fit the page, and typeset as mathematics.

These run a real TeX engine (Debian's texlive: `make system-tools` installs it) and look at
the PDF with poppler's pdffonts and pdftoppm.
"""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

import glassnet as gn
from glassnet import teach
from glassnet.teach import worked
from glassnet.teach.render.latex import PACKAGES, latex_text


def compile_pdf(tex_path) -> str:
    """pdflatex on a .tex file (twice would not change a page: no references); the log."""
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex_path.name],
        cwd=tex_path.parent, capture_output=True, text=True, errors="replace", timeout=120,
    )  # fmt: skip
    log = tex_path.with_suffix(".log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    return log


def assert_typeset_as_mathematics(pdf, log: str) -> None:
    assert "Overfull \\hbox" not in log, [l for l in log.splitlines() if "Overfull" in l]
    assert "Missing character" not in log
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "LMMathItalic" in fonts or "lmmi" in fonts.lower(), fonts  # italic variables
    assert "LMMathSymbols" in fonts or "lmsy" in fonts.lower(), fonts  # ∂, ·, brackets
    pages = subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(pdf.with_suffix(""))],
                           capture_output=True)  # fmt: skip
    assert pages.returncode == 0
    assert list(pdf.parent.glob(pdf.stem + "-*.png"))


def standalone(glassnet, tmp_path, name, *args):
    tex = tmp_path / f"{name}.tex"
    result = glassnet("explain", *args, "--format", "latex", "--standalone", "--out", tex)
    assert result.returncode == 0, result.stderr
    assert tex.read_text().startswith("\\documentclass")
    return tex


@pytest.mark.parametrize("name", worked.names())
def test_every_example_compiles(glassnet, tmp_path, name):
    tex = standalone(glassnet, tmp_path, name, "--example", name)
    assert_typeset_as_mathematics(tex.with_suffix(".pdf"), compile_pdf(tex))


def test_a_weights_file_with_a_wide_layer_compiles(glassnet, tmp_path):
    spec = {
        "layers": [
            {"Wb": [[0.1 * i - 0.02 * j for i in range(15)] for j in range(14)],
             "activation": "relu"},
            {"Wb": [[0.3] * 14 + [-0.5]], "bias": "subtract", "activation": "sigmoid"},
        ],
        "input": list(range(14)), "target": 1, "lr": 0.5, "loss": "binary_cross_entropy",
    }  # fmt: skip
    (tmp_path / "wide.json").write_text(json.dumps(spec))
    tex = standalone(glassnet, tmp_path, "weights", "--weights", tmp_path / "wide.json")
    text = tex.read_text()
    assert "{}[W^{(1)} \\mid b^{(1)}]" in text  # a row that starts with [ is not \\[length]
    assert_typeset_as_mathematics(tex.with_suffix(".pdf"), compile_pdf(tex))


def test_a_model_trace_with_wide_layers_compiles(glassnet, tmp_path):
    net = gn.Network([gn.Dense(20, 16), gn.ReLU(), gn.Dense(16, 12), gn.Tanh(),
                      gn.Dense(12, 3), gn.Softmax()], seed=0)  # fmt: skip
    net.save(tmp_path / "wide.glassnet")
    sample = ",".join(str(i / 10) for i in range(20))
    tex = standalone(glassnet, tmp_path, "model", tmp_path / "wide.glassnet", "--input", sample,
                     "--target", "2", "--lr", "0.1")  # fmt: skip
    assert "\\setcounter{MaxMatrixCols}" in tex.read_text()  # 12 columns > amsmath's 10
    assert_typeset_as_mathematics(tex.with_suffix(".pdf"), compile_pdf(tex))


def test_the_fragment_names_what_it_needs_and_compiles_in_a_document_that_loads_it(tmp_path):
    fragment = teach.render(worked.get("1-1-1").worked(), "latex")
    first = fragment.splitlines()[0]
    assert all(package in first for package in PACKAGES)
    tex = tmp_path / "host.tex"
    tex.write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n"
        f"\\usepackage{{{','.join(PACKAGES)}}}\n\\begin{{document}}\n{fragment}\n\\end{{document}}\n"
    )
    compile_pdf(tex)


def test_a_long_fragment_breaks_across_pages_in_a_plain_host(tmp_path):
    """A host with only the packages the fragment names: a trace taller than a page (a wide
    model's) breaks its displays across pages instead of running off the bottom."""
    net = gn.Network([gn.Dense(40, 30), gn.ReLU(), gn.Dense(30, 20), gn.Tanh(),
                      gn.Dense(20, 3), gn.Softmax()], seed=0)  # fmt: skip
    fragment = teach.render(teach.trace(net, np.linspace(0, 1, 40), 1, lr=0.1), "latex")
    assert "\\allowdisplaybreaks" in fragment.split("\\section")[0]
    tex = tmp_path / "plain.tex"
    tex.write_text(
        f"\\documentclass{{article}}\n\\usepackage{{{','.join(PACKAGES)}}}\n"
        f"\\begin{{document}}\n{fragment}\n\\end{{document}}\n"
    )
    log = compile_pdf(tex)
    assert "Overfull \\vbox" not in log and "Missing character" not in log


def test_prose_puts_variables_and_augmented_matrices_in_math_mode():
    assert latex_text("the rows of [W | b] and b") == "the rows of $[W \\mid b]$ and $b$"
    assert "\\textbar{}" in latex_text("a | b, 1 | 2")
    assert latex_text("x < y") == "$x$ \\textless{} $y$"
    assert latex_text("a bias") == "a bias"  # words are not variables


def test_standalone_needs_latex_and_json_is_strict(glassnet):
    refused = glassnet("explain", "--example", "1-1-1", "--standalone")
    assert refused.returncode == 2 and "--format latex" in refused.stderr
    assert refused.stderr.startswith("usage: glassnet explain")
    data = glassnet("explain", "--example", "1-1-1", "--json")
    assert data.returncode == 0, data.stderr
    trace = next(p for p in json.loads(data.stdout)["parts"] if "gradients" in p)
    assert trace["forward"]["y₃"] == pytest.approx([0.236494], abs=1e-6)


def test_a_trained_table_model_with_a_hidden_layer_of_64_fits_the_page(glassnet, tmp_path):
    """The tabular recipe's Standardize, 4-64-3 network: its gradient matrices have 4 or 5
    columns but long numbers, wider than the line unless they get a line of their own."""
    rng = np.random.default_rng(0)
    k = np.arange(90) % 3
    X = rng.normal(size=(90, 4)) + 1.5 * k[:, None]
    data = tmp_path / "flowers.csv"
    rows = [",".join(f"{v:.3f}" for v in x) + f",{'abc'[c]}" for x, c in zip(X, k, strict=True)]
    data.write_text("a,b,c,d,kind\n" + "\n".join(rows) + "\n")
    model = tmp_path / "flowers.glassnet"
    trained = glassnet("train", data, "--target", "kind", "--epochs", "20", "--folds", "0",
                       "--out", model, "--quiet")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    by_name = ("--target", "b")  # a class by its name, as the model's card lists them
    tex = standalone(glassnet, tmp_path, "table", model, "--input", "5.1,3.5,1.4,0.2", *by_name)
    assert_typeset_as_mathematics(tex.with_suffix(".pdf"), compile_pdf(tex))


def test_numbers_beside_a_symbol_stay_whole_in_math_mode():
    assert latex_text("Dense(784→256)") == "Dense($784\\to 256$)"
    assert latex_text("shapes (64×64) → 1×320") == "shapes ($64\\times 64$) $\\to $ $1\\times 320$"
    assert latex_text("σ(−1.172)") == "$\\sigma $($-$1.172)"  # a decimal stays in the text
