"""The shared request limiter: token buckets per (account[, region], service) under the
documented quotas, waiting without spinning, keyed so that accounts never slow each other."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pytest

from auditor.collect.limits import (
    RATES,
    Rate,
    RateLimiter,
    RunStopped,
    TokenBucket,
    limit_requests,
    limiter_key,
)
from auditor.commands.many import _counted


class FakeClock:
    """Time that moves only when someone sleeps: a test of rates that takes no time."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)


def test_a_bucket_lets_its_burst_through_then_spaces_calls_at_its_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Rate(per_second=2.0, burst=3.0), clock)
    waits = [bucket.reserve() for _ in range(6)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    # Reservations queue: each later caller waits half a second more than the one before.
    assert waits[3:] == pytest.approx([0.5, 1.0, 1.5])


def test_a_bucket_refills_with_time_but_never_beyond_its_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Rate(per_second=1.0, burst=2.0), clock)
    assert [bucket.reserve(), bucket.reserve()] == [0.0, 0.0]
    clock.now += 60  # a long quiet spell refills two tokens, not sixty
    assert [bucket.reserve(), bucket.reserve()] == [0.0, 0.0]
    assert bucket.reserve() == pytest.approx(1.0)


def test_accounts_and_services_have_buckets_of_their_own() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rates={"cognito-idp": Rate(1.0, 1.0)}, clock=clock, sleep=clock.sleep)
    limiter.acquire("111111111111/us-east-1", "cognito-idp", "ListGroups")
    limiter.acquire("222222222222/us-east-1", "cognito-idp", "ListGroups")
    limiter.acquire("111111111111/eu-west-1", "cognito-idp", "ListGroups")
    assert clock.slept == []  # three quotas, one call each
    limiter.acquire("111111111111/us-east-1", "cognito-idp", "DescribeUserPool")
    assert clock.slept == [pytest.approx(1.0)]  # the same account's quota: waits its turn


def test_get_resources_has_its_own_quota_beside_the_other_api_gateway_reads() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    burst = int(RATES["apigateway"].burst)
    for _ in range(burst):
        limiter.acquire("a/us-east-1", "apigateway", "GetRestApis")
    assert clock.slept == []
    # GetResources (5 per 2 s per account) is counted apart: a full GetRestApis bucket does
    # not hold it up, and its own small bucket does.
    limiter.acquire("a/us-east-1", "apigateway", "GetResources")
    assert clock.slept == []
    for _ in range(10):
        limiter.acquire("a/us-east-1", "apigateway", "GetResources")
    assert clock.slept and max(clock.slept) > 1.0


def test_every_rate_stays_under_the_documented_quota() -> None:
    # AWS-FACTS §8: Cognito ~20 RPS per account; API Gateway reads 10 RPS burst 40.
    assert RATES["cognito-idp"].per_second < 20
    assert RATES["apigateway"].per_second < 10 and RATES["apigateway"].burst <= 40
    get_resources = RateLimiter()._quota("apigateway", "GetResources")[0]
    assert get_resources.per_second <= 5 / 2


def test_global_services_are_keyed_by_account_regional_ones_by_account_and_region() -> None:
    assert limiter_key("111111111111", "iam", "eu-west-1") == "111111111111"
    assert limiter_key("111111111111", "cognito-idp", "eu-west-1") == "111111111111/eu-west-1"


def test_threads_sharing_one_bucket_never_exceed_its_rate() -> None:
    """Real time, real threads: 8 threads x 5 calls through a bucket of 20 per second, burst
    5; in every one-second window at most burst + rate calls are let through."""
    limiter = RateLimiter(rates={"sts": Rate(20.0, 5.0)}, record=True)

    def calls() -> None:
        for _ in range(5):
            limiter.acquire("acct", "sts", "GetCallerIdentity")

    threads = [threading.Thread(target=calls) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    granted = sorted(limiter.granted[("acct", "sts")])
    assert len(granted) == 40
    for i, start in enumerate(granted):
        within = sum(1 for t in granted[i:] if t < start + 1.0)
        assert within <= 5 + 20
    assert granted[-1] - granted[0] >= (40 - 5) / 20 - 0.05  # they really were spaced


def test_the_limiter_is_registered_before_each_call_on_a_botocore_session() -> None:
    registered: dict[str, Any] = {}

    class Core:
        def register(self, event: str, handler: Any, unique_id: str) -> None:
            registered[event] = handler

    seen: list[tuple[str, str, str]] = []

    class Recorder:
        def acquire(self, account: str, service: str, operation: str) -> None:
            seen.append((account, service, operation))

    limit_requests(Core(), Recorder(), "111111111111", "eu-west-1")

    class Model:
        name = "ListGroups"

        class service_model:
            service_name = "cognito-idp"

    registered["before-call"](model=Model())
    assert seen == [("111111111111/eu-west-1", "cognito-idp", "ListGroups")]
    # AssumeRole spends the quota of the credentials that call it, not the role's account's:
    # 200 targets' roles are assumed from one central account.
    seen.clear()
    limit_requests(Core(), Recorder(), "111111111111", "eu-west-1", caller="central")

    class Assume:
        name = "AssumeRole"

        class service_model:
            service_name = "sts"

    registered["before-call"](model=Assume())
    assert seen == [("central/eu-west-1", "sts", "AssumeRole")]
    registered.clear()
    limit_requests(Core(), None, "111111111111", "eu-west-1")
    assert registered == {}  # no limiter (a single-target run): nothing registered


def test_a_stopped_run_raises_at_each_targets_next_call_even_one_waiting_for_a_token() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rates={"sts": Rate(1.0, 1.0)}, clock=clock, sleep=clock.sleep)
    limiter.acquire("a", "sts", "GetCallerIdentity")
    stopping = RateLimiter(
        rates={"sts": Rate(1.0, 1.0)}, clock=clock, sleep=lambda _: stopping.stop()
    )
    stopping.acquire("a", "sts", "GetCallerIdentity")
    with pytest.raises(RunStopped):  # stopped while it waited for its token
        stopping.acquire("a", "sts", "GetCallerIdentity")
    limiter.stop()
    with pytest.raises(KeyboardInterrupt):  # what no failure handler of a target catches
        limiter.acquire("b", "iam", "GetRole")


def test_progress_counts_no_target_dropped_or_stopped_by_ctrl_c() -> None:
    counted: list[object] = []
    dropped: Future[Any] = Future()
    dropped.cancel()
    stopped: Future[Any] = Future()
    stopped.set_exception(RunStopped())
    finished: Future[Any] = Future()
    finished.set_result("outcome")
    for future in (dropped, stopped, finished):
        _counted(counted.append, future)
    assert counted == ["outcome"]
