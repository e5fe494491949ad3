"""Declarative seeding of an access configuration through boto3 (emulator or any endpoint).

Describe the environment as the dataclasses of `auditor.emulator.spec`, call
``seed(spec, session)``, get back every id and ARN created, by the names the spec uses. The
placeholders of `auditor.emulator.documents` (the account, the region, the new identity
pool's id, an API's id by name) are filled in as the ids become known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3

from auditor.emulator.documents import (
    ACCOUNT_PLACEHOLDER,
    POOL_PLACEHOLDER,
    REGION_PLACEHOLDER,
    Document,
    cognito_trust_policy,
)
from auditor.emulator.spec import (
    EnvironmentSpec,
    GroupSpec,
    HttpApiSpec,
    IdentityPoolSpec,
    ManagedPolicySpec,
    RestApiSpec,
    RoleMappingSpec,
    RoleSpec,
    RuleSpec,
    UserPoolSpec,
)

if TYPE_CHECKING:
    from mypy_boto3_apigateway import APIGatewayClient
    from mypy_boto3_apigatewayv2 import ApiGatewayV2Client

# Re-exported: one import for whoever writes a spec and seeds it (policy documents are
# built with auditor.emulator.documents).
__all__ = [
    "EnvironmentSpec",
    "GroupSpec",
    "HttpApiSpec",
    "IdentityPoolSpec",
    "ManagedPolicySpec",
    "RestApiSpec",
    "RoleMappingSpec",
    "RoleSpec",
    "RuleSpec",
    "Seeded",
    "UserPoolSpec",
    "fill_placeholders",
    "seed",
]
_API_PLACEHOLDER = re.compile(r"<api_id:([^<>]+)>")
_LAMBDA_AUTHORIZER_URI = (
    "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:{region}:{account}:function:authorizer/invocations"
)


@dataclass
class Seeded:
    """Everything created, by the names used in the spec."""

    region: str
    account_id: str
    user_pool_id: str | None = None
    user_pool_arn: str | None = None
    client_ids: dict[str, str] = field(default_factory=dict)
    identity_pool_id: str | None = None
    role_arns: dict[str, str] = field(default_factory=dict)
    policy_arns: dict[str, str] = field(default_factory=dict)
    api_ids: dict[str, str] = field(default_factory=dict)

    def provider_name(self, client: str | None = None) -> str:
        """The RoleMappings key of a seeded app client (default: the first)."""
        client_id = self.client_ids[client] if client else next(iter(self.client_ids.values()))
        return f"cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}:{client_id}"


def fill_placeholders(document: Document, seeded: Seeded) -> Document:
    """The document as seeded: every placeholder replaced by what it stands for."""
    text = json.dumps(document)
    text = text.replace(POOL_PLACEHOLDER, seeded.identity_pool_id or "")
    text = text.replace(ACCOUNT_PLACEHOLDER, seeded.account_id)
    text = text.replace(REGION_PLACEHOLDER, seeded.region)

    def api_id(match: re.Match[str]) -> str:
        return _arn(match.group(1), seeded.api_ids, "API")

    filled: Document = json.loads(_API_PLACEHOLDER.sub(api_id, text))
    return filled


def _fill(document: Document, seeded: Seeded) -> str:
    return json.dumps(fill_placeholders(document, seeded))


def _arn(ref: str, by_name: dict[str, str], kind: str) -> str:
    if ref.startswith("arn:"):
        return ref
    try:
        return by_name[ref]
    except KeyError:
        raise ValueError(f"seed spec names unknown {kind} {ref!r}") from None


class _Seeder:
    def __init__(
        self, session: boto3.Session, endpoint_url: str | None, api_ids: Mapping[str, str]
    ) -> None:
        self._session = session
        self._endpoint = endpoint_url
        region = session.region_name or "us-east-1"
        account = self.client("sts").get_caller_identity()["Account"]
        self.seeded = Seeded(region=region, account_id=account, api_ids=dict(api_ids))

    def client(self, name: str) -> Any:
        return self._session.client(name, endpoint_url=self._endpoint)  # type: ignore[call-overload]

    def run(self, spec: EnvironmentSpec) -> Seeded:
        if spec.user_pool:
            self._user_pool_base(spec.user_pool)
        if spec.identity_pool:
            self._identity_pool(spec.identity_pool)
        for rest in spec.rest_apis:
            self._rest_api(rest)
        for http in spec.http_apis:
            self._http_api(http)
        self._iam(spec)
        if spec.user_pool:
            self._groups(spec.user_pool)
        if spec.identity_pool:
            self._identity_pool_roles(spec.identity_pool)
        return self.seeded

    def _user_pool_base(self, spec: UserPoolSpec) -> None:
        idp = self.client("cognito-idp")
        pool = idp.create_user_pool(PoolName=spec.name)["UserPool"]
        self.seeded.user_pool_id, self.seeded.user_pool_arn = pool["Id"], pool["Arn"]
        for name in spec.clients:
            client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName=name)
            self.seeded.client_ids[name] = client["UserPoolClient"]["ClientId"]

    def _groups(self, spec: UserPoolSpec) -> None:
        idp = self.client("cognito-idp")
        for group in spec.groups:
            args: dict[str, Any] = {"UserPoolId": self.seeded.user_pool_id, "GroupName": group.name}
            if group.role:
                args["RoleArn"] = _arn(group.role, self.seeded.role_arns, "role")
            if group.precedence is not None:
                args["Precedence"] = group.precedence
            if group.description:
                args["Description"] = group.description
            idp.create_group(**args)

    def _identity_pool(self, spec: IdentityPoolSpec) -> None:
        clients = spec.clients if spec.clients is not None else list(self.seeded.client_ids)
        providers = [
            {
                "ProviderName": f"cognito-idp.{self.seeded.region}.amazonaws.com/"
                f"{self.seeded.user_pool_id}",
                "ClientId": self.seeded.client_ids[name],
                "ServerSideTokenCheck": False,
            }
            for name in clients
        ]
        pool = self.client("cognito-identity").create_identity_pool(
            IdentityPoolName=spec.name,
            AllowUnauthenticatedIdentities=spec.allow_unauthenticated,
            AllowClassicFlow=spec.allow_classic_flow,
            CognitoIdentityProviders=providers,
        )
        self.seeded.identity_pool_id = pool["IdentityPoolId"]

    def _iam(self, spec: EnvironmentSpec) -> None:
        iam = self.client("iam")
        for policy in spec.managed_policies:
            created = iam.create_policy(
                PolicyName=policy.name,
                Path=policy.path,
                PolicyDocument=_fill(policy.document, self.seeded),
            )
            self.seeded.policy_arns[policy.name] = created["Policy"]["Arn"]
        for role in spec.roles:
            trust = role.trust or cognito_trust_policy(POOL_PLACEHOLDER, role.trust_amr)
            args: dict[str, Any] = {
                "RoleName": role.name,
                "Path": role.path,
                "AssumeRolePolicyDocument": _fill(trust, self.seeded),
            }
            if role.boundary:
                args["PermissionsBoundary"] = _arn(role.boundary, self.seeded.policy_arns, "policy")
            self.seeded.role_arns[role.name] = iam.create_role(**args)["Role"]["Arn"]
            for name, document in role.inline.items():
                iam.put_role_policy(
                    RoleName=role.name, PolicyName=name, PolicyDocument=_fill(document, self.seeded)
                )
            for ref in role.managed:
                iam.attach_role_policy(
                    RoleName=role.name, PolicyArn=_arn(ref, self.seeded.policy_arns, "policy")
                )

    def _identity_pool_roles(self, spec: IdentityPoolSpec) -> None:
        roles = {}
        if spec.authenticated_role:
            roles["authenticated"] = _arn(spec.authenticated_role, self.seeded.role_arns, "role")
        if spec.unauthenticated_role:
            roles["unauthenticated"] = _arn(
                spec.unauthenticated_role, self.seeded.role_arns, "role"
            )
        args: dict[str, Any] = {"IdentityPoolId": self.seeded.identity_pool_id, "Roles": roles}
        if spec.mapping:
            mapping: dict[str, Any] = {
                "Type": spec.mapping.type,
                "AmbiguousRoleResolution": spec.mapping.ambiguous_role_resolution,
            }
            if spec.mapping.rules:
                mapping["RulesConfiguration"] = {
                    "Rules": [
                        {
                            "Claim": rule.claim,
                            "MatchType": rule.match_type,
                            "Value": rule.value,
                            "RoleARN": _arn(rule.role, self.seeded.role_arns, "role"),
                        }
                        for rule in spec.mapping.rules
                    ]
                }
            args["RoleMappings"] = {self.seeded.provider_name(spec.mapping.client): mapping}
        if roles or spec.mapping:
            self.client("cognito-identity").set_identity_pool_roles(**args)

    def _rest_api(self, spec: RestApiSpec) -> None:
        api: APIGatewayClient = self.client("apigateway")
        args: dict[str, Any] = {"name": spec.name}
        if spec.policy is not None:
            args["policy"] = _fill(spec.policy, self.seeded)
        api_id = api.create_rest_api(**args)["id"]
        self.seeded.api_ids[spec.name] = api_id
        resource_ids = {"/": api.get_resources(restApiId=api_id)["items"][0]["id"]}
        authorizers: dict[str, str] = {}
        for route, auth in spec.routes.items():
            method, path = route.split(" ", 1)
            resource_id = self._rest_resource(api, api_id, path, resource_ids)
            extra: dict[str, Any] = {}
            if auth in ("COGNITO_USER_POOLS", "CUSTOM"):
                if auth not in authorizers:
                    authorizers[auth] = self._rest_authorizer(api, api_id, auth)
                extra["authorizerId"] = authorizers[auth]
            api.put_method(
                restApiId=api_id,
                resourceId=resource_id,
                httpMethod=method,
                authorizationType=auth,
                **extra,
            )
            # A deployment needs an integration on every method.
            api.put_integration(
                restApiId=api_id, resourceId=resource_id, httpMethod=method, type="MOCK"
            )
        for stage in spec.stages:
            api.create_deployment(restApiId=api_id, stageName=stage)

    def _rest_resource(
        self, api: APIGatewayClient, api_id: str, path: str, known: dict[str, str]
    ) -> str:
        parent = "/"
        for part in [p for p in path.split("/") if p]:
            current = parent.rstrip("/") + "/" + part
            if current not in known:
                known[current] = api.create_resource(
                    restApiId=api_id, parentId=known[parent], pathPart=part
                )["id"]
            parent = current
        return known[parent]

    def _rest_authorizer(self, api: APIGatewayClient, api_id: str, auth: str) -> str:
        if auth == "COGNITO_USER_POOLS":
            created = api.create_authorizer(
                restApiId=api_id,
                name="cognito",
                type="COGNITO_USER_POOLS",
                providerARNs=[self.seeded.user_pool_arn or ""],
                identitySource="method.request.header.Authorization",
            )
        else:
            created = api.create_authorizer(
                restApiId=api_id,
                name="lambda",
                type="TOKEN",
                authorizerUri=self._lambda_uri(),
                identitySource="method.request.header.Authorization",
            )
        return created["id"]

    def _lambda_uri(self) -> str:
        return _LAMBDA_AUTHORIZER_URI.format(
            region=self.seeded.region, account=self.seeded.account_id
        )

    def _http_api(self, spec: HttpApiSpec) -> None:
        api: ApiGatewayV2Client = self.client("apigatewayv2")
        api_id = api.create_api(Name=spec.name, ProtocolType="HTTP")["ApiId"]
        self.seeded.api_ids[spec.name] = api_id
        authorizers: dict[str, str] = {}
        for route_key, auth in spec.routes.items():
            extra: dict[str, Any] = {"AuthorizationType": auth}
            if auth in ("JWT", "CUSTOM"):
                if auth not in authorizers:
                    authorizers[auth] = self._http_authorizer(api, api_id, auth)
                extra["AuthorizerId"] = authorizers[auth]
            api.create_route(ApiId=api_id, RouteKey=route_key, **extra)
        for stage in spec.stages:
            api.create_stage(ApiId=api_id, StageName=stage)

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
            AuthorizerUri=self._lambda_uri(),
            IdentitySource=["$request.header.Authorization"],
            AuthorizerPayloadFormatVersion="2.0",
        )["AuthorizerId"]


def seed(
    spec: EnvironmentSpec,
    session: boto3.Session | None = None,
    *,
    endpoint_url: str | None = None,
    api_ids: Mapping[str, str] | None = None,
) -> Seeded:
    """Create everything in ``spec`` and return the ids and ARNs, by spec name.

    `api_ids` names APIs seeded earlier (by name): the spec's placeholders may name them too,
    and the result lists them. Order matters: the user pool exists before the APIs (their
    authorizers name it), the identity pool and the APIs before the roles (their policies
    name them), and the roles before the groups and the pool's role attachment.
    """
    return _Seeder(session or boto3.Session(), endpoint_url, api_ids or {}).run(spec)
