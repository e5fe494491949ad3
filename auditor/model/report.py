"""The audit report (CONTRACT §4): the one structure every output format renders.

MatrixCell and Verdict live in access_matrix.py and are named here too: one import for
whoever reads a report."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.model.access_matrix import EMPTY_MATRIX, AccessMatrix, MatrixScope, ScopeNote, absent
from auditor.model.access_matrix import MatrixCell as MatrixCell  # re-exported: one import
from auditor.model.access_matrix import Verdict as Verdict  # for whoever reads a report
from auditor.model.errors import failure_line
from auditor.model.findings import Finding, Severity
from auditor.model.report_json import json_chunks

if TYPE_CHECKING:
    from auditor.model.snapshot import CollectionError

REPORT_SCHEMA_VERSION = "1"

# ReportError.service of a problem of the auditor's own judgement, not of an AWS read.
AUDITOR_SERVICE = "auditor"
# Its operation for an audited stage whose served routes are unknown though no failed read
# says why (a hand-edited snapshot, a library call): a stage, not a document or a route.
UNREAD_STAGE = "ReadStage"
# Operations of a policy document or route the auditor could not judge (EvaluatePolicy,
# EvaluateRoute).
EVALUATE_PREFIX = "Evaluate"
# ReportError.service of an alert that could not be delivered (with --slack): no read failed.
SLACK_SERVICE = "slack"
# ReportError.service of a Security Hub import that failed (with --security-hub): a write.
SECURITY_HUB_SERVICE = "securityhub"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class ToolInfo(_Model):
    name: str = "cognito-route-auditor"
    version: str


class ReportError(_Model):
    service: str
    operation: str
    message: str

    @classmethod
    def of(cls, error: CollectionError) -> ReportError:
        """A failed read as the report lists it: the resource it concerned after the
        message."""
        message = f"{error.message} ({error.resource})" if error.resource else error.message
        return cls(service=error.service, operation=error.operation, message=message)

    def describe(self) -> str:
        """The one wording every format and stderr use."""
        return failure_line(self.service, self.operation, self.message)

    @property
    def is_delivery(self) -> bool:
        """An alert or an import that did not get through: every rule was still judged."""
        return self.service in (SLACK_SERVICE, SECURITY_HUB_SERVICE)

    @property
    def is_read(self) -> bool:
        """A failed AWS read, rather than something the auditor could not evaluate or an alert
        it could not deliver."""
        return self.service != AUDITOR_SERVICE and not self.is_delivery


class ApiTarget(_Model):
    id: str
    stage: str | None = None


class ReportTarget(_Model):
    account_id: str | None = None
    region: str
    user_pool_id: str | None = None
    identity_pool_id: str | None = None
    apis: list[ApiTarget] = []


class Summary(_Model):
    """Every finding the report lists, accepted ones included (they stay visible);
    `accepted` says how many of them are (absent when none)."""

    findings: int
    by_severity: dict[str, int]
    accepted: int = Field(default=0, exclude_if=lambda count: count == 0)

    @classmethod
    def of(cls, findings: list[Finding]) -> Summary:
        accepted = sum(1 for finding in findings if not finding.counts)
        return cls(findings=len(findings), by_severity=by_severity(findings), accepted=accepted)

    @property
    def open(self) -> int:
        """The findings that count (for --fail-on, alerts, what a person reads as open)."""
        return self.findings - self.accepted


def by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """How many of `findings` are of each severity, most severe first, zeros included."""
    counts = {severity.value: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity.value] += 1
    return counts


class GroupPair(_Model):
    """What a member of two groups gets: the precedence tie-break, made explicit, and every
    role a member can obtain (CustomRoleArn under Token mapping)."""

    groups: tuple[str, str]
    role_arn: str | None
    outcome: Literal["winner", "same-role", "ambiguous"]
    detail: str
    obtainable_roles: tuple[str, ...] = ()
    app_client: str | None = Field(default=None, exclude_if=absent)


class RunChanges(_Model):
    """Findings compared with the previous run (only with --state)."""

    new: list[str] = []  # fingerprints
    still_open: list[str] = []
    resolved: list[Finding] = []
    previous_snapshot_digest: str | None = None


class RunRecord(_Model):
    """One past run, as the state's short history keeps it (the HTML draws the timeline)."""

    at: str  # when it ran (ISO 8601, UTC)
    status: Literal["complete", "incomplete"]
    by_severity: dict[str, int]  # findings that count (accepted ones left out)
    accepted: int = 0
    new: int = 0  # findings that appeared since the run before
    resolved: int = 0
    changes: list[str] = []  # what changed in the configuration, one line each


HISTORY_RUNS = 30  # runs the state remembers


class Report(_Model):
    schema_version: str = REPORT_SCHEMA_VERSION
    tool: ToolInfo
    generated_at: str
    status: Literal["complete", "incomplete"]
    errors: list[ReportError] = []
    target: ReportTarget
    summary: Summary
    findings: list[Finding] = []
    access_matrix: AccessMatrix = EMPTY_MATRIX
    # Only when --matrix lists fewer cells than the audit judged (absent: every cell).
    access_matrix_scope: ScopeNote | None = Field(default=None, exclude_if=absent)
    group_pairs: list[GroupPair] = []
    changes: RunChanges | None = None
    snapshot_digest: str | None = None
    # The last HISTORY_RUNS runs, oldest first, this one last (only with --state).
    history: list[RunRecord] = Field(default=[], exclude_if=lambda runs: not runs)

    def incomplete_because(self) -> str:
        """Why the report is incomplete, in the words every output format uses."""
        reads = sum(1 for error in self.errors if error.is_read)
        own = [error for error in self.errors if error.service == AUDITOR_SERVICE]
        stages = sum(1 for error in own if error.operation == UNREAD_STAGE)
        unevaluated = sum(1 for error in own if error.operation.startswith(EVALUATE_PREFIX))
        # Anything else of the auditor's own (a baseline or state it could not read, a run of
        # no target): said in its own words, never as a policy it could not evaluate.
        others = [
            error.message
            for error in own
            if error.operation != UNREAD_STAGE and not error.operation.startswith(EVALUATE_PREFIX)
        ]
        why = [f"{reads} AWS read(s) failed"] if reads else []
        if unevaluated:
            why.append(f"{unevaluated} policy document(s) or route(s) could not be evaluated")
        if stages:
            why.append(f"the routes {stages} stage(s) serve are unknown")
        why.extend(others)
        return " and ".join(why) or "the collection is incomplete"

    def unknown_cells(self) -> int:
        """Matrix cells the auditor could not judge (never to be read as denied), also those
        --matrix left out."""
        if self.access_matrix_scope is not None:
            return self.access_matrix_scope.unknown
        return self.access_matrix.verdict_count("unknown")

    def open_by_severity(self) -> dict[str, int]:
        """Findings that count, by severity, most severe first: accepted ones left out (the
        summary's `by_severity` counts every finding listed)."""
        return by_severity(f for f in self.findings if f.counts)

    def new_and_resolved(self) -> tuple[int, int] | None:
        """New and resolved since the previous run, as the history, the alert and the heartbeat
        count them: never an accepted finding. None without a previous run to compare with."""
        if self.history:  # --state: this run's record, acceptance flips included
            last = self.history[-1]
            return last.new, last.resolved
        if self.changes is None:
            return None
        counting = {f.fingerprint for f in self.findings if f.counts}
        new = sum(1 for fingerprint in self.changes.new if fingerprint in counting)
        return new, sum(1 for f in self.changes.resolved if f.counts)

    def worst_severity(self) -> Severity | None:
        """The most severe finding that counts (accepted ones do not: CONTRACT §6.2)."""
        return max(
            (f.severity for f in self.findings if f.counts), key=lambda s: s.rank, default=None
        )

    def with_matrix(self, scope: MatrixScope) -> Report:
        """This report listing only the cells `scope` keeps (`--matrix`), and saying so."""
        if scope == "full":
            return self
        kept = self.access_matrix.scoped(scope)
        judged = self.access_matrix_scope  # scoped before: its count of the judged cells holds
        note = ScopeNote(
            scope=scope,
            cells=len(self.access_matrix) if judged is None else judged.cells,
            listed=len(kept),
            unknown=self.unknown_cells(),
        )
        return self.model_copy(update={"access_matrix": kept, "access_matrix_scope": note})

    def matrix_note(self) -> str | None:
        """What the access matrix leaves out (with --matrix differing or none), in the words
        every output format uses; None when it lists every cell."""
        scope = self.access_matrix_scope
        if scope is None:
            return None
        kept = {
            "differing": "only the cells that are not denied or that the baseline declares",
            "none": "no cell",
        }.get(scope.scope, scope.scope)
        return (
            f"The access matrix lists {scope.listed:,} of the {scope.cells:,} cells the audit "
            f"judged (--matrix {scope.scope}: {kept}); every check saw them all."
        )

    def to_json(self) -> str:
        """The whole JSON text; report/render.py writes it in pieces instead."""
        return "".join(json_chunks(self))
