"""Every rule has at least one passing and one failing fixture in tests/checks.

The tables are the `CASES` lists of this package's files, one file per module of
auditor/checks; a new rule without fixtures, or fixtures of a rule that is gone, fail here.
"""

from __future__ import annotations

import importlib
import pkgutil

import tests.checks
from auditor.checks import CHECKS
from tests.support.rule_cases import Case, rule_ids

# Every module of this package with a CASES table, so that a new file cannot be forgotten.
TABLES: dict[str, list[Case]] = {
    name: list(module.CASES)
    for name in sorted(m.name for m in pkgutil.iter_modules(tests.checks.__path__))
    if hasattr(module := importlib.import_module(f"tests.checks.{name}"), "CASES")
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


def test_every_table_is_run() -> None:
    """A CASES table nothing runs would pass whatever the rule does."""
    modules = [importlib.import_module(f"tests.checks.{name}") for name in TABLES]
    assert [m.__name__ for m in modules if not hasattr(m, "test_rule")] == []


def test_fixture_names_are_unique() -> None:
    names = [str(case) for case in CASES]
    assert sorted(names) == sorted(set(names))
