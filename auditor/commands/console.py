"""What the auditor tells the person at the terminal on stderr, apart from the report: a
summary after -o, what a schedule is doing. Silenced by --quiet."""

from __future__ import annotations

import sys

_quiet = False


def set_quiet(quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def notice(line: str) -> None:
    """One line on stderr for a person, unless --quiet."""
    if not _quiet:
        print(line, file=sys.stderr, flush=True)
