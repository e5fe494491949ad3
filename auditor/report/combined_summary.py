"""The organization summary every human format of a combined report shows first: the same
numbers in the table, Markdown and HTML (and Slack's header), computed once here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from auditor.model.combined_report import CombinedReport, TargetReport
from auditor.model.findings import Severity

MAX_WORST = 10  # the targets named in the summary; every target is listed further down


@dataclass(frozen=True)
class RuleCount:
    rule_id: str
    findings: int  # findings that count (accepted ones are not)
    targets: int  # targets with at least one of them


def open_by_severity(report: CombinedReport) -> dict[str, int]:
    """Findings that count, by severity, most severe first, across every target."""
    counts = {severity.value: 0 for severity in Severity}
    for entry in report.targets:
        for severity, count in entry.report.open_by_severity().items():
            counts[severity] += count
    return counts


def open_findings(report: CombinedReport) -> int:
    return sum(entry.report.summary.open for entry in report.targets)


def rank(entry: TargetReport) -> tuple[bool, tuple[int, ...], str]:
    """Sort key, worst first: incomplete, then by open findings, critical first (the order
    of CombinedSummary.worst)."""
    counts = entry.report.open_by_severity()
    return (
        entry.report.status != "incomplete",
        tuple(-counts.get(severity.value, 0) for severity in Severity),
        entry.name,
    )


def needing_attention(report: CombinedReport) -> list[TargetReport]:
    """Targets with open findings or an incomplete audit, worst first (each region apart)."""
    needing = [
        entry
        for entry in report.targets
        if entry.report.status == "incomplete" or entry.report.summary.open
    ]
    return sorted(needing, key=rank)


def incomplete_targets(report: CombinedReport) -> list[tuple[TargetReport, str]]:
    """Each incomplete target and why, in the words of its own report."""
    return [
        (entry, entry.report.incomplete_because())
        for entry in report.targets
        if entry.report.status == "incomplete"
    ]


def rule_counts(report: CombinedReport) -> list[RuleCount]:
    """Per rule, its open findings and the targets that have them: most findings first."""
    findings: Counter[str] = Counter()
    targets: Counter[str] = Counter()
    for entry in report.targets:
        rules = Counter(f.rule_id for f in entry.report.findings if f.counts)
        findings.update(rules)
        targets.update(rules.keys())
    return [
        RuleCount(rule_id, count, targets[rule_id])
        for rule_id, count in sorted(findings.items(), key=lambda item: (-item[1], item[0]))
    ]


def worst_word(entry: TargetReport) -> str:
    """A target's worst in one word: "incomplete", its worst open severity, or "clean"."""
    if entry.report.status == "incomplete":
        return "incomplete"
    worst = entry.report.worst_severity()
    return worst.value if worst is not None else "clean"


def place(entry: TargetReport) -> str:
    """`111111111111 us-east-1`: where a target is (its account unknown when not read)."""
    target = entry.report.target
    return f"{target.account_id or 'account unknown'} {target.region}"


def anchor(index: int) -> str:
    """The id of a target's section (HTML) by its place in the report: names may repeat
    across regions and hold any character."""
    return f"target-{index}"
