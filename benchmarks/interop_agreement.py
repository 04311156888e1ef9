"""How closely glassnet, ONNX Runtime, PyTorch and scikit-learn agree on the same models (issue 14).

    python benchmarks/interop_agreement.py --data-dir ../shared/data/mnist [--model m.glassnet]

Prints, as a Markdown table: the max |difference| of the outputs on 1,000 inputs for every
direction (glassnet → ONNX Runtime, glassnet → PyTorch, ONNX → glassnet, PyTorch → glassnet,
scikit-learn → glassnet); the MNIST model on all 10,000 test images (same class, and the max
|difference| of the logits); whether round trips keep every weight bit for bit; and one training
step of SGD, momentum and Adam from the same weights and batch in glassnet and PyTorch. The MNIST
model is trained with the default recipe (`glassnet train mnist`) unless --model gives one.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import onnxruntime as ort
import torch
from sklearn.datasets import make_classification, make_regression
from sklearn.neural_network import MLPClassifier, MLPRegressor

import glassnet as gn
from glassnet.datasets.features import open_dataset

N = 1000


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def torch_out(module, X):
    with torch.no_grad():
        return module(torch.from_numpy(np.ascontiguousarray(X))).numpy()


def max_diff(a, b) -> float:
    return float(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)).max())


def identical(a, b) -> bool:
    pairs = [(x.arrays(), y.arrays()) for x, y in zip(a.layers, b.layers, strict=True)]
    return all(np.array_equal(p[k], q[k]) and p[k].dtype == q[k].dtype for p, q in pairs for k in p)


def tabular_net(dtype="float32"):
    """5 features → 3 classes through every activation, per-feature scaling first."""
    rng = np.random.default_rng(0)
    net = gn.Network(
        [
            gn.Standardize(rng.normal(size=5), rng.uniform(0.5, 2, 5)),
            gn.Dense(5, 32),
            gn.ReLU(),
            gn.Dense(32, 16),
            gn.LeakyReLU(0.1),
            gn.Dense(16, 16),
            gn.Tanh(),
            gn.Dense(16, 8),
            gn.Sigmoid(),
            gn.Dense(8, 3),
        ],
        seed=0,
        dtype=dtype,
    )
    net.task = "multiclass"
    X = (rng.normal(size=(N, 5)) * 3).astype(dtype)
    return net, X


def exports(rows: dict, folder) -> None:
    for dtype in ("float32", "float64"):
        net, X = tabular_net(dtype)
        path = folder / f"tab-{dtype}.onnx"
        gn.to_onnx(net, path)
        onnx_out = session(path).run(["output"], {"input": X})[0]
        module = gn.to_torch(net)
        rows[f"glassnet → ONNX Runtime, 5-32-16-16-8-3 ({dtype})"] = max_diff(
            onnx_out, net.forward(X)
        )
        torch_output = torch_out(module, X)
        rows[f"glassnet → PyTorch, the same network ({dtype})"] = max_diff(
            torch_output, net.forward(X)
        )
        rows[f"glassnet → ONNX → glassnet, bit-identical weights ({dtype})"] = identical(
            net, gn.from_onnx(path)
        )
        rows[f"glassnet → PyTorch → glassnet, bit-identical weights ({dtype})"] = identical(
            net, gn.from_torch(module)
        )


def imports(rows: dict, folder) -> None:
    torch.manual_seed(0)
    nn = torch.nn
    module = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.Tanh(),
                           nn.Linear(32, 10)).eval()  # fmt: skip
    X = np.random.default_rng(1).normal(size=(N, 20)).astype(np.float32)
    net = gn.from_torch(module)
    rows["PyTorch → glassnet (from_torch), 20-64-32-10"] = max_diff(
        net.forward(X), torch_out(module, X)
    )
    path = str(folder / "t.onnx")
    torch.onnx.export(module, (torch.zeros(1, 20),), path, dynamo=False, input_names=["x"],
                      dynamic_axes={"x": {0: "N"}})  # fmt: skip
    expected = session(path).run(None, {"x": X})[0]
    rows["ONNX (torch.onnx.export) → glassnet, vs ONNX Runtime"] = max_diff(
        gn.from_onnx(path).forward(X), expected
    )
    Xc, yc = make_classification(N, 10, n_informative=6, n_classes=4, random_state=0)
    Xr, yr = make_regression(N, 10, n_targets=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few iterations are enough to have weights
        clf = MLPClassifier((32, 16), max_iter=200, random_state=0).fit(Xc, yc)
        reg = MLPRegressor(hidden_layer_sizes=(32,), max_iter=200, random_state=0).fit(Xr, yr)
        X32 = Xc.astype(np.float32)
        clf32 = MLPClassifier((32, 16), max_iter=200, random_state=0).fit(X32, yc)
    rows["scikit-learn MLPClassifier → glassnet: forward vs predict_proba (float64)"] = max_diff(
        gn.from_sklearn(clf).forward(Xc), clf.predict_proba(Xc)
    )
    rows["scikit-learn MLPRegressor → glassnet: predict vs predict (float64)"] = max_diff(
        gn.from_sklearn(reg).predict(Xr), reg.predict(Xr)
    )
    rows["scikit-learn MLPClassifier fitted on float32 → glassnet (float32)"] = max_diff(
        gn.from_sklearn(clf32).forward(X32), clf32.predict_proba(X32)
    )


def mnist(rows: dict, folder, data_dir, model) -> None:
    net = gn.load(model) if model else gn.run(gn.RunConfig(data="mnist", data_dir=data_dir)).network
    X = open_dataset("mnist", data_dir=data_dir)[0].X_test
    expected = net.forward(X)
    gn.to_onnx(net, folder / "mnist.onnx")
    logits, _, labels = session(folder / "mnist.onnx").run(None, {"input": X})
    torch_logits = torch_out(gn.to_torch(net), X)
    rows[f"MNIST {net!r}, largest logit {np.abs(expected).max():.1f}"] = ""
    rows["MNIST: ONNX Runtime, first 1,000 test images"] = max_diff(logits[:N], expected[:N])
    rows["MNIST: PyTorch, first 1,000 test images"] = max_diff(torch_logits[:N], expected[:N])
    rows["MNIST: ONNX Runtime, all 10,000 test images"] = max_diff(logits, expected)
    rows["MNIST: PyTorch, all 10,000 test images"] = max_diff(torch_logits, expected)
    rows["MNIST: ONNX label output = glassnet predict, of 10,000"] = int(
        np.sum(labels == net.predict(X))
    )
    rows["MNIST: PyTorch argmax = glassnet argmax, of 10,000"] = int(
        np.sum(torch_logits.argmax(1) == expected.argmax(1))
    )


OPTIMIZERS = {
    "SGD η = 0.1": (lambda: gn.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "momentum η = 0.1, μ = 0.9": (lambda: gn.SGD(0.1, momentum=0.9),
                                  lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    "Adam η = 0.01": (lambda: gn.Adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
}  # fmt: skip


# A float32 Dense-ReLU network takes glassnet's compiled step; the tanh layer the reference step.
HIDDEN = {"ReLU-ReLU": gn.ReLU, "ReLU-tanh": gn.Tanh}


def training_steps(rows: dict) -> None:
    """One full-batch step (64 samples, cross-entropy) from the same weights on both sides."""
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(64, 20)), rng.integers(0, 10, 64)
    for dtype in ("float32", "float64"):
        for hidden, second in HIDDEN.items():
            for name, (ours, theirs) in OPTIMIZERS.items():
                net = gn.Network([gn.Dense(20, 64), gn.ReLU(), gn.Dense(64, 32), second(),
                                  gn.Dense(32, 10)], seed=3, dtype=dtype)  # fmt: skip
                module = gn.to_torch(net).train()
                optimizer = theirs(module.parameters())
                logits = module(torch.from_numpy(X.astype(dtype)))
                torch.nn.functional.cross_entropy(logits, torch.from_numpy(y)).backward()
                optimizer.step()
                net.fit(X.astype(dtype), y, loss="cross_entropy", optimizer=ours(), epochs=1,
                        batch_size="full")  # fmt: skip
                pairs = zip(net.dense_layers, gn.from_torch(module).dense_layers, strict=True)
                worst = max(max(max_diff(a.W, b.W), max_diff(a.b, b.b)) for a, b in pairs)
                route = "compiled" if hidden == "ReLU-ReLU" and dtype == "float32" else "reference"
                rows[f"one step, {name}, 20-64-32-10 {hidden}, {route} step ({dtype})"] = worst


def main() -> None:
    import tempfile
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder with MNIST (default: glassnet's)")
    parser.add_argument("--model", help="an MNIST model file (default: train the default recipe)")
    args = parser.parse_args()
    rows: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        exports(rows, folder)
        imports(rows, folder)
        mnist(rows, folder, args.data_dir, args.model)
    training_steps(rows)
    versions = (
        f"glassnet {gn.__version__}, onnxruntime {ort.__version__}, torch {torch.__version__}"
    )
    print(f"| what ({versions}) | max abs difference / result |")
    print("|---|---|")
    for what, value in rows.items():
        shown = f"{value:.2e}" if isinstance(value, float) else str(value)
        print(f"| {what} | {shown} |")


if __name__ == "__main__":
    main()
