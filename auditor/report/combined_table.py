"""--format table of a combined report: the organization first (totals, the worst targets, the
incomplete ones and why, the rules across targets), then one line per target, then the
findings of each target that has any, under its name.

A target's own header panel is not repeated: its line in the targets table says where it is
and what it has, and 400 panels would bury the findings. Clean targets appear only in that
table. Each target's findings are the single table's own severity tables.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from auditor.model.combined_report import CombinedReport
from auditor.model.findings import Severity
from auditor.report.combined_summary import (
    MAX_WORST,
    incomplete_targets,
    needing_attention,
    open_by_severity,
    open_findings,
    place,
    rule_counts,
    worst_word,
)
from auditor.report.table import SEVERITY_STYLE, _findings, drawn


def _word_style(word: str) -> str:
    if word == "incomplete":
        return "bold red"
    if word == "clean":
        return "green"
    return SEVERITY_STYLE[Severity(word)]


def _header(report: CombinedReport) -> Panel:
    summary = report.summary
    lines = Text()
    lines.append(
        f"{summary.targets} targets: {summary.complete} complete, {summary.incomplete} incomplete\n"
    )
    if report.errors:
        lines.append(
            "INCOMPLETE RUN: targets may be missing (discovery failed)\n", style="bold red"
        )
        for error in report.errors:
            lines.append(f"  {error.describe()}\n", style="red")
    counts = "  ".join(f"{name} {count}" for name, count in open_by_severity(report).items())
    accepted = f"  (+ {summary.accepted} accepted)" if summary.accepted else ""
    lines.append(f"{open_findings(report)} findings: {counts}{accepted}")
    return Panel(lines, title="cognito-route-auditor: organization", expand=True)


def _counts_table(title: str, first: tuple[str, ...], longest: int) -> Table:
    """The target's name (folded only past 30 characters), ids, regions and a status kept
    whole, then its open findings by severity in one column that wraps (80 columns hold it)."""
    table = Table(title=title, title_justify="left", title_style="bold", expand=True)
    table.add_column(first[0], overflow="fold", min_width=min(30, max(longest, len(first[0]))))
    for column in first[1:]:
        table.add_column(column, no_wrap=True)
    table.add_column("open findings", ratio=1)
    return table


def _counts(counts: dict[str, int]) -> Text:
    said = Text()
    for severity in Severity:
        count = counts.get(severity.value, 0)
        if count:
            if said:
                said.append(", ")
            said.append(f"{count} {severity.value}", style=SEVERITY_STYLE[severity])
    return said if said else Text("none", style="dim")


def _summary_parts(report: CombinedReport) -> list[RenderableType]:
    parts: list[RenderableType] = [_header(report)]
    worst = needing_attention(report)
    if worst:
        shown = worst[:MAX_WORST]
        more = f", {len(worst) - len(shown)} more below" if len(worst) > len(shown) else ""
        table = _counts_table(
            f"Worst targets ({len(worst)}{more})",
            ("target", "account", "region", "worst"),
            max(len(entry.name) for entry in shown),
        )
        for entry in shown:
            word = worst_word(entry)
            table.add_row(
                entry.name,
                entry.report.target.account_id or "?",
                entry.report.target.region,
                Text(word, style=_word_style(word)),
                _counts(entry.report.open_by_severity()),
            )
        parts.append(table)
    incomplete = incomplete_targets(report)
    if incomplete:
        table = Table(
            title=f"Incomplete targets ({len(incomplete)}): absence of a finding proves nothing",
            title_justify="left",
            title_style="bold red",
            expand=True,
        )
        table.add_column("target", overflow="fold")
        table.add_column("why", overflow="fold", ratio=1)
        for entry, why in incomplete:
            errors = "; ".join(e.describe() for e in entry.report.errors[:3])
            table.add_row(entry.name, f"{why}: {errors}" if errors else why)
        parts.append(table)
    rules = rule_counts(report)
    if rules:
        table = Table(title="Rules across targets", title_justify="left", title_style="bold")
        table.add_column("rule", no_wrap=True)
        table.add_column("findings", justify="right")
        table.add_column("targets", justify="right")
        for rule in rules:
            table.add_row(rule.rule_id, str(rule.findings), str(rule.targets))
        parts.append(table)
    return parts


def _targets_table(report: CombinedReport) -> Table:
    table = _counts_table(
        f"Targets ({len(report.targets)})",
        ("target", "account", "region", "status"),
        max(len(entry.name) for entry in report.targets),
    )
    for entry in report.targets:
        target = entry.report.target
        status = entry.report.status
        table.add_row(
            entry.name,
            target.account_id or "?",
            target.region,
            Text(status, style="bold red" if status == "incomplete" else "green"),
            _counts(entry.report.open_by_severity()),
        )
    return table


def render_combined_table(
    report: CombinedReport, *, width: int | None = None, color: bool = False
) -> str:
    parts = _summary_parts(report)
    if report.targets:
        parts.append(_targets_table(report))
    else:
        parts.append(Text("No targets: the targets file and discovery gave none.", style="bold"))
    for entry in report.targets:
        if not entry.report.findings and entry.report.status == "complete":
            continue
        parts.append(Rule(f"{entry.name}  {place(entry)}  ({worst_word(entry)})", align="left"))
        if entry.report.status == "incomplete":
            parts.append(
                Text(
                    f"INCOMPLETE: {entry.report.incomplete_because()}; absence of a finding "
                    "proves nothing",
                    style="bold red",
                )
            )
        parts.extend(_findings(entry.report))
    return drawn(Group(*parts), width=width, color=color)
