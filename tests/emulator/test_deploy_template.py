"""The template deployer's own rules: what a resource refers to, the order of creation,
routes read from an OpenAPI body, conditions, and what it refuses. Its end-to-end proof is
tests/template/test_live_equivalence.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.emulator.deploy_template import (
    DeployError,
    deploy_application,
    deployment_order,
    generated_name,
    typed,
)
from auditor.emulator.deploy_template_apis import body_operations
from auditor.model.findings import TemplateLocation
from auditor.template.load import load_application
from auditor.template.model import Application, Resource
from auditor.template.references import references
from tests.support.aws import Aws


def app_of(resources: dict[str, tuple[str, dict[str, Any]]]) -> Application:
    return Application(
        files=("t.yaml",),
        resources={
            lid: Resource(lid, kind, props, TemplateLocation(path="t.yaml", logical_id=lid, line=1))
            for lid, (kind, props) in resources.items()
        },
    )


def test_references_are_refs_getatts_and_sub_variables() -> None:
    value = {
        "A": {"Ref": "Pool"},
        "B": [{"Fn::GetAtt": "Role.Arn"}, {"Fn::GetAtt": ["Api", "RootResourceId"]}],
        "C": {"Fn::Sub": "arn:${AWS::Partition}:x:${Api}/${Role.Arn}"},
        "D": {"Fn::Sub": ["${Named}", {"Named": {"Ref": "Client"}}]},
    }
    # Pseudo parameters (${AWS::Partition}) are no resource; a Sub variable may be.
    assert set(references(value)) == {"Pool", "Role", "Api", "Named", "Client"}


def test_a_resource_comes_after_what_it_refers_to_and_deployments_after_methods() -> None:
    app = app_of(
        {
            "Deployment": ("AWS::ApiGateway::Deployment", {"RestApiId": {"Ref": "Api"}}),
            "Group": ("AWS::Cognito::UserPoolGroup", {"RoleArn": {"Fn::GetAtt": "Role.Arn"}}),
            "Role": ("AWS::IAM::Role", {"X": {"Fn::Sub": "${Pool}"}}),
            "Pool": ("AWS::Cognito::IdentityPool", {}),
            "Method": ("AWS::ApiGateway::Method", {"RestApiId": {"Ref": "Api"}}),
            "Api": ("AWS::ApiGateway::RestApi", {}),
        }
    )
    order = [r.logical_id for r in deployment_order(app)]
    assert order.index("Pool") < order.index("Role") < order.index("Group")
    assert order.index("Api") < order.index("Method") < order.index("Deployment")


def test_a_cycle_is_refused_with_its_path() -> None:
    app = app_of(
        {
            "A": ("AWS::IAM::Role", {"X": {"Ref": "B"}}),
            "B": ("AWS::IAM::Role", {"X": {"Fn::GetAtt": ["A", "Arn"]}}),
        }
    )
    with pytest.raises(DeployError, match="circular references: A -> B -> A"):
        deployment_order(app)


def test_generated_names_are_cloudformations_shape_repeatable_and_short_enough() -> None:
    name = generated_name("stack", "EditorsRole")
    assert name.startswith("stack-EditorsRole-") and len(name.rsplit("-", 1)[1]) == 12
    assert name == generated_name("stack", "EditorsRole") != generated_name("stack", "Other")
    assert len(generated_name("s" * 80, "L" * 80)) == 64


def test_text_booleans_and_integers_are_converted_as_cloudformation_does() -> None:
    providers = [{"ClientId": "c", "ServerSideTokenCheck": "False"}]
    assert typed("CognitoIdentityProviders", providers) == [
        {"ClientId": "c", "ServerSideTokenCheck": False}
    ]
    assert (typed("AllowClassicFlow", "true"), typed("Precedence", "10")) == (True, 10)
    # Only where the property takes one: a name stays text.
    assert (typed("GroupName", "true"), typed("Precedence", "ten")) == ("true", "ten")


SWAGGER = {  # what the SAM translator writes for an AWS::Serverless::Api
    "swagger": "2.0",
    "paths": {
        "/items": {
            "get": {"security": [{"AWS_IAM": []}]},
            "post": {},  # the document's security
            "parameters": [],  # not an operation
        },
        "/health": {"x-amazon-apigateway-any-method": {"security": [{"NONE": []}]}},
        "/legacy": {"put": {"x-amazon-apigateway-auth": {"type": "aws_iam"}}},
        "/token": {"get": {"security": [{"Lambda": []}]}},
        "/cognito": {"get": {"security": [{"Pool": []}]}},
    },
    "security": [{"AWS_IAM": []}],
    "securityDefinitions": {
        "AWS_IAM": {"type": "apiKey", "x-amazon-apigateway-authtype": "awsSigv4"},
        "Lambda": {"type": "apiKey", "x-amazon-apigateway-authorizer": {"type": "token"}},
        "Pool": {"type": "apiKey", "x-amazon-apigateway-authtype": "cognito_user_pools"},
    },
}


def test_routes_of_a_swagger_body_with_their_authorization() -> None:
    assert sorted(body_operations(SWAGGER)) == [
        ("ANY", "/health", "NONE"),
        ("GET", "/cognito", "COGNITO_USER_POOLS"),
        ("GET", "/items", "AWS_IAM"),
        ("GET", "/token", "CUSTOM"),
        ("POST", "/items", "AWS_IAM"),
        ("PUT", "/legacy", "AWS_IAM"),
    ]


def test_routes_of_an_openapi_3_body_of_an_http_api() -> None:
    body = {
        "openapi": "3.0.1",
        "paths": {
            "/orders": {"get": {"security": [{"sigv4": []}]}, "post": {"security": [{"jwt": []}]}},
            "/open": {"get": {}},
        },
        "components": {
            "securitySchemes": {
                "sigv4": {"x-amazon-apigateway-authtype": "awsSigv4"},
                "jwt": {"x-amazon-apigateway-authorizer": {"type": "jwt"}},
            }
        },
    }
    assert sorted(body_operations(body)) == [
        ("GET", "/open", "NONE"),
        ("GET", "/orders", "AWS_IAM"),
        ("POST", "/orders", "JWT"),
    ]


TEMPLATE = """
Parameters:
  WithGuests: {Type: String, Default: "no"}
Conditions:
  Guests: !Equals [!Ref WithGuests, "yes"]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
  GuestRole:
    Type: AWS::IAM::Role
    Condition: Guests
    Properties:
      RoleName: guest
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
  Queue:
    Type: AWS::SQS::Queue
  ReadItems:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref Role
      PolicyName: read-items
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: execute-api:Invoke, Resource: "*"}]
"""


def test_roles_are_named_as_cloudformation_would_and_conditions_are_honoured(
    aws: Aws, tmp_path: Path
) -> None:
    (tmp_path / "t.yaml").write_text(TEMPLATE, encoding="utf-8")
    app = load_application([tmp_path / "t.yaml"], region=aws.region, account_id="123456789012")
    deployed = deploy_application(app, aws.session, endpoint_url=aws.url, stack_name="shop")
    roles = aws.client("iam").list_roles()["Roles"]
    assert [r["RoleName"] for r in roles] == [generated_name("shop", "Role")]
    assert deployed.attributes[("Role", "Arn")] == roles[0]["Arn"]
    assert "GuestRole" not in deployed.physical  # its condition does not hold
    assert deployed.physical["Queue"] == "Queue"  # not an access resource: skipped
    inline = aws.client("iam").list_role_policies(RoleName=roles[0]["RoleName"])
    assert inline["PolicyNames"] == ["read-items"]


def test_an_api_body_in_s3_is_refused_not_deployed_empty(aws: Aws, tmp_path: Path) -> None:
    api = "  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n"
    api += "      BodyS3Location: {Bucket: b, Key: api.yaml}\n"
    (tmp_path / "t.yaml").write_text(TEMPLATE + api, encoding="utf-8")
    app = load_application([tmp_path / "t.yaml"], region=aws.region, account_id="123456789012")
    with pytest.raises(DeployError, match=r"^Api Properties\.BodyS3Location"):
        deploy_application(app, aws.session, endpoint_url=aws.url)
    assert aws.client("apigateway").get_rest_apis()["items"] == []


def test_a_value_only_a_deployed_account_knows_is_refused(aws: Aws, tmp_path: Path) -> None:
    text = TEMPLATE.replace("RoleName: guest", "RoleName: !ImportValue guest-role")
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    app = load_application(
        [tmp_path / "t.yaml"],
        region=aws.region,
        account_id="123456789012",
        parameter_values={"WithGuests": "yes"},
    )
    with pytest.raises(DeployError, match=r"^GuestRole Properties\.RoleName: .*ImportValue"):
        deploy_application(app, aws.session, endpoint_url=aws.url)
