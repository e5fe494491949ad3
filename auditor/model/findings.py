"""Findings: what a check reports, joined with the rule catalog's metadata."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from auditor.model.errors import InputError


class Severity(StrEnum):
    """Declared, and so iterated, most severe first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @staticmethod
    def parse(value: str, source: str) -> Severity:
        """A severity named in any case; an InputError naming `source` otherwise."""
        try:
            return Severity(value.lower())
        except ValueError:
            names = ", ".join(s.value for s in Severity)
            raise InputError(source, None, f"{value!r} is not one of {names}") from None

    @property
    def rank(self) -> int:
        """Higher is more severe; used for --fail-on and sorting."""
        return _RANKS[self]


_RANKS = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Issue(BaseModel):
    """What a check returns: the facts of one problem, without catalog metadata."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    message: str
    resource: str
    persona: str | None = None
    route: str | None = None
    api_id: str | None = None
    evidence: dict[str, Any] = {}
    severity: Severity | None = None  # overrides the catalog default (e.g. critical for guests)


class Finding(BaseModel):
    """One reported problem, in the report's shape (CONTRACT §4)."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    severity: Severity
    title: str
    message: str
    resource: str
    persona: str | None = None
    route: str | None = None
    api_id: str | None = None
    evidence: dict[str, Any] = {}
    remediation: str
    fingerprint: str


def fingerprint(
    rule_id: str, resource: str, persona: str | None, route: str | None, api_id: str | None
) -> str:
    """Stable identity of a problem across runs: only what names it, never the wording."""
    key = "\x1f".join([rule_id, resource, persona or "", route or "", api_id or ""])
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def for_reading(findings: Iterable[Finding]) -> list[Finding]:
    """The order the HTML and Markdown reports list findings in: most severe first, then by
    rule, persona, route and resource."""
    return sorted(
        findings,
        key=lambda f: (-f.severity.rank, f.rule_id, f.persona or "", f.route or "", f.resource),
    )
