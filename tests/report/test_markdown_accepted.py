"""The Markdown report of accepted findings and of "open since": accepted ones apart, with
why and until when, never among (nor counted with) the open ones."""

from __future__ import annotations

from auditor.model.findings import Acceptance, Finding, Severity
from auditor.report.markdown import render_markdown
from tests.report.test_markdown import table_rows
from tests.support.reports import build_report, finding

OPEN = finding("excess-route", persona="group:editors", route="DELETE /items")
TRUST = finding("trust-missing-aud", severity=Severity.CRITICAL)


def _accepted(f: Finding, reason: str = "legacy, SEC-12", expires: str | None = None) -> Finding:
    return f.model_copy(update={"accepted": Acceptance(reason=reason, expires=expires)})


def _section(markdown: str, title: str) -> str:
    start = markdown.index(f"### {title}")
    end = markdown.find("\n### ", start + 1)
    return markdown[start : end if end != -1 else len(markdown)]


def test_accepted_findings_are_listed_apart_with_reason_and_expiry() -> None:
    md = render_markdown(build_report([_accepted(TRUST, expires="2026-06-30"), OPEN]))
    findings = _section(md, "Findings (1, most severe first)")
    assert "excess-route" in findings and "trust-missing-aud" not in findings
    accepted = _section(md, "Accepted risk (1)")
    header, _, row = table_rows(accepted)
    assert [cell.strip() for cell in header] == [
        "Severity", "Rule", "Persona", "Route", "Resource", "Reason", "Expires",
    ]  # fmt: skip
    assert [cell.strip() for cell in row] == [
        "🟣 critical",
        "`trust-missing-aud`",
        "",
        "",
        f"`{TRUST.resource}`",
        "legacy, SEC-12",
        "2026-06-30",
    ]


def test_the_summary_counts_open_findings_by_severity_and_accepted_apart() -> None:
    md = render_markdown(build_report([_accepted(TRUST), OPEN]))
    header, _, counts = table_rows(md)[:3]
    assert [h.strip() for h in header][-2:] == ["accepted", "total"]
    by_column = dict(zip((h.strip() for h in header), (c.strip() for c in counts), strict=True))
    assert by_column["🟣 critical"] == "0" and by_column["🔴 high"] == "1"
    assert (by_column["accepted"], by_column["total"]) == ("1", "2")
    assert "never" in _section(md, "Accepted risk (1)")  # no expiry


def test_without_accepted_findings_the_summary_has_no_accepted_column() -> None:
    md = render_markdown(build_report([TRUST, OPEN]))
    assert "accepted" not in table_rows(md)[0][-2] and "Accepted risk" not in md


def test_only_accepted_findings_say_so_rather_than_no_findings() -> None:
    md = render_markdown(build_report([_accepted(TRUST)]))
    assert "No open findings (the accepted ones are below)." in md
    assert "\nNo findings.\n" not in md


def test_open_since_is_shown_where_a_state_knows_it() -> None:
    seen = OPEN.model_copy(update={"first_seen": "2026-01-02T03:04:05+00:00"})
    md = render_markdown(build_report([seen, TRUST]))
    assert md.count("open since") == 1 and "<br>_open since 2026-01-02_ |" in md


def test_many_accepted_findings_are_capped_and_counted() -> None:
    many = [
        _accepted(finding("excess-route", persona=f"group:g{i}", route="GET /x"))
        for i in range(2_000)
    ]
    md = render_markdown(build_report(many), limit=20_000)
    assert len(md) <= 20_000
    section = _section(md, "Accepted risk (2,000)")
    listed = len(table_rows(section)) - 2
    assert 0 < listed < 2_000
    assert f"… and {2_000 - listed:,} more accepted findings." in section
