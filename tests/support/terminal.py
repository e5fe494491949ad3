"""The CLI on a real pseudo-terminal: a window of a given size on stdout, stderr or both."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from tests.support.aws import CLOSED_PORT_URL, offline_aws_env

TIMEOUT = 120


@dataclass
class TerminalRun:
    exit_code: int
    stdout: str  # what the terminal showed, if stdout was on it ("\r\n" read as "\n")
    stderr: str
    screen: str  # everything the terminal showed


def run_on_terminal(
    args: Sequence[str],
    *,
    columns: int = 80,
    on_terminal: Sequence[str] = ("stdout", "stderr"),
    endpoint: str | None = None,
    env: dict[str, str] | None = None,
    drop_env: Sequence[str] = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR"),
) -> TerminalRun:
    """`python -m auditor ARGS` with the streams named in `on_terminal` on a pty `columns`
    wide, the others on pipes."""
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in drop_env
    }
    full_env.update(offline_aws_env(os.devnull, endpoint or CLOSED_PORT_URL), TERM="xterm")
    full_env.update(env or {})
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    streams = {
        name: (follower if name in on_terminal else subprocess.PIPE)
        for name in ("stdout", "stderr")
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", *args],
        stdin=subprocess.DEVNULL,
        stdout=streams["stdout"],
        stderr=streams["stderr"],
        env=full_env,
    )
    os.close(follower)
    shown: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: every writer closed the terminal
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
        reader.join(timeout=10)
        os.close(leader)
    screen = b"".join(shown).decode("utf-8", "replace").replace("\r\n", "\n")
    return TerminalRun(
        exit_code=process.returncode,
        stdout=screen if "stdout" in on_terminal else out.decode(),
        stderr=screen if "stderr" in on_terminal else err.decode(),
        screen=screen,
    )
