"""Where data files live, how missing ones are downloaded, and how present ones are verified.

The data home is, in this order: the ``data_dir`` argument (``--data-dir``), the
``GLASSNET_DATA`` environment variable, then the per-user cache ``$XDG_CACHE_HOME/glassnet``
(``~/.cache/glassnet``).  A data set's files are looked for in ``<home>/<name>/`` and then
directly in ``<home>/``, so a folder that holds the files themselves works as well.
Downloads go to ``<home>/<name>/``, from the mirrors in the registry or, when the
``GLASSNET_MIRROR`` environment variable is set, from ``$GLASSNET_MIRROR/<file name>`` only
(several base URLs may be given, separated by spaces).

Every download is bounded: a file may weigh at most what a correct copy can (the registry's
``max_bytes``) and must arrive within an overall deadline (``TIMEOUT_SECONDS`` plus that size
at ``MIN_RATE``, or ``GLASSNET_DOWNLOAD_DEADLINE`` seconds), and SIGTERM or SIGHUP during it
removes the temporary file before the process ends.  Nothing unverified is ever renamed into
place.
"""

import math
import os
import shutil
import time
from pathlib import Path

from glassnet._files import atomic_file
from glassnet.errors import DataError, DownloadError

from .dataset import HASH_CHUNK, file_digests
from .idx import is_gzip, read_idx, refetch_hint
from .registry import IMAGE_SETS, ImageSet, RemoteFile
from .terminate import unwinding_on_termination

TIMEOUT_SECONDS = 30  # the longest wait for any one answer from a mirror
MIN_RATE = 20_000  # bytes per second: the overall deadline of a file is computed from it
UNKNOWN_MAX_BYTES = 1 << 30  # the size limit of a file whose registry entry gives none
USER_AGENT = "glassnet/0.1 (Python urllib)"


def data_home(data_dir=None):
    """The folder data sets are read from and downloaded to (it need not exist yet)."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    if os.environ.get("GLASSNET_DATA"):
        return Path(os.environ["GLASSNET_DATA"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "glassnet"


def image_set(name):
    """The registry entry of a downloadable data set; DataError for any other name."""
    if name not in IMAGE_SETS:
        raise DataError(
            f"{name!r} is not a downloadable data set: choose one of {', '.join(IMAGE_SETS)}"
        )
    return IMAGE_SETS[name]


def search_folders(spec, home):
    """The folders searched for a data set's files, in order."""
    folders = [home / spec.name]
    if spec.archive_folder:
        folders += [home / spec.archive_folder, home / spec.archive_folder / "gzip"]
    return folders + [home]


def find_member(stem, folders):
    """The raw IDX file ``stem`` or its ``stem.gz`` in the first folder that has either."""
    for folder in folders:
        for candidate in (folder / stem, folder / f"{stem}.gz"):
            if candidate.is_file():
                return candidate
    return None


def locate(spec, home):
    """{stem: path} for the data set's four IDX files, or None when any is missing."""
    folders = search_folders(spec, home)
    found = {f.stem: find_member(f.stem, folders) for f in spec.files}
    return None if None in found.values() else found


def mirror_urls(spec, filename):
    """The URLs to try for one file: $GLASSNET_MIRROR/<file> if set, else the registry's."""
    override = os.environ.get("GLASSNET_MIRROR", "").strip()
    bases = override.split() if override else spec.mirrors
    return [f"{base.rstrip('/')}/{filename}" for base in bases]


def download(name, data_dir=None, progress=None):
    """Make sure every file of data set ``name`` is present and verified; return their paths.

    Files already present and passing :func:`check_file` are kept; missing or damaged ones
    are fetched from the mirrors into ``<home>/<name>/`` (EMNIST: its archive into
    ``<home>/emnist/``, then the split's four members are extracted from it).
    ``progress(done_bytes, total_bytes, filename)`` is called while downloading (total_bytes
    is None when the server does not say).  Raises one DownloadError naming what to download
    from where and where to put it when that fails.
    """
    spec = image_set(name)
    home = data_home(data_dir)
    folders = search_folders(spec, home)
    if spec.archive is not None:
        return _download_members(spec, home, folders, progress)
    paths = []
    for index, remote in enumerate(spec.files):
        present = find_member(remote.stem, folders)
        if present is None or not check_file(present, remote)[0]:
            present = fetch(spec, remote, home / spec.name, progress, spec.files[index:])
            _remove_stale_raw(present)
        paths.append(present)
    return paths


def verify_files(name, data_dir=None):
    """Check every file of data set ``name`` by its checksums: a list of (file, ok, detail) rows.

    Each present copy (raw and/or gzipped; EMNIST's archive too) gets a row saying which
    checksum matched or what is wrong; a missing file gets a row with ok = False.
    """
    spec = image_set(name)
    home = data_home(data_dir)
    folders = search_folders(spec, home)
    rows = []
    if spec.archive is not None:
        archive = archive_on_disk(spec, home)
        if archive is not None:
            rows.append((str(archive), *check_file(archive, spec.archive)))
    for remote in spec.files:
        copies = _copies(remote, folders)
        if not copies:
            hint = f"missing: run `glassnet datasets download {name}`"
            rows.append((str(home / name / remote.name), False, hint))
        rows += [(str(path), *check_file(path, remote)) for path in copies]
    return rows


def check_file(path, remote):
    """(ok, detail): whether a present file matches any checksum recorded for ``remote``.

    The file as served is checked by the MD5/SHA-256 of its bytes, then (when a payload
    checksum is known) by the SHA-256 of what it decompresses to; a raw IDX file by the
    payload checksum.  Without any recorded checksum only the IDX header and length are checked.
    """
    path = Path(path)
    served = is_gzip(path) if remote.name.endswith(".gz") else True
    problems = []
    if served and (remote.md5 or remote.sha256):
        digests = file_digests(path, ("md5", "sha256"))
        if digests["md5"] == remote.md5:
            return True, "MD5 matches torchvision's record"
        if digests["sha256"] == remote.sha256:
            return True, "SHA-256 matches Keras's record"
        problems.append(f"MD5 {digests['md5']}, expected {remote.md5}")
    if remote.payload_sha256:
        got = _payload_sha256(path, served)
        if got == remote.payload_sha256:
            return True, "SHA-256 of the decompressed data matches the recorded sum"
        problems.append(f"SHA-256 of the decompressed data {got}, expected {remote.payload_sha256}")
    if problems:
        return False, "checksum mismatch: " + "; ".join(problems)
    return _structure_only(path, remote)


def fetch(spec, remote, folder, progress, pending=()):
    """Download ``remote`` into ``folder`` from the first mirror that serves a verified copy.

    Each mirror's copy is written to a temporary file beside the target, fsynced, checked
    with :func:`check_file` and only then renamed into place.  When every mirror fails,
    raises one DownloadError listing the reasons and what to do by hand (``pending``: the
    files still to get, for that message).
    """
    target = folder / remote.name
    urls = mirror_urls(spec, remote.name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(
            f"cannot create {folder} to download {spec.name} into ({error.strerror}): choose "
            "a writable folder with --data-dir or the GLASSNET_DATA environment variable"
        ) from error
    deadline_seconds(UNKNOWN_MAX_BYTES)  # a bad GLASSNET_DOWNLOAD_DEADLINE stops us here
    failures = []
    with unwinding_on_termination():  # SIGTERM: the temporary file goes, then the process
        for url in urls:
            reason = _fetch_one(url, remote, target, progress)
            if reason is None:
                return target
            failures.append(f"{url}: {reason}")
    raise DownloadError(_failure_message(spec, remote, folder, failures, pending or (remote,)))


def _fetch_one(url, remote, target, progress):
    """Download ``url`` to ``target`` atomically; None on success, else the reason it failed."""
    import http.client

    try:
        with atomic_file(target) as out:
            _stream(url, out, remote, progress)
            out.flush()
            ok, detail = check_file(out.name, remote)
            if not ok:
                raise _Rejected(detail)
    except _Rejected as rejected:
        return str(rejected)
    except (OSError, ValueError, http.client.HTTPException) as error:
        return _describe_failure(error)  # every network failure becomes one line of the message
    return None


class _Rejected(Exception):
    """A downloaded copy failed verification."""


def _stream(url, out, remote, progress):
    """Copy the body at ``url`` into the open file ``out``, reporting progress.

    Refused (_Rejected) as soon as the body would exceed what a correct copy can weigh
    (``remote.max_bytes``), or when the overall deadline (:func:`deadline_seconds`) passes:
    a mirror that sends one byte now and then cannot stall the download for ever.
    """
    import urllib.request

    limit = remote.max_bytes or UNKNOWN_MAX_BYTES
    deadline = time.monotonic() + deadline_seconds(limit)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > limit:
            raise _Rejected(f"the server announces {total:,} bytes; {remote.name} has at most "
                            f"{limit:,}")  # fmt: skip
        done = 0
        if progress is not None:
            progress(0, total, remote.name)
        while chunk := response.read1(HASH_CHUNK):  # whatever has arrived, as it arrives
            out.write(chunk)
            done += len(chunk)
            if done > limit:
                raise _Rejected(f"the server sent more than {limit:,} bytes, the most "
                                f"{remote.name} can weigh")  # fmt: skip
            if time.monotonic() > deadline:
                raise _Rejected(f"only {done:,} bytes arrived within the deadline of "
                                f"{deadline_seconds(limit):,.0f} s")  # fmt: skip
            if progress is not None:
                progress(done, total, remote.name)
    if total is not None and done != total:
        raise _Rejected(f"connection closed after {done:,} of {total:,} bytes")


def deadline_seconds(max_bytes):
    """How long one file may take: TIMEOUT_SECONDS plus its largest size at MIN_RATE, or the
    GLASSNET_DOWNLOAD_DEADLINE environment variable (seconds) when it is set."""
    override = os.environ.get("GLASSNET_DOWNLOAD_DEADLINE", "").strip()
    if override:
        try:
            seconds = float(override)
        except ValueError:
            seconds = math.nan
        if not 0 < seconds < math.inf:  # NaN, inf, 0 or less: no deadline at all, or no time
            raise DownloadError(
                f"GLASSNET_DOWNLOAD_DEADLINE is {override!r}: give a positive number of seconds"
            )
        return seconds
    return TIMEOUT_SECONDS + max_bytes / MIN_RATE


def _describe_failure(error):
    """A short human reason for a failed request."""
    import http.client
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        reason = error.reason
        return getattr(reason, "strerror", None) or str(reason)
    if isinstance(error, http.client.IncompleteRead):
        return f"connection closed after {len(error.partial):,} bytes, before the end of the file"
    if isinstance(error, TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS} s"
    return f"{type(error).__name__}: {error}"


def _failure_message(spec, remote, folder, failures, pending):
    """The one message a failed download ends with: what failed, and what to do by hand."""
    todo = ", ".join(mirror_urls(spec, f.name)[0] for f in pending)
    if os.environ.get("GLASSNET_MIRROR", "").strip():
        failures.append("mirror set by the GLASSNET_MIRROR environment variable")
    return (
        f"could not download {remote.name} for {spec.name} ({'; '.join(failures)}). "
        f"Download {todo} yourself and put the file{'s' if len(pending) > 1 else ''} in "
        f"{folder}/, or point --data-dir (or the GLASSNET_DATA environment variable) at a "
        f"folder that already holds them"
    )


def _download_members(spec, home, folders, progress, network=True):
    """Ensure an archived set (EMNIST): fetch and verify the archive, extract the members.

    With ``network`` False only an archive already on disk is used; DataError if it fails
    its checksum.
    """
    found = locate(spec, home)
    if found is not None:
        return list(found.values())
    archive = archive_on_disk(spec, home)
    if archive is not None:
        ok, detail = check_file(archive, spec.archive)
        if not ok and not network:
            raise DataError(
                f"{archive} is not the published {spec.archive.name} ({detail}): "
                f"{refetch_hint(archive, spec.name)}"
            )
        archive = archive if ok else None
    if archive is None:
        archive = fetch(spec, spec.archive, home / spec.archive_folder, progress)
    return extract_members(spec, archive, home / spec.name)


def extract_from_archive(name, data_dir=None):
    """Extract data set ``name``'s files from its archive already on disk (no network)."""
    spec = image_set(name)
    home = data_home(data_dir)
    return _download_members(spec, home, search_folders(spec, home), None, network=False)


def extract_members(spec, archive, folder):
    """Copy the data set's four members out of its zip archive into ``folder`` (atomically)."""
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    try:
        with zipfile.ZipFile(archive) as zf:
            for remote in spec.files:
                target = folder / remote.name
                member = zf.open(spec.member_folder + remote.name)
                with unwinding_on_termination(), member as src, atomic_file(target) as out:
                    shutil.copyfileobj(src, out, HASH_CHUNK)
                paths.append(target)
    except (zipfile.BadZipFile, KeyError) as error:
        raise DataError(
            f"{archive} is not the {spec.archive.name} archive {spec.name} comes in ({error}): "
            f"{refetch_hint(archive, spec.name)}"
        ) from error
    return paths


def _remove_stale_raw(gz_path):
    """Delete the raw file decompressed from an older copy of a freshly downloaded archive."""
    stale = gz_path.with_suffix("")
    if stale != gz_path and stale.is_file():
        stale.unlink()


def archive_on_disk(spec, home):
    """The data set's archive (EMNIST's gzip.zip) if it is already on disk, else None."""
    if spec.archive is None:
        return None
    return _find_file(spec.archive.name, _archive_folders(spec, home))


def _archive_folders(spec, home):
    """Folders searched for an archive such as EMNIST's gzip.zip."""
    return [home / spec.archive_folder, home / spec.name, home]


def _find_file(name, folders):
    """The first ``folder/name`` that exists, or None."""
    return next((folder / name for folder in folders if (folder / name).is_file()), None)


def _copies(remote, folders):
    """The present copies (raw, gzipped) of one file, from the first folder that has any."""
    for folder in folders:
        copies = [p for p in (folder / remote.stem, folder / remote.name) if p.is_file()]
        if copies:
            return copies
    return []


def _payload_sha256(path, gzipped):
    """SHA-256 of a file's decompressed payload (of the file itself when it is raw)."""
    if not gzipped:
        return file_digests(path)["sha256"]
    import gzip
    import hashlib
    import zlib

    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as f:
            while chunk := f.read(HASH_CHUNK):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error) as error:
        return f"unreadable ({path} is not a complete gzip file: {error})"
    return digest.hexdigest()


def _structure_only(path, remote):
    """(ok, detail) for a file with no recorded checksum: is it a well-formed IDX file?"""
    if not remote.name.endswith(".gz") or path.suffix == ".zip":
        return True, "present (no checksum recorded)"
    try:
        read_idx(path)
    except DataError as error:
        return False, str(error)
    return True, "valid IDX header and length (no per-file checksum is published)"


__all__ = ["data_home", "download", "verify_files", "check_file", "ImageSet", "RemoteFile"]
