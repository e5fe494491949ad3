"""The state file kept between runs (`--state PATH`): what the previous run saw, in a form
small enough to store and rich enough to describe what changed since.

A file that is not ours, or is for another target, is an input error: silently starting over
would re-alert on every open finding and forget a pending alert. Where the file lives is
auditor.unattended.stores; how a snapshot becomes a ConfigSummary is auditor.audit.summary.
"""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from auditor.model.errors import InputError
from auditor.model.findings import Finding
from auditor.model.inputs import MIB, InputFormat, load_input
from auditor.model.report import RunRecord
from auditor.model.snapshot import Snapshot, canonical_json

STATE_SCHEMA_VERSION = "1"
STATE_KIND = "cognito-route-auditor/state"
STATE_FORMAT = InputFormat(
    "state",
    label="state file",
    kind=STATE_KIND,
    version=STATE_SCHEMA_VERSION,
    max_bytes=64 * MIB,  # fingerprints and a configuration summary: far below this
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GroupState(_Model):
    precedence: int | None = None
    role_arn: str | None = None


class RoleMappingState(_Model):
    type: str
    ambiguous_role_resolution: str | None = None
    rules: list[str] = []  # "claim MatchType value -> role", in evaluation order


class IdentityPoolState(_Model):
    allow_unauthenticated: bool
    allow_classic_flow: bool
    authenticated_role: str | None = None
    unauthenticated_role: str | None = None
    role_mappings: dict[str, RoleMappingState] = {}
    # The sign-in paths (RoleMappings keys of the accepted providers); None in states written
    # before 0.2, which did not keep them: not compared then.
    providers: list[str] | None = None


class ConfigSummary(_Model):
    """The live configuration, reduced to what a reader wants to see diffed.

    A section is None when it could not be read: no change is claimed for it.
    """

    groups: dict[str, GroupState] | None = None
    identity_pool: IdentityPoolState | None = None
    # role ARN -> {"trust" | "inline:<name>" | "managed:<arn>" | "boundary:<arn>": sha256 prefix}
    role_policies: dict[str, dict[str, str]] | None = None
    # api id -> {route key: authorization type}
    routes: dict[str, dict[str, str]] | None = None


class ConfigChange(NamedTuple):
    """The live configuration of the previous run (from --state) and of this one: what
    changed-since-last-run compares. Summarised once per run, for the check and the state."""

    before: ConfigSummary
    after: ConfigSummary


class StateTarget(_Model):
    account_id: str | None = None
    region: str
    user_pool_id: str | None = None
    identity_pool_id: str | None = None

    @classmethod
    def of(cls, snapshot: Snapshot) -> StateTarget:
        """What `snapshot` audits, as a state file records it (the report's target says the
        same)."""
        return cls(
            account_id=snapshot.account_id,
            region=snapshot.region,
            user_pool_id=snapshot.user_pool.id if snapshot.user_pool else None,
            identity_pool_id=snapshot.identity_pool.id if snapshot.identity_pool else None,
        )


class PendingAlert(_Model):
    """An alert that could not be delivered; merged into the next run's alert."""

    created_at: str
    new: list[Finding] = []
    resolved: list[Finding] = []


class State(_Model):
    kind: str = STATE_KIND
    schema_version: str = STATE_SCHEMA_VERSION
    updated_at: str
    target: StateTarget
    snapshot_digest: str | None = None
    config: ConfigSummary
    # Each with first_seen / last_seen and, when accepted, why (absent in states before 0.2's
    # issue 14: read as unknown).
    open_findings: list[Finding] = []
    pending_alert: PendingAlert | None = None
    # The last HISTORY_RUNS runs, oldest first (absent in earlier states: none yet).
    history: list[RunRecord] = []

    def to_json(self) -> str:
        return canonical_json(self.model_dump(mode="json"))

    def open_finding(self, fingerprint: str) -> Finding | None:
        """The open finding of that fingerprint, if any (indexed once per state)."""
        return self._open_by_fingerprint.get(fingerprint)

    @cached_property
    def _open_by_fingerprint(self) -> dict[str, Finding]:
        return {finding.fingerprint: finding for finding in self.open_findings}

    @classmethod
    def from_json(cls, text: str, *, source: str) -> State:
        return load_input(cls, text, source, STATE_FORMAT)

    def check_target(self, target: StateTarget, *, source: str) -> None:
        """Refuse a state recorded for another user pool or identity pool."""
        for field in ("user_pool_id", "identity_pool_id"):
            before, now = getattr(self.target, field), getattr(target, field)
            if before and now and before != now:
                raise InputError(
                    source,
                    f"target.{field}",
                    f"state is for {before}, this run audits {now}; use another --state path",
                )
