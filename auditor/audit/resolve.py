"""Which IAM role each kind of user really gets, resolved the way Cognito resolves it.

Personas: `group:<name>` (a member of exactly that group), `claim:<rule>` (a user whose token
first matches a Rules-mapping rule on another claim), `default` (a signed-in user in no group)
and `unauthenticated` (a guest). Every app client of the user pool that the identity pool
accepts is a sign-in path with its own role mapping; a persona is resolved through each. See
AWS-FACTS.md §1-2 and §9 for the rules modelled here.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.audit.claims import (
    GROUPS_CLAIM,
    Token,
    claim_key,
    is_claim_rule,
    rule_matches,
    together,
)
from auditor.model.personas import (
    DEFAULT,
    UNAUTHENTICATED,
    claim_persona,
    group_persona,
    groups_persona,
)
from auditor.model.snapshot import Group, IdentityPool, MappingRule, RoleMapping, Snapshot


@dataclass(frozen=True)
class SignInPath:
    """An app client of the user pool that the identity pool accepts, with its role mapping
    (None: "use default role", every user gets the authenticated role)."""

    provider: str  # the RoleMappings key, cognito-idp.<region>.amazonaws.com/<pool>:<client>
    client_id: str | None
    mapping: RoleMapping | None

    @property
    def label(self) -> str:
        """How reports name the path: its client id."""
        return self.client_id or self.provider


def sign_in_paths(pool: IdentityPool, user_pool_id: str) -> list[SignInPath]:
    """Every path from the user pool to credentials, by client id; none when the user pool is
    no provider of the identity pool. A user picks the client (client ids are public)."""
    providers = sorted(
        pool.providers_for_user_pool(user_pool_id), key=lambda p: (p.client_id or "", p.mapping_key)
    )
    return [
        SignInPath(p.mapping_key, p.client_id, pool.role_mappings.get(p.mapping_key))
        for p in providers
    ]


@dataclass(frozen=True)
class LiveClaimRule:
    """A Rules-mapping rule on a claim other than cognito:groups: a claim persona."""

    persona: str
    key: str  # `<Claim> <MatchType> <Value>`, the baseline's `claims:` key
    rule: MappingRule  # its first occurrence
    paths: tuple[SignInPath, ...]  # the sign-in paths whose Rules mapping has it


def live_claim_rules(pool: IdentityPool, user_pool_id: str) -> list[LiveClaimRule]:
    """Every claim rule of an accepted sign-in path, once per key, in order of appearance
    (paths in client order, rules in theirs)."""
    found: dict[str, tuple[MappingRule, list[SignInPath]]] = {}
    for path in sign_in_paths(pool, user_pool_id):
        mapping = path.mapping
        for rule in mapping.rules if mapping and mapping.type == "Rules" else []:
            if is_claim_rule(rule):
                rule_paths = found.setdefault(claim_key(rule), (rule, []))[1]
                if path not in rule_paths:
                    rule_paths.append(path)
    return [
        LiveClaimRule(claim_persona(key), key, rule, tuple(paths))
        for key, (rule, paths) in found.items()
    ]


@dataclass(frozen=True)
class Resolution:
    persona: str
    role_arn: str | None  # None: Cognito hands out no credentials
    how: str  # the path through Cognito's logic, for explain and evidence
    # The sign-in path (app client id) this resolution holds for; None where every path
    # resolves the persona alike, as most pools do.
    app_client: str | None = None


@dataclass(frozen=True)
class PathRole:
    """What one sign-in path gives a persona."""

    path: SignInPath | None  # None: the user pool is no provider of the identity pool
    role_arn: str | None
    how: str


def resolve_paths(
    pool: IdentityPool,
    user_pool_id: str,
    groups: list[Group],
    claim: MappingRule | None = None,
    only: tuple[SignInPath, ...] | None = None,
) -> list[PathRole]:
    """The role a signed-in member of exactly these groups (whose token also satisfies `claim`,
    if given) gets through each sign-in path (or only these), and why."""
    paths = list(only) if only is not None else sign_in_paths(pool, user_pool_id)
    if not paths:
        return [
            PathRole(
                None,
                None,
                f"user pool {user_pool_id} is not an authentication provider of identity "
                f"pool {pool.id}: its sign-ins get no credentials",
            )
        ]
    token = Token(tuple(sorted(g.name for g in groups)), claim)
    return [PathRole(path, *_through(pool, path, groups, token)) for path in paths]


def _through(
    pool: IdentityPool, path: SignInPath, groups: list[Group], token: Token
) -> tuple[str | None, str]:
    mapping = path.mapping
    if mapping is None:
        if pool.authenticated_role is None:
            return None, "no role mapping and no default authenticated role: no credentials"
        return pool.authenticated_role, "no role mapping for the app client: default role for all"
    if mapping.type == "Rules":
        return _by_rules(pool, mapping, token)
    role, why = preferred_role(groups)
    if role is None:
        return fallback(pool, mapping, f"Token mapping: {why}")
    return role, f"Token mapping: {why}"


def fallback(pool: IdentityPool, mapping: RoleMapping, why: str) -> tuple[str | None, str]:
    """AmbiguousRoleResolution, when the mapping chooses no role."""
    if mapping.ambiguous_role_resolution == "Deny":
        return None, f"{why}; AmbiguousRoleResolution is Deny: no credentials"
    if pool.authenticated_role is None:
        return None, f"{why}; falls back to the default role, but the pool has none: no credentials"
    return pool.authenticated_role, f"{why}; AmbiguousRoleResolution gives the default role"


def _by_rules(pool: IdentityPool, mapping: RoleMapping, token: Token) -> tuple[str | None, str]:
    skipped: list[int] = []  # rules on claims whose matching tokens are other personas
    for index, rule in enumerate(mapping.rules, start=1):
        matched = rule_matches(rule, token)
        if matched is None:
            skipped.append(index)
            continue
        if not matched:
            continue
        return rule.role_arn, (
            f"Rules mapping: rule {index} ({claim_key(rule)}) matches"
            + _inside(rule, token)
            + _others(skipped)
            + _captured(mapping.rules[index:], index, token)
        )
    return fallback(pool, mapping, "Rules mapping: no rule matches" + _others(skipped))


def _inside(rule: MappingRule, token: Token) -> str:
    """Say so when a group rule matches only part of a group name: how Cognito applies
    Contains and StartsWith to the list of groups is not documented (see the README)."""
    if rule.claim != GROUPS_CLAIM or rule.match_type not in ("Contains", "StartsWith"):
        return ""
    if rule.value in token.groups:
        return ""
    return (
        f" (as part of a group name: {rule.match_type} is assumed to test each name of "
        "cognito:groups)"
    )


def _others(skipped: list[int]) -> str:
    if not skipped:
        return ""
    return (
        f" (a token that matches rules {skipped} first gets their role instead: those are the "
        "claim personas of the rules)"
    )


def _captured(later: list[MappingRule], index: int, token: Token) -> str:
    """A claim rule placed before group rules also wins for members of those groups."""
    if token.claim is None:
        return ""
    groups = [r for r in later if r.claim == GROUPS_CLAIM]
    if not groups:
        return ""
    names = ", ".join(f"{r.match_type} {r.value!r}" for r in groups)
    return (
        f"; it comes before the group rules ({names}), so members of those groups whose token "
        f"matches rule {index} get this role too"
    )


def preferred_role(groups: list[Group]) -> tuple[str | None, str]:
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


def merge_paths(persona: str, results: list[PathRole]) -> list[Resolution]:
    """One resolution where every path gives the same role; one per path where they differ."""
    roles = {r.role_arn for r in results}
    if len(roles) == 1:
        hows = list(dict.fromkeys(r.how for r in results))
        if len(results) == 1:
            how = hows[0]
        elif len(hows) == 1:
            labels = ", ".join(r.path.label for r in results if r.path)
            how = f"{hows[0]} (alike through every app client: {labels})"
        else:  # several results: each came through a path
            how = "; ".join(f"through {r.path.label if r.path else ''}: {r.how}" for r in results)
        return [Resolution(persona, results[0].role_arn, how)]
    return [
        Resolution(persona, r.role_arn, r.how, app_client=r.path.label if r.path else None)
        for r in results
    ]


def resolve_personas(snapshot: Snapshot) -> list[Resolution]:
    """Every persona of the live pool, in a stable order: groups by name, then members of
    several groups where only they get some role, claim personas by first appearance,
    default, guests; a persona's sign-in paths in client order."""
    pool, user_pool = snapshot.identity_pool, snapshot.user_pool
    if pool is None or user_pool is None:
        return []  # a failed read; the report is already incomplete
    resolutions = []
    groups = sorted(user_pool.groups, key=lambda g: g.name)
    paths = tuple(sign_in_paths(pool, user_pool.id))  # once, not once per group
    for group in groups:
        resolutions += merge_paths(
            group_persona(group.name), resolve_paths(pool, user_pool.id, [group], only=paths)
        )
    audited = {r.role_arn for r in resolutions}
    resolutions += _together(pool, user_pool.id, groups, audited, paths)
    # A claim persona's users are default or group personas on the paths without its rule.
    for claim in live_claim_rules(pool, user_pool.id):
        resolutions += merge_paths(
            claim.persona, resolve_paths(pool, user_pool.id, [], claim.rule, claim.paths)
        )
    resolutions += merge_paths(DEFAULT, resolve_paths(pool, user_pool.id, []))
    resolutions.append(resolve_guest(pool))
    return resolutions


def _together(
    pool: IdentityPool,
    user_pool_id: str,
    groups: list[Group],
    audited: set[str | None],
    paths: tuple[SignInPath, ...],
) -> list[Resolution]:
    """Members of several groups who get a role that no member of one group gets (past a
    NotEqual rule): without them, that role and all it can reach would go unaudited. One
    persona per such role, the first set that reaches it."""
    by_name = {g.name: g for g in groups}
    found: list[Resolution] = []
    for path in paths:
        if path.mapping is None or path.mapping.type != "Rules":
            continue
        for names in together(path.mapping.rules, list(by_name)):
            members = [by_name[name] for name in names]
            results = resolve_paths(pool, user_pool_id, members, only=paths)
            if all(r.role_arn in audited for r in results):
                continue
            audited |= {r.role_arn for r in results}
            found += merge_paths(groups_persona(names), results)
    return found


def resolve_guest(pool: IdentityPool) -> Resolution:
    """Guests sign in through no app client: one resolution, whatever the paths."""
    if not pool.allow_unauthenticated:
        return Resolution(UNAUTHENTICATED, None, "guest access is disabled")
    if pool.unauthenticated_role is None:
        return Resolution(UNAUTHENTICATED, None, "guest access is on but no unauthenticated role")
    return Resolution(UNAUTHENTICATED, pool.unauthenticated_role, "the unauthenticated role")


def unused_instead(pool: IdentityPool, paths: list[SignInPath]) -> str:
    """What a member of a group whose role nobody hands out gets instead."""
    if not paths:
        return "no credentials at all: the user pool is no provider of the identity pool"
    return f"{pool.authenticated_role or 'no role'} instead"


def unused_group_roles(paths: list[SignInPath], groups: list[Group]) -> list[Group]:
    """The groups whose role no sign-in path hands out: no path maps by token, and no Rules
    rule on cognito:groups names the role (the seed's step 4 left undone). A claim rule naming
    the role gives it to users with that claim, not to the group's members."""
    if any(p.mapping is not None and p.mapping.type == "Token" for p in paths):
        return []
    named = {
        rule.role_arn
        for p in paths
        if p.mapping
        for rule in p.mapping.rules
        if rule.claim == GROUPS_CLAIM
    }
    return [g for g in groups if g.role_arn and g.role_arn not in named]
