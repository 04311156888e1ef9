"""glassnet ⇄ PyTorch against the real torch (CPU): same outputs, same weights, same steps."""

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.errors import ValidationError
from interop_helpers import TOLERANCE, classifier, inputs, run_without_glassnet, same_weights


def run_torch(module, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


def test_to_torch_reproduces_forward_on_raw_input(any_net):
    module = gn.to_torch(any_net)
    assert isinstance(module, torch.nn.Sequential) and not module.training
    X = inputs(any_net)
    assert np.abs(run_torch(module, X) - any_net.forward(X)).max() <= TOLERANCE


def test_float64_stays_float64():
    net = classifier(dtype="float64")
    module = gn.to_torch(net)
    X = inputs(net)
    out = run_torch(module, X)
    assert out.dtype == np.float64 and np.abs(out - net.forward(X)).max() <= 1e-12
    assert same_weights(net, gn.from_torch(module))


def test_round_trip_gives_bit_identical_weights(any_net):
    back = gn.from_torch(gn.to_torch(any_net))
    assert same_weights(any_net, back)
    X = inputs(any_net)
    assert np.array_equal(back.forward(X), any_net.forward(X))


def test_raw_uint8_pixels_go_in_as_for_glassnet_predict():
    net = gn.Network([gn.Standardize(0, 255), gn.Dense(16, 4), gn.ReLU(), gn.Dense(4, 3)], seed=0)
    pixels = np.random.default_rng(0).integers(0, 256, (1000, 16), dtype=np.uint8)
    assert np.abs(run_torch(gn.to_torch(net), pixels) - net.forward(pixels)).max() <= TOLERANCE


def test_a_pytorch_built_stack_imports_with_the_same_outputs():
    torch.manual_seed(0)
    nn = torch.nn
    module = nn.Sequential(
        nn.Flatten(),
        nn.Sequential(nn.Linear(12, 16), nn.LeakyReLU(0.05), nn.Dropout(0.1)),
        nn.Linear(16, 8), nn.Sigmoid(), nn.Linear(8, 8, bias=False), nn.Tanh(),
        nn.Linear(8, 5), nn.Identity(), nn.Softmax(dim=1),
    ).eval()  # fmt: skip
    net = gn.from_torch(module, classes=list("abcde"))
    assert repr(net) == (
        "Network(Dense(12→16), LeakyReLU(0.05), Dropout(0.1), Dense(16→8), "
        "Sigmoid(), Dense(8→8), Tanh(), Dense(8→5), Identity(), Softmax())"
    )
    X = np.random.default_rng(0).normal(size=(1000, 3, 4)).astype(np.float32)
    expected = run_torch(module, X)
    assert np.abs(net.forward(X.reshape(1000, -1)) - expected).max() <= TOLERANCE
    assert net.task == "multiclass" and net.card.classes == list("abcde")
    assert list(net.predict(X.reshape(1000, -1))) == list(
        np.array(list("abcde"))[expected.argmax(1)]
    )


def test_what_glassnet_cannot_represent_is_named():
    nn = torch.nn
    with pytest.raises(ValidationError, match=r"module 1 \(Conv2d\) cannot be represented .*conv"):
        gn.from_torch(nn.Sequential(nn.Flatten(), nn.Conv2d(1, 2, 3)))
    with pytest.raises(ValidationError, match=r"module 1\.0 \(LogSoftmax\).*use nn\.Softmax"):
        gn.from_torch(nn.Sequential(nn.Linear(3, 2), nn.Sequential(nn.LogSoftmax(dim=1))))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(3, 2))

        def forward(self, x):
            return self.body(x) + x[:, :2]

    with pytest.raises(ValidationError, match="nn.Sequential, got Net.*own forward"):
        gn.from_torch(Net())


# ---------------------------------------------------------------- a folder without glassnet


def test_save_torch_writes_a_model_py_that_runs_without_glassnet(tmp_path):
    net = classifier()
    folder = gn.save_torch(net, tmp_path / "export")
    assert sorted(p.name for p in folder.iterdir()) == ["model.py", "model.safetensors"]
    X = inputs(net)
    np.save(tmp_path / "X.npy", X)
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(folder)!r})\n"
        "import numpy as np, torch, model\n"
        f"net = model.load()\n"
        f"out = net(torch.from_numpy(np.load({str(tmp_path / 'X.npy')!r}))).detach().numpy()\n"
        f"np.save({str(tmp_path / 'out.npy')!r}, out)\n"
        "print(model.CLASSES, model.FEATURE_NAMES)\n"
    )
    result = run_without_glassnet(script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['cat', 'dog', 'fox'] ['a', 'b', 'c', 'd', 'e']"
    assert np.abs(np.load(tmp_path / "out.npy") - net.forward(X)).max() <= TOLERANCE
    text = (folder / "model.py").read_text()
    assert "def load(" in text and len(text.splitlines()) < 80


# ---------------------------------------------------------------- one training step, both sides


def step_in_glassnet(net, X, y, optimizer):
    net.fit(X, y, loss="cross_entropy", optimizer=optimizer, epochs=1, batch_size="full")
    return net


def step_in_torch(module, X, y, make_optimizer):
    optimizer = make_optimizer(module.parameters())
    module.train()
    loss = torch.nn.functional.cross_entropy(module(torch.from_numpy(X)), torch.from_numpy(y))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return module.eval()


OPTIMIZERS = {
    "sgd": (lambda: gn.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "momentum": (lambda: gn.SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, 0.1, 0.9)),
    "adam": (lambda: gn.Adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
}


# Dense-ReLU blocks in float32 take glassnet's compiled step; a tanh layer the reference step.
HIDDEN = {"relu": gn.ReLU, "tanh": gn.Tanh}


@pytest.mark.parametrize("hidden", sorted(HIDDEN))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_one_training_step_gives_the_same_weights(name, dtype, hidden):
    rng = np.random.default_rng(7)
    net = gn.Network([gn.Dense(6, 16), gn.ReLU(), gn.Dense(16, 8), HIDDEN[hidden](),
                      gn.Dense(8, 4)], seed=3, dtype=dtype)  # fmt: skip
    net.task = "multiclass"
    X = rng.normal(size=(64, 6)).astype(dtype)
    y = rng.integers(0, 4, 64)
    ours, theirs = OPTIMIZERS[name]
    before = net.dense_layers[0].W.copy()
    module = step_in_torch(gn.to_torch(net), X, y, theirs)
    step_in_glassnet(net, X, y, ours())
    assert np.abs(net.dense_layers[0].W - before).max() > 1e-3  # the step moved the weights
    after = gn.from_torch(module)
    for mine, torch_layer in zip(net.dense_layers, after.dense_layers, strict=True):
        assert np.abs(mine.W - torch_layer.W).max() <= 1e-6
        assert np.abs(mine.b - torch_layer.b).max() <= 1e-6
