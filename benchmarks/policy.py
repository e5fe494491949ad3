"""Benchmark the policy engine: decide() throughput and route-template verdicts.

    python benchmarks/policy.py           # full size: 10,000 requests; 100 roles x 2,000 routes
    python benchmarks/policy.py --small   # CI size

Compares decide() with PMapper's local policy simulation on the same requests when the
`principalmapper` package imports (it is optional; the comparison is skipped otherwise):
warm (the same document objects again, as the audit holds them) and cold (a json round trip
of each request's documents, as a caller that reads them again holds them, and a new cache).
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import gc
import json
import random
import re
import time
from collections.abc import Callable
from typing import Any

from auditor.policy import INVOKE, NamedPolicy, PolicyCache, decide, prepare_role, route_verdict

ACCOUNT = "123456789012"
REGION = "us-east-1"
APIS = ("a1b2c3", "d4e5f6", "g7h8i9", "j0k1l2")
STAGES = ("prod", "dev")
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WORDS = ("items", "users", "orders", "files", "admin", "reports", "pets", "export", "me", "v1")


def make_routes(rng: random.Random, count: int) -> list[tuple[str, str, str, str]]:
    """(api, stage, method, path template) for `count` distinct routes."""
    routes: set[tuple[str, str, str, str]] = set()
    while len(routes) < count:
        depth = rng.randint(0, 4)
        segs = []
        for i in range(depth):
            roll = rng.random()
            if roll < 0.25:
                segs.append(f"{{id{i}}}")
            elif roll < 0.3 and i == depth - 1:
                segs.append("{proxy+}")
            else:
                segs.append(rng.choice(WORDS) + rng.choice(("", "", str(rng.randint(0, 99)))))
        method = rng.choice((*VERBS, "ANY"))
        routes.add((rng.choice(APIS), rng.choice(STAGES), method, "/" + "/".join(segs)))
    return sorted(routes)


def make_pattern(rng: random.Random) -> str:
    api = rng.choice((*APIS, "*"))
    stage = rng.choice((*STAGES, "*"))
    verb = rng.choice((*VERBS, "*"))
    path = "/".join(rng.choice((*WORDS, "*")) for _ in range(rng.randint(0, 3)))
    tail = rng.choice(("", "*", "/*", "*"))
    if rng.random() < 0.05:
        return "*"
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/{stage}/{verb}/{path}{tail}"


def make_role(rng: random.Random, statements: int = 20) -> list[NamedPolicy]:
    stmts: list[dict[str, Any]] = []
    for i in range(statements):
        roll = rng.random()
        stmt: dict[str, Any] = {
            "Sid": f"S{i}",
            "Effect": "Deny" if roll < 0.15 else "Allow",
            "Action": rng.choice((INVOKE, "execute-api:*", ["s3:GetObject", INVOKE])),
        }
        patterns = [make_pattern(rng) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.05:
            stmt["NotResource"] = patterns
        else:
            stmt["Resource"] = patterns
        if rng.random() < 0.1:
            stmt["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": rng.choice(WORDS)}}
        if rng.random() < 0.1:
            stmt = {"Sid": f"S{i}", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
        stmts.append(stmt)
    half = len(stmts) // 2
    return [
        NamedPolicy("inline", {"Version": "2012-10-17", "Statement": stmts[:half]}),
        NamedPolicy("managed", {"Version": "2012-10-17", "Statement": stmts[half:]}),
    ]


def concrete(rng: random.Random, route: tuple[str, str, str, str]) -> str:
    api, stage, method, path = route
    verb = rng.choice(VERBS) if method == "ANY" else method
    segs = []
    for seg in path[1:].split("/") if path != "/" else []:
        if seg == "{proxy+}":
            segs.append("/".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))))
        elif seg.startswith("{"):
            segs.append(str(rng.randint(1, 9999)))
        else:
            segs.append(seg)
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/{stage}/{verb}/" + "/".join(segs)


Decider = Callable[[list[Any], str, str, dict[str, Any]], str]


class PMapper:
    """PMapper's local policy simulation, asked what decide() is asked."""

    def __init__(self, lps: Any, insensitive: Callable[[dict[str, Any]], Any]) -> None:
        self._check = lps.policy_has_matching_statement
        self._patterns = lps._compose_pattern  # its regexes, in an lru_cache of 2,048
        self._insensitive = insensitive

    def decide(self, docs: list[Any], action: str, resource: str, context: dict[str, Any]) -> str:
        ctx = self._insensitive(context)
        if any(self._check(d, "Deny", action, resource, ctx) for d in docs):
            return "ExplicitlyDenied"
        if any(self._check(d, "Allow", action, resource, ctx) for d in docs):
            return "Allowed"
        return "ImplicitlyDenied"

    def forget(self) -> None:
        """Cold as our new cache is: no regex compiled before."""
        self._patterns.cache_clear()


def pmapper() -> PMapper | None:
    try:
        # PMapper predates Python 3.10, which removed these aliases from `collections`.
        for name in ("Mapping", "MutableMapping", "Sequence", "Iterable"):
            if not hasattr(collections, name):
                setattr(collections, name, getattr(collections.abc, name))
        from principalmapper.querying import local_policy_simulation as lps
        from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict
    except Exception as exc:  # any import failure just skips the comparison
        print(f"PMapper comparison skipped: principalmapper does not import ({exc!r})")
        return None
    return PMapper(lps, CaseInsensitiveDict)


BATCH = 250  # requests per batch: runs alternate by batch, and cold copies are made per batch


def fresh(docs: list[Any]) -> list[Any]:
    """The documents as a caller that reads the same JSON again holds them: new dicts."""
    loaded: list[Any] = json.loads(json.dumps(docs))
    return loaded


def timed(
    ask: Decider, documents: list[list[Any]], batch: list[tuple[int, str]], context: dict[str, Any]
) -> tuple[float, list[str]]:
    """CPU seconds of asking each request of `batch` about its documents, and the answers."""
    began = time.process_time()
    answers = [
        ask(docs, INVOKE, arn, context) for docs, (_, arn) in zip(documents, batch, strict=True)
    ]
    return time.process_time() - began, answers


def compare_decide(
    role_docs: list[list[Any]],
    requests: list[tuple[int, str]],
    context: dict[str, Any],
    pm: PMapper | None,
    *,
    cold: bool,
) -> tuple[float, float, list[str], list[str]]:
    """CPU seconds of decide() and of PMapper (0 without it) on the same requests, and
    their decisions. Batches alternate which of the two runs first, so that load from
    elsewhere falls on both alike.

    Warm: one cache, every role compiled first, the same document objects every time.
    Cold: a new cache (PMapper's and re's emptied too), and each request gets a json round
    trip of its role's documents, made (and dropped) outside the timing, PMapper its own
    copies: the first request of a role compiles it, the others find it by content.
    """
    cache = PolicyCache()

    def ours(docs: list[Any], action: str, resource: str, context: dict[str, Any]) -> str:
        return decide(docs, action, resource, context, cache=cache)

    if cold:
        re.purge()
        if pm is not None:
            pm.forget()
    else:
        for docs in role_docs:
            ours(docs, INVOKE, requests[0][1], context)
        if pm is not None:
            pm.decide(role_docs[0], INVOKE, requests[0][1], context)  # warm its caches as well
    took = {0: 0.0, 1: 0.0}
    answers: dict[int, list[str]] = {0: [], 1: []}
    copies: dict[int, list[list[Any]]] = {}
    for number, first in enumerate(range(0, len(requests), BATCH)):
        batch = requests[first : first + BATCH]
        # The last batch's copies are dropped only now, untimed: decide() may still remember
        # some of them (PolicyCache.fingerprints), and would otherwise free them when it forgets.
        previous, copies = (
            copies,
            {
                turn: [fresh(role_docs[r]) if cold else role_docs[r] for r, _ in batch]
                for turn in (0, 1)
            },
        )
        del previous
        gc.collect()  # the collector's look at the new copies belongs to making them
        for turn in (0, 1) if number % 2 == 0 else (1, 0):
            ask = ours if turn == 0 else None if pm is None else pm.decide
            if ask is not None:
                spent, got = timed(ask, copies[turn], batch, context)
                took[turn] += spent
                answers[turn].extend(got)
    if cold:
        print(f"  compiled sets kept: {len(cache.sets)} for {len(role_docs)} roles")
    return took[0], took[1], answers[0], answers[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="CI size")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    requests_n, roles_n, routes_n = (1_000, 10, 200) if args.small else (10_000, 100, 2_000)
    rng = random.Random(args.seed)
    routes = make_routes(rng, routes_n)
    roles = [make_role(rng) for _ in range(roles_n)]
    role_docs = [[p.document for p in role] for role in roles]
    context = {"aws:PrincipalTag/team": "items"}
    requests = [
        (rng.randrange(roles_n), concrete(rng, rng.choice(routes))) for _ in range(requests_n)
    ]

    pm = pmapper()
    targets: list[tuple[str, bool]] = []
    for cold, ratio in ((False, 5.0), (True, 1.0)):
        mode = "cold (fresh documents, new cache)" if cold else "warm (same documents)"
        took, pm_took, ours, theirs = compare_decide(role_docs, requests, context, pm, cold=cold)
        print(
            f"decide() {mode}: {requests_n} requests in {took:.3f} s of CPU = "
            f"{requests_n / took:,.0f} evaluations/s"
        )
        print(f"  outcomes: {dict(collections.Counter(ours))}")
        if not cold:
            targets.append(("decide() >= 50,000 evaluations/s", requests_n / took >= 50_000))
        if pm is None:
            continue
        differ = sum(a != b for a, b in zip(ours, theirs, strict=True))
        print(
            f"  PMapper local simulation, same requests{' and fresh copies' if cold else ''}: "
            f"{pm_took:.3f} s of CPU = {requests_n / pm_took:,.0f} evaluations/s; decide() is "
            f"{pm_took / took:.1f}x as fast; {differ} decisions differ"
        )
        same = pm_took / took >= ratio and not differ
        targets.append((f"decide() {mode.split()[0]} >= {ratio:g}x PMapper, same decisions", same))

    # One cache for the routes, as an audit has one per evaluator, holding the roles' documents
    # read once (as it did when decide() shared it).
    cache = PolicyCache()
    for docs in role_docs:
        decide(docs, INVOKE, requests[0][1], context, cache=cache)
    verdicts: collections.Counter[str] = collections.Counter()
    start, cpu = time.perf_counter(), time.process_time()
    preparing = 0.0
    for role in roles:  # the audit's way: compile each role once, then ask about every route
        began = time.process_time()
        prepared = prepare_role(
            role, partition="aws", region=REGION, account=ACCOUNT, context=context, cache=cache
        )
        preparing += time.process_time() - began
        for route in routes:
            verdicts[prepared.verdict(*route).verdict] += 1
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    total = roles_n * routes_n
    print(
        f"prepare_role() + verdict(): {roles_n} roles x {routes_n} routes = {total} verdicts in "
        f"{took:.3f} s (CPU {cpu:.3f} s) = {total / took:,.0f} verdicts/s, "
        f"{cpu / total * 1e6:.1f} us of CPU each"
    )
    print(f"  of which prepare_role(): {preparing / roles_n * 1e3:.2f} ms of CPU per role")
    print(f"  verdicts: {dict(verdicts)}")
    if not args.small:
        targets.append(("200,000 template verdicts < 10 s", took < 10))

    # route_verdict() per call (compiled policies come from the cache) on a sample.
    sample = routes[: max(1, routes_n // 10)]
    start, cpu = time.perf_counter(), time.process_time()
    for role in roles:
        for api, stage, method, path in sample:
            route_verdict(
                role,
                partition="aws",
                region=REGION,
                account=ACCOUNT,
                api_id=api,
                stage=stage,
                method=method,
                path=path,
                context=context,
                cache=cache,
            )
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"route_verdict() (setup per call, warm caches): {roles_n * len(sample)} verdicts, "
        f"{cpu / (roles_n * len(sample)) * 1e6:.1f} us of CPU each"
    )
    for target, met in targets:  # informative: machine speed must not fail CI
        print(f"target {target}: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
