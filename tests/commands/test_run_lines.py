"""What a run says on stderr besides the report, counted the way --fail-on counts: an
accepted finding is not an open one, in the table's header, the summary line and the
heartbeat's counts; and under --log-format json every line is a JSON object, failed reads
and warnings included, at their level."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from auditor.commands.run import RunOutcome
from auditor.model.snapshot import Snapshot
from tests.support.cli import invoke
from tests.support.snapshots import SmallApp, small_app

EDITORS = "arn:aws:iam::123456789012:role/app-editors"
ACCEPT_IT = {"rule": "trust-missing-aud", "reason": "SEC-12"}


def _files(tmp_path: Path, app: SmallApp, *accepted: dict[str, str]) -> list[str]:
    """`run` over `app`, whose editors' role trusts any identity pool (one critical)."""
    del app.snapshot["roles"][EDITORS]["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]
    baseline, snapshot = tmp_path / "baseline.yaml", tmp_path / "snapshot.json"
    baseline.write_text(yaml.safe_dump({**app.baseline, "accepted": list(accepted)}))
    snapshot.write_text(Snapshot.model_validate(app.snapshot).to_json())
    return ["run", "-b", str(baseline), "--snapshot", str(snapshot)]


def test_the_table_header_counts_an_accepted_critical_apart(tmp_path: Path) -> None:
    args = _files(tmp_path, small_app(), ACCEPT_IT)
    assert invoke([*args, "-o", str(tmp_path / "r.txt")]).exit_code == 0
    header = next(
        line for line in (tmp_path / "r.txt").read_text().splitlines() if "findings:" in line
    )
    assert "critical 0" in header and "(+ 1 accepted)" in header, header


def test_the_outcome_counts_what_counts(tmp_path: Path) -> None:
    from auditor.collect.session import AwsOptions
    from auditor.commands.options import run_options
    from auditor.commands.run import execute

    args = _files(tmp_path, small_app(), ACCEPT_IT)
    options = run_options(baseline=args[2], snapshot=args[4], aws=AwsOptions())
    outcome: RunOutcome = execute(options)
    counts = outcome.counts()
    assert outcome.report.summary.by_severity["critical"] == 1  # listed
    assert counts["by_severity"]["critical"] == 0 and counts["findings"] == 0
    assert counts["accepted"] == 1


def test_json_log_lines_carry_failures_and_warnings_at_their_level(tmp_path: Path) -> None:
    app = small_app()
    app.snapshot["errors"].append(
        {"service": "iam", "operation": "GetRolePolicy", "message": "throttled"}
    )
    expired = {**ACCEPT_IT, "expires": "2000-01-01"}
    args = _files(tmp_path, app, expired)
    done = invoke(["--log-format", "json", *args, "-o", str(tmp_path / "r.json")])
    assert done.exit_code == 3
    entries = [json.loads(line) for line in done.stderr.splitlines()]  # every line is JSON
    levels = {entry["level"] for entry in entries if "GetRolePolicy" in entry["message"]}
    assert levels == {"error"}
    warned = [e for e in entries if "accepted[0]" in e["message"]]
    assert [e["level"] for e in warned] == ["warning"]
    quiet = invoke(["--quiet", "--log-format", "json", *args, "-o", str(tmp_path / "r.json")])
    assert [json.loads(line)["level"] for line in quiet.stderr.splitlines()] == ["error"]
