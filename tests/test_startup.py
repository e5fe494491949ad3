"""Start-up: a command imports what it does, not what other commands need (issue 13).

Each case runs the command line in a fresh interpreter and reads back which top-level packages
it imported; the time these imports cost is benchmarked, not timed here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from auditor.model.snapshot import Snapshot
from tests.support.aws import offline_aws_env
from tests.support.snapshots import small_app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "baseline.yaml"
# What only a collection, a rendered table, the scheduler, Slack or the demo needs.
AWS = {"boto3", "botocore", "s3transfer"}
# The template readers (the `templates` extra): cfn-lint's decoder alone pulls in sympy.
TEMPLATES = {"cfnlint", "samtranslator", "sympy"}
ELSEWHERE = AWS | TEMPLATES | {"rich", "apscheduler", "slack_sdk", "moto"}

_REPORT = """
import json, sys
from auditor.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
packages = sorted({name.split(".")[0] for name in sys.modules})
print("\\n" + json.dumps({"exit": code, "packages": packages}))
"""


def imported_by(*args: str) -> tuple[int, set[str]]:
    """(exit code, top-level packages imported) of `auditor ARGS` in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(offline_aws_env(os.devnull))
    done = subprocess.run(
        [sys.executable, "-c", _REPORT, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1]
    answer = json.loads(last)
    return answer["exit"], set(answer["packages"])


@pytest.mark.parametrize("valid", [True, False], ids=["valid", "invalid"])
def test_validate_imports_neither_aws_nor_rich_nor_the_scheduler(
    tmp_path: Path, valid: bool
) -> None:
    baseline = tmp_path / "baseline.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    baseline.write_text(text if valid else text.replace("version: 1", "version: 7"))
    code, packages = imported_by("validate", str(baseline))
    assert code == (0 if valid else 2)
    assert {"yaml", "jsonschema", "pydantic"} <= packages  # what validating does need
    assert packages.isdisjoint(ELSEWHERE), sorted(packages & ELSEWHERE)


def test_validate_against_a_snapshot_imports_neither_aws_nor_rich(tmp_path: Path) -> None:
    """Listing the accepted entries that match no finding audits the snapshot offline."""
    app = small_app()
    baseline, snapshot = tmp_path / "baseline.yaml", tmp_path / "snapshot.json"
    accepted = [{"rule": "group-undeclared", "reason": "matches nothing here"}]
    baseline.write_text(yaml.safe_dump({**app.baseline, "accepted": accepted}))
    snapshot.write_text(Snapshot.model_validate(app.snapshot).to_json())
    code, packages = imported_by("validate", str(baseline), "--snapshot", str(snapshot))
    assert code == 0 and "auditor" in packages
    assert packages.isdisjoint(ELSEWHERE), sorted(packages & ELSEWHERE)


def test_help_imports_only_the_command_line() -> None:
    code, packages = imported_by("--help")
    assert code == 0 and "typer" in packages
    heavy = ELSEWHERE | {"pydantic", "jsonschema", "yaml"}
    assert packages.isdisjoint(heavy), sorted(packages & heavy)


@pytest.mark.parametrize("command", [["template"], ["baseline", "init"], ["run"]])
def test_the_template_commands_help_imports_no_template_reader(command: list[str]) -> None:
    code, packages = imported_by(*command, "--help")
    assert code == 0
    assert packages.isdisjoint(ELSEWHERE), sorted(packages & ELSEWHERE)


def test_an_offline_run_does_not_import_the_aws_sdk(tmp_path: Path) -> None:
    """`run --snapshot` audits a saved snapshot: boto3 is for reading AWS."""
    app = small_app()
    baseline, snapshot = app.write(tmp_path)
    code, packages = imported_by(
        "run", "--baseline", str(baseline), "--snapshot", str(snapshot), "-f", "json",
        "-o", str(tmp_path / "report.json"),
    )  # fmt: skip
    assert code in (0, 1) and (tmp_path / "report.json").is_file()
    assert packages.isdisjoint(AWS), sorted(packages & AWS)


def test_a_run_of_many_targets_imports_neither_the_emulator_nor_the_template_readers(
    tmp_path: Path,
) -> None:
    """`run --targets` reads AWS (boto3) and nothing a run does not need: not moto."""
    app = small_app()
    baseline, _ = app.write(tmp_path)
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "targets": [{"name": "a", "baseline": baseline.name, "region": "us-east-1"}],
            }
        ),
        encoding="utf-8",
    )
    code, packages = imported_by(
        "run", "--targets", str(targets), "--max-attempts", "1", "-o", str(tmp_path / "r.json"),
    )  # fmt: skip
    assert code == 3  # the closed port: incomplete, and the report written
    assert (tmp_path / "r.json").is_file()
    unneeded = TEMPLATES | {"apscheduler", "slack_sdk", "moto"}
    assert packages.isdisjoint(unneeded), sorted(packages & unneeded)
