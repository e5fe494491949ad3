"""The top of the HTML report: who gained and who lost access, what is new since the last run,
and the timeline of the state's history. Every part links to the details further down and is
derived from the report alone (a pure function of it, like the rest of the page)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.model.findings import Finding, Severity
from auditor.model.personas import persona_label, reading_order
from auditor.model.report import Report, RunRecord
from auditor.report.html_grid import escaped as _e

GAINED_RULES = frozenset({"excess-route"})
LOST_RULES = frozenset({"missing-route", "missing-all-users-route"})
# Routes served without AWS_IAM and not in public_routes: everyone gained them.
EXPOSED_RULE = "route-not-iam"
EVERYONE = {
    Severity.CRITICAL: "anyone (no authorization)",
    Severity.HIGH: "any token holder (not AWS_IAM)",
}
NEW_LISTED = 10  # new findings named in the summary; the rest are counted


def anchor(f: Finding) -> str:
    """The id of a finding's row (findings and accepted findings tables)."""
    return f"f-{f.fingerprint}"


@dataclass
class _Access:
    gained: list[Finding] = field(default_factory=list)
    lost: list[Finding] = field(default_factory=list)


def who_gained_and_lost(findings: Iterable[Finding]) -> dict[str, _Access]:
    """Per persona label, in reading order: the findings of routes reached beyond the
    baseline and of declared routes not reached."""
    people: dict[str, _Access] = {}
    for f in findings:
        if f.rule_id in GAINED_RULES or f.rule_id in LOST_RULES:
            who = persona_label(f.persona, f.app_client)
        elif f.rule_id == EXPOSED_RULE:
            who = EVERYONE.get(f.severity, EVERYONE[Severity.HIGH])
        else:
            continue
        access = people.setdefault(who, _Access())
        (access.lost if f.rule_id in LOST_RULES else access.gained).append(f)
    return {who: people[who] for who in sorted(people, key=_order)}


_EVERYONE_FIRST = {label: i for i, label in enumerate(EVERYONE.values())}


def _order(who: str) -> tuple[int, tuple[int, str]]:
    # Everyone's exposure first, the widest first; then the personas as reports list them.
    first = _EVERYONE_FIRST.get(who)
    return (0, (first, "")) if first is not None else (1, reading_order(who))


def _route_links(findings: list[Finding], new: set[str]) -> str:
    if not findings:
        return '<span class="none">none</span>'
    links = []
    for f in findings:
        route = f.route or f.resource
        title = f"{f.rule_id} on {f.api_id}" if f.api_id else f.rule_id
        marks = ""
        if f.fingerprint in new:
            marks += ' <span class="new">new</span>'
        if f.accepted is not None:
            marks += ' <span class="acc">accepted</span>'
        links.append(
            f'<li class="sev-{f.severity.value}"><a href="#{_e(anchor(f))}" title="{_e(title)}">'
            f"<code>{_e(route)}</code></a>{marks}</li>"
        )
    return f'<ul class="routes">{"".join(links)}</ul>'


def _access_table(report: Report, new: set[str]) -> str:
    people = who_gained_and_lost(report.findings)
    if not people:
        complete = report.status == "complete"
        read = "" if complete else " in what could be read (see the failed reads)"
        return (
            '<p id="access-none">No persona reaches a route beyond the baseline or misses one '
            f"it declares{read}.</p>"
        )
    rows = "".join(
        f'<tr><th scope="row">{_e(who)}</th><td class="gained">'
        f"{_route_links(access.gained, new)}</td>"
        f'<td class="lost">{_route_links(access.lost, new)}</td></tr>'
        for who, access in people.items()
    )
    return (
        '<table id="access" class="plain"><thead><tr><th scope="col">Who</th>'
        '<th scope="col">Gained: routes reached that the baseline does not declare</th>'
        '<th scope="col">Lost: declared routes not reached</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _since_last_run(report: Report, new: set[str]) -> str:
    changes = report.changes
    if changes is None:
        return ""
    named = [f for f in report.findings if f.fingerprint in new]
    items = "".join(
        f'<li><span class="sev sev-{f.severity.value}">{f.severity.value}</span> '
        f'<a href="#{_e(anchor(f))}">{_e(f.title)}</a> <code>{_e(f.route or "")}</code> '
        f"{_e(persona_label(f.persona, f.app_client))}</li>"
        for f in named[:NEW_LISTED]
    )
    more = (
        f'<li><a href="#findings-section">and {len(named) - NEW_LISTED} more</a></li>'
        if len(named) > NEW_LISTED
        else ""
    )
    # Counted as the alert and the heartbeat count them (accepted findings never are).
    counted = report.new_and_resolved() or (len(changes.new), len(changes.resolved))
    configuration = report.history[-1].changes if report.history else []
    changed = "".join(f"<li>{_e(line)}</li>" for line in configuration)
    return (
        '<div id="since"><h3>Since the last run</h3><p>'
        f'<b id="since-new">{counted[0]}</b> new, '
        f'<b id="since-resolved">{counted[1]}</b> resolved '
        f'(<a href="#changes">details</a>), <b>{len(changes.still_open)}</b> still open.</p>'
        + (f'<ul id="since-new-list" class="compact">{items}{more}</ul>' if items else "")
        + (
            "<p>What changed in the configuration:</p>"
            f'<ul id="since-config" class="compact">{changed}</ul>'
            if changed
            else ""
        )
        + "</div>"
    )


def glance(report: Report) -> str:
    """The summary section at the top of the page."""
    new = set(report.changes.new) if report.changes else set()
    return (
        '<section id="glance"><h2>Who gained and who lost access</h2>'
        f'{_access_table(report, new)}<div class="glance-row">{_since_last_run(report, new)}'
        f"{timeline(report.history)}</div></section>"
    )


# -- timeline --------------------------------------------------------------------------------

BAR_W, GAP, PLOT_H, TOP, BOTTOM, MIN_WIDTH = 18, 6, 90, 16, 30, 180


def _run_title(run: RunRecord) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in run.by_severity.items() if n) or "no findings"
    lines = [
        f"{run.at} ({run.status})",
        f"open: {counts}",
        f"{run.new} new, {run.resolved} resolved, {run.accepted} accepted",
        *run.changes,
    ]
    return "\n".join(lines)


def timeline(history: list[RunRecord]) -> str:
    """The runs of the state's history as stacked bars of open findings by severity, with
    each run's new and resolved counts above it; nothing under two runs."""
    if len(history) < 2:
        return ""
    totals = [sum(max(0, n) for n in run.by_severity.values()) for run in history]
    scale = PLOT_H / max(1, *totals)
    step = BAR_W + GAP
    # Wide enough for the first and last dates under even two bars.
    width, height = max(len(history) * step + GAP, MIN_WIDTH), TOP + PLOT_H + BOTTOM
    base = TOP + PLOT_H
    parts = []
    for i, run in enumerate(history):
        x = GAP + i * step
        bars, y = [], float(base)
        for severity in reversed(Severity):  # the most severe on top, where the eye lands
            n = run.by_severity.get(severity.value, 0)
            if n > 0:
                h = n * scale
                y -= h
                bars.append(
                    f'<rect class="t-{severity.value}" x="{x}" y="{y:.1f}" width="{BAR_W}" '
                    f'height="{h:.1f}"/>'
                )
        if run.status == "incomplete":  # a failed read: its counts may be short
            bars.append(
                f'<rect class="t-incomplete" x="{x}" y="{TOP}" width="{BAR_W}" height="{PLOT_H}"/>'
            )
        said = [f"+{run.new}"] if run.new else []
        if run.resolved:
            said.append(f"\u2212{run.resolved}")
        mark = (
            f'<text class="t-mark" x="{x + BAR_W / 2}" y="{y - 3:.1f}">{" ".join(said)}</text>'
            if said
            else ""
        )
        changed = f'<circle class="t-changed" cx="{x + BAR_W / 2}" cy="{base + 7}" r="3"/>'
        parts.append(
            f'<g class="run"><title>{_e(_run_title(run))}</title>'
            f'<rect class="t-hit" x="{x - GAP / 2}" y="0" width="{step}" height="{height}"/>'
            f"{''.join(bars)}{mark}{changed if run.changes else ''}</g>"
        )
    first, last = history[0].at[:10], history[-1].at[:10]
    axis = (
        f'<line class="t-axis" x1="0" y1="{base}" x2="{width}" y2="{base}"/>'
        f'<text class="t-date" x="{GAP}" y="{height - 4}">{_e(first)}</text>'
        f'<text class="t-date" x="{width - GAP}" y="{height - 4}" text-anchor="end">'
        f"{_e(last)}</text>"
    )
    return (
        '<figure id="timeline"><figcaption>Open findings in the last '
        f"{len(history)} runs, by severity (+new, -resolved above a bar; a dot: the "
        "configuration changed; a dashed frame: incomplete). Hover a run for details.</figcaption>"
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Timeline of the last '
        f'{len(history)} runs">{"".join(parts)}{axis}</svg></figure>'
    )
