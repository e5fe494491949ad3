"""A report reduced to the exact set of its findings: (rule, persona, route, resource), and the
app client where a finding names one (CONTRACT §6.1: only where sign-in paths disagree)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.schemas import validate_report

FindingKey = tuple[str, str | None, str | None, str] | tuple[str, str | None, str | None, str, str]


def key_of(
    rule_id: str, persona: str | None, route: str | None, resource: str, app_client: str | None
) -> FindingKey:
    if app_client is None:
        return (rule_id, persona, route, resource)
    return (rule_id, persona, route, resource, app_client)


def load_report(path: Path) -> dict[str, Any]:
    """A JSON report from disk, checked against the published schema."""
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert validate_report(report) == []
    return report


def keys(report: dict[str, Any]) -> set[FindingKey]:
    return {
        key_of(f["rule_id"], f["persona"], f["route"], f["resource"], f.get("app_client"))
        for f in report["findings"]
    }
