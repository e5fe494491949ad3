"""Reading a targets file (CONTRACT §6.4): YAML or JSON, checked against its published JSON
Schema (`schemas/targets.schema.json`) with a message naming the file and field, every
listed target's baseline read and checked too: a bad one is exit 2 before any AWS call."""

from __future__ import annotations

from pathlib import Path

from auditor.model.targets import TargetsFile


def load_targets(
    path: Path, *, region: str | None = None, profile: str | None = None
) -> TargetsFile:
    """The targets file at `path`; `region` and `profile` (the command line's) are defaults
    the file overrides. InputError (exit 2) on any problem, the file and field named."""
    raise NotImplementedError  # lane A
