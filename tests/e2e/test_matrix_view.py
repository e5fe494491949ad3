"""`auditor matrix`: the audit's access matrix as a grid, through the CLI, offline.

Every cell shown is checked against the JSON report of the same snapshot (`run -f json`):
the grid must say what the report says, not a verdict of its own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from auditor.commands.matrix_view import ASCII_GLYPHS, GLYPHS
from tests.support.cli import invoke
from tests.support.snapshots import SmallApp, small_app
from tests.support.terminal import run_on_terminal
from tests.support.world import World

WIDE = "250"  # one grid, whatever the number of personas


def _write(app: SmallApp, folder: Path) -> list[str]:
    baseline, snapshot = app.write(folder)
    return ["--baseline", str(baseline), "--snapshot", str(snapshot)]


def _drifted() -> SmallApp:
    app = small_app()
    # Editors also reach GET /me and the admin deletes (excess); the default role no longer
    # reaches GET /items (missing); GET /status is public but not declared so (excess).
    app.grant("app-editors", "GET/items", "GET/administrators", "GET/me", "DELETE/admin/*")
    app.grant("app-default", "GET/me")
    app.add_route("GET /status", "NONE")
    return app


def _report(args: list[str], tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "report.json"
    invoke(["run", *args, "-f", "json", "-o", str(out)])
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def _grid(text: str, routes: list[str]) -> dict[str, list[str]]:
    """Each route's line, as the cells after its label."""
    rows = {}
    for line in text.splitlines():
        for route in routes:
            label = re.match(rf"{re.escape(route)}( \(\w+\))? ", line)
            if label and len(line) > label.end() and line[label.end() - 1] == " ":
                rows[route] = line[label.end() :].split()
    return rows


def _expected_cell(cell: dict[str, Any], glyphs: dict[str, str]) -> str:
    verdict, declared = cell["verdict"], cell["expected"]
    if verdict == "unknown":
        mark = ""
    elif declared and verdict != "allowed":
        mark = "-"
    elif not declared and verdict != "denied":
        mark = "+"
    else:
        mark = ""
    return glyphs[verdict] + mark


@pytest.mark.parametrize(
    ("app", "drifted"), [(small_app(), False), (_drifted(), True)], ids=["clean", "drifted"]
)
def test_every_cell_says_what_the_report_says(
    app: SmallApp, drifted: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", WIDE)
    args = _write(app, tmp_path)
    report = _report(args, tmp_path)
    shown = invoke(["matrix", *args])
    assert shown.exit_code == (1 if report["findings"] else 0), shown.stderr
    cells = report["access_matrix"]
    personas = list(dict.fromkeys(c["persona"] for c in cells))
    routes = list(dict.fromkeys(c["route"] for c in cells))
    grid = _grid(shown.stdout, routes)
    assert set(grid) == set(routes), shown.stdout
    for cell in cells:
        row = grid[cell["route"]]
        assert len(row) == len(personas), (cell["route"], row)
        assert row[personas.index(cell["persona"])] == _expected_cell(cell, GLYPHS), cell
    differing = sum(1 for c in cells if _expected_cell(c, GLYPHS)[-1] in "+-")
    assert f"{differing} cells differ from the baseline" in shown.stdout
    assert (differing > 0) == drifted
    assert "● allowed" in shown.stdout and "+ excess" in shown.stdout  # the legend


def test_differing_keeps_only_the_routes_and_personas_with_a_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", WIDE)
    args = _write(_drifted(), tmp_path)
    cells = _report(args, tmp_path)["access_matrix"]
    odd = [c for c in cells if _expected_cell(c, GLYPHS)[-1] in "+-"]
    shown = invoke(["matrix", *args, "--differing"])
    routes = sorted({c["route"] for c in cells})
    grid = _grid(shown.stdout, routes)
    assert set(grid) == {c["route"] for c in odd}
    personas = {c["persona"] for c in odd}
    assert all(len(row) == len(personas) for row in grid.values())
    assert f"{len(personas)} personas x {len(grid)} routes: {len(odd)} cells differ" in (
        shown.stdout
    )


def test_persona_and_route_filters_and_a_pattern_that_matches_nothing(tmp_path: Path) -> None:
    args = _write(_drifted(), tmp_path)
    one = invoke(["matrix", *args, "--persona", "group:editors", "--route", "GET /me"])
    assert _grid(one.stdout, ["GET /me"]) == {"GET /me": ["●+"]}
    assert "1 personas x 1 routes: 1 cells differ" in one.stdout
    none = invoke(["matrix", *args, "--persona", "group:nobody*"])
    assert none.exit_code == 2 and "--persona" in none.stderr and "group:editors" in none.stderr
    assert none.stdout == ""


def test_an_incomplete_audit_exits_3_and_says_so(tmp_path: Path) -> None:
    app = small_app()
    app.fail_read("iam", "GetRolePolicy")
    args = _write(app, tmp_path)
    shown = invoke(["matrix", *args, "--fail-on", "critical"])
    assert shown.exit_code == 3
    assert shown.stdout.startswith("INCOMPLETE:")


def test_a_narrow_terminal_pages_the_personas_and_no_color_is_plain(tmp_path: Path) -> None:
    app = _drifted()
    for name in ("auditors", "support", "billing", "operations"):
        app.add_group(name, precedence=30 + len(name))
    args = _write(app, tmp_path)
    run = run_on_terminal(["matrix", *args], columns=60, on_terminal=("stdout",))
    assert run.exit_code == 1, run.stderr
    assert "\x1b[" in run.stdout
    plain = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout)
    assert max(len(line) for line in plain.splitlines()) <= 60
    pages = re.findall(r"personas (\d+)-(\d+) of (\d+)", plain)
    assert len(pages) >= 2 and pages[-1][1] == pages[-1][2]  # every persona, in pages
    quiet = run_on_terminal(
        ["matrix", *args], columns=60, on_terminal=("stdout",), env={"NO_COLOR": "1"}
    )
    assert "\x1b[" not in quiet.stdout and quiet.stdout == plain


def test_a_terminal_without_unicode_gets_ascii(tmp_path: Path) -> None:
    args = _write(_drifted(), tmp_path)
    run = run_on_terminal(
        ["matrix", *args, "--persona", "group:editors", "--route", "GET /me"],
        on_terminal=("stdout",),
        env={"PYTHONIOENCODING": "ascii", "NO_COLOR": "1"},
    )
    assert run.exit_code == 1, run.stderr
    assert _grid(run.stdout, ["GET /me"]) == {"GET /me": [ASCII_GLYPHS["allowed"] + "+"]}


def test_live_against_the_emulator_like_run(world: World, tmp_path: Path) -> None:
    """Collected live (AWS options as run's): the clean world differs nowhere; an
    undeclared group shows what it reaches as excess, exit 1."""
    live = ["matrix", "--baseline", str(world.baseline_path), "--endpoint-url", world.url]
    clean = invoke(live)
    assert clean.exit_code == 0, clean.stderr
    assert re.search(r"\d+ personas x \d+ routes: 0 cells differ", clean.stdout)
    world.client("cognito-idp").create_group(
        GroupName="testers", UserPoolId=world.user_pool_id, Precedence=20
    )
    drifted = invoke([*live, "--differing"])
    # An undeclared group without a role: its members get the default role, and reach
    # GET /me, which nothing declares for them.
    assert drifted.exit_code == 1
    assert _grid(drifted.stdout, ["GET /me"]) == {"GET /me": ["●+"]}
    assert "1 personas x 1 routes: 1 cells differ" in drifted.stdout
    assert "testers" in drifted.stdout
