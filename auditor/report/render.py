"""One entry point for every output format; each format is a pure function of the report.

A run of many targets (--targets) renders a CombinedReport: the same formats, each with the
organization's summary first and every target's own report behind it (report/combined_*.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from auditor.model.report import Report
from auditor.model.report_json import json_chunks

if TYPE_CHECKING:
    from auditor.model.combined_report import CombinedReport

ReportFormat = Literal["table", "json", "markdown", "html", "sarif", "junit", "ocsf"]


def render(
    report: Report | CombinedReport,
    fmt: ReportFormat,
    *,
    color: bool = False,
    baseline: Path | None = None,
    baselines: Mapping[str, Path] | None = None,
) -> str:
    return "".join(render_chunks(report, fmt, color=color, baseline=baseline, baselines=baselines))


def render_chunks(
    report: Report | CombinedReport,
    fmt: ReportFormat,
    *,
    color: bool = False,
    baseline: Path | None = None,
    baselines: Mapping[str, Path] | None = None,
) -> Iterator[str]:
    """The report's text in pieces, for a writer that streams: JSON is made row by row (a
    10,000-group matrix is never one string); the other formats are one piece. `baseline`
    is the audited baseline file, for the formats that point at a file (SARIF); for a
    combined report, `baselines` gives each target's by its key (`name@region`; see
    report/combined_machine.combined_sarif)."""
    if not isinstance(report, Report):
        return _combined(report, fmt, color, baselines)
    if fmt == "json":
        return json_chunks(report)
    return iter((_rendered(report, fmt, color, baseline),))


def _rendered(report: Report, fmt: ReportFormat, color: bool, baseline: Path | None) -> str:
    # Each renderer is imported when asked for: a JSON run never loads rich.
    if fmt == "markdown":
        from auditor.report.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from auditor.report.html import render_html

        return render_html(report)
    if fmt == "sarif":
        from auditor.report.sarif import render_sarif

        return render_sarif(report, baseline=baseline)
    if fmt == "junit":
        from auditor.report.junit import render_junit

        return render_junit(report)
    if fmt == "ocsf":
        from auditor.report.ocsf import render_ocsf

        return render_ocsf(report)
    from auditor.report.table import render_table

    return render_table(report, color=color)


def _combined(
    report: CombinedReport, fmt: ReportFormat, color: bool, baselines: Mapping[str, Path] | None
) -> Iterator[str]:
    """A combined report in `fmt`; imported when asked for, as for a single report."""
    if fmt == "json":
        from auditor.report.combined_json import combined_json_chunks

        return combined_json_chunks(report)
    if fmt == "html":
        from auditor.report.combined_html import combined_html_chunks

        return combined_html_chunks(report)
    if fmt == "markdown":
        from auditor.report.combined_markdown import render_combined_markdown

        text = render_combined_markdown(report)
    elif fmt in ("sarif", "junit", "ocsf"):
        from auditor.report.combined_machine import render_combined_machine

        text = render_combined_machine(report, fmt, baselines)
    else:
        from auditor.report.combined_table import render_combined_table

        text = render_combined_table(report, color=color)
    return iter((text,))
