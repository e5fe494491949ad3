"""The one Slack message of a run of many targets (CONTRACT §6.4): what changed where.

A header with the run's totals, then a section per target with news (new or resolved
findings), most severe first: its name, account and region, its counts and its few most
severe new findings. Every incomplete target is named (a target that silently stops being
audited is what a security team must hear of), in sections of their own after the news,
their room kept first. Slack takes 50 blocks per message and 3,000 characters per section
text: past that, the rest are counted ("and N more"), never dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.unattended.slack import TargetAlert

MAX_BLOCKS = 50  # Slack's limit per message
MAX_TEXT = 3_000  # per section text
MAX_HEADER = 150  # a header's plain text
PER_TARGET = 3  # new findings named per target; the rest are counted
# Blocks the message always keeps around the targets: header, totals, "and N more", the link
# to the report.
_FRAME = 4
# Sections naming the incomplete targets, at most (about 700 names of 30 characters); past
# that, the rest are counted.
INCOMPLETE_BLOCKS = 10


def _news_rank(alert: TargetAlert) -> tuple[int, int, int, str]:
    """Most severe new finding first, then more news, then by name."""
    content = alert.content
    worst = max((f.severity.rank for f in content.new), default=-1)
    return (-worst, -len(content.new), -len(content.resolved), alert.name)


def _place(alert: TargetAlert) -> str:
    target = alert.content.report.target
    return f"{target.account_id or 'account unknown'} · {target.region}"


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _target_section(alert: TargetAlert) -> dict[str, Any]:
    from auditor.unattended.slack import _finding_line, most_severe_first

    content = alert.content
    report = content.report
    lines = [
        f"*{alert.name}*  ({_place(alert)})",
        f"{len(content.new)} new · {len(content.resolved)} resolved · {report.summary.open} open",
    ]
    if report.status != "complete":
        lines.append(f":warning: incomplete ({report.incomplete_because()})")
    shown = most_severe_first(content.new)[:PER_TARGET]
    lines.extend(_finding_line(f) for f in shown)
    if len(content.new) > len(shown):
        lines.append(f"and {len(content.new) - len(shown)} more new")
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut("\n".join(lines))}}


def combined_summary_text(alerts: Sequence[TargetAlert]) -> str:
    """Plain-text fallback (notifications, screen readers)."""
    new = sum(len(a.content.new) for a in alerts)
    resolved = sum(len(a.content.resolved) for a in alerts)
    changed = sum(1 for a in alerts if a.content.has_changes)
    incomplete = sum(1 for a in alerts if a.content.report.status != "complete")
    text = (
        f"Cognito route audit of {len(alerts)} targets: {new} new, {resolved} resolved in "
        f"{changed} target(s)"
    )
    return text + (f", {incomplete} incomplete" if incomplete else "")


def _incomplete_sections(incomplete: Sequence[TargetAlert]) -> list[dict[str, Any]]:
    """Every incomplete target by name and place, packed into sections of MAX_TEXT at most."""
    if not incomplete:
        return []
    head = (
        f":warning: Incomplete ({len(incomplete)}): findings that could not be checked are "
        "kept open: "
    )
    texts: list[str] = []
    text = head
    for i, alert in enumerate(incomplete):
        name = f"*{alert.name}* ({_place(alert)})"
        if len(text) + len(name) + 2 > MAX_TEXT - 80:  # room left for "and N more"
            if len(texts) == INCOMPLETE_BLOCKS - 1:
                texts.append(text + f" and {len(incomplete) - i} more: see the report")
                break
            texts.append(text)
            text = ""
        text += (", " if text and text != head else "") + name
    else:
        texts.append(text)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": _cut(t)}} for t in texts]


def build_combined_blocks(
    alerts: Sequence[TargetAlert], report_url: str | None
) -> list[dict[str, Any]]:
    """The header, the run's totals (every target of the run), the targets with news, most
    severe first, as many as Slack takes, then every incomplete target named (room kept)."""
    news = sorted((a for a in alerts if a.content.has_changes), key=_news_rank)
    incomplete = [a for a in alerts if a.content.report.status != "complete"]
    new = sum(len(a.content.new) for a in news)
    resolved = sum(len(a.content.resolved) for a in news)
    header = f"Cognito route audit: {new} new, {resolved} resolved in {len(news)} target(s)"
    totals = f"{len(alerts)} targets audited · {len(news)} with changes"
    if incomplete:
        totals += f" · :warning: {len(incomplete)} incomplete"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(header, MAX_HEADER)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(totals)}]},
    ]
    named = _incomplete_sections(incomplete)
    room = MAX_BLOCKS - _FRAME - len(named)
    blocks.extend(_target_section(alert) for alert in news[:room])
    if len(news) > room:
        rest = news[room:]
        more = (
            f"and {len(rest)} more targets with changes "
            f"({sum(len(a.content.new) for a in rest)} new, "
            f"{sum(len(a.content.resolved) for a in rest)} resolved): see the report"
        )
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    blocks.extend(named)
    if report_url:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _cut(f"<{report_url}|Open the full report>")},
            }
        )
    return blocks
