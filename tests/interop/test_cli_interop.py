"""glassnet export and glassnet import, and every glassnet tool on a model that came from ONNX,
PyTorch or scikit-learn: info, explain, gradcheck, evaluate, predict, plot."""

import json
import re
import subprocess
import sys
import warnings

import numpy as np
import onnx
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import glassnet as gn
from glassnet.datasets.features import open_dataset
from interop_helpers import export_with_torch, run_without_glassnet


def moons():
    data = open_dataset("moons")[0]
    return data.X_train.astype(np.float32), data.y_train


def from_sklearn(folder):
    X, y = moons()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((8,), max_iter=300, random_state=0).fit(X, y)
    return gn.from_sklearn(mlp)


def trained_module():
    """A 2-8-2 tanh MLP trained in PyTorch on the moons (its outputs are logits)."""
    X, y = moons()
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
    for _ in range(200):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(module(torch.from_numpy(X)),
                                                 torch.from_numpy(y).long())  # fmt: skip
        loss.backward()
        optimizer.step()
    return module.eval()


def from_torch(folder):
    return gn.from_torch(trained_module(), classes=[0, 1])


def from_onnx_cli(folder, glassnet):
    """A torch.onnx.export graph, through `glassnet import` (naming the classes)."""
    export_with_torch(trained_module(), (torch.zeros(1, 2),), folder / "t.onnx",
                      input_names=["x"], dynamic_axes={"x": {0: "N"}})  # fmt: skip
    plain = glassnet("import", folder / "t.onnx", "--out", folder / "m.glassnet")
    assert "read as regression; for a classifier" in plain.stdout, plain.stderr
    result = glassnet("import", folder / "t.onnx", "--out", folder / "m.glassnet", "--json",
                      "--classes", "0,1")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["task"] == "multiclass"
    return gn.load(folder / "m.glassnet")


@pytest.mark.parametrize("source", ["onnx", "torch", "sklearn"])
def test_every_tool_works_on_an_imported_model(source, glassnet, tmp_path):
    if source == "onnx":
        net = from_onnx_cli(tmp_path, glassnet)
    else:
        net = {"torch": from_torch, "sklearn": from_sklearn}[source](tmp_path)
        net.save(tmp_path / "m.glassnet")
    model = tmp_path / "m.glassnet"
    info = json.loads(glassnet("info", model, "--json").stdout)
    assert info["n_inputs"] == 2 and "imported_from" in info["training"]
    explained = glassnet("explain", model, "--input", "0.5,-0.2", "--target", "1")
    assert explained.returncode == 0 and "Backward pass" in explained.stdout, explained.stderr
    checked = glassnet("gradcheck", model)
    assert checked.returncode == 0 and "PASS" in checked.stdout, checked.stdout + checked.stderr
    report = json.loads(glassnet("evaluate", model, "moons", "--json").stdout)
    assert report["accuracy"] > 0.8 and report["n"] > 0
    predicted = glassnet("predict", model, "moons", "--proba")
    assert predicted.returncode == 0 and predicted.stdout.startswith("input,prediction,p_")
    plotted = glassnet("plot", "boundary", model, "moons", "--out", tmp_path / "b.png")
    assert plotted.returncode == 0 and (tmp_path / "b.png").stat().st_size > 1000


def test_export_writes_onnx_and_a_torch_folder_by_default_beside_the_model(glassnet, tmp_path):
    model = tmp_path / "xor.glassnet"
    assert glassnet("train", "--out", model, "--quiet").returncode == 0
    result = glassnet("export", model)
    assert result.returncode == 0, result.stderr
    assert "wrote " + str(tmp_path / "xor.onnx") in result.stdout
    onnx.checker.check_model(onnx.load(tmp_path / "xor.onnx"), full_check=True)
    result = glassnet("export", model, "--format", "torch", "--json")
    report = json.loads(result.stdout)
    assert report["written"] == [str(tmp_path / "xor-torch" / n) for n in ("model.safetensors",
                                                                         "model.py")]  # fmt: skip
    script = (f"import sys; sys.path.insert(0, "
              f"{str(tmp_path / 'xor-torch')!r}); import model, torch; "
              "print(model.load()(torch.tensor([[0.0, 1.0]])).shape)")  # fmt: skip
    ran = run_without_glassnet(script, cwd=tmp_path)
    assert ran.stdout.strip() == "torch.Size([1, 1])", ran.stderr


def test_export_and_import_mistakes_are_one_line(glassnet, tmp_path):
    missing = glassnet("export", tmp_path / "none.glassnet")
    assert missing.returncode == 1 and missing.stderr.startswith("error: model file")
    model = tmp_path / "m.glassnet"
    gn.Network([gn.Dense(2, 1)], seed=0).save(model)
    for options, message in (
        (["--out", tmp_path / "no" / "m.onnx"], "folder .* does not exist"),
        (["--opset", "16"], "opset must be 17 to"),
        (["--format", "torch", "--out", model], "is a file; give a folder"),
    ):
        result = glassnet("export", model, *options)
        assert result.returncode == 1 and re.match(f"error: .*{message}", result.stderr), options
    wrong = glassnet("export", tmp_path / "none.glassnet", "--format", "keras")
    assert wrong.returncode == 2 and "invalid choice: 'keras'" in wrong.stderr
    (tmp_path / "m.pt").write_bytes(b"\x80\x04pickle")
    pickle = glassnet("import", tmp_path / "m.pt")
    assert pickle.returncode == 1 and "gn.from_torch(module)" in pickle.stderr
    assert len(pickle.stderr.strip().splitlines()) == 1
    (tmp_path / "junk.onnx").write_text("not onnx")
    junk = glassnet("import", tmp_path / "junk.onnx")
    assert junk.returncode == 1 and "is not an ONNX model" in junk.stderr
    assert "Traceback" not in junk.stderr + pickle.stderr + missing.stderr
    assert glassnet("import").returncode == 2


def test_an_unsupported_graph_is_one_line_naming_the_node(glassnet, tmp_path):
    conv = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(8, 2))
    export_with_torch(conv, (torch.zeros(1, 1, 4, 4),), tmp_path / "cnn.onnx")
    result = glassnet("import", tmp_path / "cnn.onnx")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "(Conv) cannot be represented in glassnet (a convolution)" in result.stderr


def test_classes_can_be_named_on_import(glassnet, tmp_path):
    net = gn.Network([gn.Dense(2, 3)], seed=0)
    net.task = "multiclass"
    gn.to_onnx(net, tmp_path / "m.onnx")
    result = glassnet("import", tmp_path / "m.onnx", "--classes", "a,b,c", "--json")
    assert json.loads(result.stdout)["classes"] == ["a", "b", "c"]
    bad = glassnet("import", tmp_path / "m.onnx", "--classes", "a,b")
    assert bad.returncode == 1 and "--classes needs 3 labels" in bad.stderr


def test_a_missing_package_is_one_line_naming_the_extra(tmp_path):
    script = ("import sys; sys.modules['onnx'] = None; import glassnet as gn\n"
              "try:\n    gn.to_onnx(gn.Network([gn.Dense(2, 1)]), 'x.onnx')\n"
              "except gn.GlassnetError as e:\n    print(e)\n")  # fmt: skip
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=tmp_path)  # fmt: skip
    assert ran.stdout.strip() == ("ONNX export needs onnx, which is not installed: "
                                  "pip install 'glassnet[onnx]' (or pip install onnx)")  # fmt: skip


MISSING = {  # (the package hidden, the call): the one line it gives
    ("onnx", "gn.from_onnx('m.onnx')"): "ONNX import needs onnx, which is not installed: "
    "pip install 'glassnet[onnx]' (or pip install onnx)",
    ("torch", "gn.to_torch(net)"): "PyTorch export needs torch, which is not installed: "
    "pip install 'glassnet[torch]' (or pip install torch)",
    ("torch", "gn.save_torch(net, 'm-torch')"): "PyTorch export needs torch, which is not "
    "installed: pip install 'glassnet[torch]' (or pip install torch)",
    ("torch", "gn.from_torch(None)"): "PyTorch import needs torch, which is not installed: "
    "pip install 'glassnet[torch]' (or pip install torch)",
    ("sklearn", "gn.from_sklearn(None)"): "scikit-learn import needs scikit-learn, which is not "
    "installed: pip install 'glassnet[sklearn]' (or pip install scikit-learn)",
}


@pytest.mark.parametrize(("package", "call"), sorted(MISSING))
def test_every_interop_function_names_its_missing_package(package, call, tmp_path):
    script = (f"import sys; sys.modules[{package!r}] = None; import glassnet as gn\n"
              "net = gn.Network([gn.Dense(2, 1)])\n"
              f"try:\n    {call}\nexcept gn.GlassnetError as e:\n    print(e)\n")  # fmt: skip
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=tmp_path)  # fmt: skip
    assert ran.stdout.strip() == MISSING[package, call], ran.stderr


def test_the_command_line_names_a_missing_package_in_one_line(tmp_path):
    gn.Network([gn.Dense(2, 1)], seed=0).save(tmp_path / "m.glassnet")
    for package, command in (("onnx", "export"), ("torch", "export")):
        argv = [command, "m.glassnet", "--format", "onnx" if package == "onnx" else "torch"]
        script = (f"import sys; sys.modules[{package!r}] = None\n"
                  "from glassnet.cli.main import main\n"
                  f"sys.exit(main({argv!r}))\n")  # fmt: skip
        ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             cwd=tmp_path)  # fmt: skip
        assert ran.returncode == 1 and ran.stderr.count("\n") == 1, ran.stderr
        assert ran.stderr.startswith("error: ") and f"pip install 'glassnet[{package}]'" in (
            ran.stderr
        )
