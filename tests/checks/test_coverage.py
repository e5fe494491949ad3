"""Every rule has at least one passing and one failing fixture in tests/checks.

The tables are the `CASES` lists of the files below, one file per module of auditor/checks
(and the history rule's); a new rule without fixtures, or fixtures of a rule that is gone,
fail here.
"""

from __future__ import annotations

from auditor.checks import CHECKS
from tests.checks import (
    test_access,
    test_groups,
    test_history,
    test_identity_pool,
    test_routes,
    test_trust,
)
from tests.support.rule_cases import Case, rule_ids

TABLES: dict[str, list[Case]] = {
    module.__name__: list(module.CASES)
    for module in (
        test_access,
        test_groups,
        test_identity_pool,
        test_trust,
        test_routes,
        test_history,
    )
}
CASES = [case for cases in TABLES.values() for case in cases]
RULES = set(CHECKS)


def test_every_rule_has_a_passing_fixture() -> None:
    assert RULES - rule_ids(CASES, failing=False) == set()


def test_every_rule_has_a_failing_fixture() -> None:
    assert RULES - rule_ids(CASES, failing=True) == set()


def test_fixtures_name_only_rules_that_exist() -> None:
    assert {case.rule_id for case in CASES} - RULES == set()


def test_a_failing_fixture_expects_only_its_own_rule() -> None:
    assert [str(c) for c in CASES if any(key[0] != c.rule_id for key in c.expected)] == []


def test_fixture_names_are_unique() -> None:
    names = [str(case) for case in CASES]
    assert sorted(names) == sorted(set(names))
