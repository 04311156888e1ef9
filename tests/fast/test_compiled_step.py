"""The compiled training step (glassnet.fast) gives the numbers of the reference step.

Every test here needs the C extension; without a C compiler glassnet installs without it and
these tests skip (tests/fast/test_build.py checks it is built wherever a compiler is)."""

import ctypes
import re
import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn

_ckernels = pytest.importorskip("glassnet.fast._ckernels", reason="the C extension is not built")

from glassnet import cores  # noqa: E402
from glassnet.fast import blas as _blas  # noqa: E402
from glassnet.fast import step as fastpath  # noqa: E402
from glassnet.fast.step import CompiledStep  # noqa: E402


@pytest.fixture
def layer_by_layer(monkeypatch):
    """use(False): GLASSNET_FAST=0, training takes the reference step."""

    def use(enabled: bool) -> None:
        monkeypatch.setenv(fastpath.FAST_ENV, "1" if enabled else "0")

    yield use
    monkeypatch.delenv(fastpath.FAST_ENV, raising=False)


def data(n=100, n_in=20, k=4, seed=0, dtype=np.uint8):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, n_in)).astype(dtype)
    return X, rng.integers(0, k, n)


def make_net(standardize=True, softmax=False, hidden=(16, 8), dtype="float32", n_in=20, k=4):
    layers = [gn.Standardize(0, 255)] if standardize else []
    sizes = (n_in, *hidden)
    for a, b in zip(sizes, sizes[1:], strict=False):
        layers += [gn.Dense(a, b), gn.ReLU()]
    layers.append(gn.Dense(sizes[-1], k))
    if softmax:
        layers.append(gn.Softmax())
    return gn.Network(layers, seed=0, dtype=dtype)


def train_both(use, net_kwargs, X, y, **fit):
    """(trainer, history) for the compiled path and for the layer-by-layer one."""
    runs = []
    for enabled in (True, False):
        use(enabled)
        net = make_net(**net_kwargs)
        trainer = gn.Trainer(net, X, y, loss="cross_entropy", **fit)
        runs.append((trainer, trainer.run()))
    assert compiled(runs[0][0]) is not None and compiled(runs[1][0]) is None
    return runs


def compiled(trainer) -> CompiledStep | None:
    """The trainer's compiled step, or None when it takes the reference step."""
    return trainer.step if isinstance(trainer.step, CompiledStep) else None


def assert_same_training(runs, rtol=2e-5, atol=2e-6):
    (fast, h_fast), (plain, h_plain) = runs
    for (p, g), (q, h) in zip(fast.net.parameters(), plain.net.parameters(), strict=True):
        assert p.dtype == q.dtype == np.float32 and g.dtype == np.float32
        np.testing.assert_allclose(p, q, rtol=rtol, atol=atol)
        np.testing.assert_allclose(g, h, rtol=1e-4, atol=1e-6)  # the last batch's gradient
    np.testing.assert_allclose(h_fast.train_loss, h_plain.train_loss, rtol=1e-5)
    assert h_fast.train_accuracy == h_plain.train_accuracy
    assert fast.optimizer.t == plain.optimizer.t


@pytest.fixture(params=["team of two", "one thread"])
def threads(request, monkeypatch):
    """Both ways a C step runs: on the team of two threads (where OpenBLAS runs two, as on the
    machines here; GLASSNET_TEAM=on, so that the step does not time itself against one thread),
    and on the calling thread alone (a plan without OpenBLAS's thread control)."""
    if request.param == "one thread":
        monkeypatch.setattr(_blas, "threads", lambda: None)
    elif _blas_threads() != 2 or cores.usable_cores() < 2:
        pytest.skip("the team needs OpenBLAS running two threads on two usable cores")
    else:
        monkeypatch.setenv(fastpath.TEAM_ENV, "on")
    return request.param


BLAS_THREAD_FUNCTIONS = _blas.threads()  # before any test hides them


def _blas_threads() -> int:
    """OpenBLAS's thread count, through the function the C step uses."""
    get, _ = BLAS_THREAD_FUNCTIONS
    return ctypes.CFUNCTYPE(ctypes.c_int)(get)()


@pytest.mark.parametrize("batch_size", [1, 7, 32, 100])
def test_fused_sgd_equals_the_layer_by_layer_step(layer_by_layer, threads, batch_size):
    X, y = data()
    before = _ckernels.team_steps()
    runs = train_both(
        layer_by_layer, {}, X, y, optimizer=gn.SGD(0.1), epochs=2, batch_size=batch_size
    )
    ran_on_team = _ckernels.team_steps() - before
    assert ran_on_team == (2 * -(-100 // batch_size) if threads == "team of two" else 0)
    assert compiled(runs[0][0]).plan is not None  # the whole step ran in C
    assert compiled(runs[0][0]).fusable  # with the update inside the GEMM
    assert_same_training(runs)


@pytest.mark.parametrize(
    "net_kwargs",
    [
        {"standardize": False},  # float features, no Standardize layer
        {"softmax": True},  # a final Softmax layer fused with the cost
        {"hidden": ()},  # softmax regression: one Dense layer
        {"hidden": (12, 10, 6)},
    ],
)
def test_network_shapes_the_compiled_step_covers(layer_by_layer, threads, net_kwargs):
    X, y = data(dtype=np.float32 if net_kwargs.get("standardize") is False else np.uint8)
    if net_kwargs.get("standardize") is False:
        X /= 255
    runs = train_both(
        layer_by_layer, net_kwargs, X, y, optimizer=gn.SGD(0.1), epochs=2, batch_size=16
    )
    assert_same_training(runs)


def test_unfused_sgd_with_a_callback_fills_every_gradient(layer_by_layer, threads):
    X, y = data()
    seen = []

    def record(event):
        if event["event"] == "batch":
            seen.append(event["trainer"].net.layers[1].dW.copy())

    runs = []
    for enabled in (True, False):
        seen.clear()
        layer_by_layer(enabled)
        net = make_net()
        trainer = gn.Trainer(
            net,
            X,
            y,
            loss="cross_entropy",
            optimizer=gn.SGD(0.2),
            epochs=1,
            batch_size=25,
            callback=record,
        )
        runs.append((trainer, trainer.run(), list(seen)))
    fast, plain = runs
    assert compiled(fast[0]) is not None and not compiled(fast[0]).fusable  # not fused
    assert len(fast[2]) == len(plain[2]) == 4
    for a, b in zip(fast[2], plain[2], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-7)
    assert_same_training([fast[:2], plain[:2]])


@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: gn.SGD(0.05, momentum=0.9),
        lambda: gn.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    ],
)
def test_sgd_with_state_runs_the_optimizer_after_the_compiled_pass(layer_by_layer, optimizer):
    X, y = data()
    runs = train_both(layer_by_layer, {}, X, y, optimizer=optimizer(), epochs=2, batch_size=20)
    assert_same_training(runs)


@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: gn.Adam(0.01),
        lambda: gn.Adam(0.01, weight_decay=1e-2),
        lambda: gn.AdamW(0.01, weight_decay=0.1),
    ],
)
@pytest.mark.parametrize("shape", [(1,), (37, 29), (64, 64)])  # odd sizes: vector loop tails
def test_adam_kernel_equals_numpy_adam(optimizer, shape):
    rng = np.random.default_rng(1)
    p0 = rng.standard_normal(shape).astype(np.float32)
    grads = [rng.standard_normal(shape).astype(np.float32) * 10.0**-e for e in (0, 3, 6)]
    k = fastpath.kernels()
    results = []
    for in_c in (True, False):
        p, g = p0.copy(), np.empty_like(p0)
        opt = optimizer()
        opt.bind([(p, g)])
        m, v = opt.state[0]["m"], opt.state[0]["v"]
        for grad in grads:
            g[...] = grad
            if in_c:  # the kernel the compiled step applies, with the numbers it hands over
                k.adam(
                    p.reshape(-1),
                    g.reshape(-1),
                    m.reshape(-1),
                    v.reshape(-1),
                    *fastpath.adam_numbers(opt, opt.t + 1),
                )
                opt.count_step()
            else:
                opt.step()
        results.append((p, m, v))
    for fast, plain in zip(*results, strict=True):
        assert fast.dtype == np.float32
        np.testing.assert_allclose(fast, plain, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: gn.Adam(0.003),
        lambda: gn.Adam(0.003, weight_decay=1e-2),
        lambda: gn.AdamW(0.003, weight_decay=0.1),
    ],
)
def test_adam_training_agrees_over_a_few_steps(layer_by_layer, threads, optimizer):
    # Adam divides by √v: over many steps float32 rounding of tiny gradients grows into
    # visible differences on either path, so the two are compared over a few steps.
    X, y = data(n=64)
    runs = train_both(layer_by_layer, {}, X, y, optimizer=optimizer(), epochs=1, batch_size=16)
    assert compiled(runs[0][0]).adam and compiled(runs[0][0]).plan is not None  # Adam ran in C
    assert_same_training(runs, rtol=1e-4, atol=1e-5)
    for fast, plain in zip(runs[0][0].optimizer.state, runs[1][0].optimizer.state, strict=True):
        np.testing.assert_allclose(fast["m"], plain["m"], rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(fast["v"], plain["v"], rtol=1e-4, atol=1e-9)


def test_a_step_takes_adams_numbers_only_for_a_plan_with_its_moments():
    k = fastpath.kernels()
    plan = k.make_plan(*plan_args())  # no moments bound
    with pytest.raises(ValueError, match="Adam's 9 numbers"):
        k.step(plan, np.arange(2, dtype=np.int64), 0.5, False, (0.9,) * 9)


# tanh networks and mse were outside the compiled step until issue 16 brought them in
# (tests/fast/test_every_network.py), float64 too (tests/fast/test_float64.py) where NumPy's
# dgemm can be reached; a cross-entropy on a sigmoid and a squared error on a softmax are still
# outside.
@pytest.mark.parametrize(
    "case",
    ["float64 without dgemm", "sigmoid cross-entropy", "softmax mse", "dropout",
     "weights as a view"],
)  # fmt: skip
def test_networks_outside_the_compiled_step_take_the_layer_by_layer_path(case, monkeypatch):
    X, y = data()
    loss = "cross_entropy"
    if case == "float64 without dgemm":
        monkeypatch.setattr(_blas, "dgemm", lambda: None)
        net = make_net(dtype="float64")
    elif case == "sigmoid cross-entropy":
        net = gn.Network([gn.Standardize(0, 255), gn.Dense(20, 8), gn.Tanh(), gn.Dense(8, 4),
                          gn.Sigmoid()])  # fmt: skip
    elif case == "softmax mse":
        net, loss = make_net(softmax=True), "mse"
    elif case == "weights as a view":
        net = make_net()
        net.dense_layers[0].W = np.ascontiguousarray(net.dense_layers[0].W.T).T
    else:
        net = gn.Network(
            [gn.Standardize(0, 255), gn.Dense(20, 8), gn.ReLU(), gn.Dropout(0.2), gn.Dense(8, 4)]
        )
    trainer = gn.Trainer(net, X, y, loss=loss, optimizer=gn.SGD(0.1), epochs=1)
    assert fastpath.kernels() is not None
    assert compiled(trainer) is None
    trainer.run()


def test_gradients_left_by_a_fused_run_are_those_of_the_last_batch(layer_by_layer, threads):
    X, y = data(n=50)
    (fast, _), (plain, _) = train_both(
        layer_by_layer, {}, X, y, optimizer=gn.SGD(0.1), epochs=3, batch_size=16
    )
    for a, b in zip(fast.net.dense_layers, plain.net.dense_layers, strict=True):
        np.testing.assert_allclose(a.dW, b.dW, rtol=1e-4, atol=1e-7)  # ∂L/∂W, unscaled
        assert np.any(a.dW != 0)


def test_divergence_is_reported_before_the_update(layer_by_layer, threads):
    layer_by_layer(True)
    X, y = data()
    net = make_net()
    net.dense_layers[-1].W[...] = 1e38  # the logits overflow: the cost is not finite
    before = [p.copy() for p, _ in net.parameters()]
    with pytest.raises(gn.DivergenceError, match="Lower the learning rate"):
        net.fit(X, y, loss="cross_entropy", optimizer=gn.SGD(0.1), epochs=1)
    for (p, _), b in zip(net.parameters(), before, strict=True):
        np.testing.assert_array_equal(p, b)


def test_numpys_own_sgemm_is_found_and_checked():
    found = _blas.sgemm()
    assert found is not None, "NumPy's OpenBLAS should be reachable from its wheel"
    address, int64 = found
    assert address > 0 and isinstance(int64, bool)
    fn, _ = _blas._bind()
    assert _blas._self_test(fn)


@pytest.mark.parametrize("batch_size", [1, 16, 100])
@pytest.mark.parametrize("optimizer", [lambda: gn.SGD(0.1), lambda: gn.Adam(0.003)])
def test_step_from_python_without_numpys_blas_equals_the_layer_by_layer_step(
    layer_by_layer, monkeypatch, batch_size, optimizer
):
    # Where NumPy's OpenBLAS cannot be reached the kernels run between np.matmul calls.
    monkeypatch.setattr(_blas, "sgemm", lambda: None)
    X, y = data(n=64)
    runs = train_both(
        layer_by_layer, {}, X, y, optimizer=optimizer(), epochs=2, batch_size=batch_size
    )
    assert compiled(runs[0][0]).plan is None and not compiled(runs[0][0]).fusable
    assert_same_training(runs, rtol=1e-4, atol=1e-5)


def test_a_replaced_weight_array_is_bound_again(layer_by_layer):
    layer_by_layer(True)
    X, y = data()
    trainer = gn.Trainer(make_net(), X, y, loss="cross_entropy", optimizer=gn.SGD(0.1))
    fast, dense = compiled(trainer), trainer.net.dense_layers[0]
    old_plan, idx = fast.plan, np.arange(10, dtype=np.int64)
    dense.W = dense.W.copy()
    fast(idx)
    assert fast.plan is not old_plan
    dense.W = np.asfortranarray(dense.W)
    with pytest.raises(gn.ValidationError, match="C-contiguous float32"):
        fast(idx)


def plan_args(n=6, d=5, hidden=4, k=3):
    f4, rng = np.float32, np.random.default_rng(0)
    X = rng.integers(0, 256, (n, d), dtype=np.uint8)
    labels = np.arange(n, dtype=np.int64) % k
    layers = [
        (
            np.ones((hidden, d), f4),
            np.zeros(hidden, f4),
            np.zeros((hidden, d), f4),
            np.zeros(hidden, f4),
            np.zeros((4, hidden), f4),
            None,
        ),
        (
            np.ones((k, hidden), f4),
            np.zeros(k, f4),
            np.zeros((k, hidden), f4),
            np.zeros(k, f4),
            np.zeros((4, k), f4),
            np.zeros((4, hidden), f4),
        ),
    ]
    return [
        *_blas.sgemm(),
        X,
        labels,
        np.zeros(d, f4),
        np.ones(d, f4),
        np.zeros((4, d), f4),
        layers,
        _blas.threads(),
    ]


def replaced(args, where, value):
    """plan_args with args[where] (or args[7][layer][item] for where = (layer, item)) replaced."""
    args = list(args)
    if isinstance(where, tuple):
        layers = [list(t) for t in args[7]]
        layers[where[0]][where[1]] = value
        args[7] = [tuple(t) for t in layers]
    else:
        args[where] = value
    return args


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda a: replaced(a, 0, 0), ValueError, "address of cblas_sgemm"),
        (lambda a: replaced(a, 3, a[3][:5]), ValueError, "labels has 5 entries where 6"),
        (lambda a: replaced(a, 3, a[3] + 1), ValueError, "label 3 is not a class of a 3-class"),
        (lambda a: replaced(a, 2, a[2].astype(np.int16)), TypeError, "uint8, float32 or float64"),
        (lambda a: replaced(a, 6, a[6][:, :4].copy()), ValueError, "x has 4 columns where 5"),
        (lambda a: replaced(a, 7, []), ValueError, "1 to 10000 layers"),
        (lambda a: replaced(a, 7, [a[7][0][:5]]), TypeError, "(W, b, dW, db, z, dx) tuple"),
        (lambda a: replaced(a, (0, 5), a[7][1][5]), ValueError, "None for the first layer only"),
        (
            lambda a: replaced(a, (1, 0), np.ones((3, 5), np.float32)),
            ValueError,
            "W has 5 columns where 4",
        ),
        (lambda a: replaced(a, (1, 3), np.zeros(2, np.float32)), ValueError, "db has 2 entries"),
        (
            lambda a: replaced(a, (1, 4), np.zeros((3, 3), np.float32)),
            ValueError,
            "z has 3 entries",
        ),
        (
            lambda a: replaced(a, (0, 0), np.ones((4, 5))),
            TypeError,
            "W must be an array of float32",
        ),
    ],
)
def test_a_plan_refuses_wrong_arrays(change, error, message):
    k = fastpath.kernels()
    k.make_plan(*plan_args())  # the unchanged arguments make a plan
    with pytest.raises(error, match=re.escape(message)):
        k.make_plan(*change(plan_args()))


@pytest.mark.parametrize(
    ("idx", "error", "message"),
    [
        (np.arange(5, dtype=np.int64), ValueError, "1 to 4 samples, not 5"),
        (np.zeros(0, dtype=np.int64), ValueError, "1 to 4 samples, not 0"),
        (np.array([0, 6], dtype=np.int64), IndexError, "sample index 6 is out of range for 6"),
        (np.array([0, 1], dtype=np.int32), TypeError, "idx must be an array of int64"),
    ],
)
def test_a_step_refuses_wrong_samples(idx, error, message):
    k = fastpath.kernels()
    plan = k.make_plan(*plan_args())
    with pytest.raises(error, match=message):
        k.step(plan, idx, 0.1, True, None)
    with pytest.raises(TypeError, match="plan must be a plan made by make_plan"):
        k.step(object(), np.arange(2, dtype=np.int64), 0.1, True, None)


def kernel_arrays(n=4, k=3):
    f4 = np.float32
    return dict(
        Z=np.ones((n, k), f4),
        b=np.ones(k, f4),
        labels=np.zeros(n, np.int64),
        idx=np.arange(n, dtype=np.int64),
        db=np.zeros(k, f4),
    )


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda k, a: k.bias_relu(a["Z"].astype(np.float64), a["b"]), TypeError, "Z must be"),
        (lambda k, a: k.bias_relu(a["Z"].T, a["b"]), TypeError, "C-contiguous"),
        (lambda k, a: k.bias_relu(a["Z"], a["b"][:2]), ValueError, "b has 2 entries"),
        (lambda k, a: k.bias_add(a["Z"][0], a["b"]), ValueError, "2 dimensions"),
        (lambda k, a: k.bias_add(a["Z"], a["b"], a["b"]), TypeError, "takes 2 arguments"),
        (
            lambda k, a: k.softmax_xent(a["Z"], a["labels"] + 3, a["idx"], 1.0, a["db"]),
            ValueError,
            "label 3 is not a class",
        ),
        (
            lambda k, a: k.softmax_xent(a["Z"], a["labels"], a["idx"] + 1, 1.0, a["db"]),
            IndexError,
            "sample index 4 is out of range",
        ),
        (
            lambda k, a: k.softmax_xent(
                a["Z"], a["labels"].astype(np.int32), a["idx"], 1.0, a["db"]
            ),
            TypeError,
            "labels must be an array of int64",
        ),
        (
            lambda k, a: k.gather(a["Z"].astype(np.int16), a["idx"], a["b"], a["b"], a["Z"]),
            TypeError,
            "uint8, float32 or float64",
        ),
        (
            lambda k, a: k.gather(a["Z"], a["idx"] - 1, a["b"], a["b"], a["Z"]),
            IndexError,
            "sample index -1",
        ),
        (
            lambda k, a: k.relu_backward(
                a["Z"], a["Z"], a["db"], np.ones(3, np.float32)[::2], True
            ),
            TypeError,
            "b must be",
        ),
        (
            lambda k, a: k.relu_backward(a["Z"], a["Z"][:, :2].copy(), a["db"], a["b"], True),
            ValueError,
            "H has 2 columns where 3 are needed",
        ),
        (
            lambda k, a: k.gather(a["Z"], a["idx"], a["b"], a["b"], np.ones((4, 2), np.float32)),
            ValueError,
            "out has 2 columns where 3 are needed",
        ),
    ],
)
def test_c_kernels_refuse_wrong_arrays(call, error, message):
    with pytest.raises(error, match=message):
        call(fastpath.kernels(), kernel_arrays())


def test_c_kernels_refuse_to_write_a_read_only_array():
    a = kernel_arrays()
    a["Z"].setflags(write=False)
    with pytest.raises(TypeError, match="writable"):
        fastpath.kernels().bias_relu(a["Z"], a["b"])


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_gather_kernel_is_numpys_indexing_and_standardising(dtype):
    rng = np.random.default_rng(5)
    X = (rng.random((50, 37)) * 255).astype(dtype)  # odd width: vector loop tails
    idx = rng.integers(0, 50, 23)  # more rows than the kernel prefetches ahead
    mean = rng.standard_normal(37).astype(np.float32)
    scale = rng.random(37).astype(np.float32)
    out = np.empty((23, 37), np.float32)
    fastpath.kernels().gather(X, idx, mean, scale, out)
    np.testing.assert_array_equal(out, (X[idx].astype(np.float32) - mean) * scale)


def test_softmax_kernel_is_the_float64_softmax_to_float32_rounding():
    # The kernel's own vectorised exp: checked over logits far apart (e^-80 and below)
    rng = np.random.default_rng(6)
    Z0 = (rng.standard_normal((300, 11)) * np.array([1, 5, 30] * 100)[:, None]).astype(np.float32)
    Z0[0, :] = [-200, 0, 0.5, 80, -1e-3, 3, -87, -88, 10, 1e-6, 0]
    labels = rng.integers(0, 11, 300)
    idx = rng.permutation(300)
    Z, db = Z0[idx].copy(), np.zeros(11, np.float32)
    cost, correct = fastpath.kernels().softmax_xent(Z, labels, idx, np.float32(0.5), db)
    z = Z0[idx].astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    y = labels[idx]
    rows = np.arange(300)
    expected_cost = -np.log(p[rows, y]).sum()
    p[rows, y] -= 1
    np.testing.assert_allclose(Z, 0.5 * p, rtol=2e-6, atol=2e-7)
    np.testing.assert_allclose(db, (0.5 * p).sum(axis=0), rtol=1e-5, atol=1e-6)
    assert cost == pytest.approx(expected_cost, rel=1e-6)
    assert correct == np.sum(np.argmax(Z0[idx], axis=1) == y)


def test_softmax_kernel_turns_a_nan_logit_into_a_nan_cost():
    Z = np.array([[0.0, np.nan, 1.0], [1.0, 2.0, 3.0]], np.float32)
    idx, labels = np.arange(2, dtype=np.int64), np.array([0, 1])
    cost, _ = fastpath.kernels().softmax_xent(Z, labels, idx, 1.0, np.zeros(3, np.float32))
    assert np.isnan(cost)


def test_a_team_step_leaves_openblas_with_its_thread_count(layer_by_layer, threads):
    layer_by_layer(True)
    X, y = data()
    count = _blas_threads()
    make_net().fit(X, y, loss="cross_entropy", optimizer=gn.SGD(0.1), epochs=1, batch_size=10)
    assert _blas_threads() == count


def test_forked_children_train_on_teams_of_their_own():
    # The helper thread does not survive fork(), and may leave the team's lock or condition
    # variable mid-use: a child that trains must start afresh. Forks come 0-5 ms after the
    # parent's last step, around the moment its helper goes to sleep (2 ms).
    code = (
        "import os, time, numpy as np, glassnet as gn\n"
        "from glassnet.fast import step as fastpath\n"
        "X = np.random.default_rng(0).integers(0, 256, (64, 20), dtype=np.uint8)\n"
        "y = np.arange(64) % 4\n"
        "def fit():\n"
        "    net = gn.Network([gn.Standardize(0, 255), gn.Dense(20, 8), gn.ReLU(),\n"
        "                      gn.Dense(8, 4)], seed=0)\n"
        "    net.fit(X, y, loss='cross_entropy', optimizer=gn.SGD(0.1), epochs=1,\n"
        "            batch_size=16)\n"
        "    return float(net.dense_layers[0].W.sum())\n"
        "expected, outcomes = fit(), []\n"
        "for i in range(40):\n"
        "    fit()\n"
        "    time.sleep(i % 20 * 2.5e-4)\n"
        "    before = fastpath.kernels().team_steps()\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        same = fit() == expected\n"
        "        os._exit(0 if same and fastpath.kernels().team_steps() > before else 3)\n"
        "    deadline, status = time.time() + 10, None\n"
        "    while status is None and time.time() < deadline:\n"
        "        done, code = os.waitpid(pid, os.WNOHANG)\n"
        "        status = code if done else time.sleep(0.001)\n"
        "    if status is None:\n"
        "        os.kill(pid, 9)\n"
        "        os.waitpid(pid, 0)\n"
        "    outcomes.append('hung' if status is None else 'ok' if status == 0 else 'wrong')\n"
        "print(*sorted(set(outcomes)), fastpath.kernels().team_steps() > 0)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.split() == ["ok", "True"]


@pytest.mark.parametrize(
    "optimizer", [lambda: gn.Adam(0.01), lambda: gn.SGD(0.05, momentum=0.9, nesterov=True)]
)
def test_the_update_flushes_subnormal_state_and_leaves_the_flags_alone(layer_by_layer, optimizer):
    # Optimizer state decaying below the smallest normal float would put every later step on
    # the CPU's slow path for subnormals: the compiled update flushes it to zero, and the
    # weights come out as NumPy's optimizer makes them.
    tiny = np.finfo(np.float32).smallest_normal
    X, y = data(n=32)
    X[:, 0] = 0  # the first input is always 0: its weights' gradients are exactly zero
    runs = []
    for enabled in (True, False):
        layer_by_layer(enabled)
        trainer = gn.Trainer(make_net(), X, y, loss="cross_entropy", optimizer=optimizer(),
                             epochs=1, batch_size=32)  # fmt: skip
        for state in trainer.optimizer.state:
            for a in state.values():
                if isinstance(a, np.ndarray):
                    a[...] = tiny / 4  # subnormal
        runs.append((trainer, trainer.run()))
    assert compiled(runs[0][0]) is not None and compiled(runs[1][0]) is None
    assert_same_training(runs)
    (W_fast, _), (W_plain, _) = (trainer.net.parameters()[0] for trainer, _ in runs)
    np.testing.assert_array_equal(W_fast[:, 0], W_plain[:, 0])  # flushing moved no weight
    fast, plain = (trainer.optimizer.state[0] for trainer, _ in runs)  # the first layer's W
    for name, a in fast.items():
        if isinstance(a, np.ndarray):
            assert not np.any((a != 0) & (np.abs(a) < tiny)), f"{name} still holds subnormals"
            assert np.all(a[:, 0] == 0) and np.all(plain[name][:, 0] != 0)  # NumPy keeps them
    assert np.float32(tiny) / np.float32(4) != 0  # this thread's flags are back
