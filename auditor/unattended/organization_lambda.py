"""The organization runner's three Lambda steps (deploy/organization.yaml, a Step Functions
Distributed Map): `plan_handler` lists the run's targets, `target_handler` audits one,
`aggregate_handler` combines them into one report and one alert.

What each step leaves in the reports bucket (REPORT_BUCKET):

  reports/runs/<run>/targets.json        the planned items (JSON array; the Map's ItemReader)
  reports/runs/<run>/plan.json           {"errors": [...]}: discovery's failures, if any
  reports/runs/<run>/targets/<key>.json  one target's result: {"name", ...§4 report}
  state/<key>.json                       one target's state between runs (<key>: name.region)
  reports/YYYY/MM/DD/<stamp>.<suffix>    the combined report, and reports/latest.<suffix>

The aggregate reads the planned items, not the Map's results: a target whose invocation
failed or timed out has no result object and is reported incomplete, never left out.

Each target's state is saved with its alert pending; the aggregate clears it once the one
combined message got through (kept on a failed delivery, merged into the next run's, as a
single-target run does). No external id or credential is written to the bucket: an item
names its target, and the per-target step reads the rest from the targets file.

Environment (besides the Lambda handler's REPORT_FORMATS, SLACK_*, FAIL_ON, MATRIX,
REPORT_BASE_URL): TARGETS_PATH (a targets file in the package) or TARGETS_S3_URI (one in the
bucket, its baselines beside it); MAX_CONCURRENCY and TOLERATED_FAILURE_PERCENTAGE (handed to
the Map by the plan step).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from auditor import __version__
from auditor.collect.session import AwsClients, AwsOptions
from auditor.commands.options import (
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_INTERNAL,
    EXIT_OK,
    matrix_scope,
)
from auditor.model.combined_report import CombinedReport, TargetReport
from auditor.model.errors import InputError
from auditor.model.findings import Severity
from auditor.model.report import Report, ReportError, ToolInfo
from auditor.model.targets import Target, TargetsFile
from auditor.unattended.aws_lambda import (
    STATE_PREFIX,
    combined_summary,
    put_json,
    read_json,
    report_formats,
    report_keys,
    report_url,
    required_env,
    slack_config,
    targets_file,
)

if TYPE_CHECKING:
    from auditor.report.render import ReportFormat
    from auditor.unattended.history import Compared

log = logging.getLogger(__name__)
log.setLevel(logging.INFO)

RUNS_PREFIX = "reports/runs"
# An execution name (Step Functions: 1-80 of these), used in object keys.
_RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
# What the per-target step says when it left no result (a crash, a timeout, a denied write).
NO_RESULT = "the per-target run left no result (it failed or timed out; see the state machine)"


# --- plan ----------------------------------------------------------------------------------


def plan_handler(event: Mapping[str, Any] | None, context: Any) -> dict[str, Any]:
    """The targets file read and the organization discovered: the items written to S3 for
    the Map; returns where they are and how the Map runs them."""
    from auditor.collect.organizations import discover_accounts

    env = os.environ
    run_id = _run_id(event)
    bucket = required_env(env, "REPORT_BUCKET")
    concurrency = _bounded_int(env, "MAX_CONCURRENCY", 40, 1, 10_000)
    tolerated = _bounded_int(env, "TOLERATED_FAILURE_PERCENTAGE", 10, 0, 100)
    clients = AwsClients(AwsOptions(region=env.get("AWS_REGION") or None))
    s3 = clients.client("s3")
    loaded = targets_file(s3, env, run_id)
    errors: list[ReportError] = []
    accounts: list[str] = []
    if loaded.organization is not None:
        discovery = discover_accounts(loaded.organization, AwsOptions(region=clients.region))
        accounts = discovery.accounts
        errors = [ReportError.of(error) for error in discovery.errors]
    targets = loaded.expand(accounts)
    items = [_item(target) for target in targets]
    items_key = f"{RUNS_PREFIX}/{run_id}/targets.json"
    put_json(s3, bucket, f"{RUNS_PREFIX}/{run_id}/plan.json", {"errors": _dumps(errors)})
    put_json(s3, bucket, items_key, items)
    log.info("plan %s: %d targets, %d discovery errors", run_id, len(items), len(errors))
    return {
        "run_id": run_id,
        "bucket": bucket,
        "items_key": items_key,
        "targets": len(items),
        "max_concurrency": concurrency,
        "tolerated_failure_percentage": tolerated,
    }


def _item(target: Target) -> dict[str, Any]:
    """What the Map hands one per-target invocation: who the target is, no credentials."""
    return {
        "key": target.key,
        "name": target.name,
        "account_id": target.account_id,
        "region": target.region,
        "discovered": target.discovered,
    }


# --- one target ----------------------------------------------------------------------------


def target_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """One target, run as `run --targets` runs each (commands/many_target.run_target): its
    result written to the run's folder, its state saved with its alert pending. Returns a
    small summary (the Map's result; the aggregate reads the objects, not this)."""
    from auditor.collect.limits import RateLimiter
    from auditor.commands.many_target import TargetRun, run_target
    from auditor.model.accepted import today_utc

    env = os.environ
    run_id = _run_id(event)
    item = _target_item(event)
    bucket = required_env(env, "REPORT_BUCKET")
    fail_on = Severity.parse(env.get("FAIL_ON", "low"), "FAIL_ON")
    matrix = matrix_scope(env.get("MATRIX", "full"), "MATRIX")
    own = AwsOptions(region=env.get("AWS_REGION") or None, retry_mode="adaptive")
    s3 = AwsClients(own).client("s3")
    target = _find_target(targets_file(s3, env, run_id), item)
    # The limiter paces this target's own reads; invocations of one account in several
    # regions are paced by botocore's adaptive retries (each Lambda is its own process).
    # The target's region is the file's or its baseline's, never the Lambda's own; the
    # Lambda's region is where the state bucket is.
    run = TargetRun(
        aws=replace(own, region=None),
        limiter=RateLimiter(),
        state=f"s3://{bucket}/{STATE_PREFIX}/",
        today=today_utc(),
        state_region=own.region,
    )
    outcome = run_target(target, run)
    entry = TargetReport(name=target.name, report=outcome.report.with_matrix(matrix))
    # The result first, then the state (as every run publishes before it saves): a state
    # never says "seen" of a run whose report is lost.
    put_json(s3, bucket, result_key(run_id, target), entry.to_json_data())
    pending = None
    compared = outcome.compared
    if compared is not None and compared.state is not None and compared.store is not None:
        # Owed until the aggregate's one message gets through (it clears it then).
        pending = compared.alert if compared.alert.new or compared.alert.resolved else None
        compared.store.save(compared.state.model_copy(update={"pending_alert": pending}))
    code = EXIT_INTERNAL if outcome.bug else _exit_code(outcome.report, fail_on)
    if outcome.bug:
        from auditor.model.redact import scrub

        log.error("target %s: internal error\n%s", target.key, scrub(outcome.bug))
    log.info("target %s: %s, exit %d", target.key, outcome.report.status, code)
    return {
        "key": target.key,
        "name": target.name,
        "status": outcome.report.status,
        "exit_code": code,
        "findings": outcome.report.summary.open,
        "new": len(pending.new) if pending else 0,
        "resolved": len(pending.resolved) if pending else 0,
    }


# --- aggregate -----------------------------------------------------------------------------


def aggregate_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Every planned target's result (incomplete where there is none), then the finish of
    `run --targets` (unattended/history.finish_many): ONE Slack alert, the combined report
    in each REPORT_FORMATS, then each target's state saved with its alert cleared when the
    message got through, kept when it did not."""
    from auditor.commands.options import SlackOptions
    from auditor.unattended.history import finish_many

    env = os.environ
    run_id = _run_id(event)
    bucket = required_env(env, "REPORT_BUCKET")
    fail_on = Severity.parse(env.get("FAIL_ON", "low"), "FAIL_ON")
    formats = report_formats(env.get("REPORT_FORMATS", "json,html"))
    clients = AwsClients(AwsOptions(region=env.get("AWS_REGION") or None))
    s3 = clients.client("s3")
    slack = slack_config(clients, env)
    items_at = f"{RUNS_PREFIX}/{run_id}/targets.json"
    items = read_json(s3, bucket, items_at)
    if not isinstance(items, list):
        raise InputError(f"s3://{bucket}/{items_at}", None, "no plan for this run")
    plan = read_json(s3, bucket, f"{RUNS_PREFIX}/{run_id}/plan.json") or {}
    run_errors = [ReportError.model_validate(error) for error in plan.get("errors", [])]
    now = datetime.now(UTC)
    keys = report_keys(formats, now)
    url = report_url(env, bucket, keys.get("html", keys[formats[0]]), clients.region)

    entries = _in_parallel(lambda item: _result(s3, bucket, run_id, item), items)
    combined: list[CombinedReport] = []

    def publish(reports: list[Report]) -> None:
        final = [e.model_copy(update={"report": r}) for e, r in zip(entries, reports, strict=True)]
        combined.append(_publish(s3, bucket, final, run_errors, formats, keys, now, env))

    slack_options = SlackOptions(
        enabled=slack is not None,
        config=slack,
        always=env.get("SLACK_ALWAYS", "").lower() == "true",
    )
    # Every planned target reaches the one alert, audited or not; published before the
    # states are saved, as every run does.
    compared, unsaved = _compared(bucket, items, entries, clients.region)
    finished = finish_many(compared, slack_options, url, publish)
    for name, error in finished.unsaved:
        log.error("target %s: %s", name, error)
        unsaved.append(name)
    report = combined[-1]
    code = combined_exit_code(report, fail_on)
    if unsaved and code != EXIT_INTERNAL:
        # As `run --targets` (commands/many.py): the report is out, these targets' tracking
        # is not (their next run compares with an older state): incomplete, not clean.
        code = EXIT_INCOMPLETE
    log.info("organization run %s: %s, exit %d", run_id, report.status, code)
    return combined_summary(report, code, keys, bucket)


def _result(s3: Any, bucket: str, run_id: str, item: Mapping[str, Any]) -> TargetReport:
    """A target's result as its step wrote it; without one, that target incomplete."""
    from auditor.commands.many_target import TargetRun, failed_report

    data = read_json(s3, bucket, result_key(run_id, _item_target(item)))
    if isinstance(data, dict):
        return TargetReport.from_json_data(data)
    error = ReportError(service="lambda", operation="Invoke", message=NO_RESULT)
    missing = _item_target(item)
    run = TargetRun(aws=AwsOptions(), limiter=None, state=None)
    return TargetReport(name=missing.name, report=failed_report(missing, run, [error]))


def _compared(
    bucket: str, items: list[Mapping[str, Any]], entries: list[TargetReport], region: str
) -> tuple[list[tuple[str, Compared]], list[str]]:
    """(name in the alert, what finish_many needs) of every planned target, and the names of
    those audited whose step did not save their state (it failed or timed out after writing
    its result). One audited has the state its step saved (this run last in its history, its
    alert pending); one never audited (no result, AssumeRole denied, ...) or not saved its
    previous state, this run to be recorded in it as incomplete."""
    from auditor.commands.many_target import READ_STATE, display_name
    from auditor.model.errors import AuditorError
    from auditor.model.state import PendingAlert
    from auditor.unattended.history import Compared, not_audited
    from auditor.unattended.stores import S3StateStore

    counts: dict[str, int] = {}
    for item in items:
        counts[str(item["name"])] = counts.get(str(item["name"]), 0) + 1
    several = {name for name, count in counts.items() if count > 1}

    def one(pair: tuple[Mapping[str, Any], TargetReport]) -> tuple[str, Compared, bool]:
        """(name, what finish_many needs, whether its step left its state unsaved)."""
        item, entry = pair
        target = _item_target(item)
        name = display_name(target, several)
        report = entry.report
        if any(e.operation == READ_STATE for e in report.errors):
            # Its state is unreadable or another target's: left as it is.
            return name, not_audited(report, None, None), False
        store = S3StateStore(bucket, state_key(target), AwsOptions(region=region))
        try:
            state = store.load()
        except AuditorError:
            return name, not_audited(report, None, None), False
        ran = report.history[-1].at if report.history else None
        if state is not None and state.history and state.history[-1].at == ran:
            # Saved by this run's step: audited, its alert pending.
            owed = state.pending_alert or PendingAlert(created_at=state.updated_at)
            return name, Compared(report, state, owed, store), False
        if ran is not None:
            # Compared by its step (the report has its history) but never saved.
            log.error("target %s: its step did not save its state %s", name, store.location)
        return name, not_audited(report, state, store), ran is not None

    done = _in_parallel(one, list(zip(items, entries, strict=True)))
    compared = [(name, entry) for name, entry, _ in done]
    return compared, [name for name, _, unsaved in done if unsaved]


# Reads of the aggregate at once: one per target (its result, then its state) would be
# 20k sequential S3 calls for 10k targets, most of the Lambda's 900 s; botocore's default
# pool of 10 connections per client is the bound that matters.
AGGREGATE_READERS = 10
_T = TypeVar("_T")
_R = TypeVar("_R")


def _in_parallel(work: Callable[[_T], _R], inputs: list[_T]) -> list[_R]:
    """`work` over `inputs` in threads, results in order (S3 reads: I/O, not the CPU)."""
    from concurrent.futures import ThreadPoolExecutor

    if len(inputs) < 2:
        return [work(one) for one in inputs]
    with ThreadPoolExecutor(max_workers=AGGREGATE_READERS) as pool:
        return list(pool.map(work, inputs))


def _publish(
    s3: Any,
    bucket: str,
    entries: list[TargetReport],
    run_errors: list[ReportError],
    formats: list[ReportFormat],
    keys: dict[str, str],
    now: datetime,
    env: Mapping[str, str],
) -> CombinedReport:
    from auditor.commands.outputs import CONTENT_TYPES
    from auditor.report.combined_machine import RUN_KEY
    from auditor.report.render import render

    # SARIF shows each result on a file: the targets file (the aggregate does not read it,
    # nor the baselines beside it), as the package or the bucket names it.
    listed = env.get("TARGETS_PATH") or env.get("TARGETS_S3_URI", "targets.yaml")
    baselines = {RUN_KEY: Path(PurePosixPath(listed).name if "://" in listed else listed)}

    combined = CombinedReport.of(
        entries,
        tool=ToolInfo(version=__version__),
        generated_at=now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        errors=run_errors,
    )
    for fmt in formats:
        body = render(combined, fmt, baselines=baselines).encode()
        for key in (keys[fmt], keys[f"latest_{fmt}"]):
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=CONTENT_TYPES[fmt])
    return combined


def _item_target(item: Mapping[str, Any]) -> Target:
    """Who an item names (no baseline or credentials: enough to name it in a report)."""
    return Target(
        name=str(item["name"]),
        baseline=Path(),
        region=item.get("region"),
        account_id=item.get("account_id"),
        discovered=bool(item.get("discovered")),
    )


# --- shared --------------------------------------------------------------------------------


def state_key(target: Target) -> str:
    """A target's state in the bucket: where `run --targets --state s3://<bucket>/state/`
    keeps it (commands/many_target.state_for), so both runners share the states."""
    from auditor.commands.many_target import state_for

    return state_for(STATE_PREFIX, target)


def result_key(run_id: str, target: Target) -> str:
    from auditor.commands.many_target import state_for

    return state_for(f"{RUNS_PREFIX}/{run_id}/targets", target)


def combined_exit_code(combined: CombinedReport, fail_on: Severity | None) -> int:
    """CONTRACT §6.4: 3 if any target (or discovery) is incomplete, else 1 if any target has
    a counted finding at or above `fail_on`, else 0 (4 first: a bug in one target)."""
    from auditor.commands.many_target import INTERNAL
    from auditor.model.report import AUDITOR_SERVICE

    bug = [e for t in combined.targets for e in t.report.errors if e.operation == INTERNAL]
    if any(error.service == AUDITOR_SERVICE for error in bug):
        return EXIT_INTERNAL  # a bug of the auditor in one target, as `run --targets` says
    if combined.status == "incomplete":
        return EXIT_INCOMPLETE
    codes = [_exit_code(entry.report, fail_on) for entry in combined.targets]
    return EXIT_FINDINGS if EXIT_FINDINGS in codes else EXIT_OK


def _exit_code(report: Report, fail_on: Severity | None) -> int:
    from auditor.commands.run import exit_code

    return exit_code(report, fail_on)


def _find_target(loaded: TargetsFile, item: Mapping[str, Any]) -> Target:
    """The item's target as the targets file says it (credentials included), now."""
    key = str(item["key"])
    candidates: list[Target] = list(loaded.listed)
    if item.get("discovered") and item.get("account_id"):
        candidates = loaded.expand([str(item["account_id"])])
    for target in candidates:
        if target.key == key:
            return target
    raise InputError("targets file", None, f"no target {key!r} (changed since the plan?)")


def _run_id(event: Mapping[str, Any] | None) -> str:
    run_id = str((event or {}).get("run_id", ""))
    if not _RUN_ID.fullmatch(run_id):
        raise InputError("event", "run_id", "expected 1-80 letters, digits, '-' or '_'")
    return run_id


def _target_item(event: Mapping[str, Any]) -> Mapping[str, Any]:
    item = event.get("target")
    if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
        raise InputError("event", "target", "expected the plan's item with a 'key'")
    return item


def _bounded_int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise InputError(name, None, f"{raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise InputError(name, None, f"{value} is not between {low} and {high}")
    return value


def _dumps(errors: list[ReportError]) -> list[dict[str, Any]]:
    return [error.model_dump() for error in errors]
