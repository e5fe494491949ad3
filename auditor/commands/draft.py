"""`auditor baseline init`: a commented baseline that describes what is live today.

Auditing with the draft right away finds no drift; what remains are the risks no baseline can
declare away (trust policies, precedence ties, broad grants, public resource policies), routes
nobody fully reaches, and partial verdicts, which are left as comments for a person to decide.
Verdicts come from the audit's own access matrix: nothing here re-decides IAM.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor import __version__
from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.matrix import CellIndex, build_matrix
from auditor.audit.resolve import (
    Resolution,
    live_claim_rules,
    resolve_personas,
    sign_in_paths,
    unused_group_roles,
)
from auditor.audit.routes import ApiStage, iter_routes, normalise_template
from auditor.audit.verdicts import verbs_reached
from auditor.commands.yaml_lines import YamlLines, scalar
from auditor.model.baseline import Baseline, IdentityPoolBaseline
from auditor.model.errors import InputError
from auditor.model.http import DEFAULT_ROUTE, HTTP_METHODS
from auditor.model.personas import DEFAULT, GROUP_PREFIX, UNAUTHENTICATED, group_persona
from auditor.model.snapshot import IdentityPool, PoolRef, Route, Snapshot, UserPool
from auditor.policy import RouteVerdict

_RESOLUTION = {None: "default", "Token": "token", "Rules": "rules"}


def draft_baseline(snapshot: Snapshot) -> str:
    """A version-1 baseline YAML, with comments, describing the snapshot's live state."""
    user_pool, pool = _pools(snapshot)
    provisional = Baseline(
        version=1,
        region=snapshot.region,
        user_pool=PoolRef(id=user_pool.id),
        identity_pool=IdentityPoolBaseline(id=pool.id),
        apis=list(snapshot.target.apis),
    )
    resolutions = resolve_personas(snapshot)
    evaluator = AccessEvaluator(snapshot)
    cells = CellIndex(build_matrix(snapshot, provisional, resolutions, evaluator))
    iam_routes = _iam_routes(snapshot, provisional)
    by_persona: dict[str, list[Resolution]] = {}
    for resolution in resolutions:
        by_persona.setdefault(resolution.persona, []).append(resolution)
    reach = {
        persona: _on_every_path([(r, _reach(r, iam_routes, cells, evaluator)) for r in paths])
        for persona, paths in by_persona.items()
    }
    signed_in = [reach[p].routes for p in by_persona if p != UNAUTHENTICATED]
    everyone = set.intersection(*signed_in) if signed_in else set()  # routes.all_users

    out = YamlLines()
    _header(out, snapshot, user_pool, pool)
    out.add("version: 1")
    out.add(f"region: {scalar(snapshot.region)}")
    out.add("user_pool:")
    out.add(f"id: {scalar(user_pool.id)}", depth=1)
    _identity_pool(out, pool, user_pool)
    _apis(out, snapshot)
    _public_routes(out, snapshot)
    _routes(out, by_persona, reach, everyone, iam_routes)
    _groups(out, user_pool, by_persona, reach, everyone)
    _claims(out, pool, user_pool, by_persona, reach, everyone)
    return out.text()


def draft_warnings(snapshot: Snapshot) -> list[str]:
    """What a person should know before accepting the draft as it stands."""
    user_pool, pool = _pools(snapshot)
    unused = unused_group_roles(pool, user_pool.id, user_pool.groups)
    if not unused:
        return []
    names = ", ".join(g.name for g in unused)
    return [
        f"groups {names} carry roles that no sign-in path hands out (no Token or Rules role "
        f"mapping in identity pool {pool.id}): every member gets the default role; the draft "
        "says so, and group-role-unused will report it until the mapping is set"
    ]


# --- What is live, and who reaches it ---------------------------------------------------------


def _pools(snapshot: Snapshot) -> tuple[UserPool, IdentityPool]:
    if snapshot.user_pool is None or snapshot.identity_pool is None:
        missing = "user_pool" if snapshot.user_pool is None else "identity_pool"
        raise InputError("<snapshot>", missing, "not collected; cannot draft a baseline")
    return snapshot.user_pool, snapshot.identity_pool


@dataclass
class _LiveRoute:
    """One IAM-governed route as a baseline pattern names it, wherever it is served."""

    text: str  # the key written in the draft ("GET /items/{id}", "ANY /x", "$default")
    method: str
    path: str
    places: list[tuple[ApiStage, Route]] = field(default_factory=list)


def _iam_routes(snapshot: Snapshot, provisional: Baseline) -> list[_LiveRoute]:
    # A pattern is API-agnostic and ignores parameter names, so routes are merged the same way.
    merged: dict[tuple[str, str], _LiveRoute] = {}
    for api_stage, route in iter_routes(snapshot, provisional):
        if route.authorization_type != "AWS_IAM":
            continue
        live = merged.setdefault(
            (route.method, normalise_template(route.path)),
            _LiveRoute(route.key, route.method, route.path),
        )
        if route.key < live.text:
            live.text, live.path = route.key, route.path
        live.places.append((api_stage, route))
    return sorted(merged.values(), key=lambda r: _route_order(r.text))


@dataclass
class _Reach:
    routes: set[str] = field(default_factory=set)  # fully reached in every audited stage
    touched: set[str] = field(default_factory=set)  # live routes reached at all, fully or not
    notes: list[str] = field(default_factory=list)  # comments, in route order: partial verdicts


def _on_every_path(reached: list[tuple[Resolution, _Reach]]) -> _Reach:
    """A persona whose sign-in paths disagree declares what every path fully reaches (so no
    path in use misses a declared route); what only some paths reach stays excess, and the
    notes say which path reaches what."""
    if len(reached) == 1:
        return reached[0][1]
    merged = _Reach(
        routes=set.intersection(*(r.routes for _, r in reached)),
        touched=set.union(*(r.touched for _, r in reached)),
    )
    for resolution, reach in reached:
        only = sorted(reach.routes - merged.routes, key=_route_order)
        if only:
            merged.notes.append(
                f"only through app client {resolution.app_client}: {', '.join(only)}"
            )
        merged.notes += [f"through app client {resolution.app_client}: {n}" for n in reach.notes]
    return merged


def _reach(
    resolution: Resolution,
    iam_routes: list[_LiveRoute],
    cells: CellIndex,
    evaluator: AccessEvaluator,
) -> _Reach:
    reach = _Reach()
    for live in iam_routes:
        verdicts = [(s, cells.cell(resolution, s, r).verdict) for s, r in live.places]
        kinds = {v.verdict for _, v in verdicts}
        if kinds != {"denied"}:
            reach.touched.add(live.text)
        if kinds == {"allowed"}:
            reach.routes.add(live.text)
        elif "unknown" in kinds:  # neither declared nor left out: a person must decide
            reach.notes.append(f"unknown: {live.text} ({_detail(verdicts)})")
        elif kinds != {"denied"}:
            if live.method == "ANY" and live.path != DEFAULT_ROUTE:
                reach.notes.append(_split_any(resolution, live, evaluator, reach))
            else:
                reach.notes.append(f"partial: {live.text} ({_detail(verdicts)})")
    return reach


def _split_any(
    resolution: Resolution, live: _LiveRoute, evaluator: AccessEvaluator, reach: _Reach
) -> str:
    """An ANY route reached for some verbs only: declare those verbs, note the rest.

    The audit asks about a declared `GET /x` on a live `ANY /x` for GET alone, so declaring the
    verbs that are fully reached is exact, not an approximation.
    """
    declared, undecided = [], []
    for verb in verbs_reached(evaluator, resolution, live.places):
        if verb.kind == "allowed":
            declared.append(verb.verb)
            reach.routes.add(f"{verb.verb} {live.path}")
        else:
            undecided.append(f"{verb.verb}: {_detail(list(verb.verdicts))}")
    done = f"{', '.join(declared)} declared verb by verb" if declared else "no verb fully"
    if undecided:
        return f"partial: {live.text} ({done}; {'; '.join(undecided)})"
    return f"{live.text}: only some verbs are allowed ({done})"


def _detail(verdicts: list[tuple[ApiStage, RouteVerdict]]) -> str:
    if len(verdicts) == 1:
        return _why_partial(verdicts[0][1])
    return "; ".join(
        f"{s.api.id}/{s.stage}: {_why_partial(v) if v.verdict == 'partial' else v.verdict}"
        for s, v in verdicts
    )


def _why_partial(verdict: RouteVerdict) -> str:
    if verdict.verdict == "unknown":  # its reasons name what could not be read
        return "; ".join(verdict.reasons)
    if verdict.witness_allowed and verdict.witness_denied:
        return (
            f"only some paths; e.g. allowed {_request(verdict.witness_allowed)}, "
            f"denied {_request(verdict.witness_denied)}"
        )
    return verdict.reasons[0] if verdict.reasons else "only some requests are allowed"


def _request(arn: str) -> str:
    """`arn:...:api/stage/GET/files/a` -> `GET /files/a`."""
    resource = arn.split(":", 5)[-1]
    parts = resource.split("/", 3)
    if len(parts) < 3:
        return arn
    return f"{parts[2]} /{parts[3] if len(parts) > 3 else ''}"


def _route_order(text: str) -> tuple[str, int, str]:
    if " " not in text:
        return (text, 0, "")
    method, path = text.split(" ", 1)
    verbs = ("ANY", *HTTP_METHODS)
    return (path, verbs.index(method) if method in verbs else len(verbs), method)


# --- Sections ---------------------------------------------------------------------------------


def _header(out: YamlLines, snapshot: Snapshot, user_pool: UserPool, pool: IdentityPool) -> None:
    apis = ", ".join(str(ref) for ref in snapshot.target.apis) or "none"
    read_at = snapshot.collected_at or "an unknown time"
    out.comment(
        f"Baseline drafted by `auditor baseline init` (cognito-route-auditor "
        f"{__version__}) from live state read at {read_at}"
    )
    out.comment(
        f"account {snapshot.account_id or 'unknown'}, region {snapshot.region}: user pool "
        f"{user_pool.id} ({user_pool.name}), identity pool {pool.id} ({pool.name}), "
        f"APIs {apis}."
    )
    out.comment("It describes what is live TODAY, not what you intend. Review every line: remove")
    out.comment("access nobody should have, decide the routes marked 'partial', then commit it.")
    out.blank()


def _identity_pool(out: YamlLines, pool: IdentityPool, user_pool: UserPool) -> None:
    paths = sign_in_paths(pool, user_pool.id)
    first = paths[0].mapping if paths else None  # the baseline states one; the rest are noted
    out.add("identity_pool:")
    out.add(f"id: {scalar(pool.id)}", depth=1)
    if not paths:
        how = f"user pool {user_pool.id} is not a provider of this identity pool"
    elif len({_RESOLUTION[p.mapping.type if p.mapping else None] for p in paths}) > 1:
        how = "app clients differ: " + "; ".join(
            f"{p.label}: {_RESOLUTION[p.mapping.type if p.mapping else None]}" for p in paths
        )
    elif first is None:
        how = "no role mapping: everyone gets the authenticated role"
    else:
        how = f"{first.type} mapping of every app client"
    out.add(f"role_resolution: {_RESOLUTION[first.type if first else None]}", depth=1, note=how)
    if first is not None and first.ambiguous_role_resolution is not None:
        out.add(f"ambiguous_role_resolution: {first.ambiguous_role_resolution}", depth=1)
    else:
        out.comment("ambiguous_role_resolution: not set live, so not asserted", depth=1)
    out.add(f"authenticated_role: {scalar(pool.authenticated_role)}", depth=1)
    out.add(f"unauthenticated_role: {scalar(pool.unauthenticated_role)}", depth=1)
    out.add(f"allow_unauthenticated: {scalar(pool.allow_unauthenticated)}", depth=1)
    out.add(f"allow_classic_flow: {scalar(pool.allow_classic_flow)}", depth=1)
    names = {c.id: c.name for c in user_pool.clients or []}
    out.add_list(
        "app_clients",
        [(p.label, names.get(p.label) or None) for p in paths],
        depth=1,
        note="every client the identity pool accepts; remove those nobody signs in with",
    )


def _apis(out: YamlLines, snapshot: Snapshot) -> None:
    refs = snapshot.target.apis
    if not refs:
        out.add("apis: []")
        return
    out.add("apis:")
    for ref in refs:  # as asked for: the order given on the command line
        first = f"id: {scalar(ref.id)}" if ref.id else f"name: {scalar(ref.name)}"
        out.add(f"- {first}", depth=1, note=None if ref.stage else "every stage")
        if ref.stage:
            out.add(f"stage: {scalar(ref.stage)}", depth=2)


def _public_routes(out: YamlLines, snapshot: Snapshot) -> None:
    texts: dict[tuple[str, str], str] = {}
    kinds: dict[tuple[str, str], set[str]] = {}
    for api in snapshot.apis:  # every API, staged or not: route-not-iam looks at all of them
        for route in api.routes:
            if route.authorization_type == "AWS_IAM":
                continue
            same = (route.method, normalise_template(route.path))
            texts[same] = min(texts.get(same, route.key), route.key)
            kinds.setdefault(same, set()).add(route.authorization_type)
    entries = [
        (texts[same], ", ".join(f"{t}: public" if t == "NONE" else t for t in sorted(types)))
        for same, types in kinds.items()
    ]
    out.add_list("public_routes", sorted(entries, key=lambda e: _route_order(e[0])), depth=0)


def _routes(
    out: YamlLines,
    by_persona: dict[str, list[Resolution]],
    reach: dict[str, _Reach],
    everyone: set[str],
    iam_routes: list[_LiveRoute],
) -> None:
    out.add("routes:")
    out.add_list(
        "all_users",
        _entries(everyone),
        depth=1,
        note="reached by every signed-in persona: every group, claim rule and the default role",
    )
    if DEFAULT in by_persona:
        _persona_routes(out, "default", by_persona[DEFAULT], reach[DEFAULT], everyone, depth=1)
    if UNAUTHENTICATED in by_persona:
        guest = by_persona[UNAUTHENTICATED]
        _persona_routes(out, "unauthenticated", guest, reach[UNAUTHENTICATED], set(), depth=1)
    touched = set().union(*(r.touched for r in reach.values()))
    for live in iam_routes:  # route-undeclared will name these: only a person can place them
        if live.text not in touched:
            out.comment(
                f"no persona reaches {live.text} (AWS_IAM): declare it where it belongs", depth=1
            )


def _groups(
    out: YamlLines,
    user_pool: UserPool,
    by_persona: dict[str, list[Resolution]],
    reach: dict[str, _Reach],
    everyone: set[str],
) -> None:
    groups = sorted(user_pool.groups, key=lambda g: g.name)
    if not groups:
        out.add("groups: {}")
        return
    out.add("groups:")
    for group in groups:
        if group.name.startswith(GROUP_PREFIX):  # the schema reserves the prefix for personas
            out.comment(
                f"group {group.name!r} cannot be declared: names starting with "
                f"{GROUP_PREFIX!r} are not allowed in a baseline",
                depth=1,
            )
            continue
        persona = group_persona(group.name)
        out.add(f"{scalar(group.name)}:", depth=1)
        out.add(f"precedence: {scalar(group.precedence)}", depth=2)
        out.add(f"role: {scalar(group.role_arn)}", depth=2)
        _persona_routes(out, "routes", by_persona[persona], reach[persona], everyone, depth=2)


def _claims(
    out: YamlLines,
    pool: IdentityPool,
    user_pool: UserPool,
    by_persona: dict[str, list[Resolution]],
    reach: dict[str, _Reach],
    everyone: set[str],
) -> None:
    live = live_claim_rules(pool, user_pool.id)
    if not live:
        return  # the usual case: no Rules mapping on other claims, no section
    out.add("claims:")
    for claim in live:
        out.add(f"{scalar(claim.key)}:", depth=1)
        out.add(f"role: {scalar(claim.rule.role_arn)}", depth=2)
        resolutions = by_persona[claim.persona]
        _persona_routes(out, "routes", resolutions, reach[claim.persona], everyone, depth=2)


def _persona_routes(
    out: YamlLines,
    key: str,
    resolutions: list[Resolution],
    reach: _Reach,
    everyone: set[str],
    depth: int,
) -> None:
    for resolution in resolutions:
        role = resolution.role_arn or "no credentials"
        client = f" through app client {resolution.app_client}" if resolution.app_client else ""
        out.comment(f"{resolution.persona} gets {role}{client}: {resolution.how}", depth=depth)
    out.add_list(key, _entries(reach.routes - everyone), depth=depth, trailing=reach.notes)


def _entries(routes: Iterable[str]) -> list[tuple[str, str | None]]:
    return [(text, None) for text in sorted(routes, key=_route_order)]
