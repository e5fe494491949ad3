"""`--format markdown`: a summary for a pull-request comment or a wiki page.

GitHub rejects comments over 65,536 characters, so the output is kept under `limit` whatever
the number of findings: the most severe findings that fit are listed and the rest are counted
by severity and by rule, so nothing is silently dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from auditor.model.access_matrix import AccessMatrix
from auditor.model.findings import Finding, Severity
from auditor.model.personas import persona_label
from auditor.model.report import MatrixCell, Report, RunChanges
from auditor.report.location import written_at

DEFAULT_LIMIT = 65_000
MAX_ERRORS = 20  # an outage can fail hundreds of reads; the count is kept, the list is capped
MAX_MATRIX_ROWS = 100
MAX_RESOLVED = 20
MAX_CELL = 500  # one pasted policy must not crowd out every other finding

_ICONS = {"critical": "🟣", "high": "🔴", "medium": "🟠", "low": "🟡", "info": "⚪"}
# Markdown syntax that could format, link or open HTML; escaped in prose cells.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")
_TRUNCATED = "\n\n… (truncated to fit the size limit)\n"


def render_markdown(report: Report, *, limit: int = DEFAULT_LIMIT) -> str:
    """The report as GitHub-flavoured Markdown of at most `limit` characters. Accepted
    findings are listed in their own section, after the open ones."""
    head = _summary(report)
    counting = [f for f in report.findings if f.counts]
    accepted = [f for f in report.findings if not f.counts]
    tail = "".join(
        s
        for s in (
            _accepted(accepted, limit // 10),
            _scope(report.matrix_note()),
            _matrix_drift(report.access_matrix, limit // 5),
            _matrix_unknown(report.access_matrix, limit // 10),
            _changes(report.changes),
        )
        if s
    )
    findings = _findings(
        counting,
        limit - len(head) - len(tail),
        complete=report.status == "complete",
        accepted=len(accepted),
    )
    text = head + findings + tail
    if len(text) > limit:  # only when `limit` is too small for even the summary
        text = text[: max(0, limit - len(_TRUNCATED))] + _TRUNCATED
        text = text[:limit]
    return text


def text(value: str) -> str:
    """Prose in a table cell: Markdown syntax escaped, newlines kept as <br>."""
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - 1] + "…"
    escaped = _MD_SPECIAL.sub(r"\\\1", value.replace("&", "&amp;"))
    return "<br>".join(line.strip() for line in escaped.splitlines()) or " "


def code(value: str) -> str:
    """An identifier in a code span; `|` still needs escaping inside GFM tables."""
    if not value:
        return " "
    flat = " ".join(value.split())
    if len(flat) > MAX_CELL:
        flat = flat[: MAX_CELL - 1] + "…"
    flat = flat.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def _summary(report: Report) -> str:
    t = report.target
    status = "✅ complete" if report.status == "complete" else "⚠️ **INCOMPLETE**"
    apis = ", ".join(code(f"{a.id}:{a.stage}" if a.stage else a.id) for a in t.apis) or "none"
    out = [
        f"## Cognito route audit: {status}\n\n",
        f"**Account** {code(t.account_id or 'unknown')} · **region** {code(t.region)} · "
        f"**user pool** {code(t.user_pool_id or 'none')} · **identity pool** "
        f"{code(t.identity_pool_id or 'none')} · **APIs** {apis}\n\n",
        f"_Generated {text(report.generated_at)} by {text(report.tool.name)} "
        f"{text(report.tool.version)}._\n\n",
    ]
    if report.status == "incomplete":
        out.append(
            f"> [!CAUTION]\n> **Incomplete:** {report.incomplete_because()}, "
            "so this report cannot claim there is no drift.\n"
        )
        out.extend(
            f"> - {code(f'{e.service}:{e.operation}')} {text(e.message)}\n"
            for e in report.errors[:MAX_ERRORS]
        )
        if len(report.errors) > MAX_ERRORS:
            out.append(f"> - … and {len(report.errors) - MAX_ERRORS:,} more errors\n")
        out.append("\n")
    # By severity, the findings that count; accepted ones in a column of their own.
    counts = report.open_by_severity()
    accepted = report.summary.accepted
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
                    f"{report.summary.findings:,}",
                ]
            ],
        )
    )
    return "".join(out)


def _finding_row(f: Finding) -> str:
    route = f.route or ""
    cells = [
        f"{_ICONS[f.severity.value]} {f.severity.value}",
        code(f.rule_id),
        code(persona_label(f.persona, f.app_client)),
        code(route),
        code(f.api_id or ""),
        code(f.resource),
        f"**{text(f.title)}**<br>{text(f.message)}{_written(f)}{_since(f)}",
    ]
    return "| " + " | ".join(cells) + " |\n"


def _written(f: Finding) -> str:
    """Where a template audit's finding is to be fixed."""
    return f"<br>at {code(written_at(f.template))}" if f.template else ""


def _since(f: Finding) -> str:
    """ "open since" when a run with --state knows it (its day: the time adds little)."""
    return f"<br>_open since {text(f.first_seen[:10])}_" if f.first_seen else ""


def _findings(findings: list[Finding], budget: int, *, complete: bool, accepted: int = 0) -> str:
    """The findings that count, most severe first; `accepted`: how many are listed apart."""
    if not findings:
        none = "No open findings (the accepted ones are below)." if accepted else "No findings."
        # An incomplete run must never read as "no drift".
        return (
            f"\n### Findings\n\n{none}\n"
            if complete
            else "\n### Findings\n\nNo findings in the state that could be read; see the failed "
            "reads above.\n"
        )
    head = f"\n### Findings ({len(findings):,}, most severe first)\n\n" + _table(
        ["Severity", "Rule", "Persona", "Route", "API", "Resource", "Finding"], []
    )
    # The summary of every finding bounds the summary of any omitted suffix (fewer rules,
    # smaller numbers), so reserving its length guarantees the rest will fit.
    reserve = len(_omitted(findings))
    room = budget - len(head) - reserve
    rows: list[str] = []
    for f in findings:
        row = _finding_row(f)
        if len(row) > room:
            break
        rows.append(row)
        room -= len(row)
    if not rows and budget < len(head) + reserve:
        return _omitted(findings)
    return head + "".join(rows) + _omitted(findings[len(rows) :])


def _omitted(rest: list[Finding]) -> str:
    if not rest:
        return ""
    by_sev = Counter(f.severity.value for f in rest)
    sev = ", ".join(f"{by_sev[s.value]:,} {s.value}" for s in Severity if by_sev[s.value])
    by_rule = Counter(f.rule_id for f in rest)
    rules = ", ".join(
        f"{code(rule)} {n:,}" for rule, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return (
        f"\n**… and {len(rest):,} more findings not shown: {sev}.** "
        f"By rule: {rules}. Use `--format json` or `--format html` for the full list.\n"
    )


def _accepted(findings: list[Finding], budget: int) -> str:
    """Accepted findings, apart from the open ones: why, and until when."""
    if not findings:
        return ""
    out = f"\n### Accepted risk ({len(findings):,})\n\n" + _table(
        ["Severity", "Rule", "Persona", "Route", "Resource", "Reason", "Expires"], []
    )
    rows = (
        [
            f"{_ICONS[f.severity.value]} {f.severity.value}",
            code(f.rule_id),
            code(persona_label(f.persona, f.app_client)),
            code(f.route or ""),
            code(f.resource),
            text(f.accepted.reason if f.accepted else "") + _written(f) + _since(f),
            text((f.accepted.expires if f.accepted else None) or "never"),
        ]
        for f in findings
    )
    return _rows_within(out, rows, len(findings), budget, "accepted findings")


def _rows_within(out: str, rows: Iterable[list[str]], total: int, budget: int, rest: str) -> str:
    """`out` with as many of `rows` (of `total`) as fit in `budget` characters, then how many
    more there are."""
    shown = 0
    for cells in rows:
        row = "| " + " | ".join(cells) + " |\n"
        if len(out) + len(row) > budget:
            break
        out += row
        shown += 1
    if shown < total:
        out += f"\n_… and {total - shown:,} more {rest}._\n"
    return out


def _scope(note: str | None) -> str:
    return f"\n_{text(note)}_\n" if note else ""


def _matrix_drift(cells: AccessMatrix, budget: int) -> str:
    # Excess access first (the security risk), full access before partial, then by name.
    drift = sorted(
        cells.differing(),
        key=lambda c: (c.expected, c.verdict != "allowed", c.persona, c.api_id, c.stage, c.route),
    )
    title = f"Access that differs from the baseline ({len(drift):,} cells)"
    return _cell_table(title, drift, budget, "differing cells")


def _matrix_unknown(cells: AccessMatrix, budget: int) -> str:
    unknown = list(cells.with_verdict("unknown"))
    title = f"Access the auditor could not judge ({len(unknown):,} cells, never read as denied)"
    return _cell_table(title, unknown, budget, "cells not judged")


def _cell_table(title: str, cells: list[MatrixCell], budget: int, rest: str) -> str:
    if not cells:
        return ""
    out = f"\n### {title}\n\n" + _table(["Persona", "API", "Route", "Live", "Baseline", "Role"], [])
    rows = (
        [
            code(persona_label(c.persona, c.app_client)),
            code(f"{c.api_id}:{c.stage}"),
            code(c.route),
            text(_live(c)),
            "declared" if c.expected else "not declared",
            code(c.role_arn or "none"),
        ]
        for c in cells[:MAX_MATRIX_ROWS]
    )
    return _rows_within(out, rows, len(cells), budget, rest)


def _live(c: MatrixCell) -> str:
    if c.verdict == "unknown":  # the last reason names what could not be read
        return f"unknown: {c.reasons[-1]}" if c.reasons else "unknown"
    return c.verdict if c.iam_governed else f"{c.verdict} (not IAM: {c.authorization_type})"


def _changes(changes: RunChanges | None) -> str:
    if changes is None:
        return ""
    out = (
        f"\n### Since the last run\n\n{len(changes.new):,} new, "
        f"{len(changes.still_open):,} still open, {len(changes.resolved):,} resolved.\n"
    )
    if changes.resolved:
        out += "\n" + _table(
            ["Resolved", "Rule", "Persona", "Route"],
            (
                [f.severity.value, code(f.rule_id), code(f.persona or ""), code(f.route or "")]
                for f in changes.resolved[:MAX_RESOLVED]
            ),
        )
        if len(changes.resolved) > MAX_RESOLVED:
            out += f"\n_… and {len(changes.resolved) - MAX_RESOLVED:,} more resolved._\n"
    return out
