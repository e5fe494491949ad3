"""`auditor baseline init`: a commented baseline that describes what is live today.

Auditing with the draft right away finds no drift; what remains are the risks no baseline can
declare away (trust policies, precedence ties, broad grants, public resource policies), routes
nobody fully reaches, and partial verdicts, which are left as comments for a person to decide.
Verdicts come from the audit's own access matrix: nothing here re-decides IAM.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml

from auditor import __version__
from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.matrix import CellIndex, build_matrix
from auditor.audit.resolve import Resolution, mapping_in_use, resolve_personas
from auditor.audit.routes import ApiStage, iter_routes, normalise_template
from auditor.audit.verdicts import verbs_reached
from auditor.model.baseline import Baseline, IdentityPoolBaseline
from auditor.model.errors import InputError
from auditor.model.http import DEFAULT_ROUTE, HTTP_METHODS
from auditor.model.personas import DEFAULT, GROUP_PREFIX, UNAUTHENTICATED, group_persona
from auditor.model.snapshot import IdentityPool, PoolRef, Route, Snapshot, UserPool
from auditor.policy import RouteVerdict

_RESOLUTION = {None: "default", "Token": "token", "Rules": "rules"}
_INDENT = "  "
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")  # YAML breaks a line at each


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
    reach = {r.persona: _reach(r, iam_routes, cells, evaluator) for r in resolutions}
    signed_in = [reach[r.persona].routes for r in resolutions if r.persona != UNAUTHENTICATED]
    everyone = set.intersection(*signed_in) if signed_in else set()  # routes.all_users

    out = _Lines()
    _header(out, snapshot, user_pool, pool)
    out.add("version: 1")
    out.add(f"region: {_scalar(snapshot.region)}")
    out.add("user_pool:")
    out.add(f"id: {_scalar(user_pool.id)}", depth=1)
    _identity_pool(out, pool, user_pool.id)
    _apis(out, snapshot)
    _public_routes(out, snapshot)
    _routes(out, resolutions, reach, everyone, iam_routes)
    _groups(out, user_pool, resolutions, reach, everyone)
    return out.text()


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


def _header(out: _Lines, snapshot: Snapshot, user_pool: UserPool, pool: IdentityPool) -> None:
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


def _identity_pool(out: _Lines, pool: IdentityPool, user_pool_id: str) -> None:
    used = mapping_in_use(pool, user_pool_id)
    mapping = used.mapping
    out.add("identity_pool:")
    out.add(f"id: {_scalar(pool.id)}", depth=1)
    if used.provider is None:
        how = f"user pool {user_pool_id} is not a provider of this identity pool"
    elif mapping is None:
        how = f"no role mapping for {used.provider}: everyone gets the authenticated role"
    else:
        how = f"{mapping.type} mapping of {used.provider}"
    out.add(f"role_resolution: {_RESOLUTION[mapping.type if mapping else None]}", depth=1, note=how)
    if mapping is not None and mapping.ambiguous_role_resolution is not None:
        out.add(f"ambiguous_role_resolution: {mapping.ambiguous_role_resolution}", depth=1)
    else:
        out.comment("ambiguous_role_resolution: not set live, so not asserted", depth=1)
    out.add(f"authenticated_role: {_scalar(pool.authenticated_role)}", depth=1)
    out.add(f"unauthenticated_role: {_scalar(pool.unauthenticated_role)}", depth=1)
    out.add(f"allow_unauthenticated: {_scalar(pool.allow_unauthenticated)}", depth=1)
    out.add(f"allow_classic_flow: {_scalar(pool.allow_classic_flow)}", depth=1)


def _apis(out: _Lines, snapshot: Snapshot) -> None:
    refs = snapshot.target.apis
    if not refs:
        out.add("apis: []")
        return
    out.add("apis:")
    for ref in refs:  # as asked for: the order given on the command line
        first = f"id: {_scalar(ref.id)}" if ref.id else f"name: {_scalar(ref.name)}"
        out.add(f"- {first}", depth=1, note=None if ref.stage else "every stage")
        if ref.stage:
            out.add(f"stage: {_scalar(ref.stage)}", depth=2)


def _public_routes(out: _Lines, snapshot: Snapshot) -> None:
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
    out: _Lines,
    resolutions: list[Resolution],
    reach: dict[str, _Reach],
    everyone: set[str],
    iam_routes: list[_LiveRoute],
) -> None:
    default = next((r for r in resolutions if r.persona == DEFAULT), None)
    guest = next((r for r in resolutions if r.persona == UNAUTHENTICATED), None)
    out.add("routes:")
    out.add_list(
        "all_users",
        _entries(everyone),
        depth=1,
        note="reached by every group and by the default role",
    )
    if default is not None:
        _persona_routes(out, "default", default, reach[DEFAULT], everyone, depth=1)
    if guest is not None:
        _persona_routes(out, "unauthenticated", guest, reach[UNAUTHENTICATED], set(), depth=1)
    touched = set().union(*(r.touched for r in reach.values()))
    for live in iam_routes:  # route-undeclared will name these: only a person can place them
        if live.text not in touched:
            out.comment(
                f"no persona reaches {live.text} (AWS_IAM): declare it where it belongs", depth=1
            )


def _groups(
    out: _Lines,
    user_pool: UserPool,
    resolutions: list[Resolution],
    reach: dict[str, _Reach],
    everyone: set[str],
) -> None:
    by_persona = {r.persona: r for r in resolutions}
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
        out.add(f"{_scalar(group.name)}:", depth=1)
        out.add(f"precedence: {_scalar(group.precedence)}", depth=2)
        out.add(f"role: {_scalar(group.role_arn)}", depth=2)
        _persona_routes(out, "routes", by_persona[persona], reach[persona], everyone, depth=2)


def _persona_routes(
    out: _Lines, key: str, resolution: Resolution, reach: _Reach, everyone: set[str], depth: int
) -> None:
    role = resolution.role_arn or "no credentials"
    out.comment(f"{resolution.persona} gets {role}: {resolution.how}", depth=depth)
    out.add_list(key, _entries(reach.routes - everyone), depth=depth, trailing=reach.notes)


def _entries(routes: Iterable[str]) -> list[tuple[str, str | None]]:
    return [(text, None) for text in sorted(routes, key=_route_order)]


# --- YAML text --------------------------------------------------------------------------------


def _scalar(value: str | int | bool | None) -> str:
    """One YAML scalar, quoted by PyYAML's own emitter where YAML needs it.

    Emitted inside a flow sequence, whose quoting rules are the strictest, so the result is
    safe as a block value and as a mapping key too.
    """
    text = _flow_scalar(value, style=None)
    if any(brk in text for brk in _LINE_BREAKS):  # one line per entry: escape the breaks
        text = _flow_scalar(value, style='"')
    return text


def _flow_scalar(value: str | int | bool | None, style: str | None) -> str:
    text = yaml.safe_dump(
        [value], default_flow_style=True, default_style=style, width=2**31 - 1, allow_unicode=True
    )
    return text.strip()[1:-1]


def _comment_text(text: str) -> str:
    # Names and paths end up in comments: one line, printable, whatever they contain.
    return "".join(ch if ch.isprintable() else "?" for ch in text)


class _Lines:
    def __init__(self) -> None:
        self._lines: list[str] = []

    def add(self, text: str, depth: int = 0, note: str | None = None) -> None:
        suffix = f"  # {_comment_text(note)}" if note else ""
        self._lines.append(f"{_INDENT * depth}{text}{suffix}")

    def comment(self, text: str, depth: int = 0) -> None:
        self._lines.append(f"{_INDENT * depth}# {_comment_text(text)}")

    def blank(self) -> None:
        self._lines.append("")

    def add_list(
        self,
        key: str,
        entries: list[tuple[str, str | None]],
        depth: int,
        note: str | None = None,
        trailing: Iterable[str] = (),
    ) -> None:
        """`key:` then one `- item  # note` per entry, then comment lines (`key: []` if empty)."""
        self.add(f"{key}:" if entries else f"{key}: []", depth=depth, note=note)
        for text, item_note in entries:
            self.add(f"- {_scalar(text)}", depth=depth + 1, note=item_note)
        for line in trailing:
            self.comment(line, depth=depth + 1)

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"
