"""Figures: each is rendered with Agg and its pixels are checked for what it must show."""

import io
import os

import numpy as np
import pytest
from PIL import Image

import glassnet as gn
from glassnet.errors import ValidationError
from glassnet.lab import GDRun, LRTrial, NormRecord
from glassnet.lab.features import feature_layer, feature_snapshot
from glassnet.lab.metrics import confusion_matrix
from glassnet.viz.boundary import boundary_figure
from glassnet.viz.confusion import confusion_figure
from glassnet.viz.curves import curves_figure
from glassnet.viz.experiments import compare_gd_figure, gradients_figure, lr_range_figure
from glassnet.viz.features import features_figure, features_gif
from glassnet.viz.style import (
    ACTIVATION_COLORS,
    BEST_COLOR,
    GD_COLORS,
    TRAIN_COLOR,
    VAL_COLOR,
    VERDICT_COLORS,
    class_color,
    png_bytes,
    pyplot,
    save,
    tint,
    write_atomically,
)
from glassnet.viz.weights import activations_figure, weights_figure

X4 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
Y4 = np.array([0, 1, 1, 0])
K = 10.0


def xor_net(hidden=2):
    """A ReLU network that solves XOR by hand: h₁ = R(x₁ + x₂), h₂ = R(x₁ + x₂ − 1),
    ŷ = σ(K(h₁ − 2h₂) − K/2), so ŷ > ½ exactly where 0.5 < x₁ + x₂ < 1.5 (class 1).
    With hidden=3 a third unit h₃ = R(x₁ − x₂) is added with output weight 0."""
    W1 = [[1.0, 1.0], [1.0, 1.0], [1.0, -1.0]][:hidden]
    b1 = [0.0, -1.0, 0.0][:hidden]
    W2 = [[K, -2 * K, 0.0][:hidden]]
    layers = [gn.Dense(2, hidden, W=W1, b=b1), gn.ReLU(), gn.Dense(hidden, 1, W=W2, b=[-K / 2]),
              gn.Sigmoid()]  # fmt: skip
    return gn.Network(layers, dtype="float64")


def rgb(hex_color):
    return np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def canvas(fig):
    """The figure's pixels (H, W, 3) as Agg drew them, without closing it."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[:, :, :3].astype(float)


def count_color(pixels, color, tolerance=12.0):
    """Pixels within `tolerance` of a colour: "#rrggbb", RGB in 0..1 (tuple) or 0..255 (array)."""
    if isinstance(color, str):
        target = rgb(color)
    elif isinstance(color, tuple):
        target = np.asarray(color, dtype=float) * 255
    else:
        target = np.asarray(color, dtype=float)
    return int(np.sum(np.linalg.norm(pixels - target, axis=-1) < tolerance))


def pixel_at(fig, ax, pixels, x, y):
    """The pixel under data coordinates (x, y) of `ax`."""
    px, py = ax.transData.transform((x, y))
    return pixels[int(round(pixels.shape[0] - py)), int(round(px))]


def inside(ax, pixels):
    """The pixels inside an axes' plotting area."""
    (x0, y0), (x1, y1) = ax.get_window_extent().get_points()
    h = pixels.shape[0]
    return pixels[int(h - y1) + 2 : int(h - y0) - 2, int(x0) + 2 : int(x1) - 2]


def png_image(fig):
    return Image.open(io.BytesIO(png_bytes(fig)))


def test_boundary_colours_xor_quadrants_by_class():
    net = xor_net()
    fig = boundary_figure(net, X4, Y4)
    ax = fig.axes[0]
    pixels = canvas(fig)
    tint0, tint1 = tint(class_color(0)), tint(class_color(1))
    # Background between the points: class 0 around (0,0) and (1,1), class 1 around the others.
    for (x, y), expected in [((-0.2, -0.2), tint0), ((1.2, 1.2), tint0),
                             ((-0.2, 1.2), tint1), ((1.2, -0.2), tint1)]:  # fmt: skip
        colour = pixel_at(fig, ax, pixels, x, y)
        assert np.linalg.norm(colour - np.array(expected) * 255) < 12, (x, y, colour)
    # The points themselves in the two class colours.
    assert count_color(pixels, class_color(0)) > 20
    assert count_color(pixels, class_color(1)) > 20
    pyplot().close(fig)


def test_boundary_rejects_more_than_two_inputs():
    net = gn.Network([gn.Dense(3, 1), gn.Sigmoid()], seed=0)
    with pytest.raises(ValidationError, match="2-D data only"):
        boundary_figure(net, np.zeros((4, 3)), np.zeros(4))


def history(n=30, with_val=True):
    epochs = list(range(1, n + 1))
    train = [1.0 / e for e in epochs]
    val = [1.0 / e + 0.002 * e for e in epochs]  # turns up: overfitting
    return {
        "epoch": epochs,
        "train_loss": train,
        "val_loss": val if with_val else [None] * n,
        "train_accuracy": [min(1, 0.5 + e / 40) for e in epochs],
        "val_accuracy": [min(0.95, 0.5 + e / 50) for e in epochs] if with_val else [None] * n,
        "best_epoch": int(np.argmin(val)) + 1,
    }


def test_curves_show_training_and_validation_in_their_colours():
    fig = curves_figure(history())
    pixels = canvas(fig)
    for ax in fig.axes:
        area = inside(ax, pixels)
        assert count_color(area, TRAIN_COLOR) > 50
        assert count_color(area, VAL_COLOR) > 20
        assert count_color(area, BEST_COLOR) > 10  # the best-epoch star and line
    assert [ax.get_title() for ax in fig.axes] == ["Cost per epoch", "Accuracy per epoch"]
    pyplot().close(fig)


def test_curves_without_validation_or_accuracy():
    h = history(with_val=False)
    h["train_accuracy"] = [None] * len(h["epoch"])
    fig = curves_figure(h)
    pixels = canvas(fig)
    assert len(fig.axes) == 1
    assert count_color(inside(fig.axes[0], pixels), TRAIN_COLOR) > 50
    assert count_color(inside(fig.axes[0], pixels), VAL_COLOR) == 0
    with pytest.raises(ValidationError, match="no epochs"):
        curves_figure({"epoch": []})


def test_activations_draws_four_curves_in_four_colours():
    fig = activations_figure()
    pixels = canvas(fig)
    for ax in fig.axes:
        area = inside(ax, pixels)
        for color in ACTIVATION_COLORS.values():
            assert count_color(area, color) > 30, color
    pyplot().close(fig)


@pytest.mark.parametrize("hidden", [2, 3])
def test_feature_space_separates_xor(hidden):
    net = xor_net(hidden)
    snapshot = feature_snapshot(net, X4, Y4)
    assert snapshot["H"].shape == (4, hidden)
    # h = (R(x₁ + x₂), R(x₁ + x₂ − 1), …): (0,0) ↦ (0, 0), (0,1) ↦ (1, 0), (1,1) ↦ (2, 1).
    np.testing.assert_allclose(snapshot["H"][:, :2], [[0, 0], [1, 0], [1, 0], [2, 1]])
    c, d = snapshot["separator"]
    np.testing.assert_allclose(c[:2], [K, -2 * K])
    assert d == -K / 2
    assert snapshot["output_accuracy"] == 1.0
    assert snapshot["separability"] == 1.0
    assert snapshot["input_separability"] <= 0.75  # no line separates XOR in the input plane
    fig = features_figure(snapshot=snapshot)
    pixels = canvas(fig)
    feature_ax = fig.axes[1]
    area = inside(feature_ax, pixels)
    assert count_color(area, class_color(0)) > 5
    assert count_color(area, class_color(1)) > 5
    assert "separating " + ("plane" if hidden == 3 else "line") in feature_ax.get_title()
    if hidden == 2:  # the hidden plane tinted by the output layer's verdict: both classes
        for k in (0, 1):
            assert count_color(area, np.array(tint(class_color(k), 0.8)) * 255) > 500
    assert "100.0%" in fig._suptitle.get_text()
    pyplot().close(fig)


def test_feature_space_needs_a_two_or_three_unit_layer():
    net = gn.Network([gn.Dense(2, 5), gn.ReLU(), gn.Dense(5, 1), gn.Sigmoid()], seed=0)
    with pytest.raises(ValidationError, match="2 or 3 units"):
        features_figure(net, X4, Y4)
    with pytest.raises(ValidationError, match="no hidden layer"):
        feature_layer(gn.Network([gn.Dense(2, 1), gn.Sigmoid()], seed=0))


def test_features_gif_has_one_frame_per_snapshot(tmp_path):
    net = xor_net()
    snapshots = [feature_snapshot(net, X4, Y4)]
    net.dense_layers[1].W[...] *= 0.1
    snapshots.append(feature_snapshot(net, X4, Y4))
    path = features_gif(snapshots, tmp_path / "f.gif", [0, 5])
    image = Image.open(path)
    assert image.format == "GIF"
    assert image.n_frames == 2
    assert image.size[0] > 300


def test_weights_shown_as_images():
    rng = np.random.default_rng(0)
    net = gn.Network([gn.Dense(784, 6), gn.ReLU(), gn.Dense(6, 10)], seed=0)
    net.dense_layers[0].W[...] = rng.normal(size=(6, 784))
    fig = weights_figure(net)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 6
    assert images[0].images[0].get_array().shape == (28, 28)
    pixels = canvas(fig)
    reds = np.sum((pixels[..., 0] > 150) & (pixels[..., 2] < 100))
    blues = np.sum((pixels[..., 2] > 150) & (pixels[..., 0] < 100))
    assert reds > 100 and blues > 100
    pyplot().close(fig)
    small = gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1)], seed=0)
    with pytest.raises(ValidationError, match="image models"):
        weights_figure(small)


def test_confusion_matrix_counts_and_figure():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 1, 2, 0, 2])
    counts = confusion_matrix(y, predicted, 3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    proba = np.full((7, 3), 0.1)
    proba[np.arange(7), predicted] = 0.8
    X = np.random.default_rng(0).integers(0, 255, size=(7, 784), dtype=np.uint8)
    fig = confusion_figure(y, proba, X, (28, 28), classes=["a", "b", "c"])
    mistakes = [ax for ax in fig.axes[1:] if ax.images]
    assert len(mistakes) == 2  # samples 1 and 5
    assert {ax.get_title() for ax in mistakes} == {"predicted b (80%)\ntrue a",
                                                   "predicted a (80%)\ntrue c"}  # fmt: skip
    pixels = canvas(fig)
    assert count_color(inside(fig.axes[0], pixels), (1, 1, 1), 5) < inside(fig.axes[0], pixels).size
    pyplot().close(fig)


def test_experiment_figures_render(tmp_path):
    run = GDRun(
        "stochastic",
        1,
        [0, 1],
        [0.7, 0.2],
        [0, 4],
        [0, 4],
        0.2,
        1.0,
        0.1,
        trace_updates=[1, 2, 4],
        trace_samples=[0, 2, 4],
        trace_cost=[0.7, 0.5, 0.2],
    )
    fig = compare_gd_figure([run])
    pixels = canvas(fig)
    for ax in fig.axes:
        assert count_color(inside(ax, pixels), GD_COLORS["stochastic"]) > 20
    save(fig, tmp_path / "gd.svg")
    assert (tmp_path / "gd.svg").read_text().lstrip().startswith("<?xml")
    trials = [
        LRTrial(1e-3, 0.7, [0.7], 0.7, "too_small", ""),
        LRTrial(1.0, 0.7, [0.1], 0.1, "good", ""),
        LRTrial(100.0, 0.7, [float("inf")], float("inf"), "diverges", ""),
    ]
    fig = lr_range_figure(trials, suggested=1.0)
    pixels = canvas(fig)
    for verdict in ("good", "diverges"):
        assert count_color(pixels, VERDICT_COLORS[verdict]) > 20
    pyplot().close(fig)
    record = NormRecord(
        "net",
        ["layer 1", "layer 2"],
        [[1.0, 1.1], [2.0, 2.1]],
        [[1e-4, 1e-5], [1e-1, 1e-2]],
        [0.7, 0.6],
    )
    fig = gradients_figure([record, record])
    assert len(fig.axes) == 4
    assert fig.axes[2].get_yscale() == "log"
    png = png_image(fig)
    assert png.size[0] > 500


def test_save_by_extension(tmp_path):
    fig = activations_figure()
    path = save(fig, tmp_path / "a.png")
    assert Image.open(path).format == "PNG"
    with pytest.raises(ValidationError, match=r"\.png or \.svg"):
        save(activations_figure(), tmp_path / "a.jpg")
    with pytest.raises(ValidationError, match="does not exist"):
        save(activations_figure(), tmp_path / "missing" / "a.png")
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = save(activations_figure(), tmp_path / "a.png")
    before = path.read_bytes()

    def fail_halfway(handle):
        handle.write(b"half a PNG")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, fail_halfway)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600


def test_features_gif_into_a_missing_folder_fails_with_the_reason(tmp_path):
    snapshots = [feature_snapshot(xor_net(), X4, Y4)]
    with pytest.raises(ValidationError, match="does not exist"):
        features_gif(snapshots, tmp_path / "missing" / "f.gif", [0])
    with pytest.raises(ValidationError, match="no frames"):
        features_gif([], tmp_path / "f.gif", [])
    assert not list(tmp_path.iterdir())


def test_importing_the_figure_modules_does_not_import_matplotlib():
    import subprocess
    import sys

    # every module of glassnet.viz, found by walking the package, and the ones that use them
    code = ("import importlib, pkgutil, sys, glassnet.viz\n"
            "for m in pkgutil.iter_modules(glassnet.viz.__path__, 'glassnet.viz.'):\n"
            "    importlib.import_module(m.name)\n"
            "import glassnet.lab, glassnet.lab.features, glassnet.lab.metrics\n"
            "import glassnet.cli.commands.plot, glassnet.cli.commands.report\n"
            "print(sorted(m for m in sys.modules if m.startswith('glassnet.viz.')))\n"
            "print('matplotlib' in sys.modules)")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    imported, answer = result.stdout.strip().splitlines()
    assert "'glassnet.viz.features'" in imported and "'glassnet.viz.style'" in imported
    assert answer == "False", result.stderr


def test_capturing_feature_frames_does_not_change_training():
    from glassnet.models.builders import mlp

    rng = np.random.default_rng(0)
    X = (np.repeat(X4, 10, axis=0) + rng.normal(0, 0.15, (40, 2))).astype(np.float32)
    y = np.repeat(Y4, 10)

    def train(callback):
        net = mlp([2, 3, 1], "relu", output="sigmoid", seed=0)
        net.fit(X, y, loss="binary_cross_entropy", optimizer=gn.SGD(0.5), epochs=3,
                batch_size=8, callback=callback)  # fmt: skip
        return [p.copy() for p, _ in net.parameters()]

    def capture(event):
        if event["event"] == "epoch":
            feature_snapshot(event["trainer"].net, X, y)

    for plain, captured in zip(train(None), train(capture), strict=True):
        np.testing.assert_array_equal(plain, captured)
