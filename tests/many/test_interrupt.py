"""Ctrl-C stops a run of many targets at once, even with every target blocked in a read that
would take max_attempts x its timeout to fail."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.support.aws import offline_aws_env

EXAMPLE_BASELINE = Path(__file__).parents[2] / "examples" / "baseline.yaml"


class Blackhole:
    """A server that accepts connections and never answers."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.accepted = threading.Event()
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:  # closed
                return
            self._held.append(connection)
            self.accepted.set()

    def close(self) -> None:
        self.socket.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def blackhole() -> Iterator[Blackhole]:
    server = Blackhole()
    yield server
    server.close()


def test_ctrl_c_stops_a_run_whose_reads_never_answer(blackhole: Blackhole, tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_BASELINE, tmp_path / "b.yaml")
    targets = {"version": 1, "defaults": {"baseline": "b.yaml"}}
    targets["targets"] = [{"name": f"t{i}"} for i in range(4)]
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(targets), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(offline_aws_env(os.devnull, blackhole.url))
    args = ["run", "--targets", "t.yaml", "--max-attempts", "1", "-f", "json"]
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert blackhole.accepted.wait(60), "the run never reached AWS"
        time.sleep(1)  # every target's first read under way
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
        took = time.monotonic() - interrupted
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert stderr.splitlines() == ["auditor: interrupted"]
    assert stdout == ""  # no report claims anything
    assert took < 10  # not the 60 s read timeout of a blocked read
