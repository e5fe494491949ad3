"""`auditor run --targets FILE` (CONTRACT §6.4): many (account, region, baseline) targets in one
run, collected concurrently, each audited as `run` would, one combined report, one alert.

Order: the targets file and every baseline it lists are read and checked (exit 2 before any
AWS call), the organization's accounts discovered, then every target runs in a bounded pool of
threads (collection is I/O: waiting on AWS). Each target's failure is its own incomplete
report (commands/many_target.py); a bug of the auditor in one target lets the others finish,
then exits 4 naming it. The reports are published together, then each state is saved.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from auditor import __version__
from auditor.commands.console import failure, notice, warning
from auditor.commands.many_pool import audit_pool
from auditor.commands.many_target import (
    TargetOutcome,
    TargetRun,
    display_name,
    not_audited,
    run_target,
)
from auditor.commands.options import (
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_INTERNAL,
    EXIT_OK,
    ReportOutput,
    SlackOptions,
    fail_on_level,
    matrix_scope,
    report_outputs,
    slack_options,
)
from auditor.commands.run import exit_code
from auditor.model.access_matrix import MatrixScope
from auditor.model.combined_report import CombinedReport, TargetReport
from auditor.model.errors import InputError
from auditor.model.findings import Severity
from auditor.model.report import Report, ReportError, ToolInfo
from auditor.model.targets import Target

if TYPE_CHECKING:
    from auditor.collect import AwsOptions
    from auditor.collect.session import AwsClients
    from auditor.report.render import ReportFormat

DEFAULT_WORKERS = 16  # targets read at once: each mostly waits on AWS
MAX_WORKERS = 64


@dataclass(frozen=True)
class ManyOptions:
    targets: Path
    aws: AwsOptions  # the run's own: endpoint, retries, --region and --profile as defaults
    outputs: tuple[ReportOutput, ...] = ()
    format: ReportFormat = "json"
    fail_on: Severity | None = Severity.LOW
    state: str | None = None  # a folder, s3://bucket/prefix, or a path with {key} and kin
    slack: SlackOptions = field(default_factory=SlackOptions)
    report_url: str | None = None
    matrix: MatrixScope = "full"
    workers: int = DEFAULT_WORKERS
    # The run's own region (a Lambda's): where its S3 report and state are, never a target's
    # (a target without a region in the file is audited in its baseline's).
    home_region: str | None = None
    output_region: str | None = None  # the S3 report's client: set by execute_many


@dataclass(frozen=True)
class ManyOutcome:
    report: CombinedReport  # every cell, whatever --matrix lists
    exit_code: int
    outcomes: list[TargetOutcome]


def many_options(
    *,
    targets: str,
    aws: AwsOptions,
    fmt: str | None = None,
    outputs: list[str] | None = None,
    fail_on: str = "low",
    state: str | None = None,
    slack: bool = False,
    slack_always: bool = False,
    terminal: bool = False,
    matrix: str = "full",
    workers: int = DEFAULT_WORKERS,
) -> ManyOptions:
    """Every option of `run --targets` checked before the targets file is read."""
    from auditor.commands.many_checks import state_folder
    from auditor.commands.paths import input_file

    targets_path = input_file(targets, "--targets")
    if not 1 <= workers <= MAX_WORKERS:
        raise InputError("--workers", None, f"must be from 1 to {MAX_WORKERS}")
    state_at = state_folder(state)
    keep: dict[str, Path | None] = {"--targets": targets_path}
    written, stdout_format = report_outputs(outputs or [], fmt, terminal=terminal, keep=keep)
    return ManyOptions(
        targets=targets_path,
        aws=aws,
        outputs=written,
        format=stdout_format,
        fail_on=fail_on_level(fail_on),
        state=state_at,
        slack=slack_options(slack, slack_always),
        matrix=matrix_scope(matrix),
        workers=workers,
    )


def execute_many(options: ManyOptions, *, stdout: bool = False, color: bool = False) -> ManyOutcome:
    """The whole run; with `stdout` (the CLI) a report without -o is printed."""
    from auditor.collect.limits import RateLimiter
    from auditor.collect.session import known_profiles
    from auditor.commands.many_checks import (
        nothing_discovered,
        output_region,
        refuse_overwriting_baselines,
        refuse_shared_states,
    )
    from auditor.commands.many_progress import targets_progress
    from auditor.model.accepted import today_utc
    from auditor.model.targets_file import load_targets

    targets_file = load_targets(
        options.targets,
        region=options.aws.region,
        profile=options.aws.profile,
        home_region=options.home_region,
        known_profiles=known_profiles,
    )
    refuse_overwriting_baselines(options.outputs, targets_file.baselines.keys())
    home = options.aws.region or options.home_region
    options = replace(options, output_region=output_region(options.outputs, home, targets_file))
    run_aws = replace(options.aws, progress=None)  # per-call progress: off with --targets
    limiter = RateLimiter()  # one for the run: targets in one account share its quotas
    run_errors: list[ReportError] = []
    accounts: list[str] = []
    if targets_file.organization is not None:
        from auditor.collect.organizations import discover_accounts

        discovery = discover_accounts(
            targets_file.organization, replace(run_aws, limiter=limiter, account="organization")
        )
        accounts = discovery.accounts
        run_errors = [ReportError.of(error) for error in discovery.errors]
        if not accounts and not run_errors:
            run_errors.append(nothing_discovered(targets_file.organization))
    targets = targets_file.expand(accounts)
    refuse_shared_states(targets, options.state)
    audits = audit_pool(len(targets))
    run = TargetRun(
        aws=run_aws,
        limiter=limiter,
        state=options.state,
        today=today_utc(),
        audits=audits,
        state_region=options.home_region,
        baselines=targets_file.baselines,
    )
    progress = targets_progress(len(targets), color=color)
    outcomes: list[TargetOutcome] = []
    try:
        outcomes = _run_all(
            targets, run, options.workers, progress.done if progress else None, limiter.stop
        )
    finally:
        if progress is not None:
            progress.close()
        if audits is not None:
            audits.shutdown(cancel_futures=True)
    unsaved: list[str] = []  # targets whose state could not be saved (named on stderr)
    reports = _finish(
        outcomes, options, run, run_errors, stdout=stdout, color=color, unsaved=unsaved
    )
    combined = _combine(outcomes, reports, run_errors)
    _print_failures(outcomes, reports, run_errors)
    _review_acceptance(outcomes, reports, run.today)
    code = _exit_code(combined, reports, outcomes, options.fail_on)
    if unsaved and code != EXIT_INTERNAL:
        # The report is out, but these targets' tracking is not: their next run would
        # compare with an older state. Incomplete (3), as an unread target is, not a bad
        # input (2): the up-front checks passed and the others' states were saved.
        code = EXIT_INCOMPLETE
    if options.outputs:
        from auditor.commands.outputs import summary_line

        notice(summary_line(combined, options.outputs))
    return ManyOutcome(combined, code, outcomes)


def _run_all(
    targets: Sequence[Target],
    run: TargetRun,
    workers: int,
    done: Callable[[TargetOutcome], None] | None,
    stop: Callable[[], None] | None = None,
) -> list[TargetOutcome]:
    """Every target, at most `workers` at once; outcomes in the targets' order.

    Ctrl-C: `stop` makes each running target raise at its next AWS call, the targets not
    started are dropped, and none is waited for (one blocked in a read may take max_attempts
    x its timeout): the interrupt goes on to the guard (exit 130; cli.main leaves at once)."""
    if not targets:
        return []
    pool = ThreadPoolExecutor(max_workers=min(workers, len(targets)))
    try:
        futures = [pool.submit(_run_one, target, run) for target in targets]
        if done is not None:
            for future in futures:
                future.add_done_callback(partial(_counted, done))
        outcomes = [future.result() for future in futures]
    except BaseException:
        if stop is not None:
            stop()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return outcomes


def _run_one(target: Target, run: TargetRun) -> TargetOutcome:
    """One target in its worker; with --state, one never audited has its previous state read
    there too (to record this run in its history), not one after another once all are done."""
    outcome = run_target(target, run)
    if run.state is not None and outcome.compared is None:
        return replace(outcome, compared=not_audited(outcome, run))
    return outcome


def _counted(done: Callable[[TargetOutcome], None], finished: Future[TargetOutcome]) -> None:
    """Progress for a target that finished: not one dropped or stopped by Ctrl-C."""
    if not finished.cancelled() and finished.exception() is None:
        done(finished.result())


def _finish(
    outcomes: list[TargetOutcome],
    options: ManyOptions,
    run: TargetRun,
    run_errors: list[ReportError],
    *,
    stdout: bool,
    color: bool,
    unsaved: list[str],
) -> list[Report]:
    """Alert, publish, save (unattended/history.finish_many), or only publish without
    --state and --slack; every target's report as published, in order."""

    def publish(final: list[Report]) -> None:
        combined = _combine(outcomes, final, run_errors)
        _publish(
            combined, _baselines(outcomes, combined, options), options, stdout=stdout, color=color
        )

    if not options.slack.enabled and options.state is None:
        reports = [outcome.report for outcome in outcomes]
        publish(reports)
        return reports
    from auditor.unattended.history import finish_many

    names = _names_with_regions(outcomes)
    # Every target reaches the one alert: one never audited counts, and is named, too.
    compared = [
        (display_name(outcome.target, names), outcome.compared or not_audited(outcome, run))
        for outcome in outcomes
    ]
    finished = finish_many(compared, options.slack, options.report_url, publish)
    for name, error in finished.unsaved:
        failure(f"auditor: {name}: {error}")
        unsaved.append(name)
    return finished.reports


def _names_with_regions(outcomes: list[TargetOutcome]) -> set[str]:
    seen: dict[str, int] = {}
    for outcome in outcomes:
        seen[outcome.target.name] = seen.get(outcome.target.name, 0) + 1
    return {name for name, count in seen.items() if count > 1}


def _combine(
    outcomes: list[TargetOutcome], reports: list[Report], run_errors: list[ReportError]
) -> CombinedReport:
    entries = [
        TargetReport(name=outcome.target.name, report=report)
        for outcome, report in zip(outcomes, reports, strict=True)
    ]
    return CombinedReport.of(
        entries,
        tool=ToolInfo(version=__version__),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        errors=run_errors,
    )


def _baselines(
    outcomes: list[TargetOutcome], combined: CombinedReport, options: ManyOptions
) -> dict[str, Path]:
    """Each target's baseline file by its key in the report (SARIF shows its results there);
    the targets file for the run's own failure."""
    from auditor.report.combined_machine import RUN_KEY, target_key

    baselines = {
        target_key(entry): outcome.target.baseline
        for outcome, entry in zip(outcomes, combined.targets, strict=True)
    }
    return {**baselines, RUN_KEY: options.targets}


def _publish(
    combined: CombinedReport,
    baselines: dict[str, Path],
    options: ManyOptions,
    *,
    stdout: bool,
    color: bool,
) -> None:
    from auditor.report.render import render_chunks

    published = combined.model_copy(
        update={
            "targets": [
                entry.model_copy(update={"report": entry.report.with_matrix(options.matrix)})
                for entry in combined.targets
            ]
        }
    )
    if options.outputs:
        from auditor.commands.outputs import write_outputs

        @cache
        def clients() -> AwsClients:
            from auditor.collect.session import AwsClients

            return AwsClients(replace(options.aws, region=options.output_region))

        write_outputs(published, options.outputs, clients, baselines=baselines)
    elif stdout:
        for chunk in render_chunks(published, options.format, color=color, baselines=baselines):
            sys.stdout.write(chunk)
        sys.stdout.flush()


def _print_failures(
    outcomes: list[TargetOutcome], reports: list[Report], run_errors: list[ReportError]
) -> None:
    """`auditor: <name>: <failure line>` for each failure of each target; the run's own
    (discovery) as `run` prints them."""
    for error in run_errors:
        failure(f"auditor: {error.describe()}", service=error.service, operation=error.operation)
    names = _names_with_regions(outcomes)
    for outcome, report in zip(outcomes, reports, strict=True):
        name = display_name(outcome.target, names)
        for error in report.errors:
            failure(
                f"auditor: {name}: {error.describe()}",
                service=error.service,
                operation=error.operation,
                target=name,
            )
        if outcome.bug is not None and _debug():
            from auditor.model.redact import scrub

            sys.stderr.write(scrub(outcome.bug))


def _review_acceptance(
    outcomes: list[TargetOutcome], reports: list[Report], today: date | None
) -> None:
    """Each baseline's accepted entries that expired or match nothing, as `run` warns of them
    (each line names the baseline file)."""
    from auditor.checks.run import acceptance_review

    for outcome, report in zip(outcomes, reports, strict=True):
        if outcome.baseline is not None:
            for line in acceptance_review(outcome.baseline, report, today):
                warning(line)


def _debug() -> bool:
    """--debug: a bug's traceback is printed (as the guard prints one that ends a run)."""
    from auditor.commands import console

    return console._settings.debug


def _exit_code(
    combined: CombinedReport,
    reports: list[Report],
    outcomes: list[TargetOutcome],
    fail_on: Severity | None,
) -> int:
    """CONTRACT §6.4: the worst target's (3 over 1 over 0); a bug in any target is 4, once
    the others finished and the report was published."""
    if any(outcome.bug is not None for outcome in outcomes):
        return EXIT_INTERNAL
    if combined.status == "incomplete":
        return EXIT_INCOMPLETE
    if any(exit_code(report, fail_on) == EXIT_FINDINGS for report in reports):
        return EXIT_FINDINGS
    return EXIT_OK
