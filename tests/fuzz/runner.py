"""Run one fuzz case through the real command line, in a subprocess with a wall-clock timeout
and a memory ceiling, and say what went wrong with it, if anything.

The environment mirrors tests/conftest.py: fake keys, no profile or config files, no instance
metadata, and every AWS endpoint on a closed loopback port, so nothing can reach real AWS.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.fuzz.case import Case
from tests.support.aws import AMBIENT_AWS_ENV, CLOSED_PORT_URL, offline_aws_env

TIMEOUT_SECONDS = 30.0
MEMORY_BYTES = 2 * 1024**3

# The kinds of failure, in the order reports list them.
TRACEBACK = "traceback"
HANG = "hang"
MEMORY = "memory"
WRONG_EXIT = "wrong-exit"
MULTI_LINE = "multi-line"
UNNAMED = "unnamed"  # an exit-2 message that does not name the file or option at fault
KINDS = (TRACEBACK, HANG, MEMORY, WRONG_EXIT, MULTI_LINE, UNNAMED)

_DROPPED_ENV = (*AMBIENT_AWS_ENV, "SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "SLACK_CHANNEL")


def fuzz_env(home: Path, endpoint_url: str = CLOSED_PORT_URL) -> dict[str, str]:
    """The environment of every run: fake credentials, AWS on a closed port."""
    empty = home / ".no-aws-config"
    empty.touch()
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(offline_aws_env(str(empty), endpoint_url))
    env.update(
        HOME=str(home),
        NO_COLOR="1",
        COLUMNS="100",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@dataclass(frozen=True)
class Outcome:
    exit_code: int | None  # None: killed after the timeout
    stdout: str
    stderr: str

    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


@dataclass(frozen=True)
class Failure:
    kind: str
    detail: str  # one line: what exactly, for grouping and reports


_KILLED = (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS)


def _limit_memory() -> None:  # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_case(case: Case, folder: Path, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """Write the case's files into `folder` (new, empty) and run it there."""
    folder.mkdir(parents=True)
    for name, data in case.files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", *case.argv],
        cwd=folder,
        env=fuzz_env(folder),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_memory,
        start_new_session=True,  # its own process group: a timeout kills everything it started
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        return Outcome(None, _text(out), _text(err))
    return Outcome(process.returncode, _text(out), _text(err))


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def failures(case: Case, outcome: Outcome) -> list[Failure]:
    """Everything the contract forbids in this outcome (empty: the case passed)."""
    found: list[Failure] = []
    lines = outcome.stderr_lines()
    last = lines[-1][:200] if lines else ""
    if outcome.exit_code is None:
        return [Failure(HANG, f"no exit after {TIMEOUT_SECONDS:.0f} s")]
    if "MemoryError" in outcome.stderr or outcome.exit_code in _KILLED:
        found.append(Failure(MEMORY, f"exit {outcome.exit_code}: {last}"))
    if "Traceback (most recent call last)" in outcome.stderr + outcome.stdout:
        found.append(Failure(TRACEBACK, last))
    if outcome.exit_code not in case.expect:
        expected = "/".join(map(str, sorted(case.expect)))
        found.append(Failure(WRONG_EXIT, f"exit {outcome.exit_code}, expected {expected}"))
    if outcome.exit_code in (2, 4) and not any(f.kind == TRACEBACK for f in found):
        found.extend(_message_failures(case, lines))
    return found


def _message_failures(case: Case, lines: list[str]) -> list[Failure]:
    """An input error (or internal error) is one line naming what is at fault."""
    if not lines:
        return [Failure(MULTI_LINE, "no message at all")]
    if case.one_line and len(lines) != 1:
        return [Failure(MULTI_LINE, f"{len(lines)} lines, first: {lines[0][:120]}")]
    unnamed = [line for line in lines if not any(name in line for name in case.blame)]
    if case.blame and unnamed:
        return [Failure(UNNAMED, f"does not name {' or '.join(case.blame)}: {unnamed[0][:160]}")]
    return []
