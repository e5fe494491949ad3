"""A snapshot with a policy the auditor cannot read, through the real command line: the run
is incomplete (exit 3), policy-unreadable says which document and why, the routes it governs
are unknown and never denied, and nothing ends in a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.support.cli import CliResult, subprocess_cli
from tests.support.findings import load_report
from tests.support.snapshots import EXECUTE_API, SmallApp, role, small_app

ADMIN = role("app-admin")
BROKEN = {
    "Sid": "Reports",
    "Effect": "Allow",
    "Action": "execute-api:Invoke",
    "Resource": f"{EXECUTE_API}/*/admin/*",
    "Condition": {"StringEqualz": {"aws:username": "ann"}},  # no such operator
}


def _files(app: SmallApp, folder: Path) -> tuple[Path, Path]:
    baseline, snapshot = app.write(folder)
    return snapshot, baseline


def _run_offline(app: SmallApp, folder: Path) -> tuple[CliResult, Path]:
    """`auditor run --snapshot` on the app, for real: the result and the JSON report's path.
    Never a traceback, whatever the snapshot holds."""
    snapshot, baseline = _files(app, folder)
    out = folder / "report.json"
    result = subprocess_cli(
        ["run", "--baseline", str(baseline), "--snapshot", str(snapshot), "-o", str(out)]
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result, out


def test_an_unreadable_statement_is_exit_3_unknown_cells_and_a_finding(tmp_path: Path) -> None:
    app = small_app()
    # The admins' grant of /admin/* now sits behind a statement nobody can read, and the
    # editors' role, which does not reach /admin/users, gets a document that is not one.
    app.grant("app-admin", "GET/items")
    app.role("app-admin")["inline_policies"].append(
        {"name": "admin", "document": {"Version": "2012-10-17", "Statement": [BROKEN]}}
    )
    app.role("app-editors")["inline_policies"].append(
        {"name": "junk", "document": {"Version": "2012-10-17", "Statement": "everything"}}
    )
    result, out = _run_offline(app, tmp_path)
    assert result.exit_code == 3, result.stderr
    # One stderr line per problem, as for a failed read.
    assert result.stderr.count("auditor: auditor EvaluatePolicy failed:") == 2

    report = load_report(out)  # schema-valid, 'unknown' included
    assert report["status"] == "incomplete"
    assert {e["service"] for e in report["errors"]} == {"auditor"}
    unreadable = {
        f["resource"]: f for f in report["findings"] if f["rule_id"] == "policy-unreadable"
    }
    assert set(unreadable) == {f"{ADMIN}#admin", f"{role('app-editors')}#junk"}
    (aside,) = unreadable[f"{ADMIN}#admin"]["evidence"]["set_aside"]
    assert (aside["statement"], aside["sid"], aside["effect"]) == (0, "Reports", "Allow")
    assert "unknown condition operator 'StringEqualz'" in aside["why"]

    cells = {(c["persona"], c["route"]): c["verdict"] for c in report["access_matrix"]}
    assert cells[("group:admin", "GET /admin/users")] == "unknown"  # denied without it
    assert cells[("group:admin", "GET /items")] == "allowed"  # an Allow cannot undo it
    assert cells[("group:admin", "GET /me")] == "denied"  # its Resource cannot match
    # The junk document is of unknown effect: every IAM route of the editors' role is unknown
    # whether its readable policies allow it (GET /items) or not (GET /me); read as "allow
    # everything" or "deny everything" it would not be. GET /health is public, decided
    # without the role.
    assert {r: v for (p, r), v in cells.items() if p == "group:editors"} == {
        "GET /health": "allowed",
        "GET /items": "unknown",
        "GET /me": "unknown",
        "GET /admin/users": "unknown",
        "GET /administrators": "unknown",
    }
    assert cells[("default", "GET /me")] == "allowed"
    # No rule claims missing or excess access on what could not be judged.
    access = {"missing-all-users-route", "missing-route", "excess-route"}
    assert [f for f in report["findings"] if f["rule_id"] in access] == []

    explained = subprocess_cli(
        [
            "explain",
            "--baseline",
            str(tmp_path / "baseline.yaml"),  # as _run_offline wrote them
            "--snapshot",
            str(tmp_path / "snapshot.json"),
            "--persona",
            "group:admin",
            "--route",
            "GET /admin/users",
        ]
    )
    assert explained.exit_code == 0, explained.stderr
    assert "verdict   unknown" in explained.stdout
    assert "(without them: denied)" in explained.stdout
    assert "'app-admin/admin' statement 0 (Sid Reports)" in explained.stdout


def test_a_route_path_outside_the_grammar_is_exit_2_naming_the_field(tmp_path: Path) -> None:
    """A hand-edited snapshot's route path the engine could not parse is refused when the
    snapshot is read (route_grammar): one line naming the file and the field, no report."""
    for path, problem in [
        ("", "a route path starts with '/'"),
        ("x", "a route path starts with '/'"),
        ("/{proxy+}/x", "a greedy {proxy+} must be the last path segment"),
    ]:
        app = small_app()
        app.add_route(f"GET {path}")
        index = len(app.api["routes"]) - 1
        snapshot, baseline = tmp_path / "snapshot.json", tmp_path / "baseline.yaml"
        snapshot.write_text(json.dumps({"schema_version": "1", **app.snapshot}), encoding="utf-8")
        baseline.write_text(yaml.safe_dump(app.baseline), encoding="utf-8")
        result = subprocess_cli(["run", "--baseline", str(baseline), "--snapshot", str(snapshot)])
        assert result.exit_code == 2, result.stderr
        assert result.stderr.splitlines() == [
            f"auditor: error: {snapshot}: apis.0.routes.{index}.path: {problem}"
        ]


def test_a_policy_missing_from_the_snapshot_is_exit_3_not_a_clean_denial(tmp_path: Path) -> None:
    """Offline, nothing records a failed read: a managed policy or boundary the snapshot does
    not have is a document that cannot be read, not one that grants (or allows) nothing."""
    app = small_app()
    missing = "arn:aws:iam::123456789012:policy/gone"
    app.role("app-admin")["attached_policy_arns"] = [missing]
    app.role("app-default")["permissions_boundary_arn"] = missing
    result, out = _run_offline(app, tmp_path)
    assert result.exit_code == 3, result.stderr
    report = load_report(out)
    assert report["status"] == "incomplete"
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "policy-unreadable"]
    assert finding["resource"] == missing and "not in the snapshot" in finding["message"]
    assert finding["evidence"]["roles"] == [ADMIN, role("app-default")]
    cells = {(c["persona"], c["route"]): c["verdict"] for c in report["access_matrix"]}
    assert cells[("group:admin", "GET /admin/users")] == "unknown"
    assert cells[("default", "GET /me")] == "unknown"
    assert cells[("group:editors", "GET /items")] == "allowed"
