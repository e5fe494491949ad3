"""deploy/organization.yaml's roles allow what each step really calls, on the objects it
really touches: every AWS call of a run of the chain is recorded (operation and S3 key), per
step, and checked against that step's role; the reads made with a member account's
credentials against deploy/member-role.yaml's policy. Nothing here is a list kept by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from typing import Any

import botocore.client
import pytest

from auditor.collect import CALLS
from tests.deploy.organization import Organization, run_machine
from tests.deploy.templates import actions, load, resources, statements
from tests.unattended.test_deploy_policy import iam_action

# The IAM action an S3 API call needs.
_S3_ACTIONS = {
    "ListObjectsV2": "s3:ListBucket",
    "HeadObject": "s3:GetObject",
    "GetObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
}
_HANDLER_ROLES = {
    "plan_handler": "PlanRole",
    "target_handler": "TargetRole",
    "aggregate_handler": "AggregateRole",
}

Recorded = tuple[str, str, str | None]  # (step, "service:Operation", S3 key or None)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Recorded]]:
    """Every API call botocore makes, with the handler it was made under."""
    import auditor.unattended.organization_lambda as steps

    calls: list[Recorded] = []
    current: dict[int, str] = {}
    original = botocore.client.BaseClient._make_api_call

    def record(self: Any, operation: str, params: dict[str, Any]) -> Any:
        import threading

        step = current.get(threading.get_ident(), "test")
        service = self.meta.service_model.service_name
        calls.append((step, f"{service}:{operation}", params.get("Key")))
        return original(self, operation, params)

    def wrap(name: str) -> None:
        handler: Callable[..., Any] = getattr(steps, name)

        def step(*args: Any) -> Any:
            import threading

            current[threading.get_ident()] = name
            try:
                return handler(*args)
            finally:
                current.pop(threading.get_ident(), None)

        monkeypatch.setattr("tests.deploy.organization." + name, step)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    for name in _HANDLER_ROLES:
        wrap(name)
    yield calls


def _role_statements(role: str) -> list[dict[str, Any]]:
    template = load("organization.yaml")
    found: list[dict[str, Any]] = statements(template["Resources"][role]["Properties"]["Policies"])
    return found


def _object_arn(key: str | None) -> str:
    return "ReportsBucket.Arn" if key is None else f"${{ReportsBucket.Arn}}/{key}"


def _allowed(role: str, action: str, key: str | None) -> bool:
    for statement in _role_statements(role):
        if statement["Effect"] != "Allow" or action not in actions(statement):
            continue
        if not action.startswith("s3:"):
            return True
        if any(fnmatchcase(_object_arn(key), pattern) for pattern in resources(statement)):
            return True
    return False


def _member_allows(action: str) -> bool:
    template = load("member-role.yaml")
    policies = template["Resources"]["AuditorRole"]["Properties"]["Policies"]
    return any(action in actions(s) for s in statements(policies))


def test_each_step_is_allowed_what_it_calls(org: Organization, recorded: list[Recorded]) -> None:
    org.worlds["beta"].client("cognito-idp").create_group(
        GroupName="testers", UserPoolId=org.worlds["beta"].user_pool_id
    )
    recorded.clear()
    run_machine("policy-run")

    denied = []
    steps_seen = set()
    for step, call, key in recorded:
        if step == "test":
            continue  # the test's own reads of the plan
        steps_seen.add(step)
        service, operation = call.split(":", 1)
        if call in CALLS or service in ("apigateway", "apigatewayv2"):
            # A read in the member account, with the assumed role's credentials.
            if not _member_allows(iam_action(call)):
                denied.append(("member", call, key))
            continue
        action = _S3_ACTIONS[operation] if service == "s3" else call
        if not _allowed(_HANDLER_ROLES[step], action, key if service == "s3" else None):
            denied.append((step, action, key))
    assert steps_seen == set(_HANDLER_ROLES)
    assert denied == []
    # The assume-role call is the per-target step's, and only its.
    assumed = {step for step, call, _ in recorded if call == "sts:AssumeRole"}
    assert assumed == {"target_handler"}


def test_a_write_outside_the_prefix_would_be_caught() -> None:
    # The check above is not vacuous: the plan may not write a target's state.
    assert _allowed("PlanRole", "s3:PutObject", "reports/runs/r/targets.json")
    assert not _allowed("PlanRole", "s3:PutObject", "state/alpha.us-east-1.json")
    assert not _allowed("TargetRole", "s3:PutObject", "reports/latest.json")
    assert _allowed("AggregateRole", "s3:PutObject", "reports/latest.json")
