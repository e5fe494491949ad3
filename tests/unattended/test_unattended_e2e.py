"""End to end against the emulator: scheduled runs, drift between runs, Slack de-duplication."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from auditor.collect import AwsOptions
from auditor.commands.options import ReportOutput, RunOptions, SlackOptions
from auditor.commands.run import RunOutcome, execute
from auditor.model.errors import InputError
from auditor.unattended.schedule import run_schedule
from auditor.unattended.stores import LocalStateStore
from tests.support.aws import Aws
from tests.support.drift import update_group
from tests.support.slack import TOKEN, FakeSlack, Scripted
from tests.support.world import World, build_world


@pytest.fixture
def world(aws: Aws, tmp_path: Path) -> World:
    return build_world(aws.emulator, aws.session, tmp_path)


def _options(world: World) -> RunOptions:
    return RunOptions(
        baseline=world.baseline_path,
        aws=AwsOptions(endpoint_url=world.url, max_attempts=2),
        outputs=(ReportOutput(str(world.folder / "report.json"), "json"),),
        format="json",
        state=str(world.folder / "state" / "state.json"),
        slack=SlackOptions(enabled=True),
    )


def _blocks(slack: FakeSlack, index: int = -1) -> str:
    return json.dumps(slack.requests[index].body["blocks"])


def _rules(outcome: RunOutcome, rule_id: str) -> list[tuple[str | None, str]]:
    return [(f.persona, f.resource) for f in outcome.report.findings if f.rule_id == rule_id]


def _add_undeclared_group(world: World) -> None:
    world.client("cognito-idp").create_group(
        GroupName="testers", UserPoolId=world.user_pool_id, Precedence=20
    )


def test_scheduled_runs_alert_once_then_follow_drift(world: World, slack: FakeSlack) -> None:
    _add_undeclared_group(world)  # drift that exists before the first run
    options, stop, beat = _options(world), threading.Event(), world.folder / "heartbeat.json"
    runs: list[RunOutcome] = []

    def counted(opts: RunOptions) -> RunOutcome:
        runs.append(execute(opts))
        if len(runs) == 2:
            stop.set()
        return runs[-1]

    run_schedule(
        options,
        "*/15 * * * *",
        heartbeat=beat,
        stop_event=stop,
        trigger=IntervalTrigger(seconds=1),
        execute=counted,
    )

    first, second = runs[:2]
    # a group without a role: undeclared, and its members get the default role's GET /me
    assert first.report.changes is not None and len(first.report.changes.new) == 2
    assert _rules(first, "group-undeclared") == [
        ("group:testers", f"{world.seeded.user_pool_arn}/group/testers")
    ]
    assert [p for p, _ in _rules(first, "excess-route")] == ["group:testers"]
    assert len(slack.requests) == 1  # the second run changed nothing: no alert
    assert "group-undeclared" in _blocks(slack) and world.user_pool_id in _blocks(slack)
    assert second.report.changes is not None and second.report.changes.new == []
    heartbeat = json.loads(beat.read_text())
    assert heartbeat["exit_code"] == 1 and heartbeat["findings"] == 2

    # someone lowers the editors' precedence between runs
    update_group(world, "editors", Precedence=5)
    drifted = execute(options)
    assert drifted.report.changes is not None and len(drifted.report.changes.new) == 1
    assert len(_rules(drifted, "precedence-drift")) == 1
    [change] = [f for f in drifted.report.findings if f.rule_id == "changed-since-last-run"]
    assert change.persona == "group:editors" and "precedence: 10 -> 5" in change.message
    assert len(slack.requests) == 2
    alert = _blocks(slack)
    assert "New findings (1)" in alert and "precedence-drift" in alert
    assert "group-undeclared" not in alert and "Resolved" not in alert

    # and puts it back
    update_group(world, "editors", Precedence=10)
    fixed = execute(options)
    assert fixed.report.changes is not None
    assert [f.rule_id for f in fixed.report.changes.resolved] == ["precedence-drift"]
    assert len(slack.requests) == 3
    assert "Resolved findings (1)" in _blocks(slack) and "New findings" not in _blocks(slack)


def test_rate_limited_slack_delivers_once(world: World, slack: FakeSlack) -> None:
    slack.script = [Scripted(429, '{"ok": false, "error": "ratelimited"}', {"Retry-After": "1"})]
    _add_undeclared_group(world)
    outcome = execute(_options(world))

    assert outcome.report.errors == []
    assert [r.path for r in slack.requests] == ["/api/chat.postMessage"] * 2
    assert len(slack.script) == 0  # the 429 was used, the retry got the 200


def test_slack_down_keeps_report_state_and_pending_alert(
    world: World,
    slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    options = _options(world)
    slack.stop()
    _add_undeclared_group(world)
    started = time.monotonic()
    outcome = execute(options)
    assert time.monotonic() - started < 30

    report_file = Path(options.outputs[0].location)
    written = json.loads(report_file.read_text())
    assert {f["rule_id"] for f in written["findings"]} == {"group-undeclared", "excess-route"}
    assert [(e["service"], e["operation"]) for e in written["errors"]] == [
        ("slack", "chat.postMessage")
    ]
    assert outcome.exit_code == 1  # Slack failing does not change the verdict
    stderr = capsys.readouterr().err
    assert stderr.count("auditor: slack chat.postMessage failed") == 1 and TOKEN not in stderr
    state_text = Path(options.state or "").read_text()
    assert TOKEN not in state_text and TOKEN not in report_file.read_text()
    saved = LocalStateStore(Path(options.state or "")).load()
    assert saved is not None and saved.pending_alert is not None
    assert {f.rule_id for f in saved.pending_alert.new} == {"group-undeclared", "excess-route"}

    back = FakeSlack()
    try:
        monkeypatch.setenv("SLACK_API_URL", back.api_url)
        again = execute(options)
        assert again.report.errors == []
        [request] = back.requests
        assert "group-undeclared" in json.dumps(request.body["blocks"])
    finally:
        back.stop()
    saved = LocalStateStore(Path(options.state or "")).load()
    assert saved is not None and saved.pending_alert is None


def test_a_state_that_cannot_be_saved_leaves_the_report_on_stdout(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full_disk(self: LocalStateStore, state: object) -> None:
        raise InputError(str(self.path), None, "cannot write (No space left on device)")

    monkeypatch.setattr(LocalStateStore, "save", full_disk)
    options = replace(_options(world), outputs=(), slack=SlackOptions())
    with pytest.raises(InputError, match="No space left"):
        execute(options, stdout=True)
    assert json.loads(capsys.readouterr().out)["status"] == "complete"
