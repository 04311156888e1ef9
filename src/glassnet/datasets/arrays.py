""".npy and .npz files read without pickle, their headers checked before anything is allocated.

An .npy file is a magic string, a header (dtype, order, shape) and the elements; its length
must be exactly header + prod(shape) · itemsize.  An .npz file is a zip archive of .npy
members: each member's header must agree with the size the zip directory records for it, and
that size must be one deflate can reach from the compressed bytes (at most 1032 : 1), so a
damaged or hostile file is refused before NumPy allocates what its header claims.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassnet.errors import DataError

MAX_HEADER = 10_000  # bytes of .npy header NumPy itself accepts by default
DEFLATE_MAX_RATIO = 1032  # the largest ratio deflate can achieve
NUMERIC_KINDS = "biuf"


def load_array(path):
    """np.load of a .npy file without pickle, after checking its header against its length."""
    path = Path(path)
    _check_readable(path)
    with _opened(path) as f:
        shape, dtype = read_npy_header(f, path)
        _check_payload(path, shape, dtype, path.stat().st_size - f.tell())
    if dtype.kind not in NUMERIC_KINDS:
        raise DataError(f"{path} holds {dtype} values: a .npy data file must be numeric")
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise DataError(
            f"{path} is not a readable .npy file without pickle ({error}): "
            "save plain numeric arrays with numpy.save"
        ) from error
    return array


def load_npz_arrays(path):
    """Every array in an .npz file (read now, without pickle), each member's header checked."""
    import zipfile
    import zlib

    path = Path(path)
    _check_readable(path)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                _check_member(archive, info, path)
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    # a damaged archive fails in zipfile (BadZipFile), zlib, or as an encrypted (RuntimeError)
    # or unknown (NotImplementedError) compression
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError,
            RuntimeError, NotImplementedError) as error:  # fmt: skip
        if isinstance(error, DataError):
            raise
        raise DataError(
            f"{path} is not a readable .npz file without pickle ({error}): it may be "
            "truncated or damaged; save plain arrays again with numpy.savez"
        ) from error


def read_npy_header(f, source):
    """(shape, dtype) from an open .npy stream positioned at its start; DataError if damaged."""
    from numpy.lib import format as npy

    try:
        version = npy.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = npy.read_array_header_1_0(f, max_header_size=MAX_HEADER)
        else:
            shape, _, dtype = npy.read_array_header_2_0(f, max_header_size=MAX_HEADER)
    except Exception as error:  # NumPy's header parser fails in many ways (tokenize, ast…)
        problem = "is empty" if f.tell() == 0 else f"has a damaged header ({error})"
        raise DataError(
            f"{source} {problem}: it is not an .npy file numpy.save wrote; save the array again"
        ) from None
    if dtype.hasobject:
        raise DataError(
            f"{source} is not a readable .npy file without pickle: it holds Python objects "
            f"({dtype}); save plain numeric arrays with numpy.save"
        )
    return tuple(int(d) for d in shape), dtype


def _check_member(archive, info, path):
    """DataError unless the .npy member's header agrees with the zip directory's sizes."""
    if info.file_size > DEFLATE_MAX_RATIO * info.compress_size + 1024:
        raise DataError(
            f"{path}: member {info.filename} claims {info.file_size:,} bytes from "
            f"{info.compress_size:,} compressed ones, more than deflate can produce: the "
            "file is damaged or hostile; save the arrays again with numpy.savez"
        )
    with archive.open(info) as f:
        shape, dtype = read_npy_header(f, f"{path} (member {info.filename})")
        _check_payload(f"{path} (member {info.filename})", shape, dtype, info.file_size - f.tell())


def _check_payload(source, shape, dtype, available):
    """DataError unless ``available`` bytes are exactly what the header's shape needs."""
    needed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if needed == available:
        return
    dims = " × ".join(map(str, shape)) or "scalar"
    problem = "is truncated" if available < needed else "has bytes its header does not describe"
    raise DataError(
        f"{source} {problem}: its header describes a {dims} array of {dtype} "
        f"({needed:,} bytes) but {available:,} bytes follow it; save the array again"
    )


def _check_readable(path):
    """DataError when ``path`` is missing, or cannot be opened for reading."""
    check_exists(path)
    with _opened(path):
        pass


def check_exists(path):
    """DataError when ``path`` is not a file (or a folder on its way cannot be searched)."""
    try:
        exists = path.is_file()
    except OSError as error:
        raise cannot_open(path, error) from None
    if not exists:
        raise DataError(f"{path} does not exist: check the file name")


class _opened:
    """open(path, "rb") whose failure is a DataError naming the reason and the fix."""

    def __init__(self, path):
        try:
            self.file = open(path, "rb")  # noqa: SIM115 (closed by __exit__)
        except OSError as error:
            raise cannot_open(path, error) from None

    def __enter__(self):
        return self.file

    def __exit__(self, *exc):
        self.file.close()


def cannot_open(path, error):
    """The DataError for a file that exists but cannot be opened (permissions, a folder…)."""
    reason = error.strerror or type(error).__name__
    return DataError(
        f"cannot read {path} ({reason}): give yourself read permission "
        f"(chmod u+r {path}) or copy the file somewhere readable"
    )
