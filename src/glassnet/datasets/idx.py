"""The IDX file format of MNIST and its family, read with validation.

An IDX file is a header followed by one array in C order, big-endian:

    bytes 0-1   0x00 0x00
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    4·d bytes   each dimension's size, a big-endian uint32
    the rest    the elements

So MNIST's label files start with the magic number 0x00000801 (uint8, 1-D) and its image
files with 0x00000803 (uint8, 3-D: N × 28 × 28).  Raw files are memory-mapped; gzipped files
are decompressed in memory (or once to disk by :func:`decompress_next_to`).
"""

import hashlib
import os
import stat
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from glassnet._files import atomic_file, atomic_write
from glassnet.errors import DataError

from .terminate import unwinding_on_termination

IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
IDX_CODES = {dtype.newbyteorder(">"): code for code, dtype in IDX_TYPES.items()}
GZIP_MAGIC = b"\x1f\x8b"
DEFLATE_MAX_RATIO = 1032  # the most bytes deflate can produce from one compressed byte
COPY_CHUNK = 1 << 20


def read_idx(path, *, ndim=None, dataset=None, max_items=None):
    """Read one IDX file (raw or gzipped) into an array of the shape its header gives.

    Raw files come back as a read-only ``np.memmap``; gzipped files (recognised by their
    first two bytes, whatever the name) are decompressed in memory.  The header's magic
    number, the dimension count (``ndim``, when given) and the file length the header implies
    are all checked; any mismatch raises DataError naming the file and the fix.  A gzipped
    file is decompressed only up to the size its header promises (and ``max_items``, when
    given, bounds the first dimension), so a decompression bomb costs no more memory than
    the data it claims to be.  ``dataset`` (e.g. "mnist") only makes the fix more specific.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"IDX file {path} does not exist: check the path or the data folder")
    if is_gzip(path):
        payload = gunzip(path, dataset=dataset, ndim=ndim, max_items=max_items)
        return idx_from_bytes(payload, path, ndim=ndim, dataset=dataset)
    with open(path, "rb") as f:
        head = f.read(4 + 4 * 255)
    dtype, shape, offset = _parse_header(head, path, ndim, dataset)
    _check_items(shape, max_items, path, dataset)
    _check_length(os.path.getsize(path), dtype, shape, offset, path, dataset)
    if 0 in shape:
        return np.empty(shape, dtype)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)


def idx_from_bytes(data, source="<bytes>", *, ndim=None, dataset=None):
    """Parse a whole IDX payload held in memory (a zero-copy view of ``data``)."""
    dtype, shape, offset = _parse_header(bytes(data[: 4 + 4 * 255]), source, ndim, dataset)
    _check_length(len(data), dtype, shape, offset, source, dataset)
    return np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)


def write_idx(path, array):
    """Write ``array`` as an IDX file (gzipped when the name ends in .gz), atomically."""
    array = np.asarray(array)
    code = IDX_CODES.get(array.dtype.newbyteorder(">"))
    if code is None:
        raise DataError(
            f"IDX cannot store dtype {array.dtype}: use uint8, int8, int16, "
            "int32, float32 or float64"
        )
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    payload = header + np.ascontiguousarray(array, dtype=IDX_TYPES[code]).tobytes()
    if str(path).endswith(".gz"):
        import gzip

        payload = gzip.compress(payload, mtime=0)
    atomic_write_bytes(Path(path), payload)


def is_gzip(path):
    """True when the file starts with the gzip magic bytes 1F 8B."""
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def gunzip(path, *, dataset=None, ndim=None, max_items=None):
    """The decompressed IDX payload of a gzip file, as a bytearray of exactly the length its
    header promises; DataError when it is truncated, corrupt, or decompresses to more.

    The header is read first and checked (dimension count, ``max_items``, and a size that
    deflate can reach from the file's compressed bytes) before the rest is allocated.
    """
    import gzip

    with _gzip_errors(path, dataset), gzip.open(path, "rb") as f:
        head = _read_up_to(f, 4 + 4 * 255)
        expected = _promised_length(head, path, ndim, dataset, max_items)
        payload = bytearray(expected + 1)  # one byte more, to notice a payload that runs on
        filled = min(len(head), expected + 1)
        payload[:filled] = head[:filled]
        with memoryview(payload) as view:
            while filled <= expected and (n := f.readinto(view[filled:])):
                filled += n
    if filled != expected:
        dtype, shape, offset = IDX_TYPES[head[2]], _shape(head), 4 + 4 * head[3]
        _check_length(filled, dtype, shape, offset, path, dataset, decompressed=True)
    del payload[expected:]
    return payload


def _promised_length(head, source, ndim, dataset, max_items):
    """The payload length the IDX header at the start of ``head`` promises, once checked."""
    dtype, shape, offset = _parse_header(head, source, ndim, dataset)
    _check_items(shape, max_items, source, dataset)
    expected = offset + int(np.prod(shape, dtype=object)) * dtype.itemsize
    compressed = os.path.getsize(source)
    if expected > DEFLATE_MAX_RATIO * compressed + 1024:
        raise DataError(
            f"{source}: its header describes {expected:,} bytes, more than a gzip file of "
            f"{compressed:,} bytes can hold: {refetch_hint(source, dataset)}"
        )
    return expected


def _check_items(shape, max_items, source, dataset):
    """DataError when the first dimension is larger than the data set can have."""
    if max_items is not None and shape and shape[0] > max_items:
        raise DataError(
            f"{source}: its header claims {shape[0]:,} samples, but {dataset} has at most "
            f"{max_items:,}: {refetch_hint(source, dataset)}"
        )


def _shape(head):
    """The shape an (already validated) IDX header gives."""
    return tuple(int(d) for d in np.frombuffer(head[4 : 4 + 4 * head[3]], ">u4"))


def _read_up_to(f, size):
    """Up to ``size`` bytes from a stream (fewer only at its end)."""
    data = b""
    while len(data) < size and (chunk := f.read(size - len(data))):
        data += chunk
    return data


@contextmanager
def _gzip_errors(path, dataset):
    """Turn the errors of a truncated or corrupt gzip stream into one DataError."""
    import zlib

    try:
        yield
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(
            f"{path} is not a complete gzip file ({error}): {refetch_hint(path, dataset)}"
        ) from error


def decompress_next_to(gz_path, *, dataset=None, ndim=None, max_items=None):
    """Decompress ``name.gz`` once to ``name`` in the same folder, so later loads memory-map it.

    Returns (raw path, SHA-256 of the payload), or None when the folder is read-only (by
    permission bits, respected even for root) or the write fails; the caller then reads the
    gzip in memory.  The raw file appears atomically and only after its header and length
    have been validated, so a corrupt archive never leaves a raw file behind.
    """
    import gzip
    import zlib

    gz_path = Path(gz_path)
    raw_path = gz_path.with_suffix("")
    if not folder_is_writable(gz_path.parent):
        return None
    digest = hashlib.sha256()
    try:
        with unwinding_on_termination(), atomic_file(raw_path) as out, gzip.open(gz_path) as src:
            chunk = _read_up_to(src, 4 + 4 * 255)
            promised, written = _promised_length(chunk, gz_path, ndim, dataset, max_items), 0
            while chunk:
                digest.update(chunk)
                out.write(chunk)
                written += len(chunk)
                if written > promised:
                    break  # the payload runs on past its header's promise: refused below
                chunk = src.read(min(COPY_CHUNK, promised + 1 - written))
            out.flush()
            _validate_file(out.name, gz_path, dataset)  # before the rename
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DataError(
            f"{gz_path} is not a complete gzip file ({error}): {refetch_hint(gz_path, dataset)}"
        ) from error
    except OSError:
        return None
    return raw_path, digest.hexdigest()


def folder_is_writable(folder):
    """True when we may create files in ``folder``: access allows it and a write bit is set.

    Root may write anywhere, so the permission bits are also consulted: a folder marked
    read-only (like a shared data folder) is treated as read-only.
    """
    try:
        mode = os.stat(folder).st_mode
    except OSError:
        return False
    return os.access(folder, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def atomic_write_bytes(target, data):
    """Write ``data`` to ``target`` completely or not at all (glassnet._files)."""
    atomic_write(target, data)


def _validate_file(path, source, dataset):
    """Check the header and length of the raw IDX file at ``path``, reporting it as ``source``."""
    with open(path, "rb") as f:
        head = f.read(4 + 4 * 255)
    dtype, shape, offset = _parse_header(head, source, None, dataset)
    _check_length(os.path.getsize(path), dtype, shape, offset, source, dataset)


def refetch_hint(path, dataset=None):
    """The fix for a damaged data file: delete it and fetch it again."""
    if dataset is None:
        return f"delete {Path(path).name} and get a fresh copy"
    return (
        f"delete {Path(path).name} and download it again (`glassnet datasets download "
        f"{dataset}`; `glassnet datasets verify {dataset}` checks every file)"
    )


def _parse_header(head, source, ndim, dataset):
    """(dtype, shape, payload offset) from the first bytes of an IDX file."""
    fix = refetch_hint(source, dataset)
    if len(head) < 4:
        raise DataError(f"{source} is too short to be an IDX file ({len(head)} bytes): {fix}")
    magic = int.from_bytes(head[:4], "big")
    if head[0] != 0 or head[1] != 0 or head[2] not in IDX_TYPES or head[3] == 0:
        raise DataError(
            f"{source} is not an IDX file: its magic number is 0x{magic:08X}, but IDX files "
            f"start with 0x0000, a type byte and a dimension count (0x00000801 for labels, "
            f"0x00000803 for images): {fix}"
        )
    dims = head[3]
    if ndim is not None and dims != ndim:
        raise DataError(
            f"{source} holds a {dims}-D array (magic number 0x{magic:08X}) where a {ndim}-D "
            f"one was expected (0x{0x800 + ndim:08X}): check that image and label files are "
            f"not swapped, or {fix}"
        )
    if len(head) < 4 + 4 * dims:
        raise DataError(f"{source} ends inside its header: {fix}")
    shape = tuple(int(d) for d in np.frombuffer(head[4 : 4 + 4 * dims], ">u4"))
    return IDX_TYPES[head[2]], shape, 4 + 4 * dims


def _check_length(length, dtype, shape, offset, source, dataset, *, decompressed=False):
    """Raise DataError unless the file is exactly header + prod(shape) elements long.
    `decompressed`: `length` is what a gzip stream gave, read up to one byte past the
    promise (so a longer stream is "more", not its true length)."""
    expected = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if length == expected:
        return
    dims = " × ".join(str(d) for d in shape)
    problem = "is truncated" if length < expected else "has extra bytes at the end"
    if not decompressed:
        found = f"the file has {length:,} bytes"
    elif length > expected:
        found = "it decompresses to more (reading stopped there)"
    else:
        found = f"it decompresses to {length:,} bytes"
    raise DataError(
        f"{source} {problem}: its header describes a {dims} array of {dtype.name} "
        f"({expected:,} bytes with the header) but {found}: {refetch_hint(source, dataset)}"
    )
