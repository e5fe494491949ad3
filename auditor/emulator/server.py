"""Run moto in server mode on loopback, with our extensions, a request log and fault injection.

The request log names each call the way IAM names the permission family ("iam:ListRoles",
"apigateway:GetResources"), so a benchmark can count calls and a least-privilege test can
compare what the collector really did with what it declares.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from auditor.emulator import extensions

WsgiEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[WsgiEnviron, StartResponse], Iterable[bytes]]

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# Services whose wire protocol is query (form-encoded Action) or JSON (X-Amz-Target).
_QUERY_SERVICES = frozenset({"iam", "sts"})


@dataclass(frozen=True)
class InjectedFailure:
    """Answer matching calls with this error (or `answer`) instead of passing them to moto."""

    status: int
    code: str
    message: str
    remaining: int | None  # None: every matching call
    answer: bytes | None = None  # a 200 JSON body instead of an error


@cache
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], str]]:
    """(HTTP method, path regex, operation) from the botocore model, most specific first."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    routes: list[tuple[int, str, re.Pattern[str], str]] = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        template = http["requestUri"].split("?")[0].rstrip("/") or "/"
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(template))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        placeholders = template.count("{")
        routes.append((placeholders, http["method"], re.compile(pattern + "/?"), name))
    routes.sort(key=lambda r: (r[0], -len(r[2].pattern)))
    return [(method, regex, name) for _, method, regex, name in routes]


def operation_name(environ: WsgiEnviron, body: bytes) -> str | None:
    """'service:Operation' for one AWS request, or None for moto's own /moto-api/ calls."""
    path = environ.get("PATH_INFO", "/")
    if path.startswith("/moto-api"):
        return None
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = _CREDENTIAL_SCOPE.search(auth)
    service = scope.group(1) if scope else "unknown"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    if service in _QUERY_SERVICES or service == "unknown":
        params = parse_qs(body.decode("utf-8", "replace"))
        params.update(parse_qs(environ.get("QUERY_STRING", "")))
        if "Action" in params:
            return f"{service}:{params['Action'][0]}"
    if service == "apigateway":
        # apigatewayv2 signs as "apigateway" too; its paths start with /v2/.
        model = "apigatewayv2" if path.startswith("/v2/") else "apigateway"
        method = environ.get("REQUEST_METHOD", "GET")
        for verb, regex, name in _rest_routes(model):
            if verb == method and regex.fullmatch(path.rstrip("/") or "/"):
                return f"{model}:{name}"
    return f"{service}:{environ.get('REQUEST_METHOD', 'GET')} {path}"


def _error_response(
    service: str, failure: InjectedFailure, start_response: StartResponse
) -> list[bytes]:
    """An error body in the service's own protocol, so botocore parses the code."""
    if failure.answer is not None:
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(failure.answer)))],
        )
        return [failure.answer]
    if service in _QUERY_SERVICES:
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{failure.code}</Code><Message>{failure.message}</Message>"
            "</Error><RequestId>injected</RequestId></ErrorResponse>"
        ).encode()
        content_type = "text/xml"
    else:
        body = json.dumps({"__type": failure.code, "message": failure.message}).encode()
        content_type = "application/json"
    reason = {400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests"}.get(
        failure.status, "Internal Server Error"
    )
    start_response(
        f"{failure.status} {reason}",
        [
            ("Content-Type", content_type),
            ("x-amzn-ErrorType", failure.code),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


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
        if operation is not None:
            failure = self._server._record(operation)
            if failure is not None:
                return _error_response(operation.split(":", 1)[0], failure, start_response)
        return self._app(environ, start_response)


class EmulatorServer:
    """moto's ThreadedMotoServer on 127.0.0.1 with a free port, plus our extensions."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._operations: Counter[str] = Counter()
        self._failures: dict[str, InjectedFailure] = {}
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
        """Forget every resource, logged call and injected failure."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        with self._lock:
            self._operations.clear()
            self._failures.clear()

    def operations(self) -> Counter[str]:
        """How many times each 'service:Operation' was called since the last clear."""
        with self._lock:
            return Counter(self._operations)

    def clear_operations(self) -> None:
        with self._lock:
            self._operations.clear()

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

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def _record(self, operation: str) -> InjectedFailure | None:
        with self._lock:
            self._operations[operation] += 1
            failure = self._failures.get(operation)
            if failure is None:
                return None
            if failure.remaining is not None:
                left = failure.remaining - 1
                if left <= 0:
                    del self._failures[operation]
                else:
                    self._failures[operation] = replace(failure, remaining=left)
            return failure
