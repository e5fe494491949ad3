"""kill -9 never leaves a partial output: after a run killed at any moment, its report,
state and snapshot are each the previous file, byte for byte, or a complete new one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditor.model.snapshot import Snapshot
from auditor.model.state import State
from tests.support.findings import load_report
from tests.support.world import World

KILLS = 12
LATENCY = 0.03  # seconds per AWS call: stretches collection so kills land inside it


def _env(world: World) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_ENDPOINT_URL=world.url,
    )
    return env


class Outputs:
    """The three files a run and a snapshot write, and the commands that write them."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.report = world.folder / "out" / "report.json"
        self.state = world.folder / "out" / "state.json"
        self.snapshot = world.folder / "out" / "snapshot.json"
        common = ["--baseline", str(world.baseline_path), "--max-attempts", "2"]
        self.commands = [
            ["run", *common, "-f", "json", "-o", str(self.report), "--state", str(self.state)],
            ["snapshot", *common, "-o", str(self.snapshot)],
        ]

    @property
    def files(self) -> dict[Path, Callable[[Path], object]]:
        """Each output and how to tell it is complete (a parse that raises otherwise)."""
        return {
            self.report: load_report,
            self.state: lambda p: State.from_json(p.read_text(encoding="utf-8"), source=str(p)),
            self.snapshot: Snapshot.load,
        }

    def start(self) -> list[subprocess.Popen[bytes]]:
        return [
            subprocess.Popen(
                [sys.executable, "-m", "auditor", *command],
                env=_env(self.world),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for command in self.commands
        ]

    def contents(self) -> dict[Path, bytes]:
        return {path: path.read_bytes() for path in self.files}


@pytest.fixture
def outputs(world: World) -> Iterator[Outputs]:
    out = Outputs(world)
    try:
        yield out
    finally:
        world.emulator.clear_failures()


def _run_to_the_end(outputs: Outputs) -> float:
    started = time.perf_counter()
    for process in outputs.start():
        assert process.wait(timeout=120) in (0, 1)  # findings are fine; no crash, no incomplete
    return time.perf_counter() - started


def test_a_killed_run_leaves_each_output_old_or_new_never_partial(
    world: World, outputs: Outputs
) -> None:
    world.emulator.inject_latency(LATENCY)
    duration = _run_to_the_end(outputs)  # the previous run's outputs
    # Drift, so that a new output differs from the previous one in content, not only in time.
    world.client("cognito-idp").create_group(UserPoolId=world.user_pool_id, GroupName="late")
    # Kill runs at spread moments: from process start-up through collection to the writes at
    # the end, and a little past.
    kept = replaced = 0
    for kill in range(KILLS):
        before = outputs.contents()
        processes = outputs.start()
        time.sleep(duration * 1.15 * (kill + 1) / KILLS)
        for process in processes:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        for path, parse in outputs.files.items():
            after = path.read_bytes()
            if after == before[path]:
                kept += 1
                continue
            assert after, f"kill {kill}: {path.name} is empty"
            parse(path)  # raises on a partial or malformed file
            replaced += 1
    # The kills spanned the run: some left the previous files, some came after new ones.
    assert kept and replaced, (kept, replaced)
