"""UserPool.group looks groups up in an index built once, which must never go stale or show
in the snapshot's JSON."""

from __future__ import annotations

from auditor.model.snapshot import Group, UserPool

POOL = "us-east-1_AbCdEf012"


def pool(*groups: Group) -> UserPool:
    return UserPool(id=POOL, name="users", groups=list(groups))


def test_the_first_group_of_a_name_is_found() -> None:
    first, second = Group(name="a", precedence=1), Group(name="a", precedence=2)
    users = pool(first, Group(name="b"), second)
    assert users.group("a") is first
    assert users.group("b") == Group(name="b")
    assert users.group("c") is None


def test_a_copy_with_other_groups_finds_its_own() -> None:
    users = pool(Group(name="a"))
    assert users.group("a") is not None  # the original's index is built, and shared by copies
    copy = users.model_copy(update={"groups": [Group(name="z")]})
    assert copy.group("a") is None
    assert copy.group("z") == Group(name="z")
    assert users.group("a") == Group(name="a") and users.group("z") is None


def test_the_index_is_not_part_of_the_model() -> None:
    users = pool(Group(name="a", precedence=3))
    before = users.model_dump_json()
    users.group("a")
    assert users.model_dump_json() == before
    assert users == pool(Group(name="a", precedence=3))
    assert UserPool.model_validate_json(before).group("a") == Group(name="a", precedence=3)
