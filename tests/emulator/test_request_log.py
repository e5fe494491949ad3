"""The request log: S3 operations named as IAM names them, the User-Agent of each call, and a
log of the auditor's own calls that outlives resets; the read-only check over that log."""

from __future__ import annotations

import pytest
from botocore.config import Config

from auditor.collect import AwsOptions
from auditor.collect.session import AwsClients
from auditor.emulator.read_only import (
    TOOL_USER_AGENT,
    is_allowed,
    mutating_calls,
    violation_report,
)
from tests.support.aws import Aws


def test_s3_operations_are_named_by_method_path_query_and_headers(aws: Aws) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="state-bucket")
    s3.put_object(Bucket="state-bucket", Key="a/state.json", Body=b"{}")
    s3.copy_object(Bucket="state-bucket", Key="a/copy.json", CopySource="state-bucket/a/state.json")
    s3.put_object_tagging(
        Bucket="state-bucket", Key="a/state.json", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
    )
    s3.get_object(Bucket="state-bucket", Key="a/state.json")
    s3.delete_object(Bucket="state-bucket", Key="a/copy.json")
    assert [call.operation for call in aws.emulator.calls()] == [
        "s3:CreateBucket",
        "s3:PutObject",
        "s3:CopyObject",
        "s3:PutObjectTagging",
        "s3:GetObject",
        "s3:DeleteObject",
    ]


def test_calls_carry_their_user_agent_and_the_tools_outlive_a_reset(aws: Aws) -> None:
    before = aws.emulator.tool_operations()
    aws.client("iam").list_roles()  # a test's own client
    AwsClients(AwsOptions(endpoint_url=aws.url)).client("sts").get_caller_identity()
    calls = aws.emulator.calls()
    assert [(c.operation, c.by_tool) for c in calls] == [
        ("iam:ListRoles", False),
        ("sts:GetCallerIdentity", True),
    ]
    assert TOOL_USER_AGENT in calls[1].user_agent
    aws.emulator.reset()
    assert aws.emulator.calls() == []
    gained = aws.emulator.tool_operations() - before
    assert gained == {"sts:GetCallerIdentity": 1}


def test_a_client_with_another_user_agent_is_not_the_tool(aws: Aws) -> None:
    before = aws.emulator.tool_operations()
    config = Config(user_agent_extra="someone-else")
    aws.session.client("sts", endpoint_url=aws.url, config=config).get_caller_identity()
    assert aws.emulator.tool_operations() == before


@pytest.mark.parametrize(
    "operation",
    [
        "cognito-idp:DescribeUserPool",
        "cognito-idp:ListGroups",
        "iam:GetAccountAuthorizationDetails",
        "apigateway:GetResources",
        "apigatewayv2:ExportApi",
        "sts:GetCallerIdentity",
        "sts:AssumeRole",
        "organizations:ListAccountsForParent",
        "organizations:DescribeOrganization",
        "secretsmanager:GetSecretValue",
        "s3:GetObject",
        "s3:PutObject",
    ],
)
def test_reads_are_allowed(operation: str) -> None:
    assert is_allowed(operation)


@pytest.mark.parametrize(
    "operation",
    [
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "cognito-idp:UpdateUserPool",
        "cognito-identity:SetIdentityPoolRoles",
        "cognito-identity:GetId",  # named like a read, creates an identity
        "apigateway:UpdateStage",
        "apigatewayv2:DeleteRoute",
        "apigateway:ImportRestApi",
        "s3:DeleteObject",
        "s3:CreateBucket",
        "sts:AssumeRoleWithWebIdentity",
        "ec2:DescribeInstances",  # a service the auditor has no business reading
        "s3:GET /bucket",  # a request the emulator could not name
    ],
)
def test_anything_else_is_a_violation(operation: str) -> None:
    assert not is_allowed(operation)


def test_the_check_names_each_mutating_call_of_a_crafted_log() -> None:
    log = {
        "sts:GetCallerIdentity": 3,
        "iam:ListRoles": 2,
        "iam:DeleteRolePolicy": 1,
        "apigateway:CreateDeployment": 2,
    }
    assert mutating_calls(log) == ["apigateway:CreateDeployment", "iam:DeleteRolePolicy"]
    report = violation_report(log)
    assert report is not None
    assert report.splitlines()[1:] == [
        "  apigateway:CreateDeployment x2",
        "  iam:DeleteRolePolicy x1",
    ]
    assert violation_report({"sts:GetCallerIdentity": 3}) is None
