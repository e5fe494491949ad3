"""What a run of many targets checks once it knows its targets, and how it ends when a
state cannot be saved or nothing was discovered: never a silent loss (CONTRACT §6.4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from auditor.model.targets import Target
from tests.many.conftest import by_name, combined
from tests.support.accounts import create_organization
from tests.support.aws import Aws
from tests.support.cli import invoke
from tests.support.world import REGION, World, build_world

HandMade = Callable[[list[Target]], Path]


@pytest.fixture
def world(aws: Aws, tmp_path: Path) -> World:
    return build_world(aws.emulator, aws.session, tmp_path)


@pytest.mark.parametrize(
    ("state", "names"),
    [
        # two pools of one account
        ("{account_id}.json", [("a", REGION, "123456789012"), ("b", REGION, "123456789012")]),
        # one name in two regions
        ("{name}.json", [("a", REGION, None), ("a", "eu-west-1", None)]),
        # a name that reads as another target's key with its region
        ("", [("prod.us-east-1", None, None), ("prod", REGION, None)]),
    ],
)
def test_targets_that_would_share_a_state_are_refused_before_any_is_read(
    world: World,
    hand_made: HandMade,
    tmp_path: Path,
    state: str,
    names: list[tuple[str, str | None, str | None]],
) -> None:
    targets = [
        Target(name=name, baseline=world.baseline_path, region=region, account_id=account)
        for name, region, account in names
    ]
    where = tmp_path / "states"
    before = dict(world.emulator.operations())
    result = invoke(["run", "--targets", str(hand_made(targets)), "--state", f"{where}/{state}"])
    assert result.exit_code == 2, result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("auditor: error: --state: targets")
    for target in targets:
        assert repr(target.key) in line
    assert world.emulator.operations() == before
    assert not where.exists() or not any(where.iterdir())


def test_a_templated_state_whose_folder_cannot_be_written_is_refused_up_front(
    aws: Aws, hand_made: HandMade, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("a file", encoding="utf-8")
    path = hand_made([Target(name="a", baseline=tmp_path / "b.yaml", region=REGION)])
    result = invoke(["run", "--targets", str(path), "--state", f"{not_a_folder}/{{key}}.json"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"auditor: error: --state '{not_a_folder}/{{key}}.json': "
        f"'{not_a_folder}' is a file, not a directory"
    ]
    assert aws.emulator.operations() == {}


def test_a_state_that_cannot_be_saved_makes_the_run_incomplete(
    world: World, aws: Aws, hand_made: HandMade
) -> None:
    aws.client("s3").create_bucket(Bucket="states")
    targets = [
        Target(name="a", baseline=world.baseline_path, region=REGION),
        Target(name="b", baseline=world.baseline_path, region=REGION),
    ]
    world.emulator.inject_failure("s3:PutObject", code="AccessDenied", times=1)
    result = invoke(
        ["run", "--targets", str(hand_made(targets)), "--state", "s3://states/", "-f", "json"]
    )
    assert result.exit_code == 3, result.stderr
    assert {entry["status"] for entry in combined(result.stdout)["targets"]} == {"complete"}
    unsaved = [line for line in result.stderr.splitlines() if "AccessDenied" in line]
    assert len(unsaved) == 1 and unsaved[0].startswith(("auditor: a: ", "auditor: b: "))
    saved = aws.client("s3").list_objects_v2(Bucket="states").get("Contents", [])
    assert len(saved) == 1  # the other target's state was saved


def test_an_organizational_unit_with_no_active_account_is_incomplete(
    aws: Aws, tmp_path: Path
) -> None:
    org = create_organization(aws.emulator, "123456789012", {"ous": {"empty": {}}})
    path = tmp_path / "targets.yaml"
    data = {
        "version": 1,
        "defaults": {"role_name": "auditor", "baseline": "{account_id}.yaml"},
        "organization": {"ou": org.ous["empty"], "regions": [REGION]},
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = invoke(["run", "--targets", str(path), "-f", "json"])
    assert result.exit_code == 3, result.stderr
    report = combined(result.stdout)
    assert (report["status"], report["targets"]) == ("incomplete", [])
    assert report["errors"] == [
        {
            "service": "auditor",
            "operation": "DiscoverTargets",
            "message": f"no ACTIVE account under {org.ous['empty']}",
        }
    ]
    assert f"no ACTIVE account under {org.ous['empty']}" in result.stderr


def test_an_s3_report_takes_the_targets_region_without_region(
    world: World, aws: Aws, hand_made: HandMade, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws.client("s3").create_bucket(Bucket="reports")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    # no region in the file: the first target's is its baseline's
    targets = [Target(name="a", baseline=world.baseline_path)]
    result = invoke(["run", "--targets", str(hand_made(targets)), "-o", "s3://reports/r.json"])
    assert result.exit_code == 0, result.stderr
    body = aws.client("s3").get_object(Bucket="reports", Key="r.json")["Body"].read()
    assert by_name(json.loads(body))["a"]["status"] == "complete"


def test_an_s3_report_without_any_region_is_refused_before_any_aws_call(
    world: World, hand_made: HandMade, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    data = {key: value for key, value in world.baseline.items() if key != "region"}
    baseline = world.write_baseline(data, "anywhere.yaml")
    before = dict(world.emulator.operations())
    path = hand_made([Target(name="a", baseline=baseline)])
    result = invoke(["run", "--targets", str(path), "-o", "s3://reports/r.json"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "auditor: error: -o 's3://reports/r.json': needs a region for S3: --region, or region "
        "in the targets file's defaults"
    ]
    assert world.emulator.operations() == before


def test_a_report_written_over_a_target_s_baseline_is_refused_before_any_aws_call(
    world: World, tmp_path: Path
) -> None:
    """`-o prod.json` where prod.json is a target's baseline would replace it with the report,
    for good: refused (exit 2, one line) as `run -o` refuses its --baseline."""
    baseline = tmp_path / "prod.json"
    baseline.write_text(json.dumps(world.baseline), encoding="utf-8")
    path = tmp_path / "targets.yaml"
    path.write_text(
        yaml.safe_dump({"version": 1, "targets": [{"name": "prod", "baseline": "prod.json"}]}),
        encoding="utf-8",
    )
    before = dict(world.emulator.operations())
    result = invoke(["run", "--targets", str(path), "-o", str(baseline)])
    assert result.exit_code == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "prod.json" in result.stderr
    assert json.loads(baseline.read_text(encoding="utf-8")) == world.baseline
    assert world.emulator.operations() == before
