"""What `auditor schedule` says on stderr (issue 14): when it starts (cron, time zone, next
run), one line per run (exit code, findings, duration), and on SIGTERM; as JSON objects under
--log-format json."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from auditor.collect import AwsOptions
from auditor.commands import console
from auditor.commands.options import RunOptions
from auditor.commands.run import RunOutcome, execute
from auditor.unattended.schedule import run_schedule
from tests.support.aws import offline_aws_env
from tests.support.snapshots import small_app

CRON, ZONE = "0 0 1 1 *", "Europe/Paris"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    app = small_app()
    app.grant("app-default", "GET/me")  # one finding: missing-all-users-route
    baseline, snapshot = app.write(tmp_path)
    return baseline, snapshot


@pytest.fixture
def json_logging() -> Iterator[None]:
    console.configure(fmt="json")
    yield
    console.configure()


def _entries(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_the_command_says_when_it_starts_and_when_sigterm_stops_it(
    files: tuple[Path, Path],
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(offline_aws_env(os.devnull))
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", "schedule", "--baseline", str(files[0]),
         "--cron", CRON, "--timezone", ZONE, "--log-format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stderr is not None
    try:
        first = process.stderr.readline()
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0
    (started,) = _entries(first)
    expected = CronTrigger.from_crontab(CRON, timezone=ZoneInfo(ZONE)).get_next_fire_time(
        None, datetime.now(ZoneInfo(ZONE))
    )
    assert started["level"] == "info"
    assert started["fields"] == {
        "event": "started",
        "baseline": str(files[0]),
        "cron": CRON,
        "timezone": ZONE,
        "next_run_at": expected.isoformat() if expected else None,
    }
    assert f"next run {started['fields']['next_run_at']}" in started["message"]
    events = [e["fields"] for e in _entries(rest)]
    assert events == [{"event": "signal", "signal": "SIGTERM"}, {"event": "stopped", "runs": 0}]


def test_one_line_per_run_with_its_exit_code_findings_and_duration(
    files: tuple[Path, Path], json_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, snapshot = files
    options = RunOptions(baseline=baseline, aws=AwsOptions(), snapshot=snapshot)
    stop, outcomes = threading.Event(), []

    def audited(options: RunOptions) -> RunOutcome:
        outcome = execute(options)
        outcomes.append(outcome)
        if len(outcomes) == 2:
            stop.set()
        return outcome

    deadline = threading.Timer(30, stop.set)
    deadline.start()
    started = time.monotonic()
    run_schedule(
        options, CRON, stop_event=stop, trigger=IntervalTrigger(seconds=1), execute=audited
    )
    deadline.cancel()
    took = time.monotonic() - started
    runs = [e for e in _entries(capsys.readouterr().err) if e["fields"].get("event") == "run"]
    assert len(runs) == len(outcomes) == 2
    for entry, outcome in zip(runs, outcomes, strict=True):
        fields = entry["fields"]
        findings = outcome.report.summary.findings
        assert (fields["exit_code"], fields["findings"]) == (outcome.exit_code, findings) == (1, 1)
        assert 0 <= fields["duration_seconds"] <= took
        assert entry["message"].startswith("run complete: exit 1, 1 findings (1 high)")
        assert f"next run {fields['next_run_at']}" in entry["message"]


def test_text_lines_are_plain_for_a_person(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    console.configure()
    baseline, snapshot = files
    options = RunOptions(baseline=baseline, aws=AwsOptions(), snapshot=snapshot)
    stop = threading.Event()

    def audited(options: RunOptions) -> RunOutcome:
        stop.set()
        return execute(options)

    run_schedule(
        options, CRON, stop_event=stop, trigger=IntervalTrigger(seconds=1), execute=audited
    )
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(f"schedule started: auditing {baseline} on cron '{CRON}'")
    assert any(line.startswith("run complete: exit 1, 1 findings (1 high)") for line in lines)
    assert lines[-1] == "schedule stopped"
