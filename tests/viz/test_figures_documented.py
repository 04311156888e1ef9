"""`make figures` regenerates every figure of the README and docs from documented commands, and
the overfitting example of `train --help` overfits visibly (issue 17)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from datasets_helpers import shared_mnist
from glassnet.cli.commands.train import EPILOG

ROOT = Path(__file__).resolve().parents[2]


def recipe_commands() -> list[list[str]]:
    """The glassnet commands of the Makefile's figures target, as argument lists."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("figures:"))
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        if "glassnet " in line:
            commands.append(shlex.split(line.strip().replace("$(BIN)/", ""))[1:])
    return commands


def test_every_figure_of_the_readme_and_docs_is_made_by_the_figures_target():
    made = {
        Path(args[args.index("--out") + 1].replace("$(FIGURES)", "docs/figures")).name
        for args in recipe_commands()
        if "--out" in args and "$(FIGURES)" in args[args.index("--out") + 1]
    }
    shown = set()
    for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        shown |= {
            Path(m).name for m in re.findall(r"figures/[\w.-]+\.(?:png|svg)", doc.read_text())
        }
    assert shown and shown <= made, f"figures without a command: {shown - made}"


def test_the_figures_commands_are_documented_in_the_readme():
    text = (ROOT / "README.md").read_text().replace("\\\n", " ")  # continued lines joined
    readme = [shlex.split(line.split("#")[0]) for line in text.split("\n")
              if line.startswith("glassnet ")]  # fmt: skip
    readme_words = [" ".join(words) for words in readme]
    for args in recipe_commands():
        essential, skip = [], False
        for word in args:  # paths and presentation flags differ; the command itself must not
            if skip:
                skip = False
            elif word in ("--title", "--out", "--run-dir"):
                skip = True
            elif word not in ("--quiet", "--force") and "$(" not in word:
                essential.append(word)
        assert any(" ".join(essential) in line for line in readme_words), essential


def test_the_cheap_figure_commands_run(glassnet, tmp_path):
    for args in recipe_commands():
        if args[0] in ("train", "compare-gd") and args[1:2] == ["mnist"] or args[0] == "compare-gd":
            continue  # slow: MNIST and three forms of descent run in the tests of their own
        if "curves" in args:
            continue  # needs the MNIST run, below
        args = [a.replace("$(WORK)", str(tmp_path)).replace("$(FIGURES)", str(tmp_path))
                for a in args]  # fmt: skip
        result = glassnet(*args)
        assert result.returncode == 0, (args, result.stderr)
    assert {p.name for p in tmp_path.glob("*.png")} == {"feature-space.png", "boundary.png"}


def test_the_overfitting_example_of_train_help_overfits_visibly(glassnet, tmp_path):
    line = next(line for line in EPILOG.splitlines() if "overfit" in line and "train" in line)
    args = shlex.split(line.split("#")[0])[1:]
    args[args.index("--run-dir") + 1] = str(tmp_path / "overfit")
    result = glassnet(*args, "--data-dir", shared_mnist().parent, "--quiet")
    assert result.returncode == 0, result.stderr
    history = json.loads((tmp_path / "overfit" / "history.json").read_text())
    val, train = history["val_loss"], history["train_loss"]
    assert all(v is not None for v in val)  # the example keeps validation data
    assert val[-1] > 1.1 * min(val)  # the validation cost turns up ...
    assert train[-1] < 0.1 * val[-1]  # ... while the training cost keeps falling far below it
    assert history["train_accuracy"][-1] - history["val_accuracy"][-1] > 0.05
    plotted = glassnet("plot", "curves", tmp_path / "overfit", "--out", tmp_path / "c.png")
    assert plotted.returncode == 0 and (tmp_path / "c.png").is_file()
