"""--format table: accepted findings apart with their reason, "open since", rule ids whole."""

from __future__ import annotations

import re

import pytest

from auditor.model.findings import Acceptance
from auditor.model.report import Report, Summary
from auditor.report.table import render_table
from tests.support.snapshots import small_app

REASON = "legacy role, replaced by Q3"


def _drifted_report() -> Report:
    app = small_app()
    app.grant("app-editors", "GET/items", "GET/administrators", "GET/me", "DELETE/admin/*")
    app.grant("app-default", "GET/me")  # missing-all-users-route
    app.add_route("GET /status", "NONE")  # route-not-iam
    return app.report()


def _accepting(report: Report, rule_id: str) -> Report:
    """The report with every `rule_id` finding accepted and every finding first seen on
    2026-11-02, as the baseline's accepted: entry and the state would make it."""
    findings = [
        f.model_copy(
            update={
                "accepted": Acceptance(reason=REASON, expires="2027-01-31")
                if f.rule_id == rule_id
                else None,
                "first_seen": "2026-11-02T09:15:27+00:00",
            }
        )
        for f in report.findings
    ]
    return report.model_copy(update={"findings": findings, "summary": Summary.of(findings)})


def _sections(text: str) -> dict[str, str]:
    """Each titled section of the table (CRITICAL (1), ..., ACCEPTED (2): not counted)."""
    parts = re.split(r"^([A-Z]+ \(\d+\)[^\n]*)$", text, flags=re.MULTILINE)
    return {parts[i].split(" (")[0]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_accepted_findings_have_their_own_section_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    report = _drifted_report()
    excess = [f for f in report.findings if f.rule_id == "excess-route"]
    assert excess and len(excess) < len(report.findings)
    text = render_table(_accepting(report, "excess-route"), width=160)
    sections = _sections(text)
    accepted = sections["ACCEPTED"]
    assert accepted.count("excess-route") == len(excess)
    assert accepted.count(f"accepted (until 2027-01-31): {REASON}") == len(excess)
    assert all("excess-route" not in body for name, body in sections.items() if name != "ACCEPTED")
    counting = len(report.findings) - len(excess)
    assert f"{counting} findings:" in text and f"(+ {len(excess)} accepted)" in text
    assert text.count("open since 2026-11-02 09:15") == len(report.findings)


def test_every_finding_accepted_is_not_called_no_drift() -> None:
    report = _drifted_report()
    accepted_all = report.model_copy(
        update={
            "findings": [
                f.model_copy(update={"accepted": Acceptance(reason=REASON)})
                for f in report.findings
            ]
        }
    )
    text = render_table(accepted_all, width=100)
    assert "Nothing open: every finding is accepted." in text and "No drift" not in text
    assert "accepted: " + REASON in text  # no expiry: no "until"


def test_without_first_seen_or_acceptance_the_table_says_neither() -> None:
    text = render_table(_drifted_report(), width=100)
    assert "open since" not in text and "ACCEPTED" not in text and "accepted" not in text


@pytest.mark.parametrize("width", [60, 80, 200])
def test_rule_ids_are_never_split(width: int) -> None:
    report = _drifted_report()
    text = render_table(report, width=width)
    for rule_id in {f.rule_id for f in report.findings}:
        assert re.search(rf"│ {re.escape(rule_id)} +│", text), (rule_id, width)
    assert max(len(line) for line in text.splitlines()) == width
