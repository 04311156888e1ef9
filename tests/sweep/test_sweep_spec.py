"""Sweep files: the grid they describe, and one message naming each kind of mistake."""

from __future__ import annotations

import pytest

from glassnet.errors import ValidationError
from glassnet.sweep import load, parse

ISSUE_EXAMPLE = """
data = "moons"
[fixed]
epochs = 30
[vary]
lr = [0.01, 0.1]
hidden = [[8], [16, 16]]
seed = [0, 1, 2]
"""


def test_the_issue_example_is_twelve_trials_in_the_order_written(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text(ISSUE_EXAMPLE)
    sweep = load(path)
    assert sweep.varied == ["lr", "hidden", "seed"]
    assert len(sweep.trials) == 12
    assert sweep.trials[0] == {"lr": 0.01, "hidden": [8], "seed": 0}
    assert sweep.trials[1] == {"lr": 0.01, "hidden": [8], "seed": 1}  # the last field fastest
    assert sweep.trials[-1] == {"lr": 0.1, "hidden": [16, 16], "seed": 2}
    config = sweep.config(sweep.trials[-1])
    assert (config.data, config.epochs, config.lr, config.hidden, config.seed) == (
        "moons", 30, 0.1, [16, 16], 2)  # fmt: skip


def test_trial_keys_differ_per_trial_and_depend_on_the_fixed_fields():
    sweep = parse({"data": "moons", "fixed": {"epochs": 3}, "vary": {"seed": [0, 1]}})
    other = parse({"data": "moons", "fixed": {"epochs": 4}, "vary": {"seed": [0, 1]}})
    keys = [sweep.key(t) for t in sweep.trials]
    assert len(set(keys)) == 2
    assert keys[0] == sweep.key({"seed": 0})  # the same trial, the same key
    assert not set(keys) & {other.key(t) for t in other.trials}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"vary": {"lr": [0.1]}, "epochs": 3}, r"unknown key 'epochs'.*\[fixed\] and \[vary\]"),
        ({"vary": {"learning_rate": [0.1]}}, r"unknown field vary.learning_rate.*lr"),
        ({"fixed": {"out": "m.glassnet"}, "vary": {"lr": [0.1]}}, r"unknown field fixed.out"),
        ({"vary": {"lr": [0.1, -1.0]}}, r"vary.lr: lr must be a positive finite number, got -1"),
        ({"vary": {"hidden": [[8], [0]]}}, r"vary.hidden: hidden sizes must be positive"),
        ({"vary": {"optimizer": ["adam", "adamm"]}}, r"unknown optimizer 'adamm'; valid:"),
        ({"fixed": {"epochs": 0}, "vary": {"lr": [0.1]}}, r"\[fixed\]: epochs must be a pos"),
        ({"vary": {"lr": []}}, r"vary.lr must be a non-empty list"),
        ({"vary": {"lr": 0.1}}, r"vary.lr must be a non-empty list .* got 0.1"),
        ({"vary": {}}, r"\[vary\] is empty"),
        ({"fixed": {"epochs": 3}}, r"\[vary\] is empty"),
        ({"fixed": {"lr": 0.1}, "vary": {"lr": [0.1]}}, r"'lr' is given twice"),
        ({"vary": {"seed": [0, 0]}}, r"lists a value twice"),
        ({"fixed": 3, "vary": {"seed": [0]}}, r"\[fixed\] must be a table"),
    ],
)
def test_each_mistake_is_one_message_naming_it(document, message):
    with pytest.raises(ValidationError, match=message):
        parse(document)


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(ValidationError, match=r"sweep file .*nope.toml not found"):
        load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[vary\nlr = [0.1]\n")
    with pytest.raises(ValidationError, match=r"bad.toml is not valid TOML"):
        load(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[vary]\nlearning_rate = [0.1]\n")
    with pytest.raises(ValidationError, match=r"unknown.toml: unknown field vary.learning_rate"):
        load(unknown)
