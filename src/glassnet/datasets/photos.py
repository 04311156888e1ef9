"""A photo or drawing of a digit turned into what an MNIST model was trained on.

MNIST's digits were made this way (LeCun et al.): the ink, bright on a black background, is
scaled to fit a 20 × 20 box keeping its aspect ratio (with anti-aliasing, so edges are grey),
then placed in a 28 × 28 image so that its centre of mass sits at the centre. `to_mnist`
repeats those steps on any picture:

    1. luminance only: the Y of YCbCr (Y = 0.299 R + 0.587 G + 0.114 B), transparency on white;
    2. inverted when the background (the median of the border pixels) is light, so ink is bright;
    3. the background level subtracted and the brightest ink stretched to 255; faint noise
       (below 10 % of that) set to 0;
    4. cropped to the ink's bounding box and scaled so the longer side is 20 pixels;
    5. placed in 28 × 28 with its centre of mass at pixel (14, 14), as uint8.

Pillow is imported only when an image is read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassnet.errors import DataError

SIZE = 28  # side of the output image
BOX = 20  # side of the box the ink is scaled into
NOISE = 0.10  # ink fainter than this fraction of the brightest pixel is background
WORK_SIDE = 1024  # pictures are shrunk to at most this many pixels a side before the arithmetic


def load_digit(path) -> np.ndarray:
    """The image file at `path` as a 28 × 28 uint8 MNIST-style array (see `to_mnist`).

    Memory stays bounded: a picture of more than Pillow's MAX_IMAGE_PIXELS (89 megapixels) is
    refused as a possible decompression bomb, a JPEG is decoded at reduced size (Pillow's
    draft mode) and any picture is shrunk to at most WORK_SIDE pixels a side before the
    arithmetic.  16-bit, palette, bilevel and CMYK pictures are converted to their grey levels.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise DataError(f"image {path} does not exist: check the path")
    try:
        with open_bounded(path) as image:
            image.draft("RGB", (WORK_SIDE, WORK_SIDE))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
            ImageOps.exif_transpose(image, in_place=True)
            return to_mnist(luminance(shrink(with_grey_levels(image))), source=str(path))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DataError(
            f"{path} is too large to decode safely ({exc}); a digit needs no more than a "
            "few hundred pixels a side: shrink or crop the picture"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        message = f"{path} is not an image Pillow can read ({exc}); use PNG or JPEG"
        raise DataError(message) from None


def open_bounded(path):
    """Image.open with Pillow's decompression-bomb warning (past MAX_IMAGE_PIXELS) raised as an
    error, so an oversized picture is refused before it is decoded."""
    import warnings

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(path)


def with_grey_levels(image):
    """`image` in a mode whose values mean what 8-bit ones do: 16-bit grey ("I;16", or "I"
    above 255) scaled by 255/65535 into a float image, bilevel and palette images expanded."""
    from PIL import Image

    if image.mode.startswith("I;16") or image.mode == "I":
        values = np.asarray(image, dtype=np.float32)
        if image.mode != "I" or values.max(initial=0) > 255:
            values /= 257.0  # 65535 ↦ 255
        return Image.fromarray(values, mode="F")
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
        return image.convert("RGB" if image.mode != "1" else "L")
    if image.mode == "PA":
        return image.convert("RGBA")
    return image


def shrink(image):
    """`image` reduced by a whole factor (box average) so its longer side is ≤ WORK_SIDE."""
    factor = -(-max(image.size) // WORK_SIDE)
    return image.reduce(factor) if factor > 1 else image


def luminance(image) -> np.ndarray:
    """The Y channel of YCbCr as float (H, W) in 0..255; transparent pixels count as white."""
    from PIL import Image

    if image.mode == "F":
        return np.asarray(image, dtype=np.float64)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    y = image.convert("RGB").convert("YCbCr").getchannel(0)
    return np.asarray(y, dtype=np.float64)


def to_mnist(gray, source: str = "the image") -> np.ndarray:
    """A grey image (H, W), ink dark or light, as a 28 × 28 uint8 digit in MNIST's framing."""
    ink = bright_ink(np.asarray(gray, dtype=np.float64), source)
    rows, cols = np.nonzero(ink)
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    return centre_by_mass(fit_box(crop))


def bright_ink(gray: np.ndarray, source: str) -> np.ndarray:
    """Ink bright on 0: inverted if the border is light, background removed, max at 255."""
    if gray.ndim != 2 or min(gray.shape) < 2:
        raise DataError(f"{source} must be a 2-D picture, got shape {gray.shape}")
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    level = np.median(border)
    if level > 127:
        gray, level = 255.0 - gray, 255.0 - level
    ink = np.clip(gray - level, 0, None)
    peak = ink.max()
    if peak < 8:
        raise DataError(f"{source} shows no ink (it is one flat shade); draw or photograph a digit")
    ink *= 255.0 / peak
    ink[ink < NOISE * 255.0] = 0.0
    return ink


def fit_box(crop: np.ndarray) -> np.ndarray:
    """The crop scaled so its longer side is BOX pixels, aspect kept."""
    from PIL import Image

    h, w = crop.shape
    scale = BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    image = Image.fromarray(crop.astype(np.float32))
    # area averaging when shrinking (anti-aliased, no ringing), bilinear when enlarging
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    return np.asarray(image.resize(size, resample), dtype=np.float64).clip(0, 255)


def centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """The digit pasted into SIZE × SIZE so its centre of mass lands on pixel (14, 14)."""
    h, w = digit.shape
    total = digit.sum()
    com_r = (digit.sum(axis=1) @ np.arange(h)) / total
    com_c = (digit.sum(axis=0) @ np.arange(w)) / total
    top = int(np.clip(round(SIZE / 2 - com_r), 0, SIZE - h))
    left = int(np.clip(round(SIZE / 2 - com_c), 0, SIZE - w))
    out = np.zeros((SIZE, SIZE))
    out[top : top + h, left : left + w] = digit
    return np.rint(out).clip(0, 255).astype(np.uint8)
