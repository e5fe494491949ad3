"""CombinedReport objects for the combined-format tests: a few targets with known drift, one
incomplete, and a scaled organization (built through the models, as a run would)."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.model.combined_report import CombinedReport, TargetReport
from auditor.model.findings import Severity
from auditor.model.report import Report, ReportError, ReportTarget, ToolInfo
from tests.support.reports import build_report, finding, sample_report, scaled_report

GENERATED = "2024-05-01T12:00:00Z"
DISCOVERY_ERROR = ReportError(
    service="organizations",
    operation="ListAccountsForParent",
    message="AccessDeniedException: not a management or delegated account (ou-abcd-12345678)",
)


def retarget(report: Report, account_id: str, region: str = "us-east-1") -> Report:
    """`report` as if read from another account (and region)."""
    target = report.target.model_copy(update={"account_id": account_id, "region": region})
    return report.model_copy(update={"target": target})


def assume_failed(account_id: str, region: str = "eu-west-1") -> Report:
    """A target whose role could not be assumed: nothing read, incomplete."""
    error = ReportError(
        service="sts",
        operation="AssumeRole",
        message=f"AccessDenied: not authorized to assume arn:aws:iam::{account_id}:role/auditor",
    )
    report = build_report([], errors=[error])
    return report.model_copy(update={"target": ReportTarget(account_id=account_id, region=region)})


def combined(targets: Sequence[TargetReport], errors: Sequence[ReportError] = ()) -> CombinedReport:
    return CombinedReport.of(
        targets, tool=ToolInfo(version="0.2.0"), generated_at=GENERATED, errors=errors
    )


def organization(*, discovery_failed: bool = False) -> CombinedReport:
    """prod: the sample drift (critical first); stage: one medium finding; dev: clean;
    legacy: its role could not be assumed."""
    stage = build_report(
        [finding("overbroad-grant", persona="group:ops", severity=Severity.MEDIUM)]
    )
    return combined(
        [
            TargetReport(name="prod", report=retarget(sample_report(), "111111111111")),
            TargetReport(name="stage", report=retarget(stage, "222222222222")),
            TargetReport(name="dev", report=retarget(build_report([]), "333333333333")),
            TargetReport(name="legacy", report=assume_failed("444444444444")),
        ],
        errors=[DISCOVERY_ERROR] if discovery_failed else [],
    )


def scaled_organization(
    targets: int, personas: int = 20, routes: int = 90, findings: int = 5
) -> CombinedReport:
    """`targets` targets with a personas x routes matrix and `findings` findings each; every
    tenth has none, every 25th is incomplete."""
    base = scaled_report(personas, routes, findings)
    clean = scaled_report(personas, routes, 0)
    entries = []
    for i in range(targets):
        account = f"{100000000000 + i:012d}"
        if i % 25 == 24:
            report = assume_failed(account)
        else:
            report = retarget(clean if i % 10 == 9 else base, account)
        entries.append(TargetReport(name=f"acct-{i:03d}", report=report))
    return combined(entries)
