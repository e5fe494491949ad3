"""Seeded random faults: the rate is honoured, a seed repeats itself, and botocore retries
each service's throttling and server errors as it would AWS's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from auditor.emulator.faults import FAULT_KINDS, FaultKind, FaultPlan, fault_for
from tests.support.aws import Aws

CALLS = 400


def _client(aws: Aws, service: str, attempts: int) -> Any:
    config = Config(retries={"mode": "standard", "total_max_attempts": attempts})
    return aws.session.client(service, endpoint_url=aws.url, config=config)  # type: ignore[call-overload]


def _failed_calls(aws: Aws, count: int) -> list[int]:
    """Indices of the sts calls (no retries) that failed."""
    sts = _client(aws, "sts", attempts=1)
    failed = []
    for index in range(count):
        try:
            sts.get_caller_identity()
        except ClientError:
            failed.append(index)
    return failed


def test_rate_is_honoured_and_a_seed_repeats_its_faults(aws: Aws) -> None:
    aws.emulator.inject_faults(0.2, seed=11)
    first = _failed_calls(aws, CALLS)
    # Binomial(400, 0.2): mean 80, standard deviation 8; 4 deviations either side.
    assert 48 <= len(first) <= 112
    assert sum(aws.emulator.faults_answered().values()) == len(first)

    aws.emulator.inject_faults(0.2, seed=11)
    assert _failed_calls(aws, CALLS) == first
    aws.emulator.inject_faults(0.2, seed=12)
    assert _failed_calls(aws, CALLS) != first


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_extreme_rates_fail_nothing_or_everything(aws: Aws, rate: float) -> None:
    aws.emulator.inject_faults(rate, seed=1)
    assert len(_failed_calls(aws, 50)) == int(50 * rate)


def test_faults_hit_only_the_named_services(aws: Aws) -> None:
    aws.emulator.inject_faults(1.0, services=["iam"])
    assert _failed_calls(aws, 5) == []
    with pytest.raises(ClientError):
        _client(aws, "iam", attempts=1).list_roles()
    aws.emulator.clear_failures()
    assert _client(aws, "iam", attempts=1).list_roles()["Roles"] == []


def test_a_deterministic_failure_wins_over_random_faults(aws: Aws) -> None:
    aws.emulator.inject_faults(1.0)
    aws.emulator.inject_failure("sts:GetCallerIdentity", code="AccessDenied")
    with pytest.raises(ClientError) as caught:
        _client(aws, "sts", attempts=1).get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert aws.emulator.faults_answered() == {}


@pytest.mark.parametrize(
    "kinds", [("throttle",), ("server",), FAULT_KINDS], ids=["throttle", "server", "both"]
)
def test_fault_plan_draws_only_the_kinds_asked_for(kinds: tuple[FaultKind, ...]) -> None:
    plan = FaultPlan(1.0, seed=3, kinds=kinds)
    drawn = {plan.draw("apigateway:GetResources") for _ in range(50)}
    assert drawn == {fault_for("apigateway", kind) for kind in kinds}


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_fault_plan_rejects_a_rate_outside_0_1(rate: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultPlan(rate)


# One call per service the auditor reads (and S3, where it keeps its state).
_READS: dict[str, Callable[[Any], object]] = {
    "cognito-idp": lambda c: c.list_user_pools(MaxResults=1),
    "cognito-identity": lambda c: c.list_identity_pools(MaxResults=1),
    "iam": lambda c: c.list_roles(),
    "sts": lambda c: c.get_caller_identity(),
    "apigateway": lambda c: c.get_rest_apis(),
    "apigatewayv2": lambda c: c.get_apis(),
    "s3": lambda c: c.list_buckets(),
    "organizations": lambda c: c.list_roots(),
}
_EXPECTED = {
    ("cognito-idp", "throttle"): (400, "TooManyRequestsException"),
    ("cognito-identity", "throttle"): (400, "TooManyRequestsException"),
    ("iam", "throttle"): (400, "Throttling"),
    ("sts", "throttle"): (400, "Throttling"),
    ("apigateway", "throttle"): (429, "TooManyRequestsException"),
    ("apigatewayv2", "throttle"): (429, "TooManyRequestsException"),
    ("s3", "throttle"): (503, "SlowDown"),
    ("organizations", "throttle"): (400, "TooManyRequestsException"),
    ("cognito-idp", "server"): (500, "InternalErrorException"),
    ("cognito-identity", "server"): (500, "InternalErrorException"),
    ("iam", "server"): (500, "ServiceFailure"),
    ("sts", "server"): (500, "InternalFailure"),
    ("apigateway", "server"): (503, "ServiceUnavailableException"),
    ("apigatewayv2", "server"): (503, "ServiceUnavailableException"),
    ("s3", "server"): (500, "InternalError"),
    ("organizations", "server"): (500, "InternalFailure"),
}


@pytest.mark.parametrize(("service", "kind"), sorted(_EXPECTED))
def test_botocore_parses_each_fault_and_retries_it(aws: Aws, service: str, kind: FaultKind) -> None:
    status, code = _EXPECTED[service, kind]
    # The model name apigatewayv2 signs as apigateway: its operations are logged as
    # "apigatewayv2:..." and the plan matches that name.
    aws.emulator.inject_faults(1.0, services=[service], kinds=[kind])
    with pytest.raises(ClientError) as caught:
        _READS[service](_client(aws, service, attempts=2))
    response = caught.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
        code,
        status,
    )
    # Standard mode judged it retryable: a second attempt reached the emulator.
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert sum(aws.emulator.faults_answered().values()) == 2


def test_botocore_does_not_retry_an_access_denial(aws: Aws) -> None:
    # The control for the test above: the same client gives up at once on a final error.
    aws.emulator.inject_failure("iam:ListRoles", code="AccessDenied")
    with pytest.raises(ClientError) as caught:
        _client(aws, "iam", attempts=2).list_roles()
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert aws.emulator.operations()["iam:ListRoles"] == 1


def test_retries_under_faults_end_in_the_answer(aws: Aws) -> None:
    aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    aws.emulator.inject_faults(0.3, seed=5)
    iam = _client(aws, "iam", attempts=10)
    retries = 0
    for _ in range(10):
        answer = iam.list_roles()
        assert [role["RoleName"] for role in answer["Roles"]] == ["r"]
        retries += answer["ResponseMetadata"]["RetryAttempts"]
    assert retries == sum(aws.emulator.faults_answered().values()) > 0
