"""Shared fixtures: a moto server on loopback (session) and a clean AWS for each test.

No test can reach real AWS: every test runs with fake keys, no profile or config files, no
instance metadata, and an endpoint pointing at loopback (a closed port unless it uses `aws`).

The auditor only reads: every call it made to the session's emulator over the whole run (its
User-Agent says so) is checked against the read-only allow-list at the end, and any other
call fails the session.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import boto3
import pytest

from auditor.emulator import EmulatorServer
from auditor.emulator.read_only import violation_report
from tests.support.aws import REGION, Aws

# What the auditor called on the session emulator, kept when the emulator stops.
_TOOL_OPERATIONS: Counter[str] = Counter()

_CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens, nothing leaves


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    empty.touch()
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", _CLOSED_PORT_URL)


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    """One moto server (with our extensions) for the whole session; `.url`, `.operations()`."""
    server = EmulatorServer().start()
    try:
        yield server
    finally:
        _TOOL_OPERATIONS.update(server.tool_operations())
        server.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if the auditor made any call that is not a read."""
    report = violation_report(_TOOL_OPERATIONS)
    if report is None:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write("\n")
        reporter.write_sep("=", "mutating AWS calls", red=True)
        reporter.write_line(report)
    else:
        print(report)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def aws(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Aws:
    """Reset the emulator and point boto3 (env and session) at it."""
    emulator.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    return Aws(url=emulator.url, region=REGION, session=session, emulator=emulator)
