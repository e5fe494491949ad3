"""One report for many targets (CONTRACT §6.4): each target's §4 report, named, and a summary
of them all. Every format renders it (report/render.py); its JSON Schema is
`schemas/combined-report.schema.json`.

In JSON each entry of `targets` is exactly a §4 report with `"name"` first; in Python it is a
TargetReport holding the Report, so every function of a report works on it unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.model.findings import Severity
from auditor.model.report import (
    AUDITOR_SERVICE,
    REPORT_SCHEMA_VERSION,
    Report,
    ReportError,
    ToolInfo,
)

# The run's own error when it audited no target and no other error says why: a run of
# nothing proves nothing, so it is never "complete" (exit 3, and every format says so).
NO_TARGET = ReportError(
    service=AUDITOR_SERVICE,
    operation="AuditTargets",
    message="no target was audited: the targets file and discovery gave none",
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class TargetReport(_Model):
    """One target's report and the name the targets file (or discovery) gave it."""

    name: str
    report: Report

    def to_json_data(self) -> dict[str, Any]:
        """The entry as the combined JSON holds it: `name`, then the report's own keys."""
        return {"name": self.name, **self.report.model_dump(mode="json")}

    @classmethod
    def from_json_data(cls, data: dict[str, Any]) -> TargetReport:
        """An entry read back (a per-target result of the Step Functions runner)."""
        fields = {key: value for key, value in data.items() if key != "name"}
        return cls(name=data["name"], report=Report.model_validate(fields))


class CombinedSummary(_Model):
    targets: int
    complete: int
    incomplete: int
    findings: int  # every finding listed, accepted ones included (as a report's summary)
    by_severity: dict[str, int]
    accepted: int = Field(default=0, exclude_if=lambda count: count == 0)
    # Names of the targets with open findings or an incomplete audit, most severe first.
    worst: list[str] = []


class CombinedReport(_Model):
    schema_version: str = REPORT_SCHEMA_VERSION
    tool: ToolInfo
    generated_at: str
    status: Literal["complete", "incomplete"]
    # A failure of the run itself, not of one target (discovery through Organizations).
    errors: list[ReportError] = []
    summary: CombinedSummary
    targets: list[TargetReport] = []

    @classmethod
    def of(
        cls,
        targets: Sequence[TargetReport],
        *,
        tool: ToolInfo,
        generated_at: str,
        errors: Sequence[ReportError] = (),
    ) -> CombinedReport:
        if not targets and not errors:
            errors = (NO_TARGET,)
        reports = [entry.report for entry in targets]
        incomplete = sum(1 for report in reports if report.status == "incomplete")
        by_severity = {severity.value: 0 for severity in Severity}
        for report in reports:
            for severity, count in report.summary.by_severity.items():
                by_severity[severity] = by_severity.get(severity, 0) + count
        summary = CombinedSummary(
            targets=len(reports),
            complete=len(reports) - incomplete,
            incomplete=incomplete,
            findings=sum(report.summary.findings for report in reports),
            by_severity=by_severity,
            accepted=sum(report.summary.accepted for report in reports),
            worst=worst_targets(targets),
        )
        status: Literal["complete", "incomplete"] = (
            "incomplete" if incomplete or errors else "complete"
        )
        return cls(
            tool=tool,
            generated_at=generated_at,
            status=status,
            errors=list(errors),
            summary=summary,
            targets=list(targets),
        )


def _severity_vector(report: Report) -> tuple[int, ...]:
    counts = report.open_by_severity()
    return tuple(counts.get(severity.value, 0) for severity in Severity)


def worst_targets(targets: Sequence[TargetReport]) -> list[str]:
    """Names of the targets that need a person, most severe first: an incomplete audit
    first (nothing it says can be trusted to be all), then by open findings, critical
    first, more before fewer. A name standing for several regions is listed once, where
    its worst region puts it. Clean targets are not listed."""
    needing = [
        entry
        for entry in targets
        if entry.report.status == "incomplete" or entry.report.summary.open
    ]
    ranked = sorted(
        needing,
        key=lambda entry: (
            entry.report.status != "incomplete",
            tuple(-count for count in _severity_vector(entry.report)),
            entry.name,
        ),
    )
    names: list[str] = []
    for entry in ranked:
        if entry.name not in names:
            names.append(entry.name)
    return names
