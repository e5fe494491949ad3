"""The engine's caches are keyed by content: fresh documents equal to ones seen before (a
caller that reads the same JSON again) reuse what those compiled and get the same answers;
documents that differ in anything the engine reads never share an entry; the tables stay
bounded whatever a caller feeds them; and every budget applies through the cache."""

from __future__ import annotations

import copy
import gc
import json
import re
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.policy import INVOKE, NamedPolicy, PolicyCache, PolicyError, budget, decide
from auditor.policy.cache import Memo, content_key
from auditor.policy.documents import read_cached
from auditor.policy.evaluate import _ANONYMOUS, _decide_documents, compiled_for
from auditor.policy.glob import arn_matcher, arn_split, merged_matcher
from auditor.policy.variables import Text
from tests.policy.test_policy_budget import ITEMS, doc
from tests.policy.test_policy_prepared import ARN, statements
from tests.policy.test_policy_routes import API, allow

CONTEXT = {"k": "1"}
REQUESTS = [f"{ARN}api/s/GET/a", f"{ARN}api/s/GET/ab", f"{ARN}apj/t/POST/b", f"{ARN}x"]


def fresh(document: Any) -> Any:
    """What a caller that reads the JSON again holds: equal content, new objects."""
    return json.loads(json.dumps(document))


def _decisions(documents: list[Any], cache: PolicyCache) -> list[str]:
    out: list[str] = []
    for arn in REQUESTS:
        try:
            out.append(decide(documents, INVOKE, arn, CONTEXT, cache=cache))
        except PolicyError as exc:
            out.append(str(exc))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(statements(), min_size=1, max_size=4), min_size=1, max_size=3))
def test_fresh_documents_of_equal_content_reuse_the_compiled_set(
    policies: list[list[dict[str, Any]]],
) -> None:
    documents = [doc(*stmts) for stmts in policies]
    shared = PolicyCache()
    first = _decisions(fresh(documents), shared)
    compiled = len(shared.sets)
    for again in (fresh(documents), fresh(documents)):
        assert _decisions(again, shared) == first
        assert len(shared.sets) == compiled  # found, not compiled again
    for built in (documents, copy.deepcopy(documents)):  # as built in code, sharing objects
        assert _decisions(built, shared) == first
        assert len(shared.sets) == compiled
    assert _decisions(fresh(documents), PolicyCache()) == first


def test_a_fresh_copy_finds_the_same_compiled_set_and_reading() -> None:
    cache = PolicyCache()
    document = doc(allow(ITEMS), {**allow(f"{API}/*"), "Effect": "Deny"})
    compiled = _decide_documents([document], cache)
    assert _decide_documents([fresh(document)], cache) is compiled
    reading = read_cached(NamedPolicy("p", document), cache)
    assert read_cached(NamedPolicy("p", fresh(document)), cache) is reading
    # The name is part of what was read (it is in every StatementRef): another name, another
    # reading.
    assert read_cached(NamedPolicy("q", fresh(document)), cache) is not reading


def test_fresh_named_policies_share_the_compiled_set_of_explain_and_routes() -> None:
    cache = PolicyCache()
    policies = [NamedPolicy("inline", doc(allow(ITEMS))), NamedPolicy("managed", doc())]
    again = [NamedPolicy(p.name, fresh(p.document)) for p in policies]
    compiled = compiled_for(policies, None, None, _ANONYMOUS, cache)
    assert compiled_for(again, None, None, _ANONYMOUS, cache) is compiled
    renamed = [NamedPolicy("other", policies[0].document), policies[1]]
    assert compiled_for(renamed, None, None, _ANONYMOUS, cache) is not compiled
    as_boundary = compiled_for(policies, again, None, _ANONYMOUS, cache)
    assert as_boundary is not compiled and as_boundary.has_boundary


def test_a_named_policy_keeps_its_key_past_the_memo_of_objects() -> None:
    cache = PolicyCache()
    policy = NamedPolicy("p", doc(allow(ITEMS)))
    compiled = compiled_for([policy], None, None, _ANONYMOUS, cache)
    assert policy.content == content_key(fresh(policy.document))
    cache.fingerprints.clear()
    assert compiled_for([policy], None, None, _ANONYMOUS, cache) is compiled
    assert not cache.fingerprints  # found by the key the policy kept
    odd = NamedPolicy("p", _Policy(doc(allow(ITEMS))))  # keyed by identity, by the cache
    assert cache.policy_key(odd) == cache.policy_key(odd) and odd.content is None


@pytest.mark.parametrize(
    ("readable", "other"),
    [
        # A tuple is not a Statement list (the engine rejects it), though JSON writes both alike.
        (doc(allow(ITEMS)), {"Version": "2012-10-17", "Statement": (allow(ITEMS),)}),
        # True is no number (NumericEquals rejects it), though True == 1 in Python.
        (
            doc(allow(ITEMS, Condition={"NumericEquals": {"k": 1}})),
            doc(allow(ITEMS, Condition={"NumericEquals": {"k": True}})),
        ),
    ],
)
def test_documents_that_differ_only_where_python_equates_them_share_nothing(
    readable: dict[str, Any], other: dict[str, Any]
) -> None:
    cache = PolicyCache()
    request = f"{API}/GET/1"
    expected = [_outcome(readable, request, PolicyCache()), _outcome(other, request, PolicyCache())]
    assert expected[0] != expected[1]  # the engine tells them apart
    assert cache.fingerprint(readable) != cache.fingerprint(other)
    assert [_outcome(readable, request, cache), _outcome(other, request, cache)] == expected


def _outcome(document: dict[str, Any], request: str, cache: PolicyCache) -> str:
    try:
        return decide([document], INVOKE, request, {"k": "1"}, cache=cache)
    except PolicyError as exc:
        return f"error: {exc}"


class _Policy(Mapping[str, Any]):
    """A document that is no plain data: the engine reads it, but cannot key it by content."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def test_objects_that_are_not_plain_data_are_kept_by_identity_never_reused() -> None:
    cache = PolicyCache()
    one, two = _Policy(doc(allow(ITEMS))), _Policy(doc(allow(ITEMS)))
    assert content_key(one) is None and content_key({"a": [one]}) is None
    assert cache.fingerprint(one) == cache.fingerprint(one) != cache.fingerprint(two)
    assert decide([one], INVOKE, ITEMS, cache=cache) == "Allowed"
    before = cache.fingerprint(one)
    cache.fingerprints.clear()  # forgotten: a new key, never one another object had
    assert cache.fingerprint(one) not in (before, cache.fingerprint(two))
    assert decide([one], INVOKE, ITEMS, cache=cache) == "Allowed"


def test_a_large_document_is_keyed_by_its_digest_and_still_found() -> None:
    document = doc(*[allow(f"{API}/GET/items{i}") for i in range(200)])
    key = content_key(document)
    assert isinstance(key, tuple) and key[0] == "blake2b"
    assert content_key(fresh(document)) == key
    assert content_key(doc(*[allow(f"{API}/GET/items{i}") for i in range(201)])) != key


def test_sharing_does_not_change_a_key() -> None:
    """A document built in code shares strings and lists that its JSON round trip does not."""
    resources = [ITEMS, f"{API}/GET/other"]
    built = doc({**allow(ITEMS), "Resource": resources}, {**allow(ITEMS), "Resource": resources})
    assert content_key(built) == content_key(fresh(built)) == content_key(copy.deepcopy(built))


def test_documents_that_no_budget_admits_are_keyed_by_identity_at_once() -> None:
    shared: list[Any] = []
    for _ in range(60):  # 2**60 lists written out: the pickle stops at its cap
        shared = [shared, shared]
    aliases = doc(allow(ITEMS, Condition={"Null": {"k": shared}}))
    cyclic: dict[str, Any] = {"Version": "2012-10-17"}
    cyclic["Statement"] = [cyclic]
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    nested = doc(allow(ITEMS, Condition={"Null": {"k": deep}}))
    cache = PolicyCache()
    for hostile in (aliases, cyclic, nested):
        assert content_key(hostile) is None
        key = cache.fingerprint(hostile)
        assert isinstance(key, tuple) and key[0] == "object"
        with pytest.raises(PolicyError, match=r"limit|must be strings"):
            decide([hostile], INVOKE, ITEMS, cache=cache)
    # The pickler that was cut short is replaced: plain documents are keyed as before.
    assert content_key(doc(allow(ITEMS))) == content_key(fresh(doc(allow(ITEMS))))


def test_the_tables_stay_bounded_whatever_a_caller_feeds_them() -> None:
    cache = PolicyCache()
    for table in cache._tables():
        assert isinstance(table, Memo)
        table.bound = 8
    for i in range(60):  # distinct documents, each read fresh, with fresh request values
        document = doc(allow(f"{API}/GET/{i}/${{k}}", Condition={"StringLike": {"k": f"{i}*"}}))
        decide([fresh(document)], INVOKE, f"{API}/GET/{i}/{i}", {"k": str(i)}, cache=cache)
        assert all(len(table) <= 8 for table in cache._tables())


class _Watched(dict[str, Any]):
    """A document that can be watched for being freed (plain dicts take no weak reference)."""


def test_the_cache_keeps_no_document_alive_for_long() -> None:
    cache = PolicyCache()
    cache.fingerprints.bound = 8
    first = _Watched(doc(allow(ITEMS)))
    watch = weakref.ref(first)
    assert decide([first], INVOKE, ITEMS, cache=cache) == "Allowed"
    del first
    assert watch() is not None  # remembered, so that asking again skips the fingerprint
    for i in range(8):
        decide([doc(allow(f"{ITEMS}{i}"))], INVOKE, ITEMS, cache=cache)
    gc.collect()
    assert watch() is None


# --- budgets through the cache ----------------------------------------------------------------


@pytest.mark.parametrize(
    "over",
    [
        doc(allow(f"{API}/" + "*a" * (budget.MAX_PATTERN_WILDCARDS + 1))),
        doc(*[allow(ITEMS)] * (budget.MAX_STATEMENTS + 1)),
        doc({**allow(ITEMS), "Resource": [ITEMS] * 20_000}),
    ],
)
def test_a_document_over_budget_stays_unreadable_through_the_cache(over: dict[str, Any]) -> None:
    cache = PolicyCache()
    within = doc(allow(f"{API}/*"))
    assert decide([within], INVOKE, ITEMS, cache=cache) == "Allowed"
    for document in (over, fresh(over), over):  # read, then found by content, then by object
        for documents in ([document], [within, document]):
            with pytest.raises(PolicyError, match="limit"):
                decide(documents, INVOKE, ITEMS, cache=cache)
    read = read_cached(NamedPolicy("p", fresh(over)), cache)
    assert read.statements == () or read.unreadable
    assert all("limit" in aside.reason for aside in read.unreadable)
    # What was within budget is still judged, from the cache.
    assert decide([fresh(within)], INVOKE, ITEMS, cache=cache) == "Allowed"


# --- regexes kept by the pattern as written ----------------------------------------------------

leads = st.sampled_from(["", "arn:", "arn:a:", "arn:a:b/", "arn:a:b/c", "arn:b:"])
tails = st.text(alphabet="ab:/*?", max_size=4)
arn_patterns = st.builds(lambda lead, tail: lead + tail, leads, tails)


@settings(max_examples=300, deadline=None)
@given(st.lists(arn_patterns, min_size=1, max_size=8), st.lists(arn_patterns, max_size=6))
def test_the_merged_regex_matches_what_one_of_its_patterns_does(
    patterns: list[str], texts: list[str]
) -> None:
    cache = PolicyCache()
    parts = [(Text(p),) for p in patterns]
    merged = merged_matcher([arn_split(p, cache) for p in parts], cache)
    for text in [*texts, *patterns, *(p.replace("*", "x").replace("?", "y") for p in patterns)]:
        one = any(arn_matcher(p, cache).fullmatch(text) for p in parts)
        assert (merged.fullmatch(text) is not None) == one, (patterns, text, merged.pattern)


def test_a_split_pattern_is_its_escaped_lead_and_the_rest() -> None:
    cache = PolicyCache()
    lead, rest = arn_split((Text("arn:aws:execute-api:r:1:a.b/*/GET"),), cache)
    assert lead == "arn:aws:execute-api:r:1:a.b/"
    assert (
        re.escape(lead) + rest
        == arn_matcher((Text("arn:aws:execute-api:r:1:a.b/*/GET"),), cache).pattern
    )
    # A substituted value is literal, even where it holds a wildcard character.
    assert arn_split(("a*",), cache) == ("a*", "")
    assert arn_matcher(("a*",), cache) is not arn_matcher((Text("a*"),), cache)
