"""Every format shows an `unknown` verdict as itself: never as denied, never as no drift."""

from __future__ import annotations

import re

from auditor.model.report import Report, ReportError
from auditor.report.html import VERDICT_CLASS, cell_classes, render_html
from auditor.report.markdown import render_markdown
from auditor.report.table import render_table
from tests.report.grid_data import embedded
from tests.support.reports import build_report, cell, finding, role_arn

WHY = "set aside, of unknown effect: policy 'shared': Statement must be an object or a list"


def unknown_report(*, read_failed: bool = False) -> Report:
    admin = role_arn("app-admin")
    reasons = ("cannot be judged: statements that could not be read may change it", WHY)
    cells = [
        cell("group:admin", "GET /items", "unknown", expected=True, role=admin, reasons=reasons),
        cell("group:admin", "GET /me", "unknown", expected=False, role=admin, reasons=reasons),
        cell("default", "GET /items", "allowed", expected=True, role=role_arn("app-default")),
    ]
    errors = [ReportError(service="auditor", operation="EvaluatePolicy", message=WHY)]
    if read_failed:
        errors.append(ReportError(service="iam", operation="GetPolicy", message="Throttling"))
    shared = "arn:aws:iam::123456789012:policy/shared"
    return build_report([finding("policy-unreadable", resource=shared)], cells, errors=errors)


def test_the_report_counts_unknown_cells_and_says_what_was_not_evaluated() -> None:
    report = unknown_report()
    assert report.unknown_cells() == 2
    assert report.incomplete_because() == "1 policy document(s) or route(s) could not be evaluated"
    both = unknown_report(read_failed=True).incomplete_because()
    assert (
        both == "1 AWS read(s) failed and 1 policy document(s) or route(s) could not be evaluated"
    )
    assert not any(c.differs_from_baseline for c in report.access_matrix if c.verdict == "unknown")


def test_stages_whose_routes_are_unknown_are_counted_apart() -> None:
    stage = ReportError(service="auditor", operation="ReadStage", message="API a has no stage b")
    report = unknown_report(read_failed=True)
    report = report.model_copy(update={"errors": [*report.errors, stage, stage]})
    assert report.incomplete_because() == (
        "1 AWS read(s) failed and 1 policy document(s) or route(s) could not be evaluated"
        " and the routes 2 stage(s) serve are unknown"
    )


def test_an_undelivered_alert_is_not_counted_as_a_failed_read() -> None:
    undelivered = ReportError(service="slack", operation="chat.postMessage", message="ratelimited")
    report = unknown_report()
    report = report.model_copy(update={"errors": [*report.errors, undelivered]})
    assert report.incomplete_because() == "1 policy document(s) or route(s) could not be evaluated"


def test_table() -> None:
    out = render_table(unknown_report())
    assert "INCOMPLETE: 1 policy document(s) or route(s) could not be evaluated" in out
    assert "UNKNOWN: 2 persona x route verdicts could not be judged" in " ".join(out.split())
    assert "No drift" not in out
    assert "some AWS reads failed" not in out


def test_markdown_lists_unknown_cells_apart_from_drift() -> None:
    md = render_markdown(unknown_report())
    assert "**Incomplete:** 1 policy document(s) or route(s) could not be evaluated" in md
    section = md[md.index("### Access the auditor could not judge (2 cells") :]
    rows = [line for line in section.splitlines() if line.startswith("| `group:admin`")]
    assert len(rows) == 2 and all("unknown: set aside, of unknown effect" in r for r in rows)
    assert "### Access that differs from the baseline" not in md  # unknown is not drift


def test_html_gives_unknown_its_own_class_and_legend() -> None:
    report = unknown_report()
    page = render_html(report)
    assert VERDICT_CLASS["unknown"] not in {
        VERDICT_CLASS[v] for v in ("allowed", "partial", "denied")
    }
    unknown = [c for c in report.access_matrix if c.verdict == "unknown"]
    assert {cell_classes(c) for c in unknown} == {"u"}  # never marked as drift either
    codes = embedded(page)["codes"]
    assert sum(c.count("u") for c in codes) == 2 and not any("U" in c for c in codes)
    assert '<span class="sw u"></span>unknown' in page
    assert "2 could not be judged" in page
    assert re.search(r"Incomplete:</strong> 1 policy document\(s\) or route\(s\)", page)
