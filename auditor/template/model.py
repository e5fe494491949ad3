"""The shapes the template readers share: an Application of CloudFormation resources, the
identities its intrinsics resolve with, and where each snapshot entity came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.model.findings import TemplateLocation
from auditor.model.snapshot import Snapshot

# The offline stand-ins for what only a deployment knows, when neither the command line nor
# the baseline names them: AWS's documentation account and the default region.
PLACEHOLDER_ACCOUNT = "123456789012"
PLACEHOLDER_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class Resource:
    """One CloudFormation resource as it would be deployed: SAM resources already translated,
    Serverless functions and events already converted. `properties` are as decoded, intrinsic
    functions still one-key dicts ({"Fn::GetAtt": [...]}); `location` is what a finding about
    it points at (for a translated or converted resource, the resource the user wrote)."""

    logical_id: str
    type: str
    properties: Mapping[str, Any]
    location: TemplateLocation
    condition: str | None = None  # the name of its Condition, deployed only where it holds
    # For an API whose routes are written elsewhere than its own resource (a SAM function's
    # Events, an OpenAPI Body): (METHOD, path) -> where that route is written.
    route_locations: Mapping[tuple[str, str], TemplateLocation] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value the readers could not know offline (Fn::ImportValue, ${env:X} without a
    default, a parameter without a default): the snapshot section it belongs to is unknown,
    and the report says so (a CollectionError of `service`)."""

    location: TemplateLocation
    field: str  # where in the resource: "Properties.RoleArn"
    reason: str  # "Fn::ImportValue cannot be resolved before deploy"
    service: str  # the snapshot section it leaves unknown: one of COLLECTED_SERVICES


@dataclass(frozen=True, slots=True)
class Application:
    """Every resource of the files that form one application (a stack and its included
    files), keyed by logical id, with the template-level sections intrinsics read."""

    files: tuple[str, ...]
    resources: Mapping[str, Resource]
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # as declared
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    # Parameter values given on the command line (--parameter KEY=VALUE): they win over
    # the declared defaults.
    parameter_values: Mapping[str, str] = field(default_factory=dict)
    # What a reader itself could not resolve (a Serverless variable, say).
    unresolved: tuple[Unresolved, ...] = ()


@dataclass(frozen=True, slots=True)
class Identities:
    """What only a deployment knows, fixed before resolving: the pseudo parameters and the
    physical id of each resource (what `Ref` returns) and its attributes (`Fn::GetAtt`).
    Offline, made-up but well-formed ids named after the logical ids, or the ids the baseline
    names; against the live account (template vs live) and in the emulator deployer, the real
    ones."""

    account_id: str = PLACEHOLDER_ACCOUNT
    region: str = PLACEHOLDER_REGION
    partition: str = "aws"
    stack_name: str = "stack"
    physical: Mapping[str, str] = field(default_factory=dict)  # logical id -> Ref value
    attributes: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (id, attr)
    # The pseudo parameters above that are placeholders ("AWS::StackName", ...): good enough
    # for a name, never for deciding a Condition (intrinsics.Resolver).
    assumed: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Where each entity of a template-built snapshot is written, by the names the snapshot
    gives it: what locate.py needs to point a finding at code."""

    fallback: TemplateLocation  # the first resource of the application
    user_pool: TemplateLocation | None = None
    identity_pool: TemplateLocation | None = None
    role_attachment: TemplateLocation | None = None  # AWS::Cognito::IdentityPoolRoleAttachment
    groups: Mapping[str, TemplateLocation] = field(default_factory=dict)  # group name
    clients: Mapping[str, TemplateLocation] = field(default_factory=dict)  # app client id
    roles: Mapping[str, TemplateLocation] = field(default_factory=dict)  # role ARN
    managed_policies: Mapping[str, TemplateLocation] = field(default_factory=dict)  # ARN
    # (role ARN, inline policy name) -> the AWS::IAM::Policy or the role's Policies entry
    inline_policies: Mapping[tuple[str, str], TemplateLocation] = field(default_factory=dict)
    apis: Mapping[str, TemplateLocation] = field(default_factory=dict)  # API id
    # (API id, method, path) -> the Method, Route, SAM event or Serverless function
    routes: Mapping[tuple[str, str, str], TemplateLocation] = field(default_factory=dict)
    stages: Mapping[tuple[str, str], TemplateLocation] = field(default_factory=dict)
    # Roles whose policies left out a statement that could not be resolved offline and
    # cannot grant execute-api:Invoke: judged, but their documents are not as deployed.
    partial_roles: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TemplateSnapshot:
    """A snapshot built from templates, and where its entities are written."""

    snapshot: Snapshot
    sources: SourceMap
