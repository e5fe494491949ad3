"""Run moto in server mode on loopback, with our extensions, a request log and fault injection.

The request log names each call the way IAM names the permission family ("iam:ListRoles",
"apigateway:GetResources"), so a benchmark can count calls and a least-privilege test can
compare what the collector really did with what it declares. Calls made with the auditor's
User-Agent are also kept in a log that `reset` leaves alone, for the whole-suite check that
the auditor only reads. Faults are deterministic (`inject_failure`, `inject_answer`) or seeded
random (`inject_faults`: a fraction of calls throttled or failed the way AWS does).
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from auditor.emulator import extensions
from auditor.emulator.faults import FAULT_KINDS, Fault, FaultKind, FaultPlan
from auditor.emulator.read_only import TOOL_USER_AGENT
from auditor.emulator.wire import (
    StartResponse,
    WsgiApp,
    WsgiEnviron,
    error_response,
    json_response,
    operation_name,
)

__all__ = ["EmulatorServer", "InjectedFailure", "operation_name"]


@dataclass(frozen=True)
class InjectedFailure:
    """Answer matching calls with this error (or `answer`) instead of passing them to moto."""

    status: int
    code: str
    message: str
    remaining: int | None  # None: every matching call
    answer: bytes | None = None  # a 200 JSON body instead of an error


@dataclass(frozen=True)
class Call:
    """One logged AWS request."""

    operation: str
    user_agent: str

    @property
    def by_tool(self) -> bool:
        return TOOL_USER_AGENT in self.user_agent


class _RecordingApp:
    """WSGI middleware: log the operation, maybe fail it, else hand it to moto."""

    def __init__(self, app: WsgiApp, server: EmulatorServer) -> None:
        self._app = app
        self._server = server

    def __call__(self, environ: WsgiEnviron, start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        operation = operation_name(environ, body)
        if operation is None:
            return self._app(environ, start_response)
        failure, latency = self._server._record(operation, environ.get("HTTP_USER_AGENT", ""))
        if latency:
            time.sleep(latency)
        if isinstance(failure, InjectedFailure) and failure.answer is not None:
            return json_response(failure.answer, start_response)
        if failure is not None:
            service = operation.split(":", 1)[0]
            return error_response(
                service, failure.status, failure.code, failure.message, start_response
            )
        return self._app(environ, start_response)


class EmulatorServer:
    """moto's ThreadedMotoServer on 127.0.0.1 with a free port, plus our extensions."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._operations: Counter[str] = Counter()
        self._calls: list[Call] = []
        self._tool_operations: Counter[str] = Counter()  # survives reset
        self._faulted: Counter[str] = Counter()
        self._failures: dict[str, InjectedFailure] = {}
        self._plan: FaultPlan | None = None
        self._latency = 0.0
        self._moto: Any = None
        self.url = ""

    def start(self) -> EmulatorServer:
        try:
            from moto.moto_server.threaded_moto_server import ThreadedMotoServer
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
        except ImportError as exc:  # moto is the optional extra "demo"
            raise RuntimeError(
                "the AWS emulator needs moto: pip install 'cognito-route-auditor[demo]'"
            ) from exc
        from werkzeug.serving import make_server

        extensions.install()
        # One line per request on stderr drowns test and benchmark output.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        outer = self

        class _Server(ThreadedMotoServer):
            # Same as moto's _server_entry, with our middleware around the app.
            def _server_entry(self) -> None:
                app = _RecordingApp(DomainDispatcherApplication(create_backend_app), outer)
                self._server = make_server(
                    self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
                )
                self._server_ready_event.set()
                self._server.serve_forever()

        self._moto = _Server(ip_address=self._host, port=self._port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every resource, logged call and injected fault (not `tool_operations`)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        self.clear_operations()
        self.clear_failures()

    def operations(self) -> Counter[str]:
        """How many times each 'service:Operation' was called since the last clear."""
        with self._lock:
            return Counter(self._operations)

    def calls(self) -> list[Call]:
        """Every call since the last clear, in order, with its User-Agent."""
        with self._lock:
            return list(self._calls)

    def faults_answered(self) -> Counter[str]:
        """How many calls of each operation a random fault answered since the last clear."""
        with self._lock:
            return Counter(self._faulted)

    def clear_operations(self) -> None:
        with self._lock:
            self._operations.clear()
            self._calls.clear()
            self._faulted.clear()

    def tool_operations(self) -> Counter[str]:
        """Every call made with the auditor's User-Agent since the server started, resets and
        clears included: what the auditor did over a whole test session."""
        with self._lock:
            return Counter(self._tool_operations)

    def inject_failure(
        self,
        operation: str,
        *,
        status: int = 403,
        code: str = "AccessDeniedException",
        message: str = "injected by the emulator",
        times: int | None = None,
    ) -> None:
        """Make calls to ``operation`` ('iam:GetAccountAuthorizationDetails') fail (test hook)."""
        with self._lock:
            self._failures[operation] = InjectedFailure(status, code, message, times)

    def inject_answer(self, operation: str, answer: dict[str, Any]) -> None:
        """Answer every call to ``operation`` (a JSON-protocol one) with `answer`: well-formed
        JSON that botocore accepts but the collector may not (a test hook)."""
        with self._lock:
            self._failures[operation] = InjectedFailure(
                200, "", "", None, json.dumps(answer).encode()
            )

    def inject_faults(
        self,
        rate: float,
        *,
        seed: int = 0,
        services: Iterable[str] | None = None,
        kinds: Iterable[FaultKind] = FAULT_KINDS,
    ) -> None:
        """Answer a `rate` fraction of calls (to `services`, named as in operation names, or
        all) with throttling or a server error, as AWS would; drawn from `seed`. Calls that
        `inject_failure` or `inject_answer` match are answered by those instead."""
        plan = FaultPlan(rate, seed=seed, services=services, kinds=kinds)
        with self._lock:
            self._plan = plan

    def inject_latency(self, seconds: float) -> None:
        """Delay every AWS call by `seconds` (0 to stop), e.g. to stretch a run for a kill."""
        with self._lock:
            self._latency = max(0.0, seconds)

    def clear_failures(self) -> None:
        """Stop every injected failure, answer, random fault and latency."""
        with self._lock:
            self._failures.clear()
            self._plan = None
            self._latency = 0.0

    def _record(
        self, operation: str, user_agent: str
    ) -> tuple[InjectedFailure | Fault | None, float]:
        """Log the call; (what answers it instead of moto, if anything; delay)."""
        call = Call(operation, user_agent)
        with self._lock:
            self._operations[operation] += 1
            self._calls.append(call)
            if call.by_tool:
                self._tool_operations[operation] += 1
            failure = self._failures.get(operation)
            if failure is None:
                fault = self._plan.draw(operation) if self._plan is not None else None
                if fault is not None:
                    self._faulted[operation] += 1
                return fault, self._latency
            if failure.remaining is not None:
                left = failure.remaining - 1
                if left <= 0:
                    del self._failures[operation]
                else:
                    self._failures[operation] = replace(failure, remaining=left)
            return failure, self._latency
