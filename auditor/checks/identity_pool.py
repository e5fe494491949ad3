"""Rules over the identity pool: role mapping, default roles, guest access, classic flow."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.audit.resolve import Resolution, SignInPath
from auditor.checks.claims import claim_role_drift
from auditor.checks.context import AuditContext
from auditor.model.findings import Issue
from auditor.model.snapshot import IdentityPool, RoleMapping

_MAPPING_TYPES = {"token": "Token", "rules": "Rules"}


def role_mapping_missing(ctx: AuditContext) -> Iterator[Issue]:
    expected = ctx.baseline.identity_pool.role_resolution
    if ctx.pools is None or expected not in _MAPPING_TYPES:
        return
    pool, user_pool = ctx.pools
    paths = ctx.paths
    if not paths:
        yield Issue(
            rule_id="role-mapping-missing",
            resource=pool.id,
            message=f"user pool {user_pool.id} is not an authentication provider of identity "
            f"pool {pool.id}: its users get no credentials from it",
            evidence={"provider": None, "expected": _MAPPING_TYPES[expected]},
        )
    for path in paths:
        if path.mapping is not None:
            continue
        # Every accepted client counts, in use or not: whoever knows its id can sign in there.
        yield Issue(
            rule_id="role-mapping-missing",
            resource=pool.id,
            app_client=path.label,
            message=f"provider {path.provider} has no role mapping ('use default role'): every "
            f"user signing in through it gets {pool.authenticated_role or 'no role'} and group "
            "roles are ignored",
            evidence={
                "provider": path.provider,
                "app_client": path.client_id,
                "in_use": ctx.baseline.path_in_use(path.label),
                "expected": _MAPPING_TYPES[expected],
            },
        )


def role_mapping_drift(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.pools is None:
        return
    pool, _ = ctx.pools
    paths = ctx.paths
    for path in paths:
        if path.mapping is not None:  # no mapping: role-mapping-missing, or what `default` says
            yield from _mapping_drift(ctx, pool, path, path.mapping)
    yield from _clients_drift(ctx, pool, paths)
    yield from claim_role_drift(ctx, pool)


def _mapping_drift(
    ctx: AuditContext, pool: IdentityPool, path: SignInPath, mapping: RoleMapping
) -> Iterator[Issue]:
    declared = ctx.baseline.identity_pool
    differences: list[tuple[str, str, str, str | None, str]] = []
    resolution = declared.role_resolution
    if resolution is not None and _MAPPING_TYPES.get(resolution) != mapping.type:
        differences.append(("Type", "", "role mapping", mapping.type, resolution))
    ambiguous = declared.ambiguous_role_resolution
    if ambiguous is not None and mapping.ambiguous_role_resolution != ambiguous:
        field = "AmbiguousRoleResolution"
        differences.append(
            (field, f"#{field}", field, mapping.ambiguous_role_resolution, ambiguous)
        )
    for field, suffix, what, live, expected in differences:
        yield Issue(
            rule_id="role-mapping-drift",
            resource=pool.id + suffix,
            app_client=path.label,
            message=f"{what} of {path.provider} is {live}, the baseline says {expected}",
            evidence={
                "provider": path.provider,
                "field": field,
                "live": live,
                "expected": expected,
            },
        )


def _clients_drift(
    ctx: AuditContext, pool: IdentityPool, paths: list[SignInPath]
) -> Iterator[Issue]:
    """The baseline's app_clients against the clients the identity pool accepts."""
    declared = ctx.baseline.identity_pool.app_clients
    if declared is None:
        return
    accepted = [path.label for path in paths]
    differences = [
        (
            set(accepted) - set(declared),
            "identity pool {pool} accepts app client {client}, which the baseline does not list "
            "in app_clients: anyone who knows its id can sign in through it",
        ),
        (
            set(declared) - set(accepted),
            "app client {client} is in the baseline's app_clients, but identity pool {pool} "
            "does not accept it: its users get no credentials",
        ),
    ]
    for clients, message in differences:
        for client in sorted(clients):
            yield Issue(
                rule_id="role-mapping-drift",
                resource=f"{pool.id}#app_clients",
                app_client=client,
                message=message.format(pool=pool.id, client=client),
                evidence={"field": "app_clients", "live": accepted, "expected": declared},
            )


def role_mapping_inconsistent(ctx: AuditContext) -> Iterator[Issue]:
    pool = ctx.snapshot.identity_pool
    by_persona: dict[str, list[Resolution]] = {}
    for resolution in ctx.resolutions:
        if resolution.app_client is not None:  # only personas whose paths disagree have one
            by_persona.setdefault(resolution.persona, []).append(resolution)
    for persona, resolutions in by_persona.items():
        roles = {r.app_client: r.role_arn for r in resolutions}
        listed = "; ".join(
            f"{client}: {role or 'no credentials'}" for client, role in roles.items()
        )
        yield Issue(
            rule_id="role-mapping-inconsistent",
            resource=pool.id if pool else "",
            persona=persona,
            message=f"{persona} gets a different role depending on the app client they sign "
            f"in with ({listed}): a user can pick the client that gives the most",
            evidence={"roles": roles, "how": {r.app_client: r.how for r in resolutions}},
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
