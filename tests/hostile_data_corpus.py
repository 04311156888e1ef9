"""The hostile inputs of issue 15 for the data readers, IDX files, images and downloads.

Each Case builds its files in a fresh folder and gives the command line that meets them;
``expect`` says what a correct glassnet does: "error" (one clear message, exit 1 or 2, no
traceback) or "ok" (accepted, and ``check`` confirms the answer is right).
``benchmarks/hostile_data.py`` runs every case through the command line (exit status, peak
memory, seconds); ``tests/datasets/test_hostile_*.py`` assert the same outcomes in-process.
"""

from __future__ import annotations

import gzip
import io
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from datasets_helpers import QuietHandler, fake_set
from glassnet.datasets import write_idx
from hostile_servers import (
    DripHandler,
    EndlessHandler,
    HugeLengthHandler,
    SlowHandler,
    nothing_left,
)

NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


@dataclass
class Case:
    """One hostile input: how to build it, the command that meets it, what should happen."""

    surface: str
    name: str
    build: object  # build(folder, models) -> argv after "glassnet"
    expect: str = "error"
    check: object = None  # check(folder, stdout) -> problem or None, for "ok" cases
    handler: object = None  # an HTTP handler class: the case downloads from it
    signal_after: float | None = None  # send SIGTERM this many seconds after the start
    as_nobody: bool = False  # run as user nobody (root reads any file)
    env: dict = field(default_factory=dict)


# ---------------------------------------------------------------- tables and arrays


def small_table(path, rows=40, header="x1,x2,label", seed=0):
    """A CSV with two features and a 0/1 label that a model learns easily."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 2))
    y = (X[:, 0] > 0).astype(int)
    lines = [header] + [f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(X, y, strict=True)]
    Path(path).write_text("\n".join(lines) + "\n")
    return path


def truncated_npz(folder, models):
    path = folder / "cut.npz"
    buffer = io.BytesIO()
    np.savez(buffer, X=np.ones((50, 3)), y=np.arange(50) % 2)
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return ["train", str(path), "--epochs", "1"]


def empty_npy(folder, models):
    (folder / "empty.npy").write_bytes(b"")
    return ["train", str(folder / "empty.npy"), "--epochs", "1"]


def zero_row_npy(folder, models):
    np.save(folder / "none.npy", np.zeros((0, 3)))
    return ["train", str(folder / "none.npy"), "--epochs", "1"]


def zero_row_npz(folder, models):
    np.savez(folder / "none.npz", X=np.zeros((0, 2)), y=np.zeros(0))
    return ["train", str(folder / "none.npz"), "--epochs", "1"]


def npy_header(shape, dtype="<f8", body=b"\0" * 64):
    """An .npy file (format 1.0) whose header claims ``shape``, followed by ``body``."""
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape!r}, }}"
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + body


def huge_npy_header(folder, models):
    (folder / "huge.npy").write_bytes(npy_header((10**12, 3)))
    return ["train", str(folder / "huge.npy"), "--epochs", "1"]


def huge_npz_member(folder, models):
    with zipfile.ZipFile(folder / "huge.npz", "w") as zf:
        zf.writestr("X.npy", npy_header((10**12, 3)))
        zf.writestr("y.npy", npy_header((10**12,), "<i8"))
    return ["train", str(folder / "huge.npz"), "--epochs", "1"]


def long_csv_field(folder, models):
    path = small_table(folder / "long.csv")
    with open(path, "a") as f:
        f.write(f"1.0,{'9' * 140_000},1\n")
    return ["train", str(path), "--epochs", "1"]


def unreadable_csv(folder, models):
    path = small_table(folder / "locked.csv")
    path.chmod(0)
    folder.chmod(0o755)
    return ["train", str(path), "--epochs", "1"]


def duplicate_columns(folder, models):
    path = small_table(folder / "dup.csv", header="x1,x1,label")
    return ["train", str(path), "--epochs", "1"]


def nan_labels(folder, models):
    path = small_table(folder / "nan.csv")
    with open(path, "a") as f:
        f.write("0.5,0.5,nan\n-0.5,0.5,NaN\n")
    return ["train", str(path), "--epochs", "1"]


def inf_labels(folder, models):
    y = np.arange(40) % 2 * 1.0
    y[3] = np.inf
    np.savez(folder / "inf.npz", X=np.random.default_rng(0).normal(size=(40, 2)), y=y)
    return ["train", str(folder / "inf.npz"), "--epochs", "1"]


def predict_ragged_short(folder, models):
    path = small_table(folder / "ragged.csv", rows=5)
    with open(path, "a") as f:
        f.write("0.1\n")
    return ["predict", str(models["table"]), str(path)]


def predict_ragged_features_only(folder, models):
    path = folder / "ragged.csv"
    path.write_text("x1,x2\n0.1,0.2\n0.3,0.4,0.5\n")
    return ["predict", str(models["table"]), str(path)]


def predict_nan_feature(folder, models):
    path = folder / "nan.csv"
    path.write_text("x1,x2\n0.1,0.2\nnan,0.4\n")
    return ["predict", str(models["table"]), str(path)]


def predict_duplicate_columns(folder, models):
    path = folder / "dup.csv"
    path.write_text("x1,x1\n0.1,0.2\n0.3,0.4\n")
    return ["predict", str(models["table"]), str(path)]


def predict_inf_npy(folder, models):
    np.save(folder / "inf.npy", np.array([[0.1, 0.2], [np.inf, 0.0]]))
    return ["predict", str(models["table"]), str(folder / "inf.npy")]


def predict_zero_row_npy(folder, models):
    np.save(folder / "none.npy", np.zeros((0, 2)))
    return ["predict", str(models["table"]), str(folder / "none.npy")]


def predict_truncated_npz(folder, models):
    buffer = io.BytesIO()
    np.savez(buffer, X=np.ones((50, 2)))
    (folder / "cut.npz").write_bytes(buffer.getvalue()[:300])
    return ["predict", str(models["table"]), str(folder / "cut.npz")]


def predict_good_csv(folder, models):
    path = folder / "good.csv"
    path.write_text("x2,x1\n0.0,2.0\n0.0,-2.0\n")  # columns found by name, in another order
    return ["predict", str(models["table"]), str(path)]


def predicts_one_then_zero(folder, stdout):
    rows = [line.split(",") for line in stdout.strip().splitlines()[1:]]
    got = [row[1] for row in rows]
    return None if got == ["1", "0"] else f"predicted {got}, expected ['1', '0']"


TABLE_CASES = [
    Case("tables", "truncated .npz", truncated_npz),
    Case("tables", "empty .npy", empty_npy),
    Case("tables", "zero-row .npy", zero_row_npy),
    Case("tables", "zero-row .npz", zero_row_npz),
    Case("tables", ".npy header claiming 10^12 rows", huge_npy_header),
    Case("tables", ".npz member claiming 10^12 rows", huge_npz_member),
    Case("tables", "CSV field over 131,072 characters", long_csv_field),
    Case("tables", "unreadable file (user nobody)", unreadable_csv, as_nobody=True),
    Case("tables", "duplicate column names", duplicate_columns),
    Case("tables", "NaN labels", nan_labels),
    Case("tables", "inf label in .npz", inf_labels),
    Case("tables", "predict: ragged short row", predict_ragged_short),
    Case("tables", "predict: ragged long row", predict_ragged_features_only),
    Case("tables", "predict: NaN feature", predict_nan_feature),
    Case("tables", "predict: duplicate column names", predict_duplicate_columns),
    Case("tables", "predict: inf in .npy", predict_inf_npy),
    Case("tables", "predict: zero-row .npy", predict_zero_row_npy),
    Case("tables", "predict: truncated .npz", predict_truncated_npz),
    Case("tables", "predict: columns by name", predict_good_csv, "ok", predicts_one_then_zero),
]

# ---------------------------------------------------------------- IDX files


def idx_set(folder, name="kmnist", gz=True, n_train=6, n_test=4):
    """A small fake MNIST-layout set in folder/name (kmnist: no payload checksum on load)."""
    fake_set(folder / name, name, n_train=n_train, n_test=n_test, gz=gz)
    return folder / name


def zero_images(folder, models):
    idx_set(folder, n_train=0)
    return ["train", "kmnist", "--data-dir", str(folder), "--epochs", "1"]


def gzip_bomb(path, header, total, chunk=1 << 24):
    """A gzip file whose payload is ``header`` followed by zeros up to ``total`` bytes."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(header)
        left = total - len(header)
        zeros = bytes(chunk)
        while left > 0:
            f.write(zeros[: min(chunk, left)])
            left -= chunk
    return path


BOMB_BYTES = 2_000_000_000  # decompresses to 2 GB from about 2 MB


def gzip_bomb_read_only(folder, models):
    home = idx_set(folder)
    images = home / "train-images-idx3-ubyte.gz"
    header = bytes([0, 0, 8, 3]) + np.array([6, 28, 28], ">u4").tobytes()
    gzip_bomb(images, header, BOMB_BYTES)
    home.chmod(0o555)
    return ["train", "kmnist", "--data-dir", str(folder), "--epochs", "1"]


def emnist_members(folder, edit):
    """EMNIST digits' four members in folder/emnist-digits (raw IDX), with ``edit`` applied to
    the dict {stem: array} first.  No per-member checksum is published, so verify can only
    check what the files hold."""
    from glassnet.datasets.registry import IMAGE_SETS

    spec = IMAGE_SETS["emnist-digits"]
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 28, 28), dtype=np.uint8)
    labels = (np.arange(10) % 10).astype(np.uint8)
    arrays = dict(zip([f.stem for f in spec.files],
                      [images[:6], labels[:6], images[6:], labels[6:]], strict=True))  # fmt: skip
    edit(arrays)
    target = folder / "emnist-digits"
    target.mkdir(parents=True, exist_ok=True)
    for stem, array in arrays.items():
        write_idx(target / f"{stem}.gz", array)
    return folder


TRAIN_IMAGES = "emnist-digits-train-images-idx3-ubyte"
TRAIN_LABELS = "emnist-digits-train-labels-idx1-ubyte"


def _label_out_of_range(a):
    a[TRAIN_LABELS] = a[TRAIN_LABELS] + 10


def _counts_disagree(a):
    a[TRAIN_LABELS] = a[TRAIN_LABELS][:5]


def _small_images(a):
    a[TRAIN_IMAGES] = a[TRAIN_IMAGES][:, :27, :27]


def _swapped(a):
    a[TRAIN_IMAGES], a[TRAIN_LABELS] = a[TRAIN_LABELS], a[TRAIN_IMAGES]


def _int16_images(a):
    a[TRAIN_IMAGES] = a[TRAIN_IMAGES].astype(np.int16)


def _no_images(a):
    a[TRAIN_IMAGES] = a[TRAIN_IMAGES][:0]
    a[TRAIN_LABELS] = a[TRAIN_LABELS][:0]


def _labels_2d(a):
    a[TRAIN_LABELS] = a[TRAIN_LABELS].reshape(6, 1)


VERIFY_EDITS = {
    "labels out of range": _label_out_of_range,
    "image and label counts differ": _counts_disagree,
    "27×27 images": _small_images,
    "image and label files swapped": _swapped,
    "int16 images": _int16_images,
    "zero images": _no_images,
    "labels stored 2-D": _labels_2d,
}


def verify_case(edit):
    def build(folder, models):
        emnist_members(folder, edit)
        return ["datasets", "verify", "emnist-digits", "--data-dir", str(folder)]

    return build


def download_mnist(folder, models):
    return ["datasets", "download", "mnist", "--data-dir", str(folder / "data")]


def modes_are_0644(folder, stdout):
    files = [p for p in (folder / "data").rglob("*") if p.is_file()]
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    wrong = {name: mode for name, mode in modes.items() if mode != "0o644"}
    return f"modes {wrong}" if wrong or not files else None


IDX_CASES = [
    Case("idx", "zero-image IDX set", zero_images),
    Case("idx", "gzip bomb (2 GB) in a read-only folder", gzip_bomb_read_only),
    *[Case("idx", f"verify: {what}", verify_case(edit)) for what, edit in VERIFY_EDITS.items()],
    Case(
        "idx",
        "downloaded files honour the umask",
        download_mnist,
        "ok",
        modes_are_0644,
        handler=QuietHandler,
    ),  # fmt: skip
]

# ---------------------------------------------------------------- images


def seven(size=280, mode="L"):
    """A dark grey 7 on a light grey paper (as a photo has them), a Pillow image of
    ``size`` × ``size``: neither level is 0 or 255, so clipping would show."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (size, size), 190)
    draw = ImageDraw.Draw(image)
    w = max(2, size // 14)
    draw.line([(size * 0.25, size * 0.2), (size * 0.75, size * 0.2)], fill=60, width=w)
    draw.line([(size * 0.75, size * 0.2), (size * 0.4, size * 0.85)], fill=60, width=w)
    return image if mode == "L" else image.convert(mode)


def bomb_png(folder, models):
    from PIL import Image

    Image.new("1", (20_000, 20_000)).save(folder / "bomb.png")  # 400 megapixels, 50 kB
    return ["predict", str(models["image"]), str(folder / "bomb.png")]


def large_png(folder, models):
    from PIL import Image

    Image.new("L", (10_000, 10_000), 255).save(folder / "large.png")  # 100 megapixels
    return ["predict", str(models["image"]), str(folder / "large.png")]


def same_as_8_bit(name, convert):
    """A case: the 7 saved through ``convert`` must predict exactly as the 8-bit grey 7."""

    def build(folder, models):
        seven().save(folder / "seven.png")
        convert(seven()).save(folder / name)
        return ["predict", str(models["image"]), "--proba", str(folder / "seven.png"),
                str(folder / name)]  # fmt: skip

    return build


def to_16_bit(image):
    from PIL import Image

    return Image.fromarray(np.asarray(image).astype(np.uint16) * 257)


def to_palette(image):
    return image.convert("RGB").convert("P", palette=1, colors=16)  # 1 = Palette.ADAPTIVE


def to_palette_with_transparency(image):
    palette = to_palette(image)
    palette.info["transparency"] = palette.getpixel((0, 0))  # the background's index
    return palette


def rows_agree(folder, stdout):
    lines = stdout.strip().splitlines()
    if len(lines) != 3:
        return f"expected two predictions, got {lines}"
    first, second = (line.split(",", 1)[1] for line in lines[1:])
    return None if first == second else f"8-bit: {first}; converted: {second}"


def huge_photo(folder, models):
    from PIL import Image

    photo = Image.new("L", (8000, 6000), 190)  # 48 megapixels: the same 7, 6000 pixels high
    photo.paste(seven(size=6000), (1000, 0))
    photo.convert("RGB").save(folder / "photo.jpg", quality=90)
    seven().convert("RGB").save(folder / "seven.jpg", quality=90)
    del photo, Image
    return ["predict", str(models["image"]), "--proba", str(folder / "seven.jpg"),
            str(folder / "photo.jpg")]  # fmt: skip


def predicts_like_the_small_one(folder, stdout):
    lines = stdout.strip().splitlines()
    if len(lines) != 3:
        return f"expected two predictions, got {lines}"
    small, large = (line.split(",")[1] for line in lines[1:])
    return None if small == large else f"small photo: {small}; 48-megapixel photo: {large}"


def truncated_png(folder, models):
    buffer = io.BytesIO()
    seven().save(buffer, format="PNG")
    (folder / "cut.png").write_bytes(buffer.getvalue()[:200])
    return ["predict", str(models["image"]), str(folder / "cut.png")]


IMAGE_CASES = [
    Case("images", "decompression-bomb PNG (400 MP)", bomb_png),
    Case("images", "100-megapixel PNG (above Pillow's limit)", large_png),
    Case("images", "16-bit PNG", same_as_8_bit("seven16.png", to_16_bit), "ok", rows_agree),
    Case("images", "palette PNG", same_as_8_bit("sevenP.png", to_palette), "ok", rows_agree),
    Case(
        "images",
        "palette PNG with a transparent index",
        same_as_8_bit("sevenT.png", to_palette_with_transparency),
        "ok",
        rows_agree,
    ),  # fmt: skip
    Case("images", "48-megapixel photo", huge_photo, "ok", predicts_like_the_small_one),
    Case("images", "truncated PNG", truncated_png),
]

# ---------------------------------------------------------------- downloads


DEADLINE_ENV = {"GLASSNET_DOWNLOAD_DEADLINE": "5"}
DOWNLOAD_CASES = [
    Case(
        "downloads",
        "drip-feed mirror (1 byte / 0.5 s)",
        download_mnist,
        handler=DripHandler,
        env=DEADLINE_ENV,
    ),  # fmt: skip
    Case("downloads", "endless response", download_mnist, handler=EndlessHandler),
    Case("downloads", "Content-Length of 5 GB", download_mnist, handler=HugeLengthHandler),
    Case(
        "downloads",
        "SIGTERM mid-download",
        download_mnist,
        "error",
        nothing_left,
        handler=SlowHandler,
        signal_after=3.0,
    ),  # fmt: skip
]

CASES = TABLE_CASES + IDX_CASES + IMAGE_CASES + DOWNLOAD_CASES


def make_models(folder):
    """{"table": a model of small_table's x1, x2 → label, "image": a 784-input digit model}."""
    import glassnet as gn
    from glassnet.models.files import save

    folder.mkdir(parents=True, exist_ok=True)
    table = small_table(folder / "train.csv", rows=200)
    gn.run(gn.RunConfig(data=str(table), out=str(folder / "table.glassnet"), epochs=30))
    net = gn.Network([gn.Dense(784, 10), gn.Softmax()], seed=0)
    save(net, folder / "image.glassnet")
    return {"table": folder / "table.glassnet", "image": folder / "image.glassnet"}
