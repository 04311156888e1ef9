"""Float64 networks take the compiled step, and it computes what the reference step computes.

The C step is compiled a second time for double (csrc/real.h) and multiplies with NumPy's own
cblas_dgemm (and dgemv for one-row products). Every activation, cost and optimizer is trained
on it and on the layer-by-layer reference step from the same start, watched and unwatched, on
the team of threads and on one thread, with batches of one sample too: in float64 the two must
agree to ~1e-12, not to float32 rounding."""

import numpy as np
import pytest

import glassnet as gn

pytest.importorskip("glassnet.fast._ckernels", reason="the C extension is not built")

from glassnet.fast import blas as _blas  # noqa: E402
from glassnet.fast import step as fastpath  # noqa: E402
from glassnet.fast.step import CompiledStep  # noqa: E402
from learner_networks import Learners  # noqa: E402

pytestmark = pytest.mark.skipif(
    _blas.gemms(np.float64) is None, reason="NumPy's dgemm is out of reach"
)

LEARNERS = Learners("float64", seed=1)
CASES, X, LABELS = LEARNERS.cases, LEARNERS.X, LEARNERS.labels
train = LEARNERS.train


def assert_agree(fast, plain, rtol=1e-12):
    """The parameters, the last gradients, the losses and the accuracies of two runs."""
    (t_fast, h_fast), (t_plain, h_plain) = fast, plain
    for (p, g), (q, h) in zip(t_fast.net.parameters(), t_plain.net.parameters(), strict=True):
        assert p.dtype == g.dtype == np.float64
        np.testing.assert_allclose(p, q, rtol=rtol, atol=rtol * np.abs(q).max())
        np.testing.assert_allclose(g, h, rtol=1e-9, atol=1e-9 * np.abs(h).max())
    np.testing.assert_allclose(h_fast.train_loss, h_plain.train_loss, rtol=rtol)
    assert h_fast.train_accuracy == h_plain.train_accuracy
    assert t_fast.optimizer.t == t_plain.optimizer.t


def compiled(trainer) -> CompiledStep:
    step = trainer.step
    assert isinstance(step, CompiledStep) and step.plan is not None  # the whole step in C
    assert step.dtype == np.float64
    return step


@pytest.mark.parametrize("case", list(CASES))
def test_every_float64_network_trains_in_c_as_the_reference_does(case, team, monkeypatch):
    fast = train(case, True, monkeypatch)
    step = compiled(fast[0])
    optimizer = CASES[case][2]
    if isinstance(optimizer, gn.SGD) and optimizer.momentum:
        assert step.momentum  # the velocity update ran in C too
    if isinstance(optimizer, gn.Adam):
        assert step.adam
    plain = train(case, False, monkeypatch)
    assert not isinstance(plain[0].step, CompiledStep)
    assert_agree(fast, plain)


@pytest.mark.parametrize(
    "case", ["ReLU, cross-entropy, SGD", "tanh, cross-entropy", "sigmoid, AdamW, MSE",
             "leaky ReLU, Nesterov", "one sigmoid output, binary cross-entropy"]
)  # fmt: skip
def test_per_sample_float64_steps_agree(case, monkeypatch):
    fast = train(case, True, monkeypatch, batch_size=1, epochs=1)
    compiled(fast[0])
    assert_agree(fast, train(case, False, monkeypatch, batch_size=1, epochs=1))


@pytest.mark.parametrize(
    "case", ["ReLU, cross-entropy, SGD", "ReLU, binary cross-entropy", "tanh, Adam"]
)
def test_a_watched_float64_run_sees_the_gradients_of_every_batch(case, monkeypatch):
    seen = {True: [], False: []}
    for fast in (True, False):

        def callback(event, fast=fast):
            if event["event"] == "batch":
                seen[fast].append([g.copy() for _, g in event["network"].parameters()])

        trainer, _ = train(case, fast, monkeypatch, epochs=1, callback=callback)
        assert isinstance(trainer.step, CompiledStep) == fast
    assert len(seen[True]) == len(seen[False]) == 7
    for ours, theirs in zip(seen[True], seen[False], strict=True):
        for g, h in zip(ours, theirs, strict=True):
            assert g.dtype == np.float64
            np.testing.assert_allclose(g, h, rtol=1e-9, atol=1e-12)


def test_a_float64_fit_takes_the_compiled_step(monkeypatch):
    monkeypatch.delenv(fastpath.FAST_ENV, raising=False)
    model = gn.Network([gn.Dense(20, 8), gn.ReLU(), gn.Dense(8, 4)], seed=0, dtype="float64")
    trainer = gn.Trainer(model, X.astype(np.float64) / 255, LABELS, epochs=2, batch_size=10)
    history = trainer.run()
    assert compiled(trainer).sgemm is not None
    assert np.isfinite(history.train_loss).all()


def test_numpys_own_dgemm_and_dgemv_are_found_and_checked():
    fn, _ = _blas._bind("d")
    assert _blas._self_test(fn, "d")
    gemm, int64 = _blas.gemms(np.float64)
    assert isinstance(gemm, tuple) and len(gemm) == 2  # (dgemm, dgemv): one-row products
    assert gemm[0] != _blas.sgemm()[0]  # not the float32 function
    assert (gemm[0], int64) == _blas.dgemm()


def test_a_float64_plan_refuses_float32_arrays():
    k = fastpath.kernels()
    f8, f4 = np.float64, np.float32
    W = np.ones((3, 5), f4)  # the one float32 array among float64 ones
    layer = (W, np.zeros(3, f8), np.zeros((3, 5), f8), np.zeros(3, f8), np.zeros((4, 3), f8),
             None)  # fmt: skip
    args = [*_blas.gemms(f8), np.zeros((6, 5), np.uint8), np.zeros(6, np.int64), np.zeros(5, f8),
            np.ones(5, f8), np.zeros((4, 5), f8), [layer], None]  # fmt: skip
    with pytest.raises(TypeError, match="W must be an array of float64"):
        k.make_plan(*args)
    args[7] = [(W.astype(f8), *layer[1:])]
    plan = k.make_plan(*args)  # all float64: a plan, and a step on it
    cost, correct = k.step(plan, np.arange(4, dtype=np.int64), 0.25, False, None)
    assert np.isclose(cost, 4 * np.log(3)) and correct == 4  # equal logits: argmax is class 0
