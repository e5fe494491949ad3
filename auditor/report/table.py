"""--format table: findings grouped by severity, then the accepted ones with their reason,
drawn to the terminal's width (80 columns in a file or a pipe, or COLUMNS)."""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from auditor.model.findings import Finding, Severity
from auditor.model.personas import persona_label
from auditor.model.report import Report
from auditor.report.location import written_at
from auditor.report.terminal import terminal_width, use_color

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _header(report: Report) -> Panel:
    target = report.target
    apis = ", ".join(f"{a.id}/{a.stage}" if a.stage else a.id for a in target.apis) or "none"
    lines = Text()
    lines.append(f"account {target.account_id or '?'}  region {target.region}\n")
    lines.append(
        f"user pool {target.user_pool_id or '?'}  identity pool {target.identity_pool_id or '?'}\n"
    )
    lines.append(f"APIs {apis}\n")
    if report.status == "incomplete":
        lines.append(
            f"INCOMPLETE: {report.incomplete_because()}; absence of a finding proves nothing\n",
            style="bold red",
        )
        for error in report.errors:
            lines.append(f"  {error.service} {error.operation}: {error.message}\n", style="red")
    unknown = report.unknown_cells()
    if unknown:
        lines.append(
            f"UNKNOWN: {unknown} persona x route verdicts could not be judged "
            "(neither allowed nor denied; see the policy-unreadable findings)\n",
            style="bold magenta",
        )
    summary = report.summary
    counts = "  ".join(f"{name} {count}" for name, count in report.open_by_severity().items())
    accepted = f"  (+ {summary.accepted} accepted)" if summary.accepted else ""
    lines.append(f"{summary.open} findings: {counts}{accepted}")
    return Panel(lines, title="cognito-route-auditor", expand=True)


def _findings(report: Report) -> list[Table]:
    counting = [f for f in report.findings if f.counts]
    # One width for every rule column, that of the longest id: an id is never split.
    rule_width = max((len(f.rule_id) for f in report.findings), default=0)
    tables = []
    for severity in Severity:
        rows = [f for f in counting if f.severity == severity]
        if rows:
            table = _table(f"{severity.value.upper()} ({len(rows)})", severity, rule_width)
            for finding in rows:
                table.add_row(_rule(finding), _detail(finding))
            tables.append(table)
    accepted = [f for f in report.findings if not f.counts]
    if accepted:  # still visible (CONTRACT §6.2), apart, with why they do not count
        table = _table(f"ACCEPTED ({len(accepted)}): not counted", None, rule_width)
        for finding in accepted:
            rule = _rule(finding)
            rule.append(f"\n{finding.severity.value}", style="dim")
            table.add_row(rule, _detail(finding))
        tables.append(table)
    return tables


def _table(title: str, severity: Severity | None, rule_width: int) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        title_style=SEVERITY_STYLE[severity] if severity else "bold",
        show_lines=True,
        expand=True,
    )
    table.add_column("rule", no_wrap=True, min_width=rule_width)
    table.add_column("finding", overflow="fold", ratio=1)
    return table


def _rule(finding: Finding) -> Text:
    style = SEVERITY_STYLE[finding.severity] if finding.counts else "dim"
    return Text(finding.rule_id, style=style)


def _detail(finding: Finding) -> Text:
    who = persona_label(finding.persona, finding.app_client)
    where = " ".join(x for x in (who, finding.route) if x)
    detail = Text(finding.message)
    if where:
        detail.append(f"\n{where}", style="bold")
    detail.append(f"\n{finding.resource}", style="dim")
    if finding.template is not None:
        detail.append(f"\nat {written_at(finding.template)}", style="bold")
    if finding.first_seen:
        detail.append(f"\nopen since {_when(finding.first_seen)}", style="italic")
    if finding.accepted is not None:
        expires = finding.accepted.expires
        until = f" (until {expires})" if expires else ""
        detail.append(f"\naccepted{until}: {finding.accepted.reason}", style="green")
    return detail


def _when(iso: str) -> str:
    """An ISO 8601 time to the minute: "2026-11-02 09:15"."""
    return iso[:16].replace("T", " ")


def _changes(report: Report) -> Text | None:
    if report.changes is None:
        return None
    changes = report.changes
    return Text(
        f"since the previous run: {len(changes.new)} new, {len(changes.still_open)} still "
        f"open, {len(changes.resolved)} resolved"
    )


def render_table(report: Report, *, width: int | None = None, color: bool = False) -> str:
    """`color`: drawn for a terminal (stdout is one), in its width and in colour unless
    NO_COLOR says otherwise; else plain, 80 columns (or COLUMNS)."""
    parts: list[Panel | Table | Text] = [_header(report), *_findings(report)]
    changes = _changes(report)
    if changes is not None:
        parts.append(changes)
    if not any(f.counts for f in report.findings) and report.status == "complete":
        clean = (
            "Nothing open: every finding is accepted."
            if report.findings
            else "No drift: the configuration matches the baseline."
        )
        parts.append(Text(clean, style="green"))
    return drawn(Group(*parts), width=width, color=color)


def drawn(renderable: RenderableType, *, width: int | None, color: bool) -> str:
    """`renderable` as text: for a terminal (`color`) in its width and in colour unless
    NO_COLOR says otherwise; else plain, 80 columns (or COLUMNS)."""
    buffer = io.StringIO()
    colored = use_color(color)
    console = Console(
        file=buffer,
        width=width or terminal_width(color),
        force_terminal=colored,
        no_color=not colored,
        highlight=False,
        soft_wrap=False,
    )
    console.print(renderable)
    return buffer.getvalue()
