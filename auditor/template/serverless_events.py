"""Serverless `http` and `httpApi` events -> routes (METHOD, path, authorization), and
the logical-id form of a path Serverless names its API Gateway resources with."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.model.errors import InputError
from auditor.model.findings import TemplateLocation
from auditor.model.http import HTTP_METHODS


class EventRoute:
    """One http or httpApi event: METHOD, path, authorization, where it is written."""

    def __init__(
        self,
        method: str,
        path: str,
        authorization: str,
        location: TemplateLocation,
        cors: bool = False,
    ) -> None:
        self.method = method
        self.path = path
        self.authorization = authorization
        self.location = location
        self.cors = cors

    def methods(self) -> list[tuple[str, str]]:
        """What API Gateway serves: the method, and with cors its OPTIONS preflight, which
        Serverless deploys as a MOCK integration open to anyone."""
        return [
            (self.method, self.authorization),
            *([("OPTIONS", "NONE")] if self.cors and self.method != "OPTIONS" else []),
        ]


def rest_route(value: Any, location: TemplateLocation, path: Path, where: str) -> EventRoute:
    if isinstance(value, str):
        method, _, route_path = value.strip().partition(" ")
        value = {"method": method, "path": route_path}
    if not isinstance(value, Mapping) or "path" not in value or "method" not in value:
        raise InputError(str(path), where, "an http event needs a method and a path")
    route_path = _text(value["path"], path, f"{where}.path")
    return EventRoute(
        method=_method(value["method"], path, f"{where}.method"),
        path="/" + route_path.strip().strip("/"),
        authorization=rest_authorization(_authorizer(value, path, where)),
        location=location,
        cors=bool(value.get("cors")),
    )


def rest_authorization(authorizer: Any) -> str:
    """Serverless's `authorizer` -> the method's AuthorizationType."""
    if authorizer is None:
        return "NONE"
    if isinstance(authorizer, str):
        return "AWS_IAM" if authorizer.lower() == "aws_iam" else "CUSTOM"
    kind = str(authorizer.get("type", "")).lower() if isinstance(authorizer, Mapping) else ""
    arn = str(authorizer.get("arn", "")) if isinstance(authorizer, Mapping) else ""
    if kind == "aws_iam":
        return "AWS_IAM"
    if kind == "cognito_user_pools" or (not kind and ":cognito-idp:" in arn):
        return "COGNITO_USER_POOLS"
    return "CUSTOM"


def http_route(
    value: Any, location: TemplateLocation, path: Path, where: str, provider: Mapping[str, Any]
) -> EventRoute:
    if isinstance(value, str):
        if value.strip() == "*":
            value = {"method": "*", "path": "$default"}
        else:
            method, _, route_path = value.strip().partition(" ")
            value = {"method": method, "path": route_path}
    if not isinstance(value, Mapping) or "path" not in value:
        raise InputError(str(path), where, "an httpApi event needs a path")
    route_path = _text(value["path"], path, f"{where}.path").strip()
    if route_path != "$default" and not route_path.startswith("/"):
        raise InputError(str(path), f"{where}.path", "an HTTP API path starts with /")
    method = _method(value.get("method", "*"), path, f"{where}.method")
    return EventRoute(
        method="ANY" if route_path == "$default" else method,
        path=route_path,
        authorization=http_authorization(_authorizer(value, path, where), provider),
        location=location,
    )


def http_authorization(authorizer: Any, provider: Mapping[str, Any]) -> str:
    """httpApi `authorizer` -> the route's AuthorizationType: `{type: aws_iam}` AWS_IAM, a
    named authorizer JWT, or CUSTOM when provider.httpApi.authorizers declares it `request`."""
    if authorizer is None:
        return "NONE"
    if isinstance(authorizer, str):
        name, kind = authorizer, ""
    else:
        name, kind = str(authorizer.get("name", "")), str(authorizer.get("type", "")).lower()
    if kind == "aws_iam" or name.lower() == "aws_iam":
        return "AWS_IAM"
    settings = provider.get("httpApi")
    authorizers = settings.get("authorizers") if isinstance(settings, Mapping) else None
    declared = authorizers.get(name) if isinstance(authorizers, Mapping) else None
    declared = declared if isinstance(declared, Mapping) else {}
    if kind == "request" or str(declared.get("type", "")).lower() == "request":
        return "CUSTOM"
    return "JWT"


def _method(value: Any, path: Path, where: str) -> str:
    method = _text(value, path, where).strip().upper()
    if method in ("*", "ANY"):
        return "ANY"
    if method not in HTTP_METHODS:
        raise InputError(str(path), where, f"{value!r} is not an HTTP method")
    return method


def _text(value: Any, path: Path, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(str(path), where, "must be a string")
    return value


def _authorizer(event: Mapping[str, Any], path: Path, where: str) -> Any:
    authorizer = event.get("authorizer")
    if authorizer is not None and not isinstance(authorizer, str | Mapping):
        raise InputError(str(path), f"{where}.authorizer", "must be a name or a mapping")
    return authorizer


def normalize_path(path: str) -> str:
    """Serverless's logical-id form of a path, part by part as its naming.normalizePathPart
    does (lodash capitalize, so the rest of a part is lower case): /items/{itemId} ->
    ItemsItemidVar, my-list -> MyDashlist, {proxy+} -> ProxyVar."""
    parts = []
    for segment in (s for s in path.split("/") if s):
        segment = segment[:1].upper() + segment[1:].lower()
        segment = re.sub(r"\{(.*)\}", r"\1Var", segment.replace("-", "Dash"))
        segment = re.sub(r"[^0-9A-Za-z]", "", segment)
        parts.append(segment[:1].upper() + segment[1:])
    return "".join(parts)
