"""Drift over time: compare this run with the previous one, alert, remember.

`compare` is pure: the previous state and this run's report in; the report with its new /
still open / resolved findings, the state to keep and the alert owed out. `track` is the
edge around it, used by commands.run.execute when `--state` or `--slack` is given: it loads
the previous state, summarises this run's configuration once, audits with the change at hand
(changed-since-last-run is a check), compares, sends the Slack alert and saves the new state.
A run of many targets does the first half per target (`compare_with_previous`) and the rest
once for them all (`finish_many`: one combined alert).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from auditor.audit.catalog import get_rule
from auditor.audit.summary import carry_over, summarize
from auditor.checks.run import no_cycle_collection
from auditor.commands.options import RunOptions, SlackOptions
from auditor.model.errors import AuditorError
from auditor.model.findings import Finding
from auditor.model.report import (
    HISTORY_RUNS,
    SLACK_SERVICE,
    Report,
    ReportError,
    RunChanges,
    RunRecord,
)
from auditor.model.snapshot import Snapshot
from auditor.model.state import ConfigChange, ConfigSummary, PendingAlert, State, StateTarget
from auditor.unattended.slack import (
    AlertContent,
    SlackConfig,
    SlackDeliveryError,
    SlackNotConfiguredError,
    TargetAlert,
    send,
    send_combined,
)
from auditor.unattended.stores import StateStore, open_store

if TYPE_CHECKING:
    from auditor.collect import AwsOptions

# The event rule whose findings say what changed in the configuration.
CHANGE_RULE = "changed-since-last-run"

# This run's audit, given what changed in the configuration since the previous run (None: a
# first run, or no --state).
Audit = Callable[[ConfigChange | None], Report]


@dataclass(frozen=True)
class Compared:
    """One target's run against its previous one, before anything is sent or saved: the
    report with its changes, the state to keep, the alert owed and where the state lives."""

    report: Report
    state: State | None  # with this run last in its history
    alert: PendingAlert
    store: StateStore | None
    # False: the target never reached its audit (AssumeRole denied, no pool, no baseline):
    # its state, if any, is the previous one with this run recorded as incomplete.
    audited: bool = True

    @property
    def newly_incomplete(self) -> bool:
        """Incomplete now, and not already in the run before (or no run before is known):
        a target that silently stops being audited is news; still failing is not news again."""
        if self.report.status == "complete":
            return False
        history = self.state.history if self.state is not None else []
        return len(history) < 2 or history[-2].status == "complete"


def not_audited(
    report: Report, previous: State | None, store: StateStore | None, *, now: str | None = None
) -> Compared:
    """A target whose run never reached its audit: nothing to compare, no alert of findings.
    Its previous state is kept whole (findings, configuration, an alert still owed) with this
    run appended to its history as incomplete, so that the next run knows it was already
    failing. Without a previous state (never audited yet) a state of nothing but that is
    kept: no configuration read (no change claimed against it), no finding open."""
    at = now or _now()
    record = RunRecord(at=at, status="incomplete", by_severity={})
    if previous is None:
        where = StateTarget(account_id=report.target.account_id, region=report.target.region)
        previous = State(updated_at=at, target=where, config=ConfigSummary())
    history = [*previous.history, record][-HISTORY_RUNS:]
    state = previous.model_copy(update={"history": history})
    return Compared(report, state if store else None, PendingAlert(created_at=at), store, False)


def track(
    snapshot: Snapshot,
    options: RunOptions,
    audit: Audit,
    publish: Callable[[Report], None] | None = None,
) -> Report:
    """This run's report, compared with the previous run; the alert sent, the report given
    to `publish`, then the state saved: a state that cannot be saved (or a run killed in
    between) never leaves the report unwritten while the state says it was seen."""
    # The state bucket is in the audited region unless the command line names another.
    aws = replace(options.aws, region=options.aws.region or snapshot.region)
    compared = compare_with_previous(snapshot, audit, state=options.state, aws=aws)
    report, state = compared.report, compared.state
    if options.slack.enabled:
        report, pending = _send(report, compared.alert, options)
        state = state.model_copy(update={"pending_alert": pending}) if state else None
    if publish is not None:
        publish(report)
    if compared.store is not None and state is not None:
        compared.store.save(state)
    return report


def compare_with_previous(
    snapshot: Snapshot, audit: Audit, *, state: str | None, aws: AwsOptions
) -> Compared:
    """The per-target half of `track` (a run of many targets does it for each, then sends one
    alert, publishes, and saves each state): the previous state loaded from `state` (read
    with `aws`), this run audited with what changed, and compared."""
    store = open_store(state, aws) if state else None
    previous = store.load() if store else None
    # A state kept for another target is refused before anything is audited.
    if store is not None and previous is not None:
        previous.check_target(StateTarget.of(snapshot), source=store.location)
    # Only a state file keeps the configuration: without one, do not hash every policy. With
    # one, summarise once, for the check and for the state.
    current = summarize(snapshot) if store is not None else None
    change = ConfigChange(previous.config, current) if previous and current else None
    report, kept, alert = compare(previous, audit(change), snapshot, now=_now(), current=current)
    return Compared(report, kept, alert, store)


def without_state(report: Report) -> Compared:
    """An audited target with --slack and no --state: every finding that counts is news, as
    `track` says it then (no previous run to compare with)."""
    changes, _ = classify(report.findings, None, complete=report.status == "complete")
    new = [f for f in report.findings if _lasting(f) and f.counts]
    alert = PendingAlert(created_at=_now(), new=new)
    return Compared(report.model_copy(update={"changes": changes}), None, alert, None)


def alert_content(report: Report, alert: PendingAlert, report_url: str | None) -> AlertContent:
    """What one target's alert says: the net change owed, and its configuration changes."""
    return AlertContent(
        report=report,
        new=alert.new,
        resolved=alert.resolved,
        config_changes=sum(1 for f in report.findings if f.counts and not _lasting(f)),
        report_url=report_url,
    )


@dataclass(frozen=True)
class Finished:
    """A run of many targets once alerted, published and saved: each target's report as
    published (a failed delivery among its errors) and the states that could not be saved."""

    reports: list[Report]
    unsaved: list[tuple[str, AuditorError]]


def finish_many(
    compared: Sequence[tuple[str, Compared]],
    slack: SlackOptions,
    report_url: str | None,
    publish: Callable[[list[Report]], None],
) -> Finished:
    """The finish of a run of many targets (CONTRACT §6.4), in `track`'s order: ONE alert,
    the reports published together, then each target's state saved.

    `compared` holds EVERY target of the run (those never audited through `not_audited`):
    the message counts and names them all. It is sent when a target has news (new or
    resolved findings), when a target became incomplete since its previous run (or is
    incomplete with no previous run known), or always with --slack-always. A target's alert
    stays pending in its state when the message did not get through, and without --slack
    the state keeps the alert an earlier run still owes, as `track` does."""
    reports = [entry.report for _, entry in compared]
    pending: list[PendingAlert | None] = [
        entry.state.pending_alert if entry.state else None for _, entry in compared
    ]
    if slack.enabled:
        contents = [alert_content(entry.report, entry.alert, report_url) for _, entry in compared]
        news = any(content.has_changes for content in contents)
        if news or slack.always or any(entry.newly_incomplete for _, entry in compared):
            alerts = [
                TargetAlert(name, content)
                for (name, _), content in zip(compared, contents, strict=True)
            ]
            failure = _deliver(
                lambda config: send_combined(alerts, config, report_url), slack.config
            )
        else:
            failure = None
        for i, (_, entry) in enumerate(compared):
            if not entry.audited:
                continue  # nothing of it was said: an alert it owed stays owed
            undelivered = failure is not None and contents[i].has_changes
            pending[i] = entry.alert if undelivered else None
        if failure is not None:
            reports = [r.model_copy(update={"errors": [*r.errors, failure]}) for r in reports]
    publish(reports)
    unsaved: list[tuple[str, AuditorError]] = []
    for (name, entry), owed in zip(compared, pending, strict=True):
        if entry.store is None or entry.state is None:
            continue
        try:
            entry.store.save(entry.state.model_copy(update={"pending_alert": owed}))
        except AuditorError as exc:  # one target's state lost: the others are still saved
            unsaved.append((name, exc))
    return Finished(reports, unsaved)


def compare(
    previous: State | None,
    report: Report,
    snapshot: Snapshot,
    *,
    now: str,
    current: ConfigSummary | None,
) -> tuple[Report, State | None, PendingAlert]:
    """This run against the previous one: the report with its changes, the state to keep
    (None without `current`, this run's configuration summary: only a state file keeps it)
    and the alert owed since the last delivered one.

    With a state, every finding carries since when it is open (first_seen, carried from the
    previous run) and last_seen (now), and the report the state's short history, this run
    last. The alert speaks only of findings that count: an accepted finding is never new,
    one whose acceptance expired is new again, and one that became accepted is not resolved.

    The state keeps the previous pending alert: whether this alert replaces it depends on
    its delivery, which is the caller's.
    """
    # A copy of every finding (since when it is seen) is as many acyclic objects as the
    # audit made: no cycle collection over them either.
    with no_cycle_collection():
        return _compare(previous, report, snapshot, now=now, current=current)


def _compare(
    previous: State | None,
    report: Report,
    snapshot: Snapshot,
    *,
    now: str,
    current: ConfigSummary | None,
) -> tuple[Report, State | None, PendingAlert]:
    findings = report.findings
    if current is not None:
        findings = [_seen(f, previous, now) for f in findings]
    # The report's status, not the snapshot's: a finding may also vanish behind a verdict
    # the auditor could not judge.
    changes, open_findings = classify(findings, previous, complete=report.status == "complete")
    counted_before = (
        {f.fingerprint for f in previous.open_findings if f.counts} if previous else set()
    )
    new = [f for f in findings if _lasting(f) and f.counts and f.fingerprint not in counted_before]
    resolved = [f for f in changes.resolved if f.counts]
    pending = previous.pending_alert if previous else None
    alert = merge_pending(
        pending,
        new=new,
        resolved=resolved,
        open_now={fp for fp, f in open_findings.items() if f.counts},
        accepted_now={fp for fp, f in open_findings.items() if not f.counts},
        now=now,
    )
    updated = report.model_copy(update={"changes": changes, "findings": findings})
    if current is None:
        return updated, None, alert
    record = run_record(updated, now=now, new=len(new), resolved=len(resolved))
    history = [*(previous.history if previous else []), record][-HISTORY_RUNS:]
    state = State(
        updated_at=now,
        target=StateTarget.of(snapshot),
        snapshot_digest=updated.snapshot_digest,
        config=carry_over(current, previous.config if previous else None),
        open_findings=list(open_findings.values()),
        pending_alert=pending,
        history=history,
    )
    return updated.model_copy(update={"history": history}), state, alert


def _seen(finding: Finding, previous: State | None, now: str) -> Finding:
    """`finding` with since when it is open: as the previous run's open finding says, else
    now. A finding of a state written before first_seen was kept was seen at least when that
    state was."""
    if previous is None or (prior := previous.open_finding(finding.fingerprint)) is None:
        return finding.model_copy(update={"first_seen": now, "last_seen": now})
    first = prior.first_seen or previous.updated_at
    return finding.model_copy(update={"first_seen": first, "last_seen": now})


# Lines of configuration change one run keeps in the history: a reorganisation can change
# thousands of things, and the state keeps thirty runs.
MAX_CHANGE_LINES = 20


def run_record(report: Report, *, now: str, new: int, resolved: int) -> RunRecord:
    """What the history keeps of this run: counts of the findings that count, and what
    changed in the configuration (changed-since-last-run's messages)."""
    changes = [f.message for f in report.findings if f.rule_id == CHANGE_RULE]
    if len(changes) > MAX_CHANGE_LINES:
        rest = len(changes) - MAX_CHANGE_LINES + 1
        changes = [*changes[: MAX_CHANGE_LINES - 1], f"... and {rest} more changes"]
    return RunRecord(
        at=now,
        status=report.status,
        by_severity=report.open_by_severity(),
        accepted=report.summary.accepted,
        new=new,
        resolved=resolved,
        changes=changes,
    )


def _send(
    report: Report, alert: PendingAlert, options: RunOptions
) -> tuple[Report, PendingAlert | None]:
    """Alert when there is news (or always); the report with a failed delivery among its
    errors, and what stays pending for the next run."""
    content = alert_content(report, alert, options.report_url)
    if not (content.has_changes or options.slack.always):
        return report, None
    failure = _deliver(lambda config: send(content, config), options.slack.config)
    if failure is None:
        return report, None
    # commands.run.execute prints every report error once.
    report = report.model_copy(update={"errors": [*report.errors, failure]})
    return report, alert if content.has_changes else None


def _deliver(
    send_to: Callable[[SlackConfig], None], config: SlackConfig | None
) -> ReportError | None:
    """One message sent (one target's alert, or the combined one of a run of many): its
    failure as the report lists it, None when it got through."""
    try:
        send_to(config or SlackConfig.from_env())
    except SlackNotConfiguredError as exc:
        return ReportError(service=SLACK_SERVICE, operation="configuration", message=str(exc))
    except SlackDeliveryError as exc:
        return ReportError(service=SLACK_SERVICE, operation=exc.operation, message=str(exc))
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- findings over time ----------------------------------------------------------------------


def classify(
    findings: list[Finding], previous: State | None, *, complete: bool
) -> tuple[RunChanges, dict[str, Finding]]:
    """New / still open / resolved by fingerprint; returns the changes and what stays open.

    Findings of an event rule (changed-since-last-run) happen in one run; they never stay
    open. After an incomplete collection a finding that vanished may only have gone unread, so it
    stays open rather than being reported resolved.
    """
    current = {f.fingerprint: f for f in findings if _lasting(f)}
    before = {f.fingerprint: f for f in previous.open_findings} if previous else {}
    vanished = [f for fp, f in before.items() if fp not in current]
    open_findings = dict(current)
    if not complete:
        open_findings.update({f.fingerprint: f for f in vanished})
    changes = RunChanges(
        new=[fp for fp in current if fp not in before],
        still_open=[fp for fp in open_findings if fp in before],
        resolved=vanished if complete else [],
        previous_snapshot_digest=previous.snapshot_digest if previous else None,
    )
    return changes, open_findings


def merge_pending(
    pending: PendingAlert | None,
    *,
    new: list[Finding],
    resolved: list[Finding],
    open_now: set[str],
    accepted_now: Collection[str] = (),
    now: str | None = None,
) -> PendingAlert:
    """This run's alert plus an undelivered one, as the net change since the last delivery.

    `open_now`: the findings open now that count; `accepted_now`: those open but accepted.
    A finding that appeared and was fixed (or accepted) before any alert got through is
    dropped; one reported resolved and open again is simply open, and so is one reported
    resolved that is now accepted (becoming accepted is no resolution).
    """
    earlier_new = {f.fingerprint: f for f in pending.new} if pending else {}
    earlier_resolved = {f.fingerprint: f for f in pending.resolved} if pending else {}
    # Net change against the last delivered alert: open now but not then, and vice versa.
    net_new = [f for fp, f in earlier_new.items() if fp in open_now]
    net_new += [
        f for f in new if f.fingerprint not in earlier_resolved and f.fingerprint not in earlier_new
    ]
    net_resolved = [
        f for fp, f in earlier_resolved.items() if fp not in open_now and fp not in accepted_now
    ]
    net_resolved += [
        f
        for f in resolved
        if f.fingerprint not in earlier_new and f.fingerprint not in earlier_resolved
    ]
    return PendingAlert(
        created_at=pending.created_at if pending else now or _now(),
        new=net_new,
        resolved=net_resolved,
    )


def _lasting(finding: Finding) -> bool:
    """A problem that stays until fixed, unlike the events of one run."""
    return not get_rule(finding.rule_id).event
