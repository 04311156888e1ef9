"""explain.trace on general networks and explain.render in its three formats."""

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import teach as explain
from glassnet.errors import ValidationError
from glassnet.teach import worked as examples


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


def test_trace_leaves_the_network_alone_and_works_in_float64():
    net = gn.Network([gn.Dense(2, 3), gn.Tanh(), gn.Dense(3, 1), gn.Sigmoid()], seed=1)
    before = [layer.W.copy() for layer in net.dense_layers]
    tr = explain.trace(net, [0.3, -0.7], 1.0, lr=0.5)
    after = [layer.W for layer in net.dense_layers]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert net.dense_layers[0].W.dtype == np.float32
    assert tr.value("z⁽¹⁾").dtype == np.float64
    assert tr.passed


def test_one_unit_network_by_hand():
    # z = w x + b, ŷ = σ(z), L = (ŷ − y)²
    w, b, x, y = 1.5, -0.25, 0.8, 1.0
    net = gn.Network([gn.Dense(1, 1, W=[[w]], b=[b]), gn.Sigmoid()], dtype="float64")
    tr = explain.trace(net, [x], y, lr=0.1)
    z = w * x + b
    p = sigma(z)
    k = 2 * (p - y) * p * (1 - p)
    assert tr.value("z⁽¹⁾")[0] == pytest.approx(z)
    assert tr.value("ŷ")[0] == pytest.approx(p)
    assert tr.cost == pytest.approx((p - y) ** 2)
    lg = tr.layers[0]
    assert np.allclose(lg.grad["chain"], [[k * x, k]])
    assert np.allclose(lg.new_Wb, [[w - 0.1 * k * x, b - 0.1 * k]])
    assert tr.new_cost == pytest.approx((sigma((w - 0.1 * k * x) * x + b - 0.1 * k) - y) ** 2)


@pytest.mark.parametrize(
    "loss, last, target",
    [
        ("squared_error", gn.Identity, [0.5, -1.0, 2.0]),
        ("half_squared_error", gn.Tanh, [0.5, -0.1, 0.2]),
        ("mse", gn.Sigmoid, [0.0, 1.0, 1.0]),
        ("cross_entropy", gn.Softmax, 2),
        ("cross_entropy", gn.Identity, 1),
    ],
)
def test_chain_product_equals_backprop_and_central_differences(loss, last, target):
    net = gn.Network(
        [gn.Dense(4, 5), gn.LeakyReLU(), gn.Dense(5, 3), last()], seed=3, dtype="float64"
    )
    x = np.array([0.4, -1.2, 0.9, 0.1])
    tr = explain.trace(net, x, target, loss)
    assert tr.errors["chain vs backprop"] < 1e-10
    assert tr.errors["backprop vs numeric"] < 1e-7
    assert tr.errors["chain vs numeric"] < 1e-7


def test_binary_cross_entropy_on_a_sigmoid_output():
    net = gn.Network([gn.Dense(2, 2), gn.ReLU(), gn.Dense(2, 1), gn.Sigmoid()], seed=5)
    tr = explain.trace(net, [0.7, 0.2], 1, "binary_cross_entropy")
    assert tr.passed


def test_large_layer_keeps_X_implicit_and_elides_the_print():
    net = gn.Network([gn.Standardize(0, 255), gn.Dense(784, 16), gn.ReLU(), gn.Dense(16, 10)],
                     seed=0)  # fmt: skip
    x = np.arange(784) % 256
    tr = explain.trace(net, x, 3, "cross_entropy", max_checks=20)
    X = tr.factor("z⁽¹⁾", "w⁽¹⁾").value
    assert X.shape == (16, 16 * 785)
    assert tr.errors["chain vs backprop"] < 1e-10
    text = explain.render(tr)
    assert "…" in text and "16×12560" in text


def test_extra_one_form_matches_the_plain_form():
    net = examples.get("xor-2-3-1").build().net
    plain = explain.trace(net, [0.2, 0.9], 1.0)
    extra = explain.trace(net, [0.2, 0.9], 1.0, form="extra-one")
    for a, b in zip(plain.layers, extra.layers, strict=True):
        assert np.allclose(a.grad["chain"], b.grad["chain"])
    assert extra.value("x̃").tolist() == [0.2, 0.9, 1.0]


def test_extra_one_form_needs_f_of_1_equal_1():
    net = gn.Network([gn.Dense(2, 2), gn.Sigmoid(), gn.Dense(2, 1), gn.Sigmoid()], seed=0)
    with pytest.raises(ValidationError, match="f\\(1\\) = 1"):
        explain.trace(net, [0, 1], 1.0, form="extra-one")


def test_bad_sample_and_format_are_explained():
    net = gn.Network([gn.Dense(2, 1), gn.Sigmoid()], seed=0)
    with pytest.raises(ValidationError, match="2 input value"):
        explain.trace(net, [1, 2, 3], 1.0)
    tr = explain.trace(net, [1, 2], 1.0)
    with pytest.raises(ValidationError, match="valid formats: text, markdown, latex"):
        explain.render(tr, "html")


@pytest.fixture(scope="module")
def trace_221():
    return examples.get("xor-2-2-1").trace()


def test_render_text_has_aligned_matrices_and_no_latex(trace_221):
    text = explain.render(trace_221)
    h0, h1 = sigma(1), sigma(-2)
    assert explain.num(h0) in text and explain.num(h1) in text
    assert "⎡" in text and "⎦" in text
    assert "2×3" in text and "1×6" in text
    assert "\\" not in text and "$" not in text
    assert "diag(σ′(sₕ))" in text


def test_render_markdown_has_tables_and_code_blocks(trace_221):
    md = explain.render(trace_221, "markdown")
    assert "|---|" in md and "```" in md and "### Forward pass" in md
    assert explain.num(sigma(1)) in md


def test_render_latex_uses_bmatrix_and_fractions(trace_221):
    tex = explain.render(trace_221, "latex")
    assert "\\begin{bmatrix}" in tex and "\\end{bmatrix}" in tex
    assert "\\begin{align*}" in tex
    assert "\\frac{\\partial L}{\\partial y}" in tex
    assert explain.num(sigma(1)) in tex
    assert "σ" not in tex.split("\\begin{align*}")[1].split("\\end{align*}")[0]


def test_latex_math_conversions():
    assert explain.latex_math("∂z⁽²⁾/∂a⁽¹⁾") == "\\frac{\\partial z^{(2)}}{\\partial a^{(1)}}"
    assert explain.latex_math("diag(σ′(z₃))") == "\\operatorname{diag}(\\sigma '(z_{3}))"
    assert explain.latex_math("x̃") == "\\tilde{x}"


def test_num_formats_for_reading():
    assert explain.num(3.0) == "3"
    assert explain.num(-0.0) == "0"
    assert explain.num(0.23649366515) == "0.236494"
