"""The API Gateway resources `serverless deploy` creates for a function's events: for `http`
events a REST API with a Resource per path segment, a Method per route, a Deployment and the
stage; for `httpApi` events an HTTP API with a Route per route and the `$default` stage."""

from __future__ import annotations

import hashlib
from typing import Any

from auditor.model.findings import TemplateLocation
from auditor.template.model import Resource
from auditor.template.serverless_events import EventRoute, normalize_path

REST_API = "ApiGatewayRestApi"
HTTP_API = "HttpApi"
_ROOT = {"Fn::GetAtt": [REST_API, "RootResourceId"]}


def rest_api(
    routes: list[EventRoute],
    name: str,
    stage: str,
    location: TemplateLocation,
    policy_statements: Any = None,
) -> list[Resource]:
    """The REST API `routes` make (`location`: where the API itself is written)."""
    properties: dict[str, Any] = {"Name": name, "EndpointConfiguration": {"Types": ["EDGE"]}}
    if policy_statements is not None:
        properties["Policy"] = {"Version": "2012-10-17", "Statement": policy_statements}
    located = {(route.method, route.path): route.location for route in routes}
    made = {
        REST_API: Resource(
            REST_API, "AWS::ApiGateway::RestApi", properties, location, route_locations=located
        )
    }
    methods = []
    for route in routes:
        parent = _path_resources(made, route.path, route.location)
        for method, authorization in route.methods():
            logical_id = f"ApiGatewayMethod{normalize_path(route.path)}{method.capitalize()}"
            methods.append(logical_id)
            made[logical_id] = Resource(
                logical_id,
                "AWS::ApiGateway::Method",
                {
                    "HttpMethod": method,
                    "RestApiId": {"Ref": REST_API},
                    "ResourceId": parent,
                    "AuthorizationType": authorization,
                },
                route.location,
            )
    # Serverless names each deployment anew (a timestamp); a digest of the methods is as unique.
    digest = hashlib.sha256("\n".join(sorted(methods)).encode()).hexdigest()[:10]
    deployment = f"ApiGatewayDeployment{digest}"
    first = routes[0].location
    made[deployment] = Resource(
        deployment, "AWS::ApiGateway::Deployment", {"RestApiId": {"Ref": REST_API}}, first
    )
    made["ApiGatewayStage"] = Resource(
        "ApiGatewayStage",
        "AWS::ApiGateway::Stage",
        {"RestApiId": {"Ref": REST_API}, "DeploymentId": {"Ref": deployment}, "StageName": stage},
        first,
    )
    return list(made.values())


def _path_resources(made: dict[str, Resource], path: str, location: TemplateLocation) -> Any:
    """The ApiGatewayResource of each segment of `path` (made once); the last one's Ref."""
    parent: Any = _ROOT
    segments = [segment for segment in path.split("/") if segment]
    for depth in range(1, len(segments) + 1):
        logical_id = f"ApiGatewayResource{normalize_path('/'.join(segments[:depth]))}"
        if logical_id not in made:
            made[logical_id] = Resource(
                logical_id,
                "AWS::ApiGateway::Resource",
                {
                    "ParentId": parent,
                    "PathPart": segments[depth - 1],
                    "RestApiId": {"Ref": REST_API},
                },
                location,
            )
        parent = {"Ref": logical_id}
    return parent


def http_api(routes: list[EventRoute], name: str) -> list[Resource]:
    """The HTTP API `routes` make, with its auto-deployed `$default` stage."""
    located = {(route.method, route.path): route.location for route in routes}
    first = routes[0].location
    made = [
        Resource(
            HTTP_API,
            "AWS::ApiGatewayV2::Api",
            {"Name": name, "ProtocolType": "HTTP"},
            first,
            route_locations=located,
        ),
        Resource(
            "HttpApiStage",
            "AWS::ApiGatewayV2::Stage",
            {"ApiId": {"Ref": HTTP_API}, "StageName": "$default", "AutoDeploy": True},
            first,
        ),
    ]
    for route in routes:
        key = "$default" if route.path == "$default" else f"{route.method} {route.path}"
        default = route.path == "$default"
        suffix = (
            "Default" if default else f"{route.method.capitalize()}{normalize_path(route.path)}"
        )
        made.append(
            Resource(
                f"HttpApiRoute{suffix}",
                "AWS::ApiGatewayV2::Route",
                {
                    "ApiId": {"Ref": HTTP_API},
                    "RouteKey": key,
                    "AuthorizationType": route.authorization,
                },
                route.location,
            )
        )
    return made
