"""Progress of a run of many targets: a bar on a terminal's stderr (targets done out of all,
incomplete so far), nothing when stderr is a pipe or with --quiet."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from tests.support.aws import Aws
from tests.support.cli import subprocess_cli
from tests.support.terminal import run_on_terminal
from tests.support.world import REGION, build_world


@pytest.fixture
def targets(aws: Aws, tmp_path: Path) -> Path:
    world = build_world(aws.emulator, aws.session, tmp_path)
    missing = copy.deepcopy(world.baseline)
    missing["user_pool"] = {"id": f"{REGION}_doesNotExist"}
    world.write_baseline(missing, "missing.yaml")
    path = tmp_path / "targets.yaml"
    listed = [
        {"name": "clean", "baseline": "baseline.yaml", "region": REGION},
        {"name": "missing", "baseline": "missing.yaml", "region": REGION},
    ]
    path.write_text(yaml.safe_dump({"version": 1, "targets": listed}), encoding="utf-8")
    return path


def test_a_terminal_shows_targets_done_and_failures(aws: Aws, targets: Path) -> None:
    aws.emulator.inject_latency(0.3)  # long enough for the bar to be drawn
    shown = run_on_terminal(
        ["run", "--targets", str(targets), "-o", str(targets.parent / "r.json")],
        on_terminal=("stderr",),
        endpoint=aws.url,
    )
    assert shown.exit_code == 3, shown.stderr
    assert "auditing targets" in shown.stderr
    assert "/2" in shown.stderr and "1 incomplete" in shown.stderr
    assert "auditor: missing: cognito-idp DescribeUserPool failed" in shown.stderr


@pytest.mark.parametrize("quiet", [False, True])
def test_nothing_but_the_failures_when_stderr_is_no_terminal(
    aws: Aws, targets: Path, quiet: bool
) -> None:
    args = ["run", "--targets", str(targets), "-o", str(targets.parent / "r.json")]
    result = subprocess_cli(["--quiet", *args] if quiet else args, endpoint=aws.url)
    assert result.exit_code == 3
    assert "auditing targets" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert [line for line in lines if line.startswith("auditor: missing:")] == [
        line for line in lines if "failed" in line
    ]
    assert any(line.startswith("auditor: missing:") for line in lines)
