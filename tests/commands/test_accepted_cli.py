"""Accepted risk and "since when" through the command line, on a saved snapshot (offline):
an accepted finding stays in the report but does not fail the run; an expired entry accepts
nothing; `validate` lists expired and unused entries; `--state` remembers first sightings
and a history of runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.checks.run import acceptance_review, audit
from auditor.model.baseline import Baseline
from auditor.model.snapshot import Snapshot
from tests.support.cli import invoke
from tests.support.findings import load_report
from tests.support.snapshots import SmallApp, small_app

EDITORS = "arn:aws:iam::123456789012:role/app-editors"
FUTURE, PAST = "2999-12-31", "2000-01-01"  # far from any day the suite runs on


def _app_with_a_critical_finding() -> SmallApp:
    """The clean small app, but the editors' role trusts any identity pool: one critical
    trust-missing-aud finding, and nothing else."""
    app = small_app()
    trust = app.snapshot["roles"][EDITORS]["trust_policy"]
    del trust["Statement"][0]["Condition"]["StringEquals"]
    return app


def _files(tmp_path: Path, app: SmallApp, *accepted: dict[str, Any]) -> tuple[Path, Path]:
    baseline, snapshot = tmp_path / "baseline.yaml", tmp_path / "snapshot.json"
    baseline.write_text(yaml.safe_dump({**app.baseline, "accepted": list(accepted)}))
    snapshot.write_text(Snapshot.model_validate(app.snapshot).to_json())
    return baseline, snapshot


def _run(baseline: Path, snapshot: Path, out: Path, *extra: str) -> int:
    args = ["run", "-b", str(baseline), "--snapshot", str(snapshot), "-f", "json"]
    return invoke([*args, "-o", str(out), "--fail-on", "low", *extra]).exit_code


def test_an_accepted_critical_finding_stays_in_the_report_and_does_not_fail(
    tmp_path: Path,
) -> None:
    entry = {"rule": "trust-missing-aud", "resource": "*/app-editors", "reason": "SEC-12"}
    baseline, snapshot = _files(tmp_path, _app_with_a_critical_finding(), entry)
    out = tmp_path / "report.json"
    assert _run(baseline, snapshot, out) == 0
    report = load_report(out)  # valid against report.schema.json
    [finding] = report["findings"]
    assert finding["rule_id"] == "trust-missing-aud" and finding["severity"] == "critical"
    assert finding["accepted"] == {"reason": "SEC-12", "expires": None}
    assert report["summary"]["accepted"] == 1 and report["summary"]["findings"] == 1


def test_an_entry_that_narrows_to_something_else_accepts_nothing(tmp_path: Path) -> None:
    entry = {"rule": "trust-missing-aud", "resource": "*/app-admin", "reason": "SEC-12"}
    baseline, snapshot = _files(tmp_path, _app_with_a_critical_finding(), entry)
    out = tmp_path / "report.json"
    assert _run(baseline, snapshot, out) == 1
    assert "accepted" not in load_report(out)["findings"][0]


@pytest.mark.parametrize(("expires", "code"), [(FUTURE, 0), (PAST, 1)])
def test_an_expired_entry_accepts_nothing(tmp_path: Path, expires: str, code: int) -> None:
    entry = {"rule": "trust-missing-aud", "reason": "SEC-12", "expires": expires}
    baseline, snapshot = _files(tmp_path, _app_with_a_critical_finding(), entry)
    out = tmp_path / "report.json"
    assert _run(baseline, snapshot, out) == code
    [finding] = load_report(out)["findings"]
    accepted = {"reason": "SEC-12", "expires": FUTURE} if code == 0 else None
    assert finding.get("accepted") == accepted


def test_markdown_lists_an_accepted_finding_apart(tmp_path: Path) -> None:
    entry = {"rule": "trust-missing-aud", "reason": "legacy app, SEC-12", "expires": FUTURE}
    baseline, snapshot = _files(tmp_path, _app_with_a_critical_finding(), entry)
    out = tmp_path / "report.md"
    assert _run(baseline, snapshot, out, "-f", "markdown") == 0
    text = out.read_text(encoding="utf-8")
    assert "### Accepted risk (1)" in text and "legacy app, SEC-12" in text and FUTURE in text
    assert "\n### Findings\n\nNo open findings" in text


def test_an_unknown_rule_in_an_entry_is_an_input_error(tmp_path: Path) -> None:
    entry = {"rule": "trust-missing-audience", "reason": "x"}
    baseline, snapshot = _files(tmp_path, _app_with_a_critical_finding(), entry)
    result = invoke(["run", "-b", str(baseline), "--snapshot", str(snapshot), "-f", "json"])
    assert result.exit_code == 2
    assert f"{baseline}: accepted[0].rule: 'trust-missing-audience' is not a rule id" in (
        result.stderr
    )
    assert invoke(["validate", str(baseline)]).exit_code == 2


def test_validate_lists_expired_entries_and_stays_valid(tmp_path: Path) -> None:
    entries = [
        {"rule": "trust-missing-aud", "reason": "a", "expires": PAST},
        {"rule": "ambiguous-precedence", "reason": "b", "expires": FUTURE},
    ]
    baseline, _ = _files(tmp_path, _app_with_a_critical_finding(), *entries)
    result = invoke(["validate", str(baseline)])
    assert result.exit_code == 0 and result.stdout == f"{baseline}: valid\n"
    assert result.stderr.splitlines() == [
        f"auditor: warning: {baseline}: accepted[0]: trust-missing-aud expired on {PAST}; "
        "it accepts nothing now"
    ]


def test_validate_against_a_snapshot_lists_unused_entries(tmp_path: Path) -> None:
    entries = [
        {"rule": "trust-missing-aud", "reason": "used"},
        {"rule": "ambiguous-precedence", "persona": "group:*", "reason": "unused"},
        {"rule": "excess-route", "reason": "expired", "expires": PAST},
    ]
    baseline, snapshot = _files(tmp_path, _app_with_a_critical_finding(), *entries)
    result = invoke(["validate", str(baseline), "--snapshot", str(snapshot)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"auditor: warning: {baseline}: accepted[1]: ambiguous-precedence, persona group:* "
        "matches no finding; remove it or fix its patterns",
        f"auditor: warning: {baseline}: accepted[2]: excess-route expired on {PAST}; "
        "it accepts nothing now",
    ]
    # Without the snapshot nothing is audited, so nothing is called unused.
    assert "accepted[1]" not in invoke(["validate", str(baseline)]).stderr


def test_validate_refuses_a_snapshot_of_another_pool(tmp_path: Path) -> None:
    app = _app_with_a_critical_finding()
    baseline, snapshot = _files(tmp_path, app, {"rule": "trust-missing-aud", "reason": "x"})
    other = {**app.baseline, "user_pool": {"id": "us-east-1_Other1"}}
    other["accepted"] = [{"rule": "trust-missing-aud", "reason": "x"}]
    baseline.write_text(yaml.safe_dump(other))
    result = invoke(["validate", str(baseline), "--snapshot", str(snapshot)])
    assert result.exit_code == 2 and f"{snapshot}: user_pool" in result.stderr


def test_a_run_reviews_its_entries_unused_only_when_complete() -> None:
    app = _app_with_a_critical_finding()
    app.baseline["accepted"] = [
        {"rule": "trust-missing-aud", "reason": "used"},
        {"rule": "group-undeclared", "reason": "unused"},
    ]
    baseline = Baseline.model_validate(app.baseline)
    report = audit(Snapshot.model_validate(app.snapshot), baseline)
    [line] = acceptance_review(baseline, report)
    assert "accepted[1]: group-undeclared matches no finding" in line
    incomplete = report.model_copy(update={"status": "incomplete"})
    assert acceptance_review(baseline, incomplete) == []


def test_two_runs_with_state_remember_the_first_sighting_and_the_history(tmp_path: Path) -> None:
    baseline, snapshot = _files(tmp_path, _app_with_a_critical_finding())
    state = tmp_path / "state.json"
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    assert _run(baseline, snapshot, first, "--state", str(state)) == 1
    assert _run(baseline, snapshot, second, "--state", str(state)) == 1
    one, two = load_report(first), load_report(second)
    seen_first = one["findings"][0]["first_seen"]
    assert two["findings"][0]["first_seen"] == seen_first
    assert two["findings"][0]["last_seen"] >= seen_first
    assert len(one["history"]) == 1 and len(two["history"]) == 2
    assert [run["new"] for run in two["history"]] == [1, 0]
    assert two["history"][1]["by_severity"]["critical"] == 1
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert len(saved["history"]) == 2
    assert saved["open_findings"][0]["first_seen"] == seen_first


@pytest.mark.parametrize("quiet", [False, True])
def test_run_warns_of_an_expired_and_an_unused_entry_unless_quiet(
    tmp_path: Path, quiet: bool
) -> None:
    expired = {"rule": "trust-missing-aud", "reason": "SEC-12", "expires": PAST}
    unused = {"rule": "group-missing", "reason": "SEC-13"}
    baseline, snapshot = _files(tmp_path, _app_with_a_critical_finding(), expired, unused)
    args = ["run", "-b", str(baseline), "--snapshot", str(snapshot), "-o", str(tmp_path / "r.json")]
    result = invoke(["--quiet", *args] if quiet else args)
    assert result.exit_code == 1  # the expired entry accepts nothing
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    if quiet:
        assert warnings == []
        return
    assert len(warnings) == 2, result.stderr
    assert "accepted[0]" in warnings[0] and PAST in warnings[0]
    assert "accepted[1]" in warnings[1] and "group-missing" in warnings[1]


def test_validate_checks_the_snapshot_even_without_accepted_entries(tmp_path: Path) -> None:
    baseline, _ = _files(tmp_path, _app_with_a_critical_finding())
    junk = tmp_path / "junk.json"
    junk.write_text("{}")
    for snapshot in (junk, tmp_path / "missing.json"):
        result = invoke(["validate", str(baseline), "--snapshot", str(snapshot)])
        assert result.exit_code == 2, result  # never "valid" beside an unreadable snapshot
        assert str(snapshot) in result.stderr


def test_validate_warnings_are_log_lines(tmp_path: Path) -> None:
    entry = {"rule": "trust-missing-aud", "reason": "a", "expires": PAST}
    baseline, _ = _files(tmp_path, _app_with_a_critical_finding(), entry)
    [line] = invoke(["--log-format", "json", "validate", str(baseline)]).stderr.splitlines()
    assert json.loads(line)["level"] == "warning" and "accepted[0]" in json.loads(line)["message"]
    quiet = invoke(["--quiet", "validate", str(baseline)])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_an_accepted_unreadable_policy_still_leaves_the_run_incomplete(tmp_path: Path) -> None:
    """Accepting policy-unreadable mutes the finding, never the doubt: the verdicts it
    leaves unknown are still unknown, so the run is incomplete (exit 3), not clean."""
    app = small_app()
    role = app.snapshot["roles"][EDITORS]
    role["inline_policies"].append(
        {"name": "odd", "document": {"Version": "2012-10-17", "Statement": "not a list"}}
    )
    entry = {"rule": "policy-unreadable", "reason": "known"}
    baseline, snapshot = _files(tmp_path, app, entry)
    out = tmp_path / "report.json"
    assert _run(baseline, snapshot, out) == 3
    report = load_report(out)
    assert report["status"] == "incomplete"
    unreadable = [f for f in report["findings"] if f["rule_id"] == "policy-unreadable"]
    assert unreadable and all(f["accepted"]["reason"] == "known" for f in unreadable)


def test_the_heartbeat_counts_no_accepted_finding_as_new(tmp_path: Path) -> None:
    from auditor.collect.session import AwsOptions
    from auditor.commands.options import run_options
    from auditor.commands.run import execute

    entry = {"rule": "trust-missing-aud", "reason": "SEC-12"}
    baseline, snapshot = _files(tmp_path, _app_with_a_critical_finding(), entry)
    for state in (None, str(tmp_path / "state.json")):
        options = run_options(
            baseline=str(baseline), snapshot=str(snapshot), aws=AwsOptions(), state=state
        )
        counts = execute(options).counts()
        assert counts["findings"] == 0 and counts["accepted"] == 1
        assert counts["new"] in (None, 0), counts
