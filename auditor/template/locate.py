"""Each finding of a template audit -> the resource to change (Finding.template).

A finding names AWS things (a role ARN, `<pool>/group/<name>`, an execute-api ARN, an
identity pool id); the SourceMap says where each is written. Per rule, RULE_TARGETS lists the
kinds of resource to try, the one to change first and the closest container last; what none
of them finds points at the application's first resource (CONTRACT §6.5: every finding of a
template audit has a location).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from typing import Any

from auditor.model.findings import Finding, TemplateLocation
from auditor.model.personas import group_name
from auditor.model.report import Report
from auditor.template.model import TemplateSnapshot

Finder = Callable[[Finding, TemplateSnapshot], TemplateLocation | None]

# A statement as the evidence names it: `<policy>#<index>` and an optional ` (Sid X)`, where
# <policy> is `<role name>/<inline name>` or a managed policy's name (StatementRef).
_STATEMENT = re.compile(r"^(?P<policy>.+?)#\d+(?: \(Sid .*\))?$")


def _role(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    return built.sources.roles.get(f.resource.partition("#")[0])


def _role_holder(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    """For a role the template does not define (an ARN written as text): what hands it out,
    a group or the identity pool's role attachment."""
    role_arn = f.resource.partition("#")[0]
    user_pool, pool = built.snapshot.user_pool, built.snapshot.identity_pool
    for group in user_pool.groups if user_pool else ():
        if group.role_arn == role_arn and group.name in built.sources.groups:
            return built.sources.groups[group.name]
    if pool is None:
        return None
    handed = {pool.authenticated_role, pool.unauthenticated_role}
    handed |= {r.role_arn for m in pool.role_mappings.values() for r in m.rules}
    return built.sources.role_attachment if role_arn in handed else None


def _policy_by_name(role_arn: str, policy: str, built: TemplateSnapshot) -> TemplateLocation | None:
    """The template resource that defines the policy a statement reference names."""
    sources = built.sources
    if "/" in policy:  # inline: role names hold no slash, so the last part is the policy's
        return sources.inline_policies.get((role_arn, policy.rsplit("/", 1)[1]))
    role = built.snapshot.role(role_arn)
    for arn in role.attached_policy_arns if role else ():
        managed = built.snapshot.managed_policies.get(arn)
        if managed is not None and managed.name == policy:
            return sources.managed_policies.get(arn)
    return None


def _granting_policy(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    """The policy whose statement grants what excess-route or overbroad-grant reports."""
    named: Iterable[Any] = f.evidence.get("allowing") or [
        entry.get("statement") for entry in f.evidence.get("statements") or []
    ]
    for statement in named:
        matched = _STATEMENT.match(str(statement))
        if matched:
            found = _policy_by_name(f.resource, matched["policy"], built)
            if found is not None:
                return found
    return None


def _document(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    """A policy document policy-unreadable names: a managed policy's ARN, `<role>#<inline>`."""
    sources = built.sources
    if f.resource in sources.managed_policies:
        return sources.managed_policies[f.resource]
    role_arn, _, inline = f.resource.partition("#")
    return sources.inline_policies.get((role_arn, inline)) if inline else None


def _group(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    name = group_name(f.persona or "")
    return built.sources.groups.get(name) if name is not None else None


def _user_pool(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    return built.sources.user_pool


def _identity_pool(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    return built.sources.identity_pool


def _role_attachment(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    """Where the default roles and the role mappings are written."""
    return built.sources.role_attachment


def _mapping(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    """The role attachment, except for the app clients the identity pool accepts, which its
    own CognitoIdentityProviders list."""
    return None if f.resource.endswith("#app_clients") else built.sources.role_attachment


def _client(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    """The app client that lets users write the attribute (claim-user-writable) or through
    which the finding holds."""
    clients = built.sources.clients
    for client_id in [*(f.evidence.get("clients") or ()), f.app_client]:
        if client_id in clients:
            return clients[client_id]
    return None


def _route(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    if not (f.api_id and f.route):
        return None
    method, _, path = f.route.partition(" ")
    method, path = (method, path) if path else ("ANY", f.route)  # `$default`
    return built.sources.routes.get((f.api_id, method, path))


def _api(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    """The finding's API, else the first API it names in its evidence (route-missing names
    every audited API), else the application's only API."""
    apis = built.sources.apis
    for api_id in [f.api_id, *(f.evidence.get("apis") or ())]:
        if api_id in apis:
            return apis[api_id]
    return next(iter(apis.values())) if len(apis) == 1 else None


_ROLE_FIELDS = ("authenticated_role", "unauthenticated_role")


def _pool_change(f: Finding, built: TemplateSnapshot) -> TemplateLocation | None:
    """A changed identity pool (changed-since-last-run, template-drift): its role mappings
    and default roles are the role attachment's, its other settings the pool's."""
    if "#RoleMappings/" in f.resource:
        return built.sources.role_attachment
    pool = built.snapshot.identity_pool
    if pool is None or f.resource != pool.id:
        return None
    diff = [str(line) for line in f.evidence.get("diff") or ()]
    if diff and all(line.startswith(_ROLE_FIELDS) for line in diff):
        return built.sources.role_attachment or built.sources.identity_pool
    return built.sources.identity_pool


# A change found by comparing configurations names its thing by its resource alone.
_CHANGED: tuple[Finder, ...] = (_route, _group, _role, _pool_change, _api)
_ROLE: tuple[Finder, ...] = (_role, _role_holder)
_ROLE_REACH: tuple[Finder, ...] = (*_ROLE, _role_attachment, _identity_pool)
_GROUP: tuple[Finder, ...] = (_group, _user_pool)
_MAPPING: tuple[Finder, ...] = (_role_attachment, _identity_pool)
_ROUTE: tuple[Finder, ...] = (_route, _api)

# Per rule: the resource to change first, then what holds it.
RULE_TARGETS: dict[str, tuple[Finder, ...]] = {
    "missing-all-users-route": _ROLE_REACH,
    "missing-route": _ROLE_REACH,
    "excess-route": (_granting_policy, *_ROLE_REACH),
    "overbroad-grant": (_granting_policy, *_ROLE),
    "role-mapping-missing": _MAPPING,
    "role-mapping-drift": (_mapping, _identity_pool),
    "default-role-missing": _MAPPING,
    "default-role-drift": _MAPPING,
    "unauthenticated-enabled": (_identity_pool,),
    "classic-flow-enabled": (_identity_pool,),
    "group-missing": (_user_pool,),
    "group-undeclared": _GROUP,
    "group-role-missing": _GROUP,
    "group-role-drift": _GROUP,
    "precedence-drift": _GROUP,
    "ambiguous-precedence": _GROUP,
    "trust-not-cognito": _ROLE,
    "trust-missing-aud": _ROLE,
    "trust-wrong-pool": _ROLE,
    "trust-missing-amr": _ROLE,
    "route-not-iam": _ROUTE,
    "route-undeclared": _ROUTE,
    "route-missing": (_api,),
    "resource-policy-public": (_api,),
    "changed-since-last-run": _CHANGED,
    "claim-rule-undeclared": _MAPPING,
    "claim-user-writable": (_client, _user_pool),
    "role-mapping-inconsistent": _MAPPING,
    "group-role-unused": (*_MAPPING, _user_pool),
    "route-undeployed-change": _ROUTE,
    "policy-unreadable": (_route, _document, *_ROLE, _api),
    "template-drift": _CHANGED,
}


def location_of(finding: Finding, built: TemplateSnapshot) -> TemplateLocation:
    """The resource to change for `finding`, else the closest container, else the
    application's first resource."""
    for find in RULE_TARGETS.get(finding.rule_id, _CHANGED):
        found = find(finding, built)
        if found is not None:
            return found
    return built.sources.fallback


def locate_findings(
    report: Report, built: TemplateSnapshot, *, rules: Collection[str] | None = None
) -> Report:
    """`report` with every finding's `template` set: the resource to change, else the closest
    resource that holds what is missing (the user pool for a missing group, the API for a
    missing route), else the application's first resource. `rules`: locate only findings of
    these rules (template vs live locates its template-drift findings alone)."""
    located = [
        f.model_copy(update={"template": location_of(f, built)})
        if rules is None or f.rule_id in rules
        else f
        for f in report.findings
    ]
    return report.model_copy(update={"findings": located})
