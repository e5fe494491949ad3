"""`auditor explain`: how one persona's role is resolved and why it may or may not call a route."""

from __future__ import annotations

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.pairs import pairs_with
from auditor.audit.resolve import Resolution, resolve_personas
from auditor.audit.routes import RouteIndex, iter_routes
from auditor.audit.verdicts import verdict_for
from auditor.model.baseline import Baseline, RoutePattern
from auditor.model.errors import InputError
from auditor.model.personas import group_name
from auditor.model.report import GroupPair
from auditor.model.snapshot import Snapshot
from auditor.policy import RouteVerdict

MAX_PAIRS_SHOWN = 20  # a persona of a big pool shares members with thousands of groups


def explain_access(snapshot: Snapshot, baseline: Baseline, persona: str, route_text: str) -> str:
    every = resolve_personas(snapshot)
    resolutions = [r for r in every if r.persona == persona]
    if not resolutions:
        known = ", ".join(sorted({r.persona for r in every})) or (
            "none (the pools could not be read)"
        )
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
    lines = [f"persona   {persona}"]
    group = group_name(persona)
    if group is not None:
        lines += _role_choice(pairs_with(snapshot, group))
    evaluator = AccessEvaluator(snapshot)
    for resolution in resolutions:
        lines += _resolution_lines(resolution, len(resolutions) > 1)
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


def _resolution_lines(resolution: Resolution, several: bool) -> list[str]:
    lines = [""] if several else []
    if resolution.app_client is not None:
        lines.append(
            f"app client {resolution.app_client} (sign-in paths resolve this persona differently)"
        )
    return [
        *lines,
        f"role      {resolution.role_arn or 'none (no credentials)'}",
        f"because   {resolution.how}",
    ]


def _role_choice(pairs: list[GroupPair]) -> list[str]:
    """Every role a member who is also in another group can obtain (CustomRoleArn)."""
    chosen = [
        p
        for p in pairs
        if len(p.obtainable_roles) > 1 or (p.role_arn is None and p.obtainable_roles)
    ]
    if not chosen:
        return []
    lines = [
        "choice    under Token mapping a member of several groups may request any role of "
        "their groups (CustomRoleArn), whatever the precedence:"
    ]
    for pair in chosen[:MAX_PAIRS_SHOWN]:
        via = f" (app client {pair.app_client})" if pair.app_client else ""
        lines.append(
            f"  also in {pair.groups[1]}{via}: gets {pair.role_arn or 'no credentials'} "
            f"unasked, can obtain {', '.join(pair.obtainable_roles)}"
        )
        lines.append(f"    because {pair.detail}")
    if len(chosen) > MAX_PAIRS_SHOWN:
        lines.append(f"  ... and {len(chosen) - MAX_PAIRS_SHOWN} more groups")
    return lines


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
