"""A trained model is never lost to a full disk: when the model or checkpoint cannot be written
where asked, it is written to the first place that has room, and the error says where.

    save_or_rescue(net, "m.glassnet")   # as models.files.save; on OSError (no space, quota,
                                        # file too large, I/O error, read-only) the old file is
                                        # untouched (atomic write) and the network goes to
                                        # $TMPDIR, then ~, then the working folder

The GlassnetError raised names the failure, says the old file is untouched, and gives the
command that puts the rescued file in place (or, for a checkpoint, that resumes from it).
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from glassnet.errors import GlassnetError
from glassnet.models.files import save


def save_or_rescue(net, path, trainer=None) -> Path:
    """Save as models.files.save does; on an OSError save elsewhere and raise GlassnetError."""
    path = Path(path)
    try:
        return save(net, path, trainer=trainer)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    old = "the old file there is untouched" if path.exists() else "nothing was written there"
    kind = "checkpoint" if trainer is not None else "trained model"
    rescued = _save_elsewhere(net, path, trainer)
    if rescued is None:
        raise GlassnetError(
            f"cannot write {path}: {reason}; {old}, and no other place ({', '.join(places())}) "
            f"had room for the {kind} either: free some space and train again"
        )
    if trainer is not None:
        then = f"resume with: glassnet train --resume {rescued}"
    else:
        when = "once there is room" if full else "once you may write there"
        then = f"{when}: mv {rescued} {path}"
    raise GlassnetError(
        f"cannot write {path}: {reason}; {old}. The {kind} was saved to {rescued} instead; {then}"
    )


def places() -> list[str]:
    """Where a model goes when its own folder has no room: $TMPDIR, home, working folder."""
    found = [tempfile.gettempdir(), os.path.expanduser("~"), os.getcwd()]
    return list(dict.fromkeys(found))


def _save_elsewhere(net, path: Path, trainer) -> Path | None:
    for folder in places():
        target = Path(folder) / f"glassnet-rescued-{os.getpid()}-{path.name}"
        try:
            return save(net, target, trainer=trainer)
        except (OSError, GlassnetError):
            continue
    return None
