"""--format table: findings grouped by severity, readable in an 80-column terminal."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from auditor.model.findings import Severity
from auditor.model.personas import persona_label
from auditor.model.report import Report

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
    counts = "  ".join(f"{name} {count}" for name, count in report.summary.by_severity.items())
    lines.append(f"{report.summary.findings} findings: {counts}")
    return Panel(lines, title="cognito-route-auditor", expand=True)


def _findings(report: Report) -> list[Table]:
    tables = []
    for severity in Severity:
        rows = [f for f in report.findings if f.severity == severity]
        if not rows:
            continue
        table = Table(
            title=f"{severity.value.upper()} ({len(rows)})",
            title_justify="left",
            title_style=SEVERITY_STYLE[severity],
            show_lines=True,
            expand=True,
        )
        table.add_column("rule", overflow="fold", ratio=2)
        table.add_column("finding", overflow="fold", ratio=5)
        for finding in rows:
            who = persona_label(finding.persona, finding.app_client)
            where = " ".join(x for x in (who, finding.route) if x)
            detail = Text(finding.message)
            if where:
                detail.append(f"\n{where}", style="bold")
            detail.append(f"\n{finding.resource}", style="dim")
            table.add_row(Text(finding.rule_id, style=SEVERITY_STYLE[severity]), detail)
        tables.append(table)
    return tables


def _changes(report: Report) -> Text | None:
    if report.changes is None:
        return None
    changes = report.changes
    return Text(
        f"since the previous run: {len(changes.new)} new, {len(changes.still_open)} still "
        f"open, {len(changes.resolved)} resolved"
    )


def render_table(report: Report, *, width: int = 80, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
    )
    parts: list[Panel | Table | Text] = [_header(report), *_findings(report)]
    changes = _changes(report)
    if changes is not None:
        parts.append(changes)
    if not report.findings and report.status == "complete":
        parts.append(Text("No drift: the live configuration matches the baseline.", style="green"))
    console.print(Group(*parts))
    return buffer.getvalue()
