"""Figures: each function takes data (a history, a network and samples, experiment records) and
returns a matplotlib Figure. matplotlib is imported inside the functions with the Agg backend,
so `import glassnet.plots` costs nothing and no window ever opens.

One palette everywhere: class 0 blue, class 1 orange, class 2 green, … (Okabe–Ito, readable by
colour-blind viewers); training curves blue and solid, validation curves vermilion and dashed.

    fig = plots.boundary_figure(net, X, y)
    plots.save(fig, "boundary.png")        # PNG or SVG by the extension
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np

from glassnet.errors import ValidationError
from glassnet.lab.features import (
    check_two_inputs,
    feature_layer,  # noqa: F401  (glassnet.viz.report and the CLI import it from here)
    feature_snapshot,
    input_grid,
)
from glassnet.lab.metrics import confusion_matrix

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
                "#D55E00", "#F0E442", "#000000", "#999999", "#882255")  # fmt: skip
TRAIN_COLOR = "#0072B2"
VAL_COLOR = "#D55E00"
BEST_COLOR = "#444444"
ACTIVATION_COLORS = {
    "sigmoid": "#0072B2",
    "tanh": "#E69F00",
    "ReLU": "#009E73",
    "leaky ReLU": "#CC79A7",
}
FORMATS = (".png", ".svg")


def _plt():
    """matplotlib.pyplot with the non-interactive Agg backend and glassnet's style."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        "legend.frameon": False,
        "figure.titlesize": 13,
        "figure.titleweight": "bold",
    })  # fmt: skip
    return plt


def class_color(k: int) -> str:
    """The fixed colour of class id k (the palette repeats after ten classes)."""
    return CLASS_COLORS[int(k) % len(CLASS_COLORS)]


def _class_names(classes, k):
    return [str(c) for c in classes] if classes is not None else [str(i) for i in range(k)]


# ---------------------------------------------------------------- saving


def save(fig, path) -> Path:
    """Write a figure to `path` (PNG or SVG by its extension) atomically, then close it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(
            f"cannot tell the image format of {path}: end the file name in .png or .svg"
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(f"cannot write {path}: folder {folder} does not exist; create it")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            fig.savefig(handle, format=suffix[1:], bbox_inches="tight")
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        _plt().close(fig)
    return path


def publish(tmp, path) -> None:
    """Give a finished temporary file the usual permissions (mkstemp makes it 0600) and rename
    it over `path`, so readers never see half a file."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    os.replace(tmp, path)


def png_bytes(fig, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for the HTML report and GIF frames); closes the figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    _plt().close(fig)
    return buffer.getvalue()


# ---------------------------------------------------------------- learning curves


def curves_figure(history: dict, title: str | None = None):
    """Cost and accuracy against epochs, training (blue, solid) against validation (vermilion,
    dashed), with the best epoch marked: where the two curves part is overfitting.

    history: History.to_dict() (lists epoch, train_loss, val_loss, train_accuracy, …, best_epoch).
    """
    import matplotlib

    plt = _plt()
    epochs = np.asarray(history.get("epoch") or [], dtype=float)
    if len(epochs) == 0:
        raise ValidationError("the history has no epochs to plot; train for at least one epoch")
    has_acc = _present(history.get("train_accuracy"))
    has_val = _present(history.get("val_loss"))
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(11 if has_acc else 6, 4.2),
                             squeeze=False)  # fmt: skip
    axes = axes[0]
    best = history.get("best_epoch")
    # the best epoch is the lowest validation cost, or the lowest training cost without validation
    best_label = f"best epoch ({best})" if has_val else f"lowest training cost (epoch {best})"
    panels = [("loss", "Cost", axes[0])]
    if has_acc:
        panels.append(("accuracy", "Accuracy", axes[1]))
    for key, label, ax in panels:
        for split, color, style in (("train", TRAIN_COLOR, "-"), ("val", VAL_COLOR, "--")):
            values = history.get(f"{split}_{key}") or []
            if not _present(values):
                continue
            y = np.array([np.nan if v is None else v for v in values], dtype=float)
            name = "training" if split == "train" else "validation"
            ax.plot(epochs, y, style, color=color, lw=2, label=name,
                    marker="o" if len(epochs) <= 20 else None, ms=4)  # fmt: skip
        if best is not None:
            ax.axvline(best, color=BEST_COLOR, lw=1, ls=":")
            marked = history.get(f"val_{key}") if has_val else history.get(f"train_{key}")
            marked = marked or []
            value = marked[best - 1] if 0 < best <= len(marked) else None
            if value is not None:
                ax.plot([best], [value], marker="*", ms=14, color=BEST_COLOR, ls="none",
                        label=best_label)  # fmt: skip
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(label.lower() if key == "loss" else "fraction correct")
        ax.set_title(f"{label} per epoch")
        if key == "accuracy":
            ax.set_ylim(min(0.0, ax.get_ylim()[0]), 1.02)
        ax.legend(loc="best")
    default = ("Learning curves: training against validation" if has_val
               else "Learning curves (no validation data in this run)")  # fmt: skip
    fig.suptitle(title or default)
    fig.tight_layout()
    return fig


def _present(values) -> bool:
    return any(v is not None for v in values or [])


# ---------------------------------------------------------------- decision boundary


def _scatter_classes(ax, X, y, names, size=22, edge="white"):
    for k in np.unique(y):
        rows = y == k
        ax.scatter(X[rows, 0], X[rows, 1], s=size, color=class_color(k), edgecolor=edge,
                   linewidth=0.6, label=f"class {names[int(k)]}", zorder=3)  # fmt: skip


def boundary_figure(net, X, y, title: str | None = None, classes=None, resolution: int = 250):
    """The decision regions of a classifier on 2-D inputs, tinted in the class colours, the
    decision boundary as a black line, and the data points on top."""
    from matplotlib.colors import ListedColormap

    plt = _plt()
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    check_two_inputs(net, X)
    xs, ys, P = input_grid(X, resolution)
    proba = net.predict_proba(P)
    k = proba.shape[1]
    predicted = proba.argmax(axis=1).reshape(len(ys), len(xs))
    names = _class_names(classes, max(k, int(y.max()) + 1))
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    tints = ListedColormap([_tint(class_color(i)) for i in range(k)])
    ax.pcolormesh(xs, ys, predicted, cmap=tints, vmin=-0.5, vmax=k - 0.5, shading="auto",
                  rasterized=True)  # fmt: skip
    if k == 2:
        ax.contour(xs, ys, proba[:, 1].reshape(len(ys), len(xs)), levels=[0.5], colors="black",
                   linewidths=1.6)  # fmt: skip
    else:
        ax.contour(xs, ys, predicted, levels=np.arange(k) + 0.5, colors="black", linewidths=1.2)
    _scatter_classes(ax, X, y, names, edge="black")
    accuracy = float(np.mean(net.predict(X) == y))
    ax.plot([], [], color="black", lw=1.6, label="decision boundary")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title or f"Decision boundary (accuracy {accuracy:.1%} on these points)")
    fig.tight_layout()
    return fig


def _tint(color: str, amount: float = 0.72) -> tuple:
    """`color` mixed with white: the light background of that class's region."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


# ---------------------------------------------------------------- the hidden feature space


def features_figure(net=None, X=None, y=None, *, snapshot=None, title=None, classes=None,
                    limits=None, view=None):  # fmt: skip
    """The hidden feature space. Left: the input plane with a square grid and the data. Right:
    the same grid and data mapped through the network to its last hidden layer (2 or 3 units),
    where the output layer's separating line (2 units) or plane (3 units) is drawn.

    The title reports two scores: the output layer's accuracy, and the linear separability: the
    accuracy of the best linear separator known in that space, the better of a logistic-
    regression fit on the hidden activations and the output layer's own line or plane
    (100 % = the hidden layer has made the data linearly separable).
    """
    plt = _plt()
    s = snapshot if snapshot is not None else feature_snapshot(net, X, y)
    d = s["H"].shape[1]
    names = _class_names(classes, int(s["y"].max()) + 1)
    fig = plt.figure(figsize=(12.5, 5.6))
    grid = fig.add_gridspec(1, 2, width_ratios=[1, 1.25 if d == 3 else 1])
    ax_in = fig.add_subplot(grid[0, 0])
    ax_h = fig.add_subplot(grid[0, 1], projection="3d" if d == 3 else None)
    if "regions" in s:
        from matplotlib.colors import ListedColormap

        xs, ys, regions = s["regions"]
        k = max(int(regions.max()) + 1, 2)
        tints = ListedColormap([_tint(class_color(i), 0.8) for i in range(k)])
        ax_in.pcolormesh(xs, ys, regions, cmap=tints, vmin=-0.5, vmax=k - 0.5, shading="auto",
                         rasterized=True, zorder=0)  # fmt: skip
        if s.get("p1") is not None:
            ax_in.contour(xs, ys, s["p1"], levels=[0.5], colors="black", linewidths=1.2,
                          zorder=2)  # fmt: skip
        else:
            ax_in.contour(xs, ys, regions, levels=np.arange(k - 1) + 0.5, colors="black",
                          linewidths=1.2, zorder=2)  # fmt: skip
    for line in s["lines"]:
        ax_in.plot(line[:, 0], line[:, 1], color="#999999", lw=0.5, zorder=1)
    _scatter_classes(ax_in, s["X"], s["y"], names, size=18)
    ax_in.set_xlabel("x₁")
    ax_in.set_ylabel("x₂")
    ax_in.set_aspect("equal", adjustable="box")
    ax_in.set_title(f"Input space (linear separability {s['input_separability']:.0%})")
    if "regions" in s:
        ax_in.plot([], [], color="black", lw=1.2, label="decision boundary")
    ax_in.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=3)
    lims = limits or _limits(s)
    for line in s["mapped"]:
        line = _clip(line, lims)
        ax_h.plot(*[line[:, j] for j in range(d)], color="#999999", lw=0.5, zorder=1)
    for k in np.unique(s["y"]):
        rows = s["y"] == k
        extra = {"depthshade": False} if d == 3 else {}
        ax_h.scatter(*[s["H"][rows, j] for j in range(d)], s=24 if d == 3 else 18,
                     color=class_color(k), edgecolor="white", linewidth=0.5,
                     label=f"class {names[int(k)]}", zorder=3, **extra)  # fmt: skip
    if d == 2 and s.get("output") is not None:
        _tint_feature_regions(ax_h, s["output"], lims)
    if s["separator"] is not None:
        _draw_separator(ax_h, s["separator"], lims)
    ax_h.set_xlim(*lims[0])
    ax_h.set_ylim(*lims[1])
    ax_h.set_xlabel("h₁")
    ax_h.set_ylabel("h₂")
    if d == 3:
        ax_h.set_zlim(*lims[2])
        ax_h.set_zlabel("h₃")
        elev, azim = view or _view_along(s["separator"], lims)
        ax_h.view_init(elev=elev, azim=azim)
        ax_h.set_box_aspect(None, zoom=1.12)
    if s["separator"] is not None:
        what = "separating plane" if d == 3 else "separating line"
    else:
        what = "output-layer class regions" if d == 2 else "output layer's K planes not drawn"
    ax_h.set_title(f"Feature space: {d} hidden units, {what}")
    ax_h.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12) if d == 2 else (0.0, -0.05), ncol=3)
    fig.suptitle(
        (title + "\n" if title else "")
        + f"Output-layer accuracy {s['output_accuracy']:.1%} · linear separability of the hidden "
        f"activations {s['separability']:.1%}"
    )
    if d == 3:  # tight_layout misplaces 3-D axes
        fig.subplots_adjust(left=0.06, right=0.97, bottom=0.14, top=0.84 if title else 0.88,
                            wspace=0.12)  # fmt: skip
    else:
        fig.tight_layout()
    return fig


def _limits(s, margin: float = 0.12) -> list[tuple[float, float]]:
    """Axis limits around the data in the feature space (the warped grid is clipped to them)."""
    H = s["H"]
    lo, hi = H.min(axis=0), H.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-3)
    return [(float(a), float(b)) for a, b in zip(lo - pad, hi + pad, strict=True)]


def _view_along(sep, lims, default=(18.0, -58.0), tilt: float = 0.3,
                max_turn: float = 100.0) -> tuple[float, float]:
    """(elevation, azimuth) that looks at the separating plane almost edge-on (the cosine
    between the view and the plane's normal is `tilt`), so its two sides show clearly, chosen
    as close as possible to the usual `default` view and no more than `max_turn` degrees of
    azimuth away from it; `default` when there is no plane or no such view. Axes are drawn
    scaled to their limits, so the normal is taken in those scaled coordinates."""
    if sep is None:
        return default
    span = np.array([hi - lo for lo, hi in lims])
    n = np.asarray(sep[0], dtype=float) * span
    n /= np.linalg.norm(n) or 1.0
    r = np.hypot(n[0], n[1])
    if r < 1e-6:
        return default
    phi = np.degrees(np.arctan2(n[1], n[0]))
    best = None
    for elev in (18.0, 25.0, 10.0, 32.0):
        e = np.radians(elev)
        for sign in (1,):
            c = (sign * tilt - np.sin(e) * n[2]) / (np.cos(e) * r)
            if abs(c) > 1:
                continue
            for azim in (phi + np.degrees(np.arccos(c)), phi - np.degrees(np.arccos(c))):
                turn = abs((azim - default[1] + 180) % 360 - 180)
                if turn <= max_turn and (best is None or turn < best[0]):
                    best = (turn, elev, azim)
    return default if best is None else (best[1], float(best[2]))


def _clip(points: np.ndarray, lims) -> np.ndarray:
    """Points outside the axis limits as NaN, so lines stop at the edge (3-D axes don't clip)."""
    inside = np.ones(len(points), dtype=bool)
    for j, (lo, hi) in enumerate(lims):
        inside &= (points[:, j] >= lo) & (points[:, j] <= hi)
    return np.where(inside[:, None], points, np.nan)


def shared_limits(snapshots) -> list[tuple[float, float]]:
    """Limits that hold every snapshot's data (for the frames of an animation)."""
    each = np.array([_limits(s) for s in snapshots])
    return [(float(each[:, j, 0].min()), float(each[:, j, 1].max())) for j in range(each.shape[1])]


def _tint_feature_regions(ax, output, lims, resolution: int = 200) -> None:
    """Tint a 2-D feature space by the class the output layer gives each point: argmax of
    z = W h + b (or z > 0 for one output). The regions are bounded by straight lines."""
    from matplotlib.colors import ListedColormap

    W, b = output
    u = np.linspace(*lims[0], resolution)
    v = np.linspace(*lims[1], resolution)
    gu, gv = np.meshgrid(u, v)
    z = np.column_stack([gu.ravel(), gv.ravel()]) @ W.T + b
    classes = (z[:, 0] > 0).astype(int) if W.shape[0] == 1 else z.argmax(axis=1)
    k = max(W.shape[0], 2)
    tints = ListedColormap([_tint(class_color(i), 0.8) for i in range(k)])
    ax.pcolormesh(u, v, classes.reshape(gu.shape), cmap=tints, vmin=-0.5, vmax=k - 0.5,
                  shading="auto", rasterized=True, zorder=0)  # fmt: skip
    if W.shape[0] > 2:
        ax.contour(u, v, classes.reshape(gu.shape), levels=np.arange(k - 1) + 0.5,
                   colors="black", linewidths=1.2, zorder=2)  # fmt: skip


def _draw_separator(ax, sep, lims) -> None:
    c, d = sep
    label = "output layer: c·h + d = 0"
    if len(c) == 2:
        if abs(c[1]) >= abs(c[0]):
            h1 = np.linspace(*lims[0], 200)
            h2 = -(c[0] * h1 + d) / c[1]
        else:
            h2 = np.linspace(*lims[1], 200)
            h1 = -(c[1] * h2 + d) / c[0]
        ax.plot(h1, h2, color="black", lw=1.8, label=label)
        return
    j = int(np.argmax(np.abs(c)))
    if c[j] == 0:
        return
    others = [i for i in range(3) if i != j]
    u, v = np.meshgrid(np.linspace(*lims[others[0]], 40), np.linspace(*lims[others[1]], 40))
    w = -(c[others[0]] * u + c[others[1]] * v + d) / c[j]
    w = np.where((w >= lims[j][0]) & (w <= lims[j][1]), w, np.nan)
    coords = [None, None, None]
    coords[others[0]], coords[others[1]], coords[j] = u, v, w
    ax.plot_surface(*coords, color="#333333", alpha=0.18, linewidth=0, shade=False)
    ax.plot([], [], color="#333333", alpha=0.5, lw=6, label=label.replace("line", "plane"))


def features_gif(snapshots, path, epochs, classes=None, duration_ms: int = 600) -> Path:
    """An animated GIF of the feature space over training: one frame per snapshot (drawn with
    shared axes), the epoch in each frame's title. Written atomically with Pillow."""
    from PIL import Image

    if not snapshots:
        raise ValidationError("no frames to animate")
    lims = shared_limits(snapshots)
    # one camera for every frame: the view the final frame would choose
    view = _view_along(snapshots[-1]["separator"], lims) if len(lims) == 3 else None
    frames = []
    for snapshot, epoch in zip(snapshots, epochs, strict=True):
        fig = features_figure(snapshot=snapshot, title=f"After epoch {epoch}", classes=classes,
                              limits=lims, view=view)  # fmt: skip
        fig.set_size_inches(12, 5.4)
        image = Image.open(io.BytesIO(png_bytes(fig, dpi=70))).convert("RGB")
        frames.append(image)
    size = frames[0].size
    frames = [f if f.size == size else f.resize(size) for f in frames]
    frames = [f.quantize(colors=128) for f in frames]
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(f"cannot write {path}: folder {folder} does not exist; create it")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".gif")
    os.close(fd)
    try:
        durations = [duration_ms] * (len(frames) - 1) + [duration_ms * 4]
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                       duration=durations, loop=0)  # fmt: skip
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------- activation functions


def activations_figure():
    """Sigmoid, tanh, ReLU and leaky ReLU (α = 0.1 here, to make the leak visible) on the left,
    their derivatives on the right, in four fixed colours."""
    plt = _plt()
    z = np.linspace(-5, 5, 501)
    s = 1 / (1 + np.exp(-z))
    alpha = 0.1
    curves = {
        "sigmoid": (s, s * (1 - s), "σ(z) = 1 / (1 + e⁻ᶻ)"),
        "tanh": (np.tanh(z), 1 - np.tanh(z) ** 2, "tanh(z)"),
        "ReLU": (np.maximum(z, 0), (z > 0).astype(float), "max(z, 0)"),
        "leaky ReLU": (np.where(z > 0, z, alpha * z), np.where(z > 0, 1.0, alpha),
                       f"z if z > 0 else {alpha:g}z"),
    }  # fmt: skip
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(11, 4.3))
    styles = {"sigmoid": "-", "tanh": "-", "ReLU": "-", "leaky ReLU": "--"}
    for name, (f, df, formula) in curves.items():
        color = ACTIVATION_COLORS[name]
        ax_f.plot(z, f, styles[name], color=color, lw=2.2, label=f"{name}: {formula}")
        ax_d.plot(z, df, styles[name], color=color, lw=2.2, label=f"{name}′")
    for ax in (ax_f, ax_d):
        ax.axhline(0, color="#999999", lw=0.8)
        ax.axvline(0, color="#999999", lw=0.8)
        ax.set_xlabel("pre-activation z")
    ax_f.set_ylim(-1.5, 3.0)
    ax_d.set_ylim(-0.1, 1.15)
    ax_f.set_ylabel("activation f(z)")
    ax_d.set_ylabel("derivative f′(z)")
    ax_f.set_title("Activation functions")
    ax_d.set_title("Their derivatives (what backpropagation multiplies by)")
    ax_f.legend(loc="upper left", fontsize=9)
    ax_d.legend(loc="upper left", fontsize=9)
    fig.suptitle("Activation functions and their derivatives")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- image models


def weights_figure(net, image_shape=(28, 28), max_units: int = 64, title: str | None = None):
    """Each first-layer unit's weight vector shown as an image: red where a bright pixel raises
    the unit's pre-activation, blue where it lowers it (one colour scale for all)."""
    plt = _plt()
    first = net.dense_layers[0]
    W = np.asarray(first.W, dtype=float)
    n_pixels = int(np.prod(image_shape))
    if W.shape[1] != n_pixels:
        raise ValidationError(
            f"the first layer takes {W.shape[1]} inputs, not {image_shape[0]}×{image_shape[1]} "
            f"= {n_pixels} pixels; weights can be shown as images only for image models"
        )
    n = min(len(W), max_units)
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    limit = float(np.percentile(np.abs(W[:n]), 99.5)) or 1.0
    fig, axes = plt.subplots(rows, cols, figsize=(1.25 * cols + 1.2, 1.25 * rows + 0.9),
                             squeeze=False, layout="constrained")  # fmt: skip
    image = None
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i >= n:
            continue
        image = ax.imshow(W[i].reshape(image_shape), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"unit {i}", fontsize=7, fontweight="normal", pad=2)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6, label="weight")
    shown = f"the first {n} of {len(W)}" if n < len(W) else f"all {n}"
    fig.suptitle(title or f"First-layer weights as {image_shape[0]}×{image_shape[1]} images "
                 f"({shown} hidden units)\nred: a bright pixel there raises the unit's "
                 "pre-activation; blue: lowers it")  # fmt: skip
    return fig


def confusion_figure(y_true, proba, X=None, image_shape=None, classes=None, n_examples: int = 12,
                     title: str | None = None):  # fmt: skip
    """The confusion matrix (rows: true class, columns: predicted) and, for image data, the
    misclassified samples the model was most sure about, with predicted and true labels."""
    plt = _plt()
    proba = np.asarray(proba, dtype=float)
    y_true = np.asarray(y_true).astype(int)
    k = proba.shape[1]
    names = _class_names(classes, k)
    y_pred = proba.argmax(axis=1)
    counts = confusion_matrix(y_true, y_pred, k)
    show_images = X is not None and image_shape is not None
    wrong = np.flatnonzero(y_pred != y_true)
    wrong = wrong[np.argsort(-proba[wrong, y_pred[wrong]])][:n_examples] if show_images else []
    fig = plt.figure(figsize=(13 if show_images else 6.5, 6))
    grid = fig.add_gridspec(1, 2, width_ratios=[1, 1.05]) if show_images else None
    ax = fig.add_subplot(grid[0, 0]) if show_images else fig.add_subplot(1, 1, 1)
    shown = np.log1p(counts)
    ax.imshow(shown, cmap="Blues")
    for i in range(k):
        for j in range(k):
            if counts[i, j]:
                dark = shown[i, j] > 0.6 * shown.max()
                ax.text(j, i, str(counts[i, j]), ha="center", va="center",
                        fontsize=8 if k > 6 else 10, color="white" if dark else "black")
    ax.set_xticks(range(k), names, rotation=45 if max(len(n) for n in names) > 2 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = float(np.trace(counts) / max(counts.sum(), 1))
    ax.set_title(f"Confusion matrix (accuracy {accuracy:.1%}, {counts.sum()} samples)")
    if show_images:
        sub = grid[0, 1].subgridspec(3, 4, hspace=0.45)
        X = np.asarray(X)
        for slot in range(12):
            axi = fig.add_subplot(sub[slot // 4, slot % 4])
            axi.set_axis_off()
            if slot >= len(wrong):
                continue
            i = wrong[slot]
            axi.imshow(X[i].reshape(image_shape), cmap="gray_r")
            axi.set_title(f"predicted {names[y_pred[i]]} ({proba[i, y_pred[i]]:.0%})\n"
                          f"true {names[y_true[i]]}", fontsize=8, fontweight="normal",
                          color=VAL_COLOR)  # fmt: skip
        fig.text(0.76, 0.95, "Most confident mistakes", ha="center", fontsize=11,
                 fontweight="bold")  # fmt: skip
    fig.suptitle(title or "Which classes the model confuses", y=1.0)
    if not show_images:
        fig.tight_layout()
    return fig


# ---------------------------------------------------------------- experiments


def gradients_figure(records, title: str | None = None):
    """Per-layer ‖W‖ (top) and mean ‖∂L/∂W‖ (bottom, log scale) over training, one column per
    record (e.g. deep sigmoid against deep ReLU): vanishing gradients show as the first layers'
    curves lying orders of magnitude below the last layer's."""
    import matplotlib

    plt = _plt()
    records = list(records)
    fig, axes = plt.subplots(2, len(records), figsize=(5.6 * len(records), 7.2), squeeze=False,
                             sharex="col")  # fmt: skip
    cmap = matplotlib.colormaps["viridis"]
    for col, record in enumerate(records):
        n = len(record.layers)
        epochs = np.arange(1, len(record.loss) + 1)
        for i, name in enumerate(record.layers):
            color = cmap(i / max(n - 1, 1) * 0.9)
            axes[0, col].plot(epochs, record.weight_norm[i], color=color, lw=1.8, label=name)
            axes[1, col].plot(epochs, record.grad_norm[i], color=color, lw=1.8, label=name)
        axes[0, col].set_title(f"{record.label}\n‖W‖ per layer (final cost {record.loss[-1]:.3g})")
        axes[1, col].set_title("‖∂L/∂W‖ per layer (mean over each epoch's batches)")
        axes[1, col].set_yscale("log")
        axes[0, col].set_ylabel("weight norm ‖W‖")
        axes[1, col].set_ylabel("gradient norm ‖∂L/∂W‖ (log scale)")
        axes[1, col].set_xlabel("epoch")
        axes[1, col].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    low = min(ax.get_ylim()[0] for ax in axes[1])
    high = max(ax.get_ylim()[1] for ax in axes[1])
    for ax in axes[1]:
        ax.set_ylim(low, high)
    axes[1, -1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="layer (input first)")
    fig.suptitle(title or "Weight and gradient magnitudes per layer during training")
    fig.tight_layout()
    return fig


GD_COLORS = {"stochastic": "#0072B2", "mini-batch": "#009E73", "full batch": "#E69F00"}


def compare_gd_figure(runs, title: str | None = None):
    """Cost against epochs, against updates (log) and against samples seen, one line per form
    of gradient descent, all from the same initial weights."""
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), sharey=True)
    for run in runs:
        color = GD_COLORS.get(run.name, None)
        label = f"{run.name} (batch {run.batch_size})"
        axes[0].plot(run.epochs, run.cost, color=color, lw=2, label=label, marker=".")
        # log-spaced measurements within epochs, merged with the end of every epoch
        merged = sorted({(u, n, c) for u, n, c in zip(run.trace_updates, run.trace_samples,
                                                       run.trace_cost, strict=True)}
                        | {(max(u, 1), n, c) for u, n, c in zip(run.updates, run.samples_seen,
                                                                run.cost, strict=True)})
        updates, samples, cost = np.array(merged, dtype=float).T
        axes[1].plot(updates, cost, color=color, lw=2, label=label)
        axes[2].plot(samples, cost, color=color, lw=2, label=label)
    import matplotlib

    axes[0].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[0].set_xlabel("epoch (one pass over the data)")
    axes[1].set_xlabel("updates of the weights (log scale; 0 drawn at 1)")
    axes[1].set_xscale("log")
    axes[2].set_xlabel("samples seen")
    axes[0].set_ylabel("cost on all the training data")
    axes[0].set_title("Cost against epochs")
    axes[1].set_title("Cost against updates")
    axes[2].set_title("Cost against samples seen")
    for ax in axes:
        ax.grid(True, color="#EEEEEE")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.suptitle(title or "Stochastic, mini-batch and full-batch gradient descent "
                 "from the same initial weights")  # fmt: skip
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=len(labels))
    return fig


VERDICT_COLORS = {"too_small": "#999999", "good": "#009E73", "diverges": "#D55E00"}
VERDICT_LABELS = {"too_small": "too small", "good": "good", "diverges": "diverges"}


def lr_range_figure(trials, title: str | None = None, suggested: float | None = None):
    """Final cost after a few epochs against the learning rate (log scale), each point coloured
    by its verdict; the starting cost as a dashed line."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    lrs = np.array([t.lr for t in trials])
    initial = trials[0].initial_cost
    finals = np.array([t.final_cost for t in trials], dtype=float)
    finite = np.isfinite(finals)
    top = max(float(np.max(finals[finite])) if finite.any() else initial, initial) * 1.15
    ax.plot(lrs[finite], finals[finite], color="#BBBBBB", lw=1, zorder=1)
    for verdict, color in VERDICT_COLORS.items():
        rows = np.array([t.verdict == verdict for t in trials]) & finite
        if rows.any():
            ax.scatter(lrs[rows], finals[rows], s=55, color=color, label=VERDICT_LABELS[verdict],
                       zorder=3, edgecolor="black", linewidth=0.5)
    if (~finite).any():
        ax.scatter(lrs[~finite], np.full((~finite).sum(), top), s=70, marker="X",
                   color=VERDICT_COLORS["diverges"], zorder=3,
                   label="diverges (cost became infinite)")
    ax.axhline(initial, color="black", ls="--", lw=1, label="cost before training")
    if suggested is not None:
        ax.axvline(suggested, color="#009E73", ls=":", lw=1.5,
                   label=f"suggested η = {suggested:.3g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel("cost after training (log scale)")
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title(title or "Learning-rate sweep from the same initial weights")
    fig.tight_layout()
    return fig
