"""ONNX → glassnet: an MLP graph read back into layers, every weight as the file holds it.

The graph is walked back from its first output to its one input, so further outputs
(probabilities, labels) are left aside; the chain found must be one tensor wide. Read forward:

    Cast, Flatten, Sub(c), Div(c), Mul(c), Add(c)   input scaling before the first layer:
                                                     Standardize(mean, std)
    Gemm(A, B, C; α, β, transB)                      Dense: W = α·B (transB = 1) or α·Bᵀ,
                                                     b = β·C
    MatMul(x, B) [+ Add(c)]                          Dense: W = Bᵀ, b = c (or 0)
    Relu, LeakyRelu(α), Sigmoid, Tanh, Softmax,      the activations of the same name
    Identity, Dropout(ratio)

A node of constants alone (a Constant, the Reciprocal of a std, a Transpose of weights) is
computed first by ONNX's reference evaluator, so its output is one more constant.
Anything else (a Conv, a skip connection that adds two computed tensors, an unknown op) is
one ValidationError naming the node, its op and what glassnet can represent.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from glassnet.errors import ModelFileError, ValidationError
from glassnet.interop.common import (
    build,
    cannot_represent,
    card_from_metadata,
    dense,
    need,
    standardize,
)
from glassnet.interop.common import float_dtype as weights_dtype
from glassnet.nn.layers import (
    Dropout,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from glassnet.nn.network import Network

ACTIVATIONS = {"Relu": ReLU, "Sigmoid": Sigmoid, "Tanh": Tanh, "Identity": Identity}
SCALING = ("Cast", "Flatten", "Sub", "Div", "Mul", "Add")


def from_onnx(source) -> Network:
    """The Network an ONNX MLP graph computes (`source`: a path or an onnx.ModelProto), with
    the card its metadata describes (class labels, feature names; all of a glassnet card)."""
    onnx = need("onnx", "ONNX import")
    model, where = _read(onnx, source)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 17)
    graph = _Graph(onnx, model.graph, where, opset)
    layers = _Reader(graph).layers()
    metadata = {p.key: p.value for p in model.metadata_props}
    producer = " ".join(filter(None, (model.producer_name, model.producer_version)))
    origin = f"ONNX {where}" + (f" (made by {producer})" if producer else "")
    card = card_from_metadata(metadata, origin)
    if card.image_shape is None and graph.image_shape:
        card.image_shape = graph.image_shape
    return build(layers, card, weights_dtype(graph.weights))


def _read(onnx, source) -> tuple:
    if isinstance(source, onnx.ModelProto):
        return source, "model"
    path = Path(source)
    if not path.is_file():
        raise ModelFileError(f"ONNX file {path} does not exist; check the path")
    data = path.read_bytes()
    try:
        model = onnx.load_from_string(data)
    except Exception as exc:  # protobuf raises its own DecodeError
        raise ModelFileError(
            f"{path} is not an ONNX model ({type(exc).__name__}); check the file"
        ) from None
    if not model.graph.node:
        raise ModelFileError(f"{path} holds no ONNX graph; check the file")
    digest = hashlib.sha256(data).hexdigest()[:12]
    return model, f"{path.name} (SHA-256 {digest}…)"


class _Graph:
    """The parts of an ONNX graph the reader needs: constants, producers, the chain."""

    def __init__(self, onnx, graph, where: str, opset: int):
        self.onnx, self.where = onnx, where
        to_array = onnx.numpy_helper.to_array
        self.constants = {t.name: to_array(t) for t in graph.initializer}
        for node in graph.node:
            if node.op_type == "Constant" or (
                node.input and all(not x or x in self.constants for x in node.input)
            ):
                self._fold(node, opset)
        inputs = [i for i in graph.input if i.name not in self.constants]
        if len(inputs) != 1:
            names = ", ".join(i.name for i in inputs)
            raise ValidationError(
                f"{where} has {len(inputs)} inputs ({names}); glassnet imports graphs of one input"
            )
        self.input = inputs[0]
        self.image_shape = self._image_shape()
        self.producer = {
            out: n for n in graph.node for out in n.output if out not in self.constants
        }
        self.chain = self._chain(graph.output[0].name)
        self.weights = [
            self.constants[x]
            for n in self.chain
            for x in n.input[1:2]
            if n.op_type in ("Gemm", "MatMul") and x in self.constants
        ]

    def _fold(self, node, opset: int) -> None:
        """Compute a node of constants alone (a Constant, the Reciprocal of a std, a Transpose
        of weights, …) once, by ONNX's reference evaluator: its outputs are constants too."""
        from onnx.reference import ReferenceEvaluator

        inputs = {x: self.constants[x] for x in node.input if x}
        try:
            values = ReferenceEvaluator(node, opsets={"": opset}).run(None, inputs)
        except Exception as exc:  # the evaluator raises whatever its op raises
            raise ValidationError(
                f"{self.describe(node)} on constants could not be computed "
                f"({type(exc).__name__}: {exc}); check the graph"
            ) from None
        for name, value in zip(node.output, values, strict=False):
            self.constants[name] = np.asarray(value)

    def _image_shape(self) -> tuple[int, ...] | None:
        dims = [d.dim_value for d in self.input.type.tensor_type.shape.dim][1:]
        if len(dims) >= 2 and all(dims):
            return tuple(d for d in dims if d != 1) if len(dims) == 3 else tuple(dims)
        return None

    def data_inputs(self, node) -> list[str]:
        return [x for x in node.input if x and x not in self.constants]

    def _chain(self, output: str) -> list:
        """The nodes from the input to `output`, in order; each takes one computed tensor."""
        chain, tensor = [], output
        while tensor != self.input.name:
            node = self.producer.get(tensor)
            if len(chain) > len(self.producer):
                raise ValidationError(f"{self.where}: the graph has a cycle; check the file")
            if node is None:
                raise ValidationError(
                    f"{self.where}: the output does not depend on the input "
                    f"{self.input.name!r}; check the graph"
                )
            computed = self.data_inputs(node)
            if len(computed) != 1:
                why = "it combines computed tensors: a skip connection or a branch"
                raise self.unsupported(node, why)
            chain.append(node)
            tensor = computed[0]
        return chain[::-1]

    def describe(self, node) -> str:
        return f"{self.where}: node {node.name or node.output[0]!r} ({node.op_type})"

    def unsupported(self, node, why: str = ""):
        return cannot_represent(self.describe(node), "onnx", why)

    def constant(self, node, position: int, default=None):
        name = node.input[position] if position < len(node.input) else ""
        return self.constants[name] if name else default

    def attribute(self, node, name: str, default):
        for a in node.attribute:
            if a.name == name:
                return self.onnx.helper.get_attribute_value(a)
        return default


class _Reader:
    """Turns the chain into glassnet layers: scaling first, then dense layers and activations."""

    def __init__(self, graph: _Graph):
        self.graph = graph
        self.out: list = []
        self.mean, self.std = np.float64(0.0), np.float64(1.0)
        self.seen_dense = False

    def layers(self) -> list:
        chain = self.graph.chain
        i = 0
        while i < len(chain):
            node = chain[i]
            nxt = chain[i + 1] if i + 1 < len(chain) else None
            i += 1 + self.read(node, nxt)
        return self.out

    def read(self, node, nxt) -> int:
        """Add the layers of `node`; return how many following nodes it used (MatMul's Add)."""
        op = node.op_type
        if op in SCALING and not self.seen_dense:
            self.scaling(node)
            return 0
        if op == "Gemm":
            self.gemm(node)
        elif op == "MatMul":
            return self.matmul(node, nxt)
        elif op in ACTIVATIONS:
            self.out.append(ACTIVATIONS[op]())
        elif op == "LeakyRelu":
            self.out.append(LeakyReLU(self.graph.attribute(node, "alpha", 0.01)))
        elif op == "Softmax":
            self.softmax(node)
        elif op == "Dropout":
            ratio = self.graph.constant(node, 1, self.graph.attribute(node, "ratio", 0.5))
            self.out.append(Dropout(float(ratio)))
        elif op == "Cast":
            self.cast(node)
        else:
            raise self.graph.unsupported(node, self.hint(op))
        return 0

    def hint(self, op: str) -> str:
        if op in ("Sub", "Div", "Mul", "Add", "Flatten"):
            return "input scaling is read only before the first Gemm or MatMul"
        if op.startswith("Conv"):
            return "a convolution"
        return ""

    # ------------------------------------------------------------ input scaling

    def scaling(self, node) -> None:
        """Sub, Div, Mul and Add by constants compose into y = (x − mean) / std."""
        op, graph = node.op_type, self.graph
        if op == "Cast":
            return self.cast(node)
        if op == "Flatten":
            if graph.attribute(node, "axis", 1) != 1:
                raise graph.unsupported(node, "it keeps more than the batch axis")
            return None
        c = self.operand(node)
        if op == "Sub":
            self.mean = self.mean + c * self.std  # (x − m)/s − c = (x − (m + c·s))/s
        elif op == "Add":
            self.mean = self.mean - c * self.std
        elif op == "Div":
            self.std = self.std * c
        else:
            self.std = self.std / c
        return None

    def operand(self, node) -> np.ndarray:
        """The constant of x ∘ c (only x − c, x / c and either order of x + c, x · c)."""
        graph = self.graph
        position = next(k for k, name in enumerate(node.input) if name in graph.constants)
        if position == 0 and node.op_type in ("Sub", "Div"):
            raise graph.unsupported(node, f"a constant {node.op_type} the input")
        c = np.asarray(graph.constants[node.input[position]])
        if c.ndim > 1 and c.shape[:-1] != (1,) * (c.ndim - 1):
            why = f"a {c.shape} constant: scaling takes one number or one per feature"
            raise graph.unsupported(node, why)
        return c.reshape(-1) if c.ndim else c

    def flush_scaling(self) -> None:
        """Standardize(mean, std) before the first dense layer, when the graph scales."""
        if not self.seen_dense and (np.any(self.mean != 0) or np.any(self.std != 1)):
            self.out.append(standardize(self.mean, self.std))
        self.seen_dense = True

    def cast(self, node) -> None:
        to = self.graph.attribute(node, "to", None)
        onnx = self.graph.onnx
        if to not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16):
            raise self.graph.unsupported(node, "a cast to a non-float type")

    # ------------------------------------------------------------ dense layers

    def gemm(self, node) -> None:
        graph = self.graph
        if graph.attribute(node, "transA", 0):
            raise graph.unsupported(node, "transA = 1")
        B = self.weights(node, 1)
        W = B if graph.attribute(node, "transB", 0) else B.T
        alpha = graph.attribute(node, "alpha", 1.0)
        beta = graph.attribute(node, "beta", 1.0)
        W = W if alpha == 1.0 else W * W.dtype.type(alpha)
        b = graph.constant(node, 2)
        b = b if b is None or beta == 1.0 else b * b.dtype.type(beta)
        self.add_dense(W, b)

    def matmul(self, node, nxt) -> int:
        """MatMul(x, B) is z = x B: W = Bᵀ; a following Add of a constant is the bias."""
        W = self.weights(node, 1).T
        if (
            nxt is not None
            and nxt.op_type == "Add"
            and self.graph.data_inputs(nxt) == [node.output[0]]
        ):
            c = self.graph.constants[next(x for x in nxt.input if x != node.output[0])]
            self.add_dense(W, c)
            return 1
        self.add_dense(W, None)
        return 0

    def weights(self, node, position: int) -> np.ndarray:
        if node.input[0] not in self.graph.constants and position < len(node.input):
            B = self.graph.constants.get(node.input[position])
            if B is not None and B.ndim == 2:
                return np.asarray(B)
        raise self.graph.unsupported(node, "its weights are not one constant matrix")

    def add_dense(self, W: np.ndarray, b) -> None:
        self.flush_scaling()
        self.out.append(dense(W, b))

    def softmax(self, node) -> None:
        axis = self.graph.attribute(node, "axis", -1)
        if axis not in (1, -1):
            why = f"over axis {axis}; glassnet's Softmax runs over the features"
            raise self.graph.unsupported(node, why)
        self.out.append(Softmax())
