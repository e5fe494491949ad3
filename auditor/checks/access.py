"""Rules over the access matrix: what each persona can and cannot reach."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from auditor.audit.resolve import Resolution
from auditor.audit.routes import ApiStage, pattern_covers
from auditor.checks.context import AuditContext
from auditor.model.baseline import RoutePattern
from auditor.model.findings import Issue, Severity
from auditor.model.http import HTTP_METHODS
from auditor.model.personas import UNAUTHENTICATED
from auditor.model.snapshot import Route
from auditor.policy import PatternRisk, RouteVerdict, execute_api_allows

OVERBROAD = {
    PatternRisk.RESOURCE_STAR: "Resource is '*': every API in the account",
    PatternRisk.API_ID_WILDCARD: "a wildcard in the API id position: every API in the account",
    PatternRisk.NOT_RESOURCE: "NotResource: everything except the listed resources",
}


def _named_verdicts(
    ctx: AuditContext, resolution: Resolution, pattern: RoutePattern
) -> Iterator[tuple[ApiStage, Route, RouteVerdict | None, str]]:
    """The verdict for every live route a declared pattern names, keyed by route text.

    A declared `GET /x` served by a live `ANY /x` asks about GET alone, not about every verb.
    The verdict is None when the route exists but the matrix has no cell for it (no role).
    """
    persona = resolution.persona
    for api_stage, route in ctx.route_index.named_by(pattern):
        cell = ctx.cell(persona, api_stage.api.id, api_stage.stage, route.key)
        verdict = (
            RouteVerdict(
                cell.verdict, reasons=tuple(cell.reasons), witness_denied=cell.witness_denied
            )
            if cell
            else None
        )
        yield api_stage, route, verdict, route.key
    for api_stage, route in ctx.route_index.any_verb_of(pattern):
        text = f"{pattern.method} {route.path}"
        if route.authorization_type != "AWS_IAM":
            cell = ctx.cell(persona, api_stage.api.id, api_stage.stage, route.key)
            verdict = RouteVerdict(cell.verdict, reasons=tuple(cell.reasons)) if cell else None
        elif resolution.role_arn is None:
            verdict = RouteVerdict("denied", reasons=(f"no credentials: {resolution.how}",))
        else:
            verdict = ctx.evaluator.verdict(
                resolution.role_arn,
                api_stage.api,
                api_stage.stage,
                pattern.method,
                route.path,
                ctx.evaluator.context_for(resolution),
            )
        yield api_stage, route, verdict, text


def _unreached(
    ctx: AuditContext, rule_id: str, patterns_for: Callable[[Resolution], list[RoutePattern]]
) -> Iterator[Issue]:
    pool_id = ctx.snapshot.identity_pool.id if ctx.snapshot.identity_pool else ""
    for resolution in ctx.resolutions:
        for pattern in patterns_for(resolution):
            for api_stage, _route, verdict, text in _named_verdicts(ctx, resolution, pattern):
                if verdict is None or verdict.verdict == "allowed":
                    continue
                where = f"{text} on {api_stage.api.id}/{api_stage.stage}"
                how = "only partly" if verdict.verdict == "partial" else "not at all"
                yield Issue(
                    rule_id=rule_id,
                    resource=resolution.role_arn or pool_id,
                    persona=resolution.persona,
                    route=text,
                    api_id=api_stage.api.id,
                    message=f"{resolution.persona} can reach {where} {how} "
                    f"(declared by '{pattern}')",
                    evidence={
                        "stage": api_stage.stage,
                        "verdict": verdict.verdict,
                        "declared_by": str(pattern),
                        "role_resolution": resolution.how,
                        "reasons": list(verdict.reasons),
                        "witness_denied": verdict.witness_denied,
                    },
                )


def missing_all_users_route(ctx: AuditContext) -> Iterator[Issue]:
    yield from _unreached(
        ctx,
        "missing-all-users-route",
        lambda r: [] if r.persona == UNAUTHENTICATED else list(ctx.baseline.routes.all_users),
    )


def missing_route(ctx: AuditContext) -> Iterator[Issue]:
    yield from _unreached(ctx, "missing-route", lambda r: ctx.baseline.own_routes(r.persona))


def excess_route(ctx: AuditContext) -> Iterator[Issue]:
    by_persona = {r.persona: r for r in ctx.resolutions}
    stages = {(s.api.id, s.stage): s for s, _ in ctx.routes}
    routes = {(s.api.id, s.stage, r.key): r for s, r in ctx.routes}
    for cell in ctx.matrix:
        if not cell.iam_governed or cell.expected or cell.verdict == "denied":
            continue
        resolution = by_persona[cell.persona]
        api_stage = stages[(cell.api_id, cell.stage)]
        route = routes[(cell.api_id, cell.stage, cell.route)]
        verbs = _undeclared_verbs_reached(ctx, resolution, api_stage, route)
        if not verbs:
            continue
        guest = cell.persona == UNAUTHENTICATED
        yield Issue(
            rule_id="excess-route",
            resource=cell.role_arn or "",
            persona=cell.persona,
            route=cell.route,
            api_id=cell.api_id,
            severity=Severity.CRITICAL if guest else None,
            message=(
                f"{cell.persona} can reach {cell.route} on {cell.api_id}/{cell.stage} "
                f"({cell.verdict}) although the baseline does not declare it for them"
            ),
            evidence={
                "stage": cell.stage,
                "verdict": cell.verdict,
                "allowing": cell.allowing,
                "witness_allowed": cell.witness_allowed,
                "reasons": cell.reasons,
                "verbs": verbs,
            },
        )


def _undeclared_verbs_reached(
    ctx: AuditContext, resolution: Resolution, api_stage: ApiStage, route: Route
) -> list[str]:
    """For an ANY route, only verbs the persona may not use count; otherwise the route's verb."""
    if route.method != "ANY" or resolution.role_arn is None:
        return [route.method]
    declared = ctx.baseline.declared_routes(resolution.persona)
    context = ctx.evaluator.context_for(resolution)
    reached = []
    for verb in HTTP_METHODS:
        if any(pattern_covers(p, verb, route.path) for p in declared):
            continue
        verdict = ctx.evaluator.verdict(
            resolution.role_arn, api_stage.api, api_stage.stage, verb, route.path, context
        )
        if verdict.verdict != "denied":
            reached.append(verb)
    return reached


def overbroad_grant(ctx: AuditContext) -> Iterator[Issue]:
    personas_by_role: dict[str, list[str]] = {}
    for resolution in ctx.resolutions:
        if resolution.role_arn:
            personas_by_role.setdefault(resolution.role_arn, []).append(resolution.persona)
    for role_arn, personas in personas_by_role.items():
        identity, _boundary = ctx.evaluator.role_policies(role_arn)
        broad = []
        for statement, risks, patterns in execute_api_allows(identity):
            why = [OVERBROAD[r] for r in sorted(risks, key=lambda r: r.value) if r in OVERBROAD]
            if why:
                broad.append(
                    {"statement": str(statement), "resource_patterns": patterns, "why": why}
                )
        if broad:
            listed = "; ".join(f"{b['statement']}: {', '.join(b['why'])}" for b in broad)
            yield Issue(
                rule_id="overbroad-grant",
                resource=role_arn,
                persona=personas[0],
                message=f"{role_arn} allows execute-api too broadly: {listed}",
                evidence={"statements": broad, "personas": personas},
            )
