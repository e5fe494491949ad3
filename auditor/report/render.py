"""One entry point for every output format; each format is a pure function of the report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from auditor.model.report import Report
from auditor.model.report_json import json_chunks

ReportFormat = Literal["table", "json", "markdown", "html"]


def render(report: Report, fmt: ReportFormat, *, color: bool = False) -> str:
    return "".join(render_chunks(report, fmt, color=color))


def render_chunks(report: Report, fmt: ReportFormat, *, color: bool = False) -> Iterator[str]:
    """The report's text in pieces, for a writer that streams: JSON is made row by row (a
    10,000-group matrix is never one string); the other formats are one piece."""
    if fmt == "json":
        return json_chunks(report)
    return iter((_rendered(report, fmt, color),))


def _rendered(report: Report, fmt: ReportFormat, color: bool) -> str:
    # Each renderer is imported when asked for: a JSON run never loads rich.
    if fmt == "markdown":
        from auditor.report.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from auditor.report.html import render_html

        return render_html(report)
    from auditor.report.table import render_table

    return render_table(report, color=color)
