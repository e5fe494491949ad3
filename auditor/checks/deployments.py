"""Rules over what each stage serves against the API's current definition."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.audit.routes import audited_stages
from auditor.checks.context import AuditContext
from auditor.model.findings import Issue, Severity
from auditor.model.snapshot import Api, Deployment, Route, openness


def route_undeployed_change(ctx: AuditContext) -> Iterator[Issue]:
    """A stage serves a method whose authorization the definition no longer gives it (or a
    method the definition no longer has): the change was made but never deployed, and the
    audit of the definition alone would judge what nobody can call. The stage's canary
    counts as much as its own deployment: one finding per stage and route, for the least
    restrictive of what they serve otherwise than the definition."""
    for api_stage in audited_stages(ctx.snapshot, ctx.baseline.apis):
        api, stage = api_stage.api, api_stage.stage
        current = {route.key: route.authorization_type for route in api.routes}
        for route, deployment, canary in _differing(api, stage, current):
            served = route.authorization_type
            defined = current.get(route.key)
            now = (
                f"the definition says {defined}" if defined else "the definition has no such route"
            )
            which = "its canary, deployment" if canary else "deployment"
            yield Issue(
                rule_id="route-undeployed-change",
                resource=ctx.snapshot.route_arn(api.id, route.method, route.path, stage),
                route=route.key,
                api_id=api.id,
                severity=Severity.CRITICAL if served == "NONE" else None,
                message=f"stage {stage} of {api.id} serves {route.key} with authorization "
                f"{served} ({which} {deployment.id}); {now}, but that was never deployed",
                evidence={
                    "stage": stage,
                    "deployment_id": deployment.id,
                    "canary": canary,
                    "served": served,
                    "current": defined,
                },
            )


def _differing(
    api: Api, stage: str, current: dict[str, str]
) -> list[tuple[Route, Deployment, bool]]:
    """(route, the deployment serving it, whether that is the canary) for each route the
    stage serves otherwise than the definition, the least restrictive first served."""
    found: dict[str, tuple[Route, Deployment, bool]] = {}
    served = ((api.deployments.get(stage), False), (api.canaries.get(stage), True))
    for deployment, canary in served:
        if deployment is None:  # the stage serves the definition itself, or has no canary
            continue
        for route in deployment.routes:
            if current.get(route.key) == route.authorization_type:
                continue
            held = found.get(route.key)
            rank = openness(route.authorization_type)
            if held is None or rank < openness(held[0].authorization_type):
                found[route.key] = (route, deployment, canary)
    return list(found.values())
