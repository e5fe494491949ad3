"""`auditor emulator` as a real process: start it, read what it announces, stop it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.aws import offline_aws_env

STARTUP_SECONDS = 120  # seeding the demo app is a few seconds; a loaded machine, more


@dataclass
class RunningEmulator:
    process: subprocess.Popen[str]
    fields: dict[str, str]
    lines: list[str] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return self.fields["endpoint"]

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> tuple[int, str]:
        """Send `signum`; (exit code, stderr)."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        assert self.process.stderr is not None
        return code, self.process.stderr.read()


def emulator_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test environment (fake keys, no real AWS configuration) plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(offline_aws_env(os.devnull))
    env.update(extra or {})
    return env


def _pump(stream: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert stream.stdout is not None
    for line in stream.stdout:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def start_emulator(
    args: Sequence[str],
    *,
    until: str = "baseline",
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    argv: Sequence[str] | None = None,
) -> RunningEmulator:
    """Start `auditor emulator ARGS` (or the command line `argv`) and read its stdout until it
    has announced the field `until`; fail with its stderr when it exits first."""
    process = subprocess.Popen(
        list(argv) if argv is not None else [sys.executable, "-m", "auditor", "emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=dict(env) if env is not None else emulator_env(),
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process, lines), daemon=True).start()
    running = RunningEmulator(process, {})
    while until not in running.fields:
        try:
            line = lines.get(timeout=STARTUP_SECONDS)
        except queue.Empty:
            running.stop(signal.SIGKILL)
            raise AssertionError(f"the emulator announced no {until!r}: {running.lines}") from None
        if line is None:
            code, stderr = running.stop()
            raise AssertionError(f"the emulator exited {code} before announcing: {stderr}")
        running.lines.append(line)
        name, colon, value = line.strip().partition(": ")
        if colon and line.startswith("  "):
            running.fields[name] = value
    return running
