"""The files a command reads and writes, checked at the door: before any AWS read or audit.

Apart from options.py, so that `auditor validate` checks its one path without importing what
a run needs."""

from __future__ import annotations

import os
from pathlib import Path

from auditor.commands.atomic import shown, writable_file
from auditor.model.errors import InputError


def input_file(raw: str, option: str) -> Path:
    """A file to read; the loaders say what is wrong with it, but Path("") would be "."."""
    if not raw.strip():
        raise InputError(option, None, "empty path")
    return Path(raw)


def output_file(raw: str | None, option: str = "--output") -> Path | None:
    """None (stdout) or a file the report can be written to."""
    return None if raw is None else writable_file(raw, option)


def refuse_overwriting(written: dict[str, Path | None], read: dict[str, Path | None]) -> None:
    """`-o baseline.yaml` would replace the baseline with the report (or the snapshot),
    atomically and for good: no file written may be one read, or another one written."""
    sources = {**read, **written}
    for option, target in written.items():
        for other, source in sources.items():
            if other != option and target and source and _same_file(target, source):
                raise InputError(f"{option} {shown(str(target))}", None, f"is the {other} file too")


def _same_file(one: Path, two: Path) -> bool:
    try:
        return one.exists() and two.exists() and os.path.samefile(one, two)
    except OSError:  # unreadable: the loader will say so
        return False
