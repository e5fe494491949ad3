"""`run --targets` end to end against the emulator with several accounts: roles assumed with
an external id, a role that cannot be assumed, per-account drift, discovery through
Organizations (a nested OU), and a bad targets file refused before any AWS call."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.emulator import EmulatorServer
from tests.many.conftest import by_name, combined, rule_ids
from tests.support.accounts import (
    account_session,
    create_auditor_role,
    create_organization,
    seed_account,
)
from tests.support.aws import Aws
from tests.support.cli import invoke
from tests.support.world import World

CENTRAL = "123456789012"  # the emulator's default account: the run's own credentials
PROD, STAGE, LOCKED = "111111111111", "222222222222", "333333333333"
EXTERNAL_ID = "ext-123"
# Every account's role by name, the external id its trust policy asks for, its own baseline.
DEFAULTS = {
    "role_name": "cognito-route-auditor",
    "external_id": EXTERNAL_ID,
    "baseline": "{account_id}.yaml",
}


def member(emulator: EmulatorServer, account: str, folder: Path, external_id: str) -> World:
    """A seeded account with the auditor role trusting the central one, its baseline in
    `folder/<account>.yaml`."""
    world = seed_account(emulator, account, folder / account, baseline_name=f"../{account}.yaml")
    create_auditor_role(
        account_session(emulator, account), CENTRAL, external_id, endpoint_url=emulator.url
    )
    return world


def write_targets(folder: Path, data: dict[str, Any]) -> Path:
    path = folder / "targets.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def undeclare_editors(world: World, folder: Path, account: str) -> None:
    """The account's baseline no longer declares the editors' routes: its live grant is drift."""
    data = copy.deepcopy(world.baseline)
    data["groups"]["editors"]["routes"] = []
    (folder / f"{account}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


def run(path: Path, *extra: str) -> Any:
    return invoke(["run", "--targets", str(path), "--format", "json", *extra])


def test_roles_are_assumed_with_the_external_id_and_each_account_reports_its_drift(
    aws: Aws, tmp_path: Path
) -> None:
    prod = member(aws.emulator, PROD, tmp_path, EXTERNAL_ID)
    member(aws.emulator, STAGE, tmp_path, "stage-only-id")
    undeclare_editors(prod, tmp_path, PROD)
    path = write_targets(
        tmp_path,
        {
            "version": 1,
            "defaults": {"region": "us-east-1", **DEFAULTS},
            "targets": [
                {"name": "prod", "account_id": PROD},
                {
                    "name": "stage",
                    "account_id": STAGE,
                    "role_arn": f"arn:aws:iam::{STAGE}:role/cognito-route-auditor",
                    "external_id": "stage-only-id",
                },
            ],
        },
    )
    aws.emulator.clear_operations()
    result = run(path)
    assert result.exit_code == 1, result.stderr
    entries = by_name(combined(result.stdout))
    assert entries["prod"]["target"]["account_id"] == PROD
    assert entries["stage"]["target"]["account_id"] == STAGE
    assert rule_ids(entries["prod"]) and entries["stage"]["findings"] == []
    assert aws.emulator.operations()["sts:AssumeRole"] >= 2
    # The external id is a secret: never in the report or on stderr.
    assert EXTERNAL_ID not in result.stdout + result.stderr
    assert "stage-only-id" not in result.stdout + result.stderr


def test_a_role_that_cannot_be_assumed_is_that_target_incomplete_and_the_others_complete(
    aws: Aws, tmp_path: Path
) -> None:
    prod = member(aws.emulator, PROD, tmp_path, EXTERNAL_ID)
    member(aws.emulator, LOCKED, tmp_path, "another-external-id")  # the run passes the wrong one
    undeclare_editors(prod, tmp_path, PROD)
    path = write_targets(
        tmp_path,
        {
            "version": 1,
            "defaults": {"region": "us-east-1", **DEFAULTS},
            "targets": [
                {"name": "locked", "account_id": LOCKED},
                {"name": "prod", "account_id": PROD},
            ],
        },
    )
    result = run(path, "--fail-on", "none")
    assert result.exit_code == 3, result.stderr
    report = combined(result.stdout)
    entries = by_name(report)
    locked = entries["locked"]
    assert locked["status"] == "incomplete" and locked["findings"] == []
    assert [(e["service"], e["operation"]) for e in locked["errors"]] == [("sts", "AssumeRole")]
    assert "AccessDenied" in locked["errors"][0]["message"]
    assert entries["prod"]["status"] == "complete" and rule_ids(entries["prod"])
    assert report["summary"]["incomplete"] == 1 and report["summary"]["worst"][0] == "locked"
    assert "auditor: locked: sts AssumeRole failed: AccessDenied" in result.stderr


def test_an_organization_s_accounts_are_discovered_in_a_nested_ou_after_the_listed_ones(
    aws: Aws, tmp_path: Path
) -> None:
    org = create_organization(
        aws.emulator,
        CENTRAL,
        {
            "accounts": ["outside"],
            "ous": {"prod": {"accounts": ["p1"], "ous": {"eu": {"accounts": ["p2"]}}}},
        },
    )
    discovered = org.account_ids("p1", "p2")
    for account in [PROD, *discovered]:
        member(aws.emulator, account, tmp_path, EXTERNAL_ID)
    path = write_targets(
        tmp_path,
        {
            "version": 1,
            "defaults": DEFAULTS,
            "targets": [{"name": "listed", "account_id": PROD, "region": "us-east-1"}],
            "organization": {"ou": org.ous["prod"], "regions": ["us-east-1"]},
        },
    )
    result = run(path)
    assert result.exit_code == 0, result.stderr
    report = combined(result.stdout)
    assert [entry["name"] for entry in report["targets"]] == ["listed", *discovered]
    assert org.accounts["outside"] not in result.stdout  # not under the OU
    assert all(entry["status"] == "complete" for entry in report["targets"])
    assert [entry["target"]["account_id"] for entry in report["targets"]] == [PROD, *discovered]


def test_a_discovered_account_without_a_baseline_is_that_target_incomplete(
    aws: Aws, tmp_path: Path
) -> None:
    org = create_organization(aws.emulator, CENTRAL, {"ous": {"prod": {"accounts": ["p1", "p2"]}}})
    with_baseline, without = org.account_ids("p1", "p2")
    member(aws.emulator, with_baseline, tmp_path, EXTERNAL_ID)
    member(aws.emulator, without, tmp_path, EXTERNAL_ID)
    (tmp_path / f"{without}.yaml").unlink()  # a new account nobody wrote a baseline for yet
    path = write_targets(
        tmp_path,
        {
            "version": 1,
            "defaults": DEFAULTS,
            "organization": {"ou": org.ous["prod"], "regions": ["us-east-1"]},
        },
    )
    result = run(path)
    assert result.exit_code == 3, result.stderr
    entries = by_name(combined(result.stdout))
    assert entries[with_baseline]["status"] == "complete"
    missing = entries[without]
    assert missing["status"] == "incomplete" and missing["target"]["account_id"] == without
    assert [(e["service"], e["operation"]) for e in missing["errors"]] == [
        ("auditor", "ReadBaseline")
    ]
    assert f"{without}.yaml" in missing["errors"][0]["message"]


@pytest.mark.parametrize(
    ("targets", "words"),
    [
        (
            [{"name": "a", "region": "us-east-1"}, {"name": "a", "region": "us-east-1"}],
            "targets",
        ),
        ([{"name": "a", "baseline": "missing.yaml", "region": "us-east-1"}], "missing.yaml"),
    ],
)
def test_a_bad_targets_file_is_exit_2_before_any_aws_call(
    aws: Aws, tmp_path: Path, targets: list[dict[str, Any]], words: str
) -> None:
    world = seed_account(aws.emulator, PROD, tmp_path / "w", baseline_name="../b.yaml")
    del world
    for target in targets:
        target.setdefault("baseline", "b.yaml")
    path = write_targets(tmp_path, {"version": 1, "targets": targets})
    aws.emulator.clear_operations()
    result = run(path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path.name) in lines[0] and words in lines[0]
    assert aws.emulator.operations() == {}
