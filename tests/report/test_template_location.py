"""Every format shows where a template audit's finding is to be fixed (CONTRACT §6.5), valid
against its schema; a report without locations renders as before."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from auditor.model.findings import TemplateLocation
from auditor.model.report import Report
from auditor.report.render import ReportFormat, render
from tests.report.test_formats import (
    errors_of,
    junit_schema,
    ocsf_validator,
    sarif_validator,
    with_accepted,
)
from tests.support.reports import sample_report

TEMPLATE = TemplateLocation(path="infra/template.yaml", logical_id="EditorsRole", line=42)
SHOWN = "infra/template.yaml:42 (EditorsRole)"


def located(report: Report, template: TemplateLocation = TEMPLATE) -> Report:
    """`report` with its first finding located in a template."""
    first = report.findings[0].model_copy(update={"template": template})
    return report.model_copy(update={"findings": [first, *report.findings[1:]]})


@pytest.fixture(autouse=True)
def in_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_sarif_puts_the_finding_on_its_template_line() -> None:
    log = json.loads(render(located(sample_report()), "sarif", baseline=Path("baseline.yaml")))
    assert errors_of(sarif_validator(), log) == []
    run = log["runs"][0]
    first, second = run["results"][0]["locations"][0], run["results"][1]["locations"][0]
    assert first["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/template.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 42},
    }
    assert {"name": "EditorsRole", "kind": "declaration"} in first["logicalLocations"]
    # The others keep the baseline as their file, as before.
    assert second["physicalLocation"]["artifactLocation"]["uri"] == "baseline.yaml"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == Path.cwd().resolve().as_uri() + "/"


def test_sarif_names_a_template_outside_the_checkout_by_file_uri(tmp_path: Path) -> None:
    outside = tmp_path.parent / "elsewhere" / "stack.json"
    template = TEMPLATE.model_copy(update={"path": str(outside)})
    log = json.loads(render(located(sample_report(), template), "sarif"))
    assert errors_of(sarif_validator(), log) == []
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert artifact["artifactLocation"] == {"uri": outside.resolve().as_uri()}


def test_sarif_quotes_what_a_uri_cannot_hold() -> None:
    template = TEMPLATE.model_copy(update={"path": "my infra/stack #1.yaml"})
    log = json.loads(render(located(sample_report(), template), "sarif"))
    assert errors_of(sarif_validator(), log) == []
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert artifact["artifactLocation"]["uri"] == "my%20infra/stack%20%231.yaml"
    # The text formats show the path as given.
    assert "my infra/stack #1.yaml:42 (EditorsRole)" in render(
        located(sample_report(), template), "markdown"
    )


def test_sarif_without_locations_has_no_source_root() -> None:
    log = json.loads(render(sample_report(), "sarif"))
    assert "originalUriBaseIds" not in log["runs"][0]
    assert all("physicalLocation" not in r["locations"][0] for r in log["runs"][0]["results"])


@pytest.mark.parametrize("fmt", ["markdown", "table", "html", "junit"])
def test_text_formats_show_path_line_and_logical_id(fmt: ReportFormat) -> None:
    report = sample_report()
    rendered = render(located(report), fmt)
    assert rendered.count(SHOWN) == 1
    assert SHOWN not in render(report, fmt)


def test_markdown_says_where_next_to_the_finding() -> None:
    rendered = render(located(sample_report()), "markdown")
    row = next(line for line in rendered.splitlines() if SHOWN in line)
    assert row.startswith("| ") and f"at `{SHOWN}`" in row


def test_an_accepted_finding_keeps_its_location() -> None:
    report, _ = with_accepted(located(sample_report()))
    formats: tuple[ReportFormat, ...] = ("markdown", "html", "table")
    for fmt in formats:
        assert render(report, fmt).count(SHOWN) == 1, fmt


def test_junit_stays_valid_with_the_location_in_the_failure_text() -> None:
    rendered = render(located(sample_report()), "junit")
    junit_schema().validate(rendered)
    texts = [f.text or "" for f in ET.fromstring(rendered).iter("failure")]
    assert sum(f"template: {SHOWN}" in text for text in texts) == 1


def test_ocsf_keeps_the_location_in_unmapped_and_stays_valid() -> None:
    events = json.loads(render(located(sample_report()), "ocsf"))
    for event in events:
        assert errors_of(ocsf_validator(), event) == []
    assert events[0]["unmapped"]["template"] == {
        "path": "infra/template.yaml",
        "logical_id": "EditorsRole",
        "line": 42,
    }
    assert all("template" not in e["unmapped"] for e in events[1:])


def test_json_carries_the_location_only_where_set() -> None:
    document = json.loads(render(located(sample_report()), "json"))
    first, *rest = document["findings"]
    assert first["template"] == TEMPLATE.model_dump()
    assert all("template" not in f for f in rest)
