"""A report reduced to the exact set of its findings: (rule, persona, route, resource)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.schemas import validate_report

FindingKey = tuple[str, str | None, str | None, str]


def load_report(path: Path) -> dict[str, Any]:
    """A JSON report from disk, checked against the published schema."""
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert validate_report(report) == []
    return report


def keys(report: dict[str, Any]) -> set[FindingKey]:
    return {(f["rule_id"], f["persona"], f["route"], f["resource"]) for f in report["findings"]}
