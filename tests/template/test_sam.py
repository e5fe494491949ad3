"""SAM through AWS's translator: what CloudFormation deploys, located where the user wrote it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.model.errors import InputError
from auditor.model.findings import TemplateLocation
from auditor.template.model import Resource, Unresolved
from auditor.template.sam import aws_managed_policy_map, translate

FIXTURES = Path(__file__).parent / "fixtures" / "sam"
APP = FIXTURES / "app.yaml"


def decoded(path: Path) -> Any:
    from cfnlint.decode import decode

    template, problems = decode(str(path))
    assert problems == []
    return template


def translated(path: Path = APP, **options: Any) -> tuple[dict[str, Resource], dict[str, Any]]:
    settings = {
        "region": "us-east-1",
        "account_id": "123456789012",
        "partition": "aws",
        "parameter_values": {},
    } | options
    resources, unresolved, sections = translate(decoded(path), str(path), **settings)
    assert unresolved == []
    return resources, sections


def at(logical_id: str, line: int) -> TemplateLocation:
    return TemplateLocation(path=str(APP), logical_id=logical_id, line=line)


def test_every_generated_resource_points_at_the_sam_resource_it_comes_from() -> None:
    resources, _ = translated()
    located = {
        logical_id: (r.type, r.location.logical_id, r.location.line)
        for logical_id, r in resources.items()
        if "Deployment" not in logical_id
    }
    assert located == {
        "ItemsApi": ("AWS::ApiGateway::RestApi", "ItemsApi", 10),
        "ItemsApiStage": ("AWS::ApiGateway::Stage", "ItemsApi", 10),
        "ItemsHttpApi": ("AWS::ApiGatewayV2::Api", "ItemsHttpApi", 16),
        "ItemsHttpApiApiGatewayDefaultStage": ("AWS::ApiGatewayV2::Stage", "ItemsHttpApi", 16),
        "ItemsFunction": ("AWS::Lambda::Function", "ItemsFunction", 22),
        "ItemsFunctionRole": ("AWS::IAM::Role", "ItemsFunction", 22),
        "ItemsFunctionHealthPermissionStage": ("AWS::Lambda::Permission", "ItemsFunction", 22),
        "ItemsFunctionListItemsPermissionStage": ("AWS::Lambda::Permission", "ItemsFunction", 22),
        "ItemsFunctionGetItemV2Permission": ("AWS::Lambda::Permission", "ItemsFunction", 22),
        "ItemsFunctionLegacyPermissionProd": ("AWS::Lambda::Permission", "ItemsFunction", 22),
        # The implicit API: where the first event that needs it is written.
        "ServerlessRestApi": ("AWS::ApiGateway::RestApi", "ItemsFunction", 53),
        "ServerlessRestApiProdStage": ("AWS::ApiGateway::Stage", "ItemsFunction", 53),
        # Untouched by the translator: itself.
        "UserPool": ("AWS::Cognito::UserPool", "UserPool", 58),
        "DefinedApi": ("AWS::ApiGateway::RestApi", "DefinedApi", 62),
        "DefinedApiv1Stage": ("AWS::ApiGateway::Stage", "DefinedApi", 62),
    }
    deployments = {
        logical_id.rstrip("0123456789abcdef"): (r.type, r.location.logical_id, r.location.line)
        for logical_id, r in resources.items()
        if logical_id not in located
    }
    assert deployments == {
        "ItemsApiDeployment": ("AWS::ApiGateway::Deployment", "ItemsApi", 10),
        "ServerlessRestApiDeployment": ("AWS::ApiGateway::Deployment", "ItemsFunction", 53),
        "DefinedApiDeployment": ("AWS::ApiGateway::Deployment", "DefinedApi", 62),
    }


def test_routes_point_at_the_events_entry_that_declared_them() -> None:
    resources, _ = translated()
    assert resources["ItemsApi"].route_locations == {
        ("GET", "/items"): at("ItemsFunction", 33),
        ("ANY", "/health"): at("ItemsFunction", 39),
    }
    assert resources["ItemsHttpApi"].route_locations == {
        ("GET", "/items/{id}"): at("ItemsFunction", 47)
    }
    assert resources["ServerlessRestApi"].route_locations == {
        ("POST", "/legacy"): at("ItemsFunction", 53)
    }
    assert resources["UserPool"].route_locations == {}


def test_routes_of_an_inline_definition_body_point_at_their_operation() -> None:
    resources, _ = translated()
    assert resources["DefinedApi"].route_locations == {
        ("GET", "/reports"): at("DefinedApi", 71),
        ("ANY", "/reports"): at("DefinedApi", 74),
    }
    # The body is deployed as written: its security scheme keeps the author's name
    # (sigv4), so the authorization is read from x-amazon-apigateway-authtype.
    body = resources["DefinedApi"].properties["Body"]
    assert body["paths"]["/reports"]["get"]["security"] == [{"sigv4": []}]
    assert body["securityDefinitions"]["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"


def test_default_authorizer_aws_iam_and_a_public_event_become_openapi_security() -> None:
    resources, _ = translated()
    rest = resources["ItemsApi"].properties["Body"]
    assert rest["paths"]["/items"]["get"]["security"] == [{"AWS_IAM": []}]
    assert rest["paths"]["/health"]["x-amazon-apigateway-any-method"]["security"] == [{"NONE": []}]
    assert rest["securityDefinitions"]["AWS_IAM"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    # HTTP API IAM auth: an OpenAPI 3 body, the same security object (no authorizer).
    http = resources["ItemsHttpApi"].properties["Body"]
    assert http["paths"]["/items/{id}"]["get"]["security"] == [{"AWS_IAM": []}]
    scheme = http["components"]["securitySchemes"]["AWS_IAM"]
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4"
    # No Auth at all: the implicit API's method has no security (NONE when deployed).
    legacy = resources["ServerlessRestApi"].properties["Body"]["paths"]["/legacy"]["post"]
    assert "security" not in legacy


def test_policy_templates_and_bare_managed_policy_names_become_what_iam_gets() -> None:
    resources, _ = translated(partition="aws-cn", region="cn-north-1")
    role = resources["ItemsFunctionRole"].properties
    assert "arn:aws-cn:iam::aws:policy/AmazonDynamoDBReadOnlyAccess" in role["ManagedPolicyArns"]
    [poller] = role["Policies"]
    assert "sqs:ReceiveMessage" in poller["PolicyDocument"]["Statement"][0]["Action"]
    assert poller["PolicyDocument"]["Statement"][0]["Resource"]["Fn::Sub"][1] == {
        "queueName": "items-queue"
    }


def test_managed_policy_map_names_only_bare_names() -> None:
    template = {
        "Globals": {"Function": {"Policies": "ReadOnlyAccess"}},
        "Resources": {
            "F": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Policies": ["A", "arn:aws:iam::1:policy/B", {"S3ReadPolicy": {}}]},
            }
        },
    }
    assert aws_managed_policy_map(template, "aws") == {
        "A": "arn:aws:iam::aws:policy/A",
        "ReadOnlyAccess": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    }


def test_sections_are_the_translated_templates() -> None:
    resources, sections = translated()
    assert sections["Parameters"] == {"StageName": {"Type": "String", "Default": "prod"}}
    assert sections["Conditions"] == {"IsProd": {"Fn::Equals": [{"Ref": "StageName"}, "prod"]}}
    assert sections["Mappings"] == {}
    # Intrinsics stay for the resolver.
    assert resources["ItemsApiStage"].properties["StageName"] == {"Ref": "StageName"}


def test_a_conditional_sam_resource_keeps_its_condition(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Conditions:\n  Enabled: !Equals [a, a]\n"
        "Resources:\n"
        "  Api:\n    Type: AWS::Serverless::Api\n    Condition: Enabled\n"
        "    Properties: {StageName: v1}\n"
    )
    resources, _ = translated(path)
    assert {r.logical_id: r.condition for r in resources.values()} == {
        logical_id: "Enabled" for logical_id in resources
    }
    assert "Api" in resources


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            "  Api:\n    Type: AWS::Serverless::Api\n    Properties: {StageName: v1, Auth: 3}\n",
            "Resources.Api",
            "Auth",
        ),
        (
            "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Runtime: python3.12\n      Handler: a.b\n      InlineCode: x\n"
            "      Events:\n        E:\n          Type: Api\n"
            "          Properties: {Path: /x}\n",
            "Resources.F",
            "Method",
        ),
    ],
)
def test_translator_errors_are_one_line_input_errors_naming_the_resource(
    tmp_path: Path, body: str, field: str, words: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + body)
    with pytest.raises(InputError) as raised:
        translated(path)
    assert raised.value.source == str(path)
    assert raised.value.field == field
    assert words in raised.value.problem
    assert "\n" not in str(raised.value)


def test_implicit_apis_globals_and_the_http_default_route() -> None:
    path = FIXTURES / "implicit.yaml"
    resources, _ = translated(path)

    def here(line: int) -> TemplateLocation:
        return TemplateLocation(path=str(path), logical_id="Fn", line=line)

    # An HttpApi event without Path and Method is the $default catch-all.
    assert resources["ServerlessHttpApi"].route_locations == {("ANY", "$default"): here(23)}
    assert resources["ServerlessHttpApi"].location == here(23)
    assert resources["ServerlessHttpApiApiGatewayDefaultStage"].location == here(23)
    assert resources["ServerlessRestApi"].route_locations == {("GET", "/imp"): here(25)}
    # Globals.Api.Auth reaches the implicit REST API.
    imp = resources["ServerlessRestApi"].properties["Body"]["paths"]["/imp"]["get"]
    assert imp["security"] == [{"AWS_IAM": []}]
    assert resources["HttpApiGatewayDefaultStage"].location.logical_id == "Http"


def test_http_api_iam_default_without_enabling_the_iam_authorizer_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        (FIXTURES / "implicit.yaml").read_text().replace("        EnableIamAuthorizer: true\n", "")
    )
    with pytest.raises(InputError) as raised:
        translated(path)
    assert raised.value.field == "Resources.Http"
    assert "'AWS_IAM' was not defined in 'Authorizers'" in raised.value.problem


def test_a_repository_app_is_unresolved_and_never_fetched(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Auth:\n"
        "    Type: AWS::Serverless::Application\n"
        "    Properties:\n"
        "      Location:\n"
        "        ApplicationId: arn:aws:serverlessrepo:us-east-1:123456789012:applications/x\n"
        "        SemanticVersion: 1.0.0\n"
        "      Parameters: {Stage: prod}\n"
        "  Local:\n"
        "    Type: AWS::Serverless::Application\n"
        "    Properties:\n"
        "      Location: nested.yaml\n"
    )
    resources, unresolved, _ = translate(
        decoded(path),
        str(path),
        region="us-east-1",
        account_id="123456789012",
        partition="aws",
        parameter_values={},
    )
    assert unresolved == [
        Unresolved(
            location=TemplateLocation(path=str(path), logical_id="Auth", line=3),
            field="Properties.Location",
            reason="the Serverless Application Repository app "
            "arn:aws:serverlessrepo:us-east-1:123456789012:applications/x is known only at "
            "deploy time (its roles and policies too)",
            service="iam",
        )
    ]
    assert resources["Auth"].type == "AWS::CloudFormation::Stack"
    assert resources["Auth"].properties["Parameters"] == {"Stage": "prod"}
    assert resources["Local"].type == "AWS::CloudFormation::Stack"
    assert resources["Local"].properties["TemplateURL"] == "nested.yaml"


def test_an_unquoted_policy_version_is_the_string_cloudformation_reads(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n"
        "      PolicyDocument: {Version: 2012-10-17, Statement: []}\n"
        "  B:\n    Type: AWS::SSM::Parameter\n"
        "    Properties: {Value: !!binary aGk=, Type: String}\n"
    )
    with pytest.raises(InputError) as raised:
        translated(path)
    assert (raised.value.source, raised.value.problem) == (
        str(path),
        "bytes is not a template value",
    )
    path.write_text(path.read_text().split("  B:")[0])
    resources, _ = translated(path)
    assert resources["P"].properties["PolicyDocument"]["Version"] == "2012-10-17"


@pytest.mark.parametrize("depth", [900, 5000])
def test_values_nested_too_deeply_are_one_line(depth: int) -> None:
    value: dict[str, Any] = {"a": 1}
    for _ in range(depth):
        value = {"k": value}
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {"R": {"Type": "AWS::SNS::Topic", "Properties": value}},
    }
    with pytest.raises(InputError) as raised:
        translate(
            template,
            "deep.yaml",
            region="us-east-1",
            account_id="123456789012",
            partition="aws",
            parameter_values={},
        )
    assert raised.value.source == "deep.yaml"
    assert raised.value.problem.startswith("values nest too deeply")


CONDITIONAL = """Transform: AWS::Serverless-2016-10-31
Parameters:
  Env: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod, Auth: {DefaultAuthorizer: AWS_IAM}}
  Items:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: x
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /items, Method: get}}
  Secret:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: x
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /secret, Method: get, Auth: {Authorizer: NONE}}
"""


@pytest.mark.parametrize(("env", "expected"), [("prod", {"GET /secret": "NONE"}), ("dev", {})])
def test_a_conditional_function_s_route_is_served_where_its_condition_holds(
    tmp_path: Path, env: str, expected: dict[str, str]
) -> None:
    """SAM writes its operation as Fn::If [condition, operation, NoValue], its integration a
    Lambda ARN known only after deploy: read for authorization only, never unresolved."""
    from auditor.template.build import build_snapshot
    from auditor.template.identities import identities_for
    from auditor.template.load import load_application

    path = tmp_path / "template.yaml"
    path.write_text(CONDITIONAL, encoding="utf-8")
    app = load_application(
        [path], region="us-east-1", account_id="123456789012", parameter_values={"Env": env}
    )
    built = build_snapshot(app, identities_for(app), None)
    # no pools in this template: only they are unknown, never the API
    assert {error.service for error in built.snapshot.errors} == {"cognito-idp", "cognito-identity"}
    (api,) = built.snapshot.apis
    served = {route.key: route.authorization_type for route in api.routes}
    assert served == {"GET /items": "AWS_IAM", **expected}
