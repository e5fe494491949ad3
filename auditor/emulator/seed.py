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
from typing import Any

import boto3

from auditor.emulator.documents import (
    ACCOUNT_PLACEHOLDER,
    POOL_PLACEHOLDER,
    REGION_PLACEHOLDER,
    Document,
    cognito_trust_policy,
)
from auditor.emulator.seed_apis import ApiSeeder
from auditor.emulator.spec import (
    ClientSpec,
    CustomAttributeSpec,
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

# Re-exported: one import for whoever writes a spec and seeds it (policy documents are
# built with auditor.emulator.documents).
__all__ = [
    "ClientSpec",
    "CustomAttributeSpec",
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
        self._apis = ApiSeeder(self.client, self.seeded)

    def client(self, name: str) -> Any:
        return self._session.client(name, endpoint_url=self._endpoint)  # type: ignore[call-overload]

    def run(self, spec: EnvironmentSpec) -> Seeded:
        if spec.user_pool:
            self._user_pool_base(spec.user_pool)
        if spec.identity_pool:
            self._identity_pool(spec.identity_pool)
        for rest in spec.rest_apis:
            policy = None if rest.policy is None else _fill(rest.policy, self.seeded)
            self._apis.rest_api(rest, policy)
        for http in spec.http_apis:
            self._apis.http_api(http)
        self._iam(spec)
        if spec.user_pool:
            self._groups(spec.user_pool)
        if spec.identity_pool:
            self._identity_pool_roles(spec.identity_pool)
        return self.seeded

    def _user_pool_base(self, spec: UserPoolSpec) -> None:
        idp = self.client("cognito-idp")
        args: dict[str, Any] = {"PoolName": spec.name}
        if spec.custom_attributes:
            args["Schema"] = [
                {"Name": a.name, "AttributeDataType": "String", "Mutable": a.mutable}
                for a in spec.custom_attributes
            ]
        if not spec.self_sign_up:
            args["AdminCreateUserConfig"] = {"AllowAdminCreateUserOnly": True}
        pool = idp.create_user_pool(**args)["UserPool"]
        self.seeded.user_pool_id, self.seeded.user_pool_arn = pool["Id"], pool["Arn"]
        for client in spec.clients:
            client_args: dict[str, Any] = {"UserPoolId": pool["Id"], "ClientName": client.name}
            if client.write_attributes is not None:
                client_args["WriteAttributes"] = client.write_attributes
            if client.secret:
                client_args["GenerateSecret"] = True
            created = idp.create_user_pool_client(**client_args)["UserPoolClient"]
            self.seeded.client_ids[client.name] = created["ClientId"]

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
        mappings = {self.seeded.provider_name(m.client): self._mapping(m) for m in spec.mappings}
        if len(mappings) < len(spec.mappings):
            raise ValueError("seed spec maps one app client twice")
        if mappings:
            args["RoleMappings"] = mappings
        if roles or mappings:
            self.client("cognito-identity").set_identity_pool_roles(**args)

    def _mapping(self, spec: RoleMappingSpec) -> dict[str, Any]:
        mapping: dict[str, Any] = {
            "Type": spec.type,
            "AmbiguousRoleResolution": spec.ambiguous_role_resolution,
        }
        if spec.rules:
            mapping["RulesConfiguration"] = {
                "Rules": [
                    {
                        "Claim": rule.claim,
                        "MatchType": rule.match_type,
                        "Value": rule.value,
                        "RoleARN": _arn(rule.role, self.seeded.role_arns, "role"),
                    }
                    for rule in spec.rules
                ]
            }
        return mapping


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
