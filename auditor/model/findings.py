"""Findings: what a check reports, joined with the rule catalog's metadata."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Named(_Frozen):
    rule_id: str


class _Facts(_Named):
    """What a check observed about one problem; both an Issue and a Finding carry it."""

    message: str
    resource: str
    persona: str | None = None
    route: str | None = None
    api_id: str | None = None
    evidence: dict[str, Any] = {}
    # The sign-in path (app client id) the problem holds for: on a persona's finding only
    # where its paths disagree; on a path's own finding (no persona) always, and then part of
    # its fingerprint (see catalog.make_finding).
    app_client: str | None = Field(default=None, exclude_if=lambda value: value is None)


class _Rated(_Named):
    """What the rule catalog adds in front of the facts."""

    severity: Severity
    title: str


class Issue(_Facts):
    """What a check returns: the facts of one problem, without catalog metadata."""

    severity: Severity | None = None  # overrides the catalog default (e.g. critical for guests)

    def facts(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _Facts.model_fields}


class Acceptance(_Frozen):
    """Why a finding is accepted (CONTRACT §6.2): the baseline's `accepted:` entry that
    matched it. An accepted finding stays in the report but counts neither for --fail-on nor
    for alerts."""

    reason: str
    expires: str | None = None  # YYYY-MM-DD; the entry accepts nothing after that day


def _unset(value: object) -> bool:
    return value is None


class TemplateLocation(_Frozen):
    """Where a finding's resource is written in infrastructure code (CONTRACT §6.5): the file as
    given on the command line, the resource's logical id (for Serverless functions, the
    function's key) and the 1-based line of that id."""

    path: str
    logical_id: str
    line: int


class Finding(_Facts, _Rated):
    """One reported problem, in the report's shape (CONTRACT §4).

    Pydantic lays fields out base class first along the reversed MRO: rule_id, then _Rated's
    severity and title, then _Facts' message ... evidence, then remediation and fingerprint,
    which is the report's JSON order; the fields of 0.2 follow, each only where it says
    something.
    """

    remediation: str
    fingerprint: str
    accepted: Acceptance | None = Field(default=None, exclude_if=_unset)
    # When a run with --state first and last saw this problem (ISO 8601, UTC): "open since".
    first_seen: str | None = Field(default=None, exclude_if=_unset)
    last_seen: str | None = Field(default=None, exclude_if=_unset)
    # From a template audit (`auditor template`): the resource to change.
    template: TemplateLocation | None = Field(default=None, exclude_if=_unset)

    def names(self) -> dict[str, str]:
        """What names the problem beyond its resource, for formats with a free-form map
        (OCSF `unmapped`, Security Hub `ProductFields`): the fields that are set, plus the
        acceptance's expiry."""
        named = {
            "rule_id": self.rule_id,
            "persona": self.persona,
            "route": self.route,
            "api_id": self.api_id,
            "app_client": self.app_client,
            "accepted_until": self.accepted.expires if self.accepted else None,
        }
        return {key: value for key, value in named.items() if value}

    @property
    def counts(self) -> bool:
        """Does it count for --fail-on, the exit code and alerts? Not once accepted."""
        return self.accepted is None


def fingerprint(
    rule_id: str,
    resource: str,
    persona: str | None,
    route: str | None,
    api_id: str | None,
    app_client: str | None = None,
) -> str:
    """Stable identity of a problem across runs: only what names it, never the wording. The
    caller passes `app_client` only where the client names the problem (a path's finding);
    without it the key is what it was before sign-in paths were told apart."""
    parts = [rule_id, resource, persona or "", route or "", api_id or ""]
    key = "\x1f".join([*parts, app_client] if app_client else parts)
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def report_order(findings: Iterable[Finding]) -> list[Finding]:
    """The report's order, which every format keeps: most severe first, then by rule,
    resource, persona, route and app client."""
    return sorted(
        findings,
        key=lambda f: (
            -f.severity.rank,
            f.rule_id,
            f.resource,
            f.persona or "",
            f.route or "",
            f.app_client or "",
        ),
    )
