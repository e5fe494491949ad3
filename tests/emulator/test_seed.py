"""What `seed` creates for the parts of a spec that describe deployments and app clients."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auditor.emulator.seed import (
    ClientSpec,
    CustomAttributeSpec,
    EnvironmentSpec,
    HttpApiSpec,
    IdentityPoolSpec,
    RestApiSpec,
    RoleMappingSpec,
    RoleSpec,
    UserPoolSpec,
    seed,
)
from tests.support.aws import Aws


def _rest_methods(client: Any, api_id: str) -> dict[str, str]:
    resources = client.get_resources(restApiId=api_id, embed=["methods"])["items"]
    return {
        f"{verb} {r['path']}": m["authorizationType"]
        for r in resources
        for verb, m in r.get("resourceMethods", {}).items()
    }


def test_rest_changes_after_deploy_reach_the_definition_only(aws: Aws) -> None:
    spec = EnvironmentSpec(
        user_pool=None,
        identity_pool=None,
        rest_apis=[
            RestApiSpec(
                "shop",
                routes={"GET /items": "NONE", "GET /me": "AWS_IAM"},
                stages=["prod", "dev"],
                changed_after_deploy={"GET /items": "AWS_IAM", "DELETE /items": "NONE"},
            )
        ],
    )
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    client, api_id = aws.client("apigateway"), seeded.api_ids["shop"]
    assert _rest_methods(client, api_id) == {
        "GET /items": "AWS_IAM",
        "DELETE /items": "NONE",
        "GET /me": "AWS_IAM",
    }
    for stage in client.get_stages(restApiId=api_id)["item"]:
        summary = client.get_deployment(
            restApiId=api_id, deploymentId=stage["deploymentId"], embed=["apisummary"]
        )["apiSummary"]
        assert {
            p: {v: m["authorizationType"] for v, m in ms.items()} for p, ms in summary.items()
        } == {
            "/items": {"GET": "NONE"},
            "/me": {"GET": "AWS_IAM"},
        }


def _export(client: Any, api_id: str, **stage: str) -> Any:
    body = client.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", **stage)
    return json.loads(body["body"].read())


@pytest.mark.parametrize("auto_deploy", [True, False])
def test_http_stages_auto_deploy_or_share_one_deployment(aws: Aws, auto_deploy: bool) -> None:
    spec = EnvironmentSpec(
        identity_pool=None,
        http_apis=[
            HttpApiSpec(
                "orders",
                routes={"GET /orders": "NONE", "POST /orders": "JWT"},
                stages=["$default", "beta"],
                auto_deploy=auto_deploy,
                changed_after_deploy={"GET /orders": "AWS_IAM", "GET /status": "NONE"},
            )
        ],
    )
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    client, api_id = aws.client("apigatewayv2"), seeded.api_ids["orders"]
    routes = {
        r["RouteKey"]: r["AuthorizationType"] for r in client.get_routes(ApiId=api_id)["Items"]
    }
    assert routes == {"GET /orders": "AWS_IAM", "POST /orders": "JWT", "GET /status": "NONE"}
    stages = client.get_stages(ApiId=api_id)["Items"]
    assert [s.get("AutoDeploy", False) for s in stages] == [auto_deploy] * 2
    deployments = {s["DeploymentId"] for s in stages}
    made = {
        d["DeploymentId"]: d["AutoDeployed"] for d in client.get_deployments(ApiId=api_id)["Items"]
    }
    if auto_deploy:  # each stage on its own automatic deployment of the latest routes
        assert len(deployments) == 2 and all(made[d] for d in deployments)
    else:
        assert deployments == set(made) and not any(made.values())
    served = _export(client, api_id, StageName="beta")
    get_orders = served["paths"]["/orders"]["get"]
    assert ("security" in get_orders) is auto_deploy
    assert ("/status" in served["paths"]) is auto_deploy


def test_user_pool_clients_attributes_and_sign_up(aws: Aws) -> None:
    spec = EnvironmentSpec(
        user_pool=UserPoolSpec(
            clients=[
                ClientSpec("web", write_attributes=["email", "custom:tier"]),
                ClientSpec("server", secret=True),
            ],
            custom_attributes=[
                CustomAttributeSpec("tier"),
                CustomAttributeSpec("org", mutable=False),
            ],
            self_sign_up=False,
        ),
        identity_pool=None,
    )
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    idp = aws.client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=seeded.user_pool_id)["UserPool"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    custom = {
        a["Name"]: a["Mutable"] for a in pool["SchemaAttributes"] if a["Name"].startswith("custom:")
    }
    assert custom == {"custom:tier": True, "custom:org": False}
    web, server = (
        idp.describe_user_pool_client(
            UserPoolId=seeded.user_pool_id, ClientId=seeded.client_ids[name]
        )["UserPoolClient"]
        for name in ("web", "server")
    )
    assert web["WriteAttributes"] == ["email", "custom:tier"] and "ClientSecret" not in web
    assert "WriteAttributes" not in server and server["ClientSecret"]


def test_a_default_user_pool_leaves_aws_defaults_alone(aws: Aws) -> None:
    seeded = seed(EnvironmentSpec(identity_pool=None), aws.session, endpoint_url=aws.url)
    idp = aws.client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=seeded.user_pool_id)["UserPool"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert not any(a["Name"].startswith("custom:") for a in pool["SchemaAttributes"])
    (web,) = seeded.client_ids.values()
    client = idp.describe_user_pool_client(UserPoolId=seeded.user_pool_id, ClientId=web)
    assert "WriteAttributes" not in client["UserPoolClient"]


def _pool_spec(*mappings: RoleMappingSpec) -> EnvironmentSpec:
    return EnvironmentSpec(
        roles=[RoleSpec("app-default")],
        user_pool=UserPoolSpec(clients=[ClientSpec("web"), ClientSpec("mobile")]),
        identity_pool=IdentityPoolSpec(authenticated_role="app-default", mappings=list(mappings)),
    )


def test_role_mappings_per_app_client(aws: Aws) -> None:
    spec = _pool_spec(
        RoleMappingSpec(type="Token"),
        RoleMappingSpec(type="Token", ambiguous_role_resolution="Deny", client="mobile"),
    )
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    roles = aws.client("cognito-identity").get_identity_pool_roles(
        IdentityPoolId=seeded.identity_pool_id
    )
    assert {key: m["AmbiguousRoleResolution"] for key, m in roles["RoleMappings"].items()} == {
        seeded.provider_name("web"): "AuthenticatedRole",
        seeded.provider_name("mobile"): "Deny",
    }


def test_two_mappings_of_one_client_are_a_spec_error(aws: Aws) -> None:
    spec = _pool_spec(RoleMappingSpec(), RoleMappingSpec(client="web"))
    with pytest.raises(ValueError, match="twice"):
        seed(spec, aws.session, endpoint_url=aws.url)
