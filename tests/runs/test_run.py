"""gn.run: what `glassnet train` does, as a library call that prints nothing and runs anywhere."""

import json
import threading
from dataclasses import fields

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.main import build_parser
from glassnet.runs.run import RunStart
from glassnet.train.history import BatchEnd, EpochEnd, RunEnd


def test_every_train_option_is_a_field_of_the_same_name():
    parser = build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    options = {a.dest for a in train._actions if a.dest != "help"}
    assert options == {f.name for f in fields(gn.RunConfig)}


def test_run_returns_what_train_json_prints(glassnet, tmp_path):
    config = gn.RunConfig(data="moons", epochs=5, seed=1)
    result = gn.run(config)
    printed = json.loads(glassnet("train", "moons", "--epochs", "5", "--seed", "1", "--json",
                                  cwd=tmp_path).stdout)  # fmt: skip
    assert set(result.summary) == set(printed)
    for key in ("train_loss", "test_loss", "test_accuracy", "epochs", "architecture", "recipe"):
        assert result.summary[key] == printed[key], key
    assert isinstance(result.network, gn.Network) and len(result.history) == 5
    assert result.config.recipe == "2d" and result.config.hidden == [32, 32]


def test_run_prints_nothing_and_reports_typed_events(capsys):
    events = []
    gn.run(data="xor", epochs=3, callbacks=[events.append])
    assert capsys.readouterr() == ("", "")
    assert isinstance(events[0], RunStart) and events[0].n_train == 4
    assert isinstance(events[-1], RunEnd)
    kinds = [type(e) for e in events[1:-1]]
    assert kinds == [BatchEnd, EpochEnd] * 3  # xor: full batch, one update per epoch
    assert events[2].history.epoch == [1, 2, 3] and events[2].epoch == 1


def test_a_run_in_another_thread_stops_after_the_batch_it_is_in(tmp_path):
    """No signal handler, no print: a web server's thread can run it, and stop it."""
    stop, batches, outcome = threading.Event(), [], {}

    def on_event(event):
        if event["event"] == "batch":
            batches.append(event.batch)
            if len(batches) == 7:
                stop.set()

    def train():
        config = gn.RunConfig(data="moons", epochs=50, out=str(tmp_path / "m.glassnet"))
        outcome["run"] = gn.run(config, callbacks=[on_event], stop=stop)

    worker = threading.Thread(target=train)
    worker.start()
    worker.join(timeout=120)
    result = outcome["run"]
    assert result.interrupted and len(batches) == 7
    assert result.checkpoint == tmp_path / "m.glassnet.checkpoint"
    assert not (tmp_path / "m.glassnet").exists()  # the finished model is not written
    finished = gn.run(gn.RunConfig(resume=str(result.checkpoint)))
    assert len(finished.history) == 50 and (tmp_path / "m.glassnet").is_file()


def test_a_bad_config_names_the_field_and_the_rule():
    with pytest.raises(gn.ValidationError, match="epochs must be a positive integer, got 0"):
        gn.RunConfig(epochs=0)
    with pytest.raises(gn.ValidationError, match="unknown optimizer 'adagrad'; valid: sgd"):
        gn.RunConfig(optimizer="adagrad")
    with pytest.raises(gn.ValidationError, match="hidden sizes must be positive integers"):
        gn.run(data="moons", hidden=[8, 0])
    with pytest.raises(gn.ValidationError, match='batch_size must be 1 .* or "full"'):
        gn.RunConfig(batch_size="half")


def test_a_regression_model_predicts_what_the_command_line_prints(glassnet, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, (200, 2))
    price = 1000 * x[:, 0] - 300 * x[:, 1] + 250_000
    data = tmp_path / "houses.csv"
    rows = "".join(f"{a:.4f},{b:.4f},{p:.2f}\n" for (a, b), p in zip(x, price, strict=True))
    data.write_text("rooms,age,price\n" + rows)
    result = gn.run(data=str(data), target="price", epochs=30, out=str(tmp_path / "h.glassnet"))
    net = gn.load(tmp_path / "h.glassnet")
    assert "ŷ · " in repr(net) and net.card.target_scale is not None  # scaling in the repr
    printed = glassnet("predict", tmp_path / "h.glassnet", data).stdout.splitlines()[1:]
    shown = np.array([float(line.split(",")[1]) for line in printed])
    predicted = net.predict(np.loadtxt(data, delimiter=",", skiprows=1)[:, :2])[:, 0]
    np.testing.assert_allclose(predicted, shown, rtol=1e-6)
    assert abs(np.median(predicted) - 250_000) < 20_000  # the target's units, not z-scores
    assert result.network.card.target == "price"


def test_a_classifier_predicts_the_labels_the_command_line_prints(glassnet, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 2))
    names = np.where(X[:, 0] > 0, "apple", np.where(X[:, 1] > 0, "banana", "cherry"))
    data = tmp_path / "fruit.csv"
    data.write_text("a,b,kind\n" + "".join(f"{a:.5f},{b:.5f},{k}\n"
                                          for (a, b), k in zip(X, names, strict=True)))  # fmt: skip
    gn.run(data=str(data), target="kind", epochs=40, out=str(tmp_path / "f.glassnet"))
    net = gn.load(tmp_path / "f.glassnet")
    printed = glassnet("predict", tmp_path / "f.glassnet", data).stdout.splitlines()[1:]
    assert list(net.predict(X.astype(np.float32))) == [line.split(",")[1] for line in printed]
    assert set(net.predict(X.astype(np.float32))) <= {"apple", "banana", "cherry"}
