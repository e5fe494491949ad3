"""API Gateway answers parsed into Routes: the current definition and what a stage serves.

Every function here runs inside a `reads.run`, so an answer we cannot use (a missing key, a
type we do not know, a value the Route model refuses) raises and becomes a recorded error,
never a guessed route.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.model.http import DEFAULT_ROUTE
from auditor.model.openapi_routes import openapi_routes
from auditor.model.snapshot import Route
from auditor.model.snapshot_fields import one_line_errors


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


def export_routes(document: Any) -> list[Route]:
    """The routes of an HTTP API's OpenAPI 3.0 export (ExportApi, extensions included), read
    as a template's Body is (model/openapi_routes.py)."""
    return openapi_routes(document)
