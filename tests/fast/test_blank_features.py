"""The C step leaves a batch's blank features out of the first layer, and computes what the
reference step does.

A feature that is 0 in every sample of a batch (the border of a digit) adds nothing to the
first layer's sums and gets a gradient of 0, so the C step multiplies by the others alone
(csrc/step.c: the batch's blank features). The data here are small images whose border is
always blank and whose inner pixels are blank in some batches and not in others, so the runs of
features the step keeps change from batch to batch."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ValidationError

_ckernels = pytest.importorskip("glassnet.fast._ckernels", reason="the C extension is not built")

from glassnet import cores  # noqa: E402
from glassnet.fast import blas as _blas  # noqa: E402
from glassnet.fast import step as fastpath  # noqa: E402
from glassnet.fast.step import CompiledStep  # noqa: E402
from learner_networks import assert_agree  # noqa: E402

pytestmark = pytest.mark.skipif(_blas.sgemm() is None, reason="NumPy's sgemm is out of reach")

SIDE, INNER = 10, 6  # 10x10 images; only the central 6x6 pixels are ever non-zero
D = SIDE * SIDE


def images(n=120, seed=0):
    """(X uint8 (n, 100), labels, the features blank in every sample). Each inner pixel is
    non-zero with its own probability, 2 % to 60 %, so a batch leaves some of them blank."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, SIDE, SIDE), np.uint8)
    lo = (SIDE - INNER) // 2
    chance = rng.uniform(0.02, 0.6, (INNER, INNER))
    inner = rng.integers(1, 256, (n, INNER, INNER)) * (rng.random((n, INNER, INNER)) < chance)
    X[:, lo : lo + INNER, lo : lo + INNER] = inner
    X = X.reshape(n, D)
    return X, rng.integers(0, 4, n), ~X.any(axis=0)


def network(dtype="float32", act=gn.ReLU, out=None, k=4):
    layers = [gn.Standardize(0, 255), gn.Dense(D, 24), act(), gn.Dense(24, 16), act(),
              gn.Dense(16, k)]  # fmt: skip
    return gn.Network(layers + ([out()] if out else []), seed=0, dtype=dtype)


def train(monkeypatch, fast=True, blank="on", X=None, y=None, net=None, loss="cross_entropy",
          optimizer=None, batch_size=16, epochs=3, callback=None):  # fmt: skip
    """(trainer, history) of a run on the C step (fast) or on the reference step; 120 images
    in batches of 16 by default, seven of them compacted per epoch (the eighth has 8 rows)."""
    monkeypatch.setenv(fastpath.FAST_ENV, "1" if fast else "0")
    monkeypatch.setenv(fastpath.BLANK_ENV, blank)
    if X is None:
        X, y, _ = images()
    trainer = gn.Trainer(net or network(), X, y, loss=loss, optimizer=optimizer or gn.SGD(0.1),
                         epochs=epochs, batch_size=batch_size, callback=callback)  # fmt: skip
    return trainer, trainer.run()


def compacted(trainer) -> tuple[int, int]:
    """(steps that left blank features out, features the last step kept)."""
    assert isinstance(trainer.step, CompiledStep) and trainer.step.plan is not None
    return _ckernels.compacted(trainer.step.plan)


OPTIMIZERS = {
    "plain SGD": lambda: gn.SGD(0.1),
    "momentum": lambda: gn.SGD(0.05, momentum=0.9),
    "Nesterov, decay": lambda: gn.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": lambda: gn.Adam(0.01),
    "AdamW": lambda: gn.AdamW(0.01, weight_decay=0.1),
}


@pytest.mark.parametrize("batch_size", [16, 50, 120])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_blank_features_are_left_out_and_training_is_the_references(
    monkeypatch, team, optimizer, batch_size
):
    fast = train(monkeypatch, optimizer=OPTIMIZERS[optimizer](), batch_size=batch_size)
    rows = [min(batch_size, 120 - first) for first in range(0, 120, batch_size)]
    left_out, kept = compacted(fast[0])
    assert left_out == 3 * sum(n >= 16 for n in rows)  # every batch of 16 rows or more
    assert (0 < kept <= INNER * INNER) if rows[-1] >= 16 else kept == 0  # the last batch
    plain = train(monkeypatch, fast=False, optimizer=OPTIMIZERS[optimizer](),
                  batch_size=batch_size)  # fmt: skip
    assert not isinstance(plain[0].step, CompiledStep)
    adam = optimizer.startswith("Adam")
    assert_agree(fast, plain, *((1e-4, 1e-5) if adam else (2e-5, 1e-6)))


@pytest.mark.parametrize(
    "case",
    [
        ("float64", gn.ReLU, None, "cross_entropy"),
        ("float32", gn.Tanh, gn.Sigmoid, "squared_error"),
        ("float32", gn.Sigmoid, gn.Sigmoid, "binary_cross_entropy"),
        ("float32", lambda: gn.LeakyReLU(0.1), None, "mse"),
    ],
    ids=["float64", "tanh, squared error", "sigmoid, binary cross-entropy", "leaky ReLU, MSE"],
)
def test_every_kind_of_network_leaves_them_out_alike(monkeypatch, case):
    dtype, act, out, loss = case
    X, labels, _ = images()
    y = labels if loss == "cross_entropy" else np.eye(4)[labels]
    if loss == "binary_cross_entropy":
        y = y.astype(dtype)
    runs = [
        train(monkeypatch, fast=fast, X=X, y=y, net=network(dtype, act, out), loss=loss)
        for fast in (True, False)
    ]
    assert compacted(runs[0][0])[0] == 3 * 7
    rtol, atol = (1e-12, 1e-14) if dtype == "float64" else (2e-5, 1e-6)
    assert_agree(*runs, rtol=rtol, atol=atol)


def test_a_blank_feature_gets_a_gradient_of_exactly_zero(monkeypatch):
    X, y, never = images()
    seen = {True: [], False: []}
    for fast in (True, False):

        def callback(event, fast=fast):  # a watched run: dW is written every batch
            if event["event"] == "batch":
                seen[fast].append(event["network"].dense_layers[0].dW.copy())

        trainer, _ = train(monkeypatch, fast=fast, optimizer=gn.Adam(0.01), callback=callback)
        if fast:
            assert compacted(trainer)[0] == 3 * 7
    assert len(seen[True]) == len(seen[False]) == 3 * 8
    for ours, theirs in zip(seen[True], seen[False], strict=True):
        assert not ours[:, never].any()  # written as 0, not left as it was
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_plain_sgd_leaves_the_weights_of_blank_features_untouched(monkeypatch):
    X, y, never = images()
    net = network()
    first = net.dense_layers[0].W.copy()
    trainer, _ = train(monkeypatch, net=net)
    assert compacted(trainer)[0] == 3 * 7 and trainer.step.fusable
    W = net.dense_layers[0].W
    assert np.array_equal(W[:, never], first[:, never])  # bit for bit
    assert not np.array_equal(W[:, ~never], first[:, ~never])


def test_the_team_and_one_thread_leave_them_out_with_the_same_bits(monkeypatch):
    if _blas.threads() is None or cores.usable_cores() < 2:
        pytest.skip("the team needs OpenBLAS's thread control and two usable cores")
    weights = {}
    for policy in ("on", "off"):
        monkeypatch.setenv(fastpath.TEAM_ENV, policy)
        before = _ckernels.team_steps()
        trainer, _ = train(monkeypatch, optimizer=gn.Adam(0.01), batch_size=40)
        assert (_ckernels.team_steps() > before) == (policy == "on")
        assert compacted(trainer)[0] == 3 * 3
        weights[policy] = [p.copy() for p, _ in trainer.net.parameters()]
    for a, b in zip(weights["on"], weights["off"], strict=True):
        assert np.array_equal(a, b)


def test_a_batch_of_fewer_than_16_rows_takes_the_full_product(monkeypatch):
    # 120 samples in batches of 15 and of 8: nothing left out, as the reference computes
    for batch_size in (15, 8):
        fast = train(monkeypatch, batch_size=batch_size, epochs=1)
        assert compacted(fast[0]) == (0, 0)
        assert_agree(fast, train(monkeypatch, fast=False, batch_size=batch_size, epochs=1))


def test_glassnet_blank_off_multiplies_by_every_feature(monkeypatch):
    on = train(monkeypatch)
    off = train(monkeypatch, blank="off")
    assert compacted(on[0])[0] == 3 * 7 and compacted(off[0]) == (0, 0)
    assert_agree(on, off)


def test_a_batch_of_blank_samples_and_dense_data_take_the_full_product(monkeypatch):
    X, y, _ = images(n=32)
    X[:16] = 0  # the first batch: every feature blank, only the biases can learn from it
    runs = []
    for fast in (True, False):
        monkeypatch.setenv(fastpath.FAST_ENV, "1" if fast else "0")
        trainer = gn.Trainer(network(), X, y, optimizer=gn.SGD(0.1), epochs=1, batch_size=16,
                             shuffle=False)  # fmt: skip
        runs.append((trainer, trainer.run()))
    # the second batch alone was compacted, to the features its samples touch
    assert compacted(runs[0][0]) == (1, int(X[16:].any(axis=0).sum()))
    assert_agree(*runs)
    dense = np.random.default_rng(1).integers(1, 256, (48, D)).astype(np.uint8)
    trainer, _ = train(monkeypatch, X=dense, y=np.resize(y, 48))
    assert compacted(trainer) == (0, 0)  # no feature is blank: nothing to leave out


def test_a_wrong_glassnet_blank_value_is_named(monkeypatch):
    with pytest.raises(ValidationError, match="GLASSNET_BLANK='maybe' is not on or off"):
        train(monkeypatch, blank="maybe")


def test_a_batch_of_more_than_8192_rows_keeps_every_feature(monkeypatch):
    # leaving features out takes a second batch buffer; a batch this large goes without it
    X, y, _ = images(n=8_200)
    trainer, _ = train(monkeypatch, X=X, y=y, batch_size="full", epochs=1)
    assert compacted(trainer) == (0, 0)
    trainer, _ = train(monkeypatch, X=X[:8_192], y=y[:8_192], batch_size="full", epochs=1)
    assert compacted(trainer)[0] == 1
