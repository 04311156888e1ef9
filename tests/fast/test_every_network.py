"""The compiled step on every network a learner builds computes what the reference step does.

Sigmoid, tanh, leaky ReLU and identity hidden layers; cross-entropy, binary cross-entropy on a
final sigmoid and the squared-error family (squared error, half squared error, MSE) on any of
those outputs; SGD with momentum, Nesterov and weight decay, Adam and AdamW; batches of one
sample. Each is trained on the C step and on the layer-by-layer reference step from the same
start, and the weights, the last gradients, the losses and the accuracies must agree to float32
rounding."""

import numpy as np
import pytest

import glassnet as gn

pytest.importorskip("glassnet.fast._ckernels", reason="the C extension is not built")

from glassnet.fast import blas as _blas  # noqa: E402
from glassnet.fast import step as fastpath  # noqa: E402
from glassnet.fast.step import CompiledStep  # noqa: E402
from learner_networks import Learners, assert_agree  # noqa: E402

pytestmark = pytest.mark.skipif(_blas.sgemm() is None, reason="NumPy's sgemm is out of reach")

LEARNERS = Learners("float32", seed=0)
CASES, X = LEARNERS.cases, LEARNERS.X
train = LEARNERS.train


@pytest.mark.parametrize("case", list(CASES))
def test_every_network_trains_in_c_as_the_reference_does(case, team, monkeypatch):
    fast = train(case, True, monkeypatch)
    step = fast[0].step
    assert isinstance(step, CompiledStep) and step.plan is not None  # the whole step in C
    optimizer = CASES[case][2]
    if isinstance(optimizer, gn.SGD) and optimizer.momentum:
        assert step.momentum  # the velocity update ran in C too
    plain = train(case, False, monkeypatch)
    assert not isinstance(plain[0].step, CompiledStep)
    rtol, atol = (1e-4, 1e-5) if isinstance(optimizer, gn.Adam) else (2e-5, 1e-6)
    assert_agree(fast, plain, rtol, atol)


@pytest.mark.parametrize("case", ["tanh, cross-entropy", "sigmoid, squared error on a sigmoid"])
def test_per_sample_steps_agree(case, monkeypatch):
    assert_agree(
        train(case, True, monkeypatch, batch_size=1, epochs=1),
        train(case, False, monkeypatch, batch_size=1, epochs=1),
    )


@pytest.mark.parametrize("case", ["leaky ReLU, Nesterov", "ReLU, binary cross-entropy"])
def test_a_watched_run_sees_the_gradients_of_every_batch(case, monkeypatch):
    seen = {True: [], False: []}
    for fast in (True, False):

        def callback(event, fast=fast):
            if event["event"] == "batch":
                seen[fast].append([g.copy() for _, g in event["network"].parameters()])

        train(case, fast, monkeypatch, epochs=1, callback=callback)
    assert len(seen[True]) == len(seen[False]) == 7
    for ours, theirs in zip(seen[True], seen[False], strict=True):
        for g, h in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(g, h, rtol=1e-4, atol=1e-6)


def test_a_plan_refuses_unknown_kinds():
    k = fastpath.kernels()
    f4 = np.float32
    layer = (np.ones((3, 5), f4), np.zeros(3, f4), np.zeros((3, 5), f4), np.zeros(3, f4),
             np.zeros((4, 3), f4), None)  # fmt: skip
    args = [*_blas.sgemm(), np.zeros((6, 5), np.uint8), None, np.zeros(5, f4), np.ones(5, f4),
            np.zeros((4, 5), f4), [layer], None]  # fmt: skip
    targets = np.zeros((6, 3), f4)
    with pytest.raises(ValueError, match="activation kind 7 is not 0 to 4"):
        k.make_plan(*args, (2, 1.0, targets, ((7, 0.0),)))
    with pytest.raises(ValueError, match="a head 0, 1, 2 or 3 and one activation per layer"):
        k.make_plan(*args, (5, 1.0, targets, ((0, 0.0),)))
    with pytest.raises(ValueError, match="targets has 2 entries where 6"):
        k.make_plan(*args, (2, 1.0, targets[:2], ((4, 0.0),)))
    k.make_plan(*args, (2, 1.0, targets, ((4, 0.0),)))  # the right ones make a plan
