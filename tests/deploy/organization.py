"""Several member accounts in the emulator and the organization runner's chain, as the state
machine runs it: plan -> one target_handler per item (in a thread pool, as the Distributed
Map) -> aggregate. The `org` fixture is in conftest.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.unattended.organization_lambda import (
    aggregate_handler,
    plan_handler,
    target_handler,
)
from tests.support.accounts import account_session, create_auditor_role, seed_account
from tests.support.aws import Aws
from tests.support.slack import TOKEN, FakeSlack
from tests.support.world import World

BUCKET = "org-audit-reports"
CENTRAL = "123456789012"  # the emulator's default account: the Lambdas' own credentials
EXTERNAL_ID = "ext-org-7f3a"
ACCOUNTS = {"alpha": "111111111111", "beta": "222222222222", "gamma": "333333333333"}

TARGETS_YAML = f"""\
version: 1
defaults:
  region: us-east-1
  role_name: cognito-route-auditor
  external_id: {EXTERNAL_ID}
  baseline: "baselines/{{account_id}}.yaml"
targets:
  - {{name: alpha, account_id: "{ACCOUNTS["alpha"]}"}}
  - {{name: beta, account_id: "{ACCOUNTS["beta"]}"}}
  - {{name: gamma, account_id: "{ACCOUNTS["gamma"]}"}}
"""


@dataclass
class Organization:
    aws: Aws
    worlds: dict[str, World]
    slack: FakeSlack
    config: Path  # the targets file and baselines, as uploaded under config/

    def s3(self) -> Any:
        return self.aws.client("s3")

    def object(self, key: str) -> Any:
        return json.loads(self.s3().get_object(Bucket=BUCKET, Key=key)["Body"].read())

    def object_keys(self) -> list[str]:
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


def make_org(aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Organization]:
    """Three member accounts, each with its pool and APIs; alpha and beta trust the central
    account with the external id, gamma wants another id (its AssumeRole is denied). The
    targets file and baselines in the bucket's config/ folder."""
    config = tmp_path / "config"
    worlds = {
        name: seed_account(aws.emulator, account, config, baseline_name=f"baselines/{account}.yaml")
        for name, account in ACCOUNTS.items()
    }
    for name, account in ACCOUNTS.items():
        wanted = EXTERNAL_ID if name != "gamma" else "another-id"
        create_auditor_role(account_session(aws.emulator, account), CENTRAL, wanted)
    (config / "targets.yaml").write_text(TARGETS_YAML, encoding="utf-8")
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    for path in config.rglob("*.yaml"):
        key = f"config/{path.relative_to(config).as_posix()}"
        s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())
    slack = FakeSlack()
    for name in ("TARGETS_PATH", "SLACK_SECRET_ARN", "SLACK_SSM_PARAMETER", "SLACK_ALWAYS"):
        monkeypatch.delenv(name, raising=False)
    secret = aws.client("secretsmanager").create_secret(
        Name="auditor/slack",
        SecretString=json.dumps(
            {"bot_token": TOKEN, "channel": "#audit", "api_url": slack.api_url}
        ),
    )
    monkeypatch.setenv("SLACK_SECRET_ARN", secret["ARN"])
    monkeypatch.setenv("REPORT_BUCKET", BUCKET)
    monkeypatch.setenv("TARGETS_S3_URI", f"s3://{BUCKET}/config/targets.yaml")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "lambda-tmp"))
    try:
        yield Organization(aws, worlds, slack, config)
    finally:
        slack.stop()


def run_machine(run_id: str, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The state machine's chain in-process; the targets named in `skip` are never run (an
    invocation that failed and left nothing)."""
    plan = plan_handler({"run_id": run_id}, None)
    import boto3

    s3 = boto3.client("s3")
    items = json.loads(s3.get_object(Bucket=plan["bucket"], Key=plan["items_key"])["Body"].read())
    assert len(items) == plan["targets"]
    todo = [item for item in items if item["name"] not in skip]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda item: target_handler({"run_id": run_id, "target": item}, None), todo))
    return aggregate_handler(
        {"run_id": run_id, "bucket": plan["bucket"], "items_key": plan["items_key"]}, None
    )
