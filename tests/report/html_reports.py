"""Reports for the HTML tests of issue 14: the sample report with an unexpectedly public route,
accepted findings, "open since" and a history, set by hand (model_copy) as the state would."""

from __future__ import annotations

from auditor.model.findings import Acceptance, Finding, Severity, report_order
from auditor.model.report import MatrixCell, Report, RunRecord
from tests.support.reports import (
    ACCOUNT,
    API_ID,
    SAMPLE_PERSONAS,
    build_report,
    cell,
    finding,
    role_arn,
    sample_cells,
    sample_findings,
    sample_report,
)

HOSTILE_TEXT = '<img src=x onerror=alert(1)>"&'
EXPOSED = "GET /debug/config"  # served with NONE, not in public_routes: critical
TOKEN_ONLY = "GET /profile"  # served with COGNITO_USER_POOLS, not in public_routes: high
INTENDED = "GET /health"  # NONE and in public_routes (the sample's)
ACCEPT_RULE = "overbroad-grant"
FIRST_SEEN = "2024-03-02T07:00:00Z"


def execute_api_arn(route: str) -> str:
    method, _, path = route.partition(" ")
    return f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{API_ID}/*/{method}{path}"


def _exposure_cells() -> list[MatrixCell]:
    return [
        cell(
            persona,
            route,
            "allowed",
            expected=False,
            role=role_arn(f"app-{persona.rsplit(':', 1)[-1][:8]}"),
            authorization_type=authorization,
        )
        for route, authorization in ((EXPOSED, "NONE"), (TOKEN_ONLY, "COGNITO_USER_POOLS"))
        for persona in SAMPLE_PERSONAS
    ]


def _exposure_findings() -> list[Finding]:
    return [
        finding(
            "route-not-iam",
            route=EXPOSED,
            resource=execute_api_arn(EXPOSED),
            severity=Severity.CRITICAL,
        ),
        finding(
            "route-not-iam",
            route=TOKEN_ONLY,
            resource=execute_api_arn(TOKEN_ONLY),
            severity=Severity.HIGH,
        ),
    ]


def history(runs: int, *, hostile: bool = False) -> list[RunRecord]:
    """`runs` runs a day apart, findings growing; the third one incomplete."""
    return [
        RunRecord(
            at=f"2024-04-{i + 1:02d}T12:00:00Z",
            status="incomplete" if i == 2 else "complete",
            by_severity={"critical": i % 3, "high": i, "medium": 2, "low": 0, "info": 1},
            accepted=1,
            new=i % 2,
            resolved=1 if i == 4 else 0,
            changes=[HOSTILE_TEXT if hostile else f"group team-{i} added"] if i % 2 else [],
        )
        for i in range(runs)
    ]


def rich_report(*, runs: int = 6, hostile: bool = False) -> Report:
    """The sample report plus two route-not-iam routes, an accepted finding, first_seen on
    every finding and `runs` runs of history."""
    base = sample_report()
    findings: list[Finding] = []
    for f in report_order([*sample_findings(), *_exposure_findings()]):
        update: dict[str, object] = {"first_seen": FIRST_SEEN, "last_seen": base.generated_at}
        if f.rule_id == ACCEPT_RULE:
            update["accepted"] = Acceptance(
                reason=HOSTILE_TEXT if hostile else "legacy admin role, replaced in Q3",
                expires="2024-09-30",
            )
        findings.append(f.model_copy(update=update))
    report = build_report(
        findings,
        [*sample_cells(), *_exposure_cells()],
        group_pairs=base.group_pairs,
        changes=base.changes,
    )
    return report.model_copy(update={"history": history(runs, hostile=hostile)})
