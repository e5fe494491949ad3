"""How a failed case is told: enough to reproduce it by hand."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.fuzz.case import Case
from tests.fuzz.runner import Failure, Outcome


def command_line(case: Case, folder: Path) -> str:
    return f"cd {shlex.quote(str(folder))} && python -m auditor " + " ".join(
        shlex.quote(arg) for arg in case.argv
    )


def describe(case: Case, outcome: Outcome, problems: list[Failure], folder: Path) -> str:
    lines = [
        f"{case.family} case failed: {', '.join(f'{p.kind} ({p.detail})' for p in problems)}",
        f"  what: {'; '.join(case.why) or 'as listed'}",
        f"  run:  {command_line(case, folder)}",
        f"  exit: {outcome.exit_code} (allowed: {sorted(case.expect)})",
        "  stderr:",
        *(f"    {line[:300]}" for line in outcome.stderr_lines()[-12:]),
    ]
    return "\n".join(lines)
