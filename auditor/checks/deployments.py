"""Rules over what each stage serves against the API's current definition."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.audit.routes import audited_stages
from auditor.checks.context import AuditContext
from auditor.model.findings import Issue, Severity


def route_undeployed_change(ctx: AuditContext) -> Iterator[Issue]:
    """A stage serves a method whose authorization the definition no longer gives it (or a
    method the definition no longer has): the change was made but never deployed, and the
    audit of the definition alone would judge what nobody can call."""
    for api_stage in audited_stages(ctx.snapshot, ctx.baseline.apis):
        api, stage = api_stage.api, api_stage.stage
        deployment = api.deployments.get(stage)
        if deployment is None:  # the stage serves the definition itself
            continue
        current = {route.key: route.authorization_type for route in api.routes}
        for route in deployment.routes:
            defined = current.get(route.key)
            if defined == route.authorization_type:
                continue
            served = route.authorization_type
            now = (
                f"the definition says {defined}" if defined else "the definition has no such route"
            )
            yield Issue(
                rule_id="route-undeployed-change",
                resource=ctx.snapshot.route_arn(api.id, route.method, route.path, stage),
                route=route.key,
                api_id=api.id,
                severity=Severity.CRITICAL if served == "NONE" else None,
                message=f"stage {stage} of {api.id} serves {route.key} with authorization "
                f"{served} (deployment {deployment.id}); {now}, but that was never deployed",
                evidence={
                    "stage": stage,
                    "deployment_id": deployment.id,
                    "served": served,
                    "current": defined,
                },
            )
