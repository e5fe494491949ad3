"""The combined report's JSON (CONTRACT §6.4): streamed from each target's own JSON, equal to
the whole document, and valid against combined-report.schema.json."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auditor.model import report_json
from auditor.model.combined_report import CombinedReport, CombinedSummary, TargetReport
from auditor.report.combined_json import combined_json_chunks, combined_json_data
from auditor.report.render import render, render_chunks
from auditor.schemas import load_schema, validate_report
from tests.report.combined_reports import (
    DISCOVERY_ERROR,
    combined,
    organization,
    scaled_organization,
)


def _parsed(report: CombinedReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "json"))
    return data


def test_streamed_json_equals_the_whole_document() -> None:
    report = organization(discovery_failed=True)
    data = _parsed(report)

    assert data == combined_json_data(report)
    assert list(data) == [
        "schema_version",
        "tool",
        "generated_at",
        "status",
        "errors",
        "summary",
        "targets",
    ]
    assert [entry["name"] for entry in data["targets"]] == ["prod", "stage", "dev", "legacy"]
    # Each entry is the target's own report, its keys in §4's order after the name.
    prod = report.targets[0].report
    assert list(data["targets"][0]) == ["name", *json.loads(prod.to_json())]
    assert data["targets"][0] == {"name": "prod", **json.loads(prod.to_json())}


def test_each_entry_reads_as_the_targets_own_json_indented() -> None:
    report = organization()
    text = render(report, "json")
    own = report.targets[0].report.to_json().rstrip("\n")
    nested = own[1:].replace("\n", "\n    ")  # without its "{", one level deeper
    assert '"name": "prod",' + nested in text


def test_no_chunk_is_the_whole_matrix_of_a_large_organization(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = scaled_organization(6, personas=10, routes=40)
    chunks = list(render_chunks(report, "json"))
    text = "".join(chunks)
    assert max(map(len, chunks)) < len(text) / 6  # never a target's whole text at once
    assert json.loads(text) == combined_json_data(report)


def test_above_indented_cells_each_entry_is_compact_and_round_trips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = scaled_organization(3, personas=5, routes=8)
    monkeypatch.setattr(report_json, "INDENTED_CELLS", 39)  # 40 cells: one line per cell
    text = "".join(combined_json_chunks(report))
    assert '{"persona":"group:team-00"' in text
    data = json.loads(text)
    # Compact cells leave out empty fields: read back they are the same report.
    assert [TargetReport.from_json_data(entry) for entry in data["targets"]] == report.targets
    whole = combined_json_data(report)
    assert {k: v for k, v in data.items() if k != "targets"} == {
        k: v for k, v in whole.items() if k != "targets"
    }
    assert validate_report(data, "combined-report") == []


@pytest.mark.parametrize(
    ("report", "status"),
    [
        pytest.param(organization(), "incomplete", id="incomplete-target"),
        pytest.param(organization(discovery_failed=True), "incomplete", id="discovery-failed"),
        pytest.param(combined([organization().targets[2]]), "complete", id="complete"),
        pytest.param(combined([]), "incomplete", id="no-targets"),
        pytest.param(
            combined([], errors=[DISCOVERY_ERROR]), "incomplete", id="no-targets-discovery-failed"
        ),
    ],
)
def test_rendered_combined_reports_validate(report: CombinedReport, status: str) -> None:
    data = _parsed(report)
    assert validate_report(data, "combined-report") == []
    assert data["status"] == status


def test_empty_targets_are_valid_json_and_incomplete() -> None:
    data = _parsed(combined([]))
    assert data["targets"] == [] and data["summary"]["targets"] == 0
    # Nothing audited proves nothing: the run's own error says why.
    assert data["status"] == "incomplete"
    assert [error["operation"] for error in data["errors"]] == ["AuditTargets"]


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["targets", 0, "name"], None, "targets[0].name"),
        (["targets", 0, "unknown"], 1, "targets[0]"),
        (["targets", 0, "summary", "findings"], -1, "targets[0].summary.findings"),
        (["summary", "worst"], "prod", "summary.worst"),
        (["status"], "partial", "status"),
        (["errors", 0], {"service": "organizations"}, "errors[0]"),
    ],
)
def test_schema_rejects_a_broken_combined_report(path: list[Any], value: Any, where: str) -> None:
    data = _parsed(organization(discovery_failed=True))
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    errors = validate_report(data, "combined-report")
    assert any(error.startswith(f"{where}: ") for error in errors), errors


def test_a_target_entry_without_its_name_is_rejected() -> None:
    data = _parsed(organization())
    del data["targets"][1]["name"]
    assert any(
        "'name' is a required property" in e for e in validate_report(data, "combined-report")
    )


def test_the_report_schema_still_rejects_a_name() -> None:
    """report.schema.json keeps its published meaning: a single report has no `name`."""
    entry = _parsed(organization())["targets"][0]
    assert validate_report(entry) != []
    del entry["name"]
    assert validate_report(entry) == []


def test_the_combined_schema_covers_every_model_field() -> None:
    """A field added to CombinedReport or its summary must be added to the published schema
    (additionalProperties: false: the reports would stop validating)."""
    schema = load_schema("combined-report")
    assert set(schema["properties"]) == set(CombinedReport.model_fields)
    summary = schema["properties"]["summary"]
    assert set(summary["properties"]) == set(CombinedSummary.model_fields)
    assert set(summary["required"]) == set(CombinedSummary.model_fields) - {"accepted"}
