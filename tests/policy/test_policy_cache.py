"""PolicyCache: what the engine memoises belongs to whoever passes the cache.

Sharing a cache between roles must change no verdict, an explicit cache must leave the
module default alone, and interned template rests (whose keys name languages in the
automata's per-state memos) must never alias across caches.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.policy import NamedPolicy, PolicyCache, decide, explain, prepare_role
from auditor.policy.cache import DEFAULT_CACHE, Memo
from auditor.policy.templates import route_template
from tests.policy.test_policy_prepared import ARN, INVOKE, KW, doc, routes, statements


def _verdicts(
    stmts: list[dict[str, Any]], asked: list[tuple[str, str, str, str]], cache: PolicyCache
) -> list[Any]:
    prepared = prepare_role([NamedPolicy("p", doc(stmts))], cache=cache, **KW)
    return [prepared.verdict(*route) for route in asked]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(statements(), min_size=1, max_size=4), min_size=1, max_size=4),
    st.lists(statements(), min_size=1, max_size=4),
    routes,
)
def test_a_shared_cache_changes_no_verdict(
    others: list[list[dict[str, Any]]],
    stmts: list[dict[str, Any]],
    asked: list[tuple[str, str, str, str]],
) -> None:
    # Roles asked first fill the shared cache with automata, paths and untouched verdicts
    # that the last role may pick up; a fresh cache must give it the same answers.
    shared = PolicyCache()
    for other in others:
        _verdicts(other, asked, shared)
    assert _verdicts(stmts, asked, shared) == _verdicts(stmts, asked, PolicyCache())


def _tiny_cache(bound: int) -> PolicyCache:
    """A cache whose every table empties itself after `bound` entries."""
    cache = PolicyCache()
    for table in cache._tables():
        assert isinstance(table, Memo)
        table.bound = bound
    return cache


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(statements(), min_size=1, max_size=6), min_size=2, max_size=5),
    routes,
    st.sampled_from([1, 2, 3]),
)
def test_tables_that_empty_themselves_change_no_verdict(
    roles: list[list[dict[str, Any]]], asked: list[tuple[str, str, str, str]], bound: int
) -> None:
    # Tables empty themselves mid-audit; what stays behind (automata keyed by statement
    # signatures, per-state memos keyed by template rests) must never meet a reused id. Each
    # role is asked forwards and backwards, so entries are dropped and rebuilt in between.
    tiny = _tiny_cache(bound)
    for stmts in roles:
        fresh = PolicyCache()
        for order in (asked, asked[::-1]):
            assert _verdicts(stmts, order, tiny) == _verdicts(stmts, order, fresh)


def test_an_explicit_cache_leaves_the_default_alone() -> None:
    policies = [
        NamedPolicy(
            "p",
            doc(
                [
                    {"Effect": "Allow", "Action": INVOKE, "Resource": f"{ARN}api/s/GET/a*"},
                    {
                        "Effect": "Deny",
                        "Action": INVOKE,
                        "Resource": f"{ARN}api/s/GET/ab",
                        "Condition": {"StringLike": {"k": "x*"}},
                    },
                ]
            ),
        )
    ]
    DEFAULT_CACHE.clear()
    cache = PolicyCache()
    prepared = prepare_role(policies, context={"k": "xy"}, cache=cache, **KW)
    for path in ("/a", "/ab", "/ab/{id}", "/b/{proxy+}"):
        prepared.verdict("api", "s", "ANY", path)
    documents = [p.document for p in policies]
    for arn in (f"{ARN}api/s/GET/ab", f"{ARN}api/s/GET/ac"):
        decide(documents, INVOKE, arn, {"k": "xy"}, cache=cache)
        explain(policies, INVOKE, arn, {"k": "xy"}, cache=cache)
    assert len(cache) > 0
    assert len(DEFAULT_CACHE) == 0


def test_rests_are_interned_per_cache_under_keys_never_reused() -> None:
    first, second = PolicyCache(), PolicyCache()
    _, rest = route_template("/items/{id}/edit", first)
    _, same = route_template("/orders/{orderId}/edit", first)  # the same language after heads
    assert rest is not None and same is rest
    _, elsewhere = route_template("/items/{id}/edit", second)
    assert elsewhere is not None and elsewhere.key != rest.key
    first.clear()
    _, again = route_template("/items/{id}/edit", first)
    assert again is not None and again.key not in (rest.key, elsewhere.key)


def test_memo_forgets_everything_once_full() -> None:
    memo: Memo[int, str] = Memo(2)
    for key in range(5):
        assert memo.keep(key, str(key)) == str(key)
        assert len(memo) <= 2 and memo[key] == str(key)
