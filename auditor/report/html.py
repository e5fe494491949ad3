"""`--format html`: one self-contained, offline, printable page.

Everything that comes from AWS is escaped with ``html.escape`` or, for the data the script
needs, embedded as JSON that cannot close its ``<script>`` element. The access matrix can reach
half a million cells, so it is data the page's script draws a window of (html_grid.py).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from html import escape
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from auditor.audit.catalog import get_rule
from auditor.model.findings import Finding, Severity
from auditor.model.personas import persona_label
from auditor.model.report import GroupPair, Report, RunChanges
from auditor.report.html_glance import anchor, glance
from auditor.report.html_grid import (
    VERDICT_CLASS,
    cell_classes,
    collect,
    exposed_rows,
    grid_data,
    matrix_section,
)
from auditor.report.html_grid import escaped as _e
from auditor.report.location import written_at

__all__ = [
    "CSP",
    "VERDICT_CLASS",
    "cell_classes",
    "page_assets",
    "page_head",
    "render_html",
    "report_sections",
]

# No network: the CSP forbids every fetch; base-uri/form-action do not fall back to default-src.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def render_html(report: Report) -> str:
    """The whole report as one HTML document (a pure function of the report)."""
    css, script = page_assets()
    sections, matrix = report_sections(report)
    parts = [
        page_head(f"Route audit {report.target.account_id or ''} {report.target.region}", css),
        *sections,
        _rules(report.findings),
        '<aside id="details" hidden><button type="button" id="details-close" '
        'aria-label="Close">&times;</button><div id="details-body"></div></aside>',
        '<script type="application/json" id="matrix-data">',
        matrix,
        "</script>",
        f"<script>{script}</script>",
        "</body></html>\n",
    ]
    return "\n".join(p for p in parts if p)


def page_head(title: str, css: str) -> str:
    """The page up to its body: offline (CSP), no referrer, `title` escaped here."""
    return "\n".join(
        [
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{css}</style></head><body>",
        ]
    )


def page_assets() -> tuple[str, str]:
    """The page's CSS and its scripts (report.js, grid.js), shipped in html_assets/."""
    assets = files("auditor.report") / "html_assets"
    css = assets.joinpath("report.css").read_text(encoding="utf-8")
    script = "".join(
        assets.joinpath(name).read_text(encoding="utf-8") for name in ("report.js", "grid.js")
    )
    return css, script


def report_sections(report: Report, *, title: bool = True) -> tuple[list[str], str]:
    """The report's own sections in page order, from its header to its changes (empty ones
    "": left out by the caller), and its matrix's data, the JSON the page's script draws:
    what the single page shows, and each target of a combined page (report/combined_html.py,
    there without the page's title)."""
    grid = collect(report.access_matrix)
    new = set(report.changes.new) if report.changes else set()
    open_findings = [f for f in report.findings if f.counts]
    accepted = [f for f in report.findings if not f.counts]
    sections = [
        _header(report, open_findings, len(accepted), title=title),
        glance(report),
        _findings(open_findings, new, complete=report.status == "complete", accepted=accepted),
        _accepted(accepted, new),
        matrix_section(grid, report.matrix_note()),
        _group_pairs(report.group_pairs),
        _changes(report.changes),
    ]
    return sections, _script_json(grid_data(grid, exposed_rows(grid.routes, report.findings)))


_AFTER_SEPARATOR = re.compile(r"(?<=[/:])")


def breakable(value: object) -> str:
    """Escaped, with a line break allowed after each "/" and ":" and nowhere else: ARNs and
    ids wrap at their separators, only where the line is full. A part with a hyphen, where
    browsers also break ("execute-api", "us-east-1"), is kept whole. Escaping adds no
    separator or hyphen."""
    return "<wbr>".join(
        f'<span class="nb">{part}</span>' if "-" in part else part
        for part in _AFTER_SEPARATOR.split(_e(value))
        if part
    )


def _script_json(data: Any) -> str:
    """JSON safe inside <script>: no "</script>", "<!--" or "&" can form; U+2028/9 escaped."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# -- header ----------------------------------------------------------------------------------


def _header(
    report: Report, open_findings: list[Finding], accepted: int, *, title: bool = True
) -> str:
    t = report.target
    apis = ", ".join(f"{a.id}:{a.stage}" if a.stage else a.id for a in t.apis) or "none"
    facts = [
        ("Account", t.account_id or "unknown"),
        ("Region", t.region),
        ("User pool", t.user_pool_id or "none"),
        ("Identity pool", t.identity_pool_id or "none"),
        ("APIs", apis),
        ("Generated", f"{report.generated_at} by {report.tool.name} {report.tool.version}"),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{breakable(v)}</dd>" for k, v in facts)
    if report.status == "complete":
        status = '<p id="status" class="status ok">Complete: every AWS read succeeded.</p>'
    else:
        errors = "".join(
            f"<li><code>{_e(err.service)}:{_e(err.operation)}</code> {_e(err.message)}</li>"
            for err in report.errors
        )
        status = (
            '<div id="status" class="status bad" role="alert"><p><strong>Incomplete:</strong> '
            f"{_e(report.incomplete_because())}; this report cannot claim there is no "
            f'drift.</p><ul id="errors">{errors}</ul></div>'
        )
    # Open findings only: accepted ones are counted apart, as --fail-on and alerts do.
    counts = "".join(
        f'<li class="sev-{s}"><span>{s}</span> <b data-severity="{s}">{n}</b></li>'
        for s, n in report.open_by_severity().items()
    )
    counts += f'<li><span>open</span> <b id="count-open">{len(open_findings)}</b></li>'
    if accepted:
        counts += (
            '<li class="accepted"><a href="#accepted-section">accepted</a> '
            f'<b id="count-accepted">{accepted}</b></li>'
        )
    return (
        f"<header>{'<h1>Cognito route audit</h1>' if title else ''}"
        f'<dl class="target">{dl}</dl>{status}'
        f'<ul id="counts" class="counts">{counts}</ul></header>'
    )


# -- findings --------------------------------------------------------------------------------

_FINDING_COLUMNS = (
    ("severity", "Severity"),
    ("rule", "Rule"),
    ("persona", "Persona"),
    ("route", "Route"),
    ("resource", "Resource"),
    ("message", "Finding"),
)

# The open findings' header: its buttons sort (report.js).
_HEAD = "".join(
    f'<th scope="col" data-key="{key}" aria-sort="none"><button type="button">{label}</button></th>'
    for key, label in _FINDING_COLUMNS
)


def _findings(
    findings: list[Finding], new: set[str], *, complete: bool, accepted: list[Finding]
) -> str:
    """The open findings (those that count), with filters and sorting."""
    if not findings:
        # An incomplete run must never read as "no drift".
        what = "open findings" if accepted else "findings"
        none = (
            f"No {what}."
            if complete
            else f"No {what} in the state that could be read: see the failed reads above."
        )
        if accepted:
            none += f' {len(accepted)} accepted: <a href="#accepted-section">see below</a>.'
        return f'<section id="findings-section"><h2>Findings</h2><p>{none}</p></section>'
    rules = sorted({f.rule_id for f in findings})
    personas = sorted({f.persona for f in findings if f.persona})
    severities = [s.value for s in Severity if any(f.severity is s for f in findings)]
    filters = (
        '<div class="filters no-print">'
        + _select("filter-severity", "Severity", severities)
        + _select("filter-rule", "Rule", rules)
        + _select("filter-persona", "Persona", personas)
        + '<label>Text <input type="search" id="filter-text" placeholder="route, resource, '
        'message"></label> <output id="findings-shown"></output></div>'
    )
    rows = "\n".join(_finding_row(f, f.fingerprint in new) for f in findings)
    return (
        f'<section id="findings-section"><h2>Findings ({len(findings)} open)</h2>{filters}'
        f'<table id="findings"><thead><tr>{_HEAD}</tr></thead><tbody>\n{rows}\n</tbody>'
        "</table></section>"
    )


def _accepted(findings: list[Finding], new: set[str]) -> str:
    """Accepted findings (CONTRACT §6.2): listed, marked, never counted with the open ones."""
    if not findings:
        return ""
    head = "".join(f'<th scope="col">{label}</th>' for _, label in _FINDING_COLUMNS)
    rows = "\n".join(_finding_row(f, f.fingerprint in new) for f in findings)
    return (
        f'<section id="accepted-section"><h2>Accepted ({len(findings)})</h2>'
        "<p>Findings the baseline accepts, with a reason and an expiry: they count neither for "
        "--fail-on nor for alerts, and come back when the acceptance expires.</p>"
        f'<table id="accepted" class="findings"><thead><tr>{head}</tr></thead><tbody>\n{rows}'
        "\n</tbody></table></section>"
    )


def _select(ident: str, label: str, values: Iterable[str]) -> str:
    options = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)
    return (
        f'<label>{label} <select id="{ident}"><option value="">all</option>{options}'
        "</select></label> "
    )


def _finding_row(f: Finding, is_new: bool) -> str:
    sev = f.severity.value
    route = f.route or ""
    if f.api_id:
        route = f"{route} ({f.api_id})" if route else f.api_id
    badge = ' <span class="new">new</span>' if is_new else ""
    if f.accepted is not None:
        badge += ' <span class="acc">accepted</span>'
    return (
        f'<tr id="{_e(anchor(f))}" data-severity="{sev}" data-rule="{_e(f.rule_id)}" '
        f'data-persona="{_e(f.persona or "")}" data-fingerprint="{_e(f.fingerprint)}">'
        f'<td data-sort="{f.severity.rank}"><span class="sev sev-{sev}">{sev}</span>{badge}</td>'
        f'<td><a class="rule" href="#{_e(rule_anchor(f.rule_id))}" title="What it means, '
        f'how to fix it, references"><code>{_e(f.rule_id)}</code></a></td>'
        f"<td>{_e(persona_label(f.persona, f.app_client))}</td>"
        f"<td><code>{_e(route)}</code></td>"
        f'<td class="res">{breakable(f.resource)}{_written(f)}</td>'
        f'<td class="msg"><strong>{_e(f.title)}</strong><br>{_e(f.message)}'
        f'<div class="fix">{_e(f.remediation)}</div>{_meta(f)}</td></tr>'
    )


def _written(f: Finding) -> str:
    """Where a template audit's finding is to be fixed."""
    if f.template is None:
        return ""
    return f'<div class="at">at <code>{_e(written_at(f.template))}</code></div>'


def _meta(f: Finding) -> str:
    """Since when, why it is accepted, and where to read more: one small line."""
    said = []
    if f.accepted is not None:
        until = f", until {f.accepted.expires}" if f.accepted.expires else ""
        said.append(f'<span class="why">Accepted{_e(until)}: {_e(f.accepted.reason)}</span>')
    if f.first_seen:
        said.append(
            f'<span class="since">open since <time datetime="{_e(f.first_seen)}" '
            f'title="{_e(f.first_seen)}">{_e(f.first_seen[:10])}</time></span>'
        )
    return f'<div class="meta">{"".join(said)}</div>' if said else ""


def rule_anchor(rule_id: str) -> str:
    return f"rule-{rule_id}"


def _rules(findings: list[Finding]) -> str:
    """Each rule of the report's findings once, with its description and the catalog's
    references (each finding's rule id links here)."""
    ids = sorted({f.rule_id for f in findings})
    if not ids:
        return ""
    entries = []
    for rule_id in ids:
        try:
            rule = get_rule(rule_id)
        except ValueError:  # a report from another version: its own words, no catalog's
            entries.append(f'<dt id="{_e(rule_anchor(rule_id))}"><code>{_e(rule_id)}</code></dt>')
            continue
        links = "".join(
            f'<li><a href="{_e(url)}" rel="noopener noreferrer" target="_blank">{_e(label)}'
            "</a></li>"
            for url, label in references(rule_id)
        )
        entries.append(
            f'<dt id="{_e(rule_anchor(rule_id))}"><code>{_e(rule_id)}</code> '
            f"{_e(rule.title)}</dt><dd><p>{_e(rule.description)}</p>"
            f'<ul class="refs">{links}</ul></dd>'
        )
    return (
        '<section id="rules-section"><h2>Rules in this report</h2>'
        f'<dl class="rules">{"".join(entries)}</dl></section>'
    )


@functools.cache
def references(rule_id: str) -> tuple[tuple[str, str], ...]:
    """The rule catalog's references of `rule_id` as (url, short label); none for a rule the
    catalog does not know (a report from another version)."""
    try:
        urls = get_rule(rule_id).references
    except ValueError:
        return ()
    return tuple((url, _reference_label(url)) for url in urls if url.startswith("https://"))


def _reference_label(url: str) -> str:
    """ "cognito: role based access control" for .../cognito/latest/developerguide/
    role-based-access-control.html: the guide and the page, readable."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    page = segments[-1].removesuffix(".html") if segments else parts.netloc
    words = page.replace("-", " ").replace("_", " ")
    if parts.fragment:
        words += f" ({parts.fragment.replace('-', ' ')})"
    return f"{segments[0]}: {words}" if len(segments) > 1 else words


# -- group pairs and changes -----------------------------------------------------------------


def _group_pairs(pairs: list[GroupPair]) -> str:
    if not pairs:
        return ""
    rows = "".join(
        f'<tr class="o-{_e(gp.outcome)}"><td>{_e(gp.groups[0])}</td><td>{_e(gp.groups[1])}</td>'
        f"<td>{_e(gp.app_client or 'every')}</td>"
        f"<td>{_e(gp.outcome)}</td><td><code>{breakable(gp.role_arn or 'none')}</code></td>"
        f"<td>{'<br>'.join(f'<code>{breakable(arn)}</code>' for arn in gp.obtainable_roles)}</td>"
        f"<td>{_e(gp.detail)}</td></tr>"
        for gp in pairs
    )
    return (
        '<section id="group-pairs"><h2>Members of two groups</h2><table class="plain"><thead>'
        "<tr><th>Group</th><th>Group</th><th>App client</th><th>Outcome</th><th>Role</th>"
        "<th>Can obtain</th><th>Why</th></tr>"
        f"</thead><tbody>{rows}</tbody></table></section>"
    )


def _changes(changes: RunChanges | None) -> str:
    if changes is None:
        return ""
    resolved = "".join(
        f"<tr><td>{_e(f.severity.value)}</td><td><code>{_e(f.rule_id)}</code></td>"
        f"<td>{_e(persona_label(f.persona, f.app_client))}</td>"
        f"<td><code>{_e(f.route or '')}</code></td>"
        f"<td>{_e(f.title)}</td></tr>"
        for f in changes.resolved
    )
    table = (
        '<table class="plain"><thead><tr><th>Severity</th><th>Rule</th><th>Persona</th>'
        f"<th>Route</th><th>Finding</th></tr></thead><tbody>{resolved}</tbody></table>"
        if resolved
        else ""
    )
    return (
        '<section id="changes"><h2>Since the last run</h2><ul>'
        f'<li><b id="changes-new">{len(changes.new)}</b> new finding(s) (marked '
        '<span class="new">new</span> above)</li>'
        f"<li><b>{len(changes.still_open)}</b> still open</li>"
        f'<li><b id="changes-resolved">{len(changes.resolved)}</b> resolved</li></ul>'
        f"{table}</section>"
    )
