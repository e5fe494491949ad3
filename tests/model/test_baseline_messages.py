"""Every schema error a baseline can have is told in the user's terms: never jsonschema's own
text, never a long value repeated back, one line each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

from auditor.model.baseline_file import baseline_schema, check_baseline_file, load_baseline
from auditor.model.baseline_messages import EXPLAINED_KEYWORDS
from auditor.model.errors import InputError

BASE: dict[str, Any] = {
    "version": 1,
    "user_pool": {"id": "us-east-1_AbCdEf012"},
    "identity_pool": {"id": "us-east-1:0d3a1c2b-7e4f-4a5b-9c8d-1e2f3a4b5c6d"},
}
MEGA = 1_000_000

# What jsonschema says in its own words: none of it may reach the user.
RAW = ("is not of type", "is valid under each of", "{'", "is a required property", "given schemas")
# Keywords that only descend into subschemas: the errors are their children's.
_APPLICATORS = {"properties", "items", "$ref", "propertyNames", "allOf", "additionalProperties"}


def _keywords(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for value in node.values() for k in _keywords(value)}
    if isinstance(node, list):
        return {k for item in node for k in _keywords(item)}
    return set()


def test_every_keyword_that_can_fail_has_a_message() -> None:
    used = _keywords(baseline_schema()) & set(Draft202012Validator.VALIDATORS)
    assert {"type", "pattern", "oneOf", "enum"} <= used  # not vacuous
    assert used - _APPLICATORS <= EXPLAINED_KEYWORDS


def _check(tmp_path: Path, data: dict[str, Any]) -> list[tuple[str, str]]:
    file = tmp_path / "b.json"
    file.write_text(json.dumps(data))
    problems, baseline = check_baseline_file(file)
    assert baseline is None and problems
    for problem in problems:
        assert not any(raw in problem.message for raw in RAW), problem.message
        assert "\n" not in str(problem) and len(problem.path + problem.message) < 300
    with pytest.raises(InputError) as caught:
        load_baseline(file)
    assert str(caught.value) == str(problems[0])
    return [(p.path, p.message) for p in problems]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"user_pool": None}, [("user_pool", "expected a mapping, not null")]),
        ({"apis": {"id": "a1"}}, [("apis", "expected a list, not a mapping")]),
        ({"region": 5}, [("region", "expected text, not the number 5")]),
        (
            {"identity_pool": {**BASE["identity_pool"], "allow_unauthenticated": "yes"}},
            [("identity_pool.allow_unauthenticated", "expected true or false, not the text 'yes'")],
        ),
        (
            {"identity_pool": {**BASE["identity_pool"], "app_clients": ["abc", "abc"]}},
            [("identity_pool.app_clients", "'abc' is listed more than once")],
        ),
        (
            {"identity_pool": {**BASE["identity_pool"], "ambiguous_role_resolution": "deny"}},
            [
                (
                    "identity_pool.ambiguous_role_resolution",
                    "'deny' is not one of: AuthenticatedRole, Deny",
                )
            ],
        ),
        ({"user_pool": {"name": ""}}, [("user_pool.name", "must not be empty")]),
        ({"groups": {"": {}}}, [('groups[""]', "group name '' must be 1 to 128 characters")]),
        (
            {"apis": [{"id": "a1", "stage": "s" * MEGA}]},
            [("apis[0].stage", "a stage name has at most 128 characters, not 1000000")],
        ),
        (
            {"apis": [{"id": "a1", "stage": "pr od"}]},
            [("apis[0].stage", "'pr od' is not a stage name (letters, digits, '-' and '_')")],
        ),
        (
            {"routes": {"all_users": ["GET /" + "a" * MEGA]}},
            [("routes.all_users[0]", "is 1000005 characters long; at most 1032 are allowed")],
        ),
        (
            {"groups": {"g" * MEGA: {}}},
            [
                (
                    f'groups["{"g" * 60}"...]',
                    f"group name {'g' * 60!r}... (1000000 characters) must be 1 to 128 characters",
                )
            ],
        ),
        (
            {"x" * MEGA: 1},
            [
                (
                    f'["{"x" * 60}"...]',
                    f"unknown key {'x' * 60!r}... (1000000 characters); expected one of: "
                    "accepted, apis, claims, groups, identity_pool, public_routes, region, "
                    "routes, user_pool, version",
                )
            ],
        ),
    ],
)
def test_each_kind_of_error_in_user_terms(
    tmp_path: Path, change: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert _check(tmp_path, {**BASE, **change}) == expected


def test_many_routes_are_checked_once_each(tmp_path: Path) -> None:
    routes = [f"GET /items/r{i}" for i in range(2_000)]
    file = tmp_path / "b.json"
    file.write_text(json.dumps({**BASE, "routes": {"all_users": [*routes, "GET /a?b"]}}))
    problems, _ = check_baseline_file(file)
    assert [(p.path, p.message) for p in problems] == [
        (
            "routes.all_users[2000]",
            "'GET /a?b' is not a route pattern: "
            "'?' is not allowed: a route path has no query string or fragment",
        )
    ]
    file.write_text(json.dumps({**BASE, "routes": {"all_users": routes}}))
    problems, baseline = check_baseline_file(file)
    assert problems == [] and baseline is not None
    assert [str(p) for p in baseline.routes.all_users] == routes


def test_precedence_within_cognitos_range_and_claims_in_any_letters(tmp_path: Path) -> None:
    # A precedence past 2^31-1 (a YAML 0xfff... of any length loads as an int) is refused by
    # the schema; a claim named in letters beyond ASCII is as valid as AWS makes it.
    too_big = {**BASE, "groups": {"a": {"precedence": 2**31}}}
    assert _check(tmp_path, too_big) == [
        ("groups.a.precedence", "must be 2147483647 or less, not 2147483648")
    ]
    role = "arn:aws:iam::123456789012:role/fr"
    file = tmp_path / "claims.json"
    claims = {**BASE, "claims": {"custom:niveau_é Equals or": {"role": role}}}
    file.write_text(json.dumps(claims))
    assert check_baseline_file(file)[0] == []


def test_missing_keys_are_said_once(tmp_path: Path) -> None:
    file = tmp_path / "b.json"
    file.write_text(json.dumps({"apis": []}))
    problems, _ = check_baseline_file(file)
    assert [(p.path, p.message) for p in problems] == [
        ("", "'version', 'user_pool', 'identity_pool' are required")
    ]
