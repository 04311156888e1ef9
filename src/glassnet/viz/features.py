"""The hidden feature space: the input plane and its image in the last hidden layer, where the
output layer separates the classes with a line (2 units) or a plane (3 units); and the same
picture animated over training as a GIF. The numbers come from `glassnet.lab.features`.

    fig = features_figure(net, X, y)
    features_gif([feature_snapshot(net, X, y), …], "features.gif", epochs=[0, 5, …])
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from glassnet.errors import ValidationError
from glassnet.lab.features import feature_snapshot
from glassnet.viz.style import (
    class_color,
    class_names,
    png_bytes,
    pyplot,
    scatter_classes,
    tints,
    write_atomically,
)


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
    plt = pyplot()
    s = snapshot if snapshot is not None else feature_snapshot(net, X, y)
    d = s["H"].shape[1]
    names = class_names(classes, int(s["y"].max()) + 1)
    fig = plt.figure(figsize=(12.5, 5.6))
    grid = fig.add_gridspec(1, 2, width_ratios=[1, 1.25 if d == 3 else 1])
    ax_in = fig.add_subplot(grid[0, 0])
    ax_h = fig.add_subplot(grid[0, 1], projection="3d" if d == 3 else None)
    _draw_input_space(ax_in, s, names)
    _draw_feature_space(ax_h, s, names, limits or feature_limits(s), view)
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


def _draw_input_space(ax, s: dict, names) -> None:
    """The input plane: class regions and decision boundary, the square grid, the data."""
    if "regions" in s:
        xs, ys, regions = s["regions"]
        k = max(int(regions.max()) + 1, 2)
        ax.pcolormesh(xs, ys, regions, cmap=tints(k, 0.8), vmin=-0.5, vmax=k - 0.5,
                      shading="auto", rasterized=True, zorder=0)  # fmt: skip
        if s.get("p1") is not None:
            ax.contour(xs, ys, s["p1"], levels=[0.5], colors="black", linewidths=1.2, zorder=2)
        else:
            ax.contour(xs, ys, regions, levels=np.arange(k - 1) + 0.5, colors="black",
                       linewidths=1.2, zorder=2)  # fmt: skip
    for line in s["lines"]:
        ax.plot(line[:, 0], line[:, 1], color="#999999", lw=0.5, zorder=1)
    scatter_classes(ax, s["X"], s["y"], names, size=18)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_aspect("equal", adjustable="box")
    ax.set_title(f"Input space (linear separability {s['input_separability']:.0%})")
    if "regions" in s:
        ax.plot([], [], color="black", lw=1.2, label="decision boundary")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=3)


def _draw_feature_space(ax, s: dict, names, lims, view) -> None:
    """The feature space h (2-D or 3-D axes): the mapped grid, the data's images h(x), the
    output layer's regions (2-D) and its separating line or plane."""
    d = s["H"].shape[1]
    for line in s["mapped"]:
        line = _clip(line, lims)
        ax.plot(*[line[:, j] for j in range(d)], color="#999999", lw=0.5, zorder=1)
    for k in np.unique(s["y"]):
        rows = s["y"] == k
        extra = {"depthshade": False} if d == 3 else {}
        ax.scatter(*[s["H"][rows, j] for j in range(d)], s=24 if d == 3 else 18,
                   color=class_color(k), edgecolor="white", linewidth=0.5,
                   label=f"class {names[int(k)]}", zorder=3, **extra)  # fmt: skip
    if d == 2 and s.get("output") is not None:
        _tint_feature_regions(ax, s["output"], lims)
    if s["separator"] is not None:
        _draw_separator(ax, s["separator"], lims)
    ax.set_xlim(*lims[0])
    ax.set_ylim(*lims[1])
    ax.set_xlabel("h₁")
    ax.set_ylabel("h₂")
    if d == 3:
        ax.set_zlim(*lims[2])
        ax.set_zlabel("h₃")
        elev, azim = view or _view_along(s["separator"], lims)
        ax.view_init(elev=elev, azim=azim)
        ax.set_box_aspect(None, zoom=1.12)
    if s["separator"] is not None:
        what = "separating plane" if d == 3 else "separating line"
    else:
        what = "output-layer class regions" if d == 2 else "output layer's K planes not drawn"
    ax.set_title(f"Feature space: {d} hidden units, {what}")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12) if d == 2 else (0.0, -0.05), ncol=3)


def feature_limits(s: dict, margin: float = 0.12) -> list[tuple[float, float]]:
    """Axis limits around the data in the feature space (the warped grid is clipped to them)."""
    H = s["H"]
    lo, hi = H.min(axis=0), H.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-3)
    return [(float(a), float(b)) for a, b in zip(lo - pad, hi + pad, strict=True)]


def shared_limits(snapshots) -> list[tuple[float, float]]:
    """Limits that hold every snapshot's data (for the frames of an animation)."""
    each = np.array([feature_limits(s) for s in snapshots])
    return [(float(each[:, j, 0].min()), float(each[:, j, 1].max())) for j in range(each.shape[1])]


def _view_along(
    sep, lims, default=(18.0, -58.0), tilt: float = 0.3, max_turn: float = 100.0
) -> tuple[float, float]:
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
        c = (tilt - np.sin(e) * n[2]) / (np.cos(e) * r)
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


def _tint_feature_regions(ax, output, lims, resolution: int = 200) -> None:
    """Tint a 2-D feature space by the class the output layer gives each point: argmax of
    z = W h + b (or z > 0 for one output). The regions are bounded by straight lines."""
    W, b = output
    u = np.linspace(*lims[0], resolution)
    v = np.linspace(*lims[1], resolution)
    gu, gv = np.meshgrid(u, v)
    z = np.column_stack([gu.ravel(), gv.ravel()]) @ W.T + b
    classes = (z[:, 0] > 0).astype(int) if W.shape[0] == 1 else z.argmax(axis=1)
    k = max(W.shape[0], 2)
    ax.pcolormesh(u, v, classes.reshape(gu.shape), cmap=tints(k, 0.8), vmin=-0.5, vmax=k - 0.5,
                  shading="auto", rasterized=True, zorder=0)  # fmt: skip
    if W.shape[0] > 2:
        ax.contour(u, v, classes.reshape(gu.shape), levels=np.arange(k - 1) + 0.5,
                   colors="black", linewidths=1.2, zorder=2)  # fmt: skip


def _draw_separator(ax, sep, lims) -> None:
    """The output layer's c·h + d = 0: a line in 2-D, a translucent plane in 3-D."""
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


def features_gif(snapshots, path, epochs, classes=None, duration_ms: int = 600,
                 progress=None) -> Path:  # fmt: skip
    """An animated GIF of the feature space over training: one frame per snapshot (drawn with
    shared axes), the epoch in each frame's title. Written atomically with Pillow.
    progress(done, total, what), when given, is called after each frame is drawn."""
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
        if progress is not None:
            progress(len(frames), len(snapshots), "GIF frames drawn")
    size = frames[0].size
    frames = [f if f.size == size else f.resize(size) for f in frames]
    frames = [f.quantize(colors=128) for f in frames]
    durations = [duration_ms] * (len(frames) - 1) + [duration_ms * 4]
    return write_atomically(Path(path), lambda handle: frames[0].save(
        handle, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0
    ))  # fmt: skip
