"""`--format markdown` of a combined report: the organization's summary, then a collapsed
`<details>` per target holding that target's own Markdown (report/markdown.py).

The whole stays under the same limit as one report (a GitHub comment): the summary's tables
are capped, the targets are listed worst first, and each target gets an equal share of what
is left, at least MIN_SHARE characters (so with hundreds of targets, the worst are told and the
rest are counted, never silently dropped). Clean, complete targets have no section: their
line says all there is.
"""

from __future__ import annotations

import re
from html import escape

from auditor.model.combined_report import CombinedReport, TargetReport
from auditor.model.findings import Severity
from auditor.report.combined_summary import (
    MAX_WORST,
    incomplete_targets,
    needing_attention,
    open_by_severity,
    open_findings,
    rule_counts,
    worst_word,
)
from auditor.report.markdown import DEFAULT_LIMIT, _table, code, render_markdown, text

MIN_SHARE = 2_000  # a target's Markdown below this is its summary and little else
MAX_INCOMPLETE = 20
MAX_RULES = 30
_ICONS = {"critical": "🟣", "high": "🔴", "medium": "🟠", "low": "🟡", "info": "⚪"}
_HEADING = re.compile(r"^(#{2,5}) ", re.MULTILINE)


def render_combined_markdown(report: CombinedReport, *, limit: int = DEFAULT_LIMIT) -> str:
    head = _summary(report)
    attention = needing_attention(report)
    targets = _targets(report, attention, max(0, (limit - len(head)) // 3))
    out = head + targets
    if attention:
        out += f"\n### Targets with findings or an incomplete audit ({len(attention):,})\n\n"
    shown = 0
    for index, entry in enumerate(attention):
        room = limit - len(out) - 200  # kept for the line counting the rest
        if room < MIN_SHARE:
            break
        # An equal share of what is left, but never less than MIN_SHARE: the worst targets
        # are told in full rather than all in a line; a short one leaves its rest to others.
        share = max(room // (len(attention) - index), MIN_SHARE)
        out += _section(entry, share)
        shown += 1
    if shown < len(attention):
        rest = len(attention) - shown
        out += (
            f"\n_… and {rest:,} more targets with findings or an incomplete audit not shown "
            "in detail (size limit): see their lines above, or `--format json` / `--format "
            "html` for every target._\n"
        )
    return out[:limit]


def _summary(report: CombinedReport) -> str:
    summary = report.summary
    status = "✅ complete" if report.status == "complete" else "⚠️ **INCOMPLETE**"
    out = [
        f"## Cognito route audit of {summary.targets:,} targets: {status}\n\n",
        f"**{summary.complete:,}** complete · **{summary.incomplete:,}** incomplete · "
        f"**{open_findings(report):,}** open findings · "
        f"_generated {text(report.generated_at)} by {text(report.tool.name)} "
        f"{text(report.tool.version)}_\n\n",
    ]
    if report.errors:
        out.append("> [!CAUTION]\n> **The run itself is incomplete:** targets may be missing.\n")
        out.extend(
            f"> - {code(f'{e.service}:{e.operation}')} {text(e.message)}\n"
            for e in report.errors[:MAX_INCOMPLETE]
        )
        if len(report.errors) > MAX_INCOMPLETE:
            more = len(report.errors) - MAX_INCOMPLETE
            out.append(f"> - … and {more:,} more failures of the run\n")
        out.append("\n")
    counts = open_by_severity(report)
    accepted = summary.accepted
    out.append(
        _table(
            [
                *(f"{_ICONS[s.value]} {s.value}" for s in Severity),
                *(["accepted"] if accepted else []),
                "total",
            ],
            [
                [
                    *(f"{counts[s.value]:,}" for s in Severity),
                    *([f"{accepted:,}"] if accepted else []),
                    f"{summary.findings:,}",
                ]
            ],
        )
    )
    incomplete = incomplete_targets(report)
    if incomplete:
        out.append(f"\n### Incomplete targets ({len(incomplete):,})\n\n")
        out.append(
            _table(
                ["Target", "Account", "Region", "Why"],
                (
                    [
                        text(entry.name),
                        code(entry.report.target.account_id or "unknown"),
                        code(entry.report.target.region),
                        text(why)
                        + "".join(
                            f"<br>{code(f'{e.service}:{e.operation}')} {text(e.message)}"
                            for e in entry.report.errors[:2]
                        ),
                    ]
                    for entry, why in incomplete[:MAX_INCOMPLETE]
                ),
            )
        )
        if len(incomplete) > MAX_INCOMPLETE:
            out.append(f"\n_… and {len(incomplete) - MAX_INCOMPLETE:,} more incomplete._\n")
    rules = rule_counts(report)
    if rules:
        out.append("\n### Rules across targets\n\n")
        out.append(
            _table(
                ["Rule", "Open findings", "Targets"],
                ([code(r.rule_id), f"{r.findings:,}", f"{r.targets:,}"] for r in rules[:MAX_RULES]),
            )
        )
        if len(rules) > MAX_RULES:
            out.append(f"\n_… and {len(rules) - MAX_RULES:,} more rules._\n")
    return "".join(out)


def _counts(entry: TargetReport) -> str:
    counts = entry.report.open_by_severity()
    said = [f"{_ICONS[s]} {n:,}" for s, n in counts.items() if n]
    return " ".join(said) or "none"


def _targets(report: CombinedReport, attention: list[TargetReport], budget: int) -> str:
    """Every target on a line, worst first (the worst MAX_WORST in bold), within `budget`."""
    if not report.targets:
        return "\n### Targets\n\nNo targets: the targets file and discovery gave none.\n"
    needing = {id(entry) for entry in attention}
    ordered = attention + [entry for entry in report.targets if id(entry) not in needing]
    out = f"\n### Targets ({len(ordered):,}, worst first)\n\n" + _table(
        ["Target", "Account", "Region", "Worst", "Open findings"], []
    )
    shown = 0
    for rank, entry in enumerate(ordered):
        name = text(entry.name)
        row = (
            "| "
            + " | ".join(
                [
                    f"**{name}**" if rank < MAX_WORST and id(entry) in needing else name,
                    code(entry.report.target.account_id or "unknown"),
                    code(entry.report.target.region),
                    worst_word(entry),
                    _counts(entry),
                ]
            )
            + " |\n"
        )
        if len(out) + len(row) > budget:
            break
        out += row
        shown += 1
    if shown < len(ordered):
        rest = ordered[shown:]
        clean = sum(1 for entry in rest if id(entry) not in needing)
        out += f"\n_… and {len(rest):,} more targets ({clean:,} of them clean)._\n"
    return out


def _section(entry: TargetReport, share: int) -> str:
    """A target's own Markdown in a collapsed block, its headings one level down. The
    summary line is HTML (Markdown is not read there): names are HTML-escaped."""
    target = entry.report.target
    summary = (
        f"<details><summary><b>{escape(entry.name)}</b> · "
        f"<code>{escape(target.account_id or 'unknown')}</code> <code>{escape(target.region)}"
        f"</code> · {worst_word(entry)} · {_counts(entry)}</summary>\n\n"
    )
    closing = "\n</details>\n"
    body = render_markdown(entry.report, limit=max(0, share - len(summary) - len(closing)))
    return summary + _HEADING.sub(r"#\1 ", body) + closing
