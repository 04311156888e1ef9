"""The MNIST family as Datasets: uint8 images (N, 784), int64 labels, memory-mapped when possible.

Pixels are not scaled here: X holds the raw bytes 0..255 (47 MB for MNIST's 60,000 training
images, not 188 MB as float32) and ``input_scale = 255.0`` tells a model to divide by 255,
which it does one batch at a time (a ``Standardize(0, 255)`` first layer).  The arrays are
read-only (memory maps of the files, or views of their decompressed bytes).
"""

import hashlib

import numpy as np

from glassnet.errors import DataError

from .dataset import Dataset, file_sha256
from .idx import decompress_next_to, gunzip, idx_from_bytes, is_gzip, read_idx, refetch_hint
from .store import (
    archive_on_disk,
    data_home,
    download,
    extract_from_archive,
    image_set,
    locate,
    search_folders,
    verify_files,
)

IMAGE_SHAPE = (28, 28)


def load_image_set(name, *, data_dir=None, download_missing=True, progress=None):
    """Load one MNIST-family data set (train and test splits) as a Dataset.

    Files are found as described in :mod:`glassnet.datasets.store` and downloaded when
    missing (unless ``download_missing`` is False).  A gzipped file in a writable folder is
    decompressed once beside itself so this and later loads memory-map it; in a read-only
    folder it is decompressed in memory.  EMNIST images are transposed back to MNIST's
    orientation (an in-memory copy) and EMNIST letters' labels 1..26 become ids 0..25.
    """
    spec = image_set(name)
    home = data_home(data_dir)
    paths = locate(spec, home)
    if paths is None:
        if download_missing:
            download(name, home, progress)
        elif archive_on_disk(spec, home):
            extract_from_archive(name, home)
        else:
            raise DataError(_missing_message(spec, home))
        paths = locate(spec, home)
    return _dataset(spec, paths)


def verify(name, data_dir=None):
    """Check every file of data set ``name``, then the set as a whole the way training reads it.

    Returns (file, ok, detail) rows: one per present copy of each file (see
    :func:`glassnet.datasets.store.verify_files`), plus one failing row when the files pass
    their checksums but the set would still be refused by :func:`load_image_set` (shapes,
    counts, label ranges: the checks a file without a published checksum can only get here).
    """
    rows = verify_files(name, data_dir)
    spec, home = image_set(name), data_home(data_dir)
    paths = locate(spec, home)
    if paths is None or not all(ok for _, ok, _ in rows):
        return rows
    try:
        _dataset(spec, paths, unpack=False)
    except DataError as error:
        folder = paths[spec.files[0].stem].parent
        rows.append((str(folder), False, f"training would refuse {spec.name}: {error}"))
    return rows


def _dataset(spec, paths, unpack=True):
    """The Dataset of the four IDX files ``paths`` ({stem: path}), every check applied."""
    images_train, labels_train, images_test, labels_test = (
        _read(paths[f.stem], f, spec, unpack) for f in spec.files
    )
    X_train, y_train = _checked_pair(spec, images_train, labels_train)
    X_test, y_test = _checked_pair(spec, images_test, labels_test)
    return Dataset(
        name=spec.name,
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        classes=list(spec.classes),
        feature_names=None,
        task="multiclass",
        image_shape=IMAGE_SHAPE,
        input_scale=255.0,
        provenance={
            "dataset": spec.name,
            "source": spec.source,
            "mirrors": list(spec.mirrors),
            "files": {
                f.stem: {"path": str(a[1]), "sha256": a[2]}
                for f, a in zip(
                    spec.files, (images_train, labels_train, images_test, labels_test), strict=True
                )
            },
        },
    )


def _read(path, remote, spec, unpack=True):
    """(array, path read, SHA-256 of the payload) for one IDX file, checked against the registry.

    Prefers the raw file; a .gz is decompressed beside itself when the folder is writable (and
    ``unpack``), else in memory, never past the size its header promises.
    """
    bounds = {"ndim": 3 if "-images-" in remote.name else 1, "max_items": spec.max_items}
    if is_gzip(path):
        unpacked = decompress_next_to(path, dataset=spec.name, **bounds) if unpack else None
        if unpacked is None:
            payload = gunzip(path, dataset=spec.name, **bounds)
            digest = hashlib.sha256(payload).hexdigest()
            array = idx_from_bytes(payload, path, dataset=spec.name, ndim=bounds["ndim"])
            return _checked_digest(array, path, digest, remote, spec)
        path, digest = unpacked
    else:
        digest = file_sha256(path)
    array = read_idx(path, dataset=spec.name, **bounds)
    return _checked_digest(array, path, digest, remote, spec)


def _checked_digest(array, path, digest, remote, spec):
    """Raise DataError when a payload checksum is recorded and ``digest`` differs from it."""
    if remote.payload_sha256 and digest != remote.payload_sha256:
        raise DataError(
            f"{path} does not hold the published {spec.name} data (its SHA-256 is {digest}, "
            f"expected {remote.payload_sha256}): {refetch_hint(path, spec.name)}"
        )
    return array, path, digest


def _checked_pair(spec, images, labels):
    """(X (N, 784) uint8, y (N,) int64) from an image and a label file, validated together."""
    (images, image_path, _), (labels, label_path, _) = images, labels
    if len(images) == 0:
        raise DataError(
            f"{image_path} holds no images (its header says 0): "
            f"{refetch_hint(image_path, spec.name)}"
        )
    if images.shape[1:] != IMAGE_SHAPE or images.dtype != np.uint8:
        raise DataError(
            f"{image_path} holds {images.dtype.name} images of shape {images.shape[1:]}, not uint8 "
            f"28×28 ones: {refetch_hint(image_path, spec.name)}"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{image_path} has {len(images):,} images but {label_path} has {len(labels):,} "
            f"labels: they belong to different sets; {refetch_hint(label_path, spec.name)}"
        )
    if spec.transposed:
        images = np.ascontiguousarray(images.transpose(0, 2, 1))
    y = labels.astype(np.int64) - spec.label_offset
    if len(y) and (y.min() < 0 or y.max() >= len(spec.classes)):
        low, high = spec.label_offset, spec.label_offset + len(spec.classes) - 1
        raise DataError(
            f"{label_path} holds labels from {y.min() + spec.label_offset} to "
            f"{y.max() + spec.label_offset}, but {spec.name} labels run from {low} to {high}: "
            f"{refetch_hint(label_path, spec.name)}"
        )
    return images.reshape(len(images), -1), y


def _missing_message(spec, home):
    """What to do when a data set's files are absent and downloading is off."""
    folders = ", ".join(str(f) for f in search_folders(spec, home))
    return (
        f"{spec.name} is not in {home} (looked in {folders}): run `glassnet datasets download "
        f"{spec.name}`, or point --data-dir (or GLASSNET_DATA) at the folder that holds it"
    )
