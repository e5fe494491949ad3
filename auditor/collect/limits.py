"""Request rates kept under AWS's quotas when many targets read one account (CONTRACT §6.4).

A token bucket per (account, service[, region]) shared by every target of a run: three
targets in one account share its Cognito and API Gateway quotas, and 200 accounts in one run
do not slow each other (each has its own buckets). The limiter waits before each call, not
each attempt: a retry's pacing is botocore's (`adaptive` mode with --targets).

Rates are set under the quotas (AWS-FACTS §8), so that a run leaves headroom for whatever else
the account runs.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.collect.session import RequestLimiter


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: float  # tokens the bucket holds: calls allowed at once after a quiet spell


# Cognito user pool resource reads: ~20 RPS per account (AWS-FACTS §8); 15 leaves headroom.
_COGNITO = Rate(15.0, 15.0)
# API Gateway reads: 10 RPS, burst 40, per account (AWS-FACTS §8); GetResources, 5 per 2 s.
_APIGATEWAY = Rate(8.0, 20.0)
_GET_RESOURCES = Rate(2.0, 4.0)
# IAM publishes no request rate: its throttling is per account, and AWS's guidance (re:Post
# "IAM and STS throttling errors") is to pace calls; GetAccountAuthorizationDetails is a
# heavy paginated read, so a conservative 5 RPS.
_IAM = Rate(5.0, 10.0)
# STS: 600 RPS per account and region for AssumeRole and GetCallerIdentity ("IAM and AWS STS
# quotas"); far from reach, paced at 50 anyway so one run never uses a tenth of it.
_STS = Rate(50.0, 50.0)
# Organizations: documented only as "throttled when exceeded"; its list calls are paced at
# 5 RPS, discovery being a few pages per OU.
_ORGANIZATIONS = Rate(5.0, 5.0)
_DEFAULT = Rate(10.0, 10.0)

RATES: dict[str, Rate] = {
    "cognito-idp": _COGNITO,
    "cognito-identity": _COGNITO,
    "apigateway": _APIGATEWAY,
    "apigatewayv2": _APIGATEWAY,
    "iam": _IAM,
    "sts": _STS,
    "organizations": _ORGANIZATIONS,
}
OPERATION_RATES: dict[tuple[str, str], Rate] = {("apigateway", "GetResources"): _GET_RESOURCES}
# Quotas of these services are per account, whatever the region the call is sent to.
GLOBAL_SERVICES = frozenset({"iam", "organizations"})


class TokenBucket:
    """`rate.per_second` tokens a second, at most `rate.burst` held. `reserve` takes a token
    and says how long to wait for it: a caller never spins, and callers are served in the
    order they reserved (the bucket goes negative, each wait longer than the last)."""

    def __init__(self, rate: Rate, clock: Callable[[], float]) -> None:
        self._rate = rate
        self._clock = clock
        self._tokens = rate.burst
        self._updated = clock()

    def reserve(self) -> float:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self._rate.burst, self._tokens + elapsed * self._rate.per_second)
        self._updated = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self._rate.per_second


class RunStopped(KeyboardInterrupt):
    """The run was stopped (Ctrl-C): raised at a target's next AWS call, so that each
    running target stops there; a KeyboardInterrupt, which no failure handler catches."""


class RateLimiter:
    """The RequestLimiter of a run of many targets: one bucket per (key, service or operation
    with a quota of its own). `clock` and `sleep` are injectable for tests; `record` keeps
    the time each call was let through, per key and service (for the tests' rate checks)."""

    def __init__(
        self,
        *,
        rates: dict[str, Rate] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        record: bool = False,
    ) -> None:
        self._rates = RATES if rates is None else rates
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._record = record
        self.granted: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
        self._stopped = threading.Event()

    def stop(self) -> None:
        """Every later call raises RunStopped (the run's Ctrl-C: each target's next call is
        checked here, botocore's `before-call`, by limit_requests)."""
        self._stopped.set()

    def acquire(self, account: str, service: str, operation: str) -> None:
        if self._stopped.is_set():
            raise RunStopped
        rate, quota = self._quota(service, operation)
        with self._lock:
            bucket = self._buckets.get((account, service, quota))
            if bucket is None:
                bucket = self._buckets[(account, service, quota)] = TokenBucket(rate, self._clock)
            wait = bucket.reserve()
            if self._record:
                self.granted[(account, service)].append(self._clock() + wait)
        if wait > 0:
            self._sleep(wait)  # outside the lock: other keys are not held up
            if self._stopped.is_set():
                raise RunStopped

    def _quota(self, service: str, operation: str) -> tuple[Rate, str]:
        own = OPERATION_RATES.get((service, operation))
        if own is not None:
            return own, operation
        return self._rates.get(service, _DEFAULT), ""


def limiter_key(account: str, service: str, region: str) -> str:
    """Whose quota a call spends: the account's for a global service, else the account's in
    the region (Cognito's and API Gateway's quotas are per account and region)."""
    return account if service in GLOBAL_SERVICES else f"{account}/{region}"


def limit_requests(
    core: Any, limiter: RequestLimiter | None, account: str, region: str, caller: str = "default"
) -> None:
    """Register `limiter` on a botocore session (before any client is made: each client
    copies the session's handlers): every call waits for its token first. AssumeRole is
    spent from the quota of `caller`, whose credentials call it (the run's, or the target's
    profile's), not from the account of the role it assumes."""
    if limiter is None:
        return

    def before_call(model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        spender = caller if (service, model.name) == ("sts", "AssumeRole") else account
        limiter.acquire(limiter_key(spender, service, region), service, model.name)

    core.register("before-call", before_call, unique_id="auditor-rate-limit")
