"""gn.run against interrupts at every moment, crashes between periodic checkpoints, and the
guard against a divergence that never reaches NaN."""

import os
import signal
import threading
from types import SimpleNamespace

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.commands.train import StopOnSignals
from glassnet.runs.guard import FAR_ABOVE, FLAT_EPOCHS, STUCK_EPOCHS, DivergenceGuard


def test_a_stop_after_the_last_batch_still_saves_the_finished_model(tmp_path):
    """The stop arrives between the last batch and the end of saving: the run is complete,
    so the model is written (and no checkpoint)."""
    stop = threading.Event()

    def late(event):
        if event["event"] in ("run",) or (event["event"] == "batch" and event.epoch == 3
                                          and event.batch == event.batches):  # fmt: skip
            stop.set()

    out = tmp_path / "m.glassnet"
    result = gn.run(gn.RunConfig(data="moons", epochs=3, out=str(out)), callbacks=[late],
                    stop=stop)  # fmt: skip
    assert not result.interrupted and stop.is_set()
    assert gn.load(out).n_params == result.network.n_params
    assert not (tmp_path / "m.glassnet.checkpoint").exists()


def test_signals_during_the_final_save_wait_for_it(tmp_path):
    """SIGTERM twice once training has ended: both wait; the model is written whole."""
    out = tmp_path / "m.glassnet"

    def terminate_twice(event):
        if event["event"] == "run":
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)

    with StopOnSignals() as signals:
        callbacks = [signals, terminate_twice]
        result = gn.run(gn.RunConfig(data="moons", epochs=2, out=str(out)), callbacks=callbacks,
                        stop=signals.stop)  # fmt: skip
    assert signals.received == signal.SIGTERM and signals.status == 143
    assert not result.interrupted and gn.load(out).n_params == result.network.n_params
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # restored


def test_a_crash_between_periodic_checkpoints_resumes_exactly(tmp_path):
    """Every 2 epochs a checkpoint; a crash in epoch 5 loses epoch 5 only, and the resumed
    run is the uninterrupted run, number for number."""
    config = gn.RunConfig(data="moons", epochs=6, validation=0.2, out=str(tmp_path / "m.gn"))
    reference = gn.run(config.replace(out=None))

    def crash(event):
        if event["event"] == "batch" and event.epoch == 5 and event.batch == 3:
            raise RuntimeError("the machine went away")

    with pytest.raises(RuntimeError, match="went away"):
        gn.run(config.replace(checkpoint_every=2), callbacks=[crash])
    checkpoint = tmp_path / "m.gn.checkpoint"
    _, info, _ = gn.models.files.load_checkpoint(checkpoint)
    assert (info["epoch"], info["batch"]) == (4, 0)
    resumed = gn.run(gn.RunConfig(resume=str(checkpoint)))
    assert resumed.history.train_loss == reference.history.train_loss
    assert resumed.history.val_loss == reference.history.val_loss
    for (p, _), (q, _) in zip(resumed.network.parameters(), reference.network.parameters(),
                              strict=True):  # fmt: skip
        assert np.array_equal(p, q)
    assert not checkpoint.exists() and (tmp_path / "m.gn").is_file()


def test_a_finished_run_with_periodic_checkpoints_removes_its_checkpoint(tmp_path):
    run_dir = tmp_path / "run"
    gn.run(gn.RunConfig(data="xor", epochs=5, checkpoint_every=1, run_dir=str(run_dir)))
    assert not (run_dir / "checkpoint.glassnet").exists()
    assert (run_dir / "model.glassnet").is_file()


def test_checkpoint_every_must_be_a_positive_integer():
    with pytest.raises(gn.ValidationError, match="checkpoint_every must be a positive integer"):
        gn.RunConfig(checkpoint_every=0)


# ---------------------------------------------------------------- the guard


def epochs_of(guard, costs, accuracies, labels, start):
    """Feed the guard a first batch of cost `start` and one EpochEnd per cost."""
    trainer = SimpleNamespace(targets=SimpleNamespace(labels=labels),
                              optimizer=SimpleNamespace(lr=0.5))  # fmt: skip
    history = SimpleNamespace(train_loss=[], train_accuracy=[])
    guard(Event("batch", loss=start))
    for epoch, (cost, accuracy) in enumerate(zip(costs, accuracies, strict=True), start=1):
        history.train_loss.append(cost)
        history.train_accuracy.append(accuracy)
        guard(Event("epoch", epoch=epoch, history=history, trainer=trainer))


class Event(SimpleNamespace):
    def __init__(self, kind, **fields):
        super().__init__(kind=kind, **fields)

    def __getitem__(self, name):
        return self.kind if name == "event" else getattr(self, name)


BALANCED = np.arange(100) % 4  # chance accuracy 25 %, chance cost ln 4


def test_the_guard_stops_a_cost_far_above_its_start():
    start = np.log(4)
    with pytest.raises(gn.errors.DivergenceError, match="diverged by epoch 2 .* lower the "):
        epochs_of(DivergenceGuard(), [1.2, FAR_ABOVE * start * 1.01], [0.5, 0.3], BALANCED, start)


def test_the_guard_stops_a_run_stuck_at_chance_worse_than_its_start():
    costs = [1.5] + [2.0] * STUCK_EPOCHS  # above ln 4 ≈ 1.39, never far above
    with pytest.raises(gn.errors.DivergenceError, match=f"at chance .* {STUCK_EPOCHS} epochs"):
        epochs_of(DivergenceGuard(), costs, [0.25] * len(costs), BALANCED, 1.39)


@pytest.mark.parametrize(
    ("costs", "accuracies"),
    [
        ([1.5] + [2.0] * (STUCK_EPOCHS - 1), [0.25] * STUCK_EPOCHS),  # not yet several epochs
        ([1.3, 1.3, 1.3, 1.3, 1.3], [0.25] * 5),  # at chance but below the start: learning
        ([2.0, 2.0, 2.0, 2.0, 2.0], [0.6] * 5),  # above the start but far from chance
        ([13.0, 0.5, 0.4, 0.3, 0.2], [0.3, 0.8, 0.9, 0.9, 0.9]),  # a bumpy first epoch, < 10×
    ],
)
def test_the_guard_lets_a_healthy_or_slow_run_go_on(costs, accuracies):
    epochs_of(DivergenceGuard(), costs, accuracies, BALANCED, 1.39)


def test_a_model_that_cannot_be_written_for_want_of_permission_says_so(tmp_path, monkeypatch):
    """Not every OSError is a full disk: the advice fits the error (here EISDIR, a real one)."""
    from glassnet.runs.rescue import save_or_rescue

    rescue = tmp_path / "rescue"
    rescue.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(rescue))
    target = tmp_path / "m.glassnet"
    target.mkdir()  # a folder where the model should go
    net = gn.Network([gn.Dense(2, 1), gn.Sigmoid()], seed=0)
    with pytest.raises(gn.errors.GlassnetError, match="Is a directory") as caught:
        save_or_rescue(net, target)
    (rescued,) = rescue.iterdir()
    assert f"once you may write there: mv {rescued} {target}" in str(caught.value)
    assert "room" not in str(caught.value)
    assert gn.load(rescued).n_params == net.n_params


def test_a_run_that_blew_up_and_collapsed_at_chance_is_stopped(tmp_path):
    """Adam at η = 2 on xor-clusters: the cost doubles in epoch 1, then the dead network sits
    at chance with a cost near ln 2, below its start, so the rule above never fired; it used to
    finish with exit 0 and save a 50 % model."""
    out = tmp_path / "m.glassnet"
    config = gn.RunConfig(data="xor-clusters", epochs=15, optimizer="adam", lr=2.0, seed=0,
                          out=str(out))  # fmt: skip
    with pytest.raises(gn.errors.DivergenceError, match="no better than a constant guess"):
        gn.run(config)
    assert not out.exists()


def test_the_guard_stops_a_run_thrashing_at_chance():
    """Costs bouncing above a constant guess's (ln 4 ≈ 1.386) below the start, never a new
    low after epoch 2: stopped after FLAT_EPOCHS such epochs; one more new low would reset."""
    costs = [1.45, 1.40] + [1.42, 1.50, 1.41, 1.47] * 3
    with pytest.raises(gn.errors.DivergenceError, match=f"for {FLAT_EPOCHS} epochs .* no new low"):
        epochs_of(DivergenceGuard(), costs, [0.25] * len(costs), BALANCED, 1.6)
    slow = [1.6 - 0.01 * epoch for epoch in range(2 * FLAT_EPOCHS)]  # above ln 4, new lows
    epochs_of(DivergenceGuard(), slow, [0.25] * len(slow), BALANCED, 1.6)


def test_a_run_that_thrashes_at_chance_is_stopped():
    """Adam at η = 2 on xor-clusters, seed 1: the cost never rose above its start; every step
    undoes the last, and the network bounces around chance (cost 0.69-0.81 for 80 epochs).
    It used to run 85 epochs before a stretch of costs above its start stopped it."""
    config = gn.RunConfig(data="xor-clusters", optimizer="adam", lr=2.0, seed=1)
    with pytest.raises(gn.errors.DivergenceError, match="by epoch (1|2)[0-9] .* no new low"):
        gn.run(config)


@pytest.mark.parametrize("data", ["xor", "circles", "xor-clusters", "spirals"])
def test_a_slow_run_at_chance_is_not_called_a_collapse(data):
    """SGD at η = 0.01 learns slowly: at chance for epochs, but it never rose above its
    start, so it finishes."""
    gn.run(gn.RunConfig(data=data, epochs=30, optimizer="sgd", lr=0.01, seed=0))
