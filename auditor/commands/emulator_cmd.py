"""`auditor emulator`: the embedded AWS emulator in the foreground, for trying the auditor
offline with live commands (run, explain, --state, schedule) instead of a snapshot.

By default it is seeded with the demo's app and drift (`auditor.commands.demo`) and writes the
matching baseline; `--empty` serves moto and our extensions alone, for seeding your own. It
serves until SIGINT or SIGTERM, then stops cleanly (exit 0): it is meant to be stopped.
"""

from __future__ import annotations

import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import boto3
import yaml

from auditor.commands.atomic import write_text_atomic
from auditor.commands.console import notice
from auditor.commands.demo import REGION, demo_baseline, seed_demo
from auditor.commands.scoped_env import scoped_environ
from auditor.emulator import EmulatorServer
from auditor.model.errors import InputError

# moto's own default port: tools already pointed at a local moto server find this one.
DEFAULT_PORT = 5000
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Served:
    """What a person (or a script reading stdout) needs to talk to the running emulator."""

    endpoint: str
    region: str
    user_pool: str | None = None
    identity_pool: str | None = None
    api: str | None = None
    stage: str | None = None
    baseline: Path | None = None

    def lines(self) -> list[str]:
        """`key: value` lines, stable for scripts that read them."""
        fields = {
            "endpoint": self.endpoint,
            "region": self.region,
            "user pool": self.user_pool,
            "identity pool": self.identity_pool,
            "api": self.api,
            "stage": self.stage,
            "baseline": None if self.baseline is None else str(self.baseline),
        }
        return [f"{name}: {value}" for name, value in fields.items() if value is not None]


def check_port_free(port: int) -> None:
    """Refuse a port something already listens on: moto's server thread would fail to bind
    and its start() wait forever for a ready signal that never comes."""
    if not 0 <= port <= 65535:
        raise InputError("--port", None, f"{port} is not a port number (0 to 65535)")
    if port == 0:
        return
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # The same socket option werkzeug's server sets, so a port freed a moment ago is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    except OSError as exc:
        raise InputError(
            "--port",
            None,
            f"127.0.0.1:{port} is in use ({exc.strerror}); --port 0 picks a free one",
        ) from exc
    finally:
        probe.close()


def require_moto(command: str = "emulator") -> None:
    """One line naming `command` when the optional demo extra (moto) is missing: exit 2, where
    the emulator's server thread would otherwise fail deep inside (exit 4)."""
    try:
        import moto.moto_server.threaded_moto_server  # noqa: F401
    except ImportError as exc:
        raise InputError(
            command,
            None,
            f"needs the demo extra ({exc}): pip install 'cognito-route-auditor[demo]'",
        ) from exc


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set `stop` (a clean exit, not the guard's 130) for the block."""

    def _handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, _handle) for signum in _STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _seed(server: EmulatorServer, folder: Path) -> Served:
    """The demo's drifted app in `server`, and its baseline written to `folder`."""
    seeded = seed_demo(boto3.Session(region_name=REGION), server.url)
    document = demo_baseline(seeded)
    baseline = folder / "baseline.yaml"
    write_text_atomic(baseline, yaml.safe_dump(document, sort_keys=False))
    (api,) = document["apis"]  # the demo has one REST API
    return Served(
        endpoint=server.url,
        region=REGION,
        user_pool=seeded.user_pool_id,
        identity_pool=seeded.identity_pool_id,
        api=api["id"],
        stage=api["stage"],
        baseline=baseline,
    )


def _announce(served: Served) -> None:
    print(f"auditor emulator: serving on {served.endpoint} until Ctrl-C or SIGTERM")
    for line in served.lines():
        print(f"  {line}")
    if served.baseline is not None:
        print(
            "try:\n"
            "  export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo  # any key will do\n"
            f"  auditor run --baseline {served.baseline} --endpoint-url {served.endpoint}"
        )
    sys.stdout.flush()  # a script reading a pipe waits for these lines


def serve(*, port: int, keep: Path | None, empty: bool) -> int:
    """Start, seed (unless `empty`), announce, serve until a stop signal; exit code 0."""
    require_moto()
    check_port_free(port)
    stop = threading.Event()
    with ExitStack() as stack:
        stack.enter_context(_stop_on_signals(stop))
        # The emulator accepts any key; seeding must never pick up real credentials.
        stack.enter_context(
            scoped_environ(
                {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"},
                unset=("AWS_SESSION_TOKEN", "AWS_PROFILE"),
            )
        )
        server = stack.enter_context(EmulatorServer(port=port))
        if empty:
            served = Served(endpoint=server.url, region=REGION)
        else:
            folder = keep or Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="auditor-emulator-"))
            )
            served = _seed(server, folder)
        _announce(served)
        # A timed wait: the signal handler runs between waits even where a lock wait is not
        # interrupted by signals.
        while not stop.wait(0.5):
            pass
        notice("auditor emulator: stopped")
    return 0
