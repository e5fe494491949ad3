"""A value from AWS that the snapshot models refuse (a route path outside the grammar, a
megabyte of name, a precedence past Cognito's range) is a failed read of that operation and
resource, in one line: never a traceback, never a snapshot that cannot be read back."""

from __future__ import annotations

import pytest

from auditor.audit.catalog import rules_for
from auditor.checks import CHECKS
from auditor.checks.run import audit
from auditor.collect import AwsOptions, collect_snapshot
from auditor.commands.exit_codes import EXIT_INCOMPLETE
from auditor.commands.run import exit_code
from auditor.emulator.seed import Seeded, seed
from auditor.model.baseline import Baseline
from auditor.model.findings import Severity
from auditor.model.snapshot import ApiRef, PoolRef, Snapshot, TargetRef
from tests.support.aws import Aws
from tests.support.environment import HTTP, REST, full_spec, odd_app

MEGA = "x" * 1_000_000


@pytest.fixture
def seeded(aws: Aws) -> Seeded:
    return seed(full_spec(), aws.session, endpoint_url=aws.url)


def _collect(aws: Aws, seeded: Seeded) -> Snapshot:
    target = TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=[ApiRef(id=api_id) for api_id in seeded.api_ids.values()],
    )
    return collect_snapshot(target, AwsOptions(endpoint_url=aws.url))


@pytest.mark.parametrize(
    ("operation", "answer", "resource", "problem"),
    [
        (
            "cognito-idp:ListGroups",
            {"Groups": [{"GroupName": MEGA}]},
            "{pool}",
            "name: String should have at most 128 characters",
        ),
        (
            "cognito-idp:ListGroups",
            {"Groups": [{"GroupName": "admin", "Precedence": 2**31}]},
            "{pool}",
            "precedence: Input should be less than or equal to 2147483647",
        ),
        (
            "cognito-identity:GetIdentityPoolRoles",
            {"Roles": {"authenticated": "not a role"}},
            "{identity_pool}",
            "authenticated_role: String should match pattern",
        ),
        (
            "apigateway:GetResources",
            {
                "item": [
                    {
                        "id": "r1",
                        "path": "/a//b",
                        "resourceMethods": {"GET": {"authorizationType": "NONE"}},
                    }
                ]
            },
            "{shop}",
            "path: a path has no empty segment ('//')",
        ),
        (
            "apigatewayv2:GetRoutes",
            {"items": [{"routeKey": "GET /{proxy+}/x", "authorizationType": "AWS_IAM"}]},
            "{orders}",
            "path: a greedy {proxy+} must be the last path segment",
        ),
        (
            "apigatewayv2:GetRoutes",
            {"items": [{"routeKey": "FETCH /x", "authorizationType": "AWS_IAM"}]},
            "{orders}",
            "method: expected one of GET, POST",
        ),
        (
            "apigateway:GetStages",
            {"item": [{"stageName": "pr od", "deploymentId": "d1"}]},
            "{shop}",
            "'pr od' is not a stage name",
        ),
        (
            "apigateway:GetStages",
            {"item": [{"stageName": MEGA, "deploymentId": "d1"}]},
            "{shop}",
            "a stage name has at most 128 characters, not 1000000",
        ),
        (  # botocore passes a map through a string field: it once crashed the grouping
            "apigateway:GetStages",
            {"item": [{"stageName": "prod", "deploymentId": {"a": 1}}]},
            "{shop}",
            "a deploymentId of type dict",
        ),
        (
            "apigatewayv2:GetStages",
            {"items": [{"stageName": "prod", "deploymentId": ["d1"]}]},
            "{orders}",
            "a deploymentId of type list",
        ),
        (
            "apigateway:GetStages",
            {
                "item": [
                    {
                        "stageName": "prod",
                        "deploymentId": "d1",
                        "canarySettings": {"deploymentId": 5},
                    }
                ]
            },
            "{shop}",
            "a deploymentId of type int",
        ),
    ],
)
def test_a_refused_value_is_a_failed_read_of_its_operation(
    aws: Aws, seeded: Seeded, operation: str, answer: dict[str, object], resource: str, problem: str
) -> None:
    names = {
        "pool": seeded.user_pool_id,
        "identity_pool": seeded.identity_pool_id,
        "shop": seeded.api_ids[REST],
        "orders": seeded.api_ids[HTTP],
    }
    aws.emulator.inject_answer(operation, answer)
    snap = _collect(aws, seeded)
    service, name = operation.split(":")
    assert [(e.service, e.operation, e.resource) for e in snap.errors] == [
        (service, name, resource.format(**names))
    ]
    (error,) = snap.errors
    assert error.message.startswith("unexpected response: ValueError(")
    assert problem in error.message
    assert "\n" not in error.message and len(error.message) < 400
    # What was read is still there, and the snapshot reads back as it was written.
    assert snap.user_pool is not None and snap.identity_pool is not None and snap.apis
    assert Snapshot.from_json(snap.to_json()) == snap
    # Audited, what the refusal hid is never read as absent: the run is incomplete (exit 3)
    # and no rule that needs the refused service speaks of what it could not see.
    report = audit(snap, Baseline.model_validate(odd_app().baseline(seeded)))
    assert report.status == "incomplete"
    assert exit_code(report, Severity.INFO) == EXIT_INCOMPLETE
    blind = {r.id for r in rules_for(CHECKS) if service in r.requires}
    assert blind and not [f.rule_id for f in report.findings if f.rule_id in blind]
