"""The one way glassnet writes a file: completely or not at all.

A temporary file is written beside the target, flushed and fsynced, given the permissions a
new file gets (the umask's; mkstemp would leave 0600), renamed over the target, and the folder
is fsynced so the rename survives a crash. A reader never sees half a file; an error or a kill
at any moment leaves the old file (or none) and no temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_file(path, suffix: str = ".tmp") -> Iterator[BinaryIO]:
    """Yield a binary file (its `name` is the temporary path, for a check before the rename)
    that replaces `path` when the block ends without an exception."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        with open(tmp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_folder(folder)


def atomic_write(path, data: bytes | str) -> Path:
    """Write bytes (or text, as UTF-8) to `path` through `atomic_file`."""
    with atomic_file(path) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def fsync_folder(folder) -> None:
    """Make a rename in `folder` durable (best effort: not every platform allows it)."""
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
