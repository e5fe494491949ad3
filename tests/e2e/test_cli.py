"""The command line end to end: exit codes, stderr, files, offline replay, explain, rules.

Exit codes and stderr are checked through a real subprocess (`python -m auditor`); the rest
uses typer's CliRunner in-process, which runs the same code faster.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from auditor.checks import CHECKS
from tests.support import drift
from tests.support.aws import Aws
from tests.support.cli import invoke, run_report, subprocess_cli, take_snapshot
from tests.support.findings import keys, load_report
from tests.support.world import World


def run_args(world: World, *extra: str) -> list[str]:
    return ["run", "--baseline", str(world.baseline_path), "--endpoint-url", world.url, *extra]


# --- exit codes through a real process ---------------------------------------------------


def test_exit_0_clean_with_aws_endpoint_url_from_the_environment(world: World) -> None:
    out = world.folder / "r.json"
    result = subprocess_cli(
        ["run", "--baseline", str(world.baseline_path), "-o", str(out)], endpoint=world.url
    )
    assert (result.exit_code, result.stderr) == (0, f"0 findings -> {out}\n")
    assert load_report(out)["findings"] == []


def test_fail_on_thresholds(world: World) -> None:
    drift.update_group(world, "editors", Precedence=5)  # one medium finding
    out = str(world.folder / "r.json")
    codes = {
        level: subprocess_cli(
            ["run", "--baseline", str(world.baseline_path), "-o", out, "--fail-on", level],
            endpoint=world.url,
        ).exit_code
        for level in ("high", "medium")
    }
    assert codes == {"high": 0, "medium": 1}
    # The rest offline from a snapshot: same audit, no AWS round trips.
    snapshot = str(world.folder / "s.json")
    assert take_snapshot(world, snapshot).exit_code == 0
    offline = ["run", "--baseline", str(world.baseline_path), "--snapshot", snapshot, "-o", out]
    for level, code in {"critical": 0, "low": 1, "info": 1, "MEDIUM": 1}.items():
        assert invoke([*offline, "--fail-on", level]).exit_code == code, level
    assert invoke(offline).exit_code == 1  # default: low
    bad = invoke(run_args(world, "-o", out, "--fail-on", "severe"))
    assert bad.exit_code == 2 and "--fail-on" in bad.stderr
    for option, value, says in (
        ("--retry-mode", "sometimes", "legacy, standard, adaptive"),
        ("--max-attempts", "0", "at least 1"),
    ):
        bad = invoke([*offline, option, value])  # offline too: bad options are bad options
        assert bad.exit_code == 2 and option in bad.stderr and says in bad.stderr, bad.stderr


def test_snapshot_command_writes_what_it_read_and_exits_3_when_a_read_failed(
    world: World,
) -> None:
    world.emulator.inject_failure("cognito-idp:ListGroups")
    out = world.folder / "snap.json"
    result = invoke(
        [
            "snapshot",
            "--user-pool",
            world.user_pool_id,
            "--identity-pool",
            world.pool_id,
            "--api",
            f"{world.rest_id}:prod",
            "-o",
            str(out),
            "--endpoint-url",
            world.url,
        ]
    )
    assert result.exit_code == 3
    assert "cognito-idp ListGroups failed" in result.stderr
    snap = json.loads(out.read_text(encoding="utf-8"))
    assert [e["operation"] for e in snap["errors"]] == ["ListGroups"]
    assert snap["user_pool"]["id"] == world.user_pool_id and snap["user_pool"]["groups"] == []
    assert [a["id"] for a in snap["apis"]] == [world.rest_id]


def test_exit_3_when_a_read_fails_wins_over_1_and_report_is_written(world: World) -> None:
    drift.update_group(world, "editors", Precedence=5)  # a finding that would give exit 1
    world.emulator.inject_failure("iam:GetAccountAuthorizationDetails")
    out = world.folder / "r.json"
    result = subprocess_cli(
        ["run", "--baseline", str(world.baseline_path), "-o", str(out), "--fail-on", "info"],
        endpoint=world.url,
    )
    assert result.exit_code == 3
    assert "iam" in result.stderr and "GetAccountAuthorizationDetails" in result.stderr
    report = load_report(out)
    assert report["status"] == "incomplete"
    assert [(e["service"], e["operation"]) for e in report["errors"]] == [
        ("iam", "GetAccountAuthorizationDetails")
    ]
    # What could be read is still audited; what depends on IAM is not guessed at.
    assert keys(report) == {
        ("precedence-drift", "group:editors", None, world.group_resource("editors"))
    }


def test_exit_3_even_with_nothing_found_and_the_table_never_says_no_drift(world: World) -> None:
    world.emulator.inject_failure("apigateway:GetResources")
    out = world.folder / "r.txt"
    result = subprocess_cli(
        [
            "run",
            "--baseline",
            str(world.baseline_path),
            "-o",
            str(out),
            "--format",
            "table",
            "--fail-on",
            "critical",
        ],
        endpoint=world.url,
    )
    assert result.exit_code == 3
    text = out.read_text(encoding="utf-8")
    assert "INCOMPLETE" in text
    md = world.folder / "r.md"
    assert invoke(run_args(world, "-o", str(md))).exit_code == 3
    assert "cannot claim there is no drift" in md.read_text(encoding="utf-8")


def test_unknown_user_pool_exits_2_with_one_line(world: World) -> None:
    world.baseline["user_pool"] = {"id": "us-east-1_DoesNotExist"}
    path = world.write_baseline(name="ghost.yaml")
    result = subprocess_cli(
        ["run", "--baseline", str(path), "-o", str(world.folder / "r.json")], endpoint=world.url
    )
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "us-east-1_DoesNotExist" in lines[0]
    assert "Traceback" not in result.stderr


def test_slack_without_credentials_exits_2_before_any_aws_call(world: World) -> None:
    result = subprocess_cli(
        ["run", "--baseline", str(world.baseline_path), "--slack"], endpoint=world.url
    )
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "--slack" in line and "SLACK_WEBHOOK_URL" in line
    assert world.emulator.operations() == {}


def test_unknown_api_exits_2(world: World) -> None:
    world.baseline["apis"].append({"id": "nosuchapi1", "stage": "prod"})
    path = world.write_baseline(name="ghost-api.yaml")
    result = subprocess_cli(["run", "--baseline", str(path)], endpoint=world.url)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and "nosuchapi1" in result.stderr


def test_bad_baseline_exits_2_naming_file_and_field(world: World) -> None:
    world.baseline["groups"]["admin"]["precedence"] = "first"
    path = world.write_baseline(name="bad.yaml")
    result = subprocess_cli(["run", "--baseline", str(path)], endpoint=world.url)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert str(path) in line and "groups.admin.precedence" in line
    assert world.emulator.operations() == {}  # rejected before any AWS call


def test_unreadable_snapshot_exits_2(tmp_path: Path, world: World) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = subprocess_cli(
        ["run", "--baseline", str(world.baseline_path), "--snapshot", str(broken)]
    )
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert str(broken) in line


def test_validate(world: World) -> None:
    ok = subprocess_cli(["validate", str(world.baseline_path)])
    assert ok.exit_code == 0 and "valid" in ok.stdout
    world.baseline["routes"]["all_users"].append("FETCH /items")
    del world.baseline["version"]
    path = world.write_baseline(name="invalid.yaml")
    bad = subprocess_cli(["validate", str(path)])
    assert bad.exit_code == 2
    assert "routes.all_users[4]" in bad.stderr and "version" in bad.stderr
    assert all(str(path) in line for line in bad.stderr.splitlines())


# --- offline replay ----------------------------------------------------------------------


def _drift_several(world: World) -> None:
    drift.update_group(world, "editors", Precedence=5)
    world.client("iam").detach_role_policy(
        RoleName="app-editors", PolicyArn=world.seeded.policy_arns["app-all-users"]
    )
    drift.put_inline(
        world, "app-admin", "admin", world.arns.rest("*/admin*"), world.arns.rest("DELETE/items/*")
    )
    drift.add_rest_route(world, "GET /debug", "NONE")


def test_snapshot_then_offline_run_equals_live_and_calls_no_aws(world: World) -> None:
    _drift_several(world)
    live = run_report(world)
    snapshot = world.folder / "s.json"
    made = take_snapshot(world, snapshot)
    assert made.exit_code == 0
    world.emulator.clear_operations()
    out = world.folder / "offline.json"
    result = subprocess_cli(
        [
            "run",
            "--baseline",
            str(world.baseline_path),
            "--snapshot",
            str(snapshot),
            "-o",
            str(out),
        ],
        endpoint=world.url,
    )
    assert result.exit_code == 1, result.stderr
    assert world.emulator.operations() == {}
    offline = load_report(out)
    assert len(live["findings"]) == 8
    assert offline["findings"] == live["findings"]  # witnesses too: they are deterministic
    assert [f["fingerprint"] for f in offline["findings"]] == [
        f["fingerprint"] for f in live["findings"]
    ]
    assert without_witnesses(offline["access_matrix"]) == without_witnesses(live["access_matrix"])
    assert offline["target"] == live["target"]


def without_witnesses(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Example request ARNs are illustrations; which one is picked is not part of the contract."""

    def strip(item: dict[str, Any]) -> dict[str, Any]:
        item = {k: v for k, v in item.items() if not k.startswith("witness_")}
        if isinstance(item.get("evidence"), dict):
            item["evidence"] = {
                k: v for k, v in item["evidence"].items() if not k.startswith("witness_")
            }
        return item

    return [strip(i) for i in items]


def test_offline_snapshot_of_another_pool_is_refused(world: World, tmp_path: Path) -> None:
    snapshot = world.folder / "s.json"
    assert take_snapshot(world, snapshot).exit_code == 0
    world.baseline["user_pool"] = {"id": "us-east-1_Other"}
    other = world.write_baseline(name="other.yaml")
    result = invoke(["run", "--baseline", str(other), "--snapshot", str(snapshot)])
    assert result.exit_code == 2 and "user_pool" in result.stderr


# --- output formats, explain, rules ------------------------------------------------------


def test_formats_write_files(world: World) -> None:
    drift.update_group(world, "editors", Precedence=5)
    snapshot = str(world.folder / "s.json")
    assert take_snapshot(world, snapshot).exit_code == 0
    offline = ["run", "--baseline", str(world.baseline_path), "--snapshot", snapshot]
    for fmt in ("json", "table", "markdown", "html"):
        out = world.folder / f"report-{fmt}.out"
        result = invoke([*offline, "--format", fmt, "-o", str(out)])
        assert result.exit_code == 1, fmt
        assert result.stdout == "", fmt  # the report went to the file
        assert "precedence-drift" in out.read_text(encoding="utf-8"), fmt
    assert json.loads((world.folder / "report-json.out").read_text())["summary"]["findings"] == 1
    assert "<html" in (world.folder / "report-html.out").read_text().lower()
    assert (world.folder / "report-markdown.out").read_text().lstrip().startswith("#")
    # The suffix of -o picks the format when --format is not given.
    assert invoke([*offline, "-o", str(world.folder / "r.html")]).exit_code == 1
    assert "<html" in (world.folder / "r.html").read_text().lower()
    # No -o: the report goes to stdout.
    stdout = invoke([*offline, "--format", "json"])
    assert json.loads(stdout.stdout)["findings"][0]["rule_id"] == "precedence-drift"


def test_explain_names_the_role_and_the_deciding_statement(world: World) -> None:
    base = ["explain", "--baseline", str(world.baseline_path), "--endpoint-url", world.url]
    allowed = invoke([*base, "--persona", "group:admin", "--route", "GET /admin/users"])
    assert allowed.exit_code == 0, allowed.stderr
    text = allowed.stdout
    assert world.role("app-admin") in text
    assert "precedence 0" in text  # why that role: the group wins by precedence
    assert "verdict   allowed" in text
    assert "app-admin/admin#0 (Sid Admin)" in text
    denied = invoke([*base, "--persona", "default", "--route", "DELETE /items/{id}"])
    assert denied.exit_code == 0
    assert world.role("app-default") in denied.stdout and "verdict   denied" in denied.stdout
    unknown = invoke([*base, "--persona", "group:nobody", "--route", "GET /items"])
    assert unknown.exit_code == 2 and "group:nobody" in unknown.stderr


def test_explain_asks_a_live_any_route_for_the_verb_whatever_its_parameter_names(
    world: World,
) -> None:
    drift.add_rest_route(world, "ANY /files/{fileId}", "AWS_IAM")
    drift.put_inline(world, "app-editors", "files", world.arns.rest("GET/files/*"))
    result = invoke(
        [
            "explain",
            "--baseline",
            str(world.baseline_path),
            "--endpoint-url",
            world.url,
            "--persona",
            "group:editors",
            "--route",
            "GET /files/{id}",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert "GET /files/{fileId} on" in result.stdout
    assert "verdict   allowed" in result.stdout


def test_explain_deny_statement(world: World) -> None:
    drift.put_inline(
        world,
        "app-editors",
        "no-admin-report",
        world.arns.rest("GET/administrators"),
        effect="Deny",
    )
    result = invoke(
        [
            "explain",
            "--baseline",
            str(world.baseline_path),
            "--endpoint-url",
            world.url,
            "--persona",
            "group:editors",
            "--route",
            "GET /administrators",
        ]
    )
    assert result.exit_code == 0
    assert "verdict   denied" in result.stdout
    assert "denied by   app-editors/no-admin-report#0" in result.stdout


def test_rules_lists_every_rule_of_the_registry() -> None:
    as_json = invoke(["rules", "--format", "json"])
    assert as_json.exit_code == 0
    ids = [rule["id"] for rule in json.loads(as_json.stdout)]
    # In the registry's order, which tests/audit/test_rule_catalog.py holds to CONTRACT §5.
    assert ids == list(CHECKS)
    table = subprocess_cli(["rules"])
    assert table.exit_code == 0
    flat = "".join(table.stdout.split())  # narrow terminals fold long ids across lines
    assert all(
        rule_id in flat or rule_id.replace("-", "") in flat.replace("-", "") for rule_id in CHECKS
    )


def test_demo_finds_its_five_planted_mistakes(tmp_path: Path, aws: Aws) -> None:
    out = tmp_path / "demo.json"
    result = subprocess_cli(["demo", "--format", "json", "-o", str(out), "--keep", str(tmp_path)])
    assert result.exit_code == 1, result.stderr
    report = load_report(out)
    baseline = yaml.safe_load((tmp_path / "baseline.yaml").read_text())
    roles = {name: g["role"] for name, g in baseline["groups"].items()}
    api = baseline["apis"][0]["id"]
    pool = baseline["user_pool"]["id"]
    found = {(f["rule_id"], f["persona"], f["route"]) for f in report["findings"]}
    assert found == {
        ("excess-route", "group:admin", "GET /administrators"),  # 1: /admin*
        ("missing-all-users-route", "group:editors", "GET /items"),  # 2: no all-users
        ("missing-all-users-route", "group:editors", "GET /items/{id}"),
        ("trust-missing-aud", None, None),  # 3: no aud
        ("ambiguous-precedence", "group:editors", None),  # 4: tie 10/10
        ("precedence-drift", "group:support", None),
        ("route-not-iam", None, "GET /debug/config"),  # 5: NONE route
        ("route-undeclared", None, "GET /debug/config"),
    }
    by_rule = {f["rule_id"]: f for f in report["findings"]}
    assert by_rule["trust-missing-aud"]["resource"] == roles["support"]
    assert by_rule["excess-route"]["resource"] == roles["admin"]
    assert by_rule["route-not-iam"]["severity"] == "critical"
    assert by_rule["route-not-iam"]["api_id"] == api
    assert by_rule["ambiguous-precedence"]["resource"].endswith("/group/editors+support")
    assert pool in by_rule["ambiguous-precedence"]["resource"]
    assert json.loads((tmp_path / "snapshot.json").read_text())["schema_version"] == "1"


def test_demo_in_process_markdown(tmp_path: Path, aws: Aws) -> None:
    out = tmp_path / "demo.md"
    result = invoke(["demo", "-o", str(out)])
    assert result.exit_code == 1
    assert "trust-missing-aud" in out.read_text(encoding="utf-8")


def test_schedule_command_rejects_bad_cron_and_bad_baseline_before_running(world: World) -> None:
    bad_cron = subprocess_cli(
        ["schedule", "--baseline", str(world.baseline_path), "--cron", "every hour"],
        endpoint=world.url,
    )
    assert bad_cron.exit_code == 2
    (line,) = bad_cron.stderr.splitlines()
    assert "--cron" in line and "every hour" in line

    world.baseline["version"] = 2
    path = world.write_baseline(name="v2.yaml")
    bad_baseline = subprocess_cli(
        ["schedule", "--baseline", str(path), "--cron", "*/5 * * * *"], endpoint=world.url
    )
    assert bad_baseline.exit_code == 2
    assert str(path) in bad_baseline.stderr and "version" in bad_baseline.stderr
    assert world.emulator.operations() == {}


# --- state through the command line (CONTRACT §1 --state) -------------------------------------


def test_run_with_state_reports_changes_and_refuses_a_corrupt_state(world: World) -> None:
    state = world.folder / "state.json"
    first = run_report(world, "--state", str(state), expect_exit=0)
    assert state.exists() and first["changes"]["new"] == []
    drift.update_group(world, "editors", Precedence=0)  # ties with admin: ambiguous
    second = run_report(world, "--state", str(state))
    rules = {f["rule_id"] for f in second["findings"]}
    assert {"changed-since-last-run", "ambiguous-precedence"} <= rules
    new = {f["rule_id"] for f in second["findings"] if f["fingerprint"] in second["changes"]["new"]}
    assert "ambiguous-precedence" in new

    state.write_text("{not json", encoding="utf-8")
    bad = invoke(
        [
            "run",
            "--baseline",
            str(world.baseline_path),
            "--endpoint-url",
            world.url,
            "--state",
            str(state),
            "-o",
            str(world.folder / "r.json"),
        ]
    )
    assert bad.exit_code == 2 and str(state) in bad.stderr
    assert state.read_text(encoding="utf-8") == "{not json"  # left for a human to look at


def test_region_flag_wins_over_the_baselines_region(world: World) -> None:
    # The world lives in us-east-1, as the baseline says; --region sends the reads elsewhere.
    result = invoke(
        [
            "run",
            "--baseline",
            str(world.baseline_path),
            "--endpoint-url",
            world.url,
            "--region",
            "eu-west-1",
            "-o",
            str(world.folder / "r.json"),
        ]
    )
    assert result.exit_code == 2
    assert "not found in eu-west-1" in result.stderr
