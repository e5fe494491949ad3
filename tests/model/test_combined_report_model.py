"""CombinedReport.of and a report's incomplete wording: the model itself never calls a run of
nothing complete, nor an unread baseline a policy it could not evaluate."""

from __future__ import annotations

from auditor.model.combined_report import NO_TARGET, CombinedReport
from auditor.model.report import (
    AUDITOR_SERVICE,
    Report,
    ReportError,
    ReportTarget,
    Summary,
    ToolInfo,
)

TOOL = ToolInfo(version="test")


def test_a_run_of_no_target_is_incomplete_with_its_own_error() -> None:
    report = CombinedReport.of([], tool=TOOL, generated_at="2026-12-06T00:00:00Z")
    assert report.status == "incomplete"
    assert report.errors == [NO_TARGET]


def test_a_run_of_no_target_keeps_the_error_that_says_why() -> None:
    discovery = ReportError(service="organizations", operation="ListAccountsForParent", message="x")
    report = CombinedReport.of(
        [], tool=TOOL, generated_at="2026-12-06T00:00:00Z", errors=[discovery]
    )
    assert (report.status, report.errors) == ("incomplete", [discovery])


def _incomplete(*errors: ReportError) -> Report:
    return Report(
        tool=TOOL,
        generated_at="2026-12-06T00:00:00Z",
        status="incomplete",
        errors=list(errors),
        target=ReportTarget(region="us-east-1"),
        summary=Summary.of([]),
    )


def test_an_unread_baseline_is_said_in_its_own_words() -> None:
    missing = ReportError(
        service=AUDITOR_SERVICE, operation="ReadBaseline", message="baselines/1.yaml: no such file"
    )
    why = _incomplete(missing).incomplete_because()
    assert why == "baselines/1.yaml: no such file"
    assert "policy" not in why


def test_an_unevaluated_policy_is_still_counted_as_one() -> None:
    policy = ReportError(service=AUDITOR_SERVICE, operation="EvaluatePolicy", message="p")
    route = ReportError(service=AUDITOR_SERVICE, operation="EvaluateRoute", message="r")
    assert _incomplete(policy, route).incomplete_because() == (
        "2 policy document(s) or route(s) could not be evaluated"
    )
