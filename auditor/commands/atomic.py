"""Files the auditor writes: checked before any work, then written atomically.

A reader sees the old file or the new one, never half of either: the text goes to a temporary
file in the same directory, is fsynced, renamed over the target, and the directory is fsynced
so that the rename survives a crash. Every failure is a one-line InputError naming the path.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from auditor.model.errors import InputError

# Directory fsync is not supported everywhere (some network and FUSE file systems); the rename
# has happened by then, so there it is skipped rather than reported as a failed write.
_DIRECTORY_FSYNC_UNSUPPORTED = {errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES}
_SHOWN_CHARS = 200


def shown(raw: str) -> str:
    """A user's value quoted for a one-line message, whatever its length or characters."""
    text = repr(raw)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def writable_file(raw: str, option: str) -> Path:
    """The file `option` names, if the auditor could write it there; an InputError otherwise.

    Called before any AWS read or audit, so that a typo in `-o` costs nothing. The check is
    the one the atomic writer needs: a file name (not a directory, not a device), and a
    directory in which a file can be created, or that can itself be created.
    """
    where = f"{option} {shown(raw)}"
    if not raw.strip():
        raise InputError(option, None, "empty path")
    if raw.endswith(("/", os.sep)) or raw in (".", ".."):
        raise InputError(where, None, "names a directory; give a file name")
    path = Path(raw)
    existing = _stat(path, where)
    if existing is not None:
        if stat.S_ISDIR(existing.st_mode):
            raise InputError(where, None, "is a directory; give a file name")
        if not stat.S_ISREG(existing.st_mode):
            # os.replace would swap the device or pipe for a regular file (as root, /dev/stdout).
            raise InputError(where, None, "is not a regular file")
    _check_folder(path.parent, where)
    return path


def writable_folder(raw: str, option: str) -> Path:
    """The directory `option` names, if it exists or can be created and files can go in it."""
    where = f"{option} {shown(raw)}"
    if not raw.strip():
        raise InputError(option, None, "empty path")
    path = Path(raw)
    _check_folder(path, where)
    return path


def _stat(path: Path, where: str) -> os.stat_result | None:
    try:
        return path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except ValueError as exc:  # an embedded NUL byte
        raise InputError(where, None, f"not a usable path ({exc})") from exc
    except OSError as exc:
        raise InputError(where, None, f"cannot be checked ({_reason(exc)})") from exc


def _check_folder(folder: Path, where: str) -> None:
    """`folder` is, or can be made, a directory the auditor can create files in."""
    for candidate in (folder, *folder.parents):
        found = _stat(candidate, where)
        if found is None:
            continue
        if not stat.S_ISDIR(found.st_mode):
            raise InputError(where, None, f"{str(candidate)!r} is a file, not a directory")
        _probe(candidate, where, creating=candidate != folder)
        return


def _probe(directory: Path, where: str, *, creating: bool) -> None:
    """Create and remove an entry in `directory`: the only honest test (root ignores modes,
    a read-only mount does not)."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".auditor-probe-", dir=directory))
    except OSError as exc:
        verb = "cannot create a directory in" if creating else "cannot write in"
        raise InputError(where, None, f"{verb} {str(directory)!r} ({_reason(exc)})") from exc


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` atomically and durably; an InputError naming `path` on failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(str(path), None, f"cannot write ({_reason(exc)})") from exc
    try:
        # A new output is its owner's only (mkstemp's 0600: it maps who can reach what in
        # the account); a replaced one keeps the mode its owner gave it.
        _keep_mode(fd, path)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(str(path), None, f"cannot write ({_reason(exc)})") from exc
        raise
    _fsync_directory(path.parent)


def _keep_mode(fd: int, path: Path) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:  # a new file, or one we cannot stat: mkstemp's 0600 stands
        return
    os.fchmod(fd, mode)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        if exc.errno in _DIRECTORY_FSYNC_UNSUPPORTED:
            return
        raise InputError(str(directory), None, f"cannot sync ({_reason(exc)})") from exc
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _DIRECTORY_FSYNC_UNSUPPORTED:
            raise InputError(str(directory), None, f"cannot sync ({_reason(exc)})") from exc
    finally:
        os.close(fd)
