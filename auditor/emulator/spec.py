"""What to seed, as plain dataclasses: an environment described before any of it exists.

References between parts are by name (a group's ``role="app-admin"``); anything starting with
``arn:`` is used verbatim, so a spec can point at roles that do not exist. Documents may hold
the placeholders of `auditor.emulator.documents`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TypeVar

from auditor.emulator.documents import Document

_Named = TypeVar(
    "_Named", "ManagedPolicySpec", "RoleSpec", "GroupSpec", "RestApiSpec", "HttpApiSpec"
)


@dataclass
class ManagedPolicySpec:
    name: str
    document: Document
    path: str = "/"


@dataclass
class RoleSpec:
    name: str
    inline: dict[str, Document] = field(default_factory=dict)
    managed: list[str] = field(default_factory=list)  # ManagedPolicySpec names or ARNs
    boundary: str | None = None  # a ManagedPolicySpec name or an ARN
    # None: the Cognito trust policy for the seeded identity pool with this amr.
    trust: Document | None = None
    trust_amr: str = "authenticated"
    path: str = "/"


@dataclass
class GroupSpec:
    name: str
    role: str | None = None  # RoleSpec name or ARN
    precedence: int | None = None
    description: str | None = None


@dataclass
class ClientSpec:
    name: str
    # The attributes its users may write themselves; None: never set (AWS then omits it).
    write_attributes: list[str] | None = None
    secret: bool = False  # GenerateSecret: a confidential (server-side) client


@dataclass
class CustomAttributeSpec:
    name: str  # without the prefix: "tier" is seeded as custom:tier
    mutable: bool = True


@dataclass
class UserPoolSpec:
    name: str = "app-users"
    groups: list[GroupSpec] = field(default_factory=list)
    clients: list[ClientSpec] = field(default_factory=lambda: [ClientSpec("web")])
    custom_attributes: list[CustomAttributeSpec] = field(default_factory=list)
    self_sign_up: bool = True  # AWS's default: AllowAdminCreateUserOnly false


@dataclass
class RuleSpec:
    claim: str
    match_type: str  # Equals | Contains | StartsWith | NotEqual
    value: str
    role: str  # RoleSpec name or ARN


@dataclass
class RoleMappingSpec:
    type: str = "Token"  # Token | Rules
    ambiguous_role_resolution: str = "AuthenticatedRole"
    rules: list[RuleSpec] = field(default_factory=list)
    client: str | None = None  # which app client's provider; None: the first


@dataclass
class IdentityPoolSpec:
    name: str = "app_identities"
    allow_unauthenticated: bool = False
    allow_classic_flow: bool = False
    authenticated_role: str | None = None
    unauthenticated_role: str | None = None
    # One per app client that has a role mapping; a client without one gives everyone
    # signing in through it the default role.
    mappings: list[RoleMappingSpec] = field(default_factory=list)
    clients: list[str] | None = None  # app clients registered as providers; None: all


@dataclass
class RestApiSpec:
    name: str
    # "GET /items/{id}" -> NONE | AWS_IAM | COGNITO_USER_POOLS | CUSTOM
    routes: dict[str, str] = field(default_factory=dict)
    stages: list[str] = field(default_factory=lambda: ["prod"])
    policy: Document | None = None
    # Route -> authorization set on the definition after the stages are deployed (routes
    # created as needed): what the stages serve no longer is what the API says.
    changed_after_deploy: dict[str, str] = field(default_factory=dict)


@dataclass
class HttpApiSpec:
    name: str
    # "GET /items/{id}", "ANY /{proxy+}" or "$default" -> NONE | AWS_IAM | JWT | CUSTOM
    routes: dict[str, str] = field(default_factory=dict)
    stages: list[str] = field(default_factory=lambda: ["$default"])
    # True: the stages serve the latest routes. False: one deployment at seed time serves
    # every stage, and `changed_after_deploy` (as for REST) changes only the definition.
    auto_deploy: bool = True
    changed_after_deploy: dict[str, str] = field(default_factory=dict)


@dataclass
class EnvironmentSpec:
    managed_policies: list[ManagedPolicySpec] = field(default_factory=list)
    roles: list[RoleSpec] = field(default_factory=list)
    user_pool: UserPoolSpec | None = field(default_factory=UserPoolSpec)
    identity_pool: IdentityPoolSpec | None = field(default_factory=IdentityPoolSpec)
    rest_apis: list[RestApiSpec] = field(default_factory=list)
    http_apis: list[HttpApiSpec] = field(default_factory=list)

    # By name, for variations of a spec ("this world, but with that role changed").
    def managed_policy(self, name: str) -> ManagedPolicySpec:
        return _named(self.managed_policies, name, "managed policy")

    def role(self, name: str) -> RoleSpec:
        return _named(self.roles, name, "role")

    def group(self, name: str) -> GroupSpec:
        groups = self.user_pool.groups if self.user_pool else []
        return _named(groups, name, "group")

    def rest_api(self, name: str) -> RestApiSpec:
        return _named(self.rest_apis, name, "REST API")

    def http_api(self, name: str) -> HttpApiSpec:
        return _named(self.http_apis, name, "HTTP API")

    def apis_only(self) -> EnvironmentSpec:
        return EnvironmentSpec(
            user_pool=None, identity_pool=None, rest_apis=self.rest_apis, http_apis=self.http_apis
        )

    def without_apis(self) -> EnvironmentSpec:
        """Everything else, to seed beside APIs kept from an earlier `seed` (`api_ids=`)."""
        return replace(self, rest_apis=[], http_apis=[])


def _named(items: list[_Named], name: str, kind: str) -> _Named:
    try:
        return next(item for item in items if item.name == name)
    except StopIteration:
        raise KeyError(f"the spec has no {kind} named {name!r}") from None
