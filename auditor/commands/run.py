"""One audit run end to end: baseline -> snapshot -> audit -> history -> rendered report.

Shared by `auditor run`, the scheduler and the Lambda handler, so all three behave alike.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, Protocol

from auditor.checks.run import acceptance_review, audit, check_snapshot_matches
from auditor.collect import AwsOptions, collect_snapshot
from auditor.commands.console import failure, notice, warning
from auditor.commands.options import (
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_OK,
    ReportOutput,
    RunOptions,
)
from auditor.commands.outputs import summary_line, write_outputs
from auditor.model.accepted import today_utc
from auditor.model.baseline import Baseline
from auditor.model.baseline_file import load_baseline
from auditor.model.findings import Severity
from auditor.model.report import Report, ReportError
from auditor.model.snapshot import CollectionError, Snapshot, TargetRef
from auditor.model.state import ConfigChange
from auditor.report.render import ReportFormat, render, render_chunks

if TYPE_CHECKING:
    from auditor.collect.session import AwsClients


@dataclass(frozen=True)
class RunOutcome:
    report: Report  # every cell, whatever --matrix lists
    snapshot: Snapshot
    exit_code: int
    published: Report  # as written: the cells --matrix lists
    format: ReportFormat

    @cached_property
    def rendered(self) -> str:
        """The published report as text, made only for whoever asks (the Lambda, the demo):
        a run writes it in pieces, never whole."""
        return render(self.published, self.format)

    def counts(self) -> dict[str, Any]:
        """What a heartbeat or a Lambda result says of a run (each adds its own keys)."""
        report = self.report
        return {
            "exit_code": self.exit_code,
            # What counts, as --fail-on sees it: a monitor on `critical > 0` must not fire on
            # an accepted finding.
            "findings": report.summary.open,
            "by_severity": report.open_by_severity(),
            "accepted": report.summary.accepted,
            **self._news(),
        }

    def _news(self) -> dict[str, int | None]:
        news = self.report.new_and_resolved()
        return {"new": news[0], "resolved": news[1]} if news else {"new": None, "resolved": None}


def target_of(baseline: Baseline) -> TargetRef:
    return TargetRef(
        user_pool=baseline.user_pool,
        identity_pool=baseline.identity_pool.ref,
        apis=list(baseline.apis),
    )


def aws_for(baseline: Baseline, aws: AwsOptions) -> AwsOptions:
    """The baseline's region applies unless the command line names one."""
    return aws if aws.region or not baseline.region else replace(aws, region=baseline.region)


def obtain_snapshot(options: RunOptions, baseline: Baseline) -> Snapshot:
    if options.snapshot is not None:
        snapshot = Snapshot.load(options.snapshot)
        check_snapshot_matches(snapshot, baseline, str(options.snapshot))
        return snapshot
    return collect_snapshot(target_of(baseline), aws_for(baseline, options.aws))


class SnapshotSource(Protocol):
    """Where a run's snapshot comes from, and what that adds to its report: the live account
    (LiveSource), a template (`auditor template`), or both (`run --template`)."""

    def snapshot(self, options: RunOptions, baseline: Baseline) -> Snapshot:
        """The snapshot to audit."""
        ...

    def template_change(self, snapshot: Snapshot) -> ConfigChange | None:
        """A template's configuration beside `snapshot`'s, for template-drift; None: none."""
        ...

    def finish(self, report: Report) -> Report:
        """The audited report as published (with where each finding is written)."""
        ...


class LiveSource:
    """The live account, or a saved --snapshot of it: reported as audited."""

    def snapshot(self, options: RunOptions, baseline: Baseline) -> Snapshot:
        return obtain_snapshot(options, baseline)

    def template_change(self, snapshot: Snapshot) -> ConfigChange | None:
        return None

    def finish(self, report: Report) -> Report:
        return report


def exit_code(report: Report, fail_on: Severity | None) -> int:
    """CONTRACT §1: 3 (incomplete) wins over 1 (findings at or above --fail-on; never with
    --fail-on none)."""
    if report.status == "incomplete":
        return EXIT_INCOMPLETE
    worst = report.worst_severity()
    if fail_on is None or worst is None:
        return EXIT_OK
    return EXIT_FINDINGS if worst.rank >= fail_on.rank else EXIT_OK


def print_failures(failures: Sequence[CollectionError | ReportError]) -> None:
    """One stderr line per failed read or delivery."""
    for problem in failures:
        failure(
            f"auditor: {problem.describe()}",
            service=problem.service,
            operation=problem.operation,
        )


def execute(
    options: RunOptions,
    *,
    color: bool = False,
    stdout: bool = False,
    source: SnapshotSource | None = None,
) -> RunOutcome:
    """One run. With `stdout` (the CLI), a report without --output is printed when it is
    published: before the state is saved, so a state that cannot be saved loses nothing.
    `source`: where the snapshot comes from (default: the live account or --snapshot)."""
    baseline = load_baseline(options.baseline)
    source = source or LiveSource()
    snapshot = source.snapshot(options, baseline)
    template_change = source.template_change(snapshot)
    today = today_utc()  # one day for the audit and its warnings, even across midnight
    # The progress line is collection's: the writes after it (state, -o s3://, Security Hub)
    # would start it again, and nothing would stop it (a spinner and a hidden cursor at exit).
    options = replace(options, aws=replace(options.aws, progress=None))
    aws = aws_for(baseline, options.aws)

    @cache
    def clients() -> AwsClients:
        """One session for every write after the audit (-o s3://, Security Hub), made only
        when one needs it: an offline run writing local files never imports boto3."""
        from auditor.collect.session import AwsClients

        return AwsClients(aws)

    final: list[Report] = []  # the report as published: with a failed import among its errors
    published: list[Report] = []

    def publish(report: Report) -> None:
        if options.security_hub:
            from auditor.unattended.security_hub import import_findings

            report = import_findings(report, clients())
        final.append(report)
        published.append(report.with_matrix(options.matrix))
        if options.outputs:
            write_outputs(published[-1], options.outputs, clients, baseline=options.baseline)
        elif stdout:
            chunks = render_chunks(
                published[-1], options.format, color=color, baseline=options.baseline
            )
            for chunk in chunks:
                sys.stdout.write(chunk)
            sys.stdout.flush()
        # else: the scheduler or the Lambda without -o: rendered only if asked (rendered)

    if options.state or options.slack.enabled:
        # The edge with S3 and Slack, only when asked for: it audits with what changed since
        # the previous run at hand, and publishes the report before it saves the state.
        from auditor.unattended.history import track

        track(
            snapshot,
            options,
            lambda change: source.finish(
                audit(snapshot, baseline, change, today=today, template_change=template_change)
            ),
            publish,
        )
    else:
        publish(
            source.finish(audit(snapshot, baseline, today=today, template_change=template_change))
        )
    report = final[-1]
    print_failures(report.errors)  # also when the report itself goes to a file or to S3
    # Accepted entries that expired or match no finding: a person should look (--quiet: not).
    for line in acceptance_review(baseline, report, today):
        warning(line)
    code = exit_code(report, options.fail_on)
    return RunOutcome(report, snapshot, code, published[-1], options.format)


def announce(outcome: RunOutcome, outputs: Sequence[ReportOutput]) -> None:
    """The one line for the person at the terminal once the report went to -o."""
    if outputs:
        notice(summary_line(outcome.report, outputs))
