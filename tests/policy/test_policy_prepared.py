"""prepare_role(): one compiled role for many routes, with the relevance prefilter.

The prefilter (literal prefixes, residual globs per ARN lead) must change nothing: every
verdict, reason, statement list and witness equals what one automaton over *all* the
role's statements gives, run over the whole request ARN (the engine before the prefilter).
Brute force over concrete requests is in test_policy_properties.py; here it checks one
prepared role reused across several routes, the way the audit calls it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.model.http import HTTP_METHODS
from auditor.policy import (
    NamedPolicy,
    PolicyCache,
    PreparedRole,
    explain,
    prepare_role,
    route_verdict,
)
from auditor.policy import role_routes as role_routes_module
from auditor.policy.automata import MultiNFA, residuals
from auditor.policy.glob import arn_tokens
from auditor.policy.model import RouteVerdict, StatementRef
from auditor.policy.prefilter import Heads, LeadIndex
from auditor.policy.role_automaton import assemble
from auditor.policy.role_routes import route_path
from auditor.policy.search import explore
from auditor.policy.shapes import render_shape, shape_of
from auditor.policy.variables import Text
from tests.policy.test_policy_properties import concrete_paths, templates

ARN = "arn:aws:execute-api:r:1:"
ROLE = "arn:aws:iam::1:role/app"
KW: dict[str, Any] = dict(partition="aws", region="r", account="1")
INVOKE = "execute-api:Invoke"

# Patterns that share, cut into or miss the route's literal prefix at every position,
# including wildcards before the verb (they keep statements relevant under every lead).
tails = st.text(alphabet="ab/*?", max_size=5)
patterns = st.one_of(
    st.builds(
        lambda api, stage, verb, tail: f"{ARN}{api}/{stage}/{verb}{tail}",
        st.sampled_from(["api", "apj", "ap*", "a?i", "*"]),
        st.sampled_from(["s", "t", "*"]),
        st.sampled_from(["GET/", "POST/", "G*/", "*/", "*", "GET"]),
        tails,
    ),
    st.sampled_from(
        ["*", f"{ARN}*", "arn:aws:execute-api:*", f"{ARN}api/s/GET/a${{aws:username}}*"]
    ),
    st.builds(lambda t: f"{ARN}api/{t}", tails),
)
conditions = st.sampled_from([None, {"StringEquals": {"k": "1"}}, {"Null": {"k": "true"}}])


@st.composite
def statements(draw: st.DrawFn, principal: bool = False) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Action": draw(st.sampled_from([INVOKE, "execute-api:*", "s3:*"])),
        draw(st.sampled_from(["Resource"] * 4 + ["NotResource"])): draw(
            st.lists(patterns, min_size=1, max_size=2)
        ),
    }
    condition = draw(conditions)
    if condition:
        stmt["Condition"] = condition
    if principal:
        stmt["Principal"] = draw(st.sampled_from(["*", {"AWS": ROLE}, {"AWS": "1"}]))
    return stmt


def doc(stmts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": stmts}


routes = st.lists(
    st.tuples(
        st.sampled_from(["api", "apj"]),
        st.sampled_from(["s", "t"]),
        st.sampled_from(["GET", "POST", "ANY"]),
        templates,
    ),
    min_size=1,
    max_size=5,
)


def unfiltered(
    prepared: PreparedRole, api: str, stage: str, method: str, path: str
) -> RouteVerdict:
    """One automaton over all statements, run over the whole ARN: no prefilter at all."""
    roles = prepared._routes
    has = (roles.has_boundary, roles.has_resource_policy)
    role = assemble([replace(s) for s in roles.stmts], *has)
    route = route_path(path, prepared._cache)
    base = f"{ARN}{api}/{stage}/"
    outcomes = {}
    for verb in HTTP_METHODS if method == "ANY" else (method,):
        start = role.nfa.run(role.nfa.initial, f"{base}{verb}/{route.head}")
        outcomes[verb] = explore(route.rest, role.node(start, prepared._same_account))
    shape = shape_of(roles.stmts, outcomes)
    return render_shape(shape, roles.statements, base, route.head, roles.other(route))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(statements(), min_size=1, max_size=5),
    st.none() | st.lists(statements(), min_size=1, max_size=2),
    st.none() | st.lists(statements(principal=True), min_size=1, max_size=2),
    st.sampled_from([{}, {"k": "1"}, {"aws:username": "b"}]),
    routes,
    st.sampled_from([0, 1, 8]),
)
def test_prefilter_changes_nothing(
    identity: list[dict[str, Any]],
    boundary: list[dict[str, Any]] | None,
    resource: list[dict[str, Any]] | None,
    context: dict[str, str],
    asked: list[tuple[str, str, str, str]],
    own: int,
) -> None:
    # `own`: automata a role may add to the shared cache before it takes one automaton
    # over all its statements (0: always that one); either way nothing may change.
    saved, role_routes_module._MAX_OWN = role_routes_module._MAX_OWN, own
    try:
        check_prefilter(identity, boundary, resource, context, asked)
    finally:
        role_routes_module._MAX_OWN = saved


def test_a_root_route_granted_by_the_boundary_alone_names_it_with_any_automaton() -> None:
    """The root route's only request ends right after the lead: a boundary glob that is
    exactly the lead matches it. Found by the property above (its settled class, which
    names only what matches whatever follows, was used for the request ending there)."""
    identity = [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{ARN}api/s/GET/ab*"}
    ]
    boundary = [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{ARN}api/s/GET/"}]
    for own in (0, 1):
        saved, role_routes_module._MAX_OWN = role_routes_module._MAX_OWN, own
        try:
            check_prefilter(identity, boundary, None, {}, [("api", "s", "GET", "/")])
        finally:
            role_routes_module._MAX_OWN = saved


def check_prefilter(
    identity: list[dict[str, Any]],
    boundary: list[dict[str, Any]] | None,
    resource: list[dict[str, Any]] | None,
    context: dict[str, str],
    asked: list[tuple[str, str, str, str]],
) -> None:
    prepared = prepare_role(
        [NamedPolicy("p", doc(identity))],
        boundary=None if boundary is None else [NamedPolicy("b", doc(boundary))],
        resource_policy=None if resource is None else NamedPolicy("rp", doc(resource)),
        role_arn=ROLE,
        context=context,
        cache=PolicyCache(),
        **KW,
    )
    kinds = {
        s.ref: (s.deny, s.source, s.kind, s.certain, s.cond_key) for s in prepared._routes.stmts
    }

    def named(refs: list[StatementRef]) -> set[Any]:
        return {kinds[r] for r in refs}

    def reasons(verdict: RouteVerdict) -> set[str]:  # without the statements they name
        return {r.split(": ", 1)[0 if r.startswith("explicit") else -1] for r in verdict.reasons}

    for route in asked:
        got, want = prepared.verdict(*route), unfiltered(prepared, *route)
        assert (got.verdict, got.witness_allowed, got.witness_denied) == (
            want.verdict,
            want.witness_allowed,
            want.witness_denied,
        ), route
        # The state reduction keeps one of several interchangeable statements (same effect,
        # source, certainty and condition; see automata.py); which one depends on the
        # order their patterns are read in, so compare what kind of statement is named.
        assert named(got.allowing) == named(want.allowing), route
        assert named(got.denying) == named(want.denying), route
        assert reasons(got) == reasons(want), route


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(statements(), min_size=1, max_size=4), routes)
def test_one_prepared_role_matches_enumeration(
    identity: list[dict[str, Any]], asked: list[tuple[str, str, str, str]]
) -> None:
    # No condition key is known here, so compare only statements without conditions.
    stmts = [{k: v for k, v in s.items() if k != "Condition"} for s in identity]
    policies = [NamedPolicy("p", doc(stmts))]
    ctx = {"aws:username": "b"}
    prepared = prepare_role(policies, context=ctx, cache=PolicyCache(), **KW)

    def allowed(arn: str) -> bool:
        return explain(policies, INVOKE, arn, ctx).decision == "Allowed"

    for api, stage, method, path in asked:
        got = prepared.verdict(api, stage, method, path)
        verbs = HTTP_METHODS if method == "ANY" else (method,)
        arns = [f"{ARN}{api}/{stage}/{v}/{rest}" for v in verbs for rest in concrete_paths(path)]
        if got.verdict == "partial":  # the witnesses prove it (they may be longer than arns)
            assert got.witness_allowed and allowed(got.witness_allowed), got
            assert got.witness_denied and not allowed(got.witness_denied), got
        else:
            assert {allowed(a) for a in arns} == {got.verdict == "allowed"}, (path, got)


def test_route_verdict_is_prepare_then_verdict() -> None:
    policies = [
        NamedPolicy(
            "p", doc([{"Effect": "Allow", "Action": INVOKE, "Resource": f"{ARN}api/s/GET/a*"}])
        )
    ]
    prepared = prepare_role(policies, role_arn=ROLE, cache=PolicyCache(), **KW)
    for path in ("/a", "/ab/{id}", "/b", "/{proxy+}"):
        one = route_verdict(
            policies, role_arn=ROLE, api_id="api", stage="s", method="ANY", path=path, **KW
        )
        assert prepared.verdict("api", "s", "ANY", path) == one


def test_no_relevant_statement_is_denied_with_a_witness() -> None:
    policies = [
        NamedPolicy(
            "p", doc([{"Effect": "Allow", "Action": INVOKE, "Resource": f"{ARN}api/s/GET/items/*"}])
        )
    ]
    prepared = prepare_role(policies, cache=PolicyCache(), **KW)
    got = prepared.verdict("api", "s", "GET", "/users/{id}")
    assert got.verdict == "denied"
    assert got.reasons == ("no statement allows any request to this route",)
    assert got.allowing == () and got.denying == () and got.witness_allowed is None
    assert got.witness_denied is not None
    assert re.fullmatch(rf"{re.escape(ARN)}api/s/GET/users/[^/]+", got.witness_denied)
    assert prepared.verdict("api", "s", "POST", "/items/{id}").verdict == "denied"
    assert prepared.verdict("apj", "s", "GET", "/items/{id}").verdict == "denied"
    assert prepared.verdict("api", "s", "GET", "/items/{id}").verdict == "allowed"


def test_roles_sharing_an_automaton_name_their_own_statements() -> None:
    # Same grant content at different positions in differently named policies: the shared
    # automaton's statements map back to each role's own.
    grant = {"Effect": "Allow", "Action": INVOKE, "Resource": f"{ARN}api/s/GET/items/*"}
    other = {"Effect": "Allow", "Action": INVOKE, "Resource": f"{ARN}api/s/POST/x"}
    cache = PolicyCache()
    first = prepare_role([NamedPolicy("a", doc([other, grant]))], cache=cache, **KW)
    second = prepare_role([NamedPolicy("b", doc([grant]))], cache=cache, **KW)
    for prepared, want in ((first, "a#1"), (second, "b#0")):
        got = prepared.verdict("api", "s", "GET", "/items/{id}")
        assert got.verdict == "allowed" and [str(r) for r in got.allowing] == [want]


def test_only_a_deny_is_relevant_and_still_named() -> None:
    # Nothing allows the route, but the explanation keeps the Deny that covers it.
    stmts = [
        {"Effect": "Allow", "Action": INVOKE, "Resource": f"{ARN}api/s/GET/*"},
        {"Effect": "Deny", "Action": INVOKE, "Resource": f"{ARN}api/s/DELETE/*"},
    ]
    prepared = prepare_role([NamedPolicy("p", doc(stmts))], cache=PolicyCache(), **KW)
    got = prepared.verdict("api", "s", "DELETE", "/x")
    assert got.verdict == "denied"
    assert [str(r) for r in got.denying] == ["p#1"]
    assert got.reasons == ("no statement allows any request to this route",)


def test_wildcard_before_the_verb_keeps_a_statement() -> None:
    stmts = [{"Effect": "Allow", "Action": INVOKE, "Resource": "arn:aws:execute-api:*:1:*/s/GET/*"}]
    prepared = prepare_role([NamedPolicy("p", doc(stmts))], cache=PolicyCache(), **KW)
    assert prepared.verdict("apj", "s", "GET", "/{proxy+}").verdict == "allowed"
    assert prepared.verdict("apj", "t", "GET", "/x").verdict == "denied"


@given(
    st.text(alphabet="ab:/*?", max_size=8),
    st.text(alphabet="ab:/x", max_size=5),
    st.text(alphabet="ab:/x", max_size=5),
)
def test_residuals_match_what_is_left(pattern: str, lead: str, rest: str) -> None:
    cache = PolicyCache()
    tokens = arn_tokens([Text(pattern)], cache)
    whole = MultiNFA([tokens])
    want = bool(whole.run(whole.initial, lead + rest) & whole.finals[0])
    globs = residuals(tuple(tokens), lead, cache)
    if not globs:
        assert not want
        return
    part = MultiNFA(globs)
    end = part.run(part.initial, rest)
    assert any(end & final for final in part.finals) == want


@given(st.text(alphabet="ab:/*?", max_size=12), st.integers(min_value=0, max_value=12))
def test_cached_text_tokens_equal_the_general_path(pattern: str, cut: int) -> None:
    # Two Text parts take the general path; one Text part the cached fast path.
    cache = PolicyCache()
    cached = arn_tokens([Text(pattern)], cache)
    assert cached == arn_tokens([Text(pattern[:cut]), Text(pattern[cut:])], cache)
    assert arn_tokens([Text(pattern)], cache) == cached  # and from the cache


_PREFIXES = st.lists(
    st.none() | st.lists(st.tuples(st.text(alphabet="ab/", max_size=6), st.booleans()), max_size=3),
    max_size=6,
)


def _may_match(glob: tuple[str, bool], lead: str, head: str, literal: bool) -> bool:
    """The rule relevant() implements: a literal route's one request is its head, which the
    glob's literal prefix must start (a glob without a wildcard, `whole`, must equal it);
    a route with parameters has requests beyond its head, so the two need only be
    prefix-related. A whole glob that ends within the lead counts (rare; the automaton
    decides)."""
    prefix, whole = glob
    text = lead + head
    if whole and lead.startswith(prefix):
        return True
    if literal:
        return text == prefix if whole else text.startswith(prefix)
    return prefix.startswith(text) or (not whole and text.startswith(prefix))


@given(
    _PREFIXES,
    st.text(alphabet="ab/", max_size=3),
    st.text(alphabet="ab/", max_size=5),
    st.booleans(),
)
def test_lead_index_buckets_find_what_a_scan_finds(
    prefixes: list[list[tuple[str, bool]] | None], lead: str, head: str, literal: bool
) -> None:
    # relevant() scans only the bucket of the head's first characters: the same bits as the
    # rule applied to every statement (NotResource: always).
    want = 0
    for index, globs in enumerate(prefixes):
        if globs is None or any(_may_match(g, lead, head, literal) for g in globs):
            want |= 1 << index
    assert LeadIndex.of(prefixes, lead).relevant(head, literal) == want


@given(
    _PREFIXES,
    st.text(alphabet="ab/", max_size=3),
    st.dictionaries(st.text(alphabet="ab/", max_size=5), st.booleans(), max_size=8),
)
def test_touched_heads_are_every_head_a_statement_may_match(
    prefixes: list[list[tuple[str, bool]] | None], lead: str, heads: dict[str, bool]
) -> None:
    # The matrix asks the engine only about touched heads: none it leaves out may be
    # relevant (it may name a few more, which the engine then answers exactly).
    index = LeadIndex.of(prefixes, lead)
    touched = index.touched(Heads.of(heads))
    assert {h for h, literal in heads.items() if index.relevant(h, literal)} <= set(touched)
    assert set(touched) <= set(heads)
