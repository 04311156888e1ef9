"""glassnet → ONNX: the whole model as a standard graph, input scaling included.

    input (N, n_in) ─ [Cast] ─ Sub(mean) ─ Div(std) ─ Gemm(W, b, transB=1) ─ Relu ─ … ─ output

Each Dense layer is one Gemm with transB = 1, Y = A Bᵀ + C, which is glassnet's Z = X Wᵀ + b
with W (n_out, n_in) stored as it is. The first output is what `net.forward` returns for the
same raw input (logits for a softmax cross-entropy model); a classifier adds `probabilities`
(N, K) and `label` (the card's class labels, as `glassnet predict` prints them), a regression
model with scaled targets adds `prediction` = output · std + mean, in the target's units.
An image model (its card has an image shape) takes raw uint8 pixels, as `glassnet predict`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassnet import _version
from glassnet._files import atomic_write
from glassnet.errors import ValidationError
from glassnet.interop.common import card_metadata, need
from glassnet.nn.layers import (
    Dense,
    Dropout,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Standardize,
    Tanh,
)
from glassnet.nn.network import Network

OPSET = 17
INPUT_TYPES = ("uint8", "float32", "float64")
SIMPLE_OPS = {ReLU: "Relu", Sigmoid: "Sigmoid", Tanh: "Tanh", Identity: "Identity"}


def to_onnx(net: Network, path=None, *, opset: int = OPSET, input_type: str | None = None):
    """The ONNX ModelProto of `net` (written to `path` atomically when given).

    input_type: the graph input's element type, "uint8" (raw pixels, cast to the network's
    float type inside the graph), "float32" or "float64"; default uint8 for an image model
    that standardises its input, the network's dtype otherwise.
    """
    onnx = need("onnx", "ONNX export")
    latest = onnx.defs.onnx_opset_version()
    if not OPSET <= opset <= latest:
        raise ValidationError(
            f"opset must be {OPSET} to {latest} (this onnx's latest), got {opset}"
        )
    if path is not None and not Path(path).parent.is_dir():
        raise ValidationError(f"cannot write {path}: folder {Path(path).parent} does not exist")
    input_type = input_type or _default_input_type(net)
    if input_type not in INPUT_TYPES:
        raise ValidationError(
            f"input_type must be one of {', '.join(INPUT_TYPES)}, got {input_type!r}"
        )
    graph = _Graph(onnx, net.dtype)
    x = graph.input("input", input_type, net.n_in)
    if input_type != net.dtype.name:
        x = graph.node("Cast", [x], to=graph.float_type, name="cast_input")
    for i, layer in enumerate(net.layers):
        x = _layer(graph, layer, x, i)
    x = graph.rename(x, "output")
    graph.output("output", net.n_out)
    _extra_outputs(graph, net, x)
    model = graph.model(opset, name=repr(net))
    onnx.helper.set_model_props(model, card_metadata(net))
    onnx.checker.check_model(model, full_check=True)
    if path is not None:
        atomic_write(Path(path), model.SerializeToString())
    return model


def _default_input_type(net: Network) -> str:
    image = net.card.image_shape is not None and isinstance(net.layers[0], Standardize)
    return "uint8" if image else net.dtype.name


def _layer(graph: _Graph, layer, x: str, i: int) -> str:
    """The nodes of layer i applied to x; the name of their output."""
    if isinstance(layer, Standardize):
        x = graph.node("Sub", [x, graph.constant(f"layers.{i}.mean", layer.mean)], name=f"sub_{i}")
        return graph.node("Div", [x, graph.constant(f"layers.{i}.std", layer.std)], name=f"div_{i}")
    if isinstance(layer, Dense):
        W = graph.constant(f"layers.{i}.W", layer.W)
        b = graph.constant(f"layers.{i}.b", layer.b)
        return graph.node("Gemm", [x, W, b], transB=1, name=f"dense_{i}")
    if isinstance(layer, LeakyReLU):
        return graph.node("LeakyRelu", [x], alpha=layer.alpha, name=f"leaky_relu_{i}")
    if isinstance(layer, Softmax):
        return graph.node("Softmax", [x], axis=1, name=f"softmax_{i}")
    if isinstance(layer, Dropout):  # the identity at inference; the ratio travels along
        ratio = graph.constant(f"layers.{i}.ratio", np.array(layer.p))
        return graph.node("Dropout", [x, ratio], name=f"dropout_{i}")
    return graph.node(SIMPLE_OPS[type(layer)], [x], name=f"{type(layer).__name__.lower()}_{i}")


def _extra_outputs(graph: _Graph, net: Network, out: str) -> None:
    """probabilities and label for a classifier, prediction in the target's units."""
    task, last = net.task, net.layers[-1]
    if task == "multiclass":
        p = out if isinstance(last, Softmax) else graph.node("Softmax", [out], axis=1)
    elif task == "binary":
        p1 = out if isinstance(last, Sigmoid) else graph.node("Sigmoid", [out])
        one = graph.constant("one", np.array(1.0))
        p = graph.node("Concat", [graph.node("Sub", [one, p1]), p1], axis=1)
    else:
        scale = net.card.target_scale
        if scale is not None:
            std = graph.constant("target_std", np.array(scale.std))
            mean = graph.constant("target_mean", np.array(scale.mean))
            graph.node("Add", [graph.node("Mul", [out, std]), mean], output="prediction")
            graph.output("prediction", net.n_out)
        return
    if p == out:  # a Softmax (or sigmoid) output is already the probabilities
        p = graph.node("Identity", [out], output="probabilities")
    else:
        p = graph.rename(p, "probabilities")
    graph.output("probabilities", p_width(net))
    classes = net.card.classes
    if classes is None:
        graph.node("ArgMax", [p], axis=1, keepdims=0, output="label")
    else:
        ids = graph.node("ArgMax", [p], axis=1, keepdims=0)
        graph.node("Gather", [graph.labels(classes), ids], axis=0, output="label")
    graph.output("label", None, _label_type(graph.onnx, classes))


def p_width(net: Network) -> int:
    """K, the number of probabilities: 2 for a single sigmoid output."""
    return 2 if net.task == "binary" else net.n_out


def _label_type(onnx, classes) -> int:
    if classes is None or all(isinstance(c, (int, np.integer)) for c in classes):
        return onnx.TensorProto.INT64
    return onnx.TensorProto.STRING


class _Graph:
    """Nodes, constants, inputs and outputs of one ONNX graph, named as they are added."""

    def __init__(self, onnx, dtype: np.dtype):
        self.onnx, self.dtype = onnx, dtype
        self.float_type = onnx.helper.np_dtype_to_tensor_dtype(dtype)
        self.nodes, self.initializers, self.inputs, self.outputs = [], [], [], []
        self.count = 0

    def input(self, name: str, elem: str, width: int) -> str:
        elem_type = self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(elem))
        self.inputs.append(self.onnx.helper.make_tensor_value_info(name, elem_type, ["N", width]))
        return name

    def output(self, name: str, width: int | None, elem_type=None) -> None:
        """Declare the tensor `name` an output of the graph: (N, width) or (N,)."""
        shape = ["N", width] if width is not None else ["N"]
        elem_type = self.float_type if elem_type is None else elem_type
        self.outputs.append(self.onnx.helper.make_tensor_value_info(name, elem_type, shape))

    def node(self, op: str, inputs: list[str], name=None, output=None, **attrs) -> str:
        """Add op(inputs) and return the name of its output."""
        self.count += 1
        name = name or f"{op.lower()}_{self.count}"
        output = output or f"{name}:0"
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [output], name=name, **attrs))
        return output

    def constant(self, name: str, array) -> str:
        array = np.asarray(array, dtype=self.dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def rename(self, tensor: str, name: str) -> str:
        """Give the output `tensor` of the last node that made it the name `name`."""
        maker = next(n for n in reversed(self.nodes) if n.output[0] == tensor)
        maker.output[0] = name
        return name

    def labels(self, classes: list) -> str:
        if _label_type(self.onnx, classes) == self.onnx.TensorProto.INT64:
            array = np.asarray(classes, dtype=np.int64)
        else:
            array = np.asarray([str(c) for c in classes], dtype=object)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, "classes"))
        return "classes"

    def model(self, opset: int, name: str):
        helper = self.onnx.helper
        graph = helper.make_graph(
            self.nodes, "glassnet", self.inputs, self.outputs, self.initializers
        )
        opsets = [helper.make_opsetid("", opset)]
        return helper.make_model(
            graph,
            opset_imports=opsets,
            ir_version=helper.find_min_ir_version_for(opsets),
            producer_name="glassnet",
            producer_version=_version.__version__,
            doc_string=name,
        )
