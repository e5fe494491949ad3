"""One target of a run of many (CONTRACT §6.4): collect, check the account, audit, compare with
its state; any failure of its own becomes its incomplete report, never the run's.

Runs in a worker thread of commands/many.py: nothing here prints or writes (the run publishes
every report together, then saves every state).
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from auditor import __version__
from auditor.checks.run import audit
from auditor.collect import AwsOptions, collect_snapshot
from auditor.commands.run import aws_for, target_of
from auditor.model.accepted import today_utc
from auditor.model.baseline import Baseline
from auditor.model.baseline_file import load_baseline
from auditor.model.errors import AuditorError, InputError
from auditor.model.report import (
    AUDITOR_SERVICE,
    Report,
    ReportError,
    ReportTarget,
    Summary,
    ToolInfo,
)
from auditor.model.snapshot import Snapshot
from auditor.model.state import ConfigChange
from auditor.model.targets import Target

if TYPE_CHECKING:
    from auditor.collect.session import RequestLimiter
    from auditor.unattended.history import Compared

READ_BASELINE = "ReadBaseline"  # a discovered target's baseline file is missing or bad
READ_STATE = "ReadState"  # its state cannot be read, or is another target's
UNKNOWN_REGION = "unknown"  # a failed target's report when nothing names its region
INTERNAL = "internal error"  # a bug in the auditor: the run exits 4 (see TargetOutcome.bug)


@dataclass(frozen=True)
class TargetRun:
    """What every target of one run shares: the run's AWS options (endpoint, retries, its
    own credentials for the state bucket), the rate limiter and --state."""

    aws: AwsOptions
    limiter: RequestLimiter | None
    state: str | None  # --state as given: a folder, s3://bucket/prefix, or a {key} template
    today: date | None = None  # the run's day: one for every target, even across midnight
    # Where audits run: a process pool (CPU beside the threads' I/O; commands/many.py
    # decides), or None: in the target's own thread.
    audits: Executor | None = None
    state_region: str | None = None  # the run's own region (a Lambda's), for an S3 state
    # The baselines the targets file's check already read and validated (by path); a
    # target's baseline not among them is read then.
    baselines: Mapping[Path, Baseline] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetOutcome:
    target: Target
    report: Report
    compared: Compared | None = None  # with --state or --slack: what the finish needs
    baseline: Baseline | None = None  # read: its accepted entries are reviewed after the run
    bug: str | None = None  # the traceback of an unexpected exception (exit 4)


def target_aws(target: Target, run: TargetRun) -> AwsOptions:
    """The target's own session: its region, profile and role, the run's endpoint and retry
    policy, and the shared limiter keyed by the account it reads."""
    account = target.account_id or _role_account(target.role_arn) or target.profile or "default"
    return replace(
        run.aws,
        region=target.region or run.aws.region,
        profile=target.profile or run.aws.profile,
        role_arn=target.role_arn,
        external_id=target.external_id,
        limiter=run.limiter,
        account=account,
        progress=None,  # many targets at once: the run's progress counts targets, not pages
    )


def _role_account(role_arn: str | None) -> str | None:
    parts = role_arn.split(":") if role_arn else []
    return parts[4] if len(parts) > 5 and parts[4] else None


STATE_FIELDS = ("name", "key", "account_id", "region")  # what --state may hold, in braces


def is_state_template(state: str) -> bool:
    """--state names each target's file itself (state_for substitutes), not a folder."""
    return any(f"{{{name}}}" in state for name in STATE_FIELDS)


def state_for(state: str, target: Target) -> str:
    """Where `target` keeps its state (CONTRACT §6.4): `{name}`, `{key}`, `{account_id}` and
    `{region}` substituted when the value holds one, else `<state>/<key, '@' as '.'>.json`."""
    fields = {
        "name": target.name,
        "key": target.key.replace("@", "."),
        "account_id": target.account_id or "",
        "region": target.region or "",
    }
    if is_state_template(state):
        for name in STATE_FIELDS:
            state = state.replace(f"{{{name}}}", fields[name])
        return state
    return f"{state.rstrip('/')}/{fields['key']}.json"


def run_target(target: Target, run: TargetRun) -> TargetOutcome:
    """The target's report, complete or not; never raises but for KeyboardInterrupt and
    SystemExit (a person stopping the run stops it all)."""
    try:
        baseline = run.baselines.get(target.baseline) or load_baseline(target.baseline)
    except AuditorError as exc:
        error = ReportError(service=AUDITOR_SERVICE, operation=READ_BASELINE, message=str(exc))
        return TargetOutcome(target, failed_report(target, run, [error]))
    try:
        return _run(target, run, baseline)
    except Exception as exc:  # each target's failure is its own report
        bug = None if _expected(exc) else traceback.format_exc()
        # The baseline's region still says where the target is (a missing pool's is known).
        report = failed_report(target, run, [error_of(exc)], baseline)
        return TargetOutcome(target, report, bug=bug)


def _run(target: Target, run: TargetRun, baseline: Baseline) -> TargetOutcome:
    aws = aws_for(baseline, target_aws(target, run))
    snapshot = collect_snapshot(target_of(baseline), aws)
    wrong = _wrong_account(target, snapshot)
    if wrong is not None:  # never audit another account than the file names, silently
        report = failed_report(target, run, [wrong], baseline)
        return TargetOutcome(target, report, baseline=baseline)
    today = run.today or today_utc()
    if run.state is None:
        report = _named_account(_audit(run, snapshot, baseline, None, today), target)
        return TargetOutcome(target, report, baseline=baseline)
    from auditor.unattended.history import compare_with_previous

    try:
        compared = compare_with_previous(
            snapshot,
            lambda change: _named_account(_audit(run, snapshot, baseline, change, today), target),
            state=state_for(run.state, target),
            aws=_state_aws(run, snapshot.region),
        )
    except InputError as exc:
        error = ReportError(service=AUDITOR_SERVICE, operation=READ_STATE, message=str(exc))
        report = failed_report(target, run, [error], baseline)
        return TargetOutcome(target, report, baseline=baseline)
    return TargetOutcome(target, compared.report, compared, baseline=baseline)


def _state_aws(run: TargetRun, target_region: str | None) -> AwsOptions:
    """The state is the run's, kept with the run's own credentials, not the target's role:
    in --region, else the run's own (a Lambda's), else the region the target is audited in."""
    region = run.aws.region or run.state_region or target_region
    return replace(run.aws, region=region, progress=None)


def not_audited(outcome: TargetOutcome, run: TargetRun) -> Compared:
    """What the finish needs of a target without a comparison: one audited with --slack and
    no --state; or one never audited, with its previous state (when one can be read, where
    an audited target's is) to record this run in its history."""
    from auditor.unattended.history import not_audited as never_audited
    from auditor.unattended.history import without_state
    from auditor.unattended.stores import open_store

    if run.state is None:
        # Without --state a target audited has no comparison yet (_run skips it).
        audited = outcome.report.snapshot_digest is not None
        return (
            without_state(outcome.report) if audited else never_audited(outcome.report, None, None)
        )
    if any(error.operation == READ_STATE for error in outcome.report.errors):
        return never_audited(outcome.report, None, None)  # unreadable or another's: left alone
    region = outcome.report.target.region  # the target's, as an audited one's snapshot says
    where = _state_aws(run, None if region == UNKNOWN_REGION else region)
    try:
        store = open_store(state_for(run.state, outcome.target), where)
        previous = store.load()
    except AuditorError:  # unreadable, or another target's (its own error says so): untouched
        return never_audited(outcome.report, None, None)
    return never_audited(outcome.report, previous, store)


def _audit(
    run: TargetRun, snapshot: Snapshot, baseline: Baseline, change: ConfigChange | None, today: date
) -> Report:
    """The audit, in the run's process pool when it has one: the inputs and the report are
    pydantic models and dataclasses, pickled there and back (about 10-25 ms a target)."""
    if run.audits is None:
        return audit(snapshot, baseline, change, today=today)
    return run.audits.submit(audit, snapshot, baseline, change, today=today).result()


def _named_account(report: Report, target: Target) -> Report:
    """A report whose credentials never reached the account (AssumeRole denied) still says
    which account it is of: the one the file names."""
    if report.target.account_id is not None or target.account_id is None:
        return report
    where = report.target.model_copy(update={"account_id": target.account_id})
    return report.model_copy(update={"target": where})


def _wrong_account(target: Target, snapshot: Snapshot) -> ReportError | None:
    if target.account_id is None or snapshot.account_id in (None, target.account_id):
        return None  # unknown (GetCallerIdentity failed: already an error) or the right one
    return ReportError(
        service="sts",
        operation="GetCallerIdentity",
        message=f"the credentials are for account {snapshot.account_id}, "
        f"the target is account {target.account_id}: not audited",
    )


def _expected(exc: Exception) -> bool:
    """A failure of the target, not of the auditor: bad input, a missing pool, AWS or the
    network refusing."""
    from auditor.collect.failures import is_aws_failure

    return isinstance(exc, AuditorError) or is_aws_failure(exc)


def error_of(exc: Exception) -> ReportError:
    """The failed call as the target's report lists it."""
    from auditor.collect.failures import aws_error

    error = aws_error(exc)
    if error is not None:
        return error
    if isinstance(exc, AuditorError):
        return ReportError(service=AUDITOR_SERVICE, operation=type(exc).__name__, message=str(exc))
    return ReportError(service=AUDITOR_SERVICE, operation=INTERNAL, message=repr(exc))


def failed_report(
    target: Target, run: TargetRun, errors: list[ReportError], baseline: Baseline | None = None
) -> Report:
    """A target's report when it never got audited: incomplete, its failed call in `errors`,
    nothing else claimed (no finding, an empty matrix: absence is not proof of no drift)."""
    region = target.region or run.aws.region or (baseline.region if baseline else None)
    return Report(
        tool=ToolInfo(version=__version__),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        status="incomplete",
        errors=errors,
        target=ReportTarget(account_id=target.account_id, region=region or UNKNOWN_REGION),
        summary=Summary.of([]),
    )


def display_name(target: Target, names_with_regions: set[str]) -> str:
    """The name a person reads: with its region when the name stands for several."""
    return target.key if target.name in names_with_regions else target.name
