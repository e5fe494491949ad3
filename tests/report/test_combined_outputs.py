"""write_outputs and summary_line for a combined report (commands/outputs.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.collect.session import AwsClients
from auditor.commands.options import ReportOutput
from auditor.commands.outputs import summary_line, write_outputs
from auditor.model.combined_report import TargetReport
from auditor.report.combined_machine import RUN_KEY
from auditor.report.render import ReportFormat, render
from auditor.schemas import validate_report
from tests.report.combined_reports import assume_failed, combined, organization


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


def test_summary_line_of_no_targets_says_the_run_is_incomplete(tmp_path: Path) -> None:
    assert summary_line(combined([]), _outputs(tmp_path, "r.json")) == (
        "incomplete (no target was audited: the targets file and discovery gave none): "
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


def _sarif_incomplete(text: str) -> bool:
    [run] = json.loads(text)["runs"]
    results = run["results"]
    return (
        not run["invocations"][0]["executionSuccessful"]
        and bool(results)
        and all(r["ruleId"] == "audit-incomplete" for r in results)
        # Code scanning needs a file for each: the targets file here.
        and all(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "targets.yaml"
            for r in results
        )
    )


NOT_CLEAN = {
    # What each format says of a run that proved nothing: never "complete", never silence.
    "json": lambda text: json.loads(text)["status"] == "incomplete",
    "table": lambda text: "INCOMPLETE" in text,
    "markdown": lambda text: "**INCOMPLETE**" in text and "✅" not in text,
    "html": lambda text: 'id="org-status" class="status bad"' in text,
    "sarif": _sarif_incomplete,
    "junit": lambda text: 'errors="1"' in text and 'errors="0"' not in text,
    "ocsf": lambda text: (
        bool(json.loads(text))
        and all(e["finding_info"]["types"] == ["audit-incomplete"] for e in json.loads(text))
    ),
}
NOTHING_PROVED = {
    # Zero targets and no run error to say why: "complete" over nothing.
    "no-target": combined([]),
    "all-incomplete": combined(
        [
            TargetReport(name="a", report=assume_failed("111111111111")),
            TargetReport(name="b", report=assume_failed("222222222222")),
        ]
    ),
}


@pytest.mark.parametrize("fmt", NOT_CLEAN)
@pytest.mark.parametrize("case", NOTHING_PROVED)
def test_a_run_that_proved_nothing_never_reads_as_clean(case: str, fmt: ReportFormat) -> None:
    """No target, or no target complete: every format says the run is incomplete, as a
    failed discovery does."""
    text = render(NOTHING_PROVED[case], fmt, baselines={RUN_KEY: Path("targets.yaml")})
    assert NOT_CLEAN[fmt](text), text
    if fmt == "json":
        assert validate_report(json.loads(text), "combined-report") == []
