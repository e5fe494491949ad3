"""How every format writes where a finding's resource is written (CONTRACT §6.5)."""

from __future__ import annotations

from auditor.model.findings import TemplateLocation


def written_at(location: TemplateLocation) -> str:
    """`path:line (LogicalId)`: what an editor opens and what a reviewer searches for."""
    return f"{location.path}:{location.line} ({location.logical_id})"
