"""Rules over Rules-mapping rules on claims other than cognito:groups (claim personas)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.audit.claims import claim_key
from auditor.checks.context import AuditContext
from auditor.model.findings import Issue
from auditor.model.personas import claim_persona
from auditor.model.snapshot import IdentityPool, UserPool

# ID token claims that no user attribute feeds (OpenID Connect and Cognito's own).
_NOT_ATTRIBUTES = frozenset(
    {"sub", "iss", "aud", "exp", "iat", "auth_time", "token_use", "jti", "origin_jti"}
    | {"event_id", "identities", "nonce", "at_hash", "amr"}
)
# AWS-FACTS §9: with WriteAttributes unset, current docs say users may write the standard
# attributes; older pools were seen to allow every attribute. We assume the latter.
UNSET_WRITE_ATTRIBUTES = (
    "WriteAttributes is unset: assumed writable (AWS documents the standard attributes as "
    "writable then, and older pools were seen to allow every attribute)"
)


def claim_rule_undeclared(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.pools is None:
        return
    pool, _ = ctx.pools
    for claim in ctx.claim_rules:
        if claim.key in ctx.baseline.claims:
            continue
        rule = claim.rule
        yield Issue(
            rule_id="claim-rule-undeclared",
            resource=pool.id,
            persona=claim.persona,
            message=f"a Rules mapping gives {rule.role_arn} to users whose token has "
            f"{claim.key}, but the baseline's claims do not declare it: nobody agreed to "
            "what those users may reach",
            evidence={
                "claim": rule.claim,
                "match_type": rule.match_type,
                "value": rule.value,
                "role_arn": rule.role_arn,
                "providers": [path.provider for path in claim.paths],
            },
        )


def claim_role_drift(ctx: AuditContext, pool: IdentityPool) -> Iterator[Issue]:
    """role-mapping-drift for claims: a declared claim rule's role, or a rule that is gone."""
    live = {c.key: c for c in ctx.claim_rules}
    for key, declared in ctx.baseline.claims.items():
        claim = live.get(key)
        if claim is None:
            yield Issue(
                rule_id="role-mapping-drift",
                resource=f"{pool.id}#claims",
                persona=claim_persona(key),
                message=f"the baseline declares the claim rule {key}, but no role mapping of "
                f"identity pool {pool.id} has it",
                evidence={"field": "claims", "live": None, "expected": key},
            )
            continue
        for path in claim.paths:
            assert path.mapping is not None  # a path is listed for a rule of its mapping
            live_role = next(r.role_arn for r in path.mapping.rules if claim_key(r) == key)
            if not declared.declares("role") or live_role == declared.role:
                continue
            yield Issue(
                rule_id="role-mapping-drift",
                resource=f"{pool.id}#claims",
                persona=claim.persona,
                app_client=path.label,
                message=f"the rule {key} of {path.provider} gives {live_role}, the baseline "
                f"says {declared.role}",
                evidence={
                    "provider": path.provider,
                    "field": "RoleARN",
                    "live": live_role,
                    "expected": declared.role,
                },
            )


def claim_user_writable(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.pools is None:
        return
    pool, user_pool = ctx.pools
    for claim in ctx.claim_rules:
        attribute = claim.rule.claim
        if attribute in _NOT_ATTRIBUTES or attribute.startswith("cognito:"):
            continue
        writers = _writers(user_pool, attribute)
        if not writers:
            continue
        listed = ", ".join(writers)
        yield Issue(
            rule_id="claim-user-writable",
            resource=f"{user_pool.arn or user_pool.id}/attribute/{attribute}",
            persona=claim.persona,
            message=f"users can set {attribute} themselves (app client {listed}) and then "
            f"sign in to match {claim.key}, which gives {claim.rule.role_arn}: a self-service "
            "role escalation",
            evidence={
                "attribute": attribute,
                "clients": writers,
                "role_arn": claim.rule.role_arn,
                "providers": [path.provider for path in claim.paths],
                "pool": pool.id,
            },
        )


def _writers(user_pool: UserPool, attribute: str) -> dict[str, str]:
    """The app clients through which a user can give `attribute` a value of their choice,
    each with why. Unknown facts (a snapshot without clients or schema) count as writable."""
    schema = {a.name: a for a in user_pool.attributes or []}
    declared = schema.get(attribute)
    if user_pool.attributes is not None and declared is None:
        return {}  # no such attribute: no token carries the claim, nobody can set it
    if declared is not None and declared.developer_only:
        return {}
    if declared is not None and not declared.mutable and user_pool.self_sign_up is False:
        return {}  # fixed when an administrator creates the user; nobody signs themselves up
    when = (
        "at sign-up (the attribute is immutable, but users sign themselves up)"
        if declared is not None and not declared.mutable
        else "with UpdateUserAttributes"
    )
    if user_pool.clients is None:
        return {"(not read)": f"the app clients were not read: assumed writable {when}"}
    writers = {}
    for client in user_pool.clients:
        if client.write_attributes is None:
            writers[client.id] = f"{UNSET_WRITE_ATTRIBUTES}, {when}"
        elif attribute in client.write_attributes:
            writers[client.id] = f"listed in WriteAttributes, {when}"
    return writers
