"""What a person sees on a terminal (issue 14): progress while collecting, on stderr and only
on a terminal; the table in the terminal's width and colours, NO_COLOR honoured.

Each case runs the real CLI on a pseudo-terminal of a known size (tests/support/terminal.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from auditor.model.snapshot import Snapshot
from tests.support.cli import subprocess_cli
from tests.support.snapshots import SmallApp, small_app
from tests.support.terminal import run_on_terminal
from tests.support.world import World

ESCAPE = "\x1b["
POOLS = ["--region", "us-east-1", "--user-pool", "us-east-1_abcdef", "--identity-pool",
         "us-east-1:0d3a0000-0000-0000-0000-000000000000"]  # fmt: skip


def _pages_shown(screen: str) -> list[int]:
    """The page counts the progress line showed, in order."""
    return [int(count) for count in re.findall(r"reading AWS: (\d+) pages? ", screen)]


# --- progress while collecting ----------------------------------------------------------------


def test_a_terminal_sees_each_service_and_its_pages_while_collecting(
    world: World, tmp_path: Path
) -> None:
    out = tmp_path / "snapshot.json"
    run = run_on_terminal(
        ["snapshot", "--baseline", str(world.baseline_path), "-o", str(out)],
        on_terminal=("stderr",),
        endpoint=world.url,
    )
    assert run.exit_code == 0, run.stderr
    assert "reading AWS" in run.stderr
    calls = world.emulator.operations()
    services = {operation.split(":")[0] for operation in calls}
    assert {"sts", "cognito-idp", "cognito-identity", "iam", "apigateway"} <= services
    # The last line drawn (finished() draws it before erasing it): the service in progress
    # and how much it gave, after the count of every page read.
    assert re.search(r"· apigatewayv2 \w+\x1b\[2m · apigatewayv2 \d+ pages?/", run.stderr)
    shown = _pages_shown(run.stderr)
    assert shown == sorted(shown) and shown[-1] == sum(calls.values())  # the last is drawn
    assert Snapshot.load(out).errors == []


def test_an_unreachable_endpoint_shows_each_retry() -> None:
    run = run_on_terminal(["snapshot", *POOLS, "--max-attempts", "3"], on_terminal=("stderr",))
    assert run.exit_code == 3
    for attempt in (2, 3):
        assert f"sts: retrying ({attempt}/3) GetCallerIdentity" in run.stderr
    assert "cognito-idp: retrying (3/3)" in run.stderr
    # The live line is gone at the end: the failed reads are what stays.
    assert "auditor: sts GetCallerIdentity failed" in run.stderr
    assert json.loads(run.stdout)["errors"]  # stdout, a pipe, holds the snapshot alone


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_shows_no_progress_on_a_terminal(where: str) -> None:
    args = ["snapshot", *POOLS, "--max-attempts", "2"]
    args = ["--quiet", *args] if where == "before" else [*args, "--quiet"]
    run = run_on_terminal(args, on_terminal=("stderr",))
    assert run.exit_code == 3
    assert "retrying" not in run.stderr and ESCAPE not in run.stderr
    assert "auditor: sts GetCallerIdentity failed" in run.stderr  # errors still say


def test_a_pipe_gets_no_progress_but_debug_logs_each_retry_as_json() -> None:
    quiet = subprocess_cli(["snapshot", *POOLS, "--max-attempts", "3"])
    assert quiet.exit_code == 3
    assert "retrying" not in quiet.stderr and ESCAPE not in quiet.stderr
    logged = subprocess_cli(
        ["--log-level", "debug", "snapshot", *POOLS, "--max-attempts", "3", "--log-format", "json"]
    )
    assert logged.exit_code == 3
    entries = [json.loads(line) for line in logged.stderr.splitlines() if line.startswith("{")]
    retries = [e for e in entries if e["message"].startswith("sts: retrying")]
    assert [e["fields"]["attempt"] for e in retries] == [2, 3]
    assert {e["level"] for e in retries} == {"debug"}
    assert all(e["fields"]["max_attempts"] == 3 for e in retries)


# --- the table: width, colour, rule ids ------------------------------------------------------


def _drifted(tmp_path: Path) -> tuple[SmallApp, list[str]]:
    """A small app with drift on disk; the run's arguments for a table on stdout."""
    app = small_app()
    app.grant("app-editors", "GET/me", "*/admin/*")
    app.add_route("GET /undeclared-and-quite-long-path/{identifier}/children", "NONE")
    baseline, snapshot = app.write(tmp_path)
    return app, ["run", "--baseline", str(baseline), "--snapshot", str(snapshot)]


@pytest.mark.parametrize("columns", [80, 160])
def test_the_table_fills_the_terminal_and_never_splits_a_rule_id(
    tmp_path: Path, columns: int
) -> None:
    app, args = _drifted(tmp_path)
    rule_ids = {f.rule_id for f in app.report().findings}
    run = run_on_terminal(args, columns=columns, on_terminal=("stdout",))
    assert run.exit_code == 1, run.stderr
    assert ESCAPE in run.stdout  # a terminal gets colour
    plain = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout)
    widths = {len(line) for line in plain.splitlines() if line.strip()}
    assert max(widths) == columns
    shown = set(re.findall(r"[│ ]([a-z]+(?:-[a-z]+)+) +│", plain))
    assert rule_ids <= shown, rule_ids - shown


def test_no_color_on_a_terminal_and_columns_in_a_pipe(tmp_path: Path) -> None:
    _, args = _drifted(tmp_path)
    run = run_on_terminal(args, columns=120, on_terminal=("stdout",), env={"NO_COLOR": "1"})
    assert run.exit_code == 1 and ESCAPE not in run.stdout
    assert max(len(line) for line in run.stdout.splitlines()) == 120
    piped = subprocess_cli([*args, "-f", "table"])  # a pipe: 80 columns, no colour
    assert ESCAPE not in piped.stdout
    assert max(len(line) for line in piped.stdout.splitlines()) == 80


def test_the_progress_line_ends_with_collection(world: World) -> None:
    """The writes after collection (-o s3://, --state s3://) go through the same AWS options:
    they must not start the progress line again, which nothing would then stop (a spinner
    left on screen and the cursor hidden after exit)."""
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=world.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket="reports")
    run = run_on_terminal(
        ["run", "--baseline", str(world.baseline_path), "-o", "s3://reports/r.json"],
        on_terminal=("stderr",),
        endpoint=world.url,
    )
    assert run.exit_code in (0, 1), run.stderr
    assert "reading AWS" in run.stderr
    after_summary = run.stderr.rpartition("-> s3://reports/r.json")[2]
    assert "reading AWS" not in after_summary and "PutObject" not in run.stderr
    assert run.stderr.rfind("\x1b[?25l") < run.stderr.rfind("\x1b[?25h")  # cursor shown
