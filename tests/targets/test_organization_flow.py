"""The pieces of lane A together against the emulator: a targets file with `organization:`,
discovery, expansion, and each discovered target read through its own role."""

from __future__ import annotations

from pathlib import Path

import yaml

from auditor.collect import AwsOptions, collect_snapshot
from auditor.collect.organizations import discover_accounts
from auditor.commands.run import target_of
from auditor.model.baseline_file import load_baseline
from auditor.model.snapshot import Snapshot
from auditor.model.targets import Target
from auditor.model.targets_file import load_targets
from tests.support.accounts import (
    account_session,
    create_auditor_role,
    create_organization,
    seed_account,
)
from tests.support.aws import Aws

MANAGEMENT = "123456789012"  # the run's own credentials
EXTERNAL_ID = "ext-org-42"


def collect(aws: Aws, target: Target) -> Snapshot:
    options = AwsOptions(
        region=target.region,
        endpoint_url=aws.url,
        role_arn=target.role_arn,
        external_id=target.external_id,
        max_attempts=1,
    )
    return collect_snapshot(target_of(load_baseline(target.baseline)), options)


def test_discovered_accounts_are_read_through_their_roles(aws: Aws, tmp_path: Path) -> None:
    org = create_organization(
        aws.emulator, MANAGEMENT, {"ous": {"apps": {"accounts": ["ready", "no-role"]}}}
    )
    ready, no_role = org.accounts["ready"], org.accounts["no-role"]
    seed_account(
        aws.emulator, ready, tmp_path / "world", baseline_name=f"../baselines/{ready}.yaml"
    )
    seed_account(
        aws.emulator, no_role, tmp_path / "world2", baseline_name=f"../baselines/{no_role}.yaml"
    )
    create_auditor_role(
        account_session(aws.emulator, ready), MANAGEMENT, EXTERNAL_ID, endpoint_url=aws.url
    )
    targets_path = tmp_path / "targets.yaml"
    targets_path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "defaults": {
                    "role_name": "cognito-route-auditor",
                    "external_id": EXTERNAL_ID,
                    "baseline": "baselines/{account_id}.yaml",
                },
                "organization": {"ou": org.ous["apps"], "regions": ["us-east-1"]},
            }
        ),
        encoding="utf-8",
    )
    targets_file = load_targets(targets_path)
    assert targets_file.organization is not None
    discovery = discover_accounts(targets_file.organization, AwsOptions(endpoint_url=aws.url))
    assert discovery.errors == []
    targets = targets_file.expand(discovery.accounts)
    assert sorted(t.name for t in targets) == sorted([ready, no_role])

    snapshots = {t.name: collect(aws, t) for t in targets}
    assert snapshots[ready].errors == [] and snapshots[ready].account_id == ready
    (error,) = snapshots[no_role].errors
    assert (error.service, error.operation) == ("sts", "AssumeRole")
    assert error.resource == f"arn:aws:iam::{no_role}:role/cognito-route-auditor"
