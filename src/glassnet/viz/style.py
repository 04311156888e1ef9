"""What every figure shares: the palette, pyplot with the Agg backend and glassnet's style, and
writing a figure to a file atomically.

One palette everywhere: class 0 blue, class 1 orange, class 2 green, … (Okabe–Ito, readable by
colour-blind viewers); training curves blue and solid, validation curves vermilion and dashed.
matplotlib is imported inside `pyplot()`, so importing this module costs nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from glassnet._files import atomic_file
from glassnet.errors import ValidationError

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
GD_COLORS = {"stochastic": "#0072B2", "mini-batch": "#009E73", "full batch": "#E69F00"}
VERDICT_COLORS = {"too_small": "#999999", "good": "#009E73", "diverges": "#D55E00"}
FORMATS = (".png", ".svg")


def pyplot():
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


def class_names(classes, k: int) -> list[str]:
    """The k class labels as text: the given `classes`, else the ids 0 … k−1."""
    return [str(c) for c in classes] if classes is not None else [str(i) for i in range(k)]


def tint(color: str, amount: float = 0.72) -> tuple:
    """`color` mixed with white: the light background of that class's region."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def tints(k: int, amount: float = 0.72):
    """A colormap of the k classes' tints, for regions drawn with vmin −½ and vmax k − ½."""
    from matplotlib.colors import ListedColormap

    return ListedColormap([tint(class_color(i), amount) for i in range(k)])


def scatter_classes(ax, X, y, names, size=22, edge="white") -> None:
    """The 2-D points X, one scatter per class in its colour, labelled for the legend."""
    for k in np.unique(y):
        rows = y == k
        ax.scatter(X[rows, 0], X[rows, 1], s=size, color=class_color(k), edgecolor=edge,
                   linewidth=0.6, label=f"class {names[int(k)]}", zorder=3)  # fmt: skip


# ---------------------------------------------------------------- saving


def save(fig, path) -> Path:
    """Write a figure to `path` (PNG or SVG by its extension) atomically, then close it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(
            f"cannot tell the image format of {path}: end the file name in .png or .svg"
        )
    try:
        write_atomically(
            path, lambda handle: fig.savefig(handle, format=suffix[1:], bbox_inches="tight")
        )
    finally:
        pyplot().close(fig)
    return path


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Let `write(handle)` fill a temporary file beside `path`, then put it in place
    (glassnet._files): on any failure `path` is left as it was and no temporary file stays."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(f"cannot write {path}: folder {folder} does not exist; create it")
    with atomic_file(path, suffix=path.suffix.lower()) as handle:
        write(handle)
    return path


def png_bytes(fig, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for the HTML report and GIF frames); closes the figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    pyplot().close(fig)
    return buffer.getvalue()
