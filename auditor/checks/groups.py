"""Rules over the user pool's groups: existence, roles and precedence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from auditor.audit.resolve import unused_group_roles, unused_instead
from auditor.checks.context import AuditContext
from auditor.model.baseline import GroupBaseline
from auditor.model.findings import Issue
from auditor.model.personas import group_persona
from auditor.model.snapshot import Group, UserPool


def _group_resource(pool: UserPool, name: str) -> str:
    return f"{pool.arn or pool.id}/group/{name}"


def group_missing(ctx: AuditContext) -> Iterator[Issue]:
    pool = ctx.snapshot.user_pool
    if pool is None:
        return
    for name in ctx.baseline.groups:
        if pool.group(name) is None:
            yield Issue(
                rule_id="group-missing",
                resource=_group_resource(pool, name),
                persona=group_persona(name),
                message=f"group {name} is in the baseline but not in user pool {pool.id}",
            )


def group_undeclared(ctx: AuditContext) -> Iterator[Issue]:
    pool = ctx.snapshot.user_pool
    if pool is None:
        return
    for group in pool.groups:
        if group.name not in ctx.baseline.groups:
            idp = group.name.startswith(pool.id + "_")
            note = " (Cognito made it for an external identity provider)" if idp else ""
            yield Issue(
                rule_id="group-undeclared",
                resource=_group_resource(pool, group.name),
                persona=group_persona(group.name),
                message=f"group {group.name} exists in user pool {pool.id} but not in "
                f"the baseline{note}",
                evidence={"role_arn": group.role_arn, "precedence": group.precedence},
            )


@dataclass(frozen=True)
class _DeclaredGroup:
    resource: str
    persona: str
    name: str
    declared: GroupBaseline
    live: Group


def _declared_and_live(ctx: AuditContext) -> Iterator[_DeclaredGroup]:
    """Every baseline group that exists live, with its live state (the rest: group-missing)."""
    pool = ctx.snapshot.user_pool
    if pool is None:
        return
    for name, declared in ctx.baseline.groups.items():
        live = pool.group(name)
        if live is not None:
            yield _DeclaredGroup(
                _group_resource(pool, name), group_persona(name), name, declared, live
            )


def group_role_missing(ctx: AuditContext) -> Iterator[Issue]:
    for group in _declared_and_live(ctx):
        if group.declared.role and group.live.role_arn is None:
            yield Issue(
                rule_id="group-role-missing",
                resource=group.resource,
                persona=group.persona,
                message=f"group {group.name} has no role; the baseline says {group.declared.role}",
                evidence={"expected": group.declared.role},
            )


def group_role_drift(ctx: AuditContext) -> Iterator[Issue]:
    for group, live, expected in _drifted(ctx, "role", "role_arn"):
        if expected and live is None:
            continue  # group-role-missing says it
        yield _drift(
            "group-role-drift", group, f"carries role {live}", live, expected, expected or "no role"
        )


def precedence_drift(ctx: AuditContext) -> Iterator[Issue]:
    for group, live, expected in _drifted(ctx, "precedence", "precedence"):
        yield _drift("precedence-drift", group, f"has precedence {live}", live, expected, expected)


def _drifted(
    ctx: AuditContext, declared_field: str, live_field: str
) -> Iterator[tuple[_DeclaredGroup, Any, Any]]:
    """(group, live value, declared value) of every live group whose baseline entry states
    `declared_field` (an omitted field is not asserted) and differs from its `live_field`."""
    for group in _declared_and_live(ctx):
        expected, live = getattr(group.declared, declared_field), getattr(group.live, live_field)
        if group.declared.declares(declared_field) and live != expected:
            yield group, live, expected


def _drift(
    rule_id: str, group: _DeclaredGroup, is_now: str, live: Any, expected: Any, said: Any
) -> Issue:
    return Issue(
        rule_id=rule_id,
        resource=group.resource,
        persona=group.persona,
        message=f"group {group.name} {is_now}; the baseline says {said}",
        evidence={"live": live, "expected": expected},
    )


def ambiguous_precedence(ctx: AuditContext) -> Iterator[Issue]:
    pool = ctx.snapshot.user_pool
    if pool is None:
        return
    reported = set()
    for pair in ctx.pairs:
        if pair.outcome != "ambiguous" or pair.groups in reported:
            continue  # a pair listed per sign-in path is one tie
        reported.add(pair.groups)
        first, second = pair.groups
        live = pool.group(first)
        precedence = live.precedence if live else None
        yield Issue(
            rule_id="ambiguous-precedence",
            resource=f"{_group_resource(pool, first)}+{second}",
            persona=group_persona(first),
            message=f"groups {first} and {second} share precedence {precedence} with "
            f"different roles: members of both get "
            f"{pair.role_arn or 'no credentials'} ({pair.detail})",
            evidence={
                "groups": [first, second],
                "precedence": precedence,
                "resolved_role": pair.role_arn,
            },
        )


def group_role_unused(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.pools is None:
        return
    pool, user_pool = ctx.pools
    paths = ctx.paths
    unused = unused_group_roles(paths, user_pool.groups)
    if not unused:
        return
    names = ", ".join(g.name for g in unused)
    instead = unused_instead(pool, paths)
    yield Issue(
        rule_id="group-role-unused",
        resource=user_pool.arn or user_pool.id,
        message=f"groups {names} carry roles, but identity pool {pool.id} hands them to nobody: "
        "no sign-in path maps roles from the token (Token) or names them in a group rule "
        f"(Rules), so every member gets {instead}",
        evidence={
            "groups": {g.name: g.role_arn for g in unused},
            "providers": [p.provider for p in paths],
        },
    )
