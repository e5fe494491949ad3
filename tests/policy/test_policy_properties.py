"""Property tests: exact route verdicts against brute-force enumeration of concrete requests.

Alphabet {a, b, /} in patterns and templates, plus characters the patterns never name
(the engine picks one for witnesses): every concrete path up to a small length is checked
with explain(), the concrete evaluator, which shares no code with the automata.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.policy import NamedPolicy, PolicyCache, explain, route_verdict
from auditor.policy.automata import MultiNFA
from auditor.policy.glob import arn_matcher, arn_tokens
from auditor.policy.variables import Text

PREFIX = "arn:aws:execute-api:r:1:api/s/"
KW: dict[str, Any] = dict(partition="aws", region="r", account="1", api_id="api", stage="s")
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

globs = st.text(alphabet="ab/*?", min_size=0, max_size=6)
verb_parts = st.sampled_from(["GET/", "*/", "POST/", "G?T/", "*"])
patterns = st.one_of(
    st.builds(lambda v, g: PREFIX + v + g, verb_parts, globs),
    st.sampled_from(["*", "arn:aws:execute-api:r:1:*", "arn:aws:execute-api:*", PREFIX + "*"]),
    st.builds(lambda g: "arn:aws:execute-api:r:1:api/" + g, globs),
    st.builds(lambda g: "arn:aws:execute-api:r:*:api/s/GET/" + g, globs),
)
statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Allow", "Deny"]),
        "Action": st.sampled_from(["execute-api:Invoke", "execute-api:*", "*"]),
        "res_key": st.sampled_from(["Resource", "Resource", "Resource", "NotResource"]),
        "patterns": st.lists(patterns, min_size=1, max_size=2),
    }
).map(lambda d: {"Effect": d["Effect"], "Action": d["Action"], d["res_key"]: d["patterns"]})
policies = st.lists(statements, min_size=1, max_size=4).map(
    lambda s: {"Version": "2012-10-17", "Statement": s}
)
segments = st.sampled_from(["a", "b", "ab", "ba", "{p}", "{q}"])
templates = st.one_of(
    st.just("/"),
    st.lists(segments, min_size=1, max_size=2).map(lambda s: "/" + "/".join(s)),
    st.lists(segments, min_size=0, max_size=1).map(
        lambda s: "/" + "".join(x + "/" for x in s) + "{proxy+}"
    ),
)


def _values(alphabet: str, max_len: int) -> list[str]:
    return [
        "".join(p) for n in range(1, max_len + 1) for p in itertools.product(alphabet, repeat=n)
    ]


PARAM_VALUES = _values("abx", 3)
PROXY_VALUES = _values("ab/x", 3)


def concrete_paths(template: str) -> list[str]:
    if template == "/":
        return [""]
    choices: list[list[str]] = []
    for seg in template[1:].split("/"):
        if seg.endswith("+}"):
            choices.append(PROXY_VALUES)
        elif seg.startswith("{"):
            choices.append(PARAM_VALUES)
        else:
            choices.append([seg])
    return ["/".join(combo) for combo in itertools.product(*choices)]


def template_regex(template: str) -> re.Pattern[str]:
    out = []
    for seg in template[1:].split("/") if template != "/" else [""]:
        if seg.endswith("+}"):
            out.append(".+")
        elif seg.startswith("{"):
            out.append("[^/]+")
        else:
            out.append(re.escape(seg))
    return re.compile("/".join(out), re.DOTALL)


def shortlex(path: str) -> tuple[int, str]:
    """The engine's order: shortest first, then by character with a free one (no pattern
    names it in a path: 'x' here, or 'y' which the engine picks when "execute-api" names
    'x') before all others."""
    return len(path), path.replace("x", "\0").replace("y", "\0")


def check(
    identity: list[NamedPolicy], boundary: list[NamedPolicy] | None, method: str, template: str
) -> None:
    verdict = route_verdict(identity, boundary=boundary, method=method, path=template, **KW)
    verbs = VERBS if method == "ANY" else (method,)
    shape = template_regex(template)

    def allowed(arn: str) -> bool:
        return explain(identity, "execute-api:Invoke", arn, boundary=boundary).decision == "Allowed"

    seen = set()
    fares: dict[bool, list[str]] = {True: [], False: []}  # paths by allowed, one verb only
    for verb in verbs:
        for path in concrete_paths(template):
            fare = allowed(f"{PREFIX}{verb}/{path}")
            seen.add(fare)
            if len(verbs) == 1:
                fares[fare].append(path)
    if verdict.verdict == "allowed":
        assert seen == {True}, verdict
        assert verdict.witness_denied is None
    elif verdict.verdict == "denied":
        assert seen == {False}, verdict
        assert verdict.witness_allowed is None
    else:
        assert verdict.witness_allowed and verdict.witness_denied, verdict
        for witness, want in ((verdict.witness_allowed, True), (verdict.witness_denied, False)):
            head, verb, path = witness[: len(PREFIX)], *witness[len(PREFIX) :].split("/", 1)
            assert head == PREFIX and verb in verbs and shape.fullmatch(path), witness
            assert allowed(witness) is want, (witness, verdict)
            # The shortlex-least request of its kind.
            if fares[want]:
                assert shortlex(path) <= min(map(shortlex, fares[want])), (witness, verdict)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies, templates, st.sampled_from(["GET", "POST", "ANY"]))
def test_route_verdict_matches_enumeration(doc: dict[str, Any], template: str, method: str) -> None:
    check([NamedPolicy("p", doc)], None, method, template)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies, policies, templates)
def test_route_verdict_with_boundary_matches_enumeration(
    doc: dict[str, Any], bound: dict[str, Any], template: str
) -> None:
    check([NamedPolicy("p", doc)], [NamedPolicy("b", bound)], "GET", template)


def naive_glob(pattern: str, text: str) -> bool:
    """Reference matcher for the resource part: `*` any run, `?` one char, rest literal."""
    if not pattern:
        return not text
    if pattern[0] == "*":
        return any(naive_glob(pattern[1:], text[i:]) for i in range(len(text) + 1))
    if not text:
        return False
    return (pattern[0] == "?" or pattern[0] == text[0]) and naive_glob(pattern[1:], text[1:])


@given(st.text(alphabet="ab/:*?.+($[", max_size=8), st.text(alphabet="ab/:.+($[x", max_size=8))
def test_resource_part_glob_is_plain_wildcards(glob: str, text: str) -> None:
    # After the five ARN colons everything is the resource part: `*` crosses '/' and ':'.
    pattern = "arn:aws:execute-api:r:1:" + glob
    arn = "arn:aws:execute-api:r:1:" + text
    matcher = arn_matcher([Text(pattern)], PolicyCache())
    assert (matcher.fullmatch(arn) is not None) == naive_glob(glob, text)


@given(st.text(alphabet="ab/:*?", max_size=10), st.text(alphabet="ab/:x", max_size=10))
def test_automaton_agrees_with_regex(pattern: str, text: str) -> None:
    cache = PolicyCache()
    tokens = arn_tokens([Text(pattern)], cache)
    nfa = MultiNFA([tokens])
    accepted = bool(nfa.run(nfa.initial, text) & nfa.finals[0])
    assert accepted == (arn_matcher([Text(pattern)], cache).fullmatch(text) is not None)


conditional = statements.flatmap(
    lambda s: st.sampled_from(
        [
            s,
            {**s, "Condition": {"StringEquals": {"k": "1"}}},
            {**s, "Condition": {"Null": {"k": "true"}}},
        ]
    )
)
# One condition block: the engine treats distinct blocks as independent unknowns, which is
# exact only when they are (documented limitation), so the property uses a single block.
CONTEXTS: list[dict[str, str]] = [{}, {"k": "1"}, {"k": "2"}]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conditional, min_size=1, max_size=4), templates)
def test_unknown_conditions_are_sound(stmts: list[dict[str, Any]], template: str) -> None:
    # With `k` unknown, `allowed` must hold whatever k is, `denied` likewise, and each
    # `partial` witness must be allowed (resp. not allowed) for at least one value of k.
    identity = [NamedPolicy("p", {"Version": "2012-10-17", "Statement": stmts})]
    verdict = route_verdict(identity, method="GET", path=template, **KW)

    def allowed(arn: str, ctx: dict[str, str]) -> bool:
        return explain(identity, "execute-api:Invoke", arn, ctx).decision == "Allowed"

    arns = [f"{PREFIX}GET/{path}" for path in concrete_paths(template)]
    if verdict.verdict == "allowed":
        assert all(allowed(a, c) for a in arns for c in CONTEXTS), verdict
    elif verdict.verdict == "denied":
        assert not any(allowed(a, c) for a in arns for c in CONTEXTS), verdict
    else:
        assert verdict.witness_allowed and verdict.witness_denied, verdict
        assert any(allowed(verdict.witness_allowed, c) for c in CONTEXTS), verdict
        assert not all(allowed(verdict.witness_denied, c) for c in CONTEXTS), verdict
