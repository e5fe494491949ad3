"""`run --targets -f sarif`: one run that GitHub code scanning takes, each result on its own
target's baseline file, an incomplete target's alert among them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from auditor.model.targets import Target
from tests.many.test_runner import drifted_baseline, missing_pool_baseline
from tests.report.test_formats import errors_of, sarif_validator
from tests.support.aws import Aws
from tests.support.cli import invoke
from tests.support.world import REGION, build_world


def test_each_result_is_on_its_target_s_baseline(
    aws: Aws, hand_made: Callable[[list[Target]], Path], tmp_path: Path
) -> None:
    world = build_world(aws.emulator, aws.session, tmp_path)
    noisy, missing = drifted_baseline(world), missing_pool_baseline(world)
    targets = [
        Target(name="noisy", baseline=noisy, region=REGION),
        Target(name="nopool", baseline=missing, region=REGION),
    ]
    result = invoke(["run", "--targets", str(hand_made(targets)), "-f", "sarif"])
    assert result.exit_code == 3, result.stderr
    log = json.loads(result.stdout)
    assert errors_of(sarif_validator(), log) == []
    [run] = log["runs"]
    where: dict[str, set[str]] = {}
    for found in run["results"]:
        [location] = found["locations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        where.setdefault(found["properties"]["target"], set()).add(uri)
    assert where == {
        "noisy@us-east-1": {noisy.resolve().as_uri()},
        "nopool@us-east-1": {missing.resolve().as_uri()},
    }
    [incomplete] = [r for r in run["results"] if r["ruleId"] == "audit-incomplete"]
    assert incomplete["properties"]["target"] == "nopool@us-east-1"
