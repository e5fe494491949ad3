"""The single Lambda's small-organization mode: TARGETS_S3_URI or TARGETS_PATH runs
`run --targets` in one invocation (one combined report, per-target state, one alert)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditor.model.errors import InputError
from auditor.unattended.aws_lambda import handler, targets_path
from tests.deploy.organization import ACCOUNTS, BUCKET, EXTERNAL_ID, Organization


def test_targets_in_the_bucket_one_report_one_alert(org: Organization) -> None:
    beta = org.worlds["beta"]
    beta.client("cognito-idp").create_group(GroupName="testers", UserPoolId=beta.user_pool_id)

    summary = handler({}, None)

    assert summary["status"] == "incomplete" and summary["exit_code"] == 3
    assert (summary["targets"], summary["complete"], summary["incomplete"]) == (3, 2, 1)
    report = org.object("reports/latest.json")
    assert report == org.object(summary["report_keys"]["json"])
    by_name = {entry["name"]: entry for entry in report["targets"]}
    assert [by_name[name]["status"] for name in ACCOUNTS] == ["complete", "complete", "incomplete"]
    assert "group-undeclared" in {f["rule_id"] for f in by_name["beta"]["findings"]}
    assert [(e["service"], e["operation"]) for e in by_name["gamma"]["errors"]] == [
        ("sts", "AssumeRole")
    ]
    assert (
        "<html"
        in org.s3()
        .get_object(Bucket=BUCKET, Key="reports/latest.html")["Body"]
        .read()
        .decode()
        .lower()
    )
    [message] = org.slack.requests
    assert "beta" in json.dumps(message.body)
    keys = org.object_keys()
    assert {"state/alpha.us-east-1.json", "state/beta.us-east-1.json"} <= set(keys)
    assert "state/state.json" not in keys  # the single-target state is not touched
    for key in (key for key in keys if not key.startswith("config/")):  # what the tool wrote
        body = org.s3().get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
        assert EXTERNAL_ID not in body, key

    again = handler({}, None)
    assert again["exit_code"] == 3 and len(org.slack.requests) == 1  # nothing new: no message


def test_packaged_targets_file(org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TARGETS_S3_URI")
    monkeypatch.setenv("TARGETS_PATH", str(org.config / "targets.yaml"))
    summary = handler({}, None)
    assert summary["targets"] == 3 and summary["incomplete"] == 1


def test_a_key_outside_the_folder_is_refused(org: Organization) -> None:
    org.s3().put_object(Bucket=BUCKET, Key="config/../escape.yaml", Body=b"x: 1\n")
    with pytest.raises(InputError) as raised:
        handler({}, None)
    assert "not below the folder" in str(raised.value)


def test_bad_targets_file_is_an_input_error_naming_it(org: Organization) -> None:
    org.s3().put_object(Bucket=BUCKET, Key="config/targets.yaml", Body=b"version: 1\ntargets: 3\n")
    with pytest.raises(InputError) as raised:
        handler({}, None)
    assert "targets.yaml" in str(raised.value)
    assert "Contents" not in org.s3().list_objects_v2(Bucket=BUCKET, Prefix="reports/")


def test_a_target_without_a_region_is_audited_in_its_baseline_s_not_the_lambda_s(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Lambda's region is no --region: below the baseline's (as boto3's default is in
    `run`). Here the Lambda runs in eu-west-1, alpha's baseline and pool in us-east-1."""
    alpha = ACCOUNTS["alpha"]
    targets = (
        "version: 1\n"
        f"defaults: {{role_name: cognito-route-auditor, external_id: {EXTERNAL_ID}}}\n"
        f'targets: [{{name: alpha, account_id: "{alpha}", baseline: baselines/{alpha}.yaml}}]\n'
    )
    org.s3().put_object(Bucket=BUCKET, Key="config/targets.yaml", Body=targets.encode())
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("SLACK_SECRET_ARN")  # a secret of us-east-1: no alert in this test

    summary = handler({}, None)

    report = org.object("reports/latest.json")
    [entry] = report["targets"]
    assert (entry["status"], entry["target"]["region"]) == ("complete", "us-east-1"), entry
    assert summary["exit_code"] in (0, 1)
    assert "state/alpha.json" in org.object_keys()


def test_the_copied_targets_folder_is_removed_after_the_run(org: Organization) -> None:
    copies = Path(os.environ["TMPDIR"]) / "targets"
    handler({}, None)
    assert not copies.exists() or list(copies.iterdir()) == []


def test_the_state_machine_keeps_one_run_s_copy_per_container(org: Organization) -> None:
    env = dict(os.environ)
    copies = Path(env["TMPDIR"]) / "targets"
    first = targets_path(org.s3(), env, "run-1")
    assert targets_path(org.s3(), env, "run-1") == first  # its other targets reuse it
    targets_path(org.s3(), env, "run-2")
    assert [p.name for p in copies.iterdir()] == ["run-2"]  # run-1 is done with
