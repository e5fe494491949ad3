"""Group pairs past ALL_PAIRS_LIMIT: only the ambiguous ones, found without visiting every
tied pair, in the order the report has always listed them."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.audit.pairs import ALL_PAIRS_LIMIT, group_pairs, pairs_with
from auditor.model.snapshot import Group, IdentityProvider
from tests.support.snapshots import USER_POOL, identity_pool, role, snapshot, token

ROLES = [None, role("app-a"), role("app-b"), role("app-c")]


def ambiguous_in_report_order(groups: list[Group]) -> list[tuple[str, str]]:
    """The definition: tied precedence, two roles that differ; each precedence's pairs in
    combinations order, precedences in the order they first appear."""
    by_precedence: dict[int | None, list[Group]] = {}
    for group in groups:
        by_precedence.setdefault(group.precedence, []).append(group)
    return [
        (a.name, b.name)
        for tied in by_precedence.values()
        for a, b in combinations(tied, 2)
        if a.role_arn and b.role_arn and a.role_arn != b.role_arn
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([None, 0, 1, 2]), st.sampled_from(ROLES)),
        min_size=ALL_PAIRS_LIMIT + 1,
        max_size=ALL_PAIRS_LIMIT + 20,
    )
)
def test_past_the_limit_exactly_the_ambiguous_pairs_are_listed_in_order(
    shapes: list[tuple[int | None, str | None]],
) -> None:
    groups = [
        Group(name=f"g{i:03d}", precedence=precedence, role_arn=arn)
        for i, (precedence, arn) in enumerate(shapes)
    ]
    pairs = group_pairs(snapshot(groups, identity_pool(token())))
    assert [p.groups for p in pairs] == ambiguous_in_report_order(groups)
    assert {p.outcome for p in pairs} <= {"ambiguous"}


def test_many_tied_groups_sharing_one_role_give_no_pair() -> None:
    groups = [Group(name=f"g{i:05d}", role_arn=ROLES[1]) for i in range(3_000)]
    assert group_pairs(snapshot(groups, identity_pool(token()))) == []


def test_a_pair_of_a_user_pool_no_provider_accepts_names_the_user_pool() -> None:
    groups = [Group(name="a", role_arn=ROLES[1]), Group(name="b", role_arn=ROLES[2])]
    elsewhere = IdentityProvider(provider_name="cognito-idp.us-east-1.amazonaws.com/us-east-1_X")
    pool = identity_pool(token()).model_copy(update={"providers": [elsewhere]})
    for pair in [*group_pairs(snapshot(groups, pool)), *pairs_with(snapshot(groups, pool), "a")]:
        assert pair.role_arn is None
        assert f"user pool {USER_POOL} is not an authentication provider" in pair.detail
