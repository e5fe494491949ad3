"""One entry point for every output format; each format is a pure function of the report."""

from __future__ import annotations

from typing import Literal

from auditor.model.report import Report
from auditor.report.html import render_html
from auditor.report.markdown import render_markdown
from auditor.report.table import render_table

ReportFormat = Literal["table", "json", "markdown", "html"]


def render(report: Report, fmt: ReportFormat, *, color: bool = False) -> str:
    if fmt == "json":
        return report.to_json()
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    return render_table(report, color=color)
