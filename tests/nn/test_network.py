"""Network: the public contract, propagation, prediction, validation messages, dtypes."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ValidationError

X4 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y4 = np.array([0, 1, 1, 0])


def xor_net(**kwargs):
    return gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1), gn.Sigmoid()], **kwargs)


def test_public_contract_shapes_and_in_place_weights():
    net = xor_net(seed=0, dtype="float32")
    W, b = net.layers[0].W, net.layers[0].b
    assert W.shape == (3, 2) and b.shape == (3,)
    W[...] = 0
    b[...] = 1
    y_hat = net.forward(X4)
    assert y_hat.shape == (4, 1)
    np.testing.assert_allclose(net.layers[1].y, np.ones((4, 3)))  # ReLU(0·x + 1)
    loss = gn.losses.get("squared_error")
    value = loss.value(y_hat, Y4[:, None])
    assert isinstance(value, float)
    dX = net.backward(loss.grad(y_hat, Y4[:, None]))
    assert dX.shape == (4, 2)
    for layer in net.dense_layers:
        assert layer.dW.shape == layer.W.shape and layer.db.shape == layer.b.shape


def test_repr_reads_as_the_architecture_and_params_are_counted():
    net = xor_net(seed=0)
    assert repr(net) == "Network(Dense(2→3), ReLU(), Dense(3→1), Sigmoid())"
    assert net.n_params == 2 * 3 + 3 + 3 * 1 + 1


def test_forward_keeps_every_intermediate_for_inspection():
    net = xor_net(seed=0, dtype="float64")
    net.forward(X4)
    dense, relu = net.layers[0], net.layers[1]
    np.testing.assert_allclose(dense.y, X4 @ dense.W.T + dense.b)
    np.testing.assert_array_equal(relu.x, dense.y)
    np.testing.assert_allclose(relu.y, np.maximum(dense.y, 0))


def test_same_seed_same_weights_different_seed_different_weights():
    a, b, c = xor_net(seed=3), xor_net(seed=3), xor_net(seed=4)
    np.testing.assert_array_equal(a.layers[0].W, b.layers[0].W)
    assert not np.array_equal(a.layers[0].W, c.layers[0].W)


def test_library_leaves_global_random_state_alone():
    np.random.seed(99)  # noqa: NPY002 (the global state is what this test watches)
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    net = xor_net(seed=0)
    net.fit(X4, Y4, epochs=3, batch_size=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_preserved_through_forward_backward_and_optimizer(dtype):
    net = xor_net(seed=0, dtype=dtype)
    opt = gn.Adam(0.01)
    net.fit(X4.astype(np.float64), Y4, optimizer=opt, epochs=2, batch_size=2)
    assert net.forward(X4).dtype == dtype
    for layer in net.dense_layers:
        assert layer.W.dtype == dtype and layer.dW.dtype == dtype
    for slots in opt.state:
        assert all(v.dtype == dtype for v in slots.values())


def test_predict_gives_class_ids_and_probabilities():
    net = gn.Network([gn.Dense(2, 4), gn.Tanh(), gn.Dense(4, 3)], seed=0)
    X = np.random.default_rng(0).normal(size=(10, 2))
    net.fit(X, np.arange(10) % 3, loss="cross_entropy", epochs=1)
    proba = net.predict_proba(X)
    assert proba.shape == (10, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(net.predict(X), proba.argmax(axis=1))


def test_binary_predict_thresholds_the_sigmoid():
    net = xor_net(seed=0)
    p = net.predict_proba(X4)
    assert p.shape == (4, 2)
    np.testing.assert_array_equal(net.predict(X4), (p[:, 1] > 0.5).astype(int))


def test_regression_predict_returns_values():
    net = gn.Network([gn.Dense(1, 4), gn.Tanh(), gn.Dense(4, 1)], seed=0)
    X = np.linspace(-1, 1, 8)[:, None]
    net.fit(X, 2 * X[:, 0], loss="squared_error", epochs=2)
    assert net.task == "regression"
    assert net.predict(X).shape == (8, 1)
    with pytest.raises(ValidationError, match="predict_proba needs a classifier"):
        net.predict_proba(X)


def test_training_backward_skips_the_first_layers_input_gradient():
    net = xor_net(seed=0, dtype="float64")
    loss = gn.losses.get("binary_cross_entropy")
    calls = []
    original = net.layers[0].backward

    def spy(g, need_input_grad=True):
        calls.append(need_input_grad)
        return original(g, need_input_grad)

    net.layers[0].backward = spy
    net.loss_and_backward(loss, X4.astype(np.float64), Y4[:, None].astype(float))
    assert calls == [False]


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.zeros((32, 28, 28)), r"expected X with 2 features per sample.*got array of shape"),
        (np.zeros((5, 3)), r"expected X with 2 features per sample, i.e. shape \(N, 2\)"),
        (np.zeros(2), r"got a single sample of shape \(2,\); pass X\[None, :\]"),
        (np.array([[np.nan, 1.0]]), "non-finite values .first at row 0, column 0"),
        (np.array([["a", "b"]]), "must be numeric"),
    ],
)
def test_input_validation_messages(X, message):
    with pytest.raises(ValidationError, match=message):
        xor_net(seed=0).forward(X)


def test_network_validation_messages():
    with pytest.raises(ValidationError, match="takes 4 inputs but the layer before it gives 3"):
        gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(4, 1)])
    with pytest.raises(ValidationError, match="dtype must be one of float32, float64"):
        xor_net(dtype="float16")
    with pytest.raises(ValidationError, match="non-empty list of glassnet layers"):
        gn.Network([])
    net = xor_net(seed=0)
    net.forward(X4)
    with pytest.raises(ValidationError, match=r"gradient of shape \(4, 1\).*got \(4, 2\)"):
        net.backward(np.zeros((4, 2)))


def test_image_shaped_input_is_flattened():
    net = gn.Network([gn.Standardize(0, 255), gn.Dense(4, 2)], seed=0)
    images = np.zeros((3, 2, 2), dtype=np.uint8)
    assert net.forward(images).shape == (3, 2)


def test_public_names_survive_importing_every_submodule():
    import importlib
    import pkgutil

    import glassnet

    for module in pkgutil.walk_packages(glassnet.__path__, "glassnet."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    assert callable(gn.gradcheck) and callable(gn.fit) and isinstance(gn.History, type)
