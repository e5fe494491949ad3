"""`--format html` of a combined report: one self-contained page, the organization first
(totals, the worst targets, the incomplete ones and why, the rules across targets, every
target on a line), then a collapsible section per target holding that target's own report,
made of the single report's parts (report/html.py) with one copy of its CSS and scripts.

Each target's part is inside a <template> and drawn by the single report's scripts when its
section opens (html_assets/combined.js): a page of 400 targets parses fast, lays out only the
summary, and its ids stay unique (the single report's ids and scripts assume one report per
page: one target is open at a time). The text is yielded target by target, never whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files

from auditor.model.combined_report import CombinedReport, TargetReport
from auditor.model.findings import Severity
from auditor.report.combined_summary import (
    MAX_WORST,
    anchor,
    incomplete_targets,
    needing_attention,
    open_by_severity,
    open_findings,
    rule_counts,
    worst_word,
)
from auditor.report.html import _rules, page_assets, page_head, report_sections, rule_anchor
from auditor.report.html_grid import escaped as _e

DRAW_MARK = "/* @draw */"

# The combined page's own few rules; everything else is report.css.
_CSS = """
.tgt { border: 1px solid var(--line); border-radius: 4px; margin: .35rem 0; }
.tgt > summary { cursor: pointer; padding: .35rem .6rem; display: flex; flex-wrap: wrap;
  gap: .2rem .8rem; align-items: baseline; }
.tgt[open] > summary { background: #eef3fb; border-bottom: 1px solid var(--line); }
.tgt-body { padding: 0 .8rem .8rem; }
.tgt .where { color: #555; font-family: ui-monospace, monospace; font-size: 12px; }
.tgt .bad, td.bad { color: rgb(198, 40, 40); font-weight: 600; }
.org td.num { text-align: right; }
"""


def _assets() -> tuple[str, str]:
    css, draw = page_assets()
    combined = (files("auditor.report") / "html_assets" / "combined.js").read_text(encoding="utf-8")
    # The single report's scripts, run per target with the document and window given.
    script = combined.replace(
        DRAW_MARK, "var draw = function (document, window) {\n" + draw + "\n};", 1
    )
    return css + _CSS, script


def combined_html_chunks(report: CombinedReport) -> Iterator[str]:
    css, script = _assets()
    yield "\n".join(
        [
            page_head(f"Route audit of {report.summary.targets} targets", css),
            _org_header(report),
            _worst(report),
            _incomplete(report),
            _rule_table(report),
            _target_table(report),
            f'<section id="targets-section"><h2>Targets ({len(report.targets)})</h2>'
            "<noscript><p class=\"status bad\">Each target's report is drawn by the page's "
            "script: allow scripts to open them (the summary above is complete without it)."
            "</p></noscript>",
        ]
    )
    for index, entry in enumerate(report.targets):
        yield "\n" + _target_section(index, entry)
    yield "\n".join(
        [
            "\n</section>",
            _rules([f for entry in report.targets for f in entry.report.findings]),
            '<aside id="details" hidden><button type="button" id="details-close" '
            'aria-label="Close">&times;</button><div id="details-body"></div></aside>',
            f"<script>{script}</script>",
            "</body></html>\n",
        ]
    )


# -- the organization ------------------------------------------------------------------------


def _link(index: int, entry: TargetReport) -> str:
    return f'<a href="#{anchor(index)}">{_e(entry.name)}</a>'


def _target_row(index: int, entry: TargetReport, said: str) -> str:
    """A target on a line: its link, where it is, `said` of it (red when incomplete) and its
    open findings by severity."""
    report = entry.report
    counts = report.open_by_severity()
    cells = "".join(f'<td class="num">{counts.get(s.value, 0)}</td>' for s in Severity)
    return (
        f'<tr data-status="{report.status}"><td>{_link(index, entry)}</td>'
        f"<td><code>{_e(report.target.account_id or 'unknown')}</code></td>"
        f"<td><code>{_e(report.target.region)}</code></td>"
        f'<td class="{"bad" if report.status == "incomplete" else ""}">{_e(said)}</td>'
        f"{cells}</tr>"
    )


_COUNT_HEADS = "".join(f'<th scope="col">{s.value}</th>' for s in Severity)


def _org_header(report: CombinedReport) -> str:
    summary = report.summary
    if report.status == "complete":
        status = (
            '<p id="org-status" class="status ok">Complete: every target was audited and every '
            "AWS read succeeded.</p>"
        )
    else:
        errors = "".join(f"<li>{_e(error.describe())}</li>" for error in report.errors)
        run = (
            f"<p><strong>The run itself is incomplete</strong>: targets may be missing.</p>"
            f'<ul id="run-errors">{errors}</ul>'
            if report.errors
            else ""
        )
        status = (
            '<div id="org-status" class="status bad" role="alert">'
            f"<p><strong>Incomplete:</strong> {summary.incomplete} of {summary.targets} "
            "target(s) could not be fully audited; their reports cannot claim there is no "
            f"drift.</p>{run}</div>"
        )
    counts = "".join(
        f'<li class="sev-{s}"><span>{s}</span> <b data-severity="{s}">{n}</b></li>'
        for s, n in open_by_severity(report).items()
    )
    counts += f'<li><span>open</span> <b id="org-open">{open_findings(report)}</b></li>'
    if summary.accepted:
        counts += f'<li class="accepted"><span>accepted</span> <b>{summary.accepted}</b></li>'
    facts = [
        (
            "Targets",
            f"{summary.targets} ({summary.complete} complete, {summary.incomplete} incomplete)",
        ),
        ("Generated", f"{report.generated_at} by {report.tool.name} {report.tool.version}"),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    return (
        f"<header><h1>Cognito route audit of {summary.targets} targets</h1>"
        f'<dl class="target">{dl}</dl>{status}<ul id="org-counts" class="counts">{counts}</ul>'
        "</header>"
    )


def _indexes(report: CombinedReport) -> dict[int, int]:
    """A target's place in the report by its identity (its section's anchor)."""
    return {id(entry): index for index, entry in enumerate(report.targets)}


def _worst(report: CombinedReport) -> str:
    worst = needing_attention(report)
    if not worst:
        return ""
    at = _indexes(report)
    rows = "".join(
        _target_row(at[id(entry)], entry, worst_word(entry)) for entry in worst[:MAX_WORST]
    )
    more = (
        f"<p>… and {len(worst) - MAX_WORST} more: every target is listed below.</p>"
        if len(worst) > MAX_WORST
        else ""
    )
    return (
        f'<section id="worst-section"><h2>Worst targets ({len(worst)})</h2>'
        '<table id="worst" class="plain org"><thead><tr><th scope="col">Target</th>'
        '<th scope="col">Account</th><th scope="col">Region</th><th scope="col">Worst</th>'
        f"{_COUNT_HEADS}</tr></thead><tbody>{rows}</tbody></table>{more}</section>"
    )


def _incomplete(report: CombinedReport) -> str:
    incomplete = incomplete_targets(report)
    if not incomplete:
        return ""
    at = _indexes(report)
    rows = "".join(
        f"<tr><td>{_link(at[id(entry)], entry)}</td><td>{_e(why)}<ul>"
        + "".join(f"<li>{_e(error.describe())}</li>" for error in entry.report.errors[:3])
        + (
            f"<li>… and {len(entry.report.errors) - 3} more</li>"
            if len(entry.report.errors) > 3
            else ""
        )
        + "</ul></td></tr>"
        for entry, why in incomplete
    )
    return (
        f'<section id="incomplete-section"><h2>Incomplete targets ({len(incomplete)})</h2>'
        "<p>Absence of a finding in these proves nothing.</p>"
        '<table id="incomplete" class="plain org"><thead><tr><th scope="col">Target</th>'
        f'<th scope="col">Why</th></tr></thead><tbody>{rows}</tbody></table></section>'
    )


def _rule_table(report: CombinedReport) -> str:
    rules = rule_counts(report)
    if not rules:
        return ""
    rows = "".join(
        f'<tr><td><a class="rule" href="#{_e(rule_anchor(rule.rule_id))}"><code>'
        f'{_e(rule.rule_id)}</code></a></td><td class="num">{rule.findings}</td>'
        f'<td class="num">{rule.targets}</td></tr>'
        for rule in rules
    )
    return (
        '<section id="rules-across"><h2>Rules across targets</h2>'
        '<table id="rule-counts" class="plain org"><thead><tr><th scope="col">Rule</th>'
        '<th scope="col">Open findings</th><th scope="col">Targets</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
    )


def _target_table(report: CombinedReport) -> str:
    if not report.targets:
        return (
            '<section id="all-targets"><h2>Targets</h2><p id="no-targets">No targets: the '
            "targets file and discovery gave none.</p></section>"
        )
    rows = "".join(
        _target_row(index, entry, entry.report.status) for index, entry in enumerate(report.targets)
    )
    return (
        f'<section id="all-targets"><h2>Every target ({len(report.targets)})</h2>'
        '<table id="target-list" class="plain org"><thead><tr><th scope="col">Target</th>'
        '<th scope="col">Account</th><th scope="col">Region</th><th scope="col">Status</th>'
        f"{_COUNT_HEADS}</tr></thead><tbody>{rows}</tbody></table></section>"
    )


# -- each target -----------------------------------------------------------------------------


def _target_section(index: int, entry: TargetReport) -> str:
    """The target's line, and its own report's parts in a template drawn when opened."""
    report = entry.report
    counts = ", ".join(f"{n} {s}" for s, n in report.open_by_severity().items() if n)
    word = worst_word(entry)
    line = (
        f"<b>{_e(entry.name)}</b>"
        f'<span class="where">{_e(report.target.account_id or "unknown")} '
        f"{_e(report.target.region)}</span>"
        f'<span class="{"bad" if word == "incomplete" else ""}">{_e(word)}</span>'
        f"<span>{_e(counts or 'no open findings')}</span>"
    )
    return (
        f'<details class="tgt" id="{anchor(index)}" data-status="{report.status}">'
        f"<summary>{line}</summary><template>{target_body(entry)}</template></details>"
    )


def target_body(entry: TargetReport) -> str:
    """A target's report as the single page's body shows it, without the page around it."""
    sections, matrix = report_sections(entry.report, title=False)
    data = f'<script type="application/json" id="matrix-data">{matrix}</script>'
    return "\n".join(part for part in [*sections, data] if part)
