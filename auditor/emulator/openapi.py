"""The OpenAPI 3.0 document that apigatewayv2 ExportApi returns for an HTTP API.

Built from route snapshots (`route_snapshots`), so that the same code exports the latest
definition and what a deployment froze. Authorization is encoded as AWS's exports do.

Confirmed (AWS developer guide pages on the x-amazon-apigateway-authtype,
-authorizer and -any-method extensions, and HTTP API exports published in public repos):
- AWS_IAM: `security: [{"sigv4": []}]` and a `sigv4` scheme `{type: apiKey, name:
  Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}`;
- JWT: a scheme named after the authorizer, `{type: oauth2, flows: {},
  x-amazon-apigateway-authorizer: {identitySource, jwtConfiguration: {audience, issuer},
  type: jwt}}`, required with the route's authorization scopes;
- a Lambda (REQUEST) authorizer: `{type: apiKey, name, in: header,
  x-amazon-apigateway-authorizer: {identitySource, authorizerUri,
  authorizerPayloadFormatVersion, type: request, ...}}`;
- NONE: no `security` on the operation;
- ANY: the operation `x-amazon-apigateway-any-method`; `$default`: that operation under the
  path `/$default` with `isDefaultRoute: true`;
- path parameters as path-level `parameters` ("Generated path parameter for ..."), a
  `responses.default` per operation and `x-amazon-apigateway-importexport-version: 1.0`.
Assumed (not found in what we could check): several identity sources are joined with ", " in
one string; a Lambda authorizer's `name` is the header of its first identity source
("Unused" if that is not a header); `info.version` is the snapshot's time; `servers` is given
only for a stage export, its `basePath` the stage (empty for `$default`); integrations are
left out (the emulator's routes have none the auditor needs).
"""

from __future__ import annotations

import copy
import re
from typing import Any

DEFAULT_ROUTE = "$default"
ANY_METHOD = "x-amazon-apigateway-any-method"
AUTHORIZER = "x-amazon-apigateway-authorizer"
SIGV4_SCHEME = "sigv4"
_SIGV4 = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}
_PARAMETER = re.compile(r"\{([^{}]+)\}")
_HEADER_SOURCE = re.compile(r"\$request\.header\.(.+)")

RouteSnapshot = dict[str, Any]


def route_snapshots(api: Any) -> list[RouteSnapshot]:
    """Each route of a moto apigatewayv2 Api as a deployment freezes it: key, authorization,
    scopes and a copy of its authorizer (later changes to the authorizer are not deployed)."""
    snapshots = []
    for route in api.routes.values():
        authorizer = api.authorizers.get(route.authorizer_id) if route.authorizer_id else None
        snapshots.append(
            {
                "routeKey": route.route_key,
                "authorizationType": route.authorization_type or "NONE",
                "authorizationScopes": list(route.authorization_scopes or []),
                "authorizer": copy.deepcopy(authorizer.to_json()) if authorizer else None,
            }
        )
    return snapshots


def export_document(
    title: str, version: str, routes: list[RouteSnapshot], server: tuple[str, str] | None = None
) -> dict[str, Any]:
    """The OAS 3.0 export of `routes`; `server` is (the API's endpoint, the stage) for a
    stage export."""
    paths: dict[str, dict[str, Any]] = {}
    schemes: dict[str, Any] = {}
    for route in sorted(routes, key=lambda r: str(r["routeKey"])):
        key = route["routeKey"]
        verb, path = ("ANY", "/" + DEFAULT_ROUTE) if key == DEFAULT_ROUTE else key.split(" ", 1)
        operation: dict[str, Any] = {
            "responses": {"default": {"description": f"Default response for {key}"}}
        }
        if key == DEFAULT_ROUTE:
            operation["isDefaultRoute"] = True
        requirement = _security(route, schemes)
        if requirement is not None:
            operation["security"] = [requirement]
        item = paths.setdefault(path, {})
        item[ANY_METHOD if verb == "ANY" else verb.lower()] = operation
        parameters = [_path_parameter(name) for name in _PARAMETER.findall(path)]
        if parameters:
            item["parameters"] = parameters
    document: dict[str, Any] = {"openapi": "3.0.1", "info": {"title": title, "version": version}}
    if server is not None:
        endpoint, stage = server
        base = "" if stage == DEFAULT_ROUTE else stage
        document["servers"] = [
            {"url": endpoint + "/{basePath}", "variables": {"basePath": {"default": base}}}
        ]
    document["paths"] = paths
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    document["x-amazon-apigateway-importexport-version"] = "1.0"
    return document


def _path_parameter(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "description": f"Generated path parameter for {name}",
        "required": True,
        "schema": {"type": "string"},
    }


def _security(route: RouteSnapshot, schemes: dict[str, Any]) -> dict[str, list[str]] | None:
    """The operation's security requirement (adding its scheme), None for NONE."""
    kind = route["authorizationType"]
    if kind == "AWS_IAM":
        schemes[SIGV4_SCHEME] = dict(_SIGV4)
        return {SIGV4_SCHEME: []}
    if kind == "NONE":
        return None
    authorizer = route["authorizer"]
    if kind not in ("JWT", "CUSTOM") or authorizer is None:
        # Not a state AWS allows; exporting it as public (no security) would be a lie.
        raise ValueError(f"route {route['routeKey']}: authorization {kind} without authorizer")
    name = authorizer["name"]
    sources = authorizer.get("identitySource") or []
    extension: dict[str, Any] = {"identitySource": ", ".join(sources)}
    if kind == "JWT":
        config = authorizer.get("jwtConfiguration") or {}
        extension["jwtConfiguration"] = {
            k: config[k] for k in ("audience", "issuer") if config.get(k) is not None
        }
        extension["type"] = "jwt"
        schemes[name] = {"type": "oauth2", "flows": {}, AUTHORIZER: extension}
        return {name: list(route["authorizationScopes"])}
    for field in ("authorizerUri", "authorizerPayloadFormatVersion"):
        extension[field] = authorizer.get(field)
    extension["type"] = "request"
    for field in ("authorizerResultTtlInSeconds", "enableSimpleResponses"):
        if authorizer.get(field) is not None:
            extension[field] = authorizer[field]
    header = _HEADER_SOURCE.fullmatch(sources[0]) if sources else None
    schemes[name] = {
        "type": "apiKey",
        "name": header.group(1) if header else "Unused",
        "in": "header",
        AUTHORIZER: extension,
    }
    return {name: []}
