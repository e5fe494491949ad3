"""The collected live state: typed, serialisable, replayable offline.

Everything the audit needs is here and nothing else; collectors fill it, the rest of the
pipeline only reads it. The JSON form is canonical (sorted keys, sorted lists) so two
snapshots of the same state are byte-identical and can be diffed or digested.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    model_validator,
)
from pydantic_core import PydanticCustomError

from auditor.model.errors import failure_line
from auditor.model.http import DEFAULT_ROUTE, route_key, served_path
from auditor.model.inputs import MIB, InputFormat, load_file, load_input
from auditor.model.refs import ApiRef as ApiRef  # re-exported: the snapshot's own type
from auditor.model.refs import PoolRef as PoolRef
from auditor.model.snapshot_fields import (
    ApiId,
    Arn,
    AwsId,
    IdentityPoolId,
    Method,
    Name,
    Precedence,
    RoutePath,
    StageName,
    Text,
    UserPoolId,
    many,
    text,
)
from auditor.model.snapshot_fields import (  # re-exported: checks and audit name it from here
    AuthorizationType as AuthorizationType,
)

SNAPSHOT_SCHEMA_VERSION = "1"
# A large account's snapshot (10,000 groups and roles) is tens of MiB; the limit keeps a
# wrong file from exhausting memory while leaving room for growth.
SNAPSHOT_FORMAT = InputFormat("snapshot", version=SNAPSHOT_SCHEMA_VERSION, max_bytes=256 * MIB)

PolicyDocument = dict[str, Any]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The services the collectors read (CollectionError.service, a rule's `requires:`).
COLLECTED_SERVICES = ("sts", "cognito-idp", "cognito-identity", "iam", "apigateway", "apigatewayv2")


class CollectionError(_Model):
    """An AWS read that failed after retries; its presence makes the snapshot incomplete."""

    service: Annotated[str, text(64)]
    operation: Annotated[str, text(128)]
    message: str  # AWS's words, unbounded: recording a failure must never fail itself
    resource: str | None = None

    def describe(self) -> str:
        return failure_line(self.service, self.operation, self.message)


class Group(_Model):
    name: Annotated[str, text(128, min_length=1)]
    role_arn: Arn | None = None
    precedence: Precedence | None = None
    description: Text | None = None


class AppClient(_Model):
    """One app client of the user pool, as DescribeUserPoolClient describes it (never its
    secret)."""

    id: AwsId
    name: Annotated[str, text(128)] = ""
    # The attributes a user signed in through this client may write for themselves
    # (UpdateUserAttributes, and SignUp when self sign-up is on). None: unset, which AWS does
    # not report; see AWS-FACTS §9 for what an unset list allows.
    write_attributes: Annotated[list[Name], many(1_000)] | None = None


class UserAttribute(_Model):
    """One attribute of the user pool's schema (DescribeUserPool SchemaAttributes)."""

    name: Name  # as tokens carry it: "email", "custom:tier"
    mutable: bool = True  # can be changed after the user is created
    developer_only: bool = False  # "dev:custom:" attributes: only administrators write them


class UserPool(_Model):
    id: UserPoolId
    name: Annotated[str, text(128)]
    arn: Arn | None = None
    groups: Annotated[list[Group], many(10_000)] = []
    # None in snapshots taken before 0.2: not read, nothing can be said about them.
    clients: Annotated[list[AppClient], many(10_000)] | None = None  # every one, by id
    attributes: Annotated[list[UserAttribute], many(1_000)] | None = None
    # Users may sign themselves up (AdminCreateUserConfig.AllowAdminCreateUserOnly is false):
    # then they also choose the values of immutable attributes their client lets them write.
    self_sign_up: bool | None = None

    def group(self, name: str) -> Group | None:
        """The group named `name` (the first, should a hand-made snapshot repeat it)."""
        return self.groups_by_name().get(name)

    def groups_by_name(self) -> dict[str, Group]:
        """Every group by name, indexed once: the checks look up each group several times,
        which scanning the list made quadratic (184 s at 10,000 groups)."""
        memo = self._groups_memo
        if not memo or memo[0][0] is not self.groups:  # a model_copy that replaced the list
            by_name = {g.name: g for g in reversed(self.groups)}  # the first of a name wins
            memo[:] = [(self.groups, by_name)]
        return memo[0][1]

    @cached_property
    def _groups_memo(self) -> list[tuple[list[Group], dict[str, Group]]]:
        """groups_by_name's memo, with the list it indexed: a model_copy shares the memo, and
        the list tells whose index it holds."""
        return []


class IdentityProvider(_Model):
    """One entry of the identity pool's CognitoIdentityProviders."""

    provider_name: Annotated[str, text(256, r"^[!-~]+$")]  # cognito-idp.<region>.../<pool>
    client_id: AwsId | None = None
    server_side_token_check: bool = False

    @property
    def mapping_key(self) -> str:
        """The RoleMappings key Cognito uses for this provider."""
        return f"{self.provider_name}:{self.client_id}" if self.client_id else self.provider_name


class MappingRule(_Model):
    # AWS: [\p{L}\p{M}\p{S}\p{N}\p{P}]+, so any letter, not only ASCII ones.
    claim: Annotated[str, text(64, r"^[^\x00-\x20\x7f]+$")]
    match_type: Literal["Equals", "Contains", "StartsWith", "NotEqual"]
    value: Annotated[str, text(128, min_length=1)]
    role_arn: Arn


class RoleMapping(_Model):
    type: Literal["Token", "Rules"]
    ambiguous_role_resolution: Literal["AuthenticatedRole", "Deny"] | None = None
    rules: Annotated[list[MappingRule], many(100)] = []  # AWS allows 25


class IdentityPool(_Model):
    id: IdentityPoolId
    name: Annotated[str, text(128)]
    allow_unauthenticated: bool = False
    allow_classic_flow: bool = False
    providers: Annotated[list[IdentityProvider], many(1_000)] = []
    authenticated_role: Arn | None = None
    unauthenticated_role: Arn | None = None
    # Keyed by provider name as GetIdentityPoolRoles returns it ("cognito-idp...:<clientId>").
    role_mappings: Annotated[
        dict[Annotated[str, text(512, r"^[!-~]+$")], RoleMapping], many(1_000)
    ] = {}

    def providers_for_user_pool(self, user_pool_id: str) -> list[IdentityProvider]:
        return [p for p in self.providers if p.provider_name.endswith("/" + user_pool_id)]


class InlinePolicy(_Model):
    name: Annotated[str, text(128, min_length=1)]
    document: PolicyDocument


class ManagedPolicy(_Model):
    arn: Arn
    name: Annotated[str, text(128, min_length=1)]
    default_version_id: AwsId | None = None
    document: PolicyDocument  # the default version's document


def roles_handed_out(user_pool: UserPool | None, identity_pool: IdentityPool | None) -> set[str]:
    """Every role ARN a user of these pools can end up with: the roles a snapshot holds
    (collected from IAM, or built from templates)."""
    arns: set[str] = set()
    if user_pool:
        arns.update(g.role_arn for g in user_pool.groups if g.role_arn)
    if identity_pool:
        arns.update(
            a for a in (identity_pool.authenticated_role, identity_pool.unauthenticated_role) if a
        )
        for mapping in identity_pool.role_mappings.values():
            arns.update(rule.role_arn for rule in mapping.rules)
    return arns


class Role(_Model):
    arn: Arn
    name: Annotated[str, text(64, min_length=1)]
    path: Annotated[str, text(512, r"^/(?:[!-~]*/)?$")] = "/"
    trust_policy: PolicyDocument = {}
    inline_policies: Annotated[list[InlinePolicy], many(1_000)] = []
    attached_policy_arns: Annotated[list[Arn], many(1_000)] = []
    permissions_boundary_arn: Arn | None = None


class Route(_Model):
    """One method of a REST API resource, or one route of an HTTP API."""

    method: Method  # HTTP verb or ANY; "$default" routes use ANY
    path: RoutePath  # resource path template ("/items/{id}"); "$default": the HTTP API catch-all
    authorization_type: AuthorizationType
    authorizer_id: AwsId | None = None

    @model_validator(mode="after")
    def _default_is_any(self) -> Route:
        if self.path == DEFAULT_ROUTE and self.method != "ANY":
            raise PydanticCustomError("grammar", "the $default route's method is ANY", {})
        return self

    @property
    def key(self) -> str:
        return route_key(self.method, self.path)


# How many callers an authorization type lets in, from the most: NONE anyone; a Cognito user
# pool authorizer any signed-in user of the pool; CUSTOM (Lambda) and JWT authorizers whoever
# they admit (a type AWS adds later is taken to be one of these); AWS_IAM only the roles whose
# policies allow it. Where a stage serves a route two ways (its own deployment and its canary)
# it is shown with the least restrictive: the one that lets more callers in.
_OPENNESS = {"NONE": 0, "COGNITO_USER_POOLS": 1, "CUSTOM": 2, "JWT": 2, "AWS_IAM": 3}


def openness(authorization_type: AuthorizationType) -> int:
    """The rank of an authorization type, 0 for NONE (see _OPENNESS): lower is less
    restrictive."""
    return _OPENNESS.get(authorization_type, 2)


class ServedRoute(Route):
    """A route of a stage whose canary serves it otherwise than the stage's own deployment
    (or alone). It carries the least restrictive of the two authorizations; every verdict
    judges both (a caller who retries lands on either)."""

    canary: bool = False  # the authorization shown is the canary's
    other: AuthorizationType | None = None  # the other deployment's, where both serve it


def with_canary(main: list[Route], canary: list[Route]) -> list[Route]:
    """What a stage serves with its canary: every route of either, each with the least
    restrictive authorization of the two. Routes served alike stay the main deployment's
    objects."""
    ours, theirs = {r.key: r for r in main}, {r.key: r for r in canary}
    merged: list[Route] = []
    for key in ours.keys() | theirs.keys():
        own, new = ours.get(key), theirs.get(key)
        if new is None:
            merged.append(ours[key])
        elif own is None:
            merged.append(ServedRoute(**new.model_dump(), canary=True))
        elif own.authorization_type == new.authorization_type:
            merged.append(own)
        elif openness(new.authorization_type) < openness(own.authorization_type):
            merged.append(
                ServedRoute(**new.model_dump(), canary=True, other=own.authorization_type)
            )
        else:
            merged.append(ServedRoute(**own.model_dump(), other=new.authorization_type))
    return sorted(merged, key=lambda route: (route.path, route.method))


class Deployment(_Model):
    """What one stage serves: the methods of a REST deployment (GetDeployment with the API
    summary), or the routes an HTTP API stage exports (ExportApi) for the deployment it
    points at, auto-deploy or not."""

    id: AwsId | None = None
    routes: Annotated[list[Route], many(100_000)] = []


class Api(_Model):
    id: ApiId
    name: Annotated[str, text(1024)]
    kind: Literal["REST", "HTTP"]
    stages: Annotated[list[StageName], many(1_000)] = []
    # False when the API's stages could not be listed: `stages` is then empty, and what any
    # stage serves is unknown.
    stages_listed: bool = True
    resource_policy: PolicyDocument | None = None  # REST only, already unescaped
    routes: Annotated[list[Route], many(100_000)] = []  # the current definition
    # By stage name, what a stage serves where that can differ from `routes` (REST stages,
    # HTTP stages with a deployment). A stage absent here serves `routes` (an auto-deploy
    # stage not deployed yet, a snapshot taken before 0.2).
    deployments: Annotated[dict[StageName, Deployment], many(1_000)] = {}
    # By stage name, what a REST stage's canary serves (Stage.canarySettings.deploymentId,
    # taking a share of the traffic): a caller who retries lands on it, so the stage serves
    # both deployments.
    canaries: Annotated[dict[StageName, Deployment], many(1_000)] = {}
    # Stages whose deployment could not be read (a failed read, in the snapshot's errors, or
    # an answer we could not use), or that serve the definition when it could not be read
    # (`routes` is then empty): what they serve is unknown, never taken to be `routes`.
    unread_stages: Annotated[list[StageName], many(1_000)] = []

    def served_routes(self, stage: str) -> list[Route]:
        """The routes a stage really serves: its deployment's, else the current definition,
        with its canary's (see with_canary). For a stage in `unread_stages` the definition
        only lists the routes it may serve. The same objects on every call: the audit keys
        its cells by them."""
        deployed = self.deployments.get(stage)
        main = deployed.routes if deployed is not None else self.routes
        canary = self.canaries.get(stage)
        if canary is None:
            return main
        key = (stage, id(main), id(canary.routes))  # a model_copy shares this memo
        held = self.merged_routes.get(key)
        if held is None:
            held = self.merged_routes[key] = (main, canary.routes, with_canary(main, canary.routes))
        return held[2]

    def deployment_serving(self, stage: str, canary: bool) -> Deployment | None:
        """The deployment a route of `stage` is served from: the stage's canary, or its own
        (None where the stage serves the current definition, or has no canary)."""
        return (self.canaries if canary else self.deployments).get(stage)

    @cached_property
    def merged_routes(self) -> dict[tuple[str, int, int], tuple[list[Route], ...]]:
        """served_routes' memo of stages with a canary (the lists it was built from are kept
        with it, so that their ids stay theirs)."""
        return {}

    def unread_reason(self, stage: str) -> str | None:
        """Why what `stage` serves is unknown, or None if the snapshot says what it serves."""
        if not self.stages_listed:
            return f"the stages of API {self.id} could not be read"
        if stage in self.unread_stages:
            return f"what stage {stage} of API {self.id} serves could not be read"
        if stage not in self.stages:
            return f"API {self.id} has no stage {stage} in the snapshot"
        return None


def stages_named(refs: Iterable[ApiRef]) -> set[str] | None:
    """The stages that references to one API ask for: the union of theirs, or None (every
    stage) when one of them, or none at all, names a stage. The collector reads, and the
    audit judges, exactly these."""
    named = {ref.stage for ref in refs}
    if not named or None in named:
        return None
    return {stage for stage in named if stage is not None}


class TargetRef(_Model):
    """What the snapshot was asked to read, as given."""

    user_pool: PoolRef
    identity_pool: PoolRef
    apis: Annotated[list[ApiRef], many(1_000)] = []


class Snapshot(_Model):
    schema_version: Annotated[str, text(16)] = SNAPSHOT_SCHEMA_VERSION
    tool_version: Annotated[str, text(64)] = ""
    collected_at: Annotated[str, text(64)] = ""
    partition: Annotated[str, text(32, r"^aws[a-z-]*$")] = "aws"
    region: Annotated[str, text(32, r"^[a-z0-9-]+$", min_length=1)]
    account_id: Annotated[str, text(12, r"^[0-9]{12}$")] | None = None
    target: TargetRef
    user_pool: UserPool | None = None
    identity_pool: IdentityPool | None = None
    roles: Annotated[dict[Arn, Role], many(100_000)] = {}
    managed_policies: Annotated[dict[Arn, ManagedPolicy], many(100_000)] = {}
    apis: Annotated[list[Api], many(1_000)] = []
    errors: Annotated[list[CollectionError], many(1_000_000)] = []

    @property
    def complete(self) -> bool:
        return not self.errors

    def failed_services(self) -> frozenset[str]:
        """The services a read of which failed. A failure of a service we do not know (a
        hand-edited snapshot, say) may hide anything: then every service counts as failed."""
        failed = {error.service.lower() for error in self.errors}
        return (
            frozenset(COLLECTED_SERVICES) if failed - set(COLLECTED_SERVICES) else frozenset(failed)
        )

    def role(self, arn: str | None) -> Role | None:
        return self.roles.get(arn) if arn else None

    def api(self, api_id: str) -> Api | None:
        return next((a for a in self.apis if a.id == api_id), None)

    def route_arn(self, api_id: str, method: str, path: str, stage: str = "*") -> str:
        """The execute-api ARN that names a route (every stage by default) in findings.

        ANY becomes `*` (requests carry the concrete verb); the HTTP API `$default` route is
        named as the catch-all path it serves.
        """
        verb = "*" if method in ("ANY", "*") else method
        path = served_path(path)
        return (
            f"arn:{self.partition}:execute-api:{self.region}:{self.account_id or '*'}:"
            f"{api_id}/{stage}/{verb}{path}"
        )

    def to_json(self) -> str:
        return canonical_json(self.model_dump(mode="json"))

    def digest(self) -> str:
        """Identity of the live configuration: ignores when and by which version it was read."""
        content = self.model_dump(mode="json", exclude={"collected_at", "tool_version"})
        return hashlib.sha256(canonical_json(content).encode()).hexdigest()

    @classmethod
    def from_json(cls, text: str, *, source: str = "<snapshot>") -> Snapshot:
        return load_input(cls, text, source, SNAPSHOT_FORMAT)

    @classmethod
    def load(cls, path: Path) -> Snapshot:
        return load_file(cls, path, SNAPSHOT_FORMAT)


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
