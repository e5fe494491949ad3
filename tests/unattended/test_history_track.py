"""history.track: findings over time, changed-since-last-run, alert de-duplication, state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.audit.catalog import make_finding
from auditor.checks.history import config_changes
from auditor.collect import AwsOptions
from auditor.commands.options import RunOptions, SlackOptions
from auditor.model.errors import InputError
from auditor.model.findings import Finding, Severity
from auditor.model.report import Report
from auditor.model.snapshot import Snapshot
from auditor.model.state import ConfigChange, PendingAlert
from auditor.unattended.history import Audit, merge_pending, track
from auditor.unattended.stores import LocalStateStore
from tests.support.slack import ROLE_ADMIN, TOKEN, FakeSlack, finding, report, snapshot

HISTORY_RULE = "changed-since-last-run"
DRIFT = finding("excess-route", Severity.HIGH, persona="group:editors", route="DELETE /items")
PRECEDENCE = finding("precedence-drift", Severity.MEDIUM, persona="group:editors")


def _options(state: Path | None, *, slack: bool = True, always: bool = False) -> RunOptions:
    return RunOptions(
        baseline=Path("baseline.yaml"),
        aws=AwsOptions(),
        state=str(state) if state else None,
        slack=SlackOptions(enabled=slack, always=always),
    )


def _audit(snap: Snapshot, findings_: list[Finding], **report_kw: str) -> Audit:
    """Stands in for the audit: these findings, plus what its changed-since-last-run check
    finds against the previous run's configuration."""

    def audit(change: ConfigChange | None) -> Report:
        changes = [] if change is None else config_changes(*change, snap)
        return report([*findings_, *map(make_finding, changes)], **report_kw)

    return audit


def _run(state: Path, snap: Snapshot, *findings_: Finding, **kw: bool) -> Report:
    return track(snap, _options(state, **kw), _audit(snap, list(findings_)))


def _changed(rep: Report) -> list[tuple[str, str | None, str | None]]:
    return [(f.resource, f.persona, f.route) for f in rep.findings if f.rule_id == HISTORY_RULE]


def test_first_run_everything_new_and_alerted(tmp_path: Path, slack: FakeSlack) -> None:
    state = tmp_path / "state.json"
    rep = _run(state, snapshot(), DRIFT)

    assert rep.changes is not None and rep.changes.new == [DRIFT.fingerprint]
    assert rep.changes.resolved == [] and _changed(rep) == []
    assert len(slack.requests) == 1 and "excess-route" in str(slack.requests[0].body)
    saved = LocalStateStore(state).load()
    assert saved is not None and [f.fingerprint for f in saved.open_findings] == [DRIFT.fingerprint]
    assert saved.pending_alert is None
    assert saved.config.groups is not None and saved.config.groups["editors"].precedence == 10


def test_unchanged_second_run_sends_nothing(tmp_path: Path, slack: FakeSlack) -> None:
    state = tmp_path / "state.json"
    _run(state, snapshot(), DRIFT)
    rep = _run(state, snapshot(), DRIFT)

    assert len(slack.requests) == 1
    assert rep.changes is not None
    assert rep.changes.new == [] and rep.changes.still_open == [DRIFT.fingerprint]
    assert _changed(rep) == []

    _run(state, snapshot(), DRIFT, always=True)
    assert len(slack.requests) == 2  # --always sends the counts anyway


def test_drift_between_runs_then_fix(tmp_path: Path, slack: FakeSlack) -> None:
    state = tmp_path / "state.json"
    _run(state, snapshot(), DRIFT)
    drifted = snapshot({"admin": (0, ROLE_ADMIN), "editors": (5, None)})
    rep = _run(state, drifted, DRIFT, PRECEDENCE)

    assert rep.changes is not None and rep.changes.new == [PRECEDENCE.fingerprint]
    [change] = [f for f in rep.findings if f.rule_id == HISTORY_RULE]
    assert change.severity is Severity.INFO and change.persona == "group:editors"
    assert change.resource == "us-east-1_X/group/editors"
    assert change.evidence["diff"] == [
        "precedence: 10 -> 5",
        "role_arn: 'arn:aws:iam::123456789012:role/app-editors' -> None",
    ]
    assert rep.summary.by_severity["info"] == 1 and rep.summary.findings == 3
    assert len(slack.requests) == 2
    alert = str(slack.requests[1].body["blocks"])
    assert "precedence-drift" in alert and "excess-route" not in alert

    fixed = _run(state, snapshot(), DRIFT)
    assert fixed.changes is not None
    assert [f.fingerprint for f in fixed.changes.resolved] == [PRECEDENCE.fingerprint]
    assert len(_changed(fixed)) == 1  # the precedence went back: that is a change too
    assert len(slack.requests) == 3 and "Resolved findings (1)" in str(slack.requests[2].body)


def test_route_and_policy_changes_one_finding_each(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _run(state, snapshot(), slack=False)
    changed = snapshot(
        routes={"GET /items": "NONE", "POST /items": "AWS_IAM"},
        inline={"Version": "2012-10-17", "Statement": []},
    )
    rep = _run(state, changed, slack=False)

    api = "arn:aws:execute-api:us-east-1:123456789012:api1/*/"
    assert sorted(_changed(rep), key=str) == sorted(
        [
            (api + "GET/health", None, "GET /health"),
            (api + "GET/items", None, "GET /items"),
            (api + "POST/items", None, "POST /items"),
            ("arn:aws:iam::123456789012:role/app-editors", None, None),
        ],
        key=str,
    )
    messages = " | ".join(f.message for f in rep.findings)
    assert "route GET /items changed: authorization: 'AWS_IAM' -> 'NONE'" in messages
    assert "route GET /health was removed" in messages
    assert "~ inline:invoke" in messages


def test_incomplete_snapshot_keeps_findings_open(tmp_path: Path, slack: FakeSlack) -> None:
    state = tmp_path / "state.json"
    _run(state, snapshot(), DRIFT, PRECEDENCE)
    failed = snapshot(
        {},
        errors=[{"service": "cognito-idp", "operation": "ListGroups", "message": "AccessDenied"}],
    )
    rep = track(failed, _options(state), _audit(failed, [DRIFT], status="incomplete"))

    assert rep.changes is not None and rep.changes.resolved == []
    assert PRECEDENCE.fingerprint in rep.changes.still_open
    assert _changed(rep) == []  # the groups were not read, so no "group removed"
    assert len(slack.requests) == 1
    saved = LocalStateStore(state).load()
    assert saved is not None and saved.config.groups is not None  # last known groups kept
    assert {f.fingerprint for f in saved.open_findings} == {
        DRIFT.fingerprint,
        PRECEDENCE.fingerprint,
    }
    # once the read works again, the comparison is against the last known groups
    again = _run(state, snapshot(), DRIFT, PRECEDENCE)
    assert _changed(again) == []


def test_a_finding_hidden_by_an_unknown_verdict_stays_open(tmp_path: Path) -> None:
    # Every read succeeded, but a policy could not be evaluated: the excess-route cell is
    # unknown now, so its finding is gone from this run without being resolved.
    state = tmp_path / "state.json"
    _run(state, snapshot(), DRIFT, PRECEDENCE)
    rep = track(
        snapshot(),
        _options(state, slack=False),
        _audit(snapshot(), [PRECEDENCE], status="incomplete"),
    )
    assert rep.changes is not None and rep.changes.resolved == []
    assert DRIFT.fingerprint in rep.changes.still_open


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("{not json", None),
        (
            json.dumps({"kind": "cognito-route-auditor/state", "schema_version": "99"}),
            "schema_version",
        ),
        (json.dumps({"something": "else"}), "kind"),
        (json.dumps({"kind": "cognito-route-auditor/state", "schema_version": "1"}), "updated_at"),
    ],
)
def test_corrupt_or_foreign_state_is_an_input_error(
    tmp_path: Path, content: str, field: str | None
) -> None:
    state = tmp_path / "state.json"
    state.write_text(content)
    with pytest.raises(InputError) as raised:
        _run(state, snapshot(), DRIFT, slack=False)
    assert raised.value.source == str(state) and raised.value.field == field
    assert raised.value.exit_code == 2
    assert state.read_text() == content  # never silently reset


def test_state_for_another_pool_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _run(state, snapshot(), slack=False)
    other = snapshot(user_pool="us-east-1_Other")
    with pytest.raises(InputError, match="us-east-1_X"):
        track(other, _options(state, slack=False), _audit(other, [], user_pool="us-east-1_Other"))


def test_slack_down_keeps_alert_pending_until_delivered(tmp_path: Path, slack: FakeSlack) -> None:
    state = tmp_path / "state.json"
    slack.stop()
    rep = _run(state, snapshot(), DRIFT)

    [error] = rep.errors
    assert error.service == "slack" and error.operation == "chat.postMessage"
    assert TOKEN not in rep.to_json() and TOKEN not in state.read_text()
    assert TOKEN not in error.message
    saved = LocalStateStore(state).load()
    assert saved is not None and saved.pending_alert is not None
    assert [f.fingerprint for f in saved.pending_alert.new] == [DRIFT.fingerprint]
    assert [f.fingerprint for f in saved.open_findings] == [DRIFT.fingerprint]

    up = FakeSlack()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SLACK_API_URL", up.api_url)
            rep2 = _run(state, snapshot(), DRIFT, PRECEDENCE)
        assert rep2.errors == []
        [request] = up.requests
        text = str(request.body["blocks"])
        assert "New findings (2)" in text and "excess-route" in text
    finally:
        up.stop()
    saved = LocalStateStore(state).load()
    assert saved is not None and saved.pending_alert is None


def test_slack_without_state_alerts_every_run(slack: FakeSlack) -> None:
    track(snapshot(), _options(None), _audit(snapshot(), [DRIFT]))
    track(snapshot(), _options(None), _audit(snapshot(), [DRIFT]))
    assert len(slack.requests) == 2


def test_pending_merge_is_the_net_change() -> None:
    pending = PendingAlert(created_at="t", new=[DRIFT], resolved=[PRECEDENCE])
    # DRIFT was fixed and PRECEDENCE came back before any alert got through: nothing to say
    merged = merge_pending(
        pending, new=[PRECEDENCE], resolved=[DRIFT], open_now={PRECEDENCE.fingerprint}
    )
    assert merged.new == [] and merged.resolved == []
    merged = merge_pending(pending, new=[], resolved=[], open_now={DRIFT.fingerprint})
    assert merged.new == [DRIFT] and merged.resolved == [PRECEDENCE]


def test_the_report_is_published_before_the_state_is_saved(tmp_path: Path) -> None:
    # A state that cannot be saved fails the run after the report is out, never before: the
    # report of what was seen is never lost behind the state's failure.
    (tmp_path / "file").write_text("")
    published: list[Report] = []
    unsaveable = tmp_path / "file" / "state.json"
    with pytest.raises(InputError, match="cannot write"):
        track(
            snapshot(),
            _options(unsaveable, slack=False),
            _audit(snapshot(), [DRIFT]),
            published.append,
        )
    assert [f.rule_id for f in published[0].findings] == ["excess-route"]
    # And with a state that saves, the report is published once, before it.
    state = tmp_path / "state.json"
    track(snapshot(), _options(state, slack=False), _audit(snapshot(), [DRIFT]), published.append)
    assert len(published) == 2 and state.exists()
