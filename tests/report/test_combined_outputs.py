"""write_outputs and summary_line for a combined report (commands/outputs.py)."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.collect.session import AwsClients
from auditor.commands.options import ReportOutput
from auditor.commands.outputs import summary_line, write_outputs
from auditor.schemas import validate_report
from tests.report.combined_reports import combined, organization


def _no_clients() -> AwsClients:
    raise AssertionError("a local output needs no AWS client")


def _outputs(tmp_path: Path, *names: str) -> list[ReportOutput]:
    formats = {"json": "json", "html": "html", "md": "markdown", "sarif": "sarif", "xml": "junit"}
    return [
        ReportOutput(location=str(tmp_path / name), format=formats[name.rsplit(".", 1)[1]])  # type: ignore[arg-type]
        for name in names
    ]


def test_summary_line_counts_targets_severities_and_incomplete(tmp_path: Path) -> None:
    outputs = _outputs(tmp_path, "report.html")
    # prod: 9 findings (critical 1, ...), stage: 1 medium, dev: clean, legacy: incomplete.
    line = summary_line(organization(), outputs)
    report = organization()
    total = report.summary.findings
    assert line.startswith(f"{total} findings in 2 of 4 targets (")
    assert line.endswith(f", 1 incomplete -> {tmp_path / 'report.html'}")
    critical = report.summary.by_severity["critical"]
    assert f"{critical} critical" in line


def test_summary_line_of_a_failed_discovery_leads_with_it(tmp_path: Path) -> None:
    line = summary_line(organization(discovery_failed=True), _outputs(tmp_path, "r.json"))
    assert line.startswith("incomplete (discovery: 1 AWS read(s) failed): ")


def test_summary_line_of_no_targets(tmp_path: Path) -> None:
    assert summary_line(combined([]), _outputs(tmp_path, "r.json")) == (
        f"0 findings in 0 of 0 targets -> {tmp_path / 'r.json'}"
    )


def test_write_outputs_writes_every_format_of_a_combined_report(tmp_path: Path) -> None:
    outputs = _outputs(tmp_path, "r.json", "r.html", "r.md", "r.sarif", "r.xml")
    write_outputs(organization(), outputs, _no_clients)
    data = json.loads((tmp_path / "r.json").read_text())
    assert validate_report(data, "combined-report") == []
    assert [t["name"] for t in data["targets"]] == ["prod", "stage", "dev", "legacy"]
    for name in ("r.html", "r.md", "r.sarif", "r.xml"):
        assert "legacy" in (tmp_path / name).read_text(), name
