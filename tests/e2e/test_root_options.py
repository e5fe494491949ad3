"""The root options for unattended runs (issue 14): --quiet, --log-level, --log-format, before
or after the command; errors stay one line (a JSON object under --log-format json)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.support.cli import subprocess_cli
from tests.support.snapshots import small_app
from tests.test_startup import imported_by


def _one_json_line(stderr: str) -> dict[str, object]:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    entry: dict[str, object] = json.loads(lines[0])
    assert set(entry) == {"time", "level", "message", "fields"}
    return entry


@pytest.mark.parametrize("where", ["before", "after"])
def test_an_error_under_log_format_json_is_one_json_object(where: str) -> None:
    args = ["rules", "--format", "csv"]
    args = ["--log-format", "json", *args] if where == "before" else [*args, "--log-format=json"]
    done = subprocess_cli(args)
    assert done.exit_code == 2 and done.stdout == ""
    entry = _one_json_line(done.stderr)
    assert entry["level"] == "error"
    assert entry["message"] == "--format: 'csv' is not one of table, json"


def test_a_usage_error_under_log_format_json_is_one_json_object() -> None:
    done = subprocess_cli(["run", "--baseline", "b.yaml", "--bogus", "--log-format", "json"])
    assert done.exit_code == 2
    assert "--bogus" in str(_one_json_line(done.stderr)["message"])


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--log-level", "loud", "rules"], "--log-level"),
        (["rules", "--log-format", "xml"], "--log-format"),
        (["rules", "--log-level"], "--log-level"),
    ],
)
def test_a_bad_root_option_is_a_usage_error(args: list[str], names: str) -> None:
    done = subprocess_cli(args)
    assert done.exit_code == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1 and names in done.stderr
    assert done.stderr.startswith("auditor: error: ")


def test_the_root_options_after_the_command_leave_its_own_arguments_alone(
    tmp_path: Path,
) -> None:
    app = small_app()
    baseline, snapshot = app.write(tmp_path)
    out = tmp_path / "report.json"
    done = subprocess_cli(
        ["run", "-b", str(baseline), "--quiet", "--snapshot", str(snapshot), "--log-level",
         "error", "-o", str(out), "--log-format", "json", "-f", "json"]
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert done.stderr == "" and json.loads(out.read_text())["status"] == "complete"


def test_quiet_json_logging_of_an_offline_run_imports_no_rich(tmp_path: Path) -> None:
    app = small_app()
    baseline, snapshot = app.write(tmp_path)
    code, packages = imported_by(
        "--log-format", "json", "run", "--baseline", str(baseline), "--snapshot", str(snapshot),
        "-f", "json", "-o", str(tmp_path / "report.json"), "--quiet", "--log-level", "debug",
    )  # fmt: skip
    assert code == 0
    assert "rich" not in packages and "boto3" not in packages


def test_version_is_kept() -> None:
    done = subprocess_cli(["--version", "--quiet"])
    assert done.exit_code == 0 and done.stdout.startswith("auditor ")


def test_a_library_logging_under_our_name_never_reaches_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """slack-sdk logs its requests (webhook URLs) through auditor.unattended.slack_sdk."""
    from auditor.commands import console

    console.configure(level="debug")
    try:
        logging.getLogger("auditor.unattended.slack_sdk").error("POST /services/T0/B0/secret")
        logging.getLogger("auditor.unattended.schedule").info("schedule started")
        logging.getLogger("auditor.collect").debug("key AKIAABCDEFGHIJKLMNOP")
    finally:
        console.configure()
    assert capsys.readouterr().err.splitlines() == [
        "schedule started",
        "auditor: debug: key ***",
    ]
