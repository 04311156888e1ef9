"""The exported MNIST model agrees with glassnet on all 10,000 test images, in ONNX Runtime and
in PyTorch, and comes back through `glassnet import` with the same accuracy."""

import json

import numpy as np
import onnxruntime as ort
import pytest
import torch

import glassnet as gn
from datasets_helpers import shared_mnist
from glassnet.datasets.features import open_dataset
from interop_helpers import run_without_glassnet


@pytest.fixture(scope="module")
def mnist_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mnist")
    config = gn.RunConfig(data="mnist", data_dir=str(shared_mnist()), train_size=10000, epochs=2,
                          hidden=[128, 64], out=str(folder / "mnist.glassnet"))  # fmt: skip
    result = gn.run(config)
    test = open_dataset("mnist", data_dir=shared_mnist())[0]
    return result.network, test.X_test, test.y_test, folder


def test_onnx_runtime_agrees_on_all_10000_test_images(mnist_model):
    net, X, _, folder = mnist_model
    assert X.dtype == np.uint8 and X.shape == (10000, 784)
    gn.to_onnx(net, folder / "mnist.onnx")
    session = ort.InferenceSession(str(folder / "mnist.onnx"), providers=["CPUExecutionProvider"])
    logits, proba, labels = session.run(None, {"input": X})
    expected = net.forward(X)
    assert np.array_equal(logits.argmax(axis=1), expected.argmax(axis=1))
    assert (labels == net.predict(X)).sum() == 10000
    assert np.abs(logits - expected).max() <= 1e-4  # logits of size ~20 in float32
    assert np.abs(proba - net.predict_proba(X)).max() <= 1e-5


def test_pytorch_agrees_on_all_10000_test_images(mnist_model):
    net, X, _, _ = mnist_model
    with torch.no_grad():
        logits = gn.to_torch(net)(torch.from_numpy(X.copy())).numpy()
    expected = net.forward(X)
    assert (logits.argmax(axis=1) == expected.argmax(axis=1)).sum() == 10000
    assert np.abs(logits - expected).max() <= 1e-4


def test_the_imported_onnx_model_evaluates_as_the_original(mnist_model, glassnet):
    net, _, _, folder = mnist_model
    gn.to_onnx(net, folder / "again.onnx")
    assert (
        glassnet("import", folder / "again.onnx", "--out", folder / "back.glassnet").returncode == 0
    )
    original, back = (
        json.loads(glassnet("evaluate", folder / name, "mnist", "--data-dir", shared_mnist(),
                            "--json").stdout)
        for name in ("mnist.glassnet", "back.glassnet")
    )  # fmt: skip
    assert original["accuracy"] == back["accuracy"] > 0.9
    assert original["confusion_matrix"] == back["confusion_matrix"]
    result = glassnet("plot", "weights", folder / "back.glassnet", "--out", folder / "w.png")
    assert result.returncode == 0, result.stderr


def test_the_exported_torch_folder_runs_all_10000_images_without_glassnet(mnist_model, glassnet):
    """glassnet export --format torch, then model.py's load() in a Python that cannot import
    glassnet, on the raw uint8 test images."""
    net, X, _, folder = mnist_model
    out = folder / "mnist-torch"
    result = glassnet("export", folder / "mnist.glassnet", "--format", "torch", "--out", out)
    assert result.returncode == 0, result.stderr
    np.save(folder / "X.npy", X)
    script = (
        f"sys.path.insert(0, {str(out)!r})\n"
        "import numpy as np, torch, model\n"
        f"X = torch.from_numpy(np.load({str(folder / 'X.npy')!r}))\n"
        "with torch.no_grad():\n"
        f"    np.save({str(folder / 'logits.npy')!r}, model.load()(X).numpy())\n"
        "print(X.dtype, model.CLASSES)\n"
    )
    ran = run_without_glassnet(script, cwd=folder)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == f"torch.uint8 {net.card.classes}"
    logits, expected = np.load(folder / "logits.npy"), net.forward(X)
    assert (logits.argmax(axis=1) == expected.argmax(axis=1)).sum() == 10000
    assert np.abs(logits - expected).max() <= 1e-4
