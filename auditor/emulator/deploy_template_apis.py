"""The API Gateway part of the template deployer (deploy_template.py): REST APIs with their
resources, methods, authorizers, deployments and stages, or an OpenAPI/Swagger Body (what
the SAM translator writes); HTTP APIs with their routes, authorizers, deployments and stages,
or a Body. Integrations are left out: each method gets a MOCK one, which is all a deployment
needs; the auditor reads authorization, not what a route calls."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from auditor.template.model import Resource

if TYPE_CHECKING:
    from auditor.emulator.deploy_template import _Deployment

_VERBS = ("get", "put", "post", "delete", "options", "head", "patch")
_ANY = "x-amazon-apigateway-any-method"
# x-amazon-apigateway-authtype of a security scheme -> the method's authorizationType.
_AUTHTYPE = {"awssigv4": "AWS_IAM", "cognito_user_pools": "COGNITO_USER_POOLS"}


class DeployError(Exception):
    """The template cannot be deployed as it is (a cycle, a value not resolvable).
    Defined here, where both deployer modules can reach it; deploy_template exports it."""


def body_operations(body: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(METHOD, path, authorization type) of each operation of an OpenAPI 3 / Swagger 2
    body, authorization as API Gateway imports it: the operation's `security`, else the
    document's; a scheme's x-amazon-apigateway-authtype (awsSigv4: AWS_IAM), an
    x-amazon-apigateway-authorizer (CUSTOM, or JWT for an HTTP API); none: NONE."""
    schemes = body.get("securityDefinitions") or body.get("components", {}).get(
        "securitySchemes", {}
    )
    for path, operations in (body.get("paths") or {}).items():
        for key, operation in (operations or {}).items():
            verb = "ANY" if key == _ANY else key.upper() if key in _VERBS else None
            if verb is None or not isinstance(operation, dict):
                continue
            legacy = operation.get("x-amazon-apigateway-auth", {}).get("type")
            if isinstance(legacy, str):
                yield verb, path, legacy.upper()
                continue
            yield (
                verb,
                path,
                _authorization(operation.get("security", body.get("security")), schemes),
            )


def _authorization(security: Any, schemes: dict[str, Any]) -> str:
    for requirement in security or []:
        for name in requirement:
            scheme = schemes.get(name)
            if not isinstance(scheme, dict):
                continue  # SAM's {NONE: []}: no scheme of that name
            authtype = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
            if authtype in _AUTHTYPE:
                return _AUTHTYPE[authtype]
            authorizer = scheme.get("x-amazon-apigateway-authorizer", {})
            if str(authorizer.get("type", "")).lower() == "jwt":
                return "JWT"
            return "CUSTOM"
    return "NONE"


def _body(value: Any) -> dict[str, Any]:
    parsed = json.loads(value) if isinstance(value, str) else value
    return parsed if isinstance(parsed, dict) else {}


class ApiDeployer:
    def __init__(self, deployment: _Deployment) -> None:
        self._d = deployment
        self._rest_resources: dict[str, dict[str, str]] = {}  # api id -> path -> resource id

    def creator(self, resource_type: str) -> Callable[[Resource], None] | None:
        return {
            "AWS::ApiGateway::RestApi": self.rest_api,
            "AWS::ApiGateway::Resource": self.rest_resource,
            "AWS::ApiGateway::Method": self.rest_method,
            "AWS::ApiGateway::Authorizer": self.rest_authorizer,
            "AWS::ApiGateway::Deployment": self.rest_deployment,
            "AWS::ApiGateway::Stage": self.rest_stage,
            "AWS::ApiGatewayV2::Api": self.http_api,
            "AWS::ApiGatewayV2::Route": self.http_route,
            "AWS::ApiGatewayV2::Authorizer": self.http_authorizer,
            "AWS::ApiGatewayV2::Deployment": self.http_deployment,
            "AWS::ApiGatewayV2::Stage": self.http_stage,
        }.get(resource_type)

    def rest_api(self, resource: Resource) -> None:
        if "BodyS3Location" in resource.properties:
            raise DeployError(f"{resource.logical_id} Properties.BodyS3Location: not read")
        api = self._d.client("apigateway")
        body = _body(self._d.value(resource, "Body", {}))
        name = self._d.value(resource, "Name") or body.get("info", {}).get("title")
        args: dict[str, Any] = {"name": name or resource.logical_id}
        policy = self._d.value(resource, "Policy") or body.get("x-amazon-apigateway-policy")
        if policy:
            args["policy"] = policy if isinstance(policy, str) else json.dumps(policy)
        api_id = api.create_rest_api(**args)["id"]
        root = api.get_resources(restApiId=api_id)["items"][0]["id"]
        self._rest_resources[api_id] = {"/": root}
        self._d.record(resource, api_id, RootResourceId=root)
        for verb, path, auth in body_operations(body):
            self._put_method(api, api_id, self._path(api, api_id, path), verb, auth, None)

    def _path(self, api: Any, api_id: str, path: str) -> str:
        known = self._rest_resources[api_id]
        parent = "/"
        for part in [p for p in path.split("/") if p]:
            current = parent.rstrip("/") + "/" + part
            if current not in known:
                known[current] = api.create_resource(
                    restApiId=api_id, parentId=known[parent], pathPart=part
                )["id"]
            parent = current
        return known[parent]

    def _put_method(
        self, api: Any, api_id: str, resource_id: str, verb: str, auth: str, authorizer: str | None
    ) -> None:
        where = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": verb}
        extra = {"authorizerId": authorizer} if authorizer else {}
        api.put_method(**where, authorizationType=auth, **extra)
        api.put_integration(**where, type="MOCK")  # a deployment needs one on every method

    def rest_resource(self, resource: Resource) -> None:
        created = self._d.client("apigateway").create_resource(
            restApiId=self._d.value(resource, "RestApiId"),
            parentId=self._d.value(resource, "ParentId"),
            pathPart=self._d.value(resource, "PathPart"),
        )
        self._d.record(resource, created["id"])

    def rest_method(self, resource: Resource) -> None:
        api_id = self._d.value(resource, "RestApiId")
        resource_id = self._d.value(resource, "ResourceId")
        verb = str(self._d.value(resource, "HttpMethod")).upper()
        auth = self._d.value(resource, "AuthorizationType", "NONE")
        self._put_method(
            self._d.client("apigateway"),
            api_id,
            resource_id,
            verb,
            auth,
            self._d.value(resource, "AuthorizerId"),
        )
        self._d.record(resource, f"{api_id}-{resource_id}-{verb}")

    def rest_authorizer(self, resource: Resource) -> None:
        args: dict[str, Any] = {
            "restApiId": self._d.value(resource, "RestApiId"),
            "name": self._d.value(resource, "Name", resource.logical_id),
            "type": self._d.value(resource, "Type"),
        }
        renamed = {
            "ProviderARNs": "providerARNs",
            "IdentitySource": "identitySource",
            "AuthorizerUri": "authorizerUri",
        }
        args.update(self._d.given(resource, renamed))
        self._d.record(resource, self._d.client("apigateway").create_authorizer(**args)["id"])

    def rest_deployment(self, resource: Resource) -> None:
        args: dict[str, Any] = {"restApiId": self._d.value(resource, "RestApiId")}
        if "StageName" in resource.properties:  # the deployment creates that stage
            args["stageName"] = self._d.value(resource, "StageName")
        self._d.record(resource, self._d.client("apigateway").create_deployment(**args)["id"])

    def rest_stage(self, resource: Resource) -> None:
        name = self._d.value(resource, "StageName")
        self._d.client("apigateway").create_stage(
            restApiId=self._d.value(resource, "RestApiId"),
            stageName=name,
            deploymentId=self._d.value(resource, "DeploymentId"),
        )
        self._d.record(resource, name)

    def http_api(self, resource: Resource) -> None:
        if "BodyS3Location" in resource.properties:
            raise DeployError(f"{resource.logical_id} Properties.BodyS3Location: not read")
        api = self._d.client("apigatewayv2")
        body = _body(self._d.value(resource, "Body", {}))
        name = self._d.value(resource, "Name") or body.get("info", {}).get("title")
        created = api.create_api(
            Name=name or resource.logical_id,
            ProtocolType=self._d.value(resource, "ProtocolType", "HTTP"),
        )
        api_id = created["ApiId"]
        self._d.record(resource, api_id, ApiId=api_id, ApiEndpoint=created.get("ApiEndpoint", ""))
        authorizers: dict[str, str] = {}
        for verb, path, auth in body_operations(body):
            extra: dict[str, Any] = {}
            if auth in ("JWT", "CUSTOM"):  # one authorizer per kind is all the audit reads
                if auth not in authorizers:
                    authorizers[auth] = self._body_authorizer(api, api_id, auth)
                extra["AuthorizerId"] = authorizers[auth]
            key = "$default" if path == "/$default" else f"{verb} {path}"
            api.create_route(ApiId=api_id, RouteKey=key, AuthorizationType=auth, **extra)

    def _body_authorizer(self, api: Any, api_id: str, auth: str) -> str:
        if auth == "JWT":
            jwt = {"Audience": ["audience"], "Issuer": "https://issuer.example.com"}
            return str(
                api.create_authorizer(
                    ApiId=api_id,
                    Name="jwt",
                    AuthorizerType="JWT",
                    JwtConfiguration=jwt,
                    IdentitySource=["$request.header.Authorization"],
                )["AuthorizerId"]
            )
        uri = self._d.deployed.arn("apigateway", "lambda:path/authorizer")
        return str(
            api.create_authorizer(
                ApiId=api_id,
                Name="lambda",
                AuthorizerType="REQUEST",
                AuthorizerUri=uri,
                IdentitySource=["$request.header.Authorization"],
                AuthorizerPayloadFormatVersion="2.0",
            )["AuthorizerId"]
        )

    def http_route(self, resource: Resource) -> None:
        args: dict[str, Any] = {
            "ApiId": self._d.value(resource, "ApiId"),
            "RouteKey": self._d.value(resource, "RouteKey"),
            "AuthorizationType": self._d.value(resource, "AuthorizationType", "NONE"),
        }
        if "AuthorizerId" in resource.properties:
            args["AuthorizerId"] = self._d.value(resource, "AuthorizerId")
        route = self._d.client("apigatewayv2").create_route(**args)
        self._d.record(resource, route["RouteId"])

    def http_authorizer(self, resource: Resource) -> None:
        args: dict[str, Any] = {
            "ApiId": self._d.value(resource, "ApiId"),
            "Name": self._d.value(resource, "Name", resource.logical_id),
            "AuthorizerType": self._d.value(resource, "AuthorizerType"),
            "IdentitySource": self._d.value(resource, "IdentitySource", []),
        }
        args.update(
            self._d.given(
                resource, ("JwtConfiguration", "AuthorizerUri", "AuthorizerPayloadFormatVersion")
            )
        )
        created = self._d.client("apigatewayv2").create_authorizer(**args)
        self._d.record(resource, created["AuthorizerId"])

    def http_deployment(self, resource: Resource) -> None:
        args: dict[str, Any] = {"ApiId": self._d.value(resource, "ApiId")}
        if "StageName" in resource.properties:
            args["StageName"] = self._d.value(resource, "StageName")
        created = self._d.client("apigatewayv2").create_deployment(**args)
        self._d.record(resource, created["DeploymentId"])

    def http_stage(self, resource: Resource) -> None:
        name = self._d.value(resource, "StageName")
        args: dict[str, Any] = {
            "ApiId": self._d.value(resource, "ApiId"),
            "StageName": name,
            "AutoDeploy": bool(self._d.value(resource, "AutoDeploy", False)),
        }
        if "DeploymentId" in resource.properties:
            args["DeploymentId"] = self._d.value(resource, "DeploymentId")
        self._d.client("apigatewayv2").create_stage(**args)
        self._d.record(resource, name)
