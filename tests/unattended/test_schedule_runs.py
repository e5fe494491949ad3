"""auditor.unattended.schedule: ticks, heartbeat, graceful stop, cron validation."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from auditor.collect import AwsOptions
from auditor.commands.options import RunOptions
from auditor.commands.run import RunOutcome
from auditor.model.errors import InputError
from auditor.unattended.schedule import parse_cron, run_schedule
from tests.support.slack import finding, report, snapshot

OPTIONS = RunOptions(baseline=Path("baseline.yaml"), aws=AwsOptions())


class FakeRunner:
    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.started = 0
        self.finished = 0

    def __call__(self, options: RunOptions) -> RunOutcome:
        self.started += 1
        time.sleep(self.seconds)
        self.finished += 1
        done = report([finding()])
        return RunOutcome(done, snapshot(), 1, done, "json")


def test_runs_every_tick_and_writes_heartbeat(tmp_path: Path) -> None:
    beat = tmp_path / "hb" / "heartbeat.json"
    runner, stop = FakeRunner(), threading.Event()
    seen: list[str] = []

    def watch() -> None:
        deadline = time.monotonic() + 15
        while len(seen) < 2 and time.monotonic() < deadline:
            if beat.exists():
                data = json.loads(beat.read_text())
                if data["last_run_at"] not in seen:
                    seen.append(data["last_run_at"])
            time.sleep(0.1)
        stop.set()

    threading.Thread(target=watch, daemon=True).start()
    run_schedule(
        OPTIONS,
        "*/15 * * * *",
        heartbeat=beat,
        stop_event=stop,
        trigger=IntervalTrigger(seconds=1),
        execute=runner,
    )

    assert runner.finished >= 2 and len(seen) == 2
    data = json.loads(beat.read_text())
    assert data["exit_code"] == 1 and data["findings"] == 1 and data["outcome"] == "complete"
    assert data["next_run_at"] is not None


def test_sigterm_finishes_the_run_in_progress(tmp_path: Path) -> None:
    beat = tmp_path / "heartbeat.json"
    runner = FakeRunner(seconds=1.5)

    def terminate() -> None:
        while runner.started == 0:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate, daemon=True).start()
    before = signal.getsignal(signal.SIGTERM)
    run_schedule(
        OPTIONS, "0 * * * *", heartbeat=beat, trigger=IntervalTrigger(seconds=1), execute=runner
    )

    assert runner.started == runner.finished == 1
    assert json.loads(beat.read_text())["exit_code"] == 1
    assert signal.getsignal(signal.SIGTERM) == before  # handlers restored


def test_failures_are_logged_and_the_schedule_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    beat, stop, calls = tmp_path / "heartbeat.json", threading.Event(), []

    def failing(options: RunOptions) -> RunOutcome:
        calls.append(1)
        if len(calls) >= 2:
            stop.set()
        raise InputError("baseline.yaml", "groups", "bad")

    run_schedule(
        OPTIONS,
        "* * * * *",
        heartbeat=beat,
        stop_event=stop,
        trigger=IntervalTrigger(seconds=1),
        execute=failing,
    )
    assert len(calls) >= 2
    data = json.loads(beat.read_text())
    assert data["outcome"] == "error" and data["exit_code"] == 2
    assert "audit failed (exit 2)" in caplog.text


@pytest.mark.parametrize("expr", ["* * * *", "61 * * * *", "* * * * * *", "every hour"])
def test_invalid_cron_is_an_input_error(expr: str) -> None:
    with pytest.raises(InputError) as raised:
        run_schedule(OPTIONS, expr, execute=FakeRunner())
    assert raised.value.source == "--cron" and raised.value.exit_code == 2


def test_cron_with_time_zone() -> None:
    trigger = parse_cron("*/15 9-17 * * mon-fri", "Europe/Paris")
    assert str(trigger.timezone) == "Europe/Paris"
    with pytest.raises(InputError):
        parse_cron("* * * * *", "Mars/Olympus")
