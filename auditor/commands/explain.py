"""`auditor explain`: how one persona's role is resolved and why it may or may not call a route."""

from __future__ import annotations

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.resolve import resolve_personas
from auditor.audit.routes import RouteIndex, iter_routes
from auditor.audit.verdicts import verdict_for
from auditor.model.baseline import Baseline, RoutePattern
from auditor.model.errors import InputError
from auditor.model.snapshot import Snapshot
from auditor.policy import RouteVerdict


def explain_access(snapshot: Snapshot, baseline: Baseline, persona: str, route_text: str) -> str:
    resolutions = {r.persona: r for r in resolve_personas(snapshot)}
    resolution = resolutions.get(persona)
    if resolution is None:
        known = ", ".join(sorted(resolutions)) or "none (the pools could not be read)"
        raise InputError("--persona", None, f"unknown persona {persona!r}; known: {known}")
    try:
        pattern = RoutePattern.parse(route_text)
    except ValueError as exc:
        raise InputError("--route", None, str(exc)) from exc
    # As the audit matches a declared route: parameter names do not matter, and `GET /x`
    # is asked of a live `ANY /x` for GET alone.
    index = RouteIndex((route, (s, route)) for s, route in iter_routes(snapshot, baseline))
    routes = index.named_by(pattern) + index.any_verb_of(pattern)
    if not routes:
        raise InputError("--route", None, f"no live route matches {route_text!r}")
    lines = [
        f"persona   {persona}",
        f"role      {resolution.role_arn or 'none (no credentials)'}",
        f"because   {resolution.how}",
    ]
    evaluator = AccessEvaluator(snapshot)
    for api_stage, route in routes:
        method = route.method if pattern.method in ("*", route.method) else pattern.method
        lines.append("")
        lines.append(
            f"{method} {route.path} on {api_stage.api.id}/{api_stage.stage} "
            f"(authorization {route.authorization_type})"
        )
        verdict = verdict_for(evaluator, resolution, api_stage, route, method)
        if route.authorization_type != "AWS_IAM":
            lines.append("  not governed by IAM: the role does not matter here")
        elif resolution.role_arn is None:  # `because` above already says why
            lines.append(f"  verdict   {verdict.verdict} (no credentials)")
            continue
        lines.extend(_verdict_lines(verdict))
    return "\n".join(lines) + "\n"


def _verdict_lines(verdict: RouteVerdict) -> list[str]:
    lines = [f"  verdict   {verdict.verdict}"]
    lines += [f"  allowed by  {s}" for s in verdict.allowing]
    lines += [f"  denied by   {s}" for s in verdict.denying]
    lines += [f"  why       {reason}" for reason in verdict.reasons]
    if verdict.witness_allowed:
        lines.append(f"  e.g. allowed  {verdict.witness_allowed}")
    if verdict.witness_denied:
        lines.append(f"  e.g. denied   {verdict.witness_denied}")
    return lines
