"""The Markdown report: GitHub tables that stay tables, and a hard size limit."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from auditor.model.findings import Severity
from auditor.report.markdown import DEFAULT_LIMIT, code, render_markdown, text
from tests.support.reports import HOSTILE_GROUP, build_report, finding, sample_report, scaled_report

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def table_rows(markdown: str) -> list[list[str]]:
    """Every table line split on unescaped pipes (what GitHub does, code spans included)."""
    return [
        _UNESCAPED_PIPE.split(line)[1:-1] for line in markdown.splitlines() if line.startswith("|")
    ]


def test_tables_keep_their_shape() -> None:
    md = render_markdown(sample_report(incomplete=True))
    tables: list[list[list[str]]] = []
    previous = ""
    for line in md.splitlines():
        if line.startswith("|") and not previous.startswith("|"):
            tables.append([])
        if line.startswith("|"):
            tables[-1].append(_UNESCAPED_PIPE.split(line)[1:-1])
        previous = line
    assert len(tables) == 4  # counts, findings, differing cells, resolved
    for table in tables:
        assert len({len(row) for row in table}) == 1, table


def test_summary_status_and_errors_first() -> None:
    md = render_markdown(sample_report(incomplete=True))
    assert md.startswith("## Cognito route audit: ⚠️ **INCOMPLETE**")
    caution = md.index("[!CAUTION]")
    assert caution < md.index("### Findings")
    assert "`iam:GetRolePolicy` Throttling: Rate exceeded \\<after 5 retries\\>" in md
    counts = table_rows(md)[2]
    assert [c.strip() for c in counts] == ["1", "2", "3", "1", "1", "8"]
    assert "✅ complete" in render_markdown(sample_report())
    assert "[!CAUTION]" not in render_markdown(sample_report())


def test_incomplete_without_findings_never_says_no_drift() -> None:
    report = sample_report(incomplete=True).model_copy(update={"findings": []})
    assert "No findings.\n" not in render_markdown(report)
    assert "No findings.\n" in render_markdown(build_report([]))


def test_findings_most_severe_first() -> None:
    rows = table_rows(render_markdown(sample_report()))
    findings = [r for r in rows if len(r) == 7 and r[1].strip().startswith("`")]
    severities = [r[0].split()[-1] for r in findings]
    assert severities == ["critical", "high", "high", "medium", "medium", "medium", "low", "info"]


def test_hostile_text_cannot_become_markup() -> None:
    md = render_markdown(sample_report())
    # Outside code spans no raw tag survives; the only HTML is our own <br>.
    prose = _CODE_SPAN.sub("", md).replace("<br>", "")
    assert not re.search(r"(?<!\\)<", prose)
    assert f"`group:{HOSTILE_GROUP}`" in md
    # The message's pipe and newline stay inside their cell.
    assert "\\<img src=x onerror=alert(1)\\> \\| only reaches<br>GET /items/42" in md


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a|b", "`a\\|b`"),
        ("two\nlines", "`two lines`"),
        ("has `tick`", "`` has `tick` ``"),
        ("`edge", "`` `edge ``"),
        ("", " "),
    ],
)
def test_code_spans(value: str, expected: str) -> None:
    assert code(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a | b", "a \\| b"),
        ("line1\r\nline2", "line1<br>line2"),
        ("*bold* _x_ [link](y) <b> & ~", "\\*bold\\* \\_x\\_ \\[link\\](y) \\<b\\> &amp; \\~"),
    ],
)
def test_prose_cells(value: str, expected: str) -> None:
    assert text(value) == expected


def _omitted_counts(md: str) -> tuple[int, dict[str, int], dict[str, int]]:
    match = re.search(r"… and ([\d,]+) more findings not shown: (.*?)\.\*\* By rule: (.*?)\. ", md)
    assert match, md[-2000:]
    total = int(match[1].replace(",", ""))
    by_sev = {
        sev: int(n.replace(",", "")) for n, sev in (part.split() for part in match[2].split(", "))
    }
    by_rule = {
        rule: int(n.replace(",", "")) for rule, n in re.findall(r"`([\w-]+)` ([\d,]+)", match[3])
    }
    return total, by_sev, by_rule


def test_10000_findings_fit_and_the_rest_is_counted() -> None:
    report = scaled_report(50, 500, findings=10_000)
    md = render_markdown(report)
    assert len(md) < DEFAULT_LIMIT
    assert len(md) > DEFAULT_LIMIT * 0.9  # the space is used, not wasted

    rows = [r for r in table_rows(md) if r[1].strip().startswith("`") and len(r) == 7]
    shown = Counter(r[0].split()[-1] for r in rows)
    total, by_sev, by_rule = _omitted_counts(md)
    assert total + len(rows) == 10_000
    for severity, count in report.summary.by_severity.items():
        assert shown[severity] + by_sev.get(severity, 0) == count, severity
    shown_rules = Counter(r[1].strip().strip("`") for r in rows)
    assert shown_rules + Counter(by_rule) == Counter(f.rule_id for f in report.findings)
    # Most severe first: whatever is omitted is never more severe than what is shown.
    ranks = {s.value: s.rank for s in Severity}
    assert min(ranks[s] for s in shown) >= max(ranks[s] for s in by_sev)

    # The differing-cells section is there and capped too.
    assert re.search(r"### Access that differs from the baseline \([\d,]+ cells\)", md)
    assert re.search(r"_… and [\d,]+ more differing cells\._", md)


@pytest.mark.parametrize("limit", [3_000, 10_000, 20_000])
def test_smaller_limits_are_respected(limit: int) -> None:
    md = render_markdown(scaled_report(10, 40, findings=500, errors=50), limit=limit)
    assert len(md) <= limit
    assert "[!CAUTION]" in md and "… and 30 more errors" in md


def test_absurd_limit_still_holds() -> None:
    assert len(render_markdown(sample_report(incomplete=True), limit=120)) <= 120


def test_one_huge_message_is_clipped() -> None:
    huge = finding("overbroad-grant", persona="default", message="x" * 100_000)
    md = render_markdown(build_report([huge, finding("excess-route", persona="default")]))
    assert len(md) < 5_000
    assert "more findings not shown" not in md
