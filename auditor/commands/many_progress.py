"""Progress of a run of many targets on a terminal's stderr: targets done out of all, the
failures so far, the time spent (rich). Nothing when stderr is no terminal, or with --quiet:
the same choice as the single-target progress line (console.read_progress)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from auditor.commands.many_target import TargetOutcome


class TargetsProgress:
    """Told of each target as it finishes (from the worker threads)."""

    def __init__(self, total: int, *, color: bool) -> None:
        self._lock = threading.Lock()
        self._failed = 0
        self._progress = Progress(
            TextColumn("auditing targets"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True, no_color=not color, highlight=False),
            transient=True,  # gone once the run ends: the report and its error lines stay
            redirect_stdout=False,  # stdout is the report's
        )
        self._task = self._progress.add_task("targets", total=total, failed="")
        self._progress.start()

    def done(self, outcome: TargetOutcome) -> None:
        with self._lock:
            if outcome.report.status == "incomplete":
                self._failed += 1
            failed = f"{self._failed} incomplete" if self._failed else ""
            self._progress.update(self._task, advance=1, failed=failed)

    def close(self) -> None:
        self._progress.stop()


def targets_progress(total: int, *, color: bool) -> TargetsProgress | None:
    """A live bar when single-target runs would draw their live line (a terminal, not
    --quiet, not --log-format json), else None."""
    from auditor.commands.console import read_progress
    from auditor.commands.progress import LiveReads

    if not isinstance(read_progress(), LiveReads):
        return None
    return TargetsProgress(total, color=color)
