"""Models cross the border: glassnet ⇄ ONNX, glassnet ⇄ PyTorch, scikit-learn → glassnet.

    gn.to_onnx(net, "m.onnx")        a standard ONNX graph, input scaling included
    gn.to_torch(net)                 a torch.nn.Sequential with the same weights and outputs
    gn.save_torch(net, "m-torch")    model.safetensors + model.py, which runs without glassnet
    gn.from_onnx("m.onnx")           an MLP graph (Gemm or MatMul + Add, Relu, …) as a Network
    gn.from_torch(module)            an nn.Sequential of Linear and activations as a Network
    gn.from_sklearn(estimator)       a fitted MLPClassifier or MLPRegressor as a Network

A network is the same map on both sides: z = W a + b with W (n_out, n_in), which is
PyTorch's nn.Linear layout and ONNX's Gemm with transB = 1, so weights move across unchanged.
onnx, onnxruntime, torch and scikit-learn are imported only by the functions that use them.
"""

from glassnet.interop.onnx_export import to_onnx
from glassnet.interop.onnx_import import from_onnx
from glassnet.interop.sklearn_import import from_sklearn
from glassnet.interop.torch_export import save_torch, to_torch
from glassnet.interop.torch_import import from_torch

__all__ = ["from_onnx", "from_sklearn", "from_torch", "save_torch", "to_onnx", "to_torch"]
