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

pytestmark = pytest.mark.skipif(
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


def test_pinned_validator_version() -> None:
    done = subprocess.run(
        [str(VALIDATOR), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "4.0.0"


def test_state_machine_definition_is_valid() -> None:
    done = _validate(DEFINITION)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_definition_fails_validation(tmp_path: Path) -> None:
    # A Distributed Map must say how its children run: the validator has to notice.
    definition = _definition()
    del definition["States"]["AuditEachTarget"]["ItemProcessor"]["ProcessorConfig"]["ExecutionType"]
    path = tmp_path / "broken.asl.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    done = _validate(path)
    assert done.returncode != 0
    assert "ProcessorConfig" in done.stdout + done.stderr


def test_a_dangling_next_fails_validation(tmp_path: Path) -> None:
    definition = _definition()
    definition["States"]["Plan"]["Next"] = "Nowhere"
    path = tmp_path / "dangling.asl.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    assert _validate(path).returncode != 0
