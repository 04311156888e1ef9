"""Every fast path of the training step gives the numbers of the straightforward computation."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn.losses import get as get_loss


def mnist_like(n=96, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 20), dtype=np.uint8), rng.integers(0, 4, n)


def make_net(dtype="float32"):
    return gn.Network(
        [
            gn.Standardize(0, 255),
            gn.Dense(20, 16),
            gn.ReLU(),
            gn.Dense(16, 8),
            gn.ReLU(),
            gn.Dense(8, 4),
        ],
        seed=0,
        dtype=dtype,
    )


def straightforward_sgd(net, X, y, lr, batch_size, order):
    """Mini-batch SGD written out: fresh arrays, the loss gradient, θ ← θ − η ∂L/∂θ."""
    loss = get_loss("cross_entropy")
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        logits = net.forward(X[idx])  # training=False: no workspaces, no in-place ReLU
        net.backward(loss.grad(logits, y[idx]))
        for p, g in net.parameters():
            p -= p.dtype.type(lr) * g


@pytest.mark.parametrize("batch_size", [1, 7, 32, 96])
def test_fast_sgd_step_equals_the_straightforward_one(batch_size):
    X, y = mnist_like()
    fast, plain = make_net(), make_net()
    fast.fit(X, y, loss="cross_entropy", optimizer=gn.SGD(0.1), epochs=1, batch_size=batch_size)
    order = plain.rng.permutation(len(X))  # the order fit drew from the same generator state
    straightforward_sgd(plain, X, y, 0.1, batch_size, order)
    for (p_fast, _), (p_plain, _) in zip(fast.parameters(), plain.parameters(), strict=True):
        assert p_fast.dtype == np.float32
        np.testing.assert_allclose(p_fast, p_plain, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])  # the compiled and reference steps
@pytest.mark.parametrize(
    "optimizer", [lambda: gn.SGD(0.25), lambda: gn.SGD(0.1, momentum=0.9), lambda: gn.Adam(0.01)]
)
def test_a_callback_sees_the_plain_gradient_of_every_batch(dtype, optimizer):
    """No route folds η into the gradients a callback reads: dW is ∂L/∂W of the batch."""
    X, y = mnist_like(64)
    net = make_net(dtype)
    seen = []

    def record(event):
        if event["event"] == "batch":
            weights = [p.copy() for p, _ in event.network.parameters()]
            dense = event.network.dense_layers
            seen.append((weights, [d.dW.copy() for d in dense], [d.db.copy() for d in dense]))

    before = [p.copy() for p, _ in net.parameters()]
    net.fit(
        X,
        y,
        loss="cross_entropy",
        optimizer=optimizer(),
        epochs=1,
        batch_size=32,
        shuffle=False,
        callback=record,
    )
    assert len(seen) == 2
    for batch, (start, (_, dWs, dbs)) in enumerate(zip((0, 32), seen, strict=True)):
        check = make_net("float64")
        weights = before if batch == 0 else seen[0][0]
        for (p, _), w in zip(check.parameters(), weights, strict=True):
            p[...] = w
        rows = slice(start, start + 32)
        check.forward(X[rows])
        check.backward(get_loss("cross_entropy").grad(check.layers[-1].y, y[rows]))
        tolerance = 1e-12 if dtype == "float64" else 2e-4
        for layer, dW, db in zip(check.dense_layers, dWs, dbs, strict=True):
            np.testing.assert_allclose(dW, layer.dW, rtol=tolerance, atol=1e-7)
            np.testing.assert_allclose(db, layer.db, rtol=tolerance, atol=1e-7)


def test_prediction_after_training_returns_fresh_arrays():
    X, y = mnist_like()
    net = make_net()
    net.fit(X, y, epochs=1, batch_size=32)
    first = net.forward(X[:5])
    second = net.forward(X[5:10])
    assert not np.shares_memory(first, second)
    assert net.forward(X[:5]).dtype == np.float32
    np.testing.assert_array_equal(net.forward(X[:5]), first)


def test_relu_training_forward_matches_prediction_forward():
    X, _ = mnist_like(16)
    net = make_net()
    predicted = net.forward(X).copy()
    trained = net.forward_checked(net.check_input(X), training=True)
    np.testing.assert_array_equal(trained, predicted)


def test_after_fit_the_layers_hold_the_plain_gradient():
    X, y = mnist_like(32)
    net = make_net("float64")
    net.fit(
        X, y, loss="cross_entropy", optimizer=gn.SGD(0.25), epochs=1, batch_size=32, shuffle=False
    )
    trained = [g.copy() for _, g in net.parameters()]
    # recompute the last (only) batch's gradient at the weights it was taken at: undo the step
    for (p, _), g in zip(net.parameters(), trained, strict=True):
        p += 0.25 * g
    net.forward(X)
    net.backward(get_loss("cross_entropy").grad(net.layers[-1].y, y))
    for (_, g), seen in zip(net.parameters(), trained, strict=True):
        np.testing.assert_allclose(seen, g, rtol=1e-10, atol=1e-14)


def test_a_callback_that_reads_no_gradients_leaves_the_step_unwatched():
    """A progress bar (reads_gradients = False) lets the compiled step fuse its updates."""
    X, y = mnist_like(64)
    seen = []

    def progress(event):
        seen.append(event["event"])

    progress.reads_gradients = False
    trainer = gn.Trainer(make_net(), X, y, loss="cross_entropy", optimizer=gn.SGD(0.1),
                         epochs=1, batch_size=16, callback=progress)  # fmt: skip
    assert not trainer.watched
    trainer.callbacks.append(lambda event: None)  # may read gradients
    assert trainer.watched
    trainer.callbacks.pop()
    trainer.run()
    assert seen.count("batch") == 4
    step = trainer.step
    if hasattr(step, "watched"):  # the compiled step (fused where BLAS is reachable)
        assert not step.watched
