"""Accepted risk (CONTRACT §6.2): the baseline's `accepted:` entries, which findings they
accept, and which entries have expired or accept nothing.

`rule` is an exact rule id (the schema lists them: a typo is an input error, never an entry
that silently accepts nothing); `persona`, `route` and `resource` are case-sensitive fnmatch
patterns that narrow it, and a finding without that field (a route finding has no persona)
is not matched by an entry that names one. An entry is valid through its `expires` day (UTC)
and accepts nothing from the day after.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fnmatch import translate
from functools import cached_property

from pydantic import BaseModel, ConfigDict

from auditor.model.findings import Acceptance, Finding

_NARROWING = ("persona", "route", "resource")


class AcceptedRisk(BaseModel):
    """One `accepted:` entry: a rule, optionally narrowed, with why and until when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    persona: str | None = None
    route: str | None = None
    resource: str | None = None
    reason: str
    expires: date | None = None

    def expired(self, today: date) -> bool:
        """Past its expiry day: the entry accepts nothing."""
        return self.expires is not None and today > self.expires

    @cached_property
    def _matchers(self) -> tuple[tuple[str, Callable[[str], re.Match[str] | None]], ...]:
        """(field, its compiled pattern's match) for each field the entry narrows by."""
        return tuple(
            (name, re.compile(translate(pattern)).match)
            for name in _NARROWING
            if (pattern := getattr(self, name)) is not None
        )

    def matches(self, finding: Finding) -> bool:
        if finding.rule_id != self.rule:
            return False
        for name, match in self._matchers:
            value = getattr(finding, name)
            if value is None or match(value) is None:
                return False
        return True

    @cached_property
    def acceptance(self) -> Acceptance:
        expires = self.expires.isoformat() if self.expires else None
        return Acceptance(reason=self.reason, expires=expires)

    def describe(self) -> str:
        """`rule` and what narrows it, for a one-line message."""
        narrowed = [f"{name} {getattr(self, name)}" for name in _NARROWING if getattr(self, name)]
        return ", ".join([self.rule, *narrowed])


def today_utc() -> date:
    """The day expiry is judged by: UTC, so a run at 23:30 in Sydney and one at 09:30 in
    London on the same instant agree."""
    return datetime.now(UTC).date()


def _live_by_rule(
    entries: Sequence[AcceptedRisk], today: date | None
) -> dict[str, list[tuple[int, AcceptedRisk]]]:
    """The entries (with their index) by rule; with `today`, only those not expired."""
    by_rule: dict[str, list[tuple[int, AcceptedRisk]]] = {}
    for index, entry in enumerate(entries):
        if today is None or not entry.expired(today):
            by_rule.setdefault(entry.rule, []).append((index, entry))
    return by_rule


def apply_acceptance(
    findings: Sequence[Finding], entries: Sequence[AcceptedRisk], today: date
) -> list[Finding]:
    """The findings, each one an unexpired entry matches marked accepted by the first such
    entry (in file order); the others unchanged. Only findings of an accepted rule are
    matched."""
    by_rule = _live_by_rule(entries, today)
    if not by_rule:
        return list(findings)
    out: list[Finding] = []
    for finding in findings:
        accepted = None
        for _, entry in by_rule.get(finding.rule_id, ()):
            if entry.matches(finding):
                accepted = entry.acceptance
                break
        out.append(
            finding if accepted is None else finding.model_copy(update={"accepted": accepted})
        )
    return out


def matched_entries(findings: Iterable[Finding], entries: Sequence[AcceptedRisk]) -> set[int]:
    """The indexes of the entries that match at least one of `findings`, expired or not (an
    entry shadowed by an earlier one still matches)."""
    by_rule = _live_by_rule(entries, None)
    matched: set[int] = set()
    for finding in findings:
        for index, entry in by_rule.get(finding.rule_id, ()):
            if index not in matched and entry.matches(finding):
                matched.add(index)
    return matched


@dataclass(frozen=True)
class AcceptanceReview:
    """The entries that need a person's attention: expired ones, and (from an audit) those
    that accept no finding."""

    source: str  # the baseline file
    entries: tuple[AcceptedRisk, ...]
    expired: tuple[int, ...]
    unused: tuple[int, ...] = ()

    @classmethod
    def of(
        cls,
        source: str,
        entries: Sequence[AcceptedRisk],
        today: date,
        findings: Iterable[Finding] | None = None,
    ) -> AcceptanceReview:
        """`findings`: an audit's, to tell the entries that match none of them (None: no
        audit, so no entry is called unused). An expired entry is listed as expired only."""
        expired = tuple(index for index, entry in enumerate(entries) if entry.expired(today))
        unused: tuple[int, ...] = ()
        if findings is not None:
            matched = matched_entries(findings, entries) | set(expired)
            unused = tuple(index for index in range(len(entries)) if index not in matched)
        return cls(source, tuple(entries), expired, unused)

    def lines(self) -> list[str]:
        """One line per entry, in file order, naming the file, the entry and its rule."""
        out: list[tuple[int, str]] = []
        for index in self.expired:
            entry = self.entries[index]
            assert entry.expires is not None  # only a dated entry expires
            out.append(
                (
                    index,
                    f"{self.source}: accepted[{index}]: {entry.describe()} expired on "
                    f"{entry.expires.isoformat()}; it accepts nothing now",
                )
            )
        for index in self.unused:
            out.append(
                (
                    index,
                    f"{self.source}: accepted[{index}]: {self.entries[index].describe()} "
                    "matches no finding; remove it or fix its patterns",
                )
            )
        return [line for _, line in sorted(out)]
