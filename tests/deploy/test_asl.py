"""The organization runner's state machine (deploy/organization.asl.json) is valid Amazon
States Language for the pinned npm `asl-validator` (tests/deploy/asl/package-lock.json;
`npm ci --prefix tests/deploy/asl` installs it, as .ci/run does)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFINITION = ROOT / "deploy" / "organization.asl.json"
VALIDATOR = ROOT / "tests" / "deploy" / "asl" / "node_modules" / ".bin" / "asl-validator"

needs_validator = pytest.mark.skipif(
    shutil.which("node") is None or not VALIDATOR.exists(),
    reason="asl-validator not installed: npm ci --prefix tests/deploy/asl (needs node and npm)",
)


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VALIDATOR), "--json-path", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _definition() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFINITION.read_text(encoding="utf-8"))
    return data


@needs_validator
def test_pinned_validator_version() -> None:
    done = subprocess.run(
        [str(VALIDATOR), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "4.0.0"


@needs_validator
def test_state_machine_definition_is_valid() -> None:
    done = _validate(DEFINITION)
    assert done.returncode == 0, done.stdout + done.stderr


@needs_validator
def test_a_broken_definition_fails_validation(tmp_path: Path) -> None:
    # A Distributed Map must say how its children run: the validator has to notice.
    definition = _definition()
    del definition["States"]["AuditEachTarget"]["ItemProcessor"]["ProcessorConfig"]["ExecutionType"]
    path = tmp_path / "broken.asl.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    done = _validate(path)
    assert done.returncode != 0
    assert "ProcessorConfig" in done.stdout + done.stderr


@needs_validator
def test_a_dangling_next_fails_validation(tmp_path: Path) -> None:
    definition = _definition()
    definition["States"]["Plan"]["Next"] = "Nowhere"
    path = tmp_path / "dangling.asl.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    assert _validate(path).returncode != 0


def _after_aggregate(exit_code: int) -> dict[str, Any]:
    """The state the execution ends in once the aggregate returned `exit_code` (the Choice's
    rules evaluated as Step Functions does: the first that matches, else the default)."""
    states = _definition()["States"]
    verdict = states[states["Aggregate"]["Next"]]
    assert verdict["Type"] == "Choice"
    for rule in verdict["Choices"]:
        assert rule["Variable"] == "$.exit_code"
        if rule["NumericEquals"] == exit_code:
            return dict(states[rule["Next"]])
    return dict(states[verdict["Default"]])


@pytest.mark.parametrize(
    ("exit_code", "error"), [(3, "AuditIncomplete"), (4, "AuditInternalError")]
)
def test_an_incomplete_run_or_a_bug_fails_the_execution(exit_code: int, error: str) -> None:
    ended = _after_aggregate(exit_code)
    assert ended["Type"] == "Fail" and ended["Error"] == error


@pytest.mark.parametrize("exit_code", [0, 1])
def test_clean_or_findings_succeed(exit_code: int) -> None:
    assert _after_aggregate(exit_code)["Type"] == "Succeed"


def test_the_aggregate_s_output_stays_small_whatever_the_organization() -> None:
    from auditor.unattended.aws_lambda import SUMMARY_LISTED, combined_summary
    from tests.report.combined_reports import scaled_organization

    report = scaled_organization(2_000, personas=1, routes=1, findings=1)
    output = combined_summary(report, 3, {"json": "reports/latest.json"}, "bucket")
    assert output["targets"] == 2_000 and output["incomplete"] == 80
    assert output["worst"] == report.summary.worst[:SUMMARY_LISTED]
    assert len(json.dumps(output)) < 4_000  # Step Functions: 256 KB a state at most
