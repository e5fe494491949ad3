"""The moto extensions, called through boto3 over HTTP like any AWS client would."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import Aws
from tests.support.environment import PUBLIC_POLICY

ROLE = "arn:aws:iam::123456789012:role/app-default"
GROUP_ROLE = "arn:aws:iam::123456789012:role/app-admin"


def _pool(aws: Aws, **extra: bool) -> str:
    created = aws.client("cognito-identity").create_identity_pool(
        IdentityPoolName="ids", AllowUnauthenticatedIdentities=False, **extra
    )
    return str(created["IdentityPoolId"])


def test_identity_pool_roles_round_trip_token_and_rules(aws: Aws) -> None:
    identity = aws.client("cognito-identity")
    pool_id = _pool(aws)
    mappings = {
        "cognito-idp.us-east-1.amazonaws.com/us-east-1_A:client1": {
            "Type": "Token",
            "AmbiguousRoleResolution": "Deny",
        },
        "cognito-idp.us-east-1.amazonaws.com/us-east-1_A:client2": {
            "Type": "Rules",
            "AmbiguousRoleResolution": "AuthenticatedRole",
            "RulesConfiguration": {
                "Rules": [
                    {
                        "Claim": "cognito:groups",
                        "MatchType": "Contains",
                        "Value": "admin",
                        "RoleARN": GROUP_ROLE,
                    },
                    {"Claim": "email", "MatchType": "NotEqual", "Value": "x", "RoleARN": ROLE},
                ]
            },
        },
    }
    identity.set_identity_pool_roles(
        IdentityPoolId=pool_id, Roles={"authenticated": ROLE}, RoleMappings=mappings
    )
    got = identity.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert got["IdentityPoolId"] == pool_id
    assert got["Roles"] == {"authenticated": ROLE}
    assert got["RoleMappings"] == mappings

    # A second call replaces both maps, as on AWS.
    identity.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"unauthenticated": ROLE})
    got = identity.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert got["Roles"] == {"unauthenticated": ROLE}
    assert "RoleMappings" not in got


def test_new_pool_has_no_roles(aws: Aws) -> None:
    got = aws.client("cognito-identity").get_identity_pool_roles(IdentityPoolId=_pool(aws))
    assert got["Roles"] == {}
    assert "RoleMappings" not in got


@pytest.mark.parametrize(
    ("roles", "mapping", "fragment"),
    [
        ({"admin": ROLE}, None, "role type"),
        ({}, {"Type": "Claims", "AmbiguousRoleResolution": "Deny"}, "Token or Rules"),
        ({}, {"Type": "Token"}, "AmbiguousRoleResolution"),
        ({}, {"Type": "Rules", "AmbiguousRoleResolution": "Deny"}, "RulesConfiguration"),
        (
            {},
            {
                "Type": "Rules",
                "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {
                    "Rules": [{"Claim": "c", "MatchType": "Like", "Value": "v", "RoleARN": ROLE}]
                },
            },
            "MatchType",
        ),
    ],
)
def test_set_identity_pool_roles_rejects_invalid_input(
    aws: Aws, roles: dict[str, str], mapping: dict[str, object] | None, fragment: str
) -> None:
    identity = aws.client("cognito-identity")
    pool_id = _pool(aws)
    args: dict[str, object] = {"IdentityPoolId": pool_id, "Roles": roles}
    if mapping is not None:
        args["RoleMappings"] = {"cognito-idp.us-east-1.amazonaws.com/us-east-1_A:c": mapping}
    with pytest.raises(ClientError) as caught:
        identity.set_identity_pool_roles(**args)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    assert fragment in caught.value.response["Error"]["Message"]
    assert identity.get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"] == {}


def test_too_many_role_mappings_rejected(aws: Aws) -> None:
    mappings = {
        f"cognito-idp.us-east-1.amazonaws.com/us-east-1_A:c{i}": {
            "Type": "Token",
            "AmbiguousRoleResolution": "Deny",
        }
        for i in range(11)
    }
    with pytest.raises(ClientError) as caught:
        aws.client("cognito-identity").set_identity_pool_roles(
            IdentityPoolId=_pool(aws), Roles={}, RoleMappings=mappings
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"


def test_roles_of_unknown_pool_not_found(aws: Aws) -> None:
    missing = "us-east-1:00000000-0000-0000-0000-000000000000"
    with pytest.raises(ClientError) as caught:
        aws.client("cognito-identity").get_identity_pool_roles(IdentityPoolId=missing)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_allow_classic_flow_create_describe_update(aws: Aws) -> None:
    identity = aws.client("cognito-identity")
    pool_id = _pool(aws, AllowClassicFlow=True)
    assert identity.describe_identity_pool(IdentityPoolId=pool_id)["AllowClassicFlow"] is True
    identity.update_identity_pool(
        IdentityPoolId=pool_id,
        IdentityPoolName="ids",
        AllowUnauthenticatedIdentities=False,
        AllowClassicFlow=False,
    )
    assert identity.describe_identity_pool(IdentityPoolId=pool_id)["AllowClassicFlow"] is False
    plain = _pool(aws)  # created without the flag: AWS's default is off
    assert identity.describe_identity_pool(IdentityPoolId=plain)["AllowClassicFlow"] is False


def test_gaad_pages_with_marker_and_names_policies(aws: Aws) -> None:
    iam = aws.client("iam")
    policy_arn = iam.create_policy(
        PolicyName="shared",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            }
        ),
    )["Policy"]["Arn"]
    for i in range(5):
        iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument="{}")
    seen_roles: list[str] = []
    policies = []
    marker = None
    calls = 0
    while True:
        args = {"Filter": ["Role", "LocalManagedPolicy"], "MaxItems": 2}
        page = iam.get_account_authorization_details(
            **args, **({"Marker": marker} if marker else {})
        )
        calls += 1
        assert len(page["RoleDetailList"]) + len(page["Policies"]) <= 2
        seen_roles += [r["RoleName"] for r in page["RoleDetailList"]]
        policies += page["Policies"]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert calls == 3  # 6 entries, 2 a page
    assert sorted(seen_roles) == [f"r{i}" for i in range(5)]
    assert [p["Arn"] for p in policies] == [policy_arn]
    assert policies[0]["PolicyName"] == "shared"
    assert policies[0]["PolicyId"]
    assert policies[0]["PolicyVersionList"][0]["Document"]["Statement"]["Action"] == "s3:*"


def test_gaad_paginator_reads_everything(aws: Aws) -> None:
    iam = aws.client("iam")
    for i in range(7):
        iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument="{}")
    aws.emulator.clear_operations()
    pages = list(
        iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["Role"], PaginationConfig={"PageSize": 3}
        )
    )
    assert sum(len(p["RoleDetailList"]) for p in pages) == 7
    assert aws.emulator.operations()["iam:GetAccountAuthorizationDetails"] == 3


def _rest_api_with_resources(aws: Aws, count: int) -> str:
    api = aws.client("apigateway")
    api_id = api.create_rest_api(name="paged")["id"]
    root = api.get_resources(restApiId=api_id)["items"][0]["id"]
    for i in range(count):
        resource = api.create_resource(restApiId=api_id, parentId=root, pathPart=f"r{i}")
        api.put_method(
            restApiId=api_id,
            resourceId=resource["id"],
            httpMethod="GET",
            authorizationType="AWS_IAM",
        )
    return str(api_id)


def test_get_resources_pages_with_limit_and_position(aws: Aws) -> None:
    api_id = _rest_api_with_resources(aws, 6)
    api = aws.client("apigateway")
    first = api.get_resources(restApiId=api_id, limit=4, embed=["methods"])
    assert len(first["items"]) == 4
    rest = api.get_resources(
        restApiId=api_id, limit=4, position=first["position"], embed=["methods"]
    )
    assert "position" not in rest
    paths = [r["path"] for r in first["items"] + rest["items"]]
    assert sorted(paths) == sorted(["/"] + [f"/r{i}" for i in range(6)])
    methods = [
        r["resourceMethods"]["GET"]
        for r in first["items"] + rest["items"]
        if "resourceMethods" in r
    ]
    assert len(methods) == 6
    assert all(m["authorizationType"] == "AWS_IAM" for m in methods)


def test_get_resources_without_embed_names_methods_only(aws: Aws) -> None:
    api_id = _rest_api_with_resources(aws, 2)
    items = aws.client("apigateway").get_resources(restApiId=api_id)["items"]
    assert [r["resourceMethods"] for r in items if "resourceMethods" in r] == [{"GET": {}}] * 2


def test_rest_api_policy_is_escaped_like_aws(aws: Aws) -> None:
    document = PUBLIC_POLICY
    api = aws.client("apigateway")
    api_id = api.create_rest_api(name="p", policy=json.dumps(document))["id"]
    text = api.get_rest_api(restApiId=api_id)["policy"]
    assert '\\"Version\\"' in text and "\\/" in text
    assert json.loads(json.loads(f'"{text}"')) == document


def test_request_log_names_operations_by_protocol(aws: Aws) -> None:
    aws.emulator.clear_operations()
    aws.client("iam").list_roles()
    aws.client("sts").get_caller_identity()
    aws.client("cognito-idp").list_user_pools(MaxResults=10)
    aws.client("apigateway").get_rest_apis()
    aws.client("apigatewayv2").get_apis()
    api_id = aws.client("apigatewayv2").create_api(Name="h", ProtocolType="HTTP")["ApiId"]
    aws.client("apigatewayv2").get_routes(ApiId=api_id)
    assert aws.emulator.operations() == {
        "iam:ListRoles": 1,
        "sts:GetCallerIdentity": 1,
        "cognito-idp:ListUserPools": 1,
        "apigateway:GetRestApis": 1,
        "apigatewayv2:GetApis": 1,
        "apigatewayv2:CreateApi": 1,
        "apigatewayv2:GetRoutes": 1,
    }


def test_injected_failure_is_parsed_by_botocore_and_expires(aws: Aws) -> None:
    iam = aws.client("iam")
    aws.emulator.inject_failure("iam:ListRoles", code="AccessDenied", times=1)
    with pytest.raises(ClientError) as caught:
        iam.list_roles()
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert iam.list_roles()["Roles"] == []

    aws.emulator.inject_failure(
        "cognito-idp:ListUserPools", status=400, code="TooManyRequestsException"
    )
    with pytest.raises(ClientError) as caught:
        aws.client("cognito-idp").list_user_pools(MaxResults=10)
    assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"


def test_reset_forgets_resources_log_and_failures(aws: Aws) -> None:
    aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    aws.emulator.inject_failure("iam:ListRoles")
    aws.emulator.reset()
    assert aws.emulator.operations() == {}
    assert aws.client("iam").list_roles()["Roles"] == []
