"""Files the auditor writes: checked before any work, then written atomically.

A reader sees the old file or the new one, never half of either: the text goes to a temporary
file in the same directory, is fsynced, renamed over the target, and the directory is fsynced
so that the rename survives a crash. Every failure is a one-line InputError naming the path.

A symbolic link is followed: the file it points to is replaced, the link stays. A device or a
pipe (`-o /dev/null`, `-o /dev/stdout`) has no old version to keep, and replacing it would
swap it for a regular file (as root, for the whole machine): it is written straight through.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

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
    the one the atomic writer needs: a file name (not a directory), and a directory in which
    a file can be created, or that can itself be created; or a device or pipe to write to.
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
        if _is_stream(path, existing):
            _probe_stream(path, where)
            return path
    # A link's file is replaced where it lives; anything else where the user said.
    _check_folder((_real(path) if path.is_symlink() else path).parent, where)
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
    with atomic_output(path) as handle:
        handle.write(text)


@contextmanager
def atomic_output(path: Path) -> Iterator[TextIO]:
    """A text handle whose content replaces `path` atomically and durably when the block
    ends, for a writer that streams (a report of gigabytes need not be one string first);
    nothing is replaced if the block raises. An InputError naming `path` on failure."""
    if _is_stream(path, _stat(path, str(path))):
        try:
            with path.open("w", encoding="utf-8") as handle:
                yield handle
        except OSError as exc:
            raise InputError(str(path), None, f"cannot write ({_reason(exc)})") from exc
        return
    original, path = path, _real(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The temporary name must fit NAME_MAX (255) even beside a long legal name.
        prefix = f".{path.name[:100]}."
        fd, temp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(str(original), None, f"cannot write ({_reason(exc)})") from exc
    try:
        # A new output is its owner's only (mkstemp's 0600: it maps who can reach what in
        # the account); a replaced one keeps the mode its owner gave it.
        _keep_mode(fd, path)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(str(original), None, f"cannot write ({_reason(exc)})") from exc
        raise
    _fsync_directory(path.parent)


def is_stream(path: Path) -> bool:
    """A device or pipe the auditor writes through (`-o /dev/stdout`): it has no suffix to
    tell a format by."""
    try:
        return _is_stream(path, _stat(path, str(path)))
    except InputError:
        return False


def _is_stream(path: Path, found: os.stat_result | None) -> bool:
    """A device or pipe, or anything under /dev or /proc (/dev/stdout is a link to the
    process's own descriptor, whatever that is): written to, never replaced."""
    if Path(os.path.abspath(path)).parts[1:2] in (("dev",), ("proc",)):
        return True
    return found is not None and not stat.S_ISREG(found.st_mode) and not stat.S_ISDIR(found.st_mode)


def _probe_stream(path: Path, where: str) -> None:
    """Open it for writing without blocking: a pipe nobody reads (which would hang the write)
    or a file that refuses writes (/proc/version) is refused before any work."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError as exc:
        why = "a pipe nobody reads" if exc.errno == errno.ENXIO else _reason(exc)
        raise InputError(where, None, f"cannot be written ({why})") from exc


def _real(path: Path) -> Path:
    """The file a link points to (so that the link survives its replacement)."""
    return Path(os.path.realpath(path))


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
