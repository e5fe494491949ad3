"""changed-since-last-run: what changed in the live configuration since the previous run.

The previous run's configuration summary comes from the state file (`--state`); without one,
or on a first run, there is nothing to compare with and the rule finds nothing. A section
either run could not read is skipped rather than reported as added or removed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks.context import AuditContext
from auditor.model.findings import Issue
from auditor.model.personas import group_persona
from auditor.model.snapshot import Snapshot
from auditor.model.state import ConfigSummary, GroupState


def changed_since_last_run(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.config_change is not None:
        yield from config_changes(*ctx.config_change, ctx.snapshot)


def config_changes(before: ConfigSummary, after: ConfigSummary, snapshot: Snapshot) -> list[Issue]:
    """One issue per changed thing; sections unread on either side are skipped."""
    issues: list[Issue] = []
    if before.groups is not None and after.groups is not None:
        issues += _group_changes(before.groups, after.groups, snapshot)
    if before.identity_pool is not None and after.identity_pool is not None:
        issues += _identity_pool_changes(before, after, snapshot)
    if before.role_policies is not None and after.role_policies is not None:
        issues += _policy_changes(before.role_policies, after.role_policies)
    if before.routes is not None and after.routes is not None:
        issues += _route_changes(before.routes, after.routes, snapshot)
    return issues


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
        rule_id="changed-since-last-run",
        message=message,
        resource=resource,
        evidence=evidence,
        **names,
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
    # A state from before 0.2 has no providers: nothing to say about them this once.
    unkept = {"providers"} if before.identity_pool.providers is None else set()
    old = before.identity_pool.model_dump(exclude={"role_mappings", *unkept})
    new = after.identity_pool.model_dump(exclude={"role_mappings", *unkept})
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
