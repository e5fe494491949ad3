"""What a member of two groups gets: the precedence tie-break, and every role they can choose.

Under Token mapping a member may name any role of their groups (`cognito:roles`) with
`GetCredentialsForIdentity(CustomRoleArn=...)`, whatever the precedence and even where
`AmbiguousRoleResolution: Deny` would give them nothing (AWS-FACTS §9; the seed's note 2).
"""

from __future__ import annotations

from itertools import combinations
from typing import Literal

from auditor.audit.resolve import PathRole, SignInPath, resolve_paths, sign_in_paths
from auditor.model.report import GroupPair
from auditor.model.snapshot import Group, IdentityPool, Snapshot

# Above this many groups only the ambiguous pairs are listed: n*(n-1)/2 grows too fast to read.
ALL_PAIRS_LIMIT = 40


def chosen_roles(path: SignInPath | None, groups: list[Group]) -> tuple[str, ...]:
    """The roles a member of these groups may request by name on this path (Token mapping
    only: Rules and "use default role" ignore the token's role claims)."""
    if path is None or path.mapping is None or path.mapping.type != "Token":
        return ()
    return tuple(sorted({g.role_arn for g in groups if g.role_arn}))


def obtainable(result: PathRole, groups: list[Group]) -> tuple[tuple[str, ...], str]:
    """Every role a member can obtain through one path, and what a role request changes."""
    chosen = chosen_roles(result.path, groups)
    roles = set(chosen) | ({result.role_arn} if result.role_arn else set())
    extra = " or ".join(sorted(set(chosen) - {result.role_arn}))
    if not extra:
        return tuple(sorted(roles)), ""
    if result.role_arn is not None:
        return tuple(sorted(roles)), f"; a member may also request {extra} with CustomRoleArn"
    mapping = result.path.mapping if result.path else None
    deny = mapping is not None and mapping.ambiguous_role_resolution == "Deny"
    stopped = "AmbiguousRoleResolution Deny does not stop" if deny else "yet credentials go to"
    return tuple(sorted(roles)), f"; {stopped} a member who names {extra} with CustomRoleArn"


def group_pairs(snapshot: Snapshot) -> list[GroupPair]:
    """What a member of two groups gets; every pair for small pools, else the ambiguous ones.
    One entry per pair where every sign-in path agrees, else one per path."""
    pool, user_pool = snapshot.identity_pool, snapshot.user_pool
    if pool is None or user_pool is None:
        return []
    groups = user_pool.groups
    few = len(groups) <= ALL_PAIRS_LIMIT
    pairs = combinations(groups, 2) if few else _ambiguous_pairs(groups)
    paths = tuple(sign_in_paths(pool, user_pool.id))
    return [
        entry
        for first, second in pairs
        for entry in _pair(pool, user_pool.id, paths, first, second)
    ]


def pairs_with(snapshot: Snapshot, name: str) -> list[GroupPair]:
    """What a member of group `name` and of each other group gets (for `explain`)."""
    pool, user_pool = snapshot.identity_pool, snapshot.user_pool
    group = user_pool.group(name) if user_pool else None
    if pool is None or user_pool is None or group is None:
        return []
    paths = tuple(sign_in_paths(pool, user_pool.id))
    return [
        entry
        for other in user_pool.groups
        if other.name != name
        for entry in _pair(pool, user_pool.id, paths, group, other)
    ]


def _pair(
    pool: IdentityPool,
    user_pool_id: str,
    paths: tuple[SignInPath, ...],
    first: Group,
    second: Group,
) -> list[GroupPair]:
    """What a member of both groups gets through each of `paths` (every sign-in path)."""
    members = [first, second]
    entries = []
    for path_role in resolve_paths(pool, user_pool_id, members, only=paths):
        roles, note = obtainable(path_role, members)
        entries.append(
            GroupPair(
                groups=(first.name, second.name),
                role_arn=path_role.role_arn,
                outcome=_pair_outcome(first, second),
                detail=path_role.how + note,
                obtainable_roles=roles,
                app_client=path_role.path.label if path_role.path else None,
            )
        )
    if len({(e.role_arn, e.obtainable_roles) for e in entries}) == 1:
        return [entries[0].model_copy(update={"app_client": None})]
    return entries


def _pair_outcome(first: Group, second: Group) -> Literal["winner", "same-role", "ambiguous"]:
    if first.role_arn == second.role_arn:
        return "same-role"
    if first.precedence != second.precedence or not (first.role_arn and second.role_arn):
        return "winner"  # a group without a role never competes for cognito:preferred_role
    return "ambiguous"


def _ambiguous_pairs(groups: list[Group]) -> list[tuple[Group, Group]]:
    """The pairs whose outcome is ambiguous (equal precedence, two different roles): each
    precedence's in the order of combinations(groups, 2), precedences in the order they first
    appear. Found through the roles of each precedence, so that pairs of tied groups sharing
    a role, which may be nearly all of them (10,000 groups without a precedence and a few
    roles), are never visited."""
    positions: dict[int | None, dict[str, list[int]]] = {}
    for position, group in enumerate(groups):
        by_role = positions.setdefault(group.precedence, {})
        if group.role_arn:
            by_role.setdefault(group.role_arn, []).append(position)
    return [
        (groups[i], groups[j])
        for by_role in positions.values()
        for i, j in sorted(
            (min(i, j), max(i, j))
            for one, other in combinations(by_role.values(), 2)
            for i in one
            for j in other
        )
    ]
