"""HTTP API deployments, stages and ExportApi in the emulator, through boto3 as AWS is called."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from tests.support.aws import Aws

LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:authz/invocations"
)
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf012"
SIGV4 = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}


class HttpApi:
    """An HTTP API with a route of every authorization type and the two authorizers."""

    def __init__(self, aws: Aws) -> None:
        self.client: Any = aws.client("apigatewayv2")
        self.id = self.client.create_api(Name="orders", ProtocolType="HTTP")["ApiId"]
        self.jwt = self.client.create_authorizer(
            ApiId=self.id,
            Name="cognito-jwt",
            AuthorizerType="JWT",
            IdentitySource=["$request.header.Authorization"],
            JwtConfiguration={"Audience": ["client1"], "Issuer": ISSUER},
        )["AuthorizerId"]
        self.lambda_ = self.client.create_authorizer(
            ApiId=self.id,
            Name="lambda",
            AuthorizerType="REQUEST",
            AuthorizerUri=LAMBDA_URI,
            IdentitySource=["$request.header.X-Token"],
            AuthorizerPayloadFormatVersion="2.0",
        )["AuthorizerId"]
        self.route("GET /orders", "NONE")
        self.route("GET /orders/{id}", "JWT", AuthorizerId=self.jwt, AuthorizationScopes=["read"])
        self.route("POST /orders", "CUSTOM", AuthorizerId=self.lambda_)
        self.route("ANY /files/{proxy+}", "AWS_IAM")
        self.route("$default", "AWS_IAM")

    def route(self, key: str, authorization: str, **more: Any) -> str:
        return str(
            self.client.create_route(
                ApiId=self.id, RouteKey=key, AuthorizationType=authorization, **more
            )["RouteId"]
        )

    def route_id(self, key: str) -> str:
        routes = self.client.get_routes(ApiId=self.id)["Items"]
        return str(next(r["RouteId"] for r in routes if r["RouteKey"] == key))

    def export(self, **args: Any) -> Any:
        body = self.client.export_api(
            ApiId=self.id, Specification="OAS30", OutputType="JSON", **args
        )["body"]
        return json.loads(body.read())

    def stage(self, name: str) -> Any:
        return self.client.get_stage(ApiId=self.id, StageName=name)


def _operation(document: Any, path: str, key: str) -> Any:
    return document["paths"][path][key]


def test_export_encodes_each_authorization_as_aws_does(aws: Aws) -> None:
    api = HttpApi(aws)
    document = api.export()
    assert document["openapi"] == "3.0.1" and document["info"]["title"] == "orders"
    assert document["x-amazon-apigateway-importexport-version"] == "1.0"
    assert "security" not in _operation(document, "/orders", "get")
    assert _operation(document, "/orders/{id}", "get")["security"] == [{"cognito-jwt": ["read"]}]
    assert _operation(document, "/orders", "post")["security"] == [{"lambda": []}]
    any_method = _operation(document, "/files/{proxy+}", "x-amazon-apigateway-any-method")
    assert any_method["security"] == [{"sigv4": []}]
    default = _operation(document, "/$default", "x-amazon-apigateway-any-method")
    assert default["isDefaultRoute"] is True and default["security"] == [{"sigv4": []}]
    assert [p["name"] for p in document["paths"]["/files/{proxy+}"]["parameters"]] == ["proxy+"]
    assert document["components"]["securitySchemes"] == {
        "sigv4": SIGV4,
        "cognito-jwt": {
            "type": "oauth2",
            "flows": {},
            "x-amazon-apigateway-authorizer": {
                "identitySource": "$request.header.Authorization",
                "jwtConfiguration": {"audience": ["client1"], "issuer": ISSUER},
                "type": "jwt",
            },
        },
        "lambda": {
            "type": "apiKey",
            "name": "X-Token",
            "in": "header",
            "x-amazon-apigateway-authorizer": {
                "identitySource": "$request.header.X-Token",
                "authorizerUri": LAMBDA_URI,
                "authorizerPayloadFormatVersion": "2.0",
                "type": "request",
            },
        },
    }


def test_a_stage_without_auto_deploy_serves_its_deployment(aws: Aws) -> None:
    api = HttpApi(aws)
    api.client.create_stage(ApiId=api.id, StageName="beta")
    assert "DeploymentId" not in api.stage("beta") and not api.stage("beta").get("AutoDeploy")
    deployment = api.client.create_deployment(ApiId=api.id, StageName="beta", Description="v1")
    assert deployment["DeploymentStatus"] == "DEPLOYED"
    assert api.stage("beta")["DeploymentId"] == deployment["DeploymentId"]

    api.client.update_route(
        ApiId=api.id, RouteId=api.route_id("GET /orders"), AuthorizationType="AWS_IAM"
    )
    api.route("DELETE /orders/{id}", "NONE")
    served = api.export(StageName="beta")
    assert "security" not in _operation(served, "/orders", "get")  # as deployed
    assert "delete" not in served["paths"]["/orders/{id}"]
    assert served["servers"][0]["variables"]["basePath"]["default"] == "beta"
    latest = api.export()
    assert _operation(latest, "/orders", "get")["security"] == [{"sigv4": []}]
    assert "delete" in latest["paths"]["/orders/{id}"]

    got = api.client.get_deployment(ApiId=api.id, DeploymentId=deployment["DeploymentId"])
    assert (got["DeploymentId"], got["Description"]) == (deployment["DeploymentId"], "v1")
    listed = api.client.get_deployments(ApiId=api.id)["Items"]
    assert [d["DeploymentId"] for d in listed] == [deployment["DeploymentId"]]


AUTOMATIC = "Automatic deployment triggered by changes to the Api configuration"


def _deployed(api: HttpApi, stage: str) -> str:
    """The stage's deployment, checked to be an automatic one that it says succeeded."""
    listed = api.stage(stage)
    deployment_id = str(listed["DeploymentId"])
    message = f"Successfully deployed stage with deployment ID '{deployment_id}'"
    assert listed["LastDeploymentStatusMessage"] == message
    got = api.client.get_deployment(ApiId=api.id, DeploymentId=deployment_id)
    assert (got["AutoDeployed"], got["Description"]) == (True, AUTOMATIC)
    return deployment_id


def test_an_auto_deploy_stage_is_deployed_on_creation_and_after_every_change(aws: Aws) -> None:
    api = HttpApi(aws)
    api.client.create_stage(ApiId=api.id, StageName="$default", AutoDeploy=True)
    api.client.create_stage(ApiId=api.id, StageName="live", AutoDeploy=True)
    assert api.stage("$default")["AutoDeploy"] is True
    first = _deployed(api, "$default")
    assert _deployed(api, "live") != first  # each stage gets its own
    listed = api.client.get_stages(ApiId=api.id)["Items"]
    assert {s["StageName"]: s["DeploymentId"] for s in listed}["$default"] == first

    api.client.update_route(
        ApiId=api.id, RouteId=api.route_id("GET /orders"), AuthorizationType="AWS_IAM"
    )
    second = _deployed(api, "$default")
    assert second != first
    served = api.export(StageName="$default")
    assert _operation(served, "/orders", "get")["security"] == [{"sigv4": []}]
    assert served["servers"][0]["variables"]["basePath"]["default"] == ""
    for change in (
        lambda: api.route("DELETE /orders/{id}", "NONE"),
        lambda: api.client.delete_route(ApiId=api.id, RouteId=api.route_id("POST /orders")),
        lambda: api.client.update_authorizer(ApiId=api.id, AuthorizerId=api.jwt, Name="jwt2"),
    ):
        before = _deployed(api, "$default")
        change()
        assert _deployed(api, "$default") != before
    assert "delete" in api.export(StageName="$default")["paths"]["/orders/{id}"]
    # A stage without auto-deploy is not touched, and has no status message.
    api.client.create_stage(ApiId=api.id, StageName="manual")
    api.route("GET /later", "NONE")
    assert "DeploymentId" not in api.stage("manual")
    assert "LastDeploymentStatusMessage" not in api.stage("manual")


def test_an_automatic_deployment_of_an_api_without_routes_fails(aws: Aws) -> None:
    client = aws.client("apigatewayv2")
    api_id = client.create_api(Name="empty", ProtocolType="HTTP")["ApiId"]
    client.create_stage(ApiId=api_id, StageName="live", AutoDeploy=True)
    stage = client.get_stage(ApiId=api_id, StageName="live")
    assert "DeploymentId" not in stage
    assert stage["LastDeploymentStatusMessage"] == (
        "Deployment attempt failed: Unable to deploy API because no routes exist in this API"
    )
    assert client.get_deployments(ApiId=api_id)["Items"] == []
    route = client.create_route(ApiId=api_id, RouteKey="GET /x", AuthorizationType="NONE")
    deployed = client.get_stage(ApiId=api_id, StageName="live")["DeploymentId"]
    # Deleting the last route fails the next one: the stage keeps what it had.
    client.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    stage = client.get_stage(ApiId=api_id, StageName="live")
    assert stage["DeploymentId"] == deployed
    assert stage["LastDeploymentStatusMessage"].startswith("Deployment attempt failed")


def test_auto_deploy_switched_on_deploys_and_switched_off_keeps_the_last(aws: Aws) -> None:
    api = HttpApi(aws)
    api.client.create_stage(ApiId=api.id, StageName="beta")
    api.client.update_stage(ApiId=api.id, StageName="beta", AutoDeploy=True)
    deployed = _deployed(api, "beta")
    api.client.update_stage(ApiId=api.id, StageName="beta", AutoDeploy=False)
    api.client.update_route(
        ApiId=api.id, RouteId=api.route_id("GET /orders"), AuthorizationType="AWS_IAM"
    )
    stage = api.stage("beta")
    assert stage["DeploymentId"] == deployed and "LastDeploymentStatusMessage" not in stage
    assert "security" not in _operation(api.export(StageName="beta"), "/orders", "get")


def test_stages_point_at_deployments_and_switch_auto_deploy(aws: Aws) -> None:
    api = HttpApi(aws)
    first = api.client.create_deployment(ApiId=api.id)["DeploymentId"]
    api.client.create_stage(ApiId=api.id, StageName="beta", DeploymentId=first)
    assert api.stage("beta")["DeploymentId"] == first
    api.client.update_route(
        ApiId=api.id, RouteId=api.route_id("GET /orders"), AuthorizationType="AWS_IAM"
    )
    second = api.client.create_deployment(ApiId=api.id)["DeploymentId"]
    api.client.update_stage(ApiId=api.id, StageName="beta", DeploymentId=second)
    assert _operation(api.export(StageName="beta"), "/orders", "get")["security"]

    updated = api.client.update_stage(ApiId=api.id, StageName="beta", AutoDeploy=True)
    assert updated["AutoDeploy"] is True


@pytest.mark.parametrize(
    ("call", "code"),
    [
        ("update deployment of auto-deploy stage", "BadRequestException"),
        ("deploy to auto-deploy stage", "BadRequestException"),
        ("create auto-deploy stage with a deployment", "BadRequestException"),
        ("point at unknown deployment", "NotFoundException"),
        ("deploy to unknown stage", "NotFoundException"),
        ("get unknown deployment", "NotFoundException"),
        ("export a stage never deployed", "BadRequestException"),
        ("export another specification", "BadRequestException"),
    ],
)
def test_what_aws_refuses(aws: Aws, call: str, code: str) -> None:
    api = HttpApi(aws)
    c, a = api.client, api.id
    deployment = c.create_deployment(ApiId=a)["DeploymentId"]
    c.create_stage(ApiId=a, StageName="live", AutoDeploy=True)
    c.create_stage(ApiId=a, StageName="manual")
    calls = {
        "update deployment of auto-deploy stage": lambda: c.update_stage(
            ApiId=a, StageName="live", DeploymentId=deployment
        ),
        "deploy to auto-deploy stage": lambda: c.create_deployment(ApiId=a, StageName="live"),
        "create auto-deploy stage with a deployment": lambda: c.create_stage(
            ApiId=a, StageName="x", AutoDeploy=True, DeploymentId=deployment
        ),
        "point at unknown deployment": lambda: c.update_stage(
            ApiId=a, StageName="manual", DeploymentId="nope12"
        ),
        "deploy to unknown stage": lambda: c.create_deployment(ApiId=a, StageName="nope"),
        "get unknown deployment": lambda: c.get_deployment(ApiId=a, DeploymentId="nope12"),
        "export a stage never deployed": lambda: api.export(StageName="manual"),
        "export another specification": lambda: c.export_api(
            ApiId=a, Specification="SWAGGER", OutputType="JSON"
        ),
    }
    with pytest.raises(ClientError) as caught:
        calls[call]()
    assert caught.value.response["Error"]["Code"] == code
    assert "DeploymentId" not in api.stage("manual")


def test_export_as_yaml_and_without_extensions(aws: Aws) -> None:
    api = HttpApi(aws)
    body = api.client.export_api(
        ApiId=api.id, Specification="OAS30", OutputType="YAML", IncludeExtensions=False
    )["body"]
    document = yaml.safe_load(body.read())
    assert document["components"]["securitySchemes"]["sigv4"] == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
    }
    assert "x-amazon-apigateway-importexport-version" not in document
    assert document["paths"]["/orders/{id}"]["get"]["security"] == [{"cognito-jwt": ["read"]}]


def test_request_log_names_the_new_operations(aws: Aws) -> None:
    api = HttpApi(aws)
    aws.emulator.clear_operations()
    api.client.create_stage(ApiId=api.id, StageName="beta")
    deployment = api.client.create_deployment(ApiId=api.id, StageName="beta")["DeploymentId"]
    api.client.get_deployment(ApiId=api.id, DeploymentId=deployment)
    api.client.update_stage(ApiId=api.id, StageName="beta", Description="b")
    api.export(StageName="beta")
    assert aws.emulator.operations() == {
        "apigatewayv2:CreateStage": 1,
        "apigatewayv2:CreateDeployment": 1,
        "apigatewayv2:GetDeployment": 1,
        "apigatewayv2:UpdateStage": 1,
        "apigatewayv2:ExportApi": 1,
    }
