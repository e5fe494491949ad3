"""Persona resolution the way Cognito does it (AWS-FACTS §1-2), on hand-built snapshots."""

from __future__ import annotations

import pytest

from auditor.audit.pairs import group_pairs
from auditor.audit.resolve import resolve_guest, resolve_paths, resolve_personas
from auditor.model.personas import DEFAULT, UNAUTHENTICATED
from auditor.model.snapshot import Group, IdentityPool, IdentityProvider, RoleMapping
from tests.support.snapshots import (
    DEFAULT_ROLE,
    GUEST_ROLE,
    PROVIDER,
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
    assert personas == ["group:a", "group:b", DEFAULT, UNAUTHENTICATED]


# --- claim rules -------------------------------------------------------------------------

GOLD, SILVER, SUPER = role("app-gold"), role("app-silver"), role("app-super")


def personas_of(
    pool: IdentityPool | RoleMapping, groups: list[Group]
) -> dict[str, tuple[str | None, str]]:
    if isinstance(pool, RoleMapping):
        pool = identity_pool(pool)
    return {r.persona: (r.role_arn, r.how) for r in resolve_personas(snapshot(groups, pool))}


def test_claim_and_group_rules_interleaved_first_match_wins() -> None:
    pool = identity_pool(
        rules(
            ("cognito:groups", "Contains", "admin", A),
            ("custom:tier", "Equals", "gold", GOLD),
            ("cognito:groups", "Contains", "editors", B),
        )
    )
    resolved = personas_of(pool, [Group(name="admin"), Group(name="editors")])
    assert resolved["group:admin"][0] == A
    role_arn, how = resolved["group:editors"]
    assert role_arn == B and "[2]" in how  # the gold rule comes first for gold editors
    gold, how = resolved["claim:custom:tier Equals gold"]
    assert gold == GOLD
    # Placed before the editors' rule, it also captures gold editors; admins match earlier.
    assert "'editors'" in how and "'admin'" not in how
    assert resolved[DEFAULT][0] == DEFAULT_ROLE


def test_an_earlier_rule_on_the_same_claim_can_catch_every_token_of_a_later_one() -> None:
    pool = identity_pool(
        rules(("custom:tier", "StartsWith", "g", SILVER), ("custom:tier", "Equals", "gold", GOLD))
    )
    resolved = personas_of(pool, [])
    assert resolved["claim:custom:tier Equals gold"][0] == SILVER
    assert resolved["claim:custom:tier StartsWith g"][0] == SILVER


def test_a_later_rule_that_excludes_the_earlier_one() -> None:
    pool = identity_pool(
        rules(("custom:tier", "NotEqual", "gold", SILVER), ("custom:tier", "Equals", "gold", GOLD))
    )
    resolved = personas_of(pool, [])
    assert resolved["claim:custom:tier Equals gold"][0] == GOLD
    assert resolved["claim:custom:tier NotEqual gold"][0] == SILVER
    # A user without the claim: NotEqual is not evaluated on a missing claim.
    assert resolved[DEFAULT][0] == DEFAULT_ROLE


# --- sign-in paths -----------------------------------------------------------------------


def two_clients(first: RoleMapping | None, second: RoleMapping | None) -> IdentityPool:
    pool = identity_pool(first)
    mappings = dict(pool.role_mappings)
    if second is not None:
        mappings[f"{PROVIDER}:mobile"] = second
    return pool.model_copy(
        update={
            "providers": [
                *pool.providers,
                IdentityProvider(provider_name=PROVIDER, client_id="mobile"),
            ],
            "role_mappings": mappings,
        }
    )


GROUPS = [
    Group(name="admin", role_arn=A, precedence=0),
    Group(name="editors", role_arn=B, precedence=1),
]


def test_two_clients_that_agree_give_one_resolution_without_a_client() -> None:
    resolutions = resolve_personas(snapshot(GROUPS, two_clients(token(), token())))
    assert [(r.persona, r.app_client) for r in resolutions] == [
        ("group:admin", None),
        ("group:editors", None),
        (DEFAULT, None),
        (UNAUTHENTICATED, None),
    ]
    assert "alike through every app client: client123, mobile" in resolutions[0].how


def test_two_clients_that_disagree_give_a_resolution_per_client() -> None:
    editors_to_admin = rules(
        ("cognito:groups", "Contains", "admin", A), ("cognito:groups", "Contains", "editors", A)
    )
    resolutions = resolve_personas(snapshot(GROUPS, two_clients(token(), editors_to_admin)))
    assert [(r.persona, r.app_client, r.role_arn) for r in resolutions] == [
        ("group:admin", None, A),
        ("group:editors", "client123", B),
        ("group:editors", "mobile", A),
        (DEFAULT, None, DEFAULT_ROLE),
        (UNAUTHENTICATED, None, None),
    ]


def test_a_client_without_a_mapping_gives_everyone_the_default_role() -> None:
    # Sorted by client id, the mapping-less client comes first: it is not skipped.
    pool = two_clients(None, token())
    pool = pool.model_copy(update={"role_mappings": {f"{PROVIDER}:mobile": token()}})
    by_client = {
        (r.persona, r.app_client): r.role_arn for r in resolve_personas(snapshot(GROUPS, pool))
    }
    assert by_client[("group:admin", "client123")] == DEFAULT_ROLE
    assert by_client[("group:admin", "mobile")] == A
    assert by_client[(DEFAULT, None)] == DEFAULT_ROLE


def test_claim_personas_resolve_only_through_the_clients_whose_rules_name_them() -> None:
    """Through a client without the rule, a gold user is a default or group persona."""
    gold = rules(("custom:tier", "Equals", "gold", GOLD))
    resolved = {
        (r.persona, r.app_client): r.role_arn
        for r in resolve_personas(snapshot([], two_clients(token(), gold)))
    }
    assert resolved[("claim:custom:tier Equals gold", None)] == GOLD
    assert ("claim:custom:tier Equals gold", "client123") not in resolved
    # Two clients with the rule, each its own role: they disagree.
    silver = rules(("custom:tier", "Equals", "gold", SILVER))
    resolved = {
        (r.persona, r.app_client): r.role_arn
        for r in resolve_personas(snapshot([], two_clients(gold, silver)))
    }
    assert resolved[("claim:custom:tier Equals gold", "client123")] == GOLD
    assert resolved[("claim:custom:tier Equals gold", "mobile")] == SILVER


def test_members_of_two_groups_past_a_not_equal_rule_are_a_persona_of_their_own() -> None:
    """[NotEqual admin -> E, Contains editors -> SUPER, Contains admin -> A]: only a member of
    admin and editors gets SUPER; without them, SUPER would never be audited."""
    groups = [Group(name="admin"), Group(name="editors"), Group(name="readers")]
    not_admin = rules(
        ("cognito:groups", "NotEqual", "admin", B),
        ("cognito:groups", "Contains", "editors", SUPER),
        ("cognito:groups", "Contains", "admin", A),
    )
    resolved = personas_of(not_admin, groups)
    assert resolved["group:admin"][0] == A and resolved["group:editors"][0] == B
    assert resolved["groups:admin editors"][0] == SUPER
    # One persona per role nobody else gets: admin+readers gets A, which admins get already.
    assert [p for p in resolved if p.startswith("groups:")] == ["groups:admin editors"]
    plain = rules(("cognito:groups", "Contains", "editors", SUPER))
    assert not [p for p in personas_of(plain, groups) if p.startswith("groups:")]


# --- role choice -------------------------------------------------------------------------


def test_a_member_of_two_groups_can_name_either_role_under_token() -> None:
    tied = [Group(name="a", role_arn=A, precedence=1), Group(name="b", role_arn=B, precedence=1)]
    (pair,) = group_pairs(snapshot(tied, identity_pool(token("Deny"))))
    assert pair.role_arn is None
    assert pair.obtainable_roles == tuple(sorted((A, B)))
    assert "Deny does not stop" in pair.detail
    ranked = [Group(name="a", role_arn=A, precedence=0), Group(name="b", role_arn=B, precedence=1)]
    (pair,) = group_pairs(snapshot(ranked, identity_pool(token())))
    assert (pair.role_arn, pair.obtainable_roles) == (A, tuple(sorted((A, B))))
    assert "may also request" in pair.detail


def test_rules_and_the_default_role_ignore_role_requests() -> None:
    ranked = [Group(name="a", role_arn=A, precedence=0), Group(name="b", role_arn=B, precedence=1)]
    group_rules = rules(("cognito:groups", "Contains", "b", B))
    for pool, role_arn in ((identity_pool(group_rules), B), (identity_pool(None), DEFAULT_ROLE)):
        (pair,) = group_pairs(snapshot(ranked, pool))
        assert (pair.role_arn, pair.obtainable_roles) == (role_arn, (role_arn,))
