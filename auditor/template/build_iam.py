"""IAM resources -> the snapshot's roles and managed policies: the roles the pools hand out,
with their trust policy, inline policies (the role's Policies, AWS::IAM::Policy and
AWS::IAM::RolePolicy), attached and boundary policies, as GetAccountAuthorizationDetails
describes them to the collector.

Only the roles the pools hand out are built, as the collector reads only those: both audits
then judge the same roles. A managed policy the templates do not define (AWS managed, or
another stack's) is not guessed: AWS managed policies can grant execute-api:Invoke
(AmazonAPIGatewayInvokeFullAccess), so its document is recorded as unknown (incomplete)."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from auditor.model.findings import TemplateLocation
from auditor.model.snapshot import InlinePolicy, ManagedPolicy, Role
from auditor.template.build_context import (
    BuildContext,
    Unknown,
    as_list,
    as_mapping,
    bad_input,
    refused,
)
from auditor.template.model import Resource, Unresolved

ROLE = "AWS::IAM::Role"
MANAGED_POLICY = "AWS::IAM::ManagedPolicy"


@dataclass
class IamSources:
    roles: dict[str, TemplateLocation] = field(default_factory=dict)
    managed_policies: dict[str, TemplateLocation] = field(default_factory=dict)
    inline_policies: dict[tuple[str, str], TemplateLocation] = field(default_factory=dict)
    # Roles with a statement left out (policy_document): their documents are not as deployed.
    partial: set[str] = field(default_factory=set)


def build_roles(
    context: BuildContext, wanted: set[str], sources: IamSources
) -> tuple[dict[str, Role], dict[str, ManagedPolicy]]:
    """The wanted roles the templates define, and the managed policies they attach."""
    by_arn: dict[str, Resource] = {}
    for resource in context.of_type(ROLE):
        try:
            by_arn[context.attribute(resource, "Arn")] = resource
        except Unknown:
            continue
    policies_by_arn: dict[str, Resource] = {}
    for resource in context.of_type(MANAGED_POLICY):
        try:
            policies_by_arn[context.ref(resource)] = resource
        except Unknown:
            continue
    attached = _attachments(context)
    roles: dict[str, Role] = {}
    for arn in sorted(wanted):
        written = by_arn.get(arn)
        if written is None:
            fallback = next(iter(context.app.resources.values()))
            context.miss(
                fallback, "Arn", f"role {arn} is handed out but not defined in the templates", "iam"
            )
            continue
        try:
            roles[arn] = _role(context, written, arn, attached, sources)
        except Unknown:
            continue
        sources.roles[arn] = written.location
    policies = _managed_policies(context, roles, by_arn, policies_by_arn, sources)
    return roles, policies


@dataclass
class _Attached:
    """What separate resources attach to roles, by role name."""

    # role name -> (policy, where it is written, whether a statement was left out)
    inline: dict[str, list[tuple[InlinePolicy, Resource, bool]]] = field(default_factory=dict)
    managed: dict[str, list[str]] = field(default_factory=dict)


# The one action the audit asks about: a statement none of whose actions can match it decides
# nothing here, whatever its resources or conditions.
_INVOKE = "execute-api:invoke"


def _cannot_invoke(statement: Any) -> bool:
    """Whether a statement as written (before resolution) names only actions that cannot
    match execute-api:Invoke: plain text, no NotAction, no wildcard that reaches it."""
    if not isinstance(statement, Mapping) or "NotAction" in statement:
        return False
    actions = statement.get("Action")
    actions = [actions] if isinstance(actions, str) else actions
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        return False
    return not any(fnmatch.fnmatchcase(_INVOKE, a.lower().replace("[", "[[]")) for a in actions)


def policy_document(
    context: BuildContext, resource: Resource, raw: Any, field_name: str
) -> tuple[Any, bool]:
    """A permissions policy resolved statement by statement, and whether a statement was left
    out: one that cannot be resolved offline (a table's ARN from Fn::GetAtt, say) but cannot
    grant execute-api:Invoke either leaves the rest of the role judgeable. Any other
    unresolvable statement: Unknown (recorded)."""
    statements = raw.get("Statement") if isinstance(raw, Mapping) else None
    if not isinstance(statements, list):
        return context.resolved(resource, raw, field_name), False
    head = {k: v for k, v in raw.items() if k != "Statement"}
    document = context.resolved(resource, head, field_name)
    kept: list[Any] = []
    partial = False
    for index, statement in enumerate(statements):
        where = f"{field_name}.Statement[{index}]"
        resolved = context.resolver.resolve(statement, resource, where)
        if isinstance(resolved, Unresolved):
            if not _cannot_invoke(statement):
                context.unresolved.append(resolved)
                raise Unknown
            partial = True
        elif resolved is not None:  # AWS::NoValue: no statement
            kept.append(resolved)
    return {**document, "Statement": kept}, partial


def _attachments(context: BuildContext) -> _Attached:
    attached = _Attached()
    for resource in context.of_type("AWS::IAM::Policy", "AWS::IAM::RolePolicy"):
        try:
            if resource.type == "AWS::IAM::RolePolicy":
                role_names = [context.value(resource, "RoleName")]
            else:
                role_names = as_list(resource, "Roles", context.value(resource, "Roles"))
            document, partial = policy_document(
                context,
                resource,
                resource.properties.get("PolicyDocument"),
                "Properties.PolicyDocument",
            )
            policy = _inline(resource, context.value(resource, "PolicyName"), document)
        except Unknown:
            continue
        for name in role_names:
            attached.inline.setdefault(str(name), []).append((policy, resource, partial))
    for resource in context.of_type(MANAGED_POLICY):
        try:
            arn = context.ref(resource)
            role_names = as_list(resource, "Roles", context.value(resource, "Roles"))
        except Unknown:
            continue
        for name in role_names:
            attached.managed.setdefault(str(name), []).append(arn)
    return attached


def _inline(resource: Resource, name: Any, document: Any) -> InlinePolicy:
    if not isinstance(document, dict):
        raise bad_input(resource, "PolicyDocument", "expected a policy document (a mapping)")
    try:
        return InlinePolicy(name=name, document=document)
    except ValidationError as exc:
        raise refused(resource, exc) from None


def _role(
    context: BuildContext,
    resource: Resource,
    arn: str,
    attached: _Attached,
    sources: IamSources,
) -> Role:
    name = context.ref(resource)
    inline: list[InlinePolicy] = []
    for policy, partial in _role_policies(context, resource):
        inline.append(policy)
        sources.inline_policies[(arn, policy.name)] = resource.location
        if partial:
            sources.partial.add(arn)
    for policy, written, partial in attached.inline.get(name, []):
        inline.append(policy)
        sources.inline_policies[(arn, policy.name)] = written.location
        if partial:
            sources.partial.add(arn)
    managed = [
        str(a)
        for a in as_list(
            resource, "ManagedPolicyArns", context.value(resource, "ManagedPolicyArns")
        )
    ]
    managed.extend(attached.managed.get(name, []))
    trust = as_mapping(
        resource, "AssumeRolePolicyDocument", context.value(resource, "AssumeRolePolicyDocument")
    )
    try:
        return Role(
            arn=arn,
            name=name,
            path=context.value(resource, "Path", "/"),
            trust_policy=trust,
            inline_policies=sorted(inline, key=lambda p: p.name),
            attached_policy_arns=sorted(set(managed)),
            permissions_boundary_arn=context.value(resource, "PermissionsBoundary"),
        )
    except ValidationError as exc:
        raise refused(resource, exc) from None


def _managed_policies(
    context: BuildContext,
    roles: dict[str, Role],
    roles_by_arn: dict[str, Resource],
    policies_by_arn: dict[str, Resource],
    sources: IamSources,
) -> dict[str, ManagedPolicy]:
    needed: dict[str, str] = {}  # policy ARN -> the first role needing it
    for role in roles.values():
        for arn in [*role.attached_policy_arns, role.permissions_boundary_arn]:
            if arn:
                needed.setdefault(arn, role.arn)
    policies: dict[str, ManagedPolicy] = {}
    for arn in sorted(needed):
        resource = policies_by_arn.get(arn)
        if resource is None:
            context.miss(
                roles_by_arn[needed[arn]],
                "Properties.ManagedPolicyArns",
                f"managed policy {arn} is not defined in the templates (AWS managed or another "
                "stack's): what it allows is unknown offline",
                "iam",
            )
            continue
        try:
            raw = resource.properties.get("PolicyDocument")
            document, partial = policy_document(context, resource, raw, "Properties.PolicyDocument")
            if partial:
                sources.partial.update(r.arn for r in roles.values() if arn in _uses(r))
            name = arn.rsplit("/", 1)[-1]
            if not isinstance(document, dict):
                raise bad_input(resource, "PolicyDocument", "expected a policy document")
            policies[arn] = ManagedPolicy(
                arn=arn, name=name, default_version_id="v1", document=document
            )
        except Unknown:
            continue
        except ValidationError as exc:
            raise refused(resource, exc) from None
        sources.managed_policies[arn] = resource.location
    return policies


def _role_policies(context: BuildContext, resource: Resource) -> list[tuple[InlinePolicy, bool]]:
    """A role's Policies, each document statement by statement where it is written as one
    (an entry or the whole list behind an intrinsic function is resolved whole)."""
    raw = resource.properties.get("Policies")
    entries = raw if isinstance(raw, list) else context.value(resource, "Policies", [])
    policies = []
    for index, entry in enumerate(as_list(resource, "Policies", entries)):
        field_name = f"Properties.Policies[{index}]"
        if not (isinstance(entry, Mapping) and "PolicyDocument" in entry):
            entry = context.resolved(resource, entry, field_name)
            if entry is None:  # AWS::NoValue
                continue
        entry = as_mapping(resource, f"Policies[{index}]", entry)
        document, partial = policy_document(
            context, resource, entry.get("PolicyDocument"), f"{field_name}.PolicyDocument"
        )
        name = context.resolved(resource, entry.get("PolicyName"), f"{field_name}.PolicyName")
        policies.append((_inline(resource, name, document), partial))
    return policies


def _uses(role: Role) -> list[str | None]:
    return [*role.attached_policy_arns, role.permissions_boundary_arn]
