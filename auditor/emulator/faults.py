"""Seeded random faults: a fraction of calls answer with throttling or a server error.

Each service throttles with its own code and status, as its API reference documents it, so
botocore's retry handler sees exactly what AWS sends: the JSON Cognito and Organizations APIs
answer `TooManyRequestsException` with 400, API Gateway (both versions) the same code with
429, IAM and STS (query protocol) `Throttling` with 400, S3 `SlowDown` with 503, the other
JSON services `ThrottlingException` with 400. A server error is the service's modelled 5xx
where it has one (Cognito `InternalErrorException`, API Gateway `ServiceUnavailableException`,
IAM `ServiceFailure`), else AWS's common `InternalFailure` 500.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["throttle", "server"]
FAULT_KINDS: tuple[FaultKind, ...] = ("throttle", "server")


@dataclass(frozen=True)
class Fault:
    status: int
    code: str
    message: str


_THROTTLE = Fault(400, "ThrottlingException", "Rate exceeded")
_THROTTLES: dict[str, Fault] = {
    "cognito-idp": Fault(400, "TooManyRequestsException", "Too many requests"),
    "cognito-identity": Fault(400, "TooManyRequestsException", "Too many requests"),
    "organizations": Fault(400, "TooManyRequestsException", "Too many requests"),
    "apigateway": Fault(429, "TooManyRequestsException", "Too Many Requests"),
    "apigatewayv2": Fault(429, "TooManyRequestsException", "Too Many Requests"),
    "iam": Fault(400, "Throttling", "Rate exceeded"),
    "sts": Fault(400, "Throttling", "Rate exceeded"),
    "s3": Fault(503, "SlowDown", "Please reduce your request rate."),
}
_SERVER_ERROR = Fault(500, "InternalFailure", "We encountered an internal error.")
_SERVER_ERRORS: dict[str, Fault] = {
    "cognito-idp": Fault(500, "InternalErrorException", "Internal error"),
    "cognito-identity": Fault(500, "InternalErrorException", "Internal error"),
    "apigateway": Fault(503, "ServiceUnavailableException", "Service unavailable"),
    "apigatewayv2": Fault(503, "ServiceUnavailableException", "Service unavailable"),
    "iam": Fault(500, "ServiceFailure", "Service failure"),
    "s3": Fault(500, "InternalError", "We encountered an internal error."),
}


def fault_for(service: str, kind: FaultKind) -> Fault:
    """What `service` (an operation name's prefix: 'apigatewayv2', 'iam') answers."""
    if kind == "throttle":
        return _THROTTLES.get(service, _THROTTLE)
    return _SERVER_ERRORS.get(service, _SERVER_ERROR)


class FaultPlan:
    """Fail each matching call with probability `rate`, drawn from a seeded generator.

    Calls arrive in the order a sequential client makes them, so one seed fails the same
    calls on every run.
    """

    def __init__(
        self,
        rate: float,
        *,
        seed: int = 0,
        services: Iterable[str] | None = None,
        kinds: Iterable[FaultKind] = FAULT_KINDS,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate {rate} is not between 0 and 1")
        self.rate = rate
        self.services = frozenset(services) if services is not None else None
        self.kinds = tuple(kinds)
        if not self.kinds or set(self.kinds) - set(FAULT_KINDS):
            raise ValueError(f"fault kinds must be among {FAULT_KINDS}, got {self.kinds}")
        self._random = random.Random(seed)

    def draw(self, operation: str) -> Fault | None:
        """The fault this call answers with, or None to pass it on. Not thread-safe: the
        server calls it under its lock."""
        service = operation.split(":", 1)[0]
        if self.services is not None and service not in self.services:
            return None
        if self._random.random() >= self.rate:
            return None
        return fault_for(service, self._random.choice(self.kinds))
