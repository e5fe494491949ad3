"""`auditor baseline init`: a commented baseline that describes what is live today.

Auditing with the draft right away finds no drift, but for what no baseline can declare away
(trust policies, precedence ties, broad grants, public resource policies, group roles nobody
hands out, app clients that resolve a persona differently and what they do not reach), routes
nobody fully reaches, and partial or unknown verdicts: those are left as comments for a
person to decide. Verdicts come from the audit's own access matrix: nothing here re-decides
IAM; who reaches what is draft_reach.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from auditor import __version__
from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.matrix import build_matrix
from auditor.audit.resolve import (
    Resolution,
    live_claim_rules,
    resolve_personas,
    sign_in_paths,
    unused_group_roles,
    unused_instead,
)
from auditor.audit.routes import normalise_template
from auditor.commands.draft_reach import (
    LiveRoute,
    Reach,
    iam_routes,
    on_every_path,
    reach_of,
    route_order,
)
from auditor.commands.yaml_lines import YamlLines, scalar
from auditor.model.baseline import Baseline, IdentityPoolBaseline
from auditor.model.errors import InputError
from auditor.model.personas import DEFAULT, GROUP_PREFIX, UNAUTHENTICATED, group_persona
from auditor.model.snapshot import IdentityPool, PoolRef, Snapshot, UserPool

_RESOLUTION = {None: "default", "Token": "token", "Rules": "rules"}


def draft_baseline(snapshot: Snapshot, *, templates: Sequence[str] = ()) -> str:
    """A version-1 baseline YAML, with comments, describing the snapshot's live state, or
    what the `templates` it was built from deploy."""
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
    cells = build_matrix(snapshot, provisional, resolutions, evaluator)
    live_routes = iam_routes(snapshot, provisional)
    by_persona: dict[str, list[Resolution]] = {}
    for resolution in resolutions:
        by_persona.setdefault(resolution.persona, []).append(resolution)
    reach = {
        persona: on_every_path([(r, reach_of(r, live_routes, cells, evaluator)) for r in paths])
        for persona, paths in by_persona.items()
    }
    signed_in = [reach[p].routes for p in by_persona if p != UNAUTHENTICATED]
    everyone = set.intersection(*signed_in) if signed_in else set()  # routes.all_users

    out = YamlLines()
    _header(out, snapshot, user_pool, pool, templates)
    out.add("version: 1")
    out.add(f"region: {scalar(snapshot.region)}")
    out.add("user_pool:")
    out.add(f"id: {scalar(user_pool.id)}", depth=1)
    _identity_pool(out, pool, user_pool)
    _apis(out, snapshot)
    _public_routes(out, snapshot)
    _routes(out, by_persona, reach, everyone, live_routes)
    _groups(out, user_pool, by_persona, reach, everyone)
    _claims(out, pool, user_pool, by_persona, reach, everyone)
    return out.text()


def draft_warnings(snapshot: Snapshot) -> list[str]:
    """What a person should know before accepting the draft as it stands."""
    user_pool, pool = _pools(snapshot)
    paths = sign_in_paths(pool, user_pool.id)
    unused = unused_group_roles(paths, user_pool.groups)
    if not unused:
        return []
    names = ", ".join(g.name for g in unused)
    return [
        f"groups {names} carry roles that no sign-in path hands out (no Token or Rules role "
        f"mapping in identity pool {pool.id}): every member gets {unused_instead(pool, paths)}; "
        "group-role-unused will report it until the mapping is set"
    ]


# --- What is live, and who reaches it ---------------------------------------------------------


def _pools(snapshot: Snapshot) -> tuple[UserPool, IdentityPool]:
    if snapshot.user_pool is None or snapshot.identity_pool is None:
        missing = "user_pool" if snapshot.user_pool is None else "identity_pool"
        raise InputError("<snapshot>", missing, "not collected; cannot draft a baseline")
    return snapshot.user_pool, snapshot.identity_pool


# --- Sections ---------------------------------------------------------------------------------


def _header(
    out: YamlLines,
    snapshot: Snapshot,
    user_pool: UserPool,
    pool: IdentityPool,
    templates: Sequence[str],
) -> None:
    apis = ", ".join(str(ref) for ref in snapshot.target.apis) or "none"
    read_at = snapshot.collected_at or "an unknown time"
    source = f"templates {', '.join(templates)}" if templates else f"live state read at {read_at}"
    out.comment(
        f"Baseline drafted by `auditor baseline init` (cognito-route-auditor "
        f"{__version__}) from {source}"
    )
    out.comment(
        f"account {snapshot.account_id or 'unknown'}, region {snapshot.region}: user pool "
        f"{user_pool.id} ({user_pool.name}), identity pool {pool.id} ({pool.name}), "
        f"APIs {apis}."
    )
    described = "what the templates deploy" if templates else "what is live TODAY"
    out.comment(f"It describes {described}, not what you intend. Review every line: remove")
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
        [(p.client_id, names.get(p.client_id) or None) for p in paths if p.client_id],
        depth=1,
        note="every client the identity pool accepts; remove those nobody signs in with",
        # A provider entry without a client id cannot be listed: it is always audited.
        trailing=[f"{p.provider} (no client id): always in use" for p in paths if not p.client_id],
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
    out.add_list("public_routes", sorted(entries, key=lambda e: route_order(e[0])), depth=0)


def _routes(
    out: YamlLines,
    by_persona: dict[str, list[Resolution]],
    reach: dict[str, Reach],
    everyone: set[str],
    live_routes: list[LiveRoute],
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
    for live in live_routes:  # route-undeclared will name these: only a person can place them
        if live.text not in touched:
            out.comment(
                f"no persona reaches {live.text} (AWS_IAM): declare it where it belongs", depth=1
            )


def _groups(
    out: YamlLines,
    user_pool: UserPool,
    by_persona: dict[str, list[Resolution]],
    reach: dict[str, Reach],
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
    reach: dict[str, Reach],
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
    reach: Reach,
    everyone: set[str],
    depth: int,
) -> None:
    for resolution in resolutions:
        role = resolution.role_arn or "no credentials"
        client = f" through app client {resolution.app_client}" if resolution.app_client else ""
        out.comment(f"{resolution.persona} gets {role}{client}: {resolution.how}", depth=depth)
    out.add_list(key, _entries(reach.routes - everyone), depth=depth, trailing=reach.notes)


def _entries(routes: Iterable[str]) -> list[tuple[str, str | None]]:
    return [(text, None) for text in sorted(routes, key=route_order)]
