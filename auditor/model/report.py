"""The audit report (CONTRACT §4): the one structure every output format renders."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.model.findings import Finding, Severity

REPORT_SCHEMA_VERSION = "1"

# "unknown": the auditor cannot judge the route for this persona (never read as denied).
Verdict = Literal["allowed", "partial", "denied", "unknown"]
# ReportError.service of a problem of the auditor's own judgement, not of an AWS read.
AUDITOR_SERVICE = "auditor"
# Its operation for an audited stage whose served routes are unknown though no failed read
# says why (a hand-edited snapshot, a library call): a stage, not a document or a route.
UNREAD_STAGE = "ReadStage"
# ReportError.service of an alert that could not be delivered (with --slack): no read failed.
SLACK_SERVICE = "slack"


def _absent(value: object) -> bool:
    """Fields that appear only where they say something (CONTRACT §6.1: `app_client` only
    where a persona's sign-in paths disagree)."""
    return value is None


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class ToolInfo(_Model):
    name: str = "cognito-route-auditor"
    version: str


class ReportError(_Model):
    service: str
    operation: str
    message: str

    @property
    def is_read(self) -> bool:
        """A failed AWS read, rather than something the auditor could not evaluate or an alert
        it could not deliver."""
        return self.service not in (AUDITOR_SERVICE, SLACK_SERVICE)


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
    findings: int
    by_severity: dict[str, int]

    @classmethod
    def of(cls, findings: list[Finding]) -> Summary:
        counts = {s.value: 0 for s in Severity}
        for finding in findings:
            counts[finding.severity.value] += 1
        return cls(findings=len(findings), by_severity=counts)


class MatrixCell(_Model):
    """One persona x live route. The first six fields are the contract; the rest explain."""

    persona: str
    role_arn: str | None
    api_id: str
    stage: str
    route: str  # "GET /items/{id}" or "$default"
    verdict: Verdict
    authorization_type: str  # a cell is governed by IAM only when this is AWS_IAM
    expected: bool  # the baseline declares this route for this persona
    # Tuples: half a million cells, mostly with nothing to list, share the empty tuple.
    reasons: tuple[str, ...] = ()
    allowing: tuple[str, ...] = ()  # statements, e.g. "app-admin-policy#0 (Sid Admin)"
    denying: tuple[str, ...] = ()
    witness_allowed: str | None = None
    witness_denied: str | None = None
    app_client: str | None = Field(default=None, exclude_if=_absent)  # see Resolution

    @classmethod
    def trusted(cls, values: dict[str, Any]) -> MatrixCell:
        """A cell from values the audit has already typed, without validating them again:
        the audit builds half a million cells or more, and validation (and even a call with
        fourteen keyword arguments) was most of their cost. `values` holds every field, of
        its declared type, in declaration order (the JSON's order): audit/matrix.py's
        report_cells, the one caller, writes them so. tests/audit/test_matrix_cells.py checks
        that the result cannot be told from a validated cell, so a pydantic upgrade that
        changes the model's internals fails there."""
        cell = object.__new__(cls)
        object.__setattr__(cell, "__dict__", values)
        # One shared set of explicitly set fields: a set per cell was half of a cell's memory.
        object.__setattr__(cell, "__pydantic_fields_set__", _EVERY_CELL_FIELD)
        object.__setattr__(cell, "__pydantic_extra__", None)
        object.__setattr__(cell, "__pydantic_private__", None)
        return cell

    @property
    def iam_governed(self) -> bool:
        return self.authorization_type == "AWS_IAM"

    @property
    def differs_from_baseline(self) -> bool:
        """Unknown is neither: whether it differs cannot be said (the report is incomplete)."""
        if self.verdict == "unknown":
            return False
        reachable = self.verdict != "denied"
        return (self.expected and self.verdict != "allowed") or (not self.expected and reachable)


_EVERY_CELL_FIELD = set(MatrixCell.model_fields)


class GroupPair(_Model):
    """What a member of two groups gets: the precedence tie-break, made explicit, and every
    role a member can obtain (CustomRoleArn under Token mapping)."""

    groups: tuple[str, str]
    role_arn: str | None
    outcome: Literal["winner", "same-role", "ambiguous"]
    detail: str
    obtainable_roles: tuple[str, ...] = ()
    app_client: str | None = Field(default=None, exclude_if=_absent)


class RunChanges(_Model):
    """Findings compared with the previous run (only with --state)."""

    new: list[str] = []  # fingerprints
    still_open: list[str] = []
    resolved: list[Finding] = []
    previous_snapshot_digest: str | None = None


class Report(_Model):
    schema_version: str = REPORT_SCHEMA_VERSION
    tool: ToolInfo
    generated_at: str
    status: Literal["complete", "incomplete"]
    errors: list[ReportError] = []
    target: ReportTarget
    summary: Summary
    findings: list[Finding] = []
    access_matrix: list[MatrixCell] = []
    group_pairs: list[GroupPair] = []
    changes: RunChanges | None = None
    snapshot_digest: str | None = None

    def incomplete_because(self) -> str:
        """Why the report is incomplete, in the words every output format uses."""
        reads = sum(1 for error in self.errors if error.is_read)
        own = [error.operation for error in self.errors if error.service == AUDITOR_SERVICE]
        stages = own.count(UNREAD_STAGE)
        unevaluated = len(own) - stages
        why = [f"{reads} AWS read(s) failed"] if reads else []
        if unevaluated:
            why.append(f"{unevaluated} policy document(s) or route(s) could not be evaluated")
        if stages:
            why.append(f"the routes {stages} stage(s) serve are unknown")
        return " and ".join(why) or "the collection is incomplete"

    def unknown_cells(self) -> int:
        """Matrix cells the auditor could not judge (never to be read as denied)."""
        return sum(1 for cell in self.access_matrix if cell.verdict == "unknown")

    def worst_severity(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"
