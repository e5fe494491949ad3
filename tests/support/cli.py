"""The CLI in-process or as a subprocess, and `auditor run` against a seeded world."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from auditor.cli import app
from auditor.model.errors import AuditorError
from tests.support.aws import CLOSED_PORT_URL, offline_aws_env
from tests.support.findings import FindingKey, keys, load_report
from tests.support.world import World


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


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
    env.update(offline_aws_env(os.devnull, endpoint or CLOSED_PORT_URL), AWS_MAX_ATTEMPTS="2")
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


def take_snapshot(world: World, out: str | Path) -> CliResult:
    """`auditor snapshot` of what the world's baseline names, written to `out`."""
    return invoke(
        [
            "snapshot",
            "--baseline",
            str(world.baseline_path),
            "-o",
            str(out),
            "--endpoint-url",
            world.url,
        ]
    )


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
