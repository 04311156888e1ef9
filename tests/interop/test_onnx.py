"""glassnet ⇄ ONNX against the real onnx checker and ONNX Runtime: the same numbers."""

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

import glassnet as gn
from glassnet.errors import ModelFileError, ValidationError
from interop_helpers import TOLERANCE, classifier, export_with_torch, inputs, same_weights


def session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_export_is_checked_and_onnx_runtime_reproduces_forward(any_net, tmp_path):
    path = tmp_path / "m.onnx"
    model = gn.to_onnx(any_net, path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    assert model.opset_import[0].version >= 17
    X = inputs(any_net)
    outputs = session(path).run(None, {"input": X})
    assert np.abs(outputs[0] - any_net.forward(X)).max() <= TOLERANCE
    names = [o.name for o in model.graph.output]
    assert names[0] == "output"
    if any_net.task != "regression":
        assert names[1:] == ["probabilities", "label"]
        assert np.abs(outputs[1] - any_net.predict_proba(X)).max() <= TOLERANCE
        assert np.array_equal(outputs[2], any_net.predict(X))
    else:
        assert names[1:] == ["prediction"]
        assert np.abs(outputs[1] - any_net.predict(X)).max() <= 1e-4  # in the target's units


def test_float64_networks_export_as_double(tmp_path):
    net = classifier(dtype="float64")
    gn.to_onnx(net, tmp_path / "m.onnx")
    X = inputs(net)
    out = session(tmp_path / "m.onnx").run(["output"], {"input": X})[0]
    assert out.dtype == np.float64 and np.abs(out - net.forward(X)).max() <= 1e-8


def test_metadata_holds_classes_feature_names_and_the_card(tmp_path):
    net = classifier()
    model = gn.to_onnx(net, tmp_path / "m.onnx")
    props = {p.key: p.value for p in onnx.load(tmp_path / "m.onnx").metadata_props}
    assert json.loads(props["classes"]) == ["cat", "dog", "fox"]
    assert json.loads(props["feature_names"]) == ["a", "b", "c", "d", "e"]
    assert props["task"] == "multiclass"
    assert json.loads(props["glassnet_card"])["classes"] == ["cat", "dog", "fox"]
    assert model.producer_name == "glassnet"
    meta = session(tmp_path / "m.onnx").get_modelmeta().custom_metadata_map
    assert json.loads(meta["classes"]) == ["cat", "dog", "fox"]


def test_round_trip_gives_bit_identical_weights_and_card(any_net, tmp_path):
    gn.to_onnx(any_net, tmp_path / "m.onnx")
    back = gn.from_onnx(tmp_path / "m.onnx")
    assert same_weights(any_net, back) and back.dtype == any_net.dtype
    assert back.card.classes == any_net.card.classes and back.task == any_net.task
    assert back.card.target_scale == any_net.card.target_scale
    assert back.card.training["imported_from"].startswith("ONNX m.onnx")
    X = inputs(any_net)
    assert np.array_equal(back.forward(X), any_net.forward(X))


def test_round_trip_of_a_float64_network(tmp_path):
    net = classifier(dtype="float64")
    gn.to_onnx(net, tmp_path / "m.onnx")
    assert same_weights(net, gn.from_onnx(tmp_path / "m.onnx"))


def test_the_input_type_can_be_chosen(tmp_path):
    net = classifier()
    model = gn.to_onnx(net, input_type="float64")
    assert model.graph.input[0].type.tensor_type.elem_type == TensorProto.DOUBLE
    X = inputs(net).astype(np.float64)
    out = ort.InferenceSession(model.SerializeToString()).run(["output"], {"input": X})[0]
    assert np.abs(out - net.forward(X)).max() <= TOLERANCE
    with pytest.raises(ValidationError, match="input_type must be one of uint8, float32"):
        gn.to_onnx(net, input_type="int4")


def test_image_models_take_raw_uint8_pixels(tmp_path):
    net = gn.Network([gn.Standardize(0, 255), gn.Dense(16, 5), gn.ReLU(), gn.Dense(5, 3)],
                     seed=0)  # fmt: skip
    net.task, net.card.image_shape, net.card.classes = "multiclass", (4, 4), list("abc")
    model = gn.to_onnx(net, tmp_path / "img.onnx")
    assert model.graph.input[0].type.tensor_type.elem_type == TensorProto.UINT8
    pixels = np.random.default_rng(0).integers(0, 256, (1000, 16), dtype=np.uint8)
    out, _, labels = session(tmp_path / "img.onnx").run(None, {"input": pixels})
    assert np.abs(out - net.forward(pixels)).max() <= TOLERANCE
    assert list(labels) == list(net.predict(pixels))
    back = gn.from_onnx(tmp_path / "img.onnx")
    assert same_weights(net, back) and back.card.image_shape == (4, 4)


# ---------------------------------------------------------------- graphs made elsewhere


def foreign(nodes, initializers, n_in, n_out, name="foreign.onnx", tmp_path=None, opset=17):
    graph = helper.make_graph(
        nodes, "foreign",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", n_in])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", n_out])],
        [numpy_helper.from_array(np.asarray(v, dtype=np.float32), k)
         for k, v in initializers.items()],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = tmp_path / name
    onnx.save(model, path)
    return path


def test_matmul_add_and_sub_div_scaling_import_with_the_same_outputs(tmp_path):
    rng = np.random.default_rng(5)
    weights = {"mean": rng.normal(size=4), "std": rng.uniform(1, 3, 4),
               "B1": rng.normal(size=(4, 6)),
               "c1": rng.normal(size=6), "B2": rng.normal(size=(6, 3)), "c2": rng.normal(size=3),
               "B3": rng.normal(size=(3, 2)), "alpha": 0.5}  # fmt: skip
    nodes = [
        helper.make_node("Sub", ["x", "mean"], ["s"]),
        helper.make_node("Div", ["s", "std"], ["d"]),
        helper.make_node("MatMul", ["d", "B1"], ["m1"]),
        helper.make_node("Add", ["c1", "m1"], ["z1"]),
        helper.make_node("LeakyRelu", ["z1"], ["a1"], alpha=0.2),
        helper.make_node("Gemm", ["a1", "B2", "c2"], ["z2"], alpha=0.5, beta=2.0),
        helper.make_node("Sigmoid", ["z2"], ["a2"]),
        helper.make_node("MatMul", ["a2", "B3"], ["z3"]),
        helper.make_node("Softmax", ["z3"], ["y"], axis=-1),
    ]
    path = foreign(nodes, weights, 4, 2, tmp_path=tmp_path)
    net = gn.from_onnx(path)
    assert repr(net) == ("Network(Standardize(4 features), Dense(4→6), LeakyReLU(0.2), "
                         "Dense(6→3), Sigmoid(), Dense(3→2), Softmax())")  # fmt: skip
    X = (rng.normal(size=(1000, 4)) * 3).astype(np.float32)
    expected = session(path).run(None, {"x": X})[0]
    assert np.abs(net.forward(X) - expected).max() <= TOLERANCE


def test_a_pytorch_exported_graph_imports_with_the_same_outputs(tmp_path):
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 10), torch.nn.Tanh(),
                                 torch.nn.Linear(10, 4))  # fmt: skip
    path = tmp_path / "torch.onnx"
    export_with_torch(module, (torch.zeros(1, 3, 4),), path, input_names=["x"],
                      dynamic_axes={"x": {0: "N"}})  # fmt: skip
    net = gn.from_onnx(path)
    X = np.random.default_rng(0).normal(size=(1000, 3, 4)).astype(np.float32)
    expected = session(path).run(None, {"x": X})[0]
    assert np.abs(net.forward(X.reshape(1000, -1)) - expected).max() <= TOLERANCE
    assert net.card.image_shape == (3, 4)
    assert "pytorch" in net.card.training["imported_from"]


def conv_graph(tmp_path):
    w = np.ones((2, 1, 3, 3), dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv1")], "cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 5, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2, 3, 3])],
        [numpy_helper.from_array(w, "w")],
    )  # fmt: skip
    path = tmp_path / "cnn.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_a_convolution_is_named_with_its_node_and_op(tmp_path):
    with pytest.raises(
        ValidationError,
        match=r"node .conv1. \(Conv\) cannot be represented in glassnet \(a convolution\).*Gemm",
    ):
        gn.from_onnx(conv_graph(tmp_path))


def test_a_skip_connection_is_named(tmp_path):
    nodes = [
        helper.make_node("Gemm", ["x", "W"], ["h"], transB=1, name="fc"),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("Add", ["x", "r"], ["y"], name="residual"),
    ]
    path = foreign(nodes, {"W": np.eye(3)}, 3, 3, tmp_path=tmp_path)
    with pytest.raises(ValidationError, match=r"node 'residual' \(Add\).*skip connection"):
        gn.from_onnx(path)


def test_an_unknown_op_is_named(tmp_path):
    nodes = [helper.make_node("Gemm", ["x", "W"], ["h"], transB=1, name="fc"),
             helper.make_node("Elu", ["h"], ["y"], name="elu1")]  # fmt: skip
    path = foreign(nodes, {"W": np.eye(3)}, 3, 3, tmp_path=tmp_path)
    with pytest.raises(ValidationError, match=r"node 'elu1' \(Elu\).*Relu, LeakyRelu"):
        gn.from_onnx(path)


def test_a_file_that_is_not_onnx_is_one_line(tmp_path):
    path = tmp_path / "junk.onnx"
    path.write_bytes(b"\x00\xffnot a protobuf at all" * 10)
    with pytest.raises(ModelFileError, match="is not an ONNX model"):
        gn.from_onnx(path)
    with pytest.raises(ModelFileError, match="does not exist"):
        gn.from_onnx(tmp_path / "missing.onnx")


def test_a_bias_of_the_wrong_size_and_a_broken_card_are_one_line(tmp_path):
    nodes = [helper.make_node("Gemm", ["x", "W", "c"], ["y"], transB=1, name="fc")]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
        [numpy_helper.from_array(np.ones((2, 3), np.float32), "W"),
         numpy_helper.from_array(np.ones(5, np.float32), "c")],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(ValidationError, match=r"2 units has a bias of shape \(5,\)"):
        gn.from_onnx(model)
    exported = gn.to_onnx(classifier())
    card = next(p for p in exported.metadata_props if p.key == "glassnet_card")
    card.value = '{"classes": "not a list"'
    with pytest.raises(ValidationError, match="glassnet_card metadata is not a card"):
        gn.from_onnx(exported)


def test_constant_nodes_and_mul_add_scaling_import_with_the_same_outputs(tmp_path):
    """Constants as Constant nodes (value_float, value_floats, a tensor) and computed from
    constants alone (a Transpose of the weights) are folded; Mul and Add scale the input."""
    rng = np.random.default_rng(6)
    weights = {"Wt": rng.normal(size=(4, 5)), "c1": rng.normal(size=5),
               "W2": rng.normal(size=(3, 5)), "W3": rng.normal(size=(2, 3))}  # fmt: skip
    per_feature = numpy_helper.from_array(np.array([1.0, 2.0, 4.0, 8.0], np.float32))
    nodes = [
        helper.make_node("Constant", [], ["scale"], value_float=1 / 255),
        helper.make_node("Constant", [], ["offset"], value_floats=[-0.5, 0.0, 0.25, 1.0]),
        helper.make_node("Constant", [], ["divisor"], value=per_feature),
        helper.make_node("Transpose", ["Wt"], ["W1"], name="transpose_weights"),
        helper.make_node("Mul", ["x", "scale"], ["s"]),
        helper.make_node("Add", ["s", "offset"], ["o"]),
        helper.make_node("Div", ["o", "divisor"], ["d"]),
        helper.make_node("Gemm", ["d", "W1", "c1"], ["z1"], transB=1),
        helper.make_node("Relu", ["z1"], ["a1"]),
        helper.make_node("Gemm", ["a1", "W2"], ["z2"], transB=1),
        helper.make_node("Tanh", ["z2"], ["a2"]),
        helper.make_node("Gemm", ["a2", "W3"], ["z3"], transB=1),
        helper.make_node("Identity", ["z3"], ["y"]),
    ]
    path = foreign(nodes, weights, 4, 2, tmp_path=tmp_path)
    net = gn.from_onnx(path)
    assert repr(net) == ("Network(Standardize(4 features), Dense(4→5), ReLU(), Dense(5→3), "
                         "Tanh(), Dense(3→2), Identity())")  # fmt: skip
    X = rng.integers(0, 256, (1000, 4)).astype(np.float32)
    expected = session(path).run(None, {"x": X})[0]
    assert np.abs(net.forward(X) - expected).max() <= TOLERANCE


def test_a_glassnet_model_exported_again_by_pytorch_comes_back(tmp_path):
    """glassnet → PyTorch → torch.onnx.export → glassnet: the module's Standardize becomes
    Cast, Sub, Reciprocal(std) and Mul, and the Reciprocal of a constant is folded."""
    net = classifier()
    path = tmp_path / "via-torch.onnx"
    export_with_torch(gn.to_torch(net), (torch.zeros(1, 5),), path, input_names=["x"],
                      dynamic_axes={"x": {0: "N"}})  # fmt: skip
    assert "Reciprocal" in [n.op_type for n in onnx.load(path).graph.node]
    back = gn.from_onnx(path)
    kept = [type(x) for x in net.layers if not isinstance(x, gn.Dropout)]  # gone in eval mode
    assert [type(x) for x in back.layers] == kept
    X = inputs(net)
    expected = session(path).run(None, {"x": X})[0]
    assert np.abs(back.forward(X) - expected).max() <= TOLERANCE
    assert np.abs(back.forward(X) - net.forward(X)).max() <= TOLERANCE


def test_a_constant_that_cannot_be_computed_is_one_line(tmp_path):
    nodes = [
        helper.make_node("Reshape", ["W0", "bad_shape"], ["W"], name="reshape_w"),
        helper.make_node("Gemm", ["x", "W"], ["y"], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
        [numpy_helper.from_array(np.ones(6, np.float32), "W0"),
         numpy_helper.from_array(np.array([4, 4]), "bad_shape")],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(ValidationError, match=r"node 'reshape_w' \(Reshape\) on constants could"):
        gn.from_onnx(model)
