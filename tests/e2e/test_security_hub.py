"""`--security-hub` through the CLI against the emulator's Security Hub: findings imported in
batches of at most 100, seen times and suppression carried, a failed import a report error.

The import is a write to the audited account: these tests use an emulator of their own, and
check its log against the read-only guard with the flag's opt-in; the session's emulator
(every other test) still fails the run on any BatchImportFindings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from auditor.emulator import EmulatorServer
from auditor.emulator.read_only import mutating_calls
from auditor.model.snapshot import Snapshot
from tests.support.aws import REGION
from tests.support.cli import invoke
from tests.support.snapshots import SmallApp, small_app

FLAG = "--security-hub"


@pytest.fixture(scope="module")
def hub_emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def hub(hub_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    hub_emulator.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", hub_emulator.url)
    client = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client("securityhub", endpoint_url=hub_emulator.url)
    yield client
    # Whatever the test did, the auditor wrote nothing but what --security-hub allows.
    assert mutating_calls(hub_emulator.tool_operations(), opted_in=[FLAG]) == []


def offline(folder: Path, app: SmallApp) -> list[str]:
    (folder / "snapshot.json").write_text(Snapshot.model_validate(app.snapshot).to_json())
    (folder / "baseline.json").write_text(json.dumps(app.baseline))
    return [
        "run",
        "--baseline",
        str(folder / "baseline.json"),
        "--snapshot",
        str(folder / "snapshot.json"),
        "-o",
        str(folder / "report.json"),
    ]


def public_routes(count: int) -> SmallApp:
    app = small_app()
    for index in range(count):
        app.add_route(f"GET /debug{index}", "NONE")
    return app


def asff_finding(finding_id: str) -> dict[str, Any]:
    """A finding with the fields the AWS Security Finding Format requires, and no more."""
    return {
        "Id": finding_id,
        "SchemaVersion": "2018-10-08",
        "ProductArn": "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
        "GeneratorId": "g",
        "AwsAccountId": "123456789012",
        "CreatedAt": "2024-05-01T12:00:00Z",
        "UpdatedAt": "2024-05-01T12:00:00Z",
        "Title": "t",
        "Description": "d",
        "Severity": {"Label": "HIGH"},
        "Resources": [{"Type": "Other", "Id": "r"}],
    }


def imported(hub: Any) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    for page in hub.get_paginator("get_findings").paginate():
        findings += page["Findings"]
    return findings


def test_findings_are_imported_in_batches_of_at_most_100(
    hub: Any, hub_emulator: EmulatorServer, tmp_path: Path
) -> None:
    done = invoke([*offline(tmp_path, public_routes(60)), FLAG])
    assert done.exit_code == 1, done
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["errors"] == [] and report["summary"]["findings"] > 100
    calls = hub_emulator.operations()["securityhub:BatchImportFindings"]
    assert calls == -(-report["summary"]["findings"] // 100)  # ceil: every batch full but one
    found = {f["Id"]: f for f in imported(hub)}
    assert set(found) == {f"cognito-route-auditor/{f['fingerprint']}" for f in report["findings"]}
    one = report["findings"][0]
    asff = found[f"cognito-route-auditor/{one['fingerprint']}"]
    assert asff["Severity"]["Label"] == one["severity"].upper()
    assert asff["Resources"][0]["Id"] == one["resource"]
    assert asff["RecordState"] == "ACTIVE"
    assert asff["FindingProviderFields"]["Severity"]["Label"] == one["severity"].upper()
    assert asff["AwsAccountId"] == report["target"]["account_id"]


def test_a_rerun_updates_the_same_findings(hub: Any, tmp_path: Path) -> None:
    args = [*offline(tmp_path, public_routes(2)), FLAG]
    assert invoke(args).exit_code == 1
    first = {f["Id"] for f in imported(hub)}
    assert invoke(args).exit_code == 1
    assert {f["Id"] for f in imported(hub)} == first  # the fingerprint is the Id


def test_without_the_flag_nothing_is_imported(
    hub: Any, hub_emulator: EmulatorServer, tmp_path: Path
) -> None:
    assert invoke(offline(tmp_path, public_routes(2))).exit_code == 1
    assert not any(op.startswith("securityhub:") for op in hub_emulator.operations())
    # And the guard refuses the import to a run without the flag.
    assert mutating_calls({"securityhub:BatchImportFindings": 1}) == [
        "securityhub:BatchImportFindings"
    ]


def test_a_failed_import_is_a_report_error_not_a_crash(
    hub: Any, hub_emulator: EmulatorServer, tmp_path: Path
) -> None:
    hub_emulator.inject_failure(
        "securityhub:BatchImportFindings", code="AccessDeniedException", message="not allowed"
    )
    done = invoke([*offline(tmp_path, public_routes(1)), FLAG])
    assert done.exit_code == 1, done  # the audit's verdict, not a crash or "incomplete"
    report = json.loads((tmp_path / "report.json").read_text())
    assert [(e["service"], e["operation"]) for e in report["errors"]] == [
        ("securityhub", "BatchImportFindings")
    ]
    assert "AccessDeniedException" in report["errors"][0]["message"]
    assert "auditor: securityhub BatchImportFindings failed" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_emulator_refuses_what_security_hub_refuses(hub: Any) -> None:
    from botocore.exceptions import ClientError

    finding = asff_finding("x")
    with pytest.raises(ClientError, match="InvalidInputException"):
        hub.batch_import_findings(Findings=[{**finding, "Id": str(i)} for i in range(101)])
    assert hub.batch_import_findings(Findings=[finding])["SuccessCount"] == 1


def _accepting(folder: Path, app: SmallApp, expires: str) -> list[str]:
    """The run of `offline`, its baseline accepting every route-not-iam finding."""
    args = offline(folder, app)
    entry = {"rule": "route-not-iam", "reason": "SEC-9 debug routes", "expires": expires}
    (folder / "baseline.json").write_text(json.dumps({**app.baseline, "accepted": [entry]}))
    return args


def test_acceptance_reaches_security_hub_and_its_expiry_brings_the_finding_back(
    hub: Any, tmp_path: Path
) -> None:
    """BatchImportFindings cannot change a finding's Workflow or Note once it exists (the
    emulator keeps them, as AWS does): acceptance is told with RecordState, which a provider
    may update, so a finding first imported open is archived once accepted, and active again
    once the acceptance expired."""
    app = public_routes(1)
    assert invoke([*offline(tmp_path, app), FLAG]).exit_code == 1
    report = json.loads((tmp_path / "report.json").read_text())
    [public] = [f for f in report["findings"] if f["rule_id"] == "route-not-iam"]
    key = f"cognito-route-auditor/{public['fingerprint']}"

    def state() -> tuple[str, str | None]:
        found = {f["Id"]: f for f in imported(hub)}[key]
        return found["RecordState"], found.get("ProductFields", {}).get("accepted")

    assert state() == ("ACTIVE", None)
    invoke([*_accepting(tmp_path, app, "2999-12-31"), FLAG])
    assert state() == ("ARCHIVED", "SEC-9 debug routes")
    invoke([*_accepting(tmp_path, app, "2000-01-01"), FLAG])  # expired: counts again
    assert state() == ("ACTIVE", None)


def test_a_finding_resolved_since_the_last_run_is_archived(hub: Any, tmp_path: Path) -> None:
    state = ["--state", str(tmp_path / "state.json")]
    assert invoke([*offline(tmp_path, public_routes(1)), *state, FLAG]).exit_code == 1
    before = {f["Id"]: f["RecordState"] for f in imported(hub)}
    assert set(before.values()) == {"ACTIVE"}
    invoke([*offline(tmp_path, small_app()), *state, FLAG])  # the public route is gone
    after = {f["Id"]: f["RecordState"] for f in imported(hub)}
    # The public route's findings are archived (this run's changed-since-last-run is new).
    assert {key: after[key] for key in before} == dict.fromkeys(before, "ARCHIVED")


def test_the_emulator_keeps_the_customer_fields_of_an_existing_finding(hub: Any) -> None:
    finding = {**asff_finding("kept"), "Workflow": {"Status": "NEW"}}
    hub.batch_import_findings(Findings=[finding])
    hub.batch_import_findings(Findings=[{**finding, "Workflow": {"Status": "SUPPRESSED"}}])
    [stored] = imported(hub)
    assert stored["Workflow"]["Status"] == "NEW"
