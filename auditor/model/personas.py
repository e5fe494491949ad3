"""Persona names (CONTRACT §3): `group:<name>`, `default` and `unauthenticated`.

A persona is a kind of signed-in user (or a guest) whose role Cognito resolves alike; every
stage names them with these strings and nothing else.
"""

from __future__ import annotations

DEFAULT = "default"  # a signed-in user in no group
UNAUTHENTICATED = "unauthenticated"  # a guest of the identity pool
GROUP_PREFIX = "group:"


def group_persona(name: str) -> str:
    """The persona of a member of exactly the group `name`."""
    return GROUP_PREFIX + name


def group_name(persona: str) -> str | None:
    """The group a `group:<name>` persona stands for; None for any other persona."""
    return persona.removeprefix(GROUP_PREFIX) if persona.startswith(GROUP_PREFIX) else None


def reading_order(persona: str) -> tuple[int, str]:
    """Groups first, then the default role, then guests, each by name: how reports list them."""
    if persona.startswith(GROUP_PREFIX):
        return 0, persona
    return {DEFAULT: 1, UNAUTHENTICATED: 2}.get(persona, 3), persona
