"""Seeding of the REST and HTTP APIs of a spec (`auditor.emulator.seed` runs it).

A REST API gets one deployment per stage, as `create_deployment(stageName=...)` makes them;
an HTTP API either auto-deploys its stages or gets one deployment that every stage serves.
`changed_after_deploy` then changes the definition only: the stages keep serving what was
deployed, as on AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from auditor.emulator.spec import HttpApiSpec, RestApiSpec

if TYPE_CHECKING:
    from mypy_boto3_apigateway import APIGatewayClient
    from mypy_boto3_apigatewayv2 import ApiGatewayV2Client

    from auditor.emulator.seed import Seeded

_LAMBDA_AUTHORIZER_URI = (
    "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:{region}:{account}:function:authorizer/invocations"
)
_REST_AUTHORIZED = ("COGNITO_USER_POOLS", "CUSTOM")  # the types that need an authorizer
_HTTP_AUTHORIZED = ("JWT", "CUSTOM")


def _once(known: dict[str, str], auth: str, create: Callable[[str], str]) -> str:
    """The API's authorizer for an authorization type, created on first use."""
    if auth not in known:
        known[auth] = create(auth)
    return known[auth]


class ApiSeeder:
    def __init__(self, client: Callable[[str], Any], seeded: Seeded) -> None:
        self._client = client
        self.seeded = seeded

    def rest_api(self, spec: RestApiSpec, policy: str | None) -> None:
        """The API, `policy` its resource policy with the placeholders filled in."""
        api: APIGatewayClient = self._client("apigateway")
        args: dict[str, Any] = {"name": spec.name}
        if policy is not None:
            args["policy"] = policy
        api_id = api.create_rest_api(**args)["id"]
        self.seeded.api_ids[spec.name] = api_id
        rest = _RestMethods(api, api_id, self)
        for route, auth in spec.routes.items():
            rest.put(route, auth)
        for stage in spec.stages:
            api.create_deployment(restApiId=api_id, stageName=stage)
        for route, auth in spec.changed_after_deploy.items():
            rest.put(route, auth)

    def http_api(self, spec: HttpApiSpec) -> None:
        api: ApiGatewayV2Client = self._client("apigatewayv2")
        api_id = api.create_api(Name=spec.name, ProtocolType="HTTP")["ApiId"]
        self.seeded.api_ids[spec.name] = api_id
        routes: dict[str, str] = {}  # route key -> route id
        authorizers: dict[str, str] = {}
        for route_key, auth in spec.routes.items():
            self._http_route(api, api_id, route_key, auth, routes, authorizers)
        if spec.auto_deploy:
            for stage in spec.stages:
                api.create_stage(ApiId=api_id, StageName=stage, AutoDeploy=True)
        elif spec.stages:
            deployment = api.create_deployment(ApiId=api_id)["DeploymentId"]
            for stage in spec.stages:
                api.create_stage(ApiId=api_id, StageName=stage, DeploymentId=deployment)
        for route_key, auth in spec.changed_after_deploy.items():
            self._http_route(api, api_id, route_key, auth, routes, authorizers)

    def lambda_uri(self) -> str:
        return _LAMBDA_AUTHORIZER_URI.format(
            region=self.seeded.region, account=self.seeded.account_id
        )

    def _http_route(
        self,
        api: ApiGatewayV2Client,
        api_id: str,
        route_key: str,
        auth: str,
        routes: dict[str, str],
        authorizers: dict[str, str],
    ) -> None:
        extra: dict[str, Any] = {"AuthorizationType": auth}
        if auth in _HTTP_AUTHORIZED:
            extra["AuthorizerId"] = _once(
                authorizers, auth, lambda kind: self._http_authorizer(api, api_id, kind)
            )
        if route_key in routes:
            api.update_route(ApiId=api_id, RouteId=routes[route_key], **extra)
        else:
            routes[route_key] = api.create_route(ApiId=api_id, RouteKey=route_key, **extra)[
                "RouteId"
            ]

    def _http_authorizer(self, api: ApiGatewayV2Client, api_id: str, auth: str) -> str:
        if auth == "JWT":
            issuer = (
                f"https://cognito-idp.{self.seeded.region}.amazonaws.com/{self.seeded.user_pool_id}"
            )
            return api.create_authorizer(
                ApiId=api_id,
                Name="cognito-jwt",
                AuthorizerType="JWT",
                IdentitySource=["$request.header.Authorization"],
                JwtConfiguration={
                    "Audience": list(self.seeded.client_ids.values()),
                    "Issuer": issuer,
                },
            )["AuthorizerId"]
        return api.create_authorizer(
            ApiId=api_id,
            Name="lambda",
            AuthorizerType="REQUEST",
            AuthorizerUri=self.lambda_uri(),
            IdentitySource=["$request.header.Authorization"],
            AuthorizerPayloadFormatVersion="2.0",
        )["AuthorizerId"]


class _RestMethods:
    """The methods of one REST API: created with their resources, or changed in place."""

    def __init__(self, api: APIGatewayClient, api_id: str, seeder: ApiSeeder) -> None:
        self._api = api
        self._api_id = api_id
        self._seeder = seeder
        self._resources = {"/": api.get_resources(restApiId=api_id)["items"][0]["id"]}
        self._methods: set[str] = set()
        self._authorizers: dict[str, str] = {}

    def put(self, route: str, auth: str) -> None:
        method, path = route.split(" ", 1)
        resource_id = self._resource(path)
        authorizer = (
            _once(self._authorizers, auth, self._authorizer) if auth in _REST_AUTHORIZED else None
        )
        where: dict[str, Any] = {
            "restApiId": self._api_id,
            "resourceId": resource_id,
            "httpMethod": method,
        }
        if route in self._methods:  # PutMethod on an existing method is a conflict on AWS
            patch: list[Any] = [{"op": "replace", "path": "/authorizationType", "value": auth}]
            if authorizer:
                patch.append({"op": "replace", "path": "/authorizerId", "value": authorizer})
            self._api.update_method(**where, patchOperations=patch)
            return
        extra: dict[str, Any] = {"authorizerId": authorizer} if authorizer else {}
        self._api.put_method(**where, authorizationType=auth, **extra)
        # A deployment needs an integration on every method.
        self._api.put_integration(**where, type="MOCK")
        self._methods.add(route)

    def _resource(self, path: str) -> str:
        parent = "/"
        for part in [p for p in path.split("/") if p]:
            current = parent.rstrip("/") + "/" + part
            if current not in self._resources:
                self._resources[current] = self._api.create_resource(
                    restApiId=self._api_id, parentId=self._resources[parent], pathPart=part
                )["id"]
            parent = current
        return self._resources[parent]

    def _authorizer(self, auth: str) -> str:
        common: dict[str, Any] = {
            "restApiId": self._api_id,
            "identitySource": "method.request.header.Authorization",
        }
        if auth == "COGNITO_USER_POOLS":
            return self._api.create_authorizer(
                **common,
                name="cognito",
                type="COGNITO_USER_POOLS",
                providerARNs=[self._seeder.seeded.user_pool_arn or ""],
            )["id"]
        return self._api.create_authorizer(
            **common, name="lambda", type="TOKEN", authorizerUri=self._seeder.lambda_uri()
        )["id"]
