"""The parts of the HTML report added for issue 14, read back with the standard library's
parser: breakable ARNs, routes served without AWS_IAM, open and accepted findings, who gained
and lost access, the rules' references and the history's timeline."""

from __future__ import annotations

import re

from auditor.audit.catalog import get_rule
from auditor.model.findings import Severity
from auditor.report.html import breakable, render_html
from auditor.report.html_glance import anchor, who_gained_and_lost
from auditor.report.html_grid import collect, exposed_rows
from tests.report.grid_data import embedded
from tests.report.html_reports import (
    ACCEPT_RULE,
    EXPOSED,
    FIRST_SEEN,
    HOSTILE_TEXT,
    INTENDED,
    TOKEN_ONLY,
    execute_api_arn,
    rich_report,
)
from tests.report.test_html import Page
from tests.support.reports import API_ID, HOSTILE_GROUP, STAGE, finding, sample_report


def _section(html: str, ident: str) -> str:
    start = html.index(f'id="{ident}"')
    return html[start : html.index("</section>", start)]


def test_an_arn_may_break_only_after_its_separators() -> None:
    arn = execute_api_arn(EXPOSED)
    marked = breakable(arn)
    parts = marked.split("<wbr>")
    # A break opportunity after every "/" and ":" and nowhere else; a part with a hyphen
    # (where a browser would break too) is held together.
    assert [re.sub(r"</?span[^>]*>", "", p) for p in parts] == re.split(r"(?<=[/:])", arn)
    for part in parts:
        assert ("-" in part) == part.startswith('<span class="nb">')
    assert '<span class="nb">execute-api:</span>' in parts
    # Escaping comes first: hostile text gains breaks, never markup.
    hostile = breakable('<a href="javascript:x">')
    assert "<a" not in hostile and hostile.count("<wbr>") == 1
    html = render_html(rich_report())
    assert breakable(arn) in _section(html, "findings-section")


def test_routes_served_without_aws_iam_are_the_findings_rows() -> None:
    report = rich_report()
    grid = collect(report.access_matrix)
    rows = {
        grid.routes[row][2]: severity
        for row, severity in exposed_rows(grid.routes, [*report.findings]).items()
    }
    # The intended public route (NONE, in public_routes) has no route-not-iam finding.
    assert rows == {EXPOSED: "critical", TOKEN_ONLY: "high"} and INTENDED not in rows
    data = embedded(render_html(report))
    assert {data["routes"][int(row)][2]: sev for row, sev in data["exposed"].items()} == rows

    # A finding that names a stage marks that stage only; the most severe finding wins.
    elsewhere = finding("route-not-iam", route=INTENDED, severity=Severity.CRITICAL)
    elsewhere = elsewhere.model_copy(update={"evidence": {"stage": "other"}})
    here = finding("route-not-iam", route=INTENDED, severity=Severity.HIGH)
    here = here.model_copy(update={"evidence": {"stage": STAGE}})
    worse = finding("route-not-iam", route=INTENDED, severity=Severity.CRITICAL, api_id="x")
    marked = exposed_rows(grid.routes, [elsewhere, here, worse])
    assert {grid.routes[row] for row in marked} == {(API_ID, STAGE, INTENDED)}
    assert set(marked.values()) == {"high"}


def test_accepted_findings_are_apart_and_not_counted() -> None:
    report = rich_report()
    html = render_html(report)
    accepted = [f for f in report.findings if f.accepted]
    open_findings = [f for f in report.findings if f.counts]
    assert len(accepted) == 1 and accepted[0].rule_id == ACCEPT_RULE
    findings, apart = _section(html, "findings-section"), _section(html, "accepted-section")
    assert f'id="{anchor(accepted[0])}"' in apart and anchor(accepted[0]) not in findings
    assert findings.count("<tr id=") == len(open_findings)
    assert "legacy admin role, replaced in Q3" in apart and "until 2024-09-30" in apart
    counts = dict(re.findall(r'<b data-severity="(\w+)">(\d+)</b>', html))
    assert counts["medium"] == str(sum(1 for f in open_findings if f.severity is Severity.MEDIUM))
    assert f'<b id="count-open">{len(open_findings)}</b>' in html
    assert '<b id="count-accepted">1</b>' in html
    # "Open since" on every finding that knows it, with the full timestamp at hand.
    assert html.count(f'datetime="{FIRST_SEEN}"') == len(report.findings)
    assert f">{FIRST_SEEN[:10]}</time>" in findings

    # Without accepted findings: no section, no count.
    plain = render_html(sample_report())
    assert 'id="accepted-section"' not in plain and "count-accepted" not in plain
    assert "open since" not in plain


def test_every_finding_is_open_or_accepted_but_nothing_says_no_drift_wrongly() -> None:
    report = rich_report()
    only_accepted = [f for f in report.findings if f.accepted]
    html = render_html(report.model_copy(update={"findings": only_accepted}))
    assert "No open findings. 1 accepted" in html


def test_who_gained_and_who_lost_access() -> None:
    report = rich_report()
    people = who_gained_and_lost(report.findings)
    gained = {who: [f.route for f in a.gained] for who, a in people.items() if a.gained}
    lost = {who: [f.route for f in a.lost] for who, a in people.items() if a.lost}
    assert gained == {
        "anyone (no authorization)": [EXPOSED],
        "any token holder (not AWS_IAM)": [TOKEN_ONLY],
        "group:admin": ["POST /items"],
        "group:editors": ["DELETE /items/{id}"],
        "unauthenticated": ["GET /items"],
    }
    assert lost == {f"group:{HOSTILE_GROUP}": ["GET /items/{id}"]}
    html = render_html(report)
    glance = _section(html, "glance")
    targets = re.findall(r'href="#(f-[0-9a-f]+)"', glance)
    rows = set(re.findall(r'<tr id="(f-[0-9a-f]+)"', html))
    assert targets and set(targets) <= rows
    assert len(targets) >= sum(len(v) for v in gained.values()) + sum(len(v) for v in lost.values())
    # The glance comes before the findings; since the last run, what is new is named.
    assert html.index('id="glance"') < html.index('id="findings-section"')
    # counted as the history, the alert and the heartbeat count them (this run's record)
    last = report.history[-1]
    assert (last.new, last.resolved) != (len(report.changes.new), len(report.changes.resolved))
    assert f'<b id="since-new">{last.new}</b>' in glance
    assert f'<b id="since-resolved">{last.resolved}</b>' in glance
    assert "group team-5 added" in glance  # the last run's configuration changes


def test_each_rule_links_to_its_references() -> None:
    report = rich_report()
    html = render_html(report)
    page = Page(html)
    rules = _section(html, "rules-section")
    for rule_id in {f.rule_id for f in report.findings}:
        assert f'<a class="rule" href="#rule-{rule_id}"' in html
        entry = rules.split(f'id="rule-{rule_id}"')[1].split("</dd>")[0]
        assert re.findall(r'<a href="([^"]+)"', entry) == get_rule(rule_id).references
    external = [a for a in page.find("a") if (a.get("href") or "").startswith("https://")]
    assert external and all(a.get("rel") == "noopener noreferrer" for a in external)


def test_the_timeline_draws_the_history() -> None:
    report = rich_report(runs=6)
    html = render_html(report)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('<g class="run">') == 6
    # Bars in proportion: the run with the most open findings is the full plot height.
    totals = [sum(r.by_severity.values()) for r in report.history]
    heights = [
        sum(
            float(h)
            for h in re.findall(
                r'class="t-(?:critical|high|medium|low|info)"[^>]*'
                r'height="([\d.]+)"',
                run,
            )
        )
        for run in svg.split('<g class="run">')[1:]
    ]
    tallest = max(heights)
    for total, height in zip(totals, heights, strict=True):
        assert abs(height - tallest * total / max(totals)) < 0.5
    assert svg.count('class="t-incomplete"') == 1
    assert svg.count('class="t-changed"') == sum(1 for r in report.history if r.changes)
    assert "2024-04-01" in svg and "2024-04-06" in svg
    # No timeline under two runs.
    assert "<svg" not in render_html(rich_report(runs=1))
    assert "<svg" not in render_html(sample_report())


def test_hostile_text_in_the_new_parts_stays_text() -> None:
    html = render_html(rich_report(hostile=True))
    page = Page(html)
    assert not page.find("img")
    escaped = "&lt;img src=x onerror=alert(1)&gt;&quot;&amp;"
    assert escaped in _section(html, "accepted-section")  # the acceptance's reason
    assert escaped in _section(html, "glance")  # the history's change lines
    assert HOSTILE_TEXT not in html


def test_an_incomplete_report_without_findings_never_reads_as_no_drift() -> None:
    incomplete = sample_report(incomplete=True).model_copy(update={"findings": []})
    complete = sample_report().model_copy(update={"findings": []})
    said = [
        re.search(r'<p id="access-none">(.*?)</p>', render_html(r)) for r in (incomplete, complete)
    ]
    assert said[0] and said[1]
    assert "what could be read" in said[0][1] and "what could be read" not in said[1][1]
