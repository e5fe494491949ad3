"""template-drift: where the live configuration differs from the template that describes it.

`auditor run --template PATH...` builds the template's snapshot with the live account's ids
and summarises both the way the state file does; the differences are the changes
changed-since-last-run would report between two runs, with the template as the earlier one.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.context import AuditContext
from auditor.checks.history import config_changes
from auditor.model.findings import Issue

_CHANGE_WORDS = {"added": "live only", "removed": "in the template only", "modified": "differs"}


def template_drift(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.template_change is None:
        return
    for change in config_changes(*ctx.template_change, ctx.snapshot):
        # The change's wording names a previous run: here it is the template.
        how = _CHANGE_WORDS[change.evidence["change"]]
        yield change.model_copy(
            update={
                "rule_id": "template-drift",
                "message": f"live vs template ({how}): {change.message}",
                "evidence": {**change.evidence, "template": change.evidence["before"]},
            }
        )
