"""history.compare over several runs: since when each finding is open, the state's short
history, and what an alert says of accepted findings (never new, new again once the entry
expires, never "resolved" for becoming accepted)."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.audit.summary import summarize
from auditor.model.findings import Acceptance, Finding, Severity
from auditor.model.report import HISTORY_RUNS, Report, RunRecord
from auditor.model.snapshot import Snapshot
from auditor.model.state import ConfigSummary, PendingAlert, State
from auditor.unattended.history import MAX_CHANGE_LINES, compare, merge_pending, run_record
from auditor.unattended.slack import AlertContent, build_blocks, summary_text
from tests.support.slack import finding, report, snapshot

DRIFT = finding("excess-route", Severity.HIGH, persona="group:editors", route="DELETE /items")
TRUST = finding("trust-missing-aud", Severity.CRITICAL, persona=None)
ACCEPTED = Acceptance(reason="legacy role, SEC-12", expires="2026-06-30")
T1, T2, T3 = "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"


def _accepted(f: Finding) -> Finding:
    return f.model_copy(update={"accepted": ACCEPTED})


class Runs:
    """Consecutive runs against one in-memory state, as track() would chain them."""

    def __init__(self, snap: Snapshot | None = None) -> None:
        self.snap = snap or snapshot()
        self.state: State | None = None

    def run(
        self, now: str, *findings: Finding, status: str = "complete"
    ) -> tuple[Report, list[Finding], list[Finding]]:
        rep, state, alert = compare(
            self.state,
            report(list(findings), status=status),
            self.snap,
            now=now,
            current=_summary(self.snap),
        )
        assert state is not None
        # Round trip through the file's text: what the next run reads is what was written.
        self.state = State.from_json(state.to_json(), source="state.json")
        return rep, alert.new, alert.resolved


def _summary(snap: Snapshot) -> ConfigSummary:
    return summarize(snap)


def _fps(findings: list[Finding]) -> list[str]:
    return [f.fingerprint for f in findings]


def test_first_seen_is_kept_from_the_first_run_and_last_seen_moves() -> None:
    runs = Runs()
    first, _, _ = runs.run(T1, DRIFT)
    second, _, _ = runs.run(T2, DRIFT, TRUST)
    by_rule = {f.rule_id: f for f in second.findings}
    assert first.findings[0].first_seen == T1 == first.findings[0].last_seen
    assert (by_rule["excess-route"].first_seen, by_rule["excess-route"].last_seen) == (T1, T2)
    assert (by_rule["trust-missing-aud"].first_seen, by_rule["trust-missing-aud"].last_seen) == (
        T2,
        T2,
    )
    assert runs.state is not None
    assert {f.rule_id: f.first_seen for f in runs.state.open_findings} == {
        "excess-route": T1,
        "trust-missing-aud": T2,
    }


def test_a_finding_that_comes_back_is_open_since_its_return() -> None:
    runs = Runs()
    runs.run(T1, DRIFT)
    runs.run(T2)
    back, _, _ = runs.run(T3, DRIFT)
    assert back.findings[0].first_seen == T3


def test_an_incomplete_run_keeps_a_vanished_finding_with_its_last_sighting() -> None:
    runs = Runs()
    runs.run(T1, DRIFT)
    runs.run(T2, status="incomplete")
    assert runs.state is not None
    [kept] = runs.state.open_findings
    assert (kept.first_seen, kept.last_seen) == (T1, T1)


def test_without_a_state_file_no_finding_claims_a_first_sighting() -> None:
    rep, state, _ = compare(None, report([DRIFT]), snapshot(), now=T1, current=None)
    assert state is None and rep.history == []
    assert rep.findings[0].first_seen is None and rep.findings[0].last_seen is None


def test_history_records_each_run_and_keeps_the_last_thirty() -> None:
    runs = Runs()
    runs.run(T1, DRIFT, _accepted(TRUST))
    second, _, _ = runs.run(T2, _accepted(TRUST))
    assert [r.at for r in second.history] == [T1, T2]
    assert second.history[0] == RunRecord(
        at=T1,
        status="complete",
        by_severity={"critical": 0, "high": 1, "medium": 0, "low": 0, "info": 0},
        accepted=1,
        new=1,
        resolved=0,
    )
    assert (second.history[1].new, second.history[1].resolved) == (0, 1)
    assert runs.state is not None and runs.state.history == second.history

    for minute in range(HISTORY_RUNS + 5):
        last, _, _ = runs.run(f"2026-02-01T00:{minute:02d}:00+00:00", DRIFT)
    assert len(last.history) == HISTORY_RUNS
    assert last.history[-1].at == "2026-02-01T00:34:00+00:00"
    assert last.history[0].at == "2026-02-01T00:05:00+00:00"  # the oldest runs dropped


def test_a_run_record_lists_configuration_changes_capped() -> None:
    changes = [
        finding("changed-since-last-run", Severity.INFO, resource=f"r{i}", persona=None)
        for i in range(MAX_CHANGE_LINES + 5)
    ]
    record = run_record(report(changes), now=T1, new=0, resolved=0)
    assert len(record.changes) == MAX_CHANGE_LINES
    assert record.changes[0] == "changed-since-last-run fired"
    assert record.changes[-1] == "... and 6 more changes"
    assert record.by_severity["info"] == MAX_CHANGE_LINES + 5


def test_a_state_written_before_first_seen_and_history_still_loads(tmp_path: Path) -> None:
    old = {
        "kind": "cognito-route-auditor/state",
        "schema_version": "1",
        "updated_at": T1,
        "target": {"region": "us-east-1", "user_pool_id": "us-east-1_X"},
        "snapshot_digest": None,
        "config": {},
        "open_findings": [json.loads(DRIFT.model_dump_json())],
        "pending_alert": None,
    }
    previous = State.from_json(json.dumps(old), source="state.json")
    assert previous.history == [] and previous.open_findings[0].first_seen is None
    rep, state, alert = compare(
        previous, report([DRIFT]), snapshot(), now=T2, current=_summary(snapshot())
    )
    # Seen at least when the old state was written.
    assert rep.findings[0].first_seen == T1 and rep.findings[0].last_seen == T2
    assert alert.new == [] and state is not None and len(state.history) == 1


def test_an_accepted_finding_is_never_new_and_comes_back_new_when_its_entry_expires() -> None:
    runs = Runs()
    rep, new, _ = runs.run(T1, _accepted(TRUST), DRIFT)
    assert _fps(new) == [DRIFT.fingerprint]
    assert rep.changes is not None and TRUST.fingerprint in rep.changes.new  # it did appear
    _, new, resolved = runs.run(T2, _accepted(TRUST), DRIFT)
    assert new == [] and resolved == []
    expired, new, resolved = runs.run(T3, TRUST, DRIFT)
    assert _fps(new) == [TRUST.fingerprint] and resolved == []
    assert expired.findings[0].first_seen == T1  # open since the first run all along


def test_a_finding_that_becomes_accepted_is_not_resolved() -> None:
    runs = Runs()
    runs.run(T1, TRUST)
    rep, new, resolved = runs.run(T2, _accepted(TRUST))
    assert new == [] and resolved == []
    assert rep.changes is not None and rep.changes.still_open == [TRUST.fingerprint]
    # Fixed while accepted: it was not counted, so it is not announced either.
    _, new, resolved = runs.run(T3)
    assert new == [] and resolved == []


def test_a_pending_resolution_is_dropped_once_the_finding_is_back_accepted() -> None:
    pending = PendingAlert(created_at=T1, new=[DRIFT], resolved=[TRUST])
    merged = merge_pending(
        pending,
        new=[],
        resolved=[],
        open_now=set(),
        accepted_now={TRUST.fingerprint, DRIFT.fingerprint},
    )
    # DRIFT appeared and was accepted before any alert got through; TRUST was open at the
    # last delivery and is accepted now: neither is news.
    assert merged.new == [] and merged.resolved == []
    merged = merge_pending(pending, new=[], resolved=[], open_now=set())
    assert merged.new == [] and merged.resolved == [TRUST]  # without accepted_now: unchanged


def test_the_slack_message_counts_only_what_counts() -> None:
    rep = report([_accepted(TRUST), DRIFT])
    content = AlertContent(report=rep, new=[DRIFT], resolved=[])
    fields = [field["text"] for field in build_blocks(content)[2]["fields"]]
    assert "*critical*: 0" in fields and "*high*: 1" in fields
    assert "*accepted* (not counted): 1" in fields
    assert summary_text(content).endswith("1 open findings (1 accepted not counted)")
    plain = AlertContent(report=report([TRUST, DRIFT]), new=[], resolved=[])
    assert "*critical*: 1" in [f["text"] for f in build_blocks(plain)[2]["fields"]]
    assert not any("accepted" in f["text"] for f in build_blocks(plain)[2]["fields"])
