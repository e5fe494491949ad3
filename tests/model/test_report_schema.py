"""A report built through the pydantic models validates against report.schema.json."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from auditor.audit.catalog import make_finding
from auditor.model.findings import Finding, Issue, Severity, fingerprint
from auditor.model.report import (
    ApiTarget,
    GroupPair,
    MatrixCell,
    Report,
    ReportError,
    ReportTarget,
    RunChanges,
    Summary,
    ToolInfo,
)
from auditor.schemas import SCHEMA_NAMES, load_schema, validate_report, validator
from tests.support.reports import build_report as report_of
from tests.support.reports import sample_cells


def build_report() -> dict[str, Any]:
    findings = [
        make_finding(
            Issue(
                rule_id="excess-route",
                message="editors reach DELETE /items/{id}",
                resource="arn:aws:iam::123456789012:role/app-editors",
                persona="group:editors",
                route="DELETE /items/{id}",
                api_id="a1b2c3d4e5",
                evidence={"allowing": ["p#0"]},
            )
        ),
        make_finding(
            Issue(
                rule_id="classic-flow-enabled",
                message="classic flow is on",
                resource="us-east-1:0d3a1c2b",
            )
        ),
    ]
    resolved = make_finding(
        Issue(rule_id="group-missing", message="no group ops", resource="us-east-1_AbCdEf012")
    )
    report = Report(
        tool=ToolInfo(version="0.1.0"),
        generated_at="2024-05-01T12:00:00Z",
        status="incomplete",
        errors=[
            ReportError(
                service="iam", operation="GetAccountAuthorizationDetails", message="Throttling"
            )
        ],
        target=ReportTarget(
            account_id="123456789012",
            region="us-east-1",
            user_pool_id="us-east-1_AbCdEf012",
            identity_pool_id=None,
            apis=[ApiTarget(id="a1b2c3d4e5", stage="prod")],
        ),
        summary=Summary.of(findings),
        findings=findings,
        access_matrix=[
            MatrixCell(
                persona="group:admin",
                role_arn="arn:aws:iam::123456789012:role/app-admin",
                api_id="a1b2c3d4e5",
                stage="prod",
                route="GET /items",
                verdict="allowed",
                authorization_type="AWS_IAM",
                expected=True,
                allowing=["admin#0"],
                witness_allowed="GET /items",
            ),
            MatrixCell(
                persona="unauthenticated",
                role_arn=None,
                api_id="a1b2c3d4e5",
                stage="prod",
                route="$default",
                verdict="denied",
                authorization_type="NONE",
                expected=False,
                reasons=["no role"],
            ),
        ],
        group_pairs=[
            GroupPair(
                groups=("admin", "editors"),
                role_arn=None,
                outcome="ambiguous",
                detail="same precedence, different roles",
            )
        ],
        changes=RunChanges(
            new=[findings[0].fingerprint],
            still_open=[],
            resolved=[resolved],
            previous_snapshot_digest="abc",
        ),
        snapshot_digest="def",
    )
    data: dict[str, Any] = json.loads(report.to_json())
    return data


def test_full_report_is_valid() -> None:
    assert validate_report(build_report()) == []


def test_minimal_report_is_valid() -> None:
    report = Report(
        tool=ToolInfo(version="1"),
        generated_at="2024-05-01T12:00:00Z",
        status="complete",
        target=ReportTarget(region="eu-west-1"),
        summary=Summary.of([]),
    )
    assert validate_report(json.loads(report.to_json())) == []


def _set(data: dict[str, Any], path: list[Any], value: Any) -> None:
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["status"], "partial", "status"),
        (["schema_version"], 1, "schema_version"),
        (["findings", 0, "rule_id"], "made-up-rule", "findings[0].rule_id"),
        (["findings", 0, "severity"], "severe", "findings[0].severity"),
        (["findings", 0, "fingerprint"], _DELETE, "findings[0]"),
        (["access_matrix", 0, "verdict"], "maybe", "access_matrix[0].verdict"),
        (["access_matrix", 0, "colour"], "red", "access_matrix[0]"),
        (["summary", "by_severity", "info"], _DELETE, "summary.by_severity"),
        (["errors", 0, "operation"], _DELETE, "errors[0]"),
        (["target", "apis", 0, "id"], 5, "target.apis[0].id"),
        (["changes", "resolved", 0, "severity"], "nope", "changes.resolved[0].severity"),
        (["extra"], True, "(top level)"),
    ],
)
def test_invalid_variants_fail(path: list[Any], value: Any, where: str) -> None:
    data = copy.deepcopy(build_report())
    _set(data, path, value)
    errors = validate_report(data)
    assert errors, f"expected {path} = {value!r} to be rejected"
    assert any(e.startswith(f"{where}: ") for e in errors), errors


def test_severity_enum_matches_the_model() -> None:
    # The rule_id enum is checked against the registry in tests/audit/test_rule_catalog.py.
    schema = load_schema("report")
    assert schema["$defs"]["severity"]["enum"] == [s.value for s in Severity]


def test_schema_covers_every_model_field() -> None:
    """A field added to the models must be added to the schema (or reports stop validating)."""
    schema = load_schema("report")
    properties = schema["$defs"]["report"]["properties"]
    assert set(properties) == set(Report.model_fields)
    cell = properties["access_matrix"]["items"]["properties"]
    assert set(cell) == set(MatrixCell.model_fields)
    assert set(schema["$defs"]["finding"]["properties"]) == set(Finding.model_fields)
    pair = properties["group_pairs"]["items"]["properties"]
    assert set(pair) == set(GroupPair.model_fields)


def test_app_client_appears_only_where_paths_differ() -> None:
    """CONTRACT §6.1: the field is absent where every sign-in path agrees, and then the
    fingerprint is what it was before paths were told apart."""
    agreeing = make_finding(Issue(rule_id="excess-route", message="m", resource="r"))
    per_path = make_finding(
        Issue(rule_id="excess-route", message="m", resource="r", app_client="c1")
    )
    assert "app_client" not in json.loads(agreeing.model_dump_json())
    assert json.loads(per_path.model_dump_json())["app_client"] == "c1"
    assert agreeing.fingerprint == fingerprint("excess-route", "r", None, None, None)
    assert per_path.fingerprint != agreeing.fingerprint
    cell = sample_cells()[0]
    report = report_of([per_path], [cell, cell.model_copy(update={"app_client": "c1"})])
    data = json.loads(report.to_json())
    assert "app_client" not in data["access_matrix"][0]
    assert data["access_matrix"][1]["app_client"] == "c1"
    assert validate_report(data) == []


def test_finding_fields_are_in_the_contract_order() -> None:
    """Finding assembles its fields from shared bases; the JSON must still read in §4's order."""
    finding = make_finding(Issue(rule_id="missing-route", message="m", resource="r"))
    required = load_schema("report")["$defs"]["finding"]["required"]
    assert list(json.loads(finding.model_dump_json())) == required


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schemas_are_valid_2020_12(name: str) -> None:
    schema = load_schema(name)
    validator(name).check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{name}.schema.json")


def test_unknown_schema_name() -> None:
    with pytest.raises(ValueError, match="unknown schema 'nope'"):
        load_schema("nope")
