"""Prediction through glassnet.fast (`compiled_forward`) gives what `Network.forward` gives."""

import ctypes
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import glassnet as gn

_ckernels = pytest.importorskip("glassnet.fast._ckernels", reason="the C extension is not built")

from glassnet.fast import blas as _blas  # noqa: E402
from glassnet.fast import predict as fastpredict  # noqa: E402
from glassnet.fast import step as fastpath  # noqa: E402
from glassnet.nn import network  # noqa: E402

pytestmark = pytest.mark.skipif(_blas.sgemm() is None, reason="NumPy's sgemm is out of reach")
RNG = np.random.default_rng(2)


def net(hidden_act=gn.ReLU, tail=(), k=5, standardize=True):
    layers = [gn.Standardize(0, 255)] if standardize else []
    layers += [gn.Dense(30, 40), hidden_act(), gn.Dense(40, 24), hidden_act(), gn.Dense(24, k)]
    return gn.Network(layers + [t() for t in tail], seed=1)


@pytest.mark.parametrize(
    ("make", "rows"),
    [
        (lambda: net(), 300),
        (lambda: net(gn.Tanh, (gn.Softmax,)), 64),
        (lambda: net(gn.Sigmoid, (gn.Sigmoid,), k=1), 33),
        (lambda: net(lambda: gn.LeakyReLU(0.2), (gn.Identity,)), 2500),  # three C calls
    ],
)
@pytest.mark.parametrize("policy", ["on", "off"])
def test_the_compiled_forward_pass_is_the_layer_by_layer_one(make, rows, policy, monkeypatch):
    monkeypatch.setenv(fastpath.TEAM_ENV, policy)
    network_ = make()
    X = RNG.integers(0, 256, (rows, 30)).astype(np.uint8)
    out = fastpredict.compiled_forward(network_, X)
    assert out is not None and out.shape == (rows, network_.n_out)
    np.testing.assert_allclose(out, network_.forward(X), rtol=1e-5, atol=1e-6)


def test_predict_takes_the_compiled_forward_pass_and_gives_the_same_labels(monkeypatch):
    network_ = net()
    X = RNG.integers(0, 256, (500, 30)).astype(np.uint8)
    network_.fit(X, RNG.integers(0, 5, 500), loss="cross_entropy", epochs=1)  # a classifier
    calls = []
    original = fastpredict._run  # the C pass, once compiled_forward has its plan

    def spy(k, bound, a):
        calls.append(len(a))
        return original(k, bound, a)

    monkeypatch.setattr(fastpredict, "_run", spy)
    labels = network_.predict(X)
    assert calls == [500]
    assert np.array_equal(labels, np.argmax(network_.forward(X), axis=1))
    assert network.PREDICTION_FORWARDS  # glassnet.fast offered its forward pass


@pytest.mark.parametrize("rows", [1, 33, 2500])
@pytest.mark.parametrize("policy", ["on", "off"])
def test_a_float64_network_predicts_in_c_to_float64_precision(rows, policy, monkeypatch):
    monkeypatch.setenv(fastpath.TEAM_ENV, policy)
    network_ = net(gn.Tanh, (gn.Softmax,)).copy(dtype="float64")
    X = RNG.integers(0, 256, (rows, 30)).astype(np.uint8)
    out = fastpredict.compiled_forward(network_, X)
    assert out is not None and out.dtype == np.float64
    np.testing.assert_allclose(out, network_.forward(X), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "case", ["Fortran order", "dropout", "read-only weights", "float input unstandardized"]
)
def test_what_the_compiled_forward_pass_leaves_to_numpy(case):
    network_, X = net(), RNG.integers(0, 256, (50, 30)).astype(np.uint8)
    if case == "read-only weights":  # as in a model unpickled from a memory map
        network_ = net().copy(dtype="float64")
        network_.dense_layers[0].W.flags.writeable = False
    elif case == "Fortran order":
        X = np.asfortranarray(X)
    elif case == "dropout":
        network_ = gn.Network([gn.Dense(30, 8), gn.Dropout(0.5), gn.ReLU(), gn.Dense(8, 2)])
    else:  # this one the C pass does take
        network_, X = net(standardize=False), RNG.standard_normal((50, 30)).astype(np.float32)
        np.testing.assert_allclose(
            fastpredict.compiled_forward(network_, X), network_.forward(X), rtol=1e-5, atol=1e-6
        )
        return
    assert fastpredict.compiled_forward(network_, X) is None
    network_.predict(X)  # and predict still answers, layer by layer


@pytest.mark.parametrize("rows", [1, 2, 3, 7, 8, 9, 1024, 1025])
def test_a_few_rows_and_chunks_take_the_compiled_pass_and_agree(rows):
    # One sample is the latency case: a plan kept from the last call, and sgemv.
    network_ = net(tail=(gn.Softmax,))
    X = RNG.integers(0, 256, (rows, 30)).astype(np.uint8)
    out = fastpredict.compiled_forward(network_, X)
    assert out is not None and out.shape == (rows, 5)
    np.testing.assert_allclose(out, network_.forward(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_every_input_type_gives_the_layer_by_layer_numbers(dtype):
    network_ = net()
    X = RNG.integers(0, 256, (40, 30)).astype(dtype)
    np.testing.assert_allclose(
        fastpredict.compiled_forward(network_, X), network_.forward(X), rtol=1e-5, atol=1e-6
    )


def ours(rows, policy, monkeypatch, cores_=None):
    monkeypatch.setenv(fastpath.TEAM_ENV, policy)
    if cores_ is not None:
        monkeypatch.setattr(fastpredict.cores, "usable_cores", lambda: cores_)
    X = np.random.default_rng(5).integers(0, 256, (rows, 30)).astype(np.uint8)
    return fastpredict.compiled_forward(net(), X)


@pytest.mark.parametrize("rows", [1, 5, 8, 300, 2500])
def test_the_team_and_one_thread_give_the_same_bits(rows, monkeypatch):
    # Each thread of the team takes its own rows; one thread runs the same shares in turn.
    before = _ckernels.team_steps()
    on = ours(rows, "on", monkeypatch)
    if _ckernels.team_state()["threads"] > 1:
        assert _ckernels.team_steps() > before
    off = ours(rows, "off", monkeypatch)
    assert _ckernels.team_state()["threads"] == 1
    assert np.array_equal(on, off)
    assert np.array_equal(ours(rows, "auto", monkeypatch), off)


@pytest.mark.skipif(_blas.threads() is None, reason="no OpenBLAS thread control")
def test_a_team_of_four_predicts_what_one_thread_does(monkeypatch):
    get, set_ = _ckernels_threads()
    count = get()
    set_(4)
    try:
        four = ours(301, "on", monkeypatch, cores_=4)
        threads = _ckernels.team_state()["threads"]
        one = ours(301, "off", monkeypatch)
    finally:
        set_(count)
    assert threads == 4 and get() == count
    assert np.array_equal(four, one)


def _ckernels_threads():
    get, set_ = _blas.threads()
    return ctypes.CFUNCTYPE(ctypes.c_int)(get), ctypes.CFUNCTYPE(None, ctypes.c_int)(set_)


def test_a_kept_plan_follows_the_network_and_returns_fresh_arrays():
    network_ = net()
    X = RNG.integers(0, 256, (64, 30)).astype(np.uint8)
    first = fastpredict.compiled_forward(network_, X)
    kept = first.copy()
    second = fastpredict.compiled_forward(network_, X[::-1].copy())
    assert np.array_equal(first, kept)  # the first answer is the caller's, untouched
    np.testing.assert_allclose(second, network_.forward(X[::-1]), rtol=1e-5, atol=1e-6)
    dense = network_.dense_layers[0]
    dense.W[...] *= 2  # changed in place: the kept plan reads it
    np.testing.assert_allclose(
        fastpredict.compiled_forward(network_, X), network_.forward(X), rtol=1e-5, atol=1e-6
    )
    dense.W = dense.W * 0.5  # replaced: a new plan binds the new array
    network_.layers[0].mean = np.float32(10.0)  # and Standardize is read on every call
    np.testing.assert_allclose(
        fastpredict.compiled_forward(network_, X), network_.forward(X), rtol=1e-5, atol=1e-6
    )
    network_.layers[2] = gn.Tanh()  # another activation: another plan
    np.testing.assert_allclose(
        fastpredict.compiled_forward(network_, X), network_.forward(X), rtol=1e-5, atol=1e-6
    )


def test_threads_predicting_at_once_each_get_their_own_answer():
    network_ = net()
    inputs = [RNG.integers(0, 256, (rows, 30)).astype(np.uint8) for rows in (1, 40, 64, 900)]
    expected = [network_.forward(X) for X in inputs]

    def predict_many(i):
        return [fastpredict.compiled_forward(network_, inputs[i % 4]) for _ in range(30)]

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(predict_many, range(8)))
    for i, outs in enumerate(answers):
        for out in outs:
            np.testing.assert_allclose(out, expected[i % 4], rtol=1e-5, atol=1e-6)


def test_a_network_keeps_the_plans_of_its_last_two_row_counts():
    network_ = net()
    for rows in (1, 64, 1000, 1):
        X = RNG.integers(0, 256, (rows, 30)).astype(np.uint8)
        np.testing.assert_allclose(
            fastpredict.compiled_forward(network_, X), network_.forward(X), rtol=1e-5, atol=1e-6
        )
    assert sorted(fastpredict._PLANS[network_]) == [1, 1024]  # row counts rounded up
