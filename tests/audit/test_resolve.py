"""Persona resolution the way Cognito does it (AWS-FACTS §1-2), on hand-built snapshots."""

from __future__ import annotations

import pytest

from auditor.audit.pairs import group_pairs
from auditor.audit.resolve import resolve_guest, resolve_paths, resolve_personas
from auditor.model.personas import DEFAULT, UNAUTHENTICATED
from auditor.model.snapshot import Group, IdentityPool, IdentityProvider
from tests.support.snapshots import (
    DEFAULT_ROLE,
    GUEST_ROLE,
    USER_POOL,
    identity_pool,
    role,
    rules,
    snapshot,
    token,
)

A, B = role("app-a"), role("app-b")


def resolve_member(
    pool: IdentityPool, user_pool: str, groups: list[Group]
) -> tuple[str | None, str]:
    """The role through the pool's one sign-in path."""
    (only,) = resolve_paths(pool, user_pool, groups)
    return only.role_arn, only.how


def member(groups: list[Group], mapping_ambiguous: str = "AuthenticatedRole") -> str | None:
    return resolve_member(identity_pool(token(mapping_ambiguous)), USER_POOL, groups)[0]


# --- Token mapping: precedence -----------------------------------------------------------


def test_lower_precedence_value_wins() -> None:
    assert (
        member(
            [Group(name="a", role_arn=A, precedence=5), Group(name="b", role_arn=B, precedence=0)]
        )
        == B
    )


def test_equal_precedence_with_the_same_role_is_not_ambiguous() -> None:
    groups = [Group(name="a", role_arn=A, precedence=3), Group(name="b", role_arn=A, precedence=3)]
    assert member(groups, "Deny") == A
    (pair,) = group_pairs(snapshot(groups, identity_pool(token())))
    assert (pair.outcome, pair.role_arn) == ("same-role", A)


@pytest.mark.parametrize("other", [0, 7])
def test_unset_precedence_loses_to_any_set_one(other: int) -> None:
    groups = [Group(name="a", role_arn=A), Group(name="b", role_arn=B, precedence=other)]
    assert member(groups) == B
    assert member(list(reversed(groups))) == B
    (pair,) = group_pairs(snapshot(groups, identity_pool(token())))
    assert pair.outcome == "winner" and pair.role_arn == B


def test_two_unset_precedences_with_different_roles_are_ambiguous() -> None:
    groups = [Group(name="a", role_arn=A), Group(name="b", role_arn=B)]
    assert member(groups) == DEFAULT_ROLE
    assert member(groups, "Deny") is None
    (pair,) = group_pairs(snapshot(groups, identity_pool(token())))
    assert (pair.outcome, pair.role_arn) == ("ambiguous", DEFAULT_ROLE)


def test_equal_set_precedence_with_different_roles_and_deny_gives_no_credentials() -> None:
    groups = [Group(name="a", role_arn=A, precedence=1), Group(name="b", role_arn=B, precedence=1)]
    role_arn, how = resolve_member(identity_pool(token("Deny")), USER_POOL, groups)
    assert role_arn is None
    assert "Deny" in how and "a, b" in how


def test_group_without_role_under_token_falls_back() -> None:
    lone = [Group(name="readers", precedence=0)]
    assert member(lone) == DEFAULT_ROLE
    assert member(lone, "Deny") is None
    # A roleless group never competes for cognito:preferred_role, even with a better precedence.
    assert (
        member([Group(name="readers", precedence=0), Group(name="b", role_arn=B, precedence=9)])
        == B
    )


def test_user_in_no_group_under_token() -> None:
    assert member([]) == DEFAULT_ROLE
    assert member([], "Deny") is None


# --- Rules mapping -----------------------------------------------------------------------


def rules_member(
    groups: list[str], *items: tuple[str, str, str, str], ambiguous: str = "AuthenticatedRole"
) -> tuple[str | None, str]:
    pool = identity_pool(rules(*items, ambiguous=ambiguous))
    return resolve_member(pool, USER_POOL, [Group(name=g) for g in groups])


def test_rules_first_match_wins_in_order() -> None:
    first = ("cognito:groups", "Contains", "edit", A)
    second = ("cognito:groups", "Equals", "editors", B)
    assert rules_member(["editors"], first, second)[0] == A
    assert rules_member(["editors"], second, first)[0] == B


@pytest.mark.parametrize(
    ("match_type", "value", "groups", "expected"),
    [
        ("Equals", "admin", ["admin"], A),
        ("Equals", "admin", ["superadmin"], DEFAULT_ROLE),
        ("Contains", "admin", ["superadmin"], A),
        ("StartsWith", "adm", ["admin"], A),
        ("StartsWith", "min", ["admin"], DEFAULT_ROLE),
        ("NotEqual", "admin", ["editors"], A),
        ("NotEqual", "admin", ["admin"], DEFAULT_ROLE),
    ],
)
def test_rules_match_types(match_type: str, value: str, groups: list[str], expected: str) -> None:
    assert rules_member(groups, ("cognito:groups", match_type, value, A))[0] == expected


def test_not_equal_on_a_missing_claim_does_not_match() -> None:
    # A user in no group has no cognito:groups claim: NotEqual is not evaluated.
    role_arn, how = rules_member([], ("cognito:groups", "NotEqual", "admin", A))
    assert role_arn == DEFAULT_ROLE and "no rule matches" in how
    assert rules_member([], ("cognito:groups", "NotEqual", "admin", A), ambiguous="Deny")[0] is None


def test_a_group_member_is_resolved_without_the_claims_of_claim_rules() -> None:
    # Members whose token matches the claim rule first are the claim persona; the group
    # persona is the members whose token does not, and says where the others went.
    other = ("custom:tier", "Equals", "gold", B)
    matched, how = rules_member(["admin"], other, ("cognito:groups", "Equals", "admin", A))
    assert matched == A and "[1]" in how and "claim personas" in how
    fallback, how = rules_member(["admin"], other)
    assert fallback == DEFAULT_ROLE and "[1]" in how


# --- no mapping, missing roles, guests ---------------------------------------------------


def test_no_mapping_gives_everyone_the_default_role() -> None:
    groups = [Group(name="admin", role_arn=A, precedence=0), Group(name="b", role_arn=B)]
    resolved = {
        r.persona: r.role_arn for r in resolve_personas(snapshot(groups, identity_pool(None)))
    }
    assert resolved == {
        "group:admin": DEFAULT_ROLE,
        "group:b": DEFAULT_ROLE,
        DEFAULT: DEFAULT_ROLE,
        UNAUTHENTICATED: None,
    }


def test_missing_default_role() -> None:
    pool = identity_pool(token(), default=None)
    resolved = {
        r.persona: r.role_arn
        for r in resolve_personas(snapshot([Group(name="admin", role_arn=A, precedence=0)], pool))
    }
    assert resolved == {"group:admin": A, DEFAULT: None, UNAUTHENTICATED: None}
    assert resolve_member(identity_pool(None, default=None), USER_POOL, [])[0] is None


def test_user_pool_that_is_no_provider_of_the_identity_pool_gets_nothing() -> None:
    pool = identity_pool(None).model_copy(
        update={
            "providers": [
                IdentityProvider(
                    provider_name="cognito-idp.us-east-1.amazonaws.com/us-east-1_Other",
                    client_id="c",
                )
            ]
        }
    )
    role_arn, how = resolve_member(pool, USER_POOL, [])
    assert role_arn is None, how


def test_guests() -> None:
    assert resolve_guest(identity_pool(token())).role_arn is None
    on_without_role = identity_pool(token(), allow_unauthenticated=True)
    assert resolve_guest(on_without_role).role_arn is None
    on = identity_pool(token(), allow_unauthenticated=True, unauthenticated_role=GUEST_ROLE)
    assert resolve_guest(on).role_arn == GUEST_ROLE
    off_with_role = identity_pool(token(), unauthenticated_role=GUEST_ROLE)
    assert resolve_guest(off_with_role).role_arn is None


def test_personas_are_in_a_stable_order() -> None:
    groups = [Group(name="b", role_arn=B, precedence=1), Group(name="a", role_arn=A, precedence=0)]
    personas = [r.persona for r in resolve_personas(snapshot(groups, identity_pool(token())))]
    assert personas[-2:] == [DEFAULT, UNAUTHENTICATED]
    assert sorted(personas[:-2]) == ["group:a", "group:b"]
