"""Drift over time: compare this run with the previous one, alert, remember.

`track` is called by the runner after the audit when `--state` or `--slack` is given. It
classifies findings as new / still open / resolved, adds one `changed-since-last-run` finding
per changed piece of live configuration, sends the Slack alert, and writes the new state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from auditor.audit.summary import carry_over, summarize
from auditor.checks import HISTORY_RULE
from auditor.commands.options import RunOptions
from auditor.model.findings import Finding, Issue
from auditor.model.personas import group_persona
from auditor.model.report import Report, ReportError, RunChanges, Summary
from auditor.model.snapshot import Snapshot
from auditor.model.state import ConfigSummary, GroupState, PendingAlert, State, StateTarget
from auditor.unattended.slack import (
    AlertContent,
    SlackConfig,
    SlackDeliveryError,
    SlackNotConfiguredError,
    send,
)
from auditor.unattended.stores import open_store


def track(report: Report, snapshot: Snapshot, options: RunOptions) -> Report:
    # The state bucket is in the audited region unless the command line names another.
    aws = replace(options.aws, region=options.aws.region or snapshot.region)
    store = open_store(options.state, aws) if options.state else None
    target = StateTarget(
        account_id=report.target.account_id,
        region=report.target.region,
        user_pool_id=report.target.user_pool_id,
        identity_pool_id=report.target.identity_pool_id,
    )
    previous = store.load() if store else None
    if store is not None and previous is not None:
        previous.check_target(target, source=store.location)

    changes, open_findings = classify(report.findings, previous, complete=snapshot.complete)
    # Only a state file keeps the configuration: without one, do not hash every policy.
    current_config = summarize(snapshot) if store is not None else None
    change_findings = (
        config_changes(previous.config, current_config, snapshot)
        if previous is not None and current_config is not None
        else []
    )
    findings = [*report.findings, *change_findings]
    errors = list(report.errors)

    by_fingerprint = {f.fingerprint: f for f in report.findings}
    pending = previous.pending_alert if previous else None
    alert = merge_pending(
        pending,
        new=[by_fingerprint[fp] for fp in changes.new],
        resolved=changes.resolved,
        open_now=set(open_findings),
    )
    updated = report.model_copy(
        update={
            "findings": findings,
            "changes": changes,
            "summary": Summary.of(findings),
            "snapshot_digest": report.snapshot_digest or snapshot.digest(),
        }
    )

    if options.slack.enabled:
        pending = None
        content = AlertContent(
            report=updated,
            new=alert.new,
            resolved=alert.resolved,
            config_changes=len(change_findings),
            report_url=options.report_url,
        )
        if content.has_changes or options.slack.always:
            failure = _deliver(content, options.slack.config)
            if failure is not None:
                errors.append(failure)  # the runner prints every report error once
                pending = alert if content.has_changes else None
        updated = updated.model_copy(update={"errors": errors})

    if store is not None and current_config is not None:
        store.save(
            State(
                updated_at=_now(),
                target=target,
                snapshot_digest=updated.snapshot_digest,
                config=carry_over(current_config, previous.config if previous else None),
                open_findings=list(open_findings.values()),
                pending_alert=pending,
            )
        )
    return updated


def _deliver(content: AlertContent, config: SlackConfig | None) -> ReportError | None:
    try:
        send(content, config or SlackConfig.from_env())
    except SlackNotConfiguredError as exc:
        return ReportError(service="slack", operation="configuration", message=str(exc))
    except SlackDeliveryError as exc:
        return ReportError(service="slack", operation=exc.operation, message=str(exc))
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- findings over time ----------------------------------------------------------------------


def classify(
    findings: list[Finding], previous: State | None, *, complete: bool
) -> tuple[RunChanges, dict[str, Finding]]:
    """New / still open / resolved by fingerprint; returns the changes and what stays open.

    `changed-since-last-run` findings are events of one run, not problems that stay open.
    After an incomplete collection a finding that vanished may only have gone unread, so it
    stays open rather than being reported resolved.
    """
    current = {f.fingerprint: f for f in findings if f.rule_id != HISTORY_RULE}
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
    pending: PendingAlert | None, *, new: list[Finding], resolved: list[Finding], open_now: set[str]
) -> PendingAlert:
    """This run's alert plus an undelivered one, as the net change since the last delivery.

    A finding that appeared and was fixed before any alert got through is dropped; one
    reported resolved and open again is simply open.
    """
    earlier_new = {f.fingerprint: f for f in pending.new} if pending else {}
    earlier_resolved = {f.fingerprint: f for f in pending.resolved} if pending else {}
    # Net change against the last delivered alert: open now but not then, and vice versa.
    net_new = [f for fp, f in earlier_new.items() if fp in open_now]
    net_new += [
        f for f in new if f.fingerprint not in earlier_resolved and f.fingerprint not in earlier_new
    ]
    net_resolved = [f for fp, f in earlier_resolved.items() if fp not in open_now]
    net_resolved += [
        f
        for f in resolved
        if f.fingerprint not in earlier_new and f.fingerprint not in earlier_resolved
    ]
    return PendingAlert(
        created_at=pending.created_at if pending else _now(), new=net_new, resolved=net_resolved
    )


# --- live configuration over time ------------------------------------------------------------


def config_changes(
    before: ConfigSummary, after: ConfigSummary, snapshot: Snapshot
) -> list[Finding]:
    """One info finding per changed thing; sections unread on either side are skipped."""
    from auditor.audit.catalog import make_finding

    issues: list[Issue] = []
    if before.groups is not None and after.groups is not None:
        issues += _group_changes(before.groups, after.groups, snapshot)
    if before.identity_pool is not None and after.identity_pool is not None:
        issues += _identity_pool_changes(before, after, snapshot)
    if before.role_policies is not None and after.role_policies is not None:
        issues += _policy_changes(before.role_policies, after.role_policies)
    if before.routes is not None and after.routes is not None:
        issues += _route_changes(before.routes, after.routes, snapshot)
    return [make_finding(issue) for issue in issues]


def _issue(
    message: str, resource: str, diff: list[str], before: Any, after: Any, **names: str | None
) -> Issue:
    evidence = {
        "change": "added" if before is None else "removed" if after is None else "modified",
        "diff": diff,
        "before": before,
        "after": after,
    }
    return Issue(
        rule_id=HISTORY_RULE, message=message, resource=resource, evidence=evidence, **names
    )


def _method_and_path(route_key: str) -> tuple[str, str]:
    """`GET /items` -> (GET, /items); the HTTP API catch-all `$default` -> (ANY, $default)."""
    method, _, path = route_key.partition(" ")
    return (method, path) if path else ("ANY", route_key)


def _fields_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [
        f"{key}: {before.get(key)!r} -> {after.get(key)!r}"
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]


def _keyed_changes(
    thing: str, before: Mapping[str, dict[str, Any]], after: Mapping[str, dict[str, Any]]
) -> Iterator[tuple[str, str, list[str], dict[str, Any] | None, dict[str, Any] | None]]:
    """(key, message, diff, before, after) for every entry added, removed or changed."""
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        if was is None:
            yield key, f"{thing} {key} was added", [f"+ {thing} {key}: {now}"], was, now
        elif now is None:
            yield key, f"{thing} {key} was removed", [f"- {thing} {key}: {was}"], was, now
        else:
            diff = _fields_diff(was, now)
            yield key, f"{thing} {key} changed: " + "; ".join(diff), diff, was, now


def _group_changes(
    before: dict[str, GroupState], after: dict[str, GroupState], snapshot: Snapshot
) -> list[Issue]:
    pool = snapshot.user_pool
    base = (pool.arn or pool.id) if pool else snapshot.target.user_pool.id or ""
    # Named like the group checks name a group, so the two read together in a report.
    return [
        _issue(message, f"{base}/group/{name}", diff, old, new, persona=group_persona(name))
        for name, message, diff, old, new in _keyed_changes(
            "group",
            {k: v.model_dump() for k, v in before.items()},
            {k: v.model_dump() for k, v in after.items()},
        )
    ]


def _identity_pool_changes(
    before: ConfigSummary, after: ConfigSummary, snapshot: Snapshot
) -> list[Issue]:
    assert before.identity_pool is not None and after.identity_pool is not None
    resource = snapshot.identity_pool.id if snapshot.identity_pool else ""
    old = before.identity_pool.model_dump(exclude={"role_mappings"})
    new = after.identity_pool.model_dump(exclude={"role_mappings"})
    issues = []
    if old != new:
        diff = _fields_diff(old, new)
        issues.append(
            _issue("identity pool settings changed: " + "; ".join(diff), resource, diff, old, new)
        )
    old_maps, new_maps = before.identity_pool.role_mappings, after.identity_pool.role_mappings
    issues += [
        _issue(message, f"{resource}#RoleMappings/{key}", diff, was, now)
        for key, message, diff, was, now in _keyed_changes(
            "role mapping for",
            {k: v.model_dump() for k, v in old_maps.items()},
            {k: v.model_dump() for k, v in new_maps.items()},
        )
    ]
    return issues


def _policy_changes(
    before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]
) -> list[Issue]:
    issues = []
    # Roles entering or leaving the snapshot follow group or mapping changes reported above;
    # only documents of roles seen in both runs are compared.
    for arn in sorted(before.keys() & after.keys()):
        old, new = before[arn], after[arn]
        if old == new:
            continue
        diff = [f"+ {name}" for name in sorted(new.keys() - old.keys())]
        diff += [f"- {name}" for name in sorted(old.keys() - new.keys())]
        diff += [
            f"~ {name} (document {old[name]} -> {new[name]})"
            for name in sorted(old.keys() & new.keys())
            if old[name] != new[name]
        ]
        message = f"policies of role {arn.rsplit('/', 1)[-1]} changed: " + "; ".join(diff)
        issues.append(_issue(message, arn, diff, old, new))
    return issues


def _route_changes(
    before: dict[str, dict[str, str]], after: dict[str, dict[str, str]], snapshot: Snapshot
) -> list[Issue]:
    issues = []
    # An API missing from one side was not collected (e.g. added to the baseline): skip it.
    for api_id in sorted(before.keys() & after.keys()):
        old = {key: {"authorization": kind} for key, kind in before[api_id].items()}
        new = {key: {"authorization": kind} for key, kind in after[api_id].items()}
        issues += [
            _issue(
                message,
                snapshot.route_arn(api_id, *_method_and_path(key)),
                diff,
                was,
                now,
                route=key,
                api_id=api_id,
            )
            for key, message, diff, was, now in _keyed_changes("route", old, new)
        ]
    return issues
