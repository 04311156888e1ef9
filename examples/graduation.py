"""Graduation and welcome: a network trained in glassnet runs in ONNX Runtime and PyTorch with
the same numbers, and an MLP trained in PyTorch comes into glassnet to be explained.

    pip install 'glassnet[onnx,torch]'
    python examples/graduation.py [FOLDER]          (default: ./graduation)

1. train a 2-16-2 network on the two moons in glassnet;
2. export it to ONNX and run it in ONNX Runtime;
3. export it to PyTorch: FOLDER/moons-torch/model.py loads it without glassnet;
4. train an MLP in PyTorch, import it, and print every number of its forward and backward
   pass for one sample with `glassnet explain`.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

import glassnet as gn
from glassnet.datasets import load

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "graduation")
folder.mkdir(exist_ok=True)
moons = load("moons")
X, y = moons.X_train.astype(np.float32), moons.y_train

# 1. Train in glassnet.
result = gn.run(
    gn.RunConfig(data="moons", hidden=[16], epochs=100, out=str(folder / "moons.glassnet"))
)
net = result.network
print(f"1. glassnet: {net!r}, test accuracy {100 * result.summary['test_accuracy']:.1f} %")

# 2. ONNX: the first output is net.forward; probabilities and labels come with it.
gn.to_onnx(net, folder / "moons.onnx")
session = ort.InferenceSession(str(folder / "moons.onnx"), providers=["CPUExecutionProvider"])
logits, probabilities, labels = session.run(None, {"input": X})
print(
    f"2. ONNX Runtime: max |difference| {np.abs(logits - net.forward(X)).max():.2e}, "
    f"labels equal for {np.sum(labels == net.predict(X))} of {len(X)} samples"
)

# 3. PyTorch: a folder with model.safetensors and a readable model.py.
gn.save_torch(net, folder / "moons-torch")
spec = importlib.util.spec_from_file_location("model", folder / "moons-torch" / "model.py")
model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(model)
with torch.no_grad():
    out = model.load()(torch.from_numpy(X)).numpy()
print(
    f"3. PyTorch (model.py, no glassnet needed): max |difference| "
    f"{np.abs(out - net.forward(X)).max():.2e}"
)

# 4. Welcome: an MLP trained in PyTorch, explained in glassnet.
torch.manual_seed(0)
mlp = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1),
                          torch.nn.Sigmoid())  # fmt: skip
optimizer = torch.optim.Adam(mlp.parameters(), lr=0.05)
for _ in range(300):
    optimizer.zero_grad()
    p = mlp(torch.from_numpy(X))[:, 0]
    torch.nn.functional.binary_cross_entropy(p, torch.from_numpy(y).float()).backward()
    optimizer.step()
imported = gn.from_torch(mlp, classes=[0, 1], feature_names=moons.feature_names)
imported.save(folder / "from_torch.glassnet")
agree = np.mean(imported.predict(X) == (mlp(torch.from_numpy(X))[:, 0] > 0.5).numpy())
print(f"4. from PyTorch: {imported!r}, the same class for {100 * agree:.0f} % of the samples\n")
command = ["glassnet", "explain", str(folder / "from_torch.glassnet"), "--input", "0.5,-0.25",
           "--target", "1", "--lr", "0.05"]  # fmt: skip
print("$ " + " ".join(command))
subprocess.run([sys.executable, "-m", *command], check=True)
