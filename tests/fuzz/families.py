"""The fuzz families: each is a hypothesis strategy of Cases built from the valid seeds.

Every case runs offline (`validate`, `run --snapshot`) unless it is about the command line
itself; a family says which exits are right where the contract is clear about it, and only
checks "no traceback, no hang, one line" where it is not.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.case import (
    ANY_EXIT,
    INCOMPLETE,
    INPUT_ERROR,
    INPUT_OR_INCOMPLETE,
    NOT_CLEAN,
    NOT_INPUT_ERROR,
    Case,
)
from tests.fuzz.documents import (
    BILLION_LAUGHS,
    ODD_FILES,
    UNREADABLE_FILES,
    Syntax,
    duplicate_key,
    mutated,
    serialize,
)
from tests.fuzz.seeds import Seeds

BASELINE_YAML, BASELINE_JSON, SNAPSHOT, STATE = (
    "baseline.yaml",
    "baseline.json",
    "snapshot.json",
    "state.json",
)

# Route patterns API Gateway could never serve, each in a place a route pattern goes.
INVALID_ROUTES = (
    "GET /a//b",
    "GET /{",
    "GET /{id}}",
    "GET /{proxy+}/x",
    "GET /items?x=1",
    "GET /items/\n",
    "GET /items#top",
    "GET /{}",
    "GET /}",
    "GET /{proxy+",
    "GET /items /x",
    "GET  /items",
    "get /items",
    "GET items",
    "GET",
    "/items",
    "",
    "GET /items/*/x",
    "FETCH /items",
    "GET /ite\u00a0ms",
)
# Unusual but valid patterns: an audit, never an input error.
VALID_ODD_ROUTES = (
    "GET /",
    "ANY /{proxy+}",
    "* /*",
    "PATCH /items/{id}/notes",
    "GET /files/{proxy+}",
    "HEAD /items",
    "OPTIONS /items/{id}",
    "GET /v1/items/*",
)
# (path, wrong value): fields whose type and range the schema states: always exit 2.
WRONG_TYPES: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("version",), 2),
    (("version",), "1"),
    (("version",), True),
    (("region",), 5),
    (("region",), "us east 1"),
    (("user_pool",), None),
    (("user_pool",), "us-east-1_x"),
    (("user_pool", "id"), 12),
    (("identity_pool", "role_resolution"), "Token"),
    (("identity_pool", "allow_unauthenticated"), "false"),
    (("identity_pool", "authenticated_role"), "app-default"),
    (("apis",), {}),
    (("apis",), "64fpxhdfru"),
    (("groups",), []),
    (("groups",), "admin"),
    (("groups", "admin", "precedence"), -1),
    (("groups", "admin", "precedence"), "0"),
    (("groups", "admin", "precedence"), 1.5),
    (("groups", "admin", "precedence"), True),
    (("groups", "admin", "role"), "admin"),
    (("groups", "admin", "routes"), "GET /items"),
    (("routes", "all_users"), "GET /items"),
    (("routes", "everyone"), ["GET /items"]),
    (("grups",), {}),
)
REQUIRED = ("version", "user_pool", "identity_pool")
ALIAS = "FUZZ-ALIAS-MARKER"
NO_WHY: tuple[str, ...] = ()


def _route_slots(baseline: dict[str, Any]) -> list[tuple[str | int, ...]]:
    """Every list of route patterns in the baseline (path to the list)."""
    slots: list[tuple[str | int, ...]] = [("public_routes",)]
    slots += [("routes", name) for name in baseline.get("routes", {})]
    slots += [("groups", g, "routes") for g in baseline.get("groups", {})]
    return slots


def _run_argv(baseline_name: str, *more: str) -> tuple[str, ...]:
    return ("run", "--baseline", baseline_name, "--snapshot", SNAPSHOT, "-o", "report.json", *more)


@st.composite
def baseline_cases(draw: st.DrawFn, seeds: Seeds) -> Case:
    """A damaged baseline, checked by `validate` or audited offline by `run`."""
    syntax: Syntax = draw(st.sampled_from(("yaml", "json")))
    name = BASELINE_YAML if syntax == "yaml" else BASELINE_JSON
    command = draw(st.sampled_from(("validate", "run")))
    argv = ("validate", name) if command == "validate" else _run_argv(name)
    valid = frozenset({0}) if command == "validate" else NOT_INPUT_ERROR
    doc = copy.deepcopy(seeds.baseline)
    kind = draw(
        st.sampled_from(
            (
                "tree",
                "route",
                "odd-route",
                "wrong-type",
                "missing",
                "group-name",
                "huge-list",
                "unreadable-file",
                "odd-file",
                "duplicate-key",
                "yaml-bomb",
                "alias",
            )
        )
    )
    expect, why = ANY_EXIT, NO_WHY
    data: bytes | None = None
    if kind == "tree":
        doc, why = draw(mutated(doc))
    elif kind in ("route", "odd-route"):
        slot = draw(st.sampled_from(_route_slots(doc)))
        patterns = INVALID_ROUTES if kind == "route" else VALID_ODD_ROUTES
        pattern = draw(st.sampled_from(patterns))
        _at(doc, slot[:-1]).setdefault(slot[-1], []).append(pattern)
        expect = INPUT_ERROR if kind == "route" else valid
        why = (f"{'.'.join(map(str, slot))} += {pattern!r}",)
    elif kind == "wrong-type":
        path, value = draw(st.sampled_from(WRONG_TYPES))
        _at(doc, path[:-1])[path[-1]] = value
        expect, why = INPUT_ERROR, (f"{'.'.join(path)} = {value!r}",)
    elif kind == "missing":
        key = draw(st.sampled_from(REQUIRED))
        del doc[key]
        expect, why = INPUT_ERROR, (f"required {key!r} removed",)
    elif kind == "group-name":
        odd = draw(st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s))
        doc["groups"][odd] = doc["groups"].pop("admin")
        why = (f"group 'admin' renamed {odd!r}",)
    elif kind == "huge-list":
        size = draw(st.sampled_from((1_000, 10_000, 50_000)))
        doc["routes"]["all_users"] = [f"GET /items/n{i}" for i in range(size)]
        why = (f"routes.all_users: {size} patterns",)
    elif kind == "unreadable-file":
        what, damage = draw(st.sampled_from(UNREADABLE_FILES))
        data, expect, why = damage(serialize(doc, syntax).decode()), INPUT_ERROR, (what,)
    elif kind == "odd-file":
        what, damage = draw(st.sampled_from(ODD_FILES))
        data, why = damage(serialize(doc, syntax).decode()), (what,)
    elif kind == "duplicate-key":
        data, said = draw(duplicate_key(doc, syntax))
        expect, why = INPUT_ERROR, (said,)
    elif kind == "yaml-bomb":
        name = BASELINE_YAML
        argv = ("validate", name) if command == "validate" else _run_argv(name)
        data, expect, why = BILLION_LAUGHS.encode(), INPUT_ERROR, ("billion laughs",)
    else:  # an anchor and alias used the way people do: refused all the same (README)
        name = BASELINE_YAML
        argv = ("validate", name) if command == "validate" else _run_argv(name)
        doc["groups"]["support"]["routes"] = ALIAS
        text = serialize(doc, "yaml").decode().replace(ALIAS, "*everyone")
        text = text.replace("  all_users:\n", "  all_users: &everyone\n", 1)
        data, expect = text.encode(), INPUT_ERROR
        why = ("groups.support.routes: *everyone",)
    if data is None:
        data = serialize(doc, syntax, unicode=draw(st.booleans()))
    files = ((name, data), (SNAPSHOT, seeds.snapshot_bytes()))
    return Case(
        "baseline", argv, files, expect, blame=(name,), one_line=command != "validate", why=why
    )


def _at(doc: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


# --- snapshots ----------------------------------------------------------------------------


# Ways to break one statement (or the whole document) so that no evaluator can judge it.
def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(statement: dict[str, Any]) -> None:
        statement[key] = value

    return apply


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    def apply(statement: dict[str, Any]) -> None:
        statement.pop(key, None)
        statement.pop(f"Not{key}", None)

    return apply


STATEMENT_BREAKS: tuple[tuple[str, Callable[[dict[str, Any]], None]], ...] = (
    ("Effect: 'allow'", _set("Effect", "allow")),
    ("Effect: 'Permit'", _set("Effect", "Permit")),
    ("Effect: 5", _set("Effect", 5)),
    ("no Effect", _drop("Effect")),
    ("Action: 5", _set("Action", 5)),
    ("Action: {}", _set("Action", {})),
    ("Action: [5]", _set("Action", [5])),
    ("Action: null", _set("Action", None)),
    ("no Action", _drop("Action")),
    ("Resource: {}", _set("Resource", {})),
    ("Resource: 5", _set("Resource", 5)),
    ("Resource: [null]", _set("Resource", [None])),
    ("no Resource", _drop("Resource")),
    ("Condition: 'x'", _set("Condition", "x")),
    ("Condition: {StringEquals: 'x'}", _set("Condition", {"StringEquals": "x"})),
    (
        "unknown condition operator",
        _set("Condition", {"StringEqualsSometimes": {"aws:username": "x"}}),
    ),
    ("CIDR /33", _set("Condition", {"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}})),
    ("CIDR 300.1.1.1/8", _set("Condition", {"NotIpAddress": {"aws:SourceIp": ["300.1.1.1/8"]}})),
    ("SourceIp 'not-an-ip'", _set("Condition", {"IpAddress": {"aws:SourceIp": "not-an-ip"}})),
)
DOCUMENT_BREAKS: tuple[tuple[str, Any], ...] = (
    ("Statement: 'Allow everything'", "Allow everything"),
    ("Statement: 5", 5),
    ("Statement: [5]", [5]),
    ("Statement: ['x']", ["x"]),
    ("Statement: null", None),
    ("Statement: {}", {}),
)


def _policy_slots(snapshot: dict[str, Any]) -> list[tuple[str, tuple[str | int, ...]]]:
    """(what, path) of every policy document the audit must judge."""
    slots: list[tuple[str, tuple[str | int, ...]]] = []
    for arn, role in snapshot["roles"].items():
        for i, _ in enumerate(role["inline_policies"]):
            slots.append(
                (f"inline policy {i} of {arn}", ("roles", arn, "inline_policies", i, "document"))
            )
        slots.append((f"trust policy of {arn}", ("roles", arn, "trust_policy")))
    for arn in snapshot["managed_policies"]:
        slots.append((f"managed policy {arn}", ("managed_policies", arn, "document")))
    return slots


@st.composite
def _broken_policy(draw: st.DrawFn, doc: dict[str, Any]) -> tuple[tuple[str, ...], frozenset[int]]:
    """Break one policy document of `doc` in place: the run must say it is incomplete."""
    what, path = draw(st.sampled_from(_policy_slots(doc)))
    policy = _at(doc, path)
    if draw(st.booleans()):
        said, value = draw(st.sampled_from(DOCUMENT_BREAKS))
        policy["Statement"] = value
    else:
        statements = policy["Statement"]
        statements = statements if isinstance(statements, list) else [statements]
        # A trust policy has no Resource: its absence there is no damage.
        trust = path[-1] == "trust_policy"
        breaks = [b for b in STATEMENT_BREAKS if not (trust and b[0] == "no Resource")]
        said, brk = draw(st.sampled_from(breaks))
        brk(draw(st.sampled_from(statements)))
    return (f"{what}: {said}",), INCOMPLETE


EMPTIED: tuple[tuple[str, Any, frozenset[int]], ...] = (
    ("user_pool", None, INPUT_OR_INCOMPLETE),
    ("identity_pool", None, INPUT_OR_INCOMPLETE),
    ("apis", [], INPUT_OR_INCOMPLETE),
    ("roles", {}, NOT_CLEAN),
    ("managed_policies", {}, NOT_CLEAN),
    ("schema_version", "2", INPUT_ERROR),
    ("schema_version", 1, INPUT_ERROR),
    ("schema_version", None, INPUT_ERROR),
    ("schema_version", "", INPUT_ERROR),
)
ODD_ROUTE_PATHS = ("", "x", "/{proxy+}/x", "/a//b", "/{", "/items/\n", "$default", "/" * 1000)


@st.composite
def snapshot_cases(draw: st.DrawFn, seeds: Seeds) -> Case:
    """A damaged snapshot audited offline against the valid baseline."""
    doc = copy.deepcopy(seeds.snapshot)
    kind = draw(
        st.sampled_from(
            (
                "tree",
                "policy",
                "resource-policy",
                "expensive-policy",
                "emptied",
                "failed-read",
                "route-path",
                "stage-name",
                "group-name",
                "huge-list",
                "unreadable-file",
                "odd-file",
                "duplicate-key",
            )
        )
    )
    expect, why, data = ANY_EXIT, NO_WHY, None
    if kind == "tree":
        doc, why = draw(mutated(doc))
    elif kind == "policy":
        why, expect = draw(_broken_policy(doc))
    elif kind == "resource-policy":
        said, brk = draw(st.sampled_from(STATEMENT_BREAKS))
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "*",
        }
        brk(statement)
        doc["apis"][0]["resource_policy"] = {"Version": "2012-10-17", "Statement": [statement]}
        expect, why = INCOMPLETE, (f"API resource policy: {said}",)
    elif kind == "expensive-policy":
        what, path = draw(st.sampled_from(_policy_slots(doc)[:-1] or _policy_slots(doc)))
        size = draw(st.sampled_from((1_000, 100_000, 500_000)))
        resource = draw(st.sampled_from(("*?", "?*", "a*")))
        _at(doc, path)["Statement"].append(
            {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": resource * size}
        )
        # Past the engine's wildcard budget the statement cannot be judged: incomplete (a
        # trust policy's execute-api statement is no trust statement: judged, never clean).
        trust = path[-1] == "trust_policy"
        expect = NOT_INPUT_ERROR - {0} if trust else INCOMPLETE
        why = (f"{what}: + Deny on Resource {resource!r} x {size}",)
    elif kind == "emptied":
        key, value, expect = draw(st.sampled_from(EMPTIED))
        doc[key] = value
        why = (f"{key} = {value!r}, no errors",)
    elif kind == "failed-read":
        service = draw(st.sampled_from(("iam", "cognito-idp", "apigateway", "lambda", "")))
        doc["errors"].append({"service": service, "operation": "Read", "message": "AccessDenied"})
        expect, why = INCOMPLETE, (f"errors += a failed {service!r} read",)
    elif kind == "route-path":
        api = doc["apis"][0]
        routes = api["deployments"]["prod"]["routes"] if api["deployments"] else api["routes"]
        path = draw(st.sampled_from(ODD_ROUTE_PATHS))
        routes[draw(st.integers(0, len(routes) - 1))]["path"] = path
        why = (f"a served route's path = {path!r}",)
    elif kind == "stage-name":
        name = "p" * draw(st.sampled_from((129, 1_000_000)))
        api = doc["apis"][0]
        api["stages"].append(name)
        api["deployments"][name] = {"id": "d", "routes": api["routes"]}
        why = (f"a stage named 'p' x {len(name)}",)
    elif kind == "group-name":
        odd = draw(st.text(min_size=0, max_size=40))
        doc["user_pool"]["groups"][0]["name"] = odd
        why = (f"user_pool.groups[0].name = {odd!r}",)
    elif kind == "huge-list":
        size = draw(st.sampled_from((100, 2_000, 10_000)))
        api = doc["apis"][0]
        template = api["routes"][0]
        api["routes"] = [{**template, "path": f"/r/{i}"} for i in range(size)]
        api["deployments"] = {}
        why = (f"{size} routes served",)
    else:
        data, expect, why = draw(damaged_file(kind, doc, expect))
    if data is None:
        data = serialize(doc, "json", unicode=draw(st.booleans()))
    files = ((BASELINE_YAML, seeds.baseline_bytes()), (SNAPSHOT, data))
    return Case("snapshot", _run_argv(BASELINE_YAML), files, expect, blame=(SNAPSHOT,), why=why)


@st.composite
def damaged_file(
    draw: st.DrawFn, kind: str, doc: dict[str, Any], expect: frozenset[int]
) -> tuple[bytes, frozenset[int], tuple[str, ...]]:
    """The damage snapshot and state files share, as (bytes, exits, why): a file no reader
    can take (exit 2), an odd but possibly readable one, or a key written twice."""
    text = serialize(doc, "json").decode()
    if kind == "unreadable-file":
        what, damage = draw(st.sampled_from(UNREADABLE_FILES))
        return damage(text), INPUT_ERROR, (what,)
    if kind == "odd-file":
        what, damage = draw(st.sampled_from(ODD_FILES))
        return damage(text), expect, (what,)
    data, said = draw(duplicate_key(doc, "json"))
    return data, expect, (said,)


# --- state files --------------------------------------------------------------------------

STATE_BREAKS: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("kind",), "something-else"),
    (("kind",), None),
    (("schema_version",), "2"),
    (("schema_version",), 1),
    (("target", "user_pool_id"), "us-east-1_Other"),
    (("target", "identity_pool_id"), "us-east-1:other"),
    (("config",), "x"),
    (("open_findings",), {}),
    (("updated_at",), 5),
)


@st.composite
def state_cases(draw: st.DrawFn, seeds: Seeds) -> Case:
    """A damaged state file from a previous run, read by an offline run with --state."""
    doc = copy.deepcopy(seeds.state)
    kind = draw(st.sampled_from(("tree", "break", "unreadable-file", "odd-file", "duplicate-key")))
    expect, why, data = ANY_EXIT, NO_WHY, None
    if kind == "tree":
        doc, why = draw(mutated(doc))
    elif kind == "break":
        path, value = draw(st.sampled_from(STATE_BREAKS))
        _at(doc, path[:-1])[path[-1]] = value
        expect, why = INPUT_ERROR, (f"{'.'.join(path)} = {value!r}",)
    else:
        data, expect, why = draw(damaged_file(kind, doc, expect))
    if data is None:
        data = serialize(doc, "json", unicode=draw(st.booleans()))
    files = (
        (BASELINE_YAML, seeds.baseline_bytes()),
        (SNAPSHOT, seeds.snapshot_bytes()),
        (STATE, data),
    )
    argv = _run_argv(BASELINE_YAML, "--state", STATE)
    return Case("state", argv, files, expect, blame=(STATE,), why=why)
