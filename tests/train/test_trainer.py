"""Training: XOR learnt by each form of gradient descent, history, validation, early stopping,
divergence, determinism, interruption and resume."""

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import DivergenceError, ValidationError
from glassnet.train.targets import stratified_indices
from glassnet.train.trainer import Trainer, gd_form

X4 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y4 = np.array([0, 1, 1, 0])


def clusters(n_per_corner=50, noise=0.15, seed=0):
    """Gaussian clusters around the four XOR corners, labelled by the corner's XOR."""
    rng = np.random.default_rng(seed)
    X = np.repeat(X4, n_per_corner, axis=0) + rng.normal(0, noise, (4 * n_per_corner, 2))
    return X.astype(np.float32), np.repeat(Y4, n_per_corner)


def xor_net(seed=0, hidden=4, activation=gn.Tanh):
    return gn.Network(
        [gn.Dense(2, hidden), activation(), gn.Dense(hidden, 1), gn.Sigmoid()], seed=seed
    )


@pytest.mark.parametrize(
    ("batch_size", "optimizer", "epochs", "form"),
    [
        (1, gn.SGD(0.5), 300, "stochastic"),
        ("full", gn.SGD(2.0), 1500, "batch"),
        (2, gn.SGD(1.0), 600, "mini-batch"),
    ],
)
def test_xor_four_points_learnt_by_each_form(batch_size, optimizer, epochs, form):
    net = xor_net(seed=1)
    history = net.fit(
        X4,
        Y4,
        loss="binary_cross_entropy",
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        train_metrics="full",
    )
    np.testing.assert_array_equal(net.predict(X4), Y4)
    assert history.train_accuracy[-1] == 1.0
    assert history.train_loss[-1] < 0.1 < history.train_loss[0]
    assert history.config["gd"] == form
    updates_per_epoch = {"stochastic": 4, "batch": 1, "mini-batch": 2}[form]
    assert history.updates[-1] == epochs * updates_per_epoch
    assert history.samples_seen[-1] == epochs * 4


@pytest.mark.parametrize("batch_size", [1, "full", 16])
def test_xor_clusters_learnt_by_each_form_with_the_documents_network(batch_size):
    X, y = clusters()
    net = gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1), gn.Sigmoid()], seed=2)
    epochs = {1: 20, "full": 400, 16: 60}[batch_size]
    net.fit(
        X, y, loss="squared_error", optimizer=gn.Adam(0.05), epochs=epochs, batch_size=batch_size
    )
    X_test, y_test = clusters(seed=1)
    assert np.mean(net.predict(X_test) == y_test) > 0.97


def test_history_records_every_epoch():
    X, y = clusters(10)
    history = xor_net().fit(X, y, epochs=3, batch_size=8, validation_fraction=0.25)
    assert history.epoch == [1, 2, 3]
    for column in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds"):
        assert len(getattr(history, column)) == 3
    assert history.samples_seen == [30, 60, 90]
    assert history.updates == [4, 8, 12]
    assert history.seconds == sorted(history.seconds)
    assert len(history.rows()) == 3 and set(history.rows()[0]) == set(history.COLUMNS)


def test_validation_split_is_seeded_stratified_and_recorded():
    X, y = clusters(20)
    history = xor_net(seed=5).fit(X, y, epochs=1, validation_fraction=0.25)
    split = history.validation
    assert split["source"] == "split" and split["stratified"] and split["n"] == 20
    val = np.array(split["indices"])
    assert np.sum(y[val] == 0) == np.sum(y[val] == 1) == 10
    again = xor_net(seed=5).fit(X, y, epochs=1, validation_fraction=0.25)
    assert again.validation["indices"] == split["indices"]


def test_stratified_indices_keep_every_class():
    labels = np.array([0] * 90 + [1] * 10)
    idx = stratified_indices(labels, 100, 0.2, np.random.default_rng(0))
    assert np.sum(labels[idx] == 0) == 18 and np.sum(labels[idx] == 1) == 2


def test_fit_without_validation_trains_on_all_of_x_and_never_stops_early():
    X, y = clusters(5)
    history = xor_net().fit(X, y, epochs=4)
    assert history.validation is None and history.config["n_train"] == 20
    assert len(history) == 4 and not history.stopped_early
    assert history.val_loss == [None] * 4


def test_early_stopping_stops_and_restores_the_best_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5)).astype(np.float32)
    y = rng.integers(0, 2, 40)  # noise: a big network overfits, validation cost rises
    X_val = rng.normal(size=(40, 5)).astype(np.float32)
    y_val = rng.integers(0, 2, 40)
    net = gn.Network([gn.Dense(5, 64), gn.ReLU(), gn.Dense(64, 2)], seed=0)
    snapshots = {}

    def remember(event):
        if event["event"] == "epoch":
            snapshots[event["epoch"]] = [p.copy() for p, _ in net.parameters()]

    history = net.fit(
        X,
        y,
        optimizer=gn.Adam(0.01),
        epochs=300,
        batch_size=8,
        validation_data=(X_val, y_val),
        early_stopping=True,
        patience=5,
        callback=remember,
    )
    assert history.stopped_early and len(history) < 300
    best = history.best_epoch
    assert history.val_loss[best - 1] == min(history.val_loss)
    assert len(history) == best + 5
    for p, saved in zip(net.parameters(), snapshots[best], strict=True):
        np.testing.assert_array_equal(p[0], saved)


def test_divergence_stops_with_the_epoch_batch_and_advice():
    X, y = clusters(10)
    X = X * 1e4
    net = gn.Network([gn.Dense(2, 8), gn.ReLU(), gn.Dense(8, 1)], seed=0)
    with pytest.raises(
        DivergenceError,
        match=r"diverged at epoch \d+, batch \d+.*Lower the "
        r"learning rate \(it is 10; try 1\) or scale the inputs",
    ):
        net.fit(X, y.astype(float), loss="squared_error", optimizer=gn.SGD(10.0), epochs=5)


def test_same_seed_same_data_bit_identical_history():
    X, y = clusters(10)

    def run():
        net = gn.Network(
            [gn.Dense(2, 8), gn.ReLU(), gn.Dropout(0.2), gn.Dense(8, 1), gn.Sigmoid()], seed=11
        )
        h = net.fit(X, y, optimizer=gn.Adam(0.01), epochs=5, batch_size=7, validation_fraction=0.2)
        return h, net

    (h1, n1), (h2, n2) = run(), run()
    for column in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        assert getattr(h1, column) == getattr(h2, column)
    for (p1, _), (p2, _) in zip(n1.parameters(), n2.parameters(), strict=True):
        np.testing.assert_array_equal(p1, p2)


def test_interrupted_run_resumes_to_the_same_result():
    X, y = clusters(10)
    settings = dict(epochs=4, batch_size=6, validation_fraction=0.2, schedule="cosine")

    def optimizer():
        return gn.SGD(0.3, momentum=0.9)

    def new_net():
        return gn.Network(
            [gn.Dense(2, 6), gn.Tanh(), gn.Dropout(0.1), gn.Dense(6, 1), gn.Sigmoid()], seed=3
        )

    straight = new_net()
    expected = straight.fit(X, y, optimizer=optimizer(), **settings)

    net = new_net()
    trainer = Trainer(net, X, y, optimizer=optimizer(), **settings)
    trainer.callbacks.append(
        lambda e: trainer.request_stop() if e["epoch"] == 2 and e["batch"] == 3 else None
    )
    partial = trainer.run()
    assert partial.interrupted and len(partial) == 1
    info, arrays = trainer.state()
    weights = [p.copy() for p, _ in net.parameters()]

    resumed_net = new_net()
    for (p, _), w in zip(resumed_net.parameters(), weights, strict=True):
        p[...] = w
    resumed = Trainer(resumed_net, X, y, optimizer=optimizer(), **settings)
    resumed.restore(info, arrays)
    history = resumed.run()
    assert history.train_loss == expected.train_loss
    assert history.val_loss == expected.val_loss
    for (p1, _), (p2, _) in zip(straight.parameters(), resumed_net.parameters(), strict=True):
        np.testing.assert_array_equal(p1, p2)


def test_callback_sees_batches_and_epochs():
    X, y = clusters(5)
    events = []
    xor_net().fit(
        X,
        y,
        epochs=2,
        batch_size=10,
        callback=lambda e: events.append((e["event"], e["epoch"], e["batch"])),
    )
    assert events == [
        ("batch", 1, 1),
        ("batch", 1, 2),
        ("epoch", 1, 2),
        ("batch", 2, 1),
        ("batch", 2, 2),
        ("epoch", 2, 2),
        ("run", 2, 2),
    ]


def test_squared_error_with_class_ids_uses_one_hot_targets():
    X = np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32)
    y = np.arange(30) % 3
    net = gn.Network([gn.Dense(4, 3), gn.Sigmoid()], seed=0)
    history = net.fit(X, y, loss="squared_error", epochs=2)
    assert history.train_accuracy[0] is not None and net.task == "multiclass"


def test_gd_form_names():
    assert [gd_form(1, 10), gd_form(4, 10), gd_form(10, 10)] == [
        "stochastic",
        "mini-batch",
        "batch",
    ]


@pytest.mark.parametrize(
    ("kwargs", "y", "message"),
    [
        (dict(epochs=0), Y4, "epochs must be a positive integer, got 0"),
        (dict(batch_size=0), Y4, 'batch_size must be a positive integer or "full", got 0'),
        (dict(batch_size="half"), Y4, 'batch_size must be a positive integer or "full"'),
        (dict(loss="cross_entropy"), Y4, "cross_entropy needs at least 2 outputs"),
        (dict(), np.array([0, 1, 1]), "same number of samples, got 4 and 3"),
        (dict(), np.array([[0, 1]] * 4), r"shape \(N,\) or \(N, 1\).*got \(4, 2\)"),
        (dict(validation_fraction=1.5), Y4, r"validation_fraction must be in \(0, 1\)"),
        (dict(loss="nope"), Y4, "unknown loss 'nope'"),
    ],
)
def test_fit_validation_messages(kwargs, y, message):
    with pytest.raises(ValidationError, match=message):
        xor_net().fit(X4, y, **kwargs)


def test_label_range_is_checked_against_the_outputs():
    net = gn.Network([gn.Dense(2, 3)], seed=0)
    with pytest.raises(ValidationError, match=r"class ids from 0 to 5.*ids must be in 0..2"):
        net.fit(X4, np.array([0, 1, 2, 5]), loss="cross_entropy")
    with pytest.raises(ValidationError, match="integer class ids, got non-integer"):
        net.fit(X4, np.array([0, 0.5, 1, 2]), loss="cross_entropy")


def test_binary_cross_entropy_needs_a_sigmoid_output():
    net = gn.Network([gn.Dense(2, 1)], seed=0)
    with pytest.raises(ValidationError, match=r"end the network with Sigmoid\(\)"):
        net.fit(X4, Y4, loss="binary_cross_entropy")


def test_evaluate_reports_loss_and_accuracy():
    net = xor_net(seed=1)
    net.fit(
        X4, Y4, loss="binary_cross_entropy", optimizer=gn.Adam(0.1), epochs=300, batch_size="full"
    )
    result = net.evaluate(X4, Y4)
    assert result["accuracy"] == 1.0 and result["n"] == 4
    p = net.predict_proba(X4)[:, 1]
    expected = -np.mean(Y4 * np.log(p) + (1 - Y4) * np.log(1 - p))
    assert math.isclose(result["loss"], expected, rel_tol=1e-4)


def test_stop_at_an_epoch_boundary_resumes_exactly():
    X, y = clusters(10)

    def new_trainer():
        net = gn.Network([gn.Dense(2, 6), gn.Tanh(), gn.Dense(6, 1), gn.Sigmoid()], seed=3)
        return Trainer(net, X, y, optimizer=gn.Adam(0.01), epochs=4, batch_size=6)

    expected = new_trainer().run()
    first = new_trainer()
    first.callbacks.append(
        lambda e: first.request_stop() if e["event"] == "epoch" and e["epoch"] == 2 else None
    )
    first.run()
    assert first.history.interrupted and first.epoch == 2 and first.batch == 0
    info, arrays = first.state()
    second = new_trainer()
    for (p, _), (q, _) in zip(second.net.parameters(), first.net.parameters(), strict=True):
        p[...] = q
    second.restore(info, arrays)
    assert second.run().train_loss == expected.train_loss


def test_recorded_learning_rate_is_the_base_one_not_the_scheduled_last():
    X, y = clusters(5)
    net = xor_net()
    history = net.fit(X, y, optimizer=gn.SGD(0.5), epochs=4, schedule="cosine")
    assert history.lr[-1] < 0.5
    assert net.card.training["optimizer"]["lr"] == 0.5 == history.config["optimizer"]["lr"]
