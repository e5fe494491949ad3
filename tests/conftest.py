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
from tests.support.aws import AMBIENT_AWS_ENV, REGION, Aws, offline_aws_env

# What the auditor called on the session emulator, kept when the emulator stops.
_TOOL_OPERATIONS: Counter[str] = Counter()


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    empty.touch()
    for name in AMBIENT_AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in offline_aws_env(str(empty)).items():
        monkeypatch.setenv(name, value)


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
