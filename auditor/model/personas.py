"""Persona names (CONTRACT §3, §6.1): `group:<name>`, `claim:<Claim> <MatchType> <Value>`,
`default` and `unauthenticated`; and `groups:<name> <name>...`, a member of exactly those
groups, where only such a member can get some role (a Rules mapping with NotEqual rules).

A persona is a kind of signed-in user (or a guest) whose role Cognito resolves alike; every
stage names them with these strings and nothing else.
"""

from __future__ import annotations

DEFAULT = "default"  # a signed-in user in no group
UNAUTHENTICATED = "unauthenticated"  # a guest of the identity pool
GROUP_PREFIX = "group:"
GROUPS_PREFIX = "groups:"  # group names never contain whitespace: a space separates them
CLAIM_PREFIX = "claim:"


def group_persona(name: str) -> str:
    """The persona of a member of exactly the group `name`."""
    return GROUP_PREFIX + name


def group_name(persona: str) -> str | None:
    """The group a `group:<name>` persona stands for; None for any other persona."""
    return persona.removeprefix(GROUP_PREFIX) if persona.startswith(GROUP_PREFIX) else None


def groups_persona(names: tuple[str, ...]) -> str:
    """The persona of a member of exactly these groups (sorted), two or more."""
    return GROUPS_PREFIX + " ".join(sorted(names))


def member_groups(persona: str) -> list[str]:
    """The groups a member of the persona is in: one for `group:`, several for `groups:`."""
    single = group_name(persona)
    if single is not None:
        return [single]
    return (
        persona.removeprefix(GROUPS_PREFIX).split(" ") if persona.startswith(GROUPS_PREFIX) else []
    )


def claim_persona(key: str) -> str:
    """The persona of a user whose token first matches a Rules-mapping rule on a claim other
    than cognito:groups; `key` is `<Claim> <MatchType> <Value>`, the baseline's `claims:` key."""
    return CLAIM_PREFIX + key


def claim_name(persona: str) -> str | None:
    """The `claims:` key a `claim:` persona stands for; None for any other persona."""
    return persona.removeprefix(CLAIM_PREFIX) if persona.startswith(CLAIM_PREFIX) else None


def reading_order(persona: str) -> tuple[int, str]:
    """Groups first, then claim personas, the default role and guests, each by name: how
    reports list them."""
    if persona.startswith((GROUP_PREFIX, GROUPS_PREFIX)):
        return 0, persona
    if persona.startswith(CLAIM_PREFIX):
        return 1, persona
    return {DEFAULT: 2, UNAUTHENTICATED: 3}.get(persona, 4), persona


def persona_label(persona: str | None, app_client: str | None) -> str:
    """A persona as reports show it, with the app client where its sign-in paths disagree
    (or a finding names the path alone)."""
    if not app_client:
        return persona or ""
    return f"{persona} via {app_client}" if persona else f"app client {app_client}"
