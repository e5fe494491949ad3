"""Secrets never appear: with sentinel AWS keys, session token and Slack credentials in the
environment, no command (failing ones included) shows any of them, plain or URL-encoded, in
stdout, stderr, a report, the state, a snapshot, a baseline draft or a log record."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.support.cli import CliResult, invoke
from tests.support.slack import FakeSlack, Scripted
from tests.support.world import World

ACCESS_KEY = "AKIASENTINEL0KEY0ID1"
SECRET_KEY = "sentinel/Secret+Access=Key0000000000000"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjSENTINEL/session+token=="
BOT_TOKEN = "xoxb-000-sentinel-bot-token"
WEBHOOK_SECRET = "sentinelWebhookSecret0"
SECRETS = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, BOT_TOKEN, WEBHOOK_SECRET)
CLOSED = "http://127.0.0.1:9"
# What AWS itself echoes back in some errors: the Authorization header (IncompleteSignature)
# or the canonical request with the token header (SignatureDoesNotMatch).
ECHOED_AUTHORIZATION = (
    "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 "
    f"Credential={ACCESS_KEY}/20240101/us-east-1/iam/aws4_request"
)
ECHOED_CANONICAL_REQUEST = (
    "The request signature we calculated does not match the signature you provided. "
    "The Canonical String for this request should have been 'POST\n/\n\n"
    "content-type:application/x-amz-json-1.1\nhost:127.0.0.1\n"
    f"x-amz-date:20240101T000000Z\nx-amz-security-token:{SESSION_TOKEN}\n'"
)


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret), quote(secret, safe=""), quote_plus(secret)}


@dataclass
class Exposure:
    """Everything the commands showed or wrote."""

    texts: dict[str, str] = field(default_factory=dict)

    def add(self, label: str, result: CliResult) -> None:
        self.texts[f"{label} stdout"] = result.stdout
        self.texts[f"{label} stderr"] = result.stderr

    def add_files(self, folder: Path) -> None:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "baseline.yaml":  # all but the input
                self.texts[str(path.relative_to(folder))] = path.read_text(errors="replace")

    def leaks(self) -> list[tuple[str, str]]:
        return [
            (label, form)
            for label, text in self.texts.items()
            for secret in SECRETS
            for form in _forms(secret)
            if form in text
        ]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.stop()


@pytest.fixture
def sentinels(
    monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> Iterator[Exposure]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_CHANNEL", "#audit")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    caplog.set_level(logging.DEBUG, logger="auditor")
    caplog.set_level(logging.INFO)
    exposure = Exposure()
    yield exposure
    exposure.texts["log records"] = "\n".join(
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if not r.name.startswith(("moto", "werkzeug"))  # the emulator's, not ours
    )
    assert exposure.leaks() == []


def _run(world: World, *extra: str, endpoint: str | None = None) -> CliResult:
    out = world.folder / "out"
    return invoke(
        [
            "run",
            "--baseline",
            str(world.baseline_path),
            "-f",
            "json",
            "-o",
            str(out / "report.json"),
            "--state",
            str(out / "state.json"),
            "--endpoint-url",
            endpoint or world.url,
            "--max-attempts",
            "2",
            *extra,
        ]
    )


def _drift(world: World, name: str) -> None:
    """A change since the last run, so that the next one alerts."""
    world.client("cognito-idp").create_group(UserPoolId=world.user_pool_id, GroupName=name)


def test_runs_and_alerts_show_no_secret(
    world: World, slack: FakeSlack, sentinels: Exposure, monkeypatch: pytest.MonkeyPatch
) -> None:
    _drift(world, "zero")
    sentinels.add("run", _run(world, "--slack"))
    assert slack.requests and slack.requests[-1].headers["Authorization"] == f"Bearer {BOT_TOKEN}"

    _drift(world, "one")
    slack.default = Scripted(500, '{"ok": false, "error": "fatal_error"}')
    sentinels.add("slack 500", _run(world, "--slack"))
    _drift(world, "two")
    slack.default = Scripted(200, '{"ok": false, "error": "invalid_auth"}')
    result = _run(world, "--slack")
    sentinels.add("slack invalid_auth", result)
    assert "slack chat.postMessage failed" in result.stderr  # the failure itself is told

    monkeypatch.delenv("SLACK_BOT_TOKEN")
    webhook = f"http://127.0.0.1:{slack.port}/services/T0/B0/{WEBHOOK_SECRET}"
    monkeypatch.setenv("SLACK_WEBHOOK_URL", webhook)
    _drift(world, "three")
    # A proxy that quotes the request back, plain and URL-encoded.
    slack.default = Scripted(403, f"invalid_token: {quote(webhook, safe='')} {webhook}")
    result = _run(world, "--slack")
    sentinels.add("webhook 403", result)
    assert "slack webhook failed" in result.stderr
    monkeypatch.setenv("SLACK_WEBHOOK_URL", f"{CLOSED}/services/T0/B0/{WEBHOOK_SECRET}")
    _drift(world, "four")
    result = _run(world, "--slack")
    sentinels.add("webhook unreachable", result)
    assert "slack webhook failed" in result.stderr
    sentinels.add_files(world.folder)


def test_failed_aws_reads_show_no_secret(world: World, sentinels: Exposure) -> None:
    world.emulator.inject_failure(
        "iam:GetAccountAuthorizationDetails",
        status=400,
        code="IncompleteSignature",
        message=ECHOED_AUTHORIZATION,
    )
    world.emulator.inject_failure(
        "cognito-idp:ListGroups", code="SignatureDoesNotMatch", message=ECHOED_CANONICAL_REQUEST
    )
    result = _run(world)
    assert result.exit_code == 3
    assert "IncompleteSignature" in result.stderr and "SignatureDoesNotMatch" in result.stderr
    sentinels.add("echoing AWS", result)
    snapshot = invoke(
        [
            "snapshot",
            "--baseline",
            str(world.baseline_path),
            "-o",
            str(world.folder / "out" / "snapshot.json"),
            "--endpoint-url",
            world.url,
        ]
    )
    assert snapshot.exit_code == 3
    sentinels.add("snapshot of echoing AWS", snapshot)
    world.emulator.clear_failures()
    sentinels.add("unreachable AWS", _run(world, endpoint=CLOSED))
    sentinels.add_files(world.folder)


def test_a_state_in_s3_that_cannot_be_read_or_written_shows_no_secret(
    world: World, sentinels: Exposure
) -> None:
    world.client("s3").create_bucket(Bucket="audit-state")
    state = ["--state", "s3://audit-state/state.json"]
    assert _run(world, *state).exit_code == 0  # the state is written
    for operation, label in (("s3:GetObject", "read"), ("s3:PutObject", "write")):
        world.emulator.inject_failure(
            operation, code="SignatureDoesNotMatch", message=ECHOED_CANONICAL_REQUEST
        )
        result = _run(world, *state)
        world.emulator.clear_failures()
        assert result.exit_code == 2
        assert f"s3://audit-state/state.json: cannot {label} state" in result.stderr
        sentinels.add(f"state {label}", result)


def test_every_other_command_shows_no_secret(world: World, sentinels: Exposure) -> None:
    out = world.folder / "out"
    endpoint = ["--endpoint-url", world.url]
    baseline = ["--baseline", str(world.baseline_path)]
    snapshot = str(out / "snapshot.json")
    commands = {
        "snapshot": ["snapshot", *baseline, "-o", snapshot, *endpoint],
        "offline run": ["run", *baseline, "--snapshot", snapshot, "-f", "json"],
        "explain": [
            "explain",
            *baseline,
            "--persona",
            "group:admin",
            "--route",
            "GET /items",
            *endpoint,
        ],
        "baseline init": [
            "baseline",
            "init",
            "--user-pool",
            world.user_pool_id,
            "--identity-pool",
            world.pool_id,
            "-o",
            str(out / "drafted.yaml"),
            *endpoint,
        ],
        "validate": ["validate", str(world.baseline_path)],
        "rules": ["rules"],
        "unknown pool": [
            "snapshot",
            "--user-pool",
            "us-east-1_Nope",
            "--identity-pool",
            world.pool_id,
            *endpoint,
        ],
    }
    for label, args in commands.items():
        sentinels.add(label, invoke(args))
    sentinels.add_files(world.folder)


def test_an_internal_error_shows_no_secret_even_with_debug(world: World, tmp_path: Path) -> None:
    # A directory where the report should go: the write fails past every input check.
    (tmp_path / "report.json").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLACK_"))}
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_SESSION_TOKEN=SESSION_TOKEN,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL=world.url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_CHANNEL="#audit",
        SLACK_API_URL=CLOSED + "/api/",
    )
    helps = subprocess.run(
        [sys.executable, "-m", "auditor", "--help"], capture_output=True, text=True, env=env
    ).stdout
    debug = ["--debug"] if "--debug" in helps else []
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor",
            *debug,
            "run",
            "--baseline",
            str(world.baseline_path),
            "-o",
            str(tmp_path / "report.json"),
            "--slack",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    exposure = Exposure({"stdout": done.stdout, "stderr": done.stderr})
    assert exposure.leaks() == []
