"""Fixtures for end-to-end runs: a clean seeded world per test, the CLI in-process or as a
subprocess, and the report reduced to the exact set of findings."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.emulator import EmulatorServer
from auditor.emulator.seed import Seeded
from auditor.model.errors import AuditorError
from auditor.schemas import validate_report
from tests.e2e.world import HTTP, REGION, REST, World, build_world, seed_apis

FindingKey = tuple[str, str | None, str | None, str]


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


# Seeding the two APIs is two thirds of the seeding calls, and most scenarios never touch
# them: keep them between tests and reset only the other services, unless a test drifted
# an API (World.apis_dirty) or another test reset the whole emulator meanwhile.
_KEPT_APIS: dict[str, Seeded] = {}
_PER_TEST_SERVICES = ("cognito-idp", "cognito-identity", "iam")


def _reset_services(names: Sequence[str]) -> bool:
    """Reset some moto backends in-process (the emulator runs in this process)."""
    try:
        from moto.backends import get_backend

        for name in names:
            backend: Any = get_backend(name)  # type: ignore[call-overload]
            for account_backend in backend.values():
                account_backend.reset()
            backend.clear()
    except Exception:  # any surprise inside moto: fall back to a full reset
        return False
    return True


def _apis_alive(apis: Seeded) -> bool:
    try:
        from moto.backends import get_backend

        account, region = apis.account_id, apis.region
        rest: Any = get_backend("apigateway")  # type: ignore[call-overload]
        http: Any = get_backend("apigatewayv2")  # type: ignore[call-overload]
        return (
            apis.api_ids[REST] in rest[account][region].apis
            and apis.api_ids[HTTP] in http[account][region].apis
        )
    except Exception:
        return False


@functools.cache
def _session() -> boto3.Session:
    """One session for every world: it caches the service models its clients load."""
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture
def world(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[World]:
    """The clean environment, freshly seeded, and its baseline file."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)
    session = _session()
    kept = _KEPT_APIS.pop(emulator.url, None)
    if kept is None or not _apis_alive(kept) or not _reset_services(_PER_TEST_SERVICES):
        emulator.reset()
        kept = seed_apis(emulator, session)
    emulator.clear_failures()
    built = build_world(emulator, session, tmp_path, apis=kept)
    emulator.clear_operations()
    yield built
    emulator.clear_failures()
    if not built.apis_dirty:
        _KEPT_APIS[emulator.url] = kept


def invoke(args: Sequence[str]) -> CliResult:
    """The CLI in-process (fast); errors mapped to exit codes the way `auditor.cli.main` does."""
    result = CliRunner().invoke(app, list(args))
    if isinstance(result.exception, AuditorError):
        return CliResult(
            result.exception.exit_code,
            result.stdout,
            result.stderr + f"auditor: error: {result.exception}\n",
        )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


def subprocess_cli(
    args: Sequence[str],
    *,
    endpoint: str | None = None,
    cwd: Path | None = None,
    hash_seed: str | None = None,
) -> CliResult:
    """`python -m auditor ...` for real: real exit codes and real stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_MAX_ATTEMPTS": "2",
        }
    )
    env["AWS_ENDPOINT_URL"] = endpoint or "http://127.0.0.1:9"
    if hash_seed is not None:
        env["PYTHONHASHSEED"] = hash_seed
    done = subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def load_report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert validate_report(report) == []
    return report


def keys(report: dict[str, Any]) -> set[FindingKey]:
    return {(f["rule_id"], f["persona"], f["route"], f["resource"]) for f in report["findings"]}


def run_report(
    world: World, *extra: str, baseline: Path | None = None, expect_exit: int | None = None
) -> dict[str, Any]:
    """`auditor run` against the world, JSON report written with -o, schema-checked."""
    out = world.folder / "report.json"
    out.unlink(missing_ok=True)
    result = invoke(
        [
            "run",
            "--baseline",
            str(baseline or world.baseline_path),
            "--format",
            "json",
            "-o",
            str(out),
            "--endpoint-url",
            world.url,
            "--max-attempts",
            "2",
            *extra,
        ]
    )
    report = load_report(out)
    if expect_exit is not None:
        assert result.exit_code == expect_exit, (result.stderr, report["findings"])
    return report


def findings(world: World, *extra: str, baseline: Path | None = None) -> set[FindingKey]:
    return keys(run_report(world, *extra, baseline=baseline))
