"""Rules over the identity pool: role mapping, default roles, guest access, classic flow."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.audit.resolve import mapping_in_use
from auditor.checks.context import AuditContext
from auditor.model.findings import Issue
from auditor.model.snapshot import IdentityPool

_MAPPING_TYPES = {"token": "Token", "rules": "Rules"}


def role_mapping_missing(ctx: AuditContext) -> Iterator[Issue]:
    pool, user_pool = ctx.snapshot.identity_pool, ctx.snapshot.user_pool
    expected = ctx.baseline.identity_pool.role_resolution
    if pool is None or user_pool is None or expected not in _MAPPING_TYPES:
        return
    used = mapping_in_use(pool, user_pool.id)
    if used.mapping is not None:
        return
    if used.provider is None:
        message = (
            f"user pool {user_pool.id} is not an authentication provider of identity pool "
            f"{pool.id}: its users get no credentials from it"
        )
    else:
        message = (
            f"provider {used.provider} has no role mapping ('use default role'): every "
            f"user gets {pool.authenticated_role or 'no role'} and group roles are ignored"
        )
    yield Issue(
        rule_id="role-mapping-missing",
        resource=pool.id,
        message=message,
        evidence={"provider": used.provider, "expected": _MAPPING_TYPES[expected]},
    )


def role_mapping_drift(ctx: AuditContext) -> Iterator[Issue]:
    pool, user_pool = ctx.snapshot.identity_pool, ctx.snapshot.user_pool
    declared = ctx.baseline.identity_pool
    if pool is None or user_pool is None:
        return
    used = mapping_in_use(pool, user_pool.id)
    if used.mapping is None:
        return  # "use default role": role-mapping-missing, or exactly what `default` declares
    live_type = used.mapping.type
    if (
        declared.role_resolution is not None
        and _MAPPING_TYPES.get(declared.role_resolution) != live_type
    ):
        yield Issue(
            rule_id="role-mapping-drift",
            resource=pool.id,
            message=f"role mapping of {used.provider} is {live_type}, the baseline "
            f"says {declared.role_resolution}",
            evidence={
                "provider": used.provider,
                "field": "Type",
                "live": live_type,
                "expected": declared.role_resolution,
            },
        )
    ambiguous = used.mapping.ambiguous_role_resolution
    if (
        declared.ambiguous_role_resolution is not None
        and ambiguous != declared.ambiguous_role_resolution
    ):
        yield Issue(
            rule_id="role-mapping-drift",
            resource=f"{pool.id}#AmbiguousRoleResolution",
            message=f"AmbiguousRoleResolution of {used.provider} is {ambiguous}, the "
            f"baseline says {declared.ambiguous_role_resolution}",
            evidence={
                "provider": used.provider,
                "field": "AmbiguousRoleResolution",
                "live": ambiguous,
                "expected": declared.ambiguous_role_resolution,
            },
        )


def default_role_missing(ctx: AuditContext) -> Iterator[Issue]:
    pool = ctx.snapshot.identity_pool
    if pool is not None and pool.authenticated_role is None:
        yield Issue(
            rule_id="default-role-missing",
            resource=pool.id,
            message=f"identity pool {pool.id} has no authenticated role: sign-ins that "
            "fall back to the default role get no credentials",
        )


def default_role_drift(ctx: AuditContext) -> Iterator[Issue]:
    pool = ctx.snapshot.identity_pool
    declared = ctx.baseline.identity_pool
    if pool is None:
        return
    pairs = [
        (
            "authenticated",
            pool.authenticated_role,
            declared.authenticated_role,
            "authenticated_role",
        ),
        (
            "unauthenticated",
            pool.unauthenticated_role,
            declared.unauthenticated_role,
            "unauthenticated_role",
        ),
    ]
    for kind, live, expected, field in pairs:
        if not declared.declares(field) or live == expected:
            continue
        if kind == "authenticated" and live is None:
            continue  # default-role-missing says it
        yield Issue(
            rule_id="default-role-drift",
            resource=f"{pool.id}#{kind}",
            message=f"the {kind} role is {live or 'unset'}, the baseline says "
            f"{expected or 'unset'}",
            evidence={"role": kind, "live": live, "expected": expected},
        )


def unauthenticated_enabled(ctx: AuditContext) -> Iterator[Issue]:
    pool = _on_but_declared_off(ctx, "allow_unauthenticated")
    if pool is not None:
        yield Issue(
            rule_id="unauthenticated-enabled",
            resource=pool.id,
            message=f"identity pool {pool.id} hands out guest credentials "
            f"({pool.unauthenticated_role or 'no unauthenticated role set'})",
            evidence={"unauthenticated_role": pool.unauthenticated_role},
        )


def classic_flow_enabled(ctx: AuditContext) -> Iterator[Issue]:
    pool = _on_but_declared_off(ctx, "allow_classic_flow")
    if pool is not None:
        yield Issue(
            rule_id="classic-flow-enabled",
            resource=pool.id,
            message=f"identity pool {pool.id} allows the basic (classic) flow: callers "
            "can assume any role that trusts the pool, group roles included",
        )


def _on_but_declared_off(ctx: AuditContext, setting: str) -> IdentityPool | None:
    """The identity pool if `setting` (a flag of the pool and of its baseline) is on live and
    off in the baseline."""
    pool = ctx.snapshot.identity_pool
    if pool is None or not getattr(pool, setting):
        return None
    return None if getattr(ctx.baseline.identity_pool, setting) else pool
