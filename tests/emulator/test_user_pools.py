"""User pool schemas and app clients in the emulator, as cognito-idp describes them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import Aws

SCHEMA = [
    {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
    {"Name": "org", "AttributeDataType": "String", "Mutable": False},
    {"Name": "flags", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
]


def _pool(aws: Aws, **extra: Any) -> tuple[Any, str]:
    idp = aws.client("cognito-idp")
    return idp, str(idp.create_user_pool(PoolName="users", **extra)["UserPool"]["Id"])


def test_schema_lists_standard_and_custom_attributes(aws: Aws) -> None:
    idp, pool_id = _pool(aws, Schema=SCHEMA)
    attributes = {
        a["Name"]: (a["Mutable"], a["DeveloperOnlyAttribute"])
        for a in idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    }
    assert attributes["custom:tier"] == (True, False)
    assert attributes["custom:org"] == (False, False)
    assert attributes["dev:custom:flags"] == (True, True)
    # The standard attributes stay, as AWS always lists them (moto dropped them).
    assert attributes["email"] == (True, False) and "sub" in attributes


@pytest.mark.parametrize(("only_admins", "expected"), [(None, False), (True, True)])
def test_self_sign_up_setting(aws: Aws, only_admins: bool | None, expected: bool) -> None:
    extra = (
        {}
        if only_admins is None
        else {"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": only_admins}}
    )
    idp, pool_id = _pool(aws, **extra)
    config = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["AdminCreateUserConfig"]
    assert config["AllowAdminCreateUserOnly"] is expected


def test_write_attributes_absent_until_set_and_reset_by_an_update_without_them(aws: Aws) -> None:
    idp, pool_id = _pool(aws, Schema=SCHEMA)
    unset = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]
    assert "WriteAttributes" not in unset
    client_id = unset["ClientId"]
    idp.update_user_pool_client(
        UserPoolId=pool_id, ClientId=client_id, WriteAttributes=["email", "custom:tier"]
    )
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert described["UserPoolClient"]["WriteAttributes"] == ["email", "custom:tier"]
    # UpdateUserPoolClient sets what it is not given back to its default: unset.
    idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, ClientName="web")
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert "WriteAttributes" not in described["UserPoolClient"]
    assert described["UserPoolClient"]["ClientName"] == "web"


@pytest.mark.parametrize("operation", ["create", "update"])
def test_write_attributes_outside_the_schema_are_refused(aws: Aws, operation: str) -> None:
    idp, pool_id = _pool(aws, Schema=SCHEMA)
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"][
        "ClientId"
    ]
    with pytest.raises(ClientError) as caught:
        if operation == "create":
            idp.create_user_pool_client(
                UserPoolId=pool_id, ClientName="x", WriteAttributes=["custom:nope"]
            )
        else:
            idp.update_user_pool_client(
                UserPoolId=pool_id, ClientId=client_id, WriteAttributes=["custom:nope"]
            )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "Invalid write attributes" in caught.value.response["Error"]["Message"]


def test_the_client_list_carries_no_secret(aws: Aws) -> None:
    idp, pool_id = _pool(aws)
    created = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="server", GenerateSecret=True
    )["UserPoolClient"]
    assert created["ClientSecret"]
    (listed,) = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    assert listed == {
        "ClientId": created["ClientId"],
        "UserPoolId": pool_id,
        "ClientName": "server",
    }
