"""Application -> Snapshot: the resource types CONTRACT §6.5 and AWS-FACTS §9 name, read as
the live collector reads their AWS counterparts, with a SourceMap of where each is written."""

from __future__ import annotations

from auditor.model.snapshot import TargetRef
from auditor.template.model import Application, Identities, TemplateSnapshot


def build_snapshot(
    app: Application, identities: Identities, target: TargetRef | None = None
) -> TemplateSnapshot:
    """The snapshot the live collector would build after deploying `app` with `identities`.
    `target` (from the baseline) picks the user pool, identity pool and APIs where the
    application has several; None: the only one of each, every API."""
    raise NotImplementedError
