"""MNIST-style preprocessing of photos and drawings (glassnet.images)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from glassnet.datasets import photos as images
from glassnet.errors import DataError


def centre_of_mass(a: np.ndarray) -> tuple[float, float]:
    a = a.astype(np.float64)
    rows, cols = np.indices(a.shape)
    return (rows * a).sum() / a.sum(), (cols * a).sum() / a.sum()


def draw_seven(path, size=(160, 240), background=(240, 236, 228), ink=(25, 25, 40), offset=0):
    """A digit-like dark stroke on a light, slightly coloured background, off centre."""
    image = Image.new("RGB", size, background)
    pen = ImageDraw.Draw(image)
    pen.line([(20 + offset, 30), (100 + offset, 30), (50 + offset, 200)], fill=ink, width=12)
    image.save(path)
    return path


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_dark_stroke_on_light_background_becomes_mnist_framing(tmp_path, suffix):
    digit = images.load_digit(draw_seven(tmp_path / f"seven{suffix}", offset=30))
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    border = np.concatenate([digit[0], digit[-1], digit[:, 0], digit[:, -1]])
    assert border.max() == 0  # background 0
    assert digit.max() >= 200  # ink bright
    rows, cols = np.nonzero(digit)
    assert rows.max() - rows.min() + 1 <= 20 and cols.max() - cols.min() + 1 <= 20
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 >= 19  # fills the box
    r, c = centre_of_mass(digit)
    assert abs(r - 14) <= 1 and abs(c - 14) <= 1


def test_light_ink_on_dark_background_is_not_inverted(tmp_path):
    path = draw_seven(tmp_path / "inverse.png", background=(0, 0, 0), ink=(255, 255, 255))
    digit = images.load_digit(path)
    assert digit[0, 0] == 0 and digit.max() == 255
    same = images.load_digit(draw_seven(tmp_path / "normal.png", background=(255,) * 3,
                                        ink=(0, 0, 0)))  # fmt: skip
    assert np.abs(digit.astype(int) - same.astype(int)).max() <= 1


def test_luminance_is_the_y_of_ycbcr():
    image = Image.new("RGB", (2, 1), (255, 0, 0))
    y = images.luminance(image)
    assert abs(y[0, 0] - 0.299 * 255) < 1


def test_transparent_background_counts_as_white(tmp_path):
    image = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle([20, 5, 28, 45], fill=(0, 0, 0, 255))
    digit = images.to_mnist(images.luminance(image))
    assert digit[0, 0] == 0 and digit.max() == 255


def test_blank_and_unreadable_images_are_data_errors(tmp_path):
    Image.new("L", (40, 40), 200).save(tmp_path / "blank.png")
    with pytest.raises(DataError, match="no ink"):
        images.load_digit(tmp_path / "blank.png")
    (tmp_path / "fake.png").write_text("not an image")
    with pytest.raises(DataError, match="not an image"):
        images.load_digit(tmp_path / "fake.png")
    with pytest.raises(DataError, match="does not exist"):
        images.load_digit(tmp_path / "missing.png")
