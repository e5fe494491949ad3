"""`auditor validate`: a baseline's problems, and the accepted entries that need a person.

Expired entries are listed whatever else is asked; unused ones (matching no finding) only
against a snapshot, which is audited offline for that. Neither makes the file invalid: an
entry expires with time, not with an edit, and `auditor run` already counts its findings
again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from auditor.checks.run import acceptance_review, audit, check_snapshot_matches
from auditor.model.accepted import AcceptanceReview, today_utc
from auditor.model.baseline_file import BaselineProblem, check_baseline_file
from auditor.model.snapshot import Snapshot


@dataclass(frozen=True)
class Validation:
    problems: list[BaselineProblem]  # the file is invalid when there is any
    notes: list[str]  # accepted entries that expired or match nothing


def validate_baseline(
    path: Path, snapshot: Path | None = None, today: date | None = None
) -> Validation:
    """The file's problems; when there is none, its accepted entries that expired and, with
    a snapshot, those that match none of its findings. A snapshot that cannot be read or is
    of another target is an InputError, as for `auditor run`."""
    problems, baseline = check_baseline_file(path)  # the schema, then the typed model
    if baseline is None:
        return Validation(problems, [])
    today = today or today_utc()
    if snapshot is None:
        review = AcceptanceReview.of(baseline.source, baseline.accepted, today)
        return Validation([], review.lines())
    # The snapshot is checked whatever the baseline holds: a --snapshot that cannot be read
    # or is of another target must not pass as "valid".
    loaded = Snapshot.load(snapshot)
    check_snapshot_matches(loaded, baseline, str(snapshot))
    if not baseline.accepted:
        return Validation([], [])  # nothing to review: the audit would be wasted
    report = audit(loaded, baseline, today=today)
    notes = acceptance_review(baseline, report, today)
    if report.status != "complete":
        notes.append(
            f"{snapshot}: the snapshot is incomplete ({report.incomplete_because()}); "
            "entries matching no finding are not listed"
        )
    return Validation([], notes)
