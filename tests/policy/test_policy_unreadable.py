"""Statements the engine cannot read: set aside, the rest used, and only the verdicts they
may change are `unknown` (never `denied`); decide() stays strict.

Monotonicity (IAM policy evaluation logic): one more Allow can only allow more requests, one
more Deny only fewer, wherever it sits (identity policy, permissions boundary, resource policy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.policy import INVOKE, NamedPolicy, PolicyCache, PolicyError, decide, route_verdict
from auditor.policy.documents import read_policy
from tests.policy import test_policy_properties as prop
from tests.policy.test_policy_routes import API, KW, allow, deny, named

PKW = prop.KW  # the property tests' small account, API and stage

ITEMS = f"{API}/GET/items"
ADMIN = f"{API}/GET/admin/*"
EVERY = f"{API}/*"
BROKEN = {"StringEqualz": {"aws:username": "ann"}}  # an operator IAM does not have


def verdict(
    identity: list[NamedPolicy], method: str = "GET", path: str = "/items", **kw: Any
) -> tuple[str, tuple[str, ...]]:
    got = route_verdict(identity, method=method, path=path, cache=PolicyCache(), **KW, **kw)
    return got.verdict, got.reasons


def policy(*statements: Any, version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


# --- every family of unreadable statement --------------------------------------------------

FAMILIES = [
    # (why, the statement (its Resource, where readable, covers every route), its Effect as
    # far as it can be read, the reason's words)
    ("unknown condition operator", allow(EVERY, Condition=BROKEN), "Allow", "StringEqualz"),
    ("Effect in lower case", {**allow(EVERY), "Effect": "allow"}, None, "Effect is 'allow'"),
    ("Resource an object", {**allow(EVERY), "Resource": {"a": 1}}, "Allow", "Resource must be"),
    ("Action a number", {**allow(EVERY), "Action": 5}, "Allow", "Action must be"),
    (
        "malformed CIDR in NotIpAddress",
        deny(EVERY, Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.300/8"}}),
        "Deny",
        "not a valid value",
    ),
    ("a statement that is a string", "Allow everything", None, "must be a JSON object"),
]


@pytest.mark.parametrize(("why", "statement", "effect", "words"), FAMILIES)
def test_each_family_is_set_aside_with_what_can_be_read(
    why: str, statement: Any, effect: str | None, words: str
) -> None:
    doc = policy(
        allow(ITEMS), {"Sid": "Bad", **statement} if isinstance(statement, dict) else statement
    )
    read = read_policy(NamedPolicy("app", doc))
    assert [s.ref.index for s in read.statements] == [0]  # the rest is still used
    (aside,) = read.unreadable
    assert (aside.policy, aside.index, aside.effect) == ("app", 1, effect), why
    assert words in aside.reason and "'app' statement 1" in aside.reason
    with pytest.raises(PolicyError, match=words):  # decide() stays strict
        decide([doc], INVOKE, ITEMS)


@pytest.mark.parametrize(("why", "statement", "effect", "words"), FAMILIES)
def test_each_family_changes_only_what_it_may_and_never_says_denied(
    why: str, statement: Any, effect: str | None, words: str
) -> None:
    role = [NamedPolicy("app", policy(allow(ITEMS), statement))]
    # Allowed without it: an Allow changes nothing; a Deny or an unknown effect may.
    allowed, _ = verdict(role, "GET", "/items")
    assert allowed == ("allowed" if effect == "Allow" else "unknown"), why
    # Denied without it: a Deny changes nothing; an Allow or an unknown effect may.
    denied, reasons = verdict(role, "POST", "/items")
    assert denied == ("denied" if effect == "Deny" else "unknown"), why
    if denied == "unknown":
        assert any("'app' statement 1" in r and words in r for r in reasons), reasons
    assert verdict(role, "ANY", "/{proxy+}")[0] == "unknown"  # partial without it


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("{not json", "not valid JSON"),
        (policy(), None),  # no statements: nothing to set aside
        ({"Version": "2012-10-17", "Statement": "Allow all"}, "Statement must be"),
        ({"Version": "2099-01-01", "Statement": [allow(ITEMS)]}, "unknown Version"),
        ({"Version": ["2012-10-17"], "Statement": [allow(ITEMS)]}, "unknown Version"),
        ({"Version": {"v": "2012-10-17"}, "Statement": [allow(ITEMS)]}, "unknown Version"),
        ({"Version": 2012, "Statement": [allow(ITEMS)]}, "unknown Version"),
    ],
)
def test_a_document_that_cannot_be_read_is_one_statement_of_unknown_effect(
    document: Any, words: str | None
) -> None:
    role = [NamedPolicy("app", policy(allow(ITEMS))), NamedPolicy("other", document)]
    got = [verdict(role, m, p)[0] for m, p in (("GET", "/items"), ("POST", "/items"))]
    if words is None:
        assert got == ["allowed", "denied"]
        return
    assert got == ["unknown", "unknown"]
    (aside,) = read_policy(NamedPolicy("other", document)).unreadable
    assert (aside.index, aside.effect, aside.actions) == (None, None, None)
    assert words in verdict(role, "POST", "/items")[1][1]


# --- the monotonic rule, both ways -----------------------------------------------------------


def test_an_unreadable_allow_keeps_allowed_and_turns_the_rest_unknown() -> None:
    # Resource unreadable: it may match any request of any route.
    broken = {**allow(ITEMS), "Resource": {"a": 1}}
    role = named(allow(ITEMS), allow(f"{API}/GET/files/42"), broken)
    assert verdict(role, "GET", "/items")[0] == "allowed"
    assert verdict(role, "GET", "/files/{id}")[0] == "unknown"  # partial without it
    assert verdict(role, "GET", "/admin")[0] == "unknown"  # denied without it


def test_an_unreadable_deny_keeps_denied_and_turns_the_rest_unknown() -> None:
    broken = {**deny(ITEMS), "Resource": {"a": 1}}
    role = named(allow(ITEMS), allow(f"{API}/GET/files/42"), broken)
    assert verdict(role, "GET", "/items")[0] == "unknown"  # allowed without it
    assert verdict(role, "GET", "/files/{id}")[0] == "unknown"  # partial without it
    assert verdict(role, "GET", "/admin")[0] == "denied"


def test_both_kinds_together_leave_nothing_judged_that_either_may_touch() -> None:
    role = named(
        allow(ITEMS),
        {**allow(ITEMS), "Resource": {"a": 1}},
        {**deny(ITEMS), "Resource": {"a": 1}},
    )
    assert verdict(role, "GET", "/items")[0] == "unknown"
    assert verdict(role, "GET", "/admin")[0] == "unknown"


def test_a_readable_resource_limits_the_routes_it_can_change() -> None:
    # The probe of ADMIN matches no request of GET /items or POST /admin/x: those stand.
    role = named(allow(ITEMS), allow(ADMIN, Condition=BROKEN), deny(ITEMS, Condition=BROKEN))
    assert verdict(role, "GET", "/items")[0] == "unknown"  # the Deny may apply
    assert verdict(role, "GET", "/admin/{id}")[0] == "unknown"  # the Allow may apply
    assert verdict(role, "POST", "/admin/x")[0] == "denied"
    assert verdict(role, "GET", "/files")[0] == "denied"
    aside = {"Effect": "Allow", "Action": INVOKE, "NotResource": ITEMS, "Condition": BROKEN}
    not_resource = named(allow(ITEMS), aside)
    assert verdict(not_resource, "GET", "/items")[0] == "allowed"
    assert verdict(not_resource, "GET", "/files")[0] == "unknown"


def test_the_unknown_verdict_keeps_what_was_read_and_says_why() -> None:
    role = named(allow(f"{API}/GET/files/42"), {**allow(ADMIN, Condition=BROKEN), "Sid": "Admins"})
    got = route_verdict(role, method="GET", path="/admin/{id}", **KW)
    assert got.verdict == "unknown"
    assert got.witness_allowed is None and got.witness_denied is None
    assert got.reasons[0].endswith("(without them: denied)")
    assert "an Allow, which can only add access" in got.reasons[1]
    assert "'p' statement 1 (Sid Admins): unknown condition operator" in got.reasons[1]
    files = route_verdict(role, method="GET", path="/files/{id}", **KW)
    assert files.verdict == "partial" and [str(s) for s in files.allowing] == ["p#0"]


# --- statements that cannot touch execute-api:Invoke -------------------------------------------


@pytest.mark.parametrize(
    ("statement", "its_action", "for_it"),
    [
        ({"Effect": "allow", "Action": "s3:GetObject", "Resource": 5}, "S3:getobject", "unknown"),
        (
            {"Effect": "Deny", "Action": ["execute-api:ManageConnections"], "Resource": {"a": 1}},
            "execute-api:ManageConnections",
            "denied",  # nothing allows that action: a Deny cannot change it
        ),
        (
            {"Effect": "Maybe", "NotAction": ["execute-api:*", "s3:*"], "Condition": BROKEN},
            "sqs:SendMessage",
            "unknown",
        ),
    ],
)
def test_a_statement_that_cannot_match_invoke_is_ignored(
    statement: dict[str, Any], its_action: str, for_it: str
) -> None:
    role = named(allow(ITEMS), allow(f"{API}/GET/files/42"), statement)
    got = [verdict(role, "GET", p)[0] for p in ("/items", "/files/{id}", "/admin")]
    assert got == ["allowed", "partial", "denied"]
    # Whatever else is wrong with it, AWS applies a statement only to the actions it names.
    (aside,) = read_policy(role[0]).unreadable
    assert not aside.may_match(INVOKE) and aside.may_match(its_action)
    other = [verdict(role, "GET", p, action=its_action)[0] for p in ("/items", "/admin")]
    assert other == [for_it, for_it]


def test_case_of_an_action_does_not_hide_a_statement() -> None:
    role = named(allow(ITEMS), {**deny(ITEMS), "Action": "EXECUTE-API:invoke", "Resource": 7})
    assert verdict(role, "GET", "/items")[0] == "unknown"


# --- boundary and resource policy ------------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/app"


def test_an_unreadable_boundary_allow_only_adds() -> None:
    role = named(allow(f"{API}/*"))
    boundary = [NamedPolicy("b", policy(allow(ITEMS), allow(ADMIN, Condition=BROKEN)))]
    assert verdict(role, "GET", "/items", boundary=boundary)[0] == "allowed"
    assert verdict(role, "GET", "/admin/x", boundary=boundary)[0] == "unknown"
    assert verdict(role, "GET", "/files", boundary=boundary)[0] == "denied"  # no probe match
    whole = [NamedPolicy("b", {"Statement": "everything"})]
    assert verdict(role, "GET", "/items", boundary=whole)[0] == "unknown"


def test_resource_policy_statements_set_aside_by_principal() -> None:
    principal = {"AWS": "arn:aws:iam::123456789012:role/other"}
    unreadable_deny = {**deny(ITEMS, Condition=BROKEN), "Principal": "*"}
    other_deny = {**unreadable_deny, "Principal": principal}
    role = named(allow(ITEMS))
    for statement, expected in ((unreadable_deny, "unknown"), (other_deny, "allowed")):
        resource = NamedPolicy("rp", policy(statement))
        got = verdict(role, "GET", "/items", resource_policy=resource, role_arn=ROLE)[0]
        assert got == expected, statement
    no_principal = NamedPolicy("rp", policy({**deny(ITEMS), "Principal": 7}))
    assert verdict(role, resource_policy=no_principal, role_arn=ROLE)[0] == "unknown"


# --- properties: monotonicity makes `unknown` the only answer that can be wrong ----------------

# Where the statement set aside sits: identity policy, permissions boundary, resource policy.
PLACES = ["identity", "boundary", "resource"]
PROP_ROLE = "arn:aws:iam::1:role/app"  # in the property tests' account: a same-account caller


def _judging(
    place: str, doc: dict[str, Any], boundary_doc: dict[str, Any], template: str, method: str
) -> Callable[..., str]:
    """The verdict, as a function of the statements set aside (none: the readable verdict),
    with `doc` as the identity policy, `boundary_doc` as the permissions boundary when the
    statements sit there, and the statements added at `place` (a resource policy holds only
    them, each naming Principal "*")."""

    def named_doc(name: str, listed: list[Any]) -> NamedPolicy:
        return NamedPolicy(name, {"Version": "2012-10-17", "Statement": listed})

    def judge(*aside: Any) -> str:
        extra = list(aside)
        identity = [*doc["Statement"], *(extra if place == "identity" else ())]
        boundary = None
        if place == "boundary":
            boundary = [named_doc("b", [*boundary_doc["Statement"], *extra])]
        resource = None
        if place == "resource" and extra:
            resource = named_doc("rp", [{**s, "Principal": "*"} for s in extra])
        return route_verdict(
            [named_doc("p", identity)],
            boundary=boundary,
            resource_policy=resource,
            role_arn=PROP_ROLE,
            method=method,
            path=template,
            cache=PolicyCache(),
            **PKW,
        ).verdict

    return judge


def _placed(test: Callable[..., None]) -> Callable[..., None]:
    """The property tests' examples: (identity policy, boundary policy, the statement to set
    aside, template, method)."""
    examples = given(
        prop.policies,
        prop.policies,
        prop.statements,
        prop.templates,
        st.sampled_from(["GET", "ANY"]),
    )
    return settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])(
        examples(test)
    )


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize(("effect", "kept"), [("Allow", "allowed"), ("Deny", "denied")])
@_placed
def test_an_unreadable_statement_moves_a_verdict_its_own_way_only(
    place: str,
    effect: str,
    kept: str,
    doc: dict[str, Any],
    boundary_doc: dict[str, Any],
    extra: dict[str, Any],
    template: str,
    method: str,
) -> None:
    # An unreadable Allow never lowers a verdict and turns every one but `allowed` unknown;
    # an unreadable Deny never raises one and turns every one but `denied` unknown; in an
    # identity policy, a permissions boundary or a resource policy alike.
    judge = _judging(place, doc, boundary_doc, template, method)
    base = judge()
    # Its Resource unreadable: it may match any request.
    anywhere = {"Effect": effect, "Action": extra["Action"], "Resource": {"not": "a string"}}
    assert judge(anywhere) == (kept if base == kept else "unknown")
    # Its Resource readable, its condition not: `unknown` unless it cannot change the verdict.
    judged = judge({**extra, "Effect": effect, "Condition": BROKEN})
    assert judged in (base, "unknown") and (base != kept or judged == kept)


@pytest.mark.parametrize("place", PLACES)
@_placed
def test_a_judged_verdict_holds_whatever_the_unreadable_statement_means(
    place: str,
    doc: dict[str, Any],
    boundary_doc: dict[str, Any],
    extra: dict[str, Any],
    template: str,
    method: str,
) -> None:
    # Whatever the statement set aside turns out to mean, it applies to some of the requests
    # its Resource matches: between never (left out) and always (no condition), as an Allow
    # or a Deny when its Effect is unreadable. By monotonicity the true verdict lies between
    # those extremes, so a verdict that is not `unknown` must equal all of them, wherever the
    # statement sits.
    judge = _judging(place, doc, boundary_doc, template, method)
    for broken, meanings in (
        ({**extra, "Condition": BROKEN}, [extra]),
        ({**extra, "Effect": "allow"}, [{**extra, "Effect": e} for e in ("Allow", "Deny")]),
    ):
        judged = judge(broken)
        if judged == "unknown":
            continue
        truths = {judge(*meaning) for meaning in [[], *([m] for m in meanings)]}
        assert truths == {judged}, (place, broken, truths)
