"""REST APIs (apigateway) and HTTP APIs (apigatewayv2): routes, authorization, stages, policy."""

from __future__ import annotations

import json
from typing import Any, Literal

from auditor.collect.reads import Reads, one_named
from auditor.collect.routes import (
    by_path,
    export_routes,
    http_routes,
    rest_route,
    rest_routes,
    summary_routes,
)
from auditor.collect.session import AwsClients
from auditor.collect.stages import Served, http_stages, read_served, rest_stages
from auditor.model.errors import InputError, TargetNotFoundError
from auditor.model.snapshot import Api, ApiRef, PolicyDocument, Route, stages_named
from auditor.model.snapshot_fields import one_line_errors

# IAM authorises every API Gateway management read, v1 and v2, as apigateway:GET.
OPERATIONS: tuple[str, ...] = ("apigateway:GET",)
CALLS: tuple[str, ...] = (
    "apigateway:GetRestApi",
    "apigateway:GetRestApis",
    "apigateway:GetResources",
    "apigateway:GetMethod",
    "apigateway:GetStages",
    "apigateway:GetDeployment",
    "apigatewayv2:GetApi",
    "apigatewayv2:GetApis",
    "apigatewayv2:GetRoutes",
    "apigatewayv2:GetStages",
    "apigatewayv2:ExportApi",
)

_RESOURCES_PAGE = 500  # the maximum GetResources limit


def parse_rest_policy(text: str) -> PolicyDocument:
    """RestApi.policy arrives JSON-escaped (\\" and \\/): unescape once, then parse."""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = json.loads(json.loads(f'"{text}"'))
    if not isinstance(parsed, dict):
        raise ValueError("resource policy is not a JSON object")
    return parsed


def _api_id(kind: str, raw: dict[str, Any]) -> str:
    return str(raw["id"] if kind == "REST" else raw["ApiId"])


def _api_name(kind: str, raw: dict[str, Any]) -> str:
    return str(raw["name"] if kind == "REST" else raw["Name"])


class _ApiReader:
    def __init__(self, clients: AwsClients, reads: Reads) -> None:
        self.clients = clients
        self.reads = reads
        self.v1 = clients.client("apigateway")
        self.v2 = clients.client("apigatewayv2")
        self._listed: list[tuple[str, dict[str, Any]]] | None = None
        self._listing_failed = False
        self._direct: dict[str, tuple[str, dict[str, Any]] | None] = {}  # by id, see find

    def find(self, ref: ApiRef, *, use_listing: bool) -> tuple[str, dict[str, Any]] | None:
        """("REST" | "HTTP", the API's description) for a reference by id or by name.

        One API by id costs one or two direct reads; several APIs, or a name, cost one listing
        of each kind (a page holds 500 REST APIs, each with its policy) shared by all refs.
        """
        listing = self._listing() if use_listing or not ref.id else None
        if listing is None:
            if not ref.id:
                return None
            if ref.id not in self._direct:  # several stages of one API: one read
                self._direct[ref.id] = self._by_id(ref.id)
            return self._direct[ref.id]
        if ref.id:
            found = [(kind, raw) for kind, raw in listing if _api_id(kind, raw) == ref.id]
            if not found:
                raise TargetNotFoundError(f"API {ref.id} not found in {self.clients.region}")
            return found[0]
        named = {
            _api_id(kind, raw): (kind, raw)
            for kind, raw in listing
            if _api_name(kind, raw) == ref.name
        }
        return one_named(named, "API", str(ref.name), self.clients.region)

    def _listing(self) -> list[tuple[str, dict[str, Any]]] | None:
        """Every REST and HTTP API, read once; None if either list could not be read."""
        if self._listed is None:
            rest_pages = self.reads.run(
                "apigateway",
                "GetRestApis",
                None,
                lambda: list(
                    self.v1.get_paginator("get_rest_apis").paginate(
                        PaginationConfig={"PageSize": _RESOURCES_PAGE}
                    )
                ),
            )
            http_pages = self.reads.run(
                "apigatewayv2",
                "GetApis",
                None,
                lambda: list(self.v2.get_paginator("get_apis").paginate()),
            )
            if rest_pages is None or http_pages is None:
                self._listed = []
                self._listing_failed = True
            else:
                self._listed = [("REST", a) for p in rest_pages for a in p.get("items", [])]
                self._listed += [
                    ("HTTP", a)
                    for p in http_pages
                    for a in p.get("Items", [])
                    if a.get("ProtocolType") == "HTTP"
                ]
        return None if self._listing_failed else self._listed

    def _by_id(self, api_id: str) -> tuple[str, dict[str, Any]] | None:
        # An id does not say which kind it is: try REST, then HTTP; not found by both = absent.
        missing = f"API {api_id} not found in {self.clients.region}"
        try:
            rest = self.reads.run(
                "apigateway",
                "GetRestApi",
                api_id,
                lambda: self.v1.get_rest_api(restApiId=api_id),
                not_found=missing,
            )
            return ("REST", rest) if rest is not None else None
        except TargetNotFoundError:
            pass
        http = self.reads.run(
            "apigatewayv2",
            "GetApi",
            api_id,
            lambda: self.v2.get_api(ApiId=api_id),
            not_found=missing,
        )
        if http is None:
            return None
        if http.get("ProtocolType") != "HTTP":
            raise InputError(
                f"api {api_id}", None, f"is a {http.get('ProtocolType')} API, not REST or HTTP"
            )
        return ("HTTP", http)

    def rest(self, raw: dict[str, Any], audited: set[str] | None) -> Api | None:
        api_id = raw["id"]
        policy: PolicyDocument | None = None
        if raw.get("policy"):
            policy = self.reads.run(
                "apigateway", "GetRestApi", api_id, lambda: parse_rest_policy(raw["policy"])
            )
        listed = self.reads.run(
            "apigateway",
            "GetResources",
            api_id,
            lambda: rest_routes(
                self.v1.get_paginator("get_resources").paginate(
                    restApiId=api_id,
                    embed=["methods"],
                    PaginationConfig={"PageSize": _RESOURCES_PAGE},
                )
            ),
        )
        routes, unread = listed or ([], [])

        def read_method(resource_id: str, verb: str, path: str) -> Route:
            method = self.v1.get_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb)
            return rest_route(verb, path, method)

        # Never guess NONE: read a method itself if the embed came back without it.
        for resource_id, verb, path in unread:
            route = self.reads.run(
                "apigateway",
                "GetMethod",
                f"{api_id} {verb} {path}",
                lambda: read_method(resource_id, verb, path),  # noqa: B023 (called at once)
            )
            if route is not None:
                routes.append(route)
        stages = self.reads.run(
            "apigateway",
            "GetStages",
            api_id,
            lambda: rest_stages(self.v1.get_stages(restApiId=api_id)),  # has no pages
        )

        def deployed(stage: str, deployment_id: str) -> list[Route]:
            answer = self.v1.get_deployment(
                restApiId=api_id, deploymentId=deployment_id, embed=["apisummary"]
            )
            return summary_routes(answer["apiSummary"])

        # No REST stage serves the definition (each serves a deployment), but none may be
        # taken to serve the empty one a failed read leaves either.
        served = read_served(
            self.reads,
            api_id,
            stages,
            audited,
            deployed,
            service="apigateway",
            operation="GetDeployment",
            definition_read=listed is not None,
        )
        return self.reads.run(
            "apigateway",
            "GetRestApi",
            api_id,
            lambda: _api(api_id, raw["name"], "REST", routes, served, policy),
        )

    def http(self, raw: dict[str, Any], audited: set[str] | None) -> Api | None:
        api_id = raw["ApiId"]
        routes = self.reads.run(
            "apigatewayv2",
            "GetRoutes",
            api_id,
            lambda: http_routes(self.v2.get_paginator("get_routes").paginate(ApiId=api_id)),
        )
        stages = self.reads.run(
            "apigatewayv2",
            "GetStages",
            api_id,
            lambda: http_stages(self.v2.get_paginator("get_stages").paginate(ApiId=api_id)),
        )

        def exported(stage: str, deployment_id: str) -> list[Route]:
            answer = self.v2.export_api(
                ApiId=api_id,
                Specification="OAS30",
                OutputType="JSON",
                StageName=stage,
                IncludeExtensions=True,  # the authorization is in the extensions
            )
            return export_routes(json.loads(answer["body"].read()))

        served = read_served(
            self.reads,
            api_id,
            stages,
            audited,
            exported,
            service="apigatewayv2",
            operation="ExportApi",
            definition_read=routes is not None,
        )
        return self.reads.run(
            "apigatewayv2",
            "GetApi",
            api_id,
            lambda: _api(api_id, raw["Name"], "HTTP", routes or [], served),
        )


@one_line_errors  # its id or name as AWS described it; every other field was checked by now
def _api(
    api_id: str,
    name: str,
    kind: Literal["REST", "HTTP"],
    routes: list[Route],
    served: Served,
    policy: PolicyDocument | None = None,
) -> Api:
    return Api(
        id=api_id,
        name=name,
        kind=kind,
        stages=served.stages,
        stages_listed=served.listed,
        resource_policy=policy,
        routes=by_path(routes),
        deployments=served.deployments,
        canaries=served.canaries,
        unread_stages=served.unread,
    )


def collect_apis(clients: AwsClients, reads: Reads, refs: list[ApiRef]) -> list[Api]:
    """Each referenced API once (several refs may name stages of one API), sorted by id, with
    what the stages the refs audit serve (an API's every stage if a ref names none)."""
    reader = _ApiReader(clients, reads)
    found: dict[str, tuple[str, dict[str, Any], list[ApiRef]]] = {}
    use_listing = len({ref.id or ref.name for ref in refs}) > 1  # stages of one API: no listing
    for ref in refs:
        described = reader.find(ref, use_listing=use_listing)
        if described is None:
            continue
        kind, raw = described
        found.setdefault(_api_id(kind, raw), (kind, raw, []))[2].append(ref)
    apis: dict[str, Api] = {}
    for api_id, (kind, raw, of_api) in found.items():
        audited = stages_named(of_api)
        api = reader.rest(raw, audited) if kind == "REST" else reader.http(raw, audited)
        if api is None:  # described in a way the snapshot cannot hold: recorded, incomplete
            continue
        apis[api_id] = api
        missing = sorted(set(audited or ()) - set(api.stages))
        if missing and api.stages_listed:
            raise TargetNotFoundError(
                f"stage {missing[0]} of API {api_id} not found in {clients.region}"
            )
    return [apis[k] for k in sorted(apis)]
