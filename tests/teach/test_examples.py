"""The built-in worked examples against values derived by hand from the documents' equations.

Every expected number here is computed in the test from the equations (math.exp and plain
arithmetic), never copied from the program's output.
"""

import math

import numpy as np
import pytest

from glassnet import teach as explain
from glassnet.errors import ValidationError
from glassnet.nn.layers import Sigmoid
from glassnet.teach import worked as examples
from glassnet.teach.worked import doc000_xor_231


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


def relu(z):
    return z if z > 0 else 0.0


def close(a, b, tol=1e-12):
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=tol, atol=tol)


def layer(tr, augmented):
    return next(lg for lg in tr.layers if lg.augmented == augmented)


# ---------------------------------------------------------------- 1-1-1 (document 001)

# Equations 1.1–1.4 with w₁ = 0.2, b₁ = 0.8, w₂ = 0.4, b₂ = 0.9, input 0.6, target 0.
y1, w1, b1, w2, b2, target = 0.6, 0.2, 0.8, 0.4, 0.9, 0.0
y2 = y1 * w1 - b1  # 0.12 − 0.8 = −0.68
z3 = y2 * w2 - b2  # −0.272 − 0.9 = −1.172
y3 = 1 / (1 + math.exp(-z3))  # σ(−1.172) ≈ 0.2365
C = (y3 - target) ** 2  # ≈ 0.0559
# 3.1–3.4: e^(−z)/(1 + e^(−z))² is σ′(z₃)
s_prime = math.exp(-z3) / (1 + math.exp(-z3)) ** 2
dC_dw2 = 2 * (y3 - target) * s_prime * y2  # 3.1
dC_db2 = 2 * (y3 - target) * s_prime * -1  # 3.2
dC_dw1 = 2 * (y3 - target) * s_prime * w2 * y1  # 3.3
dC_db1 = 2 * (y3 - target) * s_prime * w2 * -1  # 3.4
# 4.1 with learning rate 1
w1_new, b1_new, w2_new, b2_new = w1 - dC_dw1, b1 - dC_db1, w2 - dC_dw2, b2 - dC_db2
C_new = (sigma((y1 * w1_new - b1_new) * w2_new - b2_new) - target) ** 2


def test_hand_values_are_the_ones_the_brief_quotes():
    assert y2 == pytest.approx(-0.68)
    assert z3 == pytest.approx(-1.172)
    assert round(y3, 4) == 0.2365
    assert round(C, 4) == 0.0559
    assert C_new < C


def test_111_trace_every_intermediate():
    tr = examples.get("1-1-1").trace()
    assert close(tr.value("y₁"), [y1])
    assert close(tr.value("y₂"), [y2])
    assert close(tr.value("z₃"), [z3])
    assert close(tr.value("y₃"), [y3])
    assert tr.cost == pytest.approx(C, rel=1e-12)
    assert close(tr.factor("C", "y₃").value, [[2 * (y3 - target)]])
    assert close(tr.factor("y₃", "z₃").value, [[s_prime]])
    assert close(tr.factor("z₃", "y₂").value, [[w2]])
    # the X factors carry −1 where the subtracted bias goes: ∂y₂/∂b₁ = −1
    assert close(tr.factor("y₂", "[w₁ | b₁]").value.array(), [[y1, -1]])
    assert close(tr.factor("z₃", "[w₂ | b₂]").value.array(), [[y2, -1]])


def test_111_gradient_in_the_documents_sign_convention():
    tr = examples.get("1-1-1").trace()
    first, second = layer(tr, "[w₁ | b₁]"), layer(tr, "[w₂ | b₂]")
    for kind in ("chain", "backprop", "numeric"):
        assert close(first.grad[kind], [[dC_dw1, dC_db1]], 1e-9)
        assert close(second.grad[kind], [[dC_dw2, dC_db2]], 1e-9)
    # δ is glassnet's ∂C/∂z: ∂C/∂b for b = −b₁ is −∂C/∂b₁
    assert close(first.delta, [-dC_db1])
    assert tr.errors["chain vs backprop"] < 1e-14


def test_111_update_and_new_cost():
    tr = examples.get("1-1-1").trace()
    assert tr.lr == 1.0
    assert close(layer(tr, "[w₁ | b₁]").new_Wb, [[w1_new, b1_new]])
    assert close(layer(tr, "[w₂ | b₂]").new_Wb, [[w2_new, b2_new]])
    assert tr.new_cost == pytest.approx(C_new, rel=1e-12)


def test_111_correct_figures_and_the_documents_slips():
    right = examples.correct_111()
    assert right["y₃"] == pytest.approx(y3)
    assert right["∂C/∂w₁"] == pytest.approx(dC_dw1)
    assert right["∂C/∂b₁"] == pytest.approx(dC_db1)
    assert right["w₂′"] == pytest.approx(w2_new)
    assert right["C′"] == pytest.approx(C_new)
    # The document's figures redone with its slips, by hand:
    y3_slip = sigma(w2 * y2 + b2)  # b₂ added where 1.3 subtracts it
    k = y3_slip * y3_slip * (1 - y3_slip)  # the 2 of 2(y₃ − y) dropped
    slips = examples.slips_111()
    assert slips["y₃"] == pytest.approx(y3_slip)
    assert round(y3_slip, 2) == 0.65  # printed y₃
    assert round(y3_slip**2, 3) == 0.425  # printed C
    assert round(k * y2, 2) == -0.10  # printed ∂C/∂w₂
    assert round(-k, 2) == -0.15  # printed ∂C/∂b₂
    assert slips["∂C/∂w₁"] == pytest.approx(k * w2 * y1)
    assert round(w1 + 0.037, 3) == 0.237  # w₁′ = w₁ + ∇: the step went uphill
    printed = examples.document_111()
    c_new_slip = sigma(printed["w₂′"] * (y1 * printed["w₁′"] - printed["b₁′"]) + printed["b₂′"])
    assert round(c_new_slip**2, 2) == 0.38  # printed C′
    assert slips["C′"] == pytest.approx(c_new_slip**2)


def test_111_worked_example_prints_both_figures():
    text = explain.render(examples.get("1-1-1").worked())
    for value in (y3, C, dC_dw1, dC_db1, dC_dw2, dC_db2, w1_new, b1_new, w2_new, b2_new, C_new):
        assert explain.num(value) in text
    for printed in ("0.65", "0.425", "0.037", "-0.061", "0.237", "0.738", "0.437", "0.745", "0.38"):
        assert printed in text
    prose = " ".join(text.split())  # the text renderer wraps paragraphs
    assert "added b₂ where equation 1.3 subtracts it" in prose
    assert "∂C/∂b₁ = −∂C/∂b" in prose


# ---------------------------------------------------------------- 2-2-1 XOR (document 002)

XOR = [(1, 0), (0, 0), (0, 1), (1, 1)]
PRINTED_221 = {  # document 002's table: h₀, h₁, sᵧ, y
    (1, 0): (0.731, 0.119, 1.060, 0.743),
    (0, 0): (0.119, 0.018, -1.495, 0.183),
    (0, 1): (0.881, 0.269, 1.060, 0.743),
    (1, 1): (0.993, 0.731, -0.690, 0.334),
}


def hand_221(x0, x1):
    """W = [[3, 4, −2], [2, 3, −4]], U = [5, −5, −2], σ everywhere."""
    s0, s1 = 3 * x0 + 4 * x1 - 2, 2 * x0 + 3 * x1 - 4
    h0, h1 = sigma(s0), sigma(s1)
    sy = 5 * h0 - 5 * h1 - 2
    return s0, s1, h0, h1, sy, sigma(sy)


def test_221_recovered_weights_give_the_tables_pre_activations():
    assert [hand_221(*x)[0] for x in XOR] == [1, -2, 2, 5]
    assert [hand_221(*x)[1] for x in XOR] == [-2, -4, -1, 1]


def test_221_table_exact_and_to_the_documents_three_decimals():
    rows = examples.xor_table(examples.W_221, examples.U_221)
    for row, x in zip(rows, XOR, strict=True):
        s0, s1, h0, h1, sy, y = hand_221(*x)
        assert row["x"] == x
        assert close(row["s_h"], [s0, s1])
        assert close(row["h"], [h0, h1])
        assert row["s_y"] == pytest.approx(sy, rel=1e-12)
        assert row["y"] == pytest.approx(y, rel=1e-12)
        p_h0, p_h1, p_sy, p_y = PRINTED_221[x]
        assert (round(h0, 3), round(h1, 3), round(y, 3)) == (p_h0, p_h1, p_y)
        # its sᵧ came from h rounded to three decimals
        assert round(5 * round(h0, 3) - 5 * round(h1, 3) - 2, 3) == p_sy
        assert abs(sy - p_sy) < 0.0015


def test_221_trace_follows_the_documents_update_formulas():
    tr = examples.get("xor-2-2-1").trace()
    x0, x1, t = 1.0, 0.0, 1.0
    s0, s1, h0, h1, sy, y = hand_221(x0, x1)
    assert close(tr.value("sₕ"), [s0, s1])
    assert close(tr.value("h"), [h0, h1])
    assert close(tr.value("y"), [y])
    assert tr.cost == pytest.approx(0.5 * (t - y) ** 2)
    delta = -(t - y) * y * (1 - y)  # δ = −(t − y) σ′(sᵧ)
    u = (5, -5)
    assert close(layer(tr, "U").grad["chain"], [[delta * h0, delta * h1, delta]])  # 1.13–1.20
    dW = [
        [delta * u[i] * sigma(s) * (1 - sigma(s)) * xj for xj in (x0, x1, 1.0)]
        for i, s in enumerate((s0, s1))
    ]  # 1.15–1.22
    assert close(layer(tr, "W").grad["chain"], dW)
    assert close(layer(tr, "W").new_Wb, np.array(examples.W_221) - np.array(dW))
    assert tr.passed


def test_221_worked_example_shows_both_tables_and_the_slips():
    text = explain.render(examples.get("xor-2-2-1").worked())
    for x in XOR:
        _, _, h0, h1, _, y = hand_221(*x)
        for value in (h0, h1, y):
            assert explain.num(value) in text
    assert "σ(1.060) = 0.743" in text
    prose = " ".join(text.split())
    assert "lost their minus signs" in prose
    assert "says ReLU" in prose


def test_converged_weights_under_each_reading():
    W = examples.W_CONVERGED
    U = examples.U_CONVERGED[0]

    def hand(x, hidden, output):
        s = [W[i][0] * x[0] + W[i][1] * x[1] + W[i][2] for i in range(2)]
        h = [hidden(v) for v in s]
        return output(U[0] * h[0] + U[1] * h[1] + U[2])

    readings = {
        (relu, relu): [1, 0, 1, 0],  # as the text writes it: XOR solved
        (relu, lambda v: v): [1, 0, 1, 0],
    }
    for (hidden, output), expected in readings.items():
        assert np.allclose([hand(x, hidden, output) for x in XOR], expected, atol=1e-8)
    sig = [hand(x, sigma, sigma) for x in XOR]
    assert all(0.35 < v < 0.5 for v in sig)  # σ everywhere: every input classed 0
    rows = examples.xor_table(W, examples.U_CONVERGED, Sigmoid, Sigmoid)
    assert close([r["y"] for r in rows], sig)
    relu_sig = [hand(x, relu, sigma) for x in XOR]
    assert [round(v, 3) for v in relu_sig] == [0.731, 0.5, 0.731, 0.5]
    text = explain.render(examples.get("xor-2-2-1-converged").worked())
    assert "solve XOR" in " ".join(text.split())
    assert explain.num(sig[0]) in text


# ---------------------------------------------------------------- 2-3-1 XOR (document 000)


def hand_231(W1, W2, x, y):
    """Document 000's equations (2), (3) and its chain products, written out."""
    xt = [x[0], x[1], 1.0]
    z1 = [sum(W1[i][j] * xt[j] for j in range(3)) for i in range(3)] + [1.0]
    x2 = [relu(v) for v in z1]
    z2 = sum(W2[0][k] * x2[k] for k in range(4))
    yt = sigma(z2)
    L = (y - yt) ** 2
    k = 2 * (yt - y) * yt * (1 - yt)  # dL/dỹ · dỹ/dz₂
    dW2 = [[k * v for v in x2]]
    dW1 = [[k * W2[0][i] * (1.0 if z1[i] > 0 else 0.0) * xj for xj in xt] for i in range(3)]
    return z1, x2, z2, yt, L, dW1, dW2


def test_231_initial_weights_are_the_seeded_ones():
    W1, W2 = examples.initial_weights_231()
    assert close(W1, examples.WB1_231)
    assert close(W2, examples.WB2_231)


def test_231_before_training_by_hand():
    tr = examples.get("xor-2-3-1").trace()
    z1, x2, z2, yt, L, dW1, dW2 = hand_231(examples.WB1_231, examples.WB2_231, (1, 0), 1.0)
    assert close(z1, [-1.5, 1.3, 1.0, 1.0])
    assert close(tr.value("x̃"), [1, 0, 1])
    assert close(tr.value("z₁"), z1)
    assert close(tr.value("x₂"), x2)
    assert close(tr.value("z₂"), [z2])
    assert z2 == pytest.approx(0.2 * 1.3 - 1.1 * 1.0 - 0.8)
    assert close(tr.value("ỹ"), [yt])
    assert tr.cost == pytest.approx(L)
    assert close(layer(tr, "W⁽²⁾").grad["chain"], dW2)
    assert close(layer(tr, "W⁽¹⁾").grad["chain"], dW1)
    # the documents' factors: diag(R′(z₁)) 4×4 with the extra 1, [I; 0] 4×3, X 3×9
    assert close(tr.factor("x₂", "z₁").value, np.diag([0.0, 1.0, 1.0, 1.0]))
    assert close(tr.factor("z₁", "q").value, np.vstack([np.eye(3), np.zeros((1, 3))]))
    assert tr.factor("q", "w₁").value.shape == (3, 9)


def test_231_three_gradients_agree_before_and_after_training():
    doc = examples.get("xor-2-3-1").worked()
    traces = [p for p in doc.parts if isinstance(p, explain.Trace)]
    assert [t.title for t in traces] == ["Before training", "After training"]
    for tr in traces:
        assert tr.errors["chain vs backprop"] < 1e-7
        assert tr.errors["backprop vs numeric"] < 1e-7
        assert tr.errors["chain vs numeric"] < 1e-7


def test_231_after_training_solves_xor_and_matches_hand_arithmetic():
    net = examples.trained_231()
    W1 = np.hstack([net.layers[0].W, net.layers[0].b[:, None]]).tolist()
    W2 = np.hstack([net.layers[2].W, net.layers[2].b[:, None]]).tolist()
    outputs = [hand_231(W1, W2, x, 0.0)[3] for x in XOR]
    assert [v > 0.5 for v in outputs] == [True, False, True, False]
    tr = examples.get("xor-2-3-1").trace()  # untrained by design: build() is the start
    doc = examples.get("xor-2-3-1").worked()
    after = [p for p in doc.parts if isinstance(p, explain.Trace)][1]
    z1, x2, z2, yt, L, dW1, dW2 = hand_231(W1, W2, (1, 0), 1.0)
    assert close(after.value("z₁"), z1, 1e-9)
    assert after.cost == pytest.approx(L, rel=1e-9)
    assert close(layer(after, "W⁽¹⁾").grad["chain"], dW1, 1e-9)
    assert tr.cost != pytest.approx(after.cost)


def test_unknown_example_lists_the_valid_names():
    with pytest.raises(ValidationError, match="valid examples: 1-1-1, xor-2-2-1"):
        examples.get("nope")


def test_every_example_has_a_one_line_description_and_a_source():
    for name in examples.names():
        ex = examples.get(name)
        assert ex.name == name and "\n" not in ex.description
        assert ex.source.startswith("reference/")


def test_document_000s_training_data_is_gaussian_clusters_around_the_xor_points():
    # The generator the example carried before it called glassnet.datasets.xor_clusters:
    # 25 points around each corner, σ = 0.15, seed 0, then one shuffle from the same generator.
    rng = np.random.default_rng(0)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    X = np.repeat(corners, 25, axis=0) + 0.15 * rng.standard_normal((100, 2))
    order = rng.permutation(100)
    y = np.repeat([0.0, 1.0, 1.0, 0.0], 25)
    X_doc, y_doc = doc000_xor_231.training_data()
    assert X_doc.dtype == np.float64 and y_doc.dtype == np.float64
    assert np.array_equal(X_doc, X[order])
    assert np.array_equal(y_doc, y[order])
