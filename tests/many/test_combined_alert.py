"""The one Slack message of `run --targets` counts and names every target of the run: those
never audited (no baseline, a missing pool, AssumeRole denied) too. A target that became
incomplete is news; one still incomplete since its previous run is not news again."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.model.targets import Target
from tests.many.test_runner import drifted_baseline, missing_pool_baseline
from tests.support.aws import Aws
from tests.support.cli import invoke
from tests.support.slack import FakeSlack, Scripted
from tests.support.world import REGION, World, build_world


@pytest.fixture
def world(aws: Aws, tmp_path: Path) -> World:
    return build_world(aws.emulator, aws.session, tmp_path)


def _totals(body: dict[str, Any]) -> str:
    [context] = [b for b in body["blocks"] if b["type"] == "context"][:1]
    text = context["elements"][0]["text"]
    assert isinstance(text, str)
    return text


def test_targets_never_audited_are_counted_and_named(
    world: World, hand_made: Callable[[list[Target]], Path], tmp_path: Path, slack: FakeSlack
) -> None:
    targets = [
        Target(name="noisy", baseline=drifted_baseline(world), region=REGION),
        Target(name="nobaseline", baseline=tmp_path / "nope.yaml", region=REGION),
        Target(name="nopool", baseline=missing_pool_baseline(world), region=REGION),
    ]
    args = ["run", "--targets", str(hand_made(targets)), "--state", str(tmp_path / "s"), "--slack"]
    result = invoke(args)
    assert result.exit_code == 3, result.stderr
    [message] = slack.requests
    assert _totals(message.body) == "3 targets audited · 1 with changes · :warning: 2 incomplete"
    text = json.dumps(message.body)
    assert "nobaseline" in text and "nopool" in text
    assert "3 targets" in message.body["text"] and "2 incomplete" in message.body["text"]
    # Still incomplete, nothing else changed: not news again (each state remembers the run).
    assert invoke(args).exit_code == 3
    assert len(slack.requests) == 1
    kept = json.loads((tmp_path / "s" / "nopool.us-east-1.json").read_text())
    assert [run["status"] for run in kept["history"]] == ["incomplete", "incomplete"]
    assert kept["open_findings"] == [] and kept["pending_alert"] is None


def test_slack_always_counts_every_target(
    world: World, hand_made: Callable[[list[Target]], Path], tmp_path: Path, slack: FakeSlack
) -> None:
    targets = [
        Target(name="quiet", baseline=world.baseline_path, region=REGION),
        Target(name="nopool", baseline=missing_pool_baseline(world), region=REGION),
    ]
    path = hand_made(targets)
    assert invoke(["run", "--targets", str(path), "--slack-always"]).exit_code == 3
    [message] = slack.requests
    assert _totals(message.body).startswith("2 targets audited · 0 with changes")
    assert "nopool" in json.dumps(message.body)


def test_slack_without_state_alerts_of_the_findings(
    world: World, hand_made: Callable[[list[Target]], Path], slack: FakeSlack
) -> None:
    targets = [Target(name="noisy", baseline=drifted_baseline(world), region=REGION)]
    assert invoke(["run", "--targets", str(hand_made(targets)), "--slack"]).exit_code == 1
    [message] = slack.requests  # every open finding is news without a previous run
    assert "noisy" in json.dumps(message.body)


def test_becoming_incomplete_is_news_once(
    world: World, hand_made: Callable[[list[Target]], Path], tmp_path: Path, slack: FakeSlack
) -> None:
    state = tmp_path / "s"
    targets = [
        Target(name="quiet", baseline=world.baseline_path, region=REGION),
        Target(name="flaky", baseline=drifted_baseline(world), region=REGION),
    ]
    args = ["run", "--targets", str(hand_made(targets)), "--state", str(state), "--slack"]
    assert invoke(args).exit_code == 1
    assert len(slack.requests) == 1  # flaky's findings are new
    saved = json.loads((state / "flaky.us-east-1.json").read_text())

    # flaky's pool goes missing: it stopped being audited, which is news.
    targets[1] = Target(name="flaky", baseline=missing_pool_baseline(world), region=REGION)
    args = ["run", "--targets", str(hand_made(targets)), "--state", str(state), "--slack"]
    assert invoke(args).exit_code == 3
    assert len(slack.requests) == 2
    second = slack.requests[1].body
    assert _totals(second) == "2 targets audited · 0 with changes · :warning: 1 incomplete"
    assert "flaky" in json.dumps(second)
    kept = json.loads((state / "flaky.us-east-1.json").read_text())
    # Its findings and configuration are kept as they were; the run is in its history.
    assert kept["open_findings"] == saved["open_findings"]
    assert [run["status"] for run in kept["history"]] == ["complete", "incomplete"]

    # Still incomplete: not news again.
    assert invoke(args).exit_code == 3
    assert len(slack.requests) == 2


def test_without_slack_an_alert_still_owed_stays_pending(
    world: World, hand_made: Callable[[list[Target]], Path], tmp_path: Path, slack: FakeSlack
) -> None:
    slack.default = Scripted(status=200, body='{"ok": false, "error": "channel_not_found"}')
    state = tmp_path / "s"
    path = hand_made([Target(name="noisy", baseline=drifted_baseline(world), region=REGION)])
    assert invoke(["run", "--targets", str(path), "--state", str(state), "--slack"]).exit_code == 1
    owed = json.loads((state / "noisy.us-east-1.json").read_text())["pending_alert"]
    assert owed["new"]
    assert invoke(["run", "--targets", str(path), "--state", str(state)]).exit_code == 1
    kept = json.loads((state / "noisy.us-east-1.json").read_text())["pending_alert"]
    assert kept == owed  # as a single-target run without --slack keeps it
