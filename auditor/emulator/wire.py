"""AWS on the wire: which operation a request is, and an error in the service's own protocol.

Requests are named the way IAM names the permission family ("iam:ListRoles",
"apigateway:GetResources", "s3:PutObject"); errors are written the way each protocol writes
them, so botocore parses the code and its retry handler judges them as it would AWS's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

WsgiEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[WsgiEnviron, StartResponse], Iterable[bytes]]

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# Services whose wire protocol is query (form-encoded Action) or rest-xml; the others are
# JSON (X-Amz-Target) or rest-json (method and path).
QUERY_SERVICES = frozenset({"iam", "sts"})
_REST_XML_SERVICES = frozenset({"s3"})


@dataclass(frozen=True)
class _Route:
    method: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str | None], ...]  # keys the request must carry (value if given)
    headers: tuple[str, ...]  # WSGI names of headers it must carry
    operation: str

    def matches(self, environ: WsgiEnviron, path: str, query: dict[str, list[str]]) -> bool:
        return (
            environ.get("REQUEST_METHOD", "GET") == self.method
            and self.path.fullmatch(path) is not None
            and all(
                key in query and (value is None or value in query[key]) for key, value in self.query
            )
            and all(header in environ for header in self.headers)
        )


@cache
def _rest_routes(service: str) -> list[_Route]:
    """Routes from the botocore model, those with the most required query keys and headers
    first (S3's PutObject and CopyObject differ by a header only), then the most specific."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    ranked: list[tuple[tuple[int, int, int], _Route]] = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        template, _, uri_query = operation.http["requestUri"].partition("?")
        template = template.rstrip("/") or "/"
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(template))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        query: list[tuple[str, str | None]] = [
            (key, value or None)
            for key, _, value in (part.partition("=") for part in uri_query.split("&") if part)
        ]
        headers: list[str] = []
        shape = operation.input_shape
        for member in shape.required_members if shape is not None else ():
            where = shape.members[member].serialization  # type: ignore[union-attr]
            if where.get("location") == "querystring":
                query.append((where["name"], None))
            elif where.get("location") == "header":
                headers.append("HTTP_" + where["name"].upper().replace("-", "_"))
        route = _Route(
            operation.http["method"], re.compile(pattern + "/?"), tuple(query), tuple(headers), name
        )
        rank = (-len(query) - len(headers), template.count("{"), -len(route.path.pattern))
        ranked.append((rank, route))
    ranked.sort(key=lambda item: item[0])
    return [route for _, route in ranked]


def signing_service(environ: WsgiEnviron) -> str:
    scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return scope.group(1) if scope else "unknown"


def operation_name(environ: WsgiEnviron, body: bytes) -> str | None:
    """'service:Operation' for one AWS request, or None for moto's own /moto-api/ calls."""
    path = environ.get("PATH_INFO", "/")
    if path.startswith("/moto-api"):
        return None
    service = signing_service(environ)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if service in QUERY_SERVICES or service == "unknown":
        params = parse_qs(body.decode("utf-8", "replace"))
        params.update(query)
        if "Action" in params:
            return f"{service}:{params['Action'][0]}"
    if service in ("apigateway", "s3", "securityhub"):
        # apigatewayv2 signs as "apigateway" too; its paths start with /v2/.
        model = "apigatewayv2" if path.startswith("/v2/") else service
        for route in _rest_routes(model):
            if route.matches(environ, path.rstrip("/") or "/", query):
                return f"{model}:{route.operation}"
    return f"{service}:{environ.get('REQUEST_METHOD', 'GET')} {path}"


def error_response(
    service: str, status: int, code: str, message: str, start_response: StartResponse
) -> list[bytes]:
    """An error body in `service`'s protocol (the name before ':' in an operation name)."""
    if service in QUERY_SERVICES:
        fault = "Receiver" if status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{fault}</Type>"
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            "</Error><RequestId>injected</RequestId></ErrorResponse>"
        ).encode()
        content_type = "text/xml"
    elif service in _REST_XML_SERVICES:
        body = (
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            "<RequestId>injected</RequestId></Error>"
        ).encode()
        content_type = "application/xml"
    else:
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/json"
    start_response(
        f"{status} {_reason(status)}",
        [
            ("Content-Type", content_type),
            ("x-amzn-ErrorType", code),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def json_response(answer: bytes, start_response: StartResponse) -> list[bytes]:
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))]
    )
    return [answer]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
