"""API Gateway answers parsed into Routes: the current definition and what a stage serves.

Every function here runs inside a `reads.run`, so an answer we cannot use (a missing key, a
type we do not know, a value the Route model refuses) raises and becomes a recorded error,
never a guessed route.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.model.http import DEFAULT_ROUTE
from auditor.model.snapshot import Route
from auditor.model.snapshot_fields import one_line_errors

# OpenAPI 3.0 operations of a path item, and API Gateway's catch-all for ANY.
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch")
_ANY_METHOD = "x-amazon-apigateway-any-method"
# How ExportApi encodes an authorization other than NONE (auditor/emulator/openapi.py says
# what was confirmed): an awsSigv4 auth type, or an authorizer of a known type.
_SIGV4 = "awsSigv4"
_AUTHORIZER_TYPES = {"jwt": "JWT", "request": "CUSTOM"}


def by_path(routes: Iterable[Route]) -> list[Route]:
    """Routes in the snapshot's order: by path, then method."""
    return sorted(routes, key=lambda route: (route.path, route.method))


@one_line_errors
def rest_route(verb: str, path: str, method: dict[str, Any]) -> Route:
    return Route(
        method=verb,
        path=path,
        authorization_type=method["authorizationType"],
        authorizer_id=method.get("authorizerId"),
    )


@one_line_errors
def rest_routes(
    pages: Iterable[dict[str, Any]],
) -> tuple[list[Route], list[tuple[str, str, str]]]:
    """The routes of GetResources pages with methods embedded, and (resource id, verb,
    path) of the methods that came without their authorization type."""
    routes: list[Route] = []
    unread: list[tuple[str, str, str]] = []
    for resource in (item for page in pages for item in page.get("items", [])):
        for verb, method in (resource.get("resourceMethods") or {}).items():
            if "authorizationType" in method:
                routes.append(rest_route(verb, resource["path"], method))
            else:
                unread.append((resource["id"], verb, resource["path"]))
    return routes, unread


@one_line_errors
def summary_routes(summary: dict[str, dict[str, dict[str, Any]]]) -> list[Route]:
    """The methods of a REST deployment's apiSummary (path -> verb -> MethodSnapshot). The
    summary names no authorizer: authorizer_id stays None."""
    return by_path(
        Route(method=verb, path=path, authorization_type=snapshot["authorizationType"])
        for path, methods in summary.items()
        for verb, snapshot in methods.items()
    )


@one_line_errors
def http_routes(pages: Iterable[dict[str, Any]]) -> list[Route]:
    routes = []
    for item in (i for page in pages for i in page.get("Items", [])):
        key = item["RouteKey"]
        method, path = ("ANY", DEFAULT_ROUTE) if key == DEFAULT_ROUTE else key.split(" ", 1)
        routes.append(
            Route(
                method=method,
                path=path,
                authorization_type=item.get("AuthorizationType", "NONE"),
                authorizer_id=item.get("AuthorizerId"),
            )
        )
    return routes


@one_line_errors
def export_routes(document: Any) -> list[Route]:
    """The routes of an HTTP API's OpenAPI 3.0 export (ExportApi, extensions included). The
    export names authorizers, not their ids: authorizer_id stays None."""
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ValueError("the export is not an OpenAPI document with paths")
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    routes = []
    for path, item in document["paths"].items():
        for key, operation in item.items():
            if key != _ANY_METHOD and key not in _OPERATIONS:
                continue  # parameters, summary, servers...
            authorization = _authorization(
                operation.get("security", document.get("security")), schemes
            )
            if operation.get("isDefaultRoute"):
                routes.append(
                    Route(method="ANY", path=DEFAULT_ROUTE, authorization_type=authorization)
                )
            else:
                method = "ANY" if key == _ANY_METHOD else key.upper()
                routes.append(Route(method=method, path=path, authorization_type=authorization))
    return by_path(routes)


def _authorization(security: Any, schemes: dict[str, Any]) -> str:
    """The authorization type an operation's security requirement stands for."""
    if not security:
        return "NONE"
    if len(security) != 1 or len(security[0]) != 1:
        raise ValueError(f"security {security!r}: API Gateway exports one scheme per route")
    (name,) = security[0]
    scheme = schemes.get(name)
    if not isinstance(scheme, dict):
        raise ValueError(f"security scheme {name!r} is not defined")
    if scheme.get("x-amazon-apigateway-authtype") == _SIGV4:
        return "AWS_IAM"
    authorizer = scheme.get("x-amazon-apigateway-authorizer") or {}
    found = _AUTHORIZER_TYPES.get(str(authorizer.get("type", "")).lower())
    if found is None:
        raise ValueError(f"security scheme {name!r} is not IAM nor a known authorizer")
    return found
