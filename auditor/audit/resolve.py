"""Which IAM role each kind of user really gets, resolved the way Cognito resolves it.

Personas: `group:<name>` (a member of exactly that group), `default` (a signed-in user in no
group) and `unauthenticated` (a guest). See AWS-FACTS.md §1-2 for the rules modelled here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from auditor.model.personas import DEFAULT, UNAUTHENTICATED, group_persona
from auditor.model.report import GroupPair
from auditor.model.snapshot import Group, IdentityPool, MappingRule, RoleMapping, Snapshot

# Above this many groups only the ambiguous pairs are listed: n*(n-1)/2 grows too fast to read.
ALL_PAIRS_LIMIT = 40


@dataclass(frozen=True)
class Resolution:
    persona: str
    role_arn: str | None  # None: Cognito hands out no credentials
    how: str  # the path through Cognito's logic, for explain and evidence


@dataclass(frozen=True)
class MappingInUse:
    provider: str | None  # the RoleMappings key; None: the user pool is no provider of the pool
    mapping: RoleMapping | None  # None: "use default role"


def mapping_in_use(pool: IdentityPool, user_pool_id: str) -> MappingInUse:
    """The role mapping that applies to the user pool's sign-ins.

    With several app clients of the same user pool, each can carry its own mapping; the first
    (sorted) client that has one is used and the others are checked by the rules.
    """
    keys = sorted(p.mapping_key for p in pool.providers_for_user_pool(user_pool_id))
    for key in keys:
        if key in pool.role_mappings:
            return MappingInUse(key, pool.role_mappings[key])
    return MappingInUse(keys[0] if keys else None, None)


def _fallback(pool: IdentityPool, mapping: RoleMapping, why: str) -> tuple[str | None, str]:
    if mapping.ambiguous_role_resolution == "Deny":
        return None, f"{why}; AmbiguousRoleResolution is Deny: no credentials"
    if pool.authenticated_role is None:
        return None, f"{why}; falls back to the default role, but the pool has none: no credentials"
    return pool.authenticated_role, f"{why}; AmbiguousRoleResolution gives the default role"


def _rule_matches(rule: MappingRule, groups: tuple[str, ...]) -> bool | None:
    """Match one Rules-mapping rule against a token whose only known claim is cognito:groups.

    None when the rule reads a claim the persona does not determine (email, custom:*).
    """
    if rule.claim != "cognito:groups":
        return None
    if not groups:  # a missing claim never matches; NotEqual is not evaluated on it
        return False
    if rule.match_type == "Equals":
        return any(g == rule.value for g in groups)
    if rule.match_type == "Contains":
        return any(rule.value in g for g in groups)
    if rule.match_type == "StartsWith":
        return any(g.startswith(rule.value) for g in groups)
    return all(g != rule.value for g in groups)  # NotEqual


def _by_rules(
    pool: IdentityPool, mapping: RoleMapping, groups: tuple[str, ...]
) -> tuple[str | None, str]:
    skipped: list[int] = []
    for index, rule in enumerate(mapping.rules, start=1):
        matched = _rule_matches(rule, groups)
        if matched is None:
            skipped.append(index)
        elif matched:
            note = (
                f" (rules {skipped} read other claims and were assumed not to match)"
                if skipped
                else ""
            )
            return rule.role_arn, (
                f"Rules mapping: rule {index} ({rule.claim} {rule.match_type} "
                f"{rule.value!r}) matches{note}"
            )
    note = (
        (
            f" (rules {skipped} read other claims and were assumed not to match; members whose "
            "token matches one of them get that rule's role)"
        )
        if skipped
        else ""
    )
    return _fallback(pool, mapping, f"Rules mapping: no rule matches{note}")


def _preferred_role(groups: list[Group]) -> tuple[str | None, str]:
    """cognito:preferred_role for a member of these groups, or None when it is not set."""
    with_roles = [g for g in groups if g.role_arn]
    if not with_roles:
        return None, "no group carries a role, so the token has no role claim"
    ranked = sorted(with_roles, key=lambda g: (g.precedence is None, g.precedence or 0))
    best = ranked[0]
    tied = [g for g in ranked if g.precedence == best.precedence]
    if len({g.role_arn for g in tied}) > 1:
        names = ", ".join(g.name for g in tied)
        return None, (
            f"groups {names} share precedence {best.precedence} with different roles, "
            "so cognito:preferred_role is not set"
        )
    return best.role_arn, f"group {best.name} wins with precedence {best.precedence}"


def resolve_member(
    pool: IdentityPool, user_pool_id: str, groups: list[Group]
) -> tuple[str | None, str]:
    """The role a signed-in member of exactly these groups gets, and why."""
    used = mapping_in_use(pool, user_pool_id)
    if used.provider is None:
        return None, (
            f"user pool {user_pool_id} is not an authentication provider of identity "
            f"pool {pool.id}: its sign-ins get no credentials"
        )
    if used.mapping is None:
        if pool.authenticated_role is None:
            return None, "no role mapping and no default authenticated role: no credentials"
        return pool.authenticated_role, "no role mapping for the user pool: default role for all"
    if used.mapping.type == "Rules":
        return _by_rules(pool, used.mapping, tuple(sorted(g.name for g in groups)))
    role, why = _preferred_role(groups)
    if role is None:
        return _fallback(pool, used.mapping, f"Token mapping: {why}")
    return role, f"Token mapping: {why}"


def resolve_personas(snapshot: Snapshot) -> list[Resolution]:
    """Every persona of the live pool, in a stable order: groups by name, default, guests."""
    pool, user_pool = snapshot.identity_pool, snapshot.user_pool
    if pool is None or user_pool is None:
        return []  # a failed read; the report is already incomplete
    resolutions = []
    for group in user_pool.groups:
        role, how = resolve_member(pool, user_pool.id, [group])
        resolutions.append(Resolution(group_persona(group.name), role, how))
    role, how = resolve_member(pool, user_pool.id, [])
    resolutions.append(Resolution(DEFAULT, role, how))
    resolutions.append(resolve_guest(pool))
    return resolutions


def resolve_guest(pool: IdentityPool) -> Resolution:
    if not pool.allow_unauthenticated:
        return Resolution(UNAUTHENTICATED, None, "guest access is disabled")
    if pool.unauthenticated_role is None:
        return Resolution(UNAUTHENTICATED, None, "guest access is on but no unauthenticated role")
    return Resolution(UNAUTHENTICATED, pool.unauthenticated_role, "the unauthenticated role")


def group_pairs(snapshot: Snapshot) -> list[GroupPair]:
    """What a member of two groups gets; every pair for small pools, else the ambiguous ones."""
    pool, user_pool = snapshot.identity_pool, snapshot.user_pool
    if pool is None or user_pool is None:
        return []
    groups = user_pool.groups
    pairs: Iterable[tuple[Group, Group]] = (
        combinations(groups, 2) if len(groups) <= ALL_PAIRS_LIMIT else _tied_pairs(groups)
    )
    result = []
    for first, second in pairs:
        outcome = _pair_outcome(first, second)
        if len(groups) > ALL_PAIRS_LIMIT and outcome != "ambiguous":
            continue
        role, how = resolve_member(pool, user_pool.id, [first, second])
        result.append(
            GroupPair(groups=(first.name, second.name), role_arn=role, outcome=outcome, detail=how)
        )
    return result


def _pair_outcome(first: Group, second: Group) -> str:
    if first.role_arn == second.role_arn:
        return "same-role"
    if first.precedence != second.precedence or not (first.role_arn and second.role_arn):
        return "winner"  # a group without a role never competes for cognito:preferred_role
    return "ambiguous"


def _tied_pairs(groups: list[Group]) -> Iterable[tuple[Group, Group]]:
    by_precedence: dict[int | None, list[Group]] = {}
    for group in groups:
        by_precedence.setdefault(group.precedence, []).append(group)
    for tied in by_precedence.values():
        yield from combinations(tied, 2)
