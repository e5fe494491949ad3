"""The identities a template is resolved with: the account and region, and the physical id of
each resource, made up offline, adopted from the baseline where it names them, or matched
against the live account (template vs live)."""

from __future__ import annotations

from auditor.model.baseline import Baseline
from auditor.model.snapshot import Snapshot
from auditor.template.model import Application, Identities


def identities_for(
    app: Application,
    *,
    baseline: Baseline | None = None,
    account_id: str | None = None,
    region: str | None = None,
    live: Snapshot | None = None,
) -> Identities:
    """Command line first, then the live snapshot, then the baseline, then placeholders."""
    raise NotImplementedError
