"""Rules over the trust policies of the roles the identity pool hands out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from auditor.checks.context import AuditContext
from auditor.model.findings import Issue
from auditor.model.snapshot import Role
from auditor.policy.trust import CognitoTrust, cognito_trust, trust_unreadable


@dataclass(frozen=True)
class HandedOut:
    role_arn: str
    authenticated: bool  # False only for the guest role
    why: str
    role: Role | None
    statements: list[CognitoTrust]


def handed_out_roles(ctx: AuditContext) -> list[HandedOut]:
    """Every role a sign-in or guest of the pool can end up with, once each."""
    pool, user_pool = ctx.snapshot.identity_pool, ctx.snapshot.user_pool
    if pool is None:
        return []
    sources: dict[str, tuple[bool, str]] = {}
    if pool.unauthenticated_role:
        sources[pool.unauthenticated_role] = (False, "the unauthenticated role")
    if pool.authenticated_role:
        sources[pool.authenticated_role] = (True, "the default authenticated role")
    for group in user_pool.groups if user_pool else []:
        if group.role_arn:
            sources.setdefault(group.role_arn, (True, f"the role of group {group.name}"))
    for key, mapping in pool.role_mappings.items():
        for rule in mapping.rules:
            sources.setdefault(rule.role_arn, (True, f"a Rules mapping role of {key}"))
    result = []
    for arn, (authenticated, why) in sorted(sources.items()):
        role = ctx.snapshot.role(arn)
        statements = cognito_trust(role.trust_policy, ctx.evaluator.cache) if role else []
        result.append(HandedOut(arn, authenticated, why, role, statements))
    return result


def trust_not_cognito(ctx: AuditContext) -> Iterator[Issue]:
    for handed in handed_out_roles(ctx):
        if handed.statements:
            continue
        if handed.role and trust_unreadable(handed.role.trust_policy, ctx.evaluator.cache):
            continue  # what it could not read may trust Cognito: policy-unreadable says so
        problem = (
            "does not exist"
            if handed.role is None
            else "does not trust cognito-identity.amazonaws.com for sts:AssumeRoleWithWebIdentity"
        )
        yield Issue(
            rule_id="trust-not-cognito",
            resource=handed.role_arn,
            message=f"{handed.why} {handed.role_arn} {problem}: Cognito cannot hand it out",
            evidence={"trust_policy": handed.role.trust_policy if handed.role else None},
        )


def trust_missing_aud(ctx: AuditContext) -> Iterator[Issue]:
    for handed in handed_out_roles(ctx):
        for statement in handed.statements:
            if statement.aud is None:
                yield Issue(
                    rule_id="trust-missing-aud",
                    resource=handed.role_arn,
                    message=f"{handed.why} {handed.role_arn}: {statement.label} has no "
                    "cognito-identity.amazonaws.com:aud condition, so identities "
                    "of any identity pool can assume it",
                    evidence={"statement": statement.index, "sid": statement.sid},
                )


def trust_wrong_pool(ctx: AuditContext) -> Iterator[Issue]:
    pool = ctx.snapshot.identity_pool
    for handed in handed_out_roles(ctx):
        guarded = [s for s in handed.statements if s.aud is not None]
        if not guarded or pool is None or any(s.admits_pool(pool.id) for s in guarded):
            continue
        audiences = sorted({value for s in guarded for _, value in s.aud or ()})
        yield Issue(
            rule_id="trust-wrong-pool",
            resource=handed.role_arn,
            message=f"{handed.why} {handed.role_arn} trusts identity pool(s) "
            f"{', '.join(audiences)}, not {pool.id}: this pool cannot use it",
            evidence={"aud": audiences, "identity_pool": pool.id},
        )


def trust_missing_amr(ctx: AuditContext) -> Iterator[Issue]:
    for handed in handed_out_roles(ctx):
        if not handed.authenticated:
            continue
        for statement in handed.statements:
            if not statement.requires_authenticated():
                yield Issue(
                    rule_id="trust-missing-amr",
                    resource=handed.role_arn,
                    message=f"{handed.why} {handed.role_arn}: {statement.label} does not "
                    "require amr = authenticated, so guests of the pool can "
                    "assume it",
                    evidence={
                        "statement": statement.index,
                        "sid": statement.sid,
                        "amr": list(statement.amr_values or []),
                    },
                )
