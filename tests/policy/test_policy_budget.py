"""The engine's budgets (auditor/policy/budget.py): what exceeds one is a PolicyError saying
which limit, handled like a document that cannot be read; what stays within is judged as
before; and matching a pattern takes time linear in its input whatever its wildcards."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.policy import (
    INVOKE,
    NamedPolicy,
    PolicyCache,
    PolicyError,
    budget,
    decide,
    route_verdict,
)
from auditor.policy.automata import MultiNFA
from auditor.policy.budget import BudgetExceeded, brief
from auditor.policy.documents import read_policy
from auditor.policy.glob import (
    ANY,
    LIT,
    NOCOLON,
    ONE,
    STAR,
    arn_matcher,
    arn_tokens,
    simple_glob_regex,
    tokens_regex,
)
from auditor.policy.trust import cognito_trust, trust_unreadable
from auditor.policy.variables import Text
from tests.policy.test_policy_routes import API, KW, allow

ITEMS = f"{API}/GET/items"


def doc(*statements: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def reason(document: Any) -> str:
    """The one thing set aside of `document`, by its reason."""
    (aside,) = read_policy(NamedPolicy("p", document)).unreadable
    return aside.reason


# --- limits when a document is read -----------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        (allow(ITEMS + "x" * budget.MAX_STRING_CHARS), "a string of 4,"),
        (allow(f"{API}/" + "*a" * (budget.MAX_PATTERN_WILDCARDS + 1)), "65 wildcards"),
        ({**allow(ITEMS), "Action": "e*?" * 40}, "a pattern with 80 wildcards"),
        ({**allow(ITEMS), "Sid": "S" * (budget.MAX_STRING_CHARS + 1)}, "Sid: a string"),
        (
            allow(ITEMS, Condition={"StringLike": {"aws:username": "*" * 65}}),
            "a pattern with 65 wildcards",
        ),
        (
            allow(ITEMS, Condition={"StringEquals": {"k" * (budget.MAX_STRING_CHARS + 1): "v"}}),
            "a condition key",
        ),
        (
            allow(ITEMS, Condition={"StringEquals": {"k": "v" * (budget.MAX_STRING_CHARS + 1)}}),
            "condition StringEquals k: a string",
        ),
    ],
)
def test_a_statement_over_a_limit_is_set_aside_saying_which(
    statement: dict[str, Any], words: str
) -> None:
    read = read_policy(NamedPolicy("p", doc(allow(ITEMS), statement)))
    assert [s.ref.index for s in read.statements] == [0]
    (aside,) = read.unreadable
    assert aside.index == 1 and words in aside.reason and "limit" in aside.reason
    assert len(aside.reason) < 500  # the value itself is never repeated


def test_within_the_limits_nothing_is_set_aside() -> None:
    statement = allow(f"{API}/" + "*a" * (budget.MAX_PATTERN_WILDCARDS // 2))
    statement["Condition"] = {"StringLike": {"aws:username": "*" * budget.MAX_PATTERN_WILDCARDS}}
    assert read_policy(NamedPolicy("p", doc(statement))).unreadable == ()


def test_a_salvaged_statement_keeps_nothing_over_budget() -> None:
    """A probe of what was read must not compile the pattern that was too big to read."""
    huge = "*?" * budget.MAX_STRING_CHARS
    (aside,) = read_policy(NamedPolicy("p", doc({**allow(huge), "Action": huge}))).unreadable
    assert (aside.resources, aside.actions, aside.effect) == (None, None, "Allow")


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (doc(*[allow(ITEMS)] * (budget.MAX_STATEMENTS + 1)), "1,025 statements"),
        (doc({**allow(ITEMS), "Resource": [ITEMS] * 20_000}), "characters of text"),
        (doc(allow(ITEMS, Condition={"Null": {"k": [[[]]] * 200_000}})), "characters of text"),
    ],
)
def test_a_document_over_a_limit_is_set_aside_whole(document: Any, words: str) -> None:
    (aside,) = read_policy(NamedPolicy("p", document)).unreadable
    assert aside.index is None and words in aside.reason


def test_a_document_over_a_limit_is_unknown_for_every_route() -> None:
    huge = doc(allow(ITEMS), allow(f"{API}/*" + "?" * 1_000_000))
    got = route_verdict([NamedPolicy("p", huge)], method="GET", path="/items", **KW)
    assert got.verdict == "unknown"
    assert any("characters of text" in r for r in got.reasons)
    with pytest.raises(PolicyError, match="characters of text"):  # decide() stays strict
        decide([huge], INVOKE, ITEMS)


def test_a_walk_over_shared_containers_ends() -> None:
    """A Python document may share one list many times over: counted per item, not per char."""
    shared: list[Any] = []
    for _ in range(40):
        shared = [shared, shared]
    assert "characters of text" in reason(doc(allow(ITEMS, Condition={"Null": {"k": shared}})))


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("[" * 100_000, "nested too deeply"),  # JSON text: json.loads would recurse
        ('{"Statement": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        (doc(allow(ITEMS, Condition={1: {"k": "v"}})), "condition operator 1 is not a string"),
        (doc(allow(ITEMS, Condition={"StringEquals": {1: "v"}})), "key 1 is not a string"),
        (doc(allow(ITEMS, Condition={"NumericEquals": {"k": 10**5000}})), "digits"),
        (doc({**allow(ITEMS), "Effect": "x" * 10_000}), "Effect is 'xxx"),
        ({"Version": 10**5000, "Statement": [allow(ITEMS)]}, "a number too large to use"),
        ([allow(ITEMS)], "must be a JSON object"),
        (None, "must be a JSON object"),
    ],
)
def test_input_python_itself_cannot_take_is_a_policy_problem(document: Any, words: str) -> None:
    assert words in reason(document)


def test_brief_keeps_messages_short() -> None:
    assert len(brief("x" * 1_000_000)) < 100
    assert brief(10**5000) == "a number too large to use"
    assert brief([10**5000]) == "a list"
    assert brief("allow") == "'allow'"


# --- limits of the route automata ------------------------------------------------------------


def multiplying(n: int) -> dict[str, Any]:
    """`*a` then n `?`: the automaton of a route with a parameter needs 2**n states."""
    return doc(allow(f"{API}/GET/files/*a" + "?" * n))


def files_verdict(document: dict[str, Any], cache: PolicyCache | None = None) -> str:
    return route_verdict(
        [NamedPolicy("p", document)],
        method="GET",
        path="/files/{proxy+}",
        cache=cache or PolicyCache(),
        **KW,
    ).verdict


def test_a_question_over_its_new_states_says_which_policy_and_limit() -> None:
    assert files_verdict(multiplying(4)) == "partial"  # 16 states: judged
    with pytest.raises(BudgetExceeded, match=r"new automaton states.*statements of 'p'"):
        files_verdict(multiplying(20))


def test_a_question_over_its_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    # Read at each question: lowered, a question that needs more than 500 steps stops.
    monkeypatch.setattr(budget, "MAX_STEPS_PER_QUESTION", 500)
    assert files_verdict(multiplying(1)) == "partial"
    with pytest.raises(BudgetExceeded, match="more than 500 steps"):
        files_verdict(multiplying(8))


def test_an_automaton_over_budget_answers_no_further_question() -> None:
    """Its memos may be half-built: a later question on it raises again, even one it could
    answer from what it built (a route of the same prefix), and so do other roles sharing it."""
    cache = PolicyCache()
    with pytest.raises(BudgetExceeded):
        files_verdict(multiplying(20), cache)
    again = multiplying(20)  # another document of the same content shares the automaton
    with pytest.raises(BudgetExceeded, match="new automaton states"):
        files_verdict(again, cache)


def test_an_automaton_over_its_positions_is_never_built(monkeypatch: pytest.MonkeyPatch) -> None:
    # Read when each automaton is assembled, like every budget: a test can lower it.
    monkeypatch.setattr(budget, "MAX_AUTOMATON_POSITIONS", 1_000)
    patterns = [f"{API}/GET/files/{i:05}" + "x" * 60 for i in range(20)]  # ~1,700 positions
    with pytest.raises(BudgetExceeded, match="pattern characters, over the engine's limit"):
        files_verdict(doc({**allow(ITEMS), "Resource": patterns}))
    assert files_verdict(doc({**allow(ITEMS), "Resource": patterns[:10]})) == "partial"


def test_a_role_as_large_as_iam_allows_is_judged() -> None:
    # 1,400 route ARNs (twenty managed policies of 70, each under IAM's 6,144 characters: the
    # review's role, refused at first) are ~43,000 positions, within the budget.
    routes = [f"{API}/GET/files/{i:04}" for i in range(1_400)]
    policies = [doc({**allow(ITEMS), "Resource": routes[i : i + 70]}) for i in range(0, 1_400, 70)]
    assert all(len(json.dumps(policy)) < 6_144 for policy in policies)
    verdict = route_verdict(
        [NamedPolicy(f"p{i}", policy) for i, policy in enumerate(policies)],
        method="GET",
        path="/files/{proxy+}",
        cache=PolicyCache(),
        **KW,
    )
    assert verdict.verdict == "partial"


def test_over_budget_is_a_policy_error() -> None:
    assert issubclass(BudgetExceeded, PolicyError)


# --- matching is linear whatever the wildcards --------------------------------------------------


def test_a_pattern_that_backtracks_exponentially_is_matched_at_once() -> None:
    """`.*0.*0...z` against a string of zeros backtracks for hours in Python's re; the engine's
    regexes keep each chunk's leftmost place. 30 stars, a pool id: no time at all (a hang would
    be the failure)."""
    pool = "us-east-1:00000000-0000-0000-0000-000000000001"
    pattern = "*0" * 30 + "z"
    trust = {
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"cognito-identity.amazonaws.com:aud": pattern}},
    }
    (statement,) = cognito_trust(doc(trust), PolicyCache())
    assert statement.admits_pool(pool) is False
    assert statement.admits_pool(pool.replace("1", "z")) is True
    assert trust_unreadable(doc(trust), PolicyCache()) == ()
    resource = f"{API}/GET/" + "a" * 200
    assert decide([doc(allow(f"{API}/GET/" + "*a" * 30 + "b"))], INVOKE, resource) == (
        "ImplicitlyDenied"
    )


def naive(pattern: str, text: str, star: str = "", one: str = "") -> bool:
    """Reference: `*` any run of characters not in `star`, `?` one character not in `one`."""
    if not pattern:
        return not text
    if pattern[0] == "*":
        return any(
            naive(pattern[1:], text[i:], star, one)
            for i in range(len(text) + 1)
            if not set(text[:i]) & set(star)
        )
    if not text or (pattern[0] == "?" and text[0] in one):
        return False
    return (pattern[0] in "?" or pattern[0] == text[0]) and naive(pattern[1:], text[1:], star, one)


@given(st.text(alphabet="ab*?", max_size=9), st.text(alphabet="ab", max_size=9))
def test_simple_globs_match_as_wildcards(pattern: str, text: str) -> None:
    got = re.fullmatch(simple_glob_regex(pattern), text, re.DOTALL) is not None
    assert got == naive(pattern, text)


@given(st.text(alphabet="a:*?", max_size=10), st.text(alphabet="ab:", max_size=10))
def test_arn_globs_agree_with_the_automaton(pattern: str, text: str) -> None:
    """Before the fifth colon a mid-segment `*` and a `?` stop at ':' (the leftmost chunk
    argument of tokens_regex depends on it): the regex agrees with the NFA, which follows the
    tokens literally."""
    cache = PolicyCache()
    tokens = arn_tokens([Text(pattern)], cache)
    nfa = MultiNFA([tokens])
    expected = bool(nfa.run(nfa.initial, text) & nfa.finals[0])
    assert (re.fullmatch(tokens_regex(tokens), text, re.DOTALL) is not None) == expected
    assert (arn_matcher([Text(pattern)], cache).fullmatch(text) is not None) == expected


_TOKEN = st.one_of(
    st.tuples(st.just(LIT), st.sampled_from("a:/")),
    st.tuples(st.just(ONE), st.sampled_from((ANY, NOCOLON))),
    st.tuples(st.just(STAR), st.sampled_from((ANY, NOCOLON))),
)


def _backtracking_regex(tokens: list[tuple[int, Any]]) -> str:
    """The plain translation, star by star: slow on hostile patterns, but plainly right."""
    classes = {ANY: ".", NOCOLON: "[^:]"}
    return "".join(
        re.escape(arg) if kind == LIT else classes[arg] + ("*" if kind == STAR else "")
        for kind, arg in tokens
    )


@settings(max_examples=1_000)
@given(st.lists(_TOKEN, max_size=9), st.text(alphabet="a:/", max_size=9))
def test_the_linear_regex_matches_what_the_plain_one_does(
    tokens: list[tuple[int, Any]], text: str
) -> None:
    """Committing a chunk to its leftmost place (tokens_regex) must never lose a match, for
    any mix of star classes: an any-character star before a chunk may cross a colon that the
    not-colon star after it cannot (the review's `arn:aws:execute-api:*:*/prod/*`)."""
    plain = re.fullmatch(_backtracking_regex(tokens), text, re.DOTALL) is not None
    assert (re.fullmatch(tokens_regex(tokens), text, re.DOTALL) is not None) == plain


def test_a_deny_across_a_segment_ending_star_still_denies() -> None:
    deny = {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:execute-api:*:*/prod/*"}
    everything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/items"
    assert decide([doc(everything, deny)], INVOKE, arn) == "ExplicitlyDenied"
