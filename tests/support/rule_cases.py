"""Per-rule fixtures (tests/checks): a named variation of the small app and the exact set of
findings the rule must give for it; an empty set is a passing fixture, any other a failing one.

Each test file of tests/checks lists its cases in a `CASES` table; tests/checks/test_coverage.py
checks that every rule has at least one of each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from auditor.audit.summary import summarize
from auditor.model.snapshot import Snapshot
from auditor.model.state import ConfigChange
from tests.support.findings import FindingKey, key_of
from tests.support.snapshots import SmallApp, small_app

Edit = Callable[[SmallApp], object]


def unchanged(app: SmallApp) -> None:
    """The clean small app as it is."""


@dataclass(frozen=True)
class Case:
    rule_id: str
    shows: str  # what the fixture is about: the test's id
    edit: Edit = unchanged
    expected: frozenset[FindingKey] = field(default_factory=frozenset)
    # The previous run's app (from the clean one), for rules that compare with it; None: a
    # first run, or no --state.
    before: Edit | None = None

    @classmethod
    def fires(cls, rule_id: str, shows: str, edit: Edit, *keys: FindingKey) -> Case:
        return cls(rule_id, shows, edit, frozenset(keys))

    @classmethod
    def passes(cls, rule_id: str, shows: str, edit: Edit = unchanged) -> Case:
        return cls(rule_id, shows, edit)

    @property
    def failing(self) -> bool:
        return bool(self.expected)

    def run(self) -> set[FindingKey]:
        """The rule's findings on the edited app. A fixture with a failed read must also give
        an incomplete report: the rule stays silent, the report says it could not look."""
        app = small_app()
        self.edit(app)
        report = app.report(self._change_since_before(app))
        if app.snapshot["errors"]:
            assert report.status == "incomplete"
        return {
            key_of(f.rule_id, f.persona, f.route, f.resource, f.app_client)
            for f in report.findings
            if f.rule_id == self.rule_id
        }

    def _change_since_before(self, app: SmallApp) -> ConfigChange | None:
        if self.before is None:
            return None
        previous = small_app()
        self.before(previous)
        return ConfigChange(
            *(summarize(Snapshot.model_validate(a.snapshot)) for a in (previous, app))
        )

    def __str__(self) -> str:
        return f"{self.rule_id}: {'fires' if self.failing else 'passes'}: {self.shows}"


def rule_ids(cases: Iterable[Case], *, failing: bool) -> set[str]:
    return {case.rule_id for case in cases if case.failing == failing}
