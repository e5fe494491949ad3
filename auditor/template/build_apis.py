"""API Gateway resources -> the snapshot's APIs: REST APIs (a Body, or Resource and Method
resources) and HTTP APIs (a Body, quick create, or Route resources), with their stages.

A template deploys its current definition: every stage serves `routes` (no separate
deployments), which is what the live audit sees right after `deploy`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from auditor.model.findings import TemplateLocation
from auditor.model.http import DEFAULT_ROUTE
from auditor.model.openapi_routes import authorization_view, openapi_routes
from auditor.model.refs import ApiRef
from auditor.model.snapshot import Api, Route
from auditor.template.build_context import BuildContext, Unknown, bad_input, refused
from auditor.template.made_up import root_resource_id
from auditor.template.model import Resource

REST_API = "AWS::ApiGateway::RestApi"
HTTP_API = "AWS::ApiGatewayV2::Api"


@dataclass
class ApiSources:
    apis: dict[str, TemplateLocation] = field(default_factory=dict)
    routes: dict[tuple[str, str, str], TemplateLocation] = field(default_factory=dict)
    stages: dict[tuple[str, str], TemplateLocation] = field(default_factory=dict)


def build_apis(context: BuildContext, refs: list[ApiRef], sources: ApiSources) -> list[Api]:
    """The APIs `refs` name (by id or Name), or every API of the application when they name
    none. A ref the templates do not define is recorded as unknown."""
    found: dict[str, tuple[Resource, str, str]] = {}  # id -> (resource, name, kind)
    for resource in context.of_type(REST_API, HTTP_API):
        try:
            api_id = context.ref(resource)
            name = _name(context, resource)
            protocol = context.value(resource, "ProtocolType", "HTTP")
        except Unknown:
            continue
        if resource.type == HTTP_API and protocol != "HTTP":
            continue  # a WebSocket API: the audit reads REST and HTTP APIs only
        found[api_id] = (resource, name, "REST" if resource.type == REST_API else "HTTP")
    chosen = set(found) if not refs else set()
    for ref in refs:
        matches = [i for i, (_, name, _) in found.items() if i == ref.id or name == ref.name]
        if matches:
            chosen.update(matches)
        elif context.app.resources:
            first = next(iter(context.app.resources.values()))
            context.miss(first, "apis", f"API {ref} is not defined in the templates", "apigateway")
    apis = []
    for api_id in sorted(chosen):
        resource, name, kind = found[api_id]
        try:
            api = _api(context, resource, api_id, name, kind, sources)  # type: ignore[arg-type]
        except Unknown:
            continue
        apis.append(api)
        sources.apis[api_id] = resource.location
    return apis


def _api(
    context: BuildContext,
    resource: Resource,
    api_id: str,
    name: str,
    kind: Literal["REST", "HTTP"],
    sources: ApiSources,
) -> Api:
    located: list[tuple[Route, TemplateLocation]] = []
    located.extend(_body_routes(context, resource, rest=kind == "REST"))
    if kind == "REST":
        located.extend(_method_routes(context, api_id))
    else:
        located.extend(_http_routes(context, resource, api_id))
    routes: dict[tuple[str, str], Route] = {}
    for route, where in located:
        routes[(route.method, route.path)] = route  # a Method beside a Body route wins
        sources.routes[(api_id, route.method, route.path)] = where
    stages = _stages(context, resource, api_id, kind, sources)
    try:
        return Api(
            id=api_id,
            name=name,
            kind=kind,
            stages=sorted(stages),
            resource_policy=_policy(context, resource) if kind == "REST" else None,
            routes=sorted(routes.values(), key=lambda r: (r.path, r.method)),
        )
    except ValidationError as exc:
        raise refused(resource, exc) from None


def _policy(context: BuildContext, resource: Resource) -> dict[str, Any] | None:
    policy = context.value(resource, "Policy")
    if isinstance(policy, str):  # a JSON string, as the console writes it
        try:
            policy = json.loads(policy)
        except ValueError:
            raise bad_input(resource, "Policy", "is not a JSON policy document") from None
    if policy is not None and not isinstance(policy, dict):
        raise bad_input(resource, "Policy", "expected a policy document")
    return policy


def _body_routes(
    context: BuildContext, resource: Resource, *, rest: bool
) -> list[tuple[Route, TemplateLocation]]:
    elsewhere = {
        "BodyS3Location": "a definition in S3 is not read offline",
        "CloneFrom": "the routes of the API it clones are not known offline",
    }
    for prop, reason in elsewhere.items():
        if prop in resource.properties:
            context.miss(resource, f"Properties.{prop}", reason)
            raise Unknown
    body = _body(context, resource)
    if body is None:
        return []
    try:
        routes = openapi_routes(body, rest=rest)
    except ValueError as exc:
        raise bad_input(resource, "Body", " ".join(str(exc).split())) from None
    return [
        (route, resource.route_locations.get((route.method, route.path), resource.location))
        for route in routes
    ]


def _body(context: BuildContext, resource: Resource) -> Any:
    """The Body's authorization view (openapi_routes.authorization_view), resolved: the
    integrations' Lambda ARNs and the like are never needed, so never unresolved."""
    raw = resource.properties.get("Body")
    if raw is None:
        return None
    return context.resolved(resource, authorization_view(raw), "Properties.Body")


def _name(context: BuildContext, resource: Resource) -> str:
    """Name, else the title of its Body (what API Gateway names an imported API), else the
    logical id."""
    name = context.value(resource, "Name")
    if name is None:
        body = _body(context, resource)
        info = body.get("info") if isinstance(body, dict) else None
        name = info.get("title") if isinstance(info, dict) else None
    return str(name or resource.logical_id)


def _of_api(context: BuildContext, resource: Resource, prop: str, api_id: str) -> bool:
    try:
        return bool(context.value(resource, prop) == api_id)
    except Unknown:
        return False


def _method_routes(context: BuildContext, api_id: str) -> list[tuple[Route, TemplateLocation]]:
    paths = _resource_paths(context, api_id)
    located = []
    for method in context.of_type("AWS::ApiGateway::Method"):
        if not _of_api(context, method, "RestApiId", api_id):
            continue
        try:
            parent = context.value(method, "ResourceId")
            verb = str(context.value(method, "HttpMethod", "")).upper()
            authorization = str(context.value(method, "AuthorizationType", "NONE")).upper()
        except Unknown:
            continue
        path = paths.get(str(parent))
        if path is None:
            context.miss(method, "Properties.ResourceId", f"resource {parent} is not known")
            continue
        try:
            route = Route(method=verb, path=path, authorization_type=authorization)
        except ValidationError as exc:
            raise refused(method, exc) from None
        located.append((route, method.location))
    return located


def _resource_paths(context: BuildContext, api_id: str) -> dict[str, str]:
    """Resource id -> its path, from the root down the ParentId/PathPart tree."""
    parents: dict[str, tuple[str, str]] = {}
    for resource in context.of_type("AWS::ApiGateway::Resource"):
        if not _of_api(context, resource, "RestApiId", api_id):
            continue
        try:
            parents[context.ref(resource)] = (
                str(context.value(resource, "ParentId")),
                str(context.value(resource, "PathPart")),
            )
        except Unknown:
            continue
    root = root_resource_id(api_id)
    paths = {root: "/"}

    def path_of(resource_id: str, seen: frozenset[str]) -> str | None:
        if resource_id in paths:
            return paths[resource_id]
        if resource_id not in parents or resource_id in seen:
            return None  # unknown parent, or a cycle CloudFormation would refuse
        parent, part = parents[resource_id]
        above = path_of(parent, seen | {resource_id})
        if above is None:
            return None
        paths[resource_id] = above.rstrip("/") + "/" + part
        return paths[resource_id]

    for resource_id in parents:
        path_of(resource_id, frozenset())
    return paths


def _http_routes(
    context: BuildContext, api: Resource, api_id: str
) -> list[tuple[Route, TemplateLocation]]:
    located = []
    if "Target" in api.properties:  # quick create: one route, no authorization
        key = str(context.value(api, "RouteKey", DEFAULT_ROUTE))
        located.append((_keyed_route(api, key, "NONE"), api.location))
    for route in context.of_type("AWS::ApiGatewayV2::Route"):
        if not _of_api(context, route, "ApiId", api_id):
            continue
        try:
            key = str(context.value(route, "RouteKey"))
            authorization = str(context.value(route, "AuthorizationType", "NONE")).upper()
        except Unknown:
            continue
        located.append((_keyed_route(route, key, authorization), route.location))
    return located


def _keyed_route(resource: Resource, key: str, authorization: str) -> Route:
    method, path = ("ANY", DEFAULT_ROUTE) if key == DEFAULT_ROUTE else (*key.split(" ", 1), "")[:2]
    try:
        return Route(method=method, path=path, authorization_type=authorization)
    except ValidationError as exc:
        raise refused(resource, exc) from None


def _stages(
    context: BuildContext,
    api: Resource,
    api_id: str,
    kind: Literal["REST", "HTTP"],
    sources: ApiSources,
) -> set[str]:
    prop = "RestApiId" if kind == "REST" else "ApiId"
    types = (
        ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment")
        if kind == "REST"
        else ("AWS::ApiGatewayV2::Stage",)
    )
    stages: set[str] = set()
    if kind == "HTTP" and "Target" in api.properties:
        stages.add(DEFAULT_ROUTE)  # quick create makes an auto-deployed $default stage
        sources.stages[(api_id, DEFAULT_ROUTE)] = api.location
    for resource in context.of_type(*types):
        if not _of_api(context, resource, prop, api_id):
            continue
        try:
            name = context.value(resource, "StageName")
        except Unknown:
            continue
        if name:
            stages.add(str(name))
            sources.stages.setdefault((api_id, str(name)), resource.location)
    return stages
