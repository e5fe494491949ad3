"""Properties over mutated policy documents: start from valid ones (the property tests'
strategies) and mutate types, values, operators, wildcards and sizes anywhere in them. Every
entry point of the engine then returns an answer (a verdict, the statements set aside, trust
facts, risks) or raises PolicyError, its own handled error, and nothing else; no verdict is
`denied` where a document as a whole could not be read; and a route question stays within
the engine's budget (lowered here, so that examples stay quick).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from auditor.policy import (
    INVOKE,
    NamedPolicy,
    PolicyCache,
    PolicyError,
    budget,
    decide,
    execute_api_allows,
    public_statements,
    route_verdict,
)
from auditor.policy.documents import read_policy
from auditor.policy.trust import WEB_IDENTITY_ACTION, cognito_trust, trust_unreadable
from tests.policy import test_policy_properties as prop

ROLE = "arn:aws:iam::1:role/app"  # in the property tests' account

# Values that are wrong somewhere in a policy, or right but odd, or large.
WILD = st.one_of(
    st.text(alphabet="ab/*?:$", min_size=0, max_size=40),
    st.integers(min_value=1, max_value=80).map(lambda n: prop.PREFIX + "*a" + "?" * n),
    st.integers(min_value=1, max_value=90).map(lambda n: "*" * n),
    st.integers(min_value=4_000, max_value=6_000).map(lambda n: "*?" * (n // 2)),
)
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.just(10**5000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just([]),
    st.just({}),
    st.lists(st.lists(st.text(max_size=3), max_size=2), min_size=1, max_size=2),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), min_size=1, max_size=2),
    st.sampled_from(["allow", "Allow", "Deny", "*", "2012-10-17", "2099-01-01", "10.0.0.300/8"]),
    WILD,
)
OPERATORS = st.sampled_from(
    [
        "StringEquals",
        "StringLike",
        "ArnLike",
        "IpAddress",
        "NotIpAddress",
        "NumericLessThan",
        "DateGreaterThan",
        "Bool",
        "Null",
        "BinaryEquals",
        "ForAnyValue:StringLike",
        "ForAllValues:StringNotEquals",
        "StringEqualz",
        "Foo:StringLike",
        "NullIfExists",
        "IfExists",
        "",
    ]
)
CONDITIONS = st.one_of(
    st.dictionaries(
        OPERATORS,
        st.one_of(
            st.dictionaries(st.sampled_from(["aws:username", "k", ""]), ODD, max_size=2), ODD
        ),
        max_size=2,
    ),
    ODD,
)
PRINCIPALS = st.one_of(
    st.just("*"),
    st.fixed_dictionaries({"AWS": st.one_of(st.just("*"), st.just(ROLE), ODD)}),
    st.fixed_dictionaries({"Federated": st.one_of(st.just("cognito-identity.amazonaws.com"), ODD)}),
    st.dictionaries(st.sampled_from(["Service", "Cognito", "AWS"]), ODD, max_size=2),
    ODD,
)
KEYS = st.sampled_from(
    [
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "Principal",
        "NotPrincipal",
        "Sid",
    ]
)


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A valid policy from the property tests, then a few mutations anywhere in it."""
    document: Any = copy.deepcopy(draw(prop.policies))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        statements = document.get("Statement") if isinstance(document, dict) else None
        where = draw(st.sampled_from(["statement", "statement", "statement", "document"]))
        if where == "statement" and isinstance(statements, list) and statements:
            index = draw(st.integers(min_value=0, max_value=len(statements) - 1))
            target = statements[index]
            if not isinstance(target, dict):
                continue
            key = draw(KEYS)
            value = draw(
                CONDITIONS
                if key == "Condition"
                else PRINCIPALS
                if key in ("Principal", "NotPrincipal")
                else st.one_of(ODD, st.lists(WILD, min_size=1, max_size=3))
            )
            if draw(st.booleans()) and key in target:
                del target[key]
            else:
                target[key] = value
        else:
            change = draw(st.sampled_from(["Version", "Statement", "whole", "many"]))
            if change == "whole":
                document = draw(st.one_of(ODD, st.just([document]), st.just("{not json")))
            elif change == "many" and isinstance(statements, list) and statements:
                document["Statement"] = statements * draw(st.sampled_from([2, 300, 1_100]))
            elif isinstance(document, dict):
                document[change] = draw(ODD)
    return document


def _is_wholly_unreadable(document: Any) -> bool:
    return any(u.index is None for u in read_policy(NamedPolicy("x", document)).unreadable)


PLACES = ["identity", "boundary", "resource"]


@pytest.fixture(autouse=True)
def _small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tenth of the engine's budget per question: hostile examples stop sooner."""
    monkeypatch.setattr(budget, "MAX_STEPS_PER_QUESTION", budget.MAX_STEPS_PER_QUESTION // 10)
    monkeypatch.setattr(
        budget, "MAX_NEW_STATES_PER_QUESTION", budget.MAX_NEW_STATES_PER_QUESTION // 10
    )


@pytest.mark.parametrize("place", PLACES)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated(), prop.policies, prop.templates, st.sampled_from(["GET", "ANY"]))
def test_a_mutated_document_gets_a_verdict_or_a_policy_error(
    place: str, hostile: Any, valid: dict[str, Any], template: str, method: str
) -> None:
    named = NamedPolicy("hostile", hostile)
    readable = [NamedPolicy("valid", valid)]
    kwargs: dict[str, Any] = {}
    identity = [*readable, named] if place == "identity" else readable
    if place == "boundary":
        kwargs["boundary"] = [named]
    if place == "resource":
        kwargs["resource_policy"] = named
    try:
        got = route_verdict(
            identity,
            role_arn=ROLE,
            method=method,
            path=template,
            cache=PolicyCache(),
            **kwargs,
            **prop.KW,
        )
    except budget.BudgetExceeded as exc:
        assert str(exc)  # says why: only the budget's questions raise
        event("over budget")
        return
    event(got.verdict)
    assert got.verdict in ("allowed", "partial", "denied", "unknown")
    if got.verdict != "unknown":
        assert all("cannot be judged" not in r for r in got.reasons)
    # A document that cannot be read at all is of unknown effect: it may change any verdict
    # of an identity policy or boundary (a resource policy's may not name the caller).
    if place != "resource" and _is_wholly_unreadable(hostile):
        assert got.verdict == "unknown"


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_every_reading_of_a_mutated_document_answers(hostile: Any) -> None:
    named = NamedPolicy("hostile", hostile)
    cache = PolicyCache()
    read = read_policy(named)  # as an identity policy, the reading decide() makes strict
    assert all(u.reason for u in read.unreadable)
    read_policy(named, resource_policy=None, needs_resource=False)  # as a trust policy
    for statement in read.unreadable:
        statement.may_match(INVOKE)
    execute_api_allows([named], cache)
    public_statements(NamedPolicy("rp", hostile), cache)
    if isinstance(hostile, dict):
        cognito_trust(hostile, cache)
        for statement in trust_unreadable(hostile, cache):
            assert statement.may_match(WEB_IDENTITY_ACTION)
    try:
        decision = decide([hostile], INVOKE, prop.PREFIX + "GET/a")
    except PolicyError:
        assert read.unreadable  # strict: only what the lenient reading set aside
    else:
        assert decision in ("Allowed", "ExplicitlyDenied", "ImplicitlyDenied")
        assert not read.unreadable


# Patterns made of what multiplies automaton states: stars, runs of `?`, literals and '/'.
PIECES = st.sampled_from(["*", "?", "a", "b", "/", "*a", "??????", "a*", "*/"])
heavy = st.lists(PIECES, min_size=1, max_size=25).map(lambda p: prop.PREFIX + "GET/" + "".join(p))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "Effect": st.sampled_from(["Allow", "Deny"]),
                "Action": st.just(INVOKE),
                "Resource": st.lists(heavy, min_size=1, max_size=3),
            }
        ),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["/{proxy+}", "/a/{p}", "/{p}/{proxy+}", "/{p}/{q}"]),
)
def test_wildcard_heavy_patterns_are_judged_or_over_budget(
    statements: list[dict[str, Any]], template: str
) -> None:
    """Within the read limits, a pattern may still need more states than a question may add:
    the question then raises BudgetExceeded (the audit's `unknown`), and never runs on."""
    document = {"Version": "2012-10-17", "Statement": statements}
    try:
        got = route_verdict(
            [NamedPolicy("p", document)],
            method="GET",
            path=template,
            cache=PolicyCache(),
            **prop.KW,
        )
    except budget.BudgetExceeded as exc:
        assert "limit" in str(exc) and "'p'" in str(exc)
        event("over budget")
        return
    event(got.verdict)
    assert got.verdict in ("allowed", "partial", "denied")
