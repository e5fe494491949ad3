"""The emulator's AssumeRole is AWS's: the role must exist in its account and trust the caller
(auditor/emulator/sts.py); denied as AWS denies it."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from auditor.emulator import EmulatorServer
from tests.support.accounts import account_session, client, create_auditor_role

DEFAULT = "123456789012"  # moto's account for plain keys
MEMBER = "222222222222"
OTHER = "333333333333"
DEFAULT_CALLER = f"arn:aws:sts::{DEFAULT}:user/moto"


@pytest.fixture
def emu(emulator: EmulatorServer) -> EmulatorServer:
    emulator.reset()
    return emulator


def sts(emulator: EmulatorServer, account: str | None = None) -> Any:
    if account is None:
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        return session.client("sts", endpoint_url=emulator.url)
    return client(account_session(emulator, account), emulator, "sts")


def make_role(
    emulator: EmulatorServer, account: str, trust: dict[str, Any], name: str = "r"
) -> str:
    iam = client(account_session(emulator, account), emulator, "iam")
    return str(
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    )


def allow(
    principal: Any = None, condition: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Principal": principal
        if principal is not None
        else {"AWS": f"arn:aws:iam::{DEFAULT}:root"},
        "Action": "sts:AssumeRole",
        **extra,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def assume(
    emulator: EmulatorServer, role_arn: str, caller: Any = None, **kwargs: Any
) -> dict[str, Any]:
    return dict(
        (caller or sts(emulator)).assume_role(RoleArn=role_arn, RoleSessionName="auditor", **kwargs)
    )


def denied(
    emulator: EmulatorServer, role_arn: str, caller_arn: str = DEFAULT_CALLER, **kwargs: Any
) -> None:
    with pytest.raises(ClientError) as raised:
        assume(emulator, role_arn, **kwargs)
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["Error"]["Code"] == "AccessDenied"
    assert response["Error"].get("Type") == "Sender"
    assert response["Error"]["Message"] == (
        f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    )


def unchecked_sts(emulator: EmulatorServer) -> Any:
    """botocore checks lengths and bounds itself: the server's check is what a client without
    it meets."""
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    config = Config(parameter_validation=False)
    return session.client("sts", endpoint_url=emulator.url, config=config)


def test_a_role_that_does_not_exist_cannot_be_assumed(emu: EmulatorServer) -> None:
    denied(emu, f"arn:aws:iam::{MEMBER}:role/nobody")
    make_role(emu, OTHER, policy(allow()), name="elsewhere")  # same name, another account
    denied(emu, f"arn:aws:iam::{MEMBER}:role/elsewhere")


def test_a_trusted_caller_gets_credentials_that_act_in_the_roles_account(
    emu: EmulatorServer,
) -> None:
    role_arn = make_role(emu, MEMBER, policy(allow()))
    credentials = assume(emu, role_arn)["Credentials"]
    member = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )
    identity = member.client("sts", endpoint_url=emu.url).get_caller_identity()
    assert identity["Account"] == MEMBER
    assert identity["Arn"] == f"arn:aws:sts::{MEMBER}:assumed-role/r/auditor"
    # What the role session creates is in the member account, not the caller's.
    member.client("cognito-idp", endpoint_url=emu.url).create_user_pool(PoolName="member-pool")
    in_member = client(account_session(emu, MEMBER), emu, "cognito-idp").list_user_pools(
        MaxResults=10
    )
    in_default = sts_session_client(emu, "cognito-idp").list_user_pools(MaxResults=10)
    assert [p["Name"] for p in in_member["UserPools"]] == ["member-pool"]
    assert in_default["UserPools"] == []


def sts_session_client(emulator: EmulatorServer, name: str) -> Any:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return session.client(name, endpoint_url=emulator.url)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": f"arn:aws:iam::{DEFAULT}:root"},
        {"AWS": DEFAULT},
        {"AWS": [OTHER, DEFAULT_CALLER]},
        "*",
        {"AWS": "*"},
    ],
)
def test_principals_that_name_the_caller(emu: EmulatorServer, principal: Any) -> None:
    assert "Credentials" in assume(emu, make_role(emu, MEMBER, policy(allow(principal))))


@pytest.mark.parametrize(
    "principal",
    [{"AWS": f"arn:aws:iam::{OTHER}:root"}, {"AWS": OTHER}, {"Service": "lambda.amazonaws.com"}],
)
def test_principals_that_do_not(emu: EmulatorServer, principal: Any) -> None:
    denied(emu, make_role(emu, MEMBER, policy(allow(principal))))


def test_the_header_account_is_the_caller(emu: EmulatorServer) -> None:
    role_arn = make_role(emu, MEMBER, policy(allow({"AWS": OTHER})))
    assert "Credentials" in assume(emu, role_arn, caller=sts(emu, OTHER))
    denied(emu, role_arn)


def test_external_id_required_and_passed(emu: EmulatorServer) -> None:
    role_arn = create_auditor_role(
        account_session(emu, MEMBER), DEFAULT, external_id="ext-123", endpoint_url=emu.url
    )
    denied(emu, role_arn)
    denied(emu, role_arn, ExternalId="ext-124")
    assert "Credentials" in assume(emu, role_arn, ExternalId="ext-123")


@pytest.mark.parametrize(
    ("condition", "external_id", "granted"),
    [
        ({"StringLike": {"sts:externalid": "ext-*"}}, "ext-9", True),
        ({"StringLike": {"sts:ExternalId": "ext-?"}}, "ext-10", False),
        ({"StringEqualsIfExists": {"sts:ExternalId": "x1"}}, None, True),
        ({"StringEqualsIfExists": {"sts:ExternalId": "x1"}}, "x2", False),
        ({"StringEquals": {"sts:ExternalId": ["a1", "b2"]}}, "b2", True),
        ({"StringEquals": {"aws:PrincipalAccount": DEFAULT}}, None, True),
        ({"StringEquals": {"aws:PrincipalAccount": OTHER}}, None, False),
        ({"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}, None, False),  # unsupported
        ({"NumericLessThan": {"sts:ExternalId": "5"}}, "12", False),  # unsupported operator
        ({"ForAnyValue:StringEquals": {"sts:ExternalId": "x1"}}, "x1", False),
    ],
)
def test_conditions(
    emu: EmulatorServer, condition: dict[str, Any], external_id: str | None, granted: bool
) -> None:
    role_arn = make_role(emu, MEMBER, policy(allow(condition=condition)))
    kwargs = {"ExternalId": external_id} if external_id else {}
    if granted:
        assert "Credentials" in assume(emu, role_arn, **kwargs)
    else:
        denied(emu, role_arn, **kwargs)


def test_a_matching_deny_wins_and_an_unknown_deny_denies(emu: EmulatorServer) -> None:
    deny = {
        **allow(),
        "Effect": "Deny",
        "Condition": {"StringNotEquals": {"sts:ExternalId": "ok-1"}},
    }
    role_arn = make_role(emu, MEMBER, policy(allow(), deny))
    denied(emu, role_arn)
    assert "Credentials" in assume(emu, role_arn, ExternalId="ok-1")
    unknown = {**allow(), "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    denied(emu, make_role(emu, MEMBER, policy(allow(), unknown), name="r2"))


def test_actions_match_with_wildcards_and_not_action(emu: EmulatorServer) -> None:
    assert "Credentials" in assume(
        emu, make_role(emu, MEMBER, policy({**allow(), "Action": "sts:Assume*"}))
    )
    denied(emu, make_role(emu, MEMBER, policy({**allow(), "Action": "sts:TagSession"}), name="r2"))
    not_action = {k: v for k, v in allow().items() if k != "Action"} | {
        "NotAction": "sts:TagSession"
    }
    assert "Credentials" in assume(emu, make_role(emu, MEMBER, policy(not_action), name="r3"))


def test_a_role_session_is_named_by_its_role(emu: EmulatorServer) -> None:
    hub = make_role(emu, OTHER, policy(allow()), name="hub")
    spoke = make_role(emu, MEMBER, policy(allow({"AWS": hub})), name="spoke")
    credentials = assume(emu, hub)["Credentials"]
    hub_sts = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    ).client("sts", endpoint_url=emu.url)
    assert "Credentials" in assume(emu, spoke, caller=hub_sts)
    denied(emu, spoke)  # the hub's account, not the hub role, is the default caller


@pytest.mark.parametrize(
    ("kwargs", "field", "constraint"),
    [
        ({"RoleSessionName": "a"}, "roleSessionName", "length greater than or equal to 2"),
        ({"RoleSessionName": "a" * 65}, "roleSessionName", "length less than or equal to 64"),
        ({"RoleSessionName": "two words"}, "roleSessionName", "regular expression pattern"),
        ({"ExternalId": "x"}, "externalId", "length greater than or equal to 2"),
        ({"ExternalId": "x" * 1225}, "externalId", "length less than or equal to 1224"),
        ({"ExternalId": "ext id"}, "externalId", "regular expression pattern"),
    ],
)
def test_malformed_names_are_refused(
    emu: EmulatorServer, kwargs: dict[str, str], field: str, constraint: str
) -> None:
    role_arn = make_role(emu, MEMBER, policy(allow()))
    arguments: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "auditor", **kwargs}
    unchecked = unchecked_sts(emu)
    with pytest.raises(ClientError) as raised:
        unchecked.assume_role(**arguments)
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert f"at '{field}'" in error["Message"] and constraint in error["Message"]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (899, "at 'durationSeconds' failed to satisfy constraint: Member must have value greater"),
        (43201, "at 'durationSeconds' failed to satisfy constraint: Member must have value less"),
        (3601, "exceeds the MaxSessionDuration set for this role"),
    ],
)
def test_the_duration_is_bounded(emu: EmulatorServer, seconds: int, words: str) -> None:
    role_arn = make_role(emu, MEMBER, policy(allow()))
    with pytest.raises(ClientError) as raised:
        assume(emu, role_arn, caller=unchecked_sts(emu), DurationSeconds=seconds)
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert words in raised.value.response["Error"]["Message"]
    assert "Credentials" in assume(emu, role_arn, DurationSeconds=900)
