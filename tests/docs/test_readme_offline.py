"""The README's "Try everything offline" runs as written: its commands are read from the
README's code blocks, so the page cannot drift from what the auditor does.

The only liberty taken: the emulator's port, 5000 in the README, is replaced by a free one (the
suite runs beside other servers), in `auditor emulator` and in every URL.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.support.emulator_process import RunningEmulator, emulator_env, start_emulator

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Try everything offline"
README_PORT = "5000"
HEARTBEAT_SECONDS = 150  # a cron of "* * * * *" fires within a minute, then one audit


def offline_blocks(text: str) -> list[list[str]]:
    """The commands of each ```sh block of the section, continuation lines joined."""
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end != -1 else len(text)]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return [
        [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]
        for block in blocks
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _on_port(command: str, port: int) -> str:
    command = command.replace(f"127.0.0.1:{README_PORT}", f"127.0.0.1:{port}")
    return command.replace("auditor emulator", f"auditor emulator --port {port}")


def _shell(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _option(command: str, name: str) -> str:
    words = shlex.split(command, comments=True)
    return words[words.index(name) + 1]


def test_the_sections_commands_are_the_ones_this_test_expects() -> None:
    first, second = offline_blocks(README.read_text(encoding="utf-8"))
    assert [c.split()[:2] for c in first] == [
        ["auditor", "demo"],
        ["auditor", "run"],
        ["auditor", "explain"],
        ["auditor", "emulator"],
    ]
    assert [c.split()[:2] for c in second] == [
        ["export", "AWS_ACCESS_KEY_ID=demo"],
        ["auditor", "run"],
        ["python", "-c"],
        ["auditor", "run"],
        ["auditor", "schedule"],
    ]


def test_try_everything_offline_runs_as_written(tmp_path: Path) -> None:
    first, second = offline_blocks(README.read_text(encoding="utf-8"))
    port = _free_port()
    # The README's reader has `auditor` and `python` of the install on their PATH.
    env = emulator_env({"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    demo, rerun, explain, serve = (_on_port(command, port) for command in first)

    done = _shell(demo, tmp_path, env)
    assert done.returncode == 1, done.stderr
    assert {p.name for p in (tmp_path / "demo").iterdir()} >= {
        "baseline.yaml",
        "snapshot.json",
        "report.html",
    }
    done = _shell(rerun, tmp_path, env)
    assert done.returncode == 1, done.stderr
    assert "trust-missing-aud" in done.stdout
    done = _shell(explain, tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert re.search(r"verdict\s+allowed", done.stdout), done.stdout

    emulator = start_emulator([], argv=shlex.split(serve, comments=True), cwd=tmp_path, env=env)
    try:
        assert emulator.endpoint == f"http://127.0.0.1:{port}"
        _live_commands([_on_port(command, port) for command in second], tmp_path, env)
    finally:
        code, stderr = emulator.stop(signal.SIGTERM)
    assert code == 0, stderr


def _live_commands(commands: list[str], cwd: Path, env: dict[str, str]) -> None:
    exports, first_run, change, second_run, schedule = commands
    live = exports + "\n"  # a line of its own: its trailing comment must not swallow the next

    done = _shell(live + first_run, cwd, env)
    assert done.returncode == 1, done.stderr
    before = json.loads(done.stdout)  # not a terminal: JSON on stdout
    assert len(before["changes"]["new"]) == before["summary"]["findings"] == 8

    done = _shell(live + change, cwd, env)
    assert done.returncode == 0, done.stderr

    done = _shell(live + second_run, cwd, env)
    assert done.returncode == 1, done.stderr
    after = json.loads(done.stdout)
    new = {f["rule_id"] for f in after["findings"] if f["fingerprint"] in after["changes"]["new"]}
    assert "group-undeclared" in new
    assert len(after["changes"]["still_open"]) == 8

    _schedule_runs(live, schedule, cwd, env)


def _schedule_runs(live: str, schedule: str, cwd: Path, env: dict[str, str]) -> None:
    heartbeat = cwd / _option(schedule, "--heartbeat")
    report = cwd / _option(schedule, "-o")
    process = subprocess.Popen(
        ["bash", "-c", f"{live}exec {schedule}"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    scheduler = RunningEmulator(process, {})  # the same stop(): signal, wait, stderr
    try:
        deadline = time.monotonic() + HEARTBEAT_SECONDS
        while not heartbeat.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert heartbeat.exists(), f"no run within {HEARTBEAT_SECONDS} s"
    finally:
        code, stderr = scheduler.stop(signal.SIGTERM)
    assert code == 0, stderr
    beat = json.loads(heartbeat.read_text(encoding="utf-8"))
    assert beat["outcome"] == "complete" and beat["exit_code"] == 1, beat
    assert json.loads(report.read_text(encoding="utf-8"))["status"] == "complete"
