"""Optimizers against their closed forms, schedules, and validation."""

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.errors import ValidationError
from glassnet.nn.optimizers import from_config, get, get_schedule


def run(opt, grads, theta0=1.0):
    """Apply opt to one scalar parameter for a sequence of gradients; return θ after each."""
    p = np.array([theta0])
    g = np.zeros(1)
    opt.bind([(p, g)])
    out = []
    for value in grads:
        g[...] = value
        opt.step()
        out.append(float(p[0]))
    return out


def test_plain_sgd():
    assert run(gn.SGD(lr=0.1), [2.0, 2.0]) == pytest.approx([0.8, 0.6])


def test_sgd_weight_decay_adds_lambda_theta():
    # g + λθ = 0 + 0.5·1 → θ = 1 − 0.1·0.5
    assert run(gn.SGD(lr=0.1, weight_decay=0.5), [0.0]) == pytest.approx([0.95])


def test_momentum_closed_form():
    # v₁ = g = 1, θ₁ = 1 − 0.1; v₂ = 0.9·1 + 1 = 1.9, θ₂ = 0.9 − 0.19
    assert run(gn.SGD(lr=0.1, momentum=0.9), [1.0, 1.0]) == pytest.approx([0.9, 0.71])


def test_nesterov_closed_form():
    # v₁ = 1, step = g + μv₁ = 1.9 → θ₁ = 1 − 0.19; v₂ = 1.9, step = 1 + 0.9·1.9 = 2.71
    assert run(gn.SGD(lr=0.1, momentum=0.9, nesterov=True), [1.0, 1.0]) == pytest.approx(
        [0.81, 0.81 - 0.271]
    )


def test_adam_closed_form_two_steps():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    theta, m, v, expected = 1.0, 0.0, 0.0, []
    for t, g in enumerate([0.5, -0.2], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        expected.append(theta)
    assert run(gn.Adam(lr=lr), [0.5, -0.2]) == pytest.approx(expected, rel=1e-12)


def test_adam_first_step_moves_by_lr_whatever_the_gradient_scale():
    assert run(gn.Adam(lr=0.01), [1e-3])[0] == pytest.approx(0.99, rel=1e-5)


def test_adamw_decouples_weight_decay():
    # step 1: θ ← θ − ηλθ, then the Adam step (≈ η·sign(g)); with g = 0 the Adam step is 0
    assert run(gn.AdamW(lr=0.1, weight_decay=0.5), [0.0]) == pytest.approx([0.95])
    # Adam's L2 form puts λθ into the gradient: first step is then ≈ η
    assert run(gn.Adam(lr=0.1, weight_decay=0.5), [0.0]) == pytest.approx([0.9], rel=1e-6)


def test_paper_defaults():
    adam, adamw = gn.Adam(), gn.AdamW()
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay) == (0.001, (0.9, 0.999), 1e-8, 0)
    assert adamw.weight_decay == 0.01


def test_step_and_cosine_schedules():
    step = gn.StepDecay(step=2, gamma=0.5)
    assert [step.factor(e) for e in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    cosine = gn.Cosine(epochs=4)
    assert [round(cosine.factor(e), 12) for e in range(5)] == [
        1.0,
        round(0.5 * (1 + math.cos(math.pi / 4)), 12),
        0.5,
        round(0.5 * (1 + math.cos(3 * math.pi / 4)), 12),
        0.0,
    ]
    assert get_schedule("step", epochs=9).step == 3


def test_schedule_changes_the_learning_rate_each_epoch():
    net = gn.Network([gn.Dense(1, 1)], seed=0)
    X = np.ones((4, 1))
    history = net.fit(X, X[:, 0], optimizer=gn.SGD(0.1), epochs=4, schedule=gn.StepDecay(2, 0.1))
    assert history.lr == pytest.approx([0.1, 0.1, 0.01, 0.01])


def test_get_by_name_and_config_round_trip():
    momentum = get("momentum", lr=0.05)
    assert (momentum.lr, momentum.momentum, momentum.nesterov) == (0.05, 0.9, False)
    sgd = gn.SGD(0.2, momentum=0.5, nesterov=True)
    for opt in (sgd, gn.Adam(0.003), gn.AdamW(weight_decay=0.1)):
        assert from_config(opt.config()).config() == opt.config()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: gn.SGD(lr=0), "lr must be a positive number, got 0"),
        (lambda: gn.SGD(lr=-1), "lr must be a positive number, got -1"),
        (lambda: gn.SGD(momentum=1.5), "momentum must be below 1"),
        (lambda: gn.SGD(nesterov=True), "nesterov=True needs a momentum above 0"),
        (lambda: gn.Adam(betas=(1.0, 0.9)), r"betas must each be in \[0, 1\)"),
        (lambda: get("rmsprop"), "unknown optimizer 'rmsprop'; valid optimizers: sgd"),
        (lambda: get_schedule("warp"), "unknown schedule 'warp'; valid schedules: constant"),
    ],
)
def test_optimizer_validation_messages(make, message):
    with pytest.raises(ValidationError, match=message):
        make()
