"""The NumPy-only route: the compiled step's sequence with NumPy kernels, where the C extension
is not built (or GLASSNET_KERNELS=0), gives the numbers of the reference step."""

import os
import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet.fast import numpy_kernels
from glassnet.fast import step as fastpath
from glassnet.fast.blas import sgemm_function


@pytest.fixture
def route(monkeypatch):
    """route("numpy"): the compiled step on NumPy kernels; route("reference"): no fast step."""

    def use(name: str) -> None:
        monkeypatch.setenv(fastpath.KERNELS_ENV, "0")
        monkeypatch.setenv(fastpath.FAST_ENV, "0" if name == "reference" else "1")
        fastpath.kernels.cache_clear()

    yield use
    monkeypatch.delenv(fastpath.KERNELS_ENV, raising=False)
    monkeypatch.delenv(fastpath.FAST_ENV, raising=False)
    fastpath.kernels.cache_clear()


def data(n=100, n_in=20, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, n_in), dtype=np.uint8), rng.integers(0, k, n)


def make_net():
    return gn.Network([gn.Standardize(0, 255), gn.Dense(20, 16), gn.ReLU(), gn.Dense(16, 8),
                       gn.ReLU(), gn.Dense(8, 4)], seed=0)  # fmt: skip


@pytest.mark.parametrize("batch_size", [1, 16, 100])
@pytest.mark.parametrize(
    "optimizer", [lambda: gn.SGD(0.1), lambda: gn.SGD(0.1, momentum=0.9), lambda: gn.Adam(0.003)]
)
def test_numpy_kernels_train_like_the_reference_step(route, batch_size, optimizer):
    X, y = data()
    results = []
    for name in ("numpy", "reference"):
        route(name)
        trainer = gn.Trainer(make_net(), X, y, loss="cross_entropy", optimizer=optimizer(),
                             epochs=2, batch_size=batch_size)  # fmt: skip
        history = trainer.run()
        compiled = isinstance(trainer.step, fastpath.CompiledStep)
        assert compiled == (name == "numpy")
        if compiled:
            step = trainer.step
            assert step.k is numpy_kernels and step.plan is None
            plain = isinstance(trainer.optimizer, gn.SGD) and trainer.optimizer.plain
            # plain SGD updates W inside one sgemm call (W ← W − Gᵀ A) where BLAS is reachable
            assert step.fusable == (plain and sgemm_function() is not None)
        results.append((trainer, history))
    (fast, h_fast), (ref, h_ref) = results
    for (p, g), (q, h) in zip(fast.net.parameters(), ref.net.parameters(), strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(g, h, rtol=1e-3, atol=1e-6)  # the last batch's ∂L/∂θ
    np.testing.assert_allclose(h_fast.train_loss, h_ref.train_loss, rtol=1e-5)
    assert h_fast.train_accuracy == h_ref.train_accuracy
    assert fast.optimizer.t == ref.optimizer.t


def test_numpy_softmax_xent_is_the_fused_gradient_and_the_cost():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(6, 4)).astype(np.float32) * 5
    labels, idx = np.array([3, 0, 1, 2, 2, 1, 0]), np.array([6, 0, 1, 2, 3, 4])
    y = labels[idx]
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    db = np.empty(4, np.float32)
    work = z.copy()
    cost, correct = numpy_kernels.softmax_xent(work, labels, idx, np.float32(0.5), db)
    np.testing.assert_allclose(cost, -np.log(p[np.arange(6), y]).sum(), rtol=1e-6)
    assert correct == int(np.sum(z.argmax(1) == y))
    expected = 0.5 * (p - np.eye(4)[y])
    np.testing.assert_allclose(work, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(db, expected.sum(0), rtol=1e-5, atol=1e-7)


def test_numpy_kernels_equal_the_c_kernels():
    c = pytest.importorskip("glassnet.fast._ckernels", reason="the C extension is not built")
    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, (10, 5), dtype=np.uint8)
    idx = np.array([9, 0, 4, 4], dtype=np.int64)
    mean, scale = np.full(5, 3.0, np.float32), np.full(5, 1 / 255, np.float32)
    outs = [np.empty((4, 5), np.float32) for _ in range(2)]
    for k, out in zip((c, numpy_kernels), outs, strict=True):
        k.gather(X, idx, mean, scale, out)
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-6)
    d0 = rng.normal(size=(4, 5)).astype(np.float32)
    h = np.maximum(rng.normal(size=(4, 5)), 0).astype(np.float32)
    results = []
    for k in (c, numpy_kernels):
        d, db, b = d0.copy(), np.empty(5, np.float32), np.ones(5, np.float32)
        k.relu_backward(d, h, db, b, True)
        results.append((d, db, b))
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_glassnet_trains_without_the_c_kernels():
    code = (
        "import sys; sys.modules['glassnet.fast._ckernels'] = None\n"  # as if never built
        "import numpy as np, glassnet as gn\n"
        "from glassnet.fast import step as fastpath, numpy_kernels\n"
        "assert fastpath.kernels() is None\n"
        "X = np.random.default_rng(0).integers(0, 256, (64, 20), dtype=np.uint8)\n"
        "y = np.arange(64) % 4\n"
        "net = gn.Network([gn.Standardize(0, 255), gn.Dense(20, 8), gn.ReLU(), gn.Dense(8, 4)])\n"
        "t = gn.Trainer(net, X, y, optimizer=gn.Adam(0.01), epochs=2)\n"
        "assert t.step.k is numpy_kernels\n"
        "h = t.run()\n"
        "print(len(h.train_loss), np.isfinite(h.train_loss).all())\n"
    )
    env = {
        k: v for k, v in os.environ.items() if k not in (fastpath.KERNELS_ENV, fastpath.FAST_ENV)
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == ["2", "True"]
