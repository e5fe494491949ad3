"""--state and --slack with --targets: a state per target, changes per target, ONE Slack
message per run listing what changed where, none when nothing did."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.model.targets import Target
from tests.many.conftest import by_name, combined
from tests.many.test_runner import drifted_baseline
from tests.support.aws import Aws
from tests.support.cli import invoke
from tests.support.slack import TOKEN, FakeSlack
from tests.support.world import REGION, World, build_world


@pytest.fixture
def world(aws: Aws, tmp_path: Path) -> World:
    return build_world(aws.emulator, aws.session, tmp_path)


def test_each_target_keeps_its_own_state_and_its_own_changes(
    world: World, hand_made: Callable[[list[Target]], Path], tmp_path: Path
) -> None:
    drifted = drifted_baseline(world)
    clean = world.baseline_path
    state = tmp_path / "states"
    targets = [
        Target(name="a", baseline=clean, region=REGION),
        Target(name="b", baseline=clean, region=REGION),
    ]
    first = invoke(["run", "--targets", str(hand_made(targets)), "--state", str(state)])
    assert first.exit_code == 0, first.stderr
    assert sorted(p.name for p in state.iterdir()) == ["a.us-east-1.json", "b.us-east-1.json"]

    # b's intent changes: b has new findings since its last run, a has none.
    targets[1] = Target(name="b", baseline=drifted, region=REGION)
    second = invoke(
        ["run", "--targets", str(hand_made(targets)), "--state", str(state), "-f", "json"]
    )
    assert second.exit_code == 1
    entries = by_name(combined(second.stdout))
    assert entries["a"]["changes"]["new"] == []
    assert entries["b"]["changes"]["new"]
    assert set(entries["b"]["changes"]["new"]) == {
        f["fingerprint"] for f in entries["b"]["findings"]
    }
    saved = json.loads((state / "b.us-east-1.json").read_text())
    assert {f["fingerprint"] for f in saved["open_findings"]} == set(entries["b"]["changes"]["new"])


def test_a_state_template_names_each_target_s_file(
    world: World, hand_made: Callable[[list[Target]], Path], tmp_path: Path
) -> None:
    path = hand_made([Target(name="a", baseline=world.baseline_path, region=REGION)])
    template = tmp_path / "by-region" / "{region}-{name}.json"
    template.parent.mkdir()
    result = invoke(["run", "--targets", str(path), "--state", str(template)])
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in template.parent.iterdir()] == ["us-east-1-a.json"]


def test_a_state_that_is_a_file_is_refused_with_targets(
    aws: Aws, hand_made: Callable[[list[Target]], Path], tmp_path: Path
) -> None:
    path = hand_made([])
    state = tmp_path / "state.json"
    state.write_text("{}")
    result = invoke(["run", "--targets", str(path), "--state", str(state)])
    assert result.exit_code == 2
    assert "--state" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert aws.emulator.operations() == {}


def test_one_slack_message_lists_what_changed_where_and_none_when_nothing_did(
    world: World, hand_made: Callable[[list[Target]], Path], tmp_path: Path, slack: FakeSlack
) -> None:
    targets = [
        Target(name="quiet", baseline=world.baseline_path, region=REGION),
        Target(name="noisy", baseline=drifted_baseline(world), region=REGION),
        Target(name="noisy-too", baseline=drifted_baseline(world, "d2.yaml"), region=REGION),
    ]
    args = ["run", "--targets", str(hand_made(targets)), "--state", str(tmp_path / "s"), "--slack"]
    first = invoke(args)
    assert first.exit_code == 1, first.stderr
    assert len(slack.requests) == 1  # one message for the run, not one per target
    message = json.dumps(slack.requests[0].body)
    assert "noisy" in message and "noisy-too" in message
    assert TOKEN not in message
    second = invoke(args)
    assert second.exit_code == 1
    assert len(slack.requests) == 1  # nothing changed: no message


def test_a_failed_delivery_keeps_each_target_s_alert_pending(
    world: World, hand_made: Callable[[list[Target]], Path], tmp_path: Path, slack: FakeSlack
) -> None:
    from tests.support.slack import Scripted

    slack.default = Scripted(status=200, body='{"ok": false, "error": "channel_not_found"}')
    targets = [
        Target(name="quiet", baseline=world.baseline_path, region=REGION),
        Target(name="noisy", baseline=drifted_baseline(world), region=REGION),
    ]
    state = tmp_path / "s"
    args = ["run", "--targets", str(hand_made(targets)), "--state", str(state), "--slack"]
    result = invoke([*args, "-f", "json"])
    assert result.exit_code == 1  # a failed alert does not make the audit incomplete
    entries = by_name(combined(result.stdout))
    assert [e["service"] for e in entries["noisy"]["errors"]] == ["slack"]
    assert "auditor: noisy: slack" in result.stderr
    noisy = json.loads((state / "noisy.us-east-1.json").read_text())
    quiet = json.loads((state / "quiet.us-east-1.json").read_text())
    assert noisy["pending_alert"]["new"] and quiet["pending_alert"] is None


def test_a_target_never_audited_records_its_run_in_an_s3_state_like_one_audited(
    world: World,
    aws: Aws,
    hand_made: Callable[[list[Target]], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The state of a target whose audit never ran (here a missing pool) is found where an
    audited target's is: with neither --region nor a default region, in its baseline's
    region. Its history then says it was incomplete, and a next failure is no news again."""
    from tests.many.test_runner import missing_pool_baseline

    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    aws.client("s3").create_bucket(Bucket="states")
    path = hand_made(
        [
            Target(name="missing", baseline=missing_pool_baseline(world)),
            Target(name="clean", baseline=world.baseline_path),
        ]
    )
    result = invoke(["run", "--targets", str(path), "--state", "s3://states/run/"])
    assert result.exit_code == 3, result.stderr
    saved = aws.client("s3").get_object(Bucket="states", Key="run/missing.json")
    history = json.loads(saved["Body"].read())["history"]
    assert [run["status"] for run in history] == ["incomplete"]
