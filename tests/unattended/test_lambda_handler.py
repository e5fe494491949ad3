"""The Lambda handler against the emulator: S3 reports and state, Slack secret, summary."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from auditor.model.errors import InputError
from auditor.unattended.aws_lambda import handler
from tests.support.aws import Aws
from tests.support.slack import TOKEN, FakeSlack
from tests.support.world import World, build_world

BUCKET = "audit-reports"


@pytest.fixture
def world(aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    built = build_world(aws.emulator, aws.session, tmp_path)
    aws.client("s3").create_bucket(Bucket=BUCKET)
    for name in (
        "BASELINE_PATH",
        "BASELINE_S3_URI",
        "SLACK_SECRET_ARN",
        "SLACK_SSM_PARAMETER",
        "SLACK_BOT_TOKEN",
        "SLACK_CHANNEL",
        "SLACK_WEBHOOK_URL",
        "SLACK_API_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REPORT_BUCKET", BUCKET)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    return built


def _object(world: World, key: str) -> str:
    body: bytes = world.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return body.decode()


def test_reports_state_and_bot_alert(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    slack = FakeSlack()
    try:
        secret = world.client("secretsmanager").create_secret(
            Name="auditor/slack",
            SecretString=json.dumps(
                {"bot_token": TOKEN, "channel": "#audit", "api_url": slack.api_url}
            ),
        )
        monkeypatch.setenv("SLACK_SECRET_ARN", secret["ARN"])
        monkeypatch.setenv("BASELINE_PATH", str(world.baseline_path))
        world.client("cognito-idp").create_group(GroupName="testers", UserPoolId=world.user_pool_id)

        first: dict[str, Any] = handler({}, None)

        assert first["status"] == "complete" and first["exit_code"] == 1
        assert first["by_severity"]["medium"] == 1 and first["new"] == 2
        keys = first["report_keys"]
        assert keys["json"].startswith("reports/") and keys["json"].endswith(".json")
        assert len(keys["json"].split("/")) == 5  # reports/YYYY/MM/DD/<stamp>.json
        report = json.loads(_object(world, keys["json"]))
        assert json.loads(_object(world, "reports/latest.json")) == report
        assert "<html" in _object(world, keys["html"]).lower()
        assert _object(world, "reports/latest.html") == _object(world, keys["html"])
        state = _object(world, "state/state.json")
        assert TOKEN not in state and TOKEN not in json.dumps(report)
        [request] = slack.requests
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert keys["html"] in json.dumps(request.body["blocks"])  # the link to the report

        second = handler({}, None)
        assert second["new"] == 0 and len(slack.requests) == 1  # nothing changed: no alert
    finally:
        slack.stop()
    assert "SLACK_BOT_TOKEN" not in os.environ  # not left behind in a warm container


def test_baseline_from_s3_and_webhook_from_ssm(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack = FakeSlack()
    try:
        world.client("s3").put_object(
            Bucket=BUCKET, Key="config/baseline.yaml", Body=world.baseline_path.read_bytes()
        )
        world.client("ssm").put_parameter(
            Name="/auditor/slack",
            Type="SecureString",
            Value=json.dumps({"webhook_url": slack.webhook_url}),
        )
        monkeypatch.setenv("BASELINE_S3_URI", f"s3://{BUCKET}/config/baseline.yaml")
        monkeypatch.setenv("SLACK_SSM_PARAMETER", "/auditor/slack")
        monkeypatch.setenv("SLACK_ALWAYS", "true")

        summary = handler({}, None)

        assert summary["exit_code"] == 0 and summary["findings"] == 0
        [request] = slack.requests  # a clean world, but SLACK_ALWAYS sends the counts
        assert request.path.startswith("/services/")
    finally:
        slack.stop()


def test_malformed_secret_is_refused_without_echoing_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = world.client("secretsmanager").create_secret(Name="bad", SecretString="xoxb-oops")
    monkeypatch.setenv("SLACK_SECRET_ARN", secret["ARN"])
    monkeypatch.setenv("BASELINE_PATH", str(world.baseline_path))
    with pytest.raises(InputError) as raised:
        handler({}, None)
    assert "xoxb-oops" not in str(raised.value)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("FAIL_ON", "severe", "FAIL_ON: 'severe' is not one of critical, high, medium, low, info"),
        ("MATRIX", "some", "MATRIX: 'some' is not one of full, differing, none"),
        ("REPORT_FORMATS", "json,pdf", "REPORT_FORMATS: 'pdf' is not one of json, html"),
        ("REPORT_FORMATS", "", "REPORT_FORMATS: '' is not one of"),
        ("BASELINE_S3_URI", "s3://only-a-bucket", "BASELINE_S3_URI: expected s3://bucket/key"),
        ("BASELINE_S3_URI", "/local/baseline.yaml", "BASELINE_S3_URI: expected s3://bucket/key"),
    ],
)
def test_bad_setting_is_an_input_error_naming_it(
    world: World, monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    if name != "BASELINE_S3_URI":
        monkeypatch.setenv("BASELINE_PATH", str(world.baseline_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError) as raised:
        handler({}, None)
    assert str(raised.value).startswith(says), str(raised.value)
    assert "Contents" not in world.client("s3").list_objects_v2(Bucket=BUCKET)  # nothing ran


def test_report_formats_each_written_dated_and_latest(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASELINE_PATH", str(world.baseline_path))
    monkeypatch.setenv("REPORT_FORMATS", "sarif, ocsf,junit,sarif")
    world.client("cognito-idp").create_group(GroupName="testers", UserPoolId=world.user_pool_id)
    summary: dict[str, Any] = handler({}, None)
    keys = summary["report_keys"]
    assert sorted(keys) == sorted(
        ["sarif", "latest_sarif", "ocsf", "latest_ocsf", "junit", "latest_junit"]
    )
    assert keys["latest_ocsf"] == "reports/latest.ocsf.json" and keys["junit"].endswith(".xml")
    sarif = json.loads(_object(world, keys["sarif"]))
    assert sarif["version"] == "2.1.0"
    assert "group-undeclared" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert _object(world, keys["latest_sarif"]) == _object(world, keys["sarif"])
    assert json.loads(_object(world, keys["ocsf"]))[0]["class_uid"] == 2004
    assert _object(world, keys["junit"]).startswith("<?xml")
    listed = world.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="reports/")["Contents"]
    assert len(listed) == 6  # no JSON or HTML unless asked for


def test_each_lambda_suffix_reads_back_as_its_format() -> None:
    """The keys the Lambda writes are named as `-o` reads suffixes: one table, not two."""
    from auditor.commands.options import suffix_format
    from auditor.unattended.aws_lambda import FORMAT_SUFFIXES

    assert FORMAT_SUFFIXES and all(
        suffix_format(f"report{suffix}") == fmt for fmt, suffix in FORMAT_SUFFIXES.items()
    )
