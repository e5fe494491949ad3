"""serverless.yml -> the CloudFormation `serverless deploy` creates, each piece located."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.model.errors import InputError
from auditor.model.findings import TemplateLocation
from auditor.template.model import Resource, Unresolved
from auditor.template.serverless import convert, convert_with_sections

APP = Path(__file__).parent / "fixtures" / "serverless" / "app" / "serverless.yml"
COGNITO = APP.parent / "resources" / "cognito.yml"


def decoded(path: Path) -> Any:
    from cfnlint.decode import decode

    document, problems = decode(str(path))
    assert problems == []
    return document


def converted(
    path: Path = APP, stage: str | None = None, **values: str
) -> tuple[dict[str, Resource], list[Unresolved]]:
    return convert(path, decoded(path), stage=stage, region="eu-west-1", parameter_values=values)


def write(tmp_path: Path, text: str, name: str = "serverless.yml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def at(logical_id: str, line: int, path: Path = APP) -> TemplateLocation:
    return TemplateLocation(path=str(path), logical_id=logical_id, line=line)


def test_http_events_become_the_rest_api_serverless_deploys() -> None:
    resources, unresolved = converted()
    assert unresolved == []
    methods = {
        r.logical_id: (
            r.properties["HttpMethod"],
            r.properties["ResourceId"],
            r.properties["AuthorizationType"],
            r.location,
        )
        for r in resources.values()
        if r.type == "AWS::ApiGateway::Method"
    }
    assert methods == {
        "ApiGatewayMethodItemsGet": (
            "GET",
            {"Ref": "ApiGatewayResourceItems"},
            "AWS_IAM",
            at("items", 27),
        ),
        "ApiGatewayMethodItemsIdVarGet": (
            "GET",
            {"Ref": "ApiGatewayResourceItemsIdVar"},
            "AWS_IAM",
            at("items", 31),
        ),
        "ApiGatewayMethodItemsPost": (
            "POST",
            {"Ref": "ApiGatewayResourceItems"},
            "NONE",
            at("items", 36),
        ),
        "ApiGatewayMethodAdminProxyVarAny": (
            "ANY",
            {"Ref": "ApiGatewayResourceAdminProxyVar"},
            "AWS_IAM",
            at("items", 37),
        ),
        "ApiGatewayMethodHealthGet": (
            "GET",
            {"Ref": "ApiGatewayResourceHealth"},
            "NONE",
            at("health", 44),
        ),
        # cors: true deploys an OPTIONS preflight open to anyone.
        "ApiGatewayMethodHealthOptions": (
            "OPTIONS",
            {"Ref": "ApiGatewayResourceHealth"},
            "NONE",
            at("health", 44),
        ),
    }
    paths = {
        r.logical_id: (r.properties["ParentId"], r.properties["PathPart"])
        for r in resources.values()
        if r.type == "AWS::ApiGateway::Resource"
    }
    root = {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]}
    assert paths == {
        "ApiGatewayResourceItems": (root, "items"),
        "ApiGatewayResourceItemsIdVar": ({"Ref": "ApiGatewayResourceItems"}, "{id}"),
        "ApiGatewayResourceAdmin": (root, "admin"),
        "ApiGatewayResourceAdminProxyVar": ({"Ref": "ApiGatewayResourceAdmin"}, "{proxy+}"),
        "ApiGatewayResourceHealth": (root, "health"),
    }
    api = resources["ApiGatewayRestApi"]
    assert (api.type, api.properties["Name"]) == ("AWS::ApiGateway::RestApi", "dev-items")
    assert api.route_locations == {
        ("GET", "/items"): at("items", 27),
        ("GET", "/items/{id}"): at("items", 31),
        ("POST", "/items"): at("items", 36),
        ("ANY", "/admin/{proxy+}"): at("items", 37),
        ("GET", "/health"): at("health", 44),
    }
    [deployment] = [r for r in resources.values() if r.type == "AWS::ApiGateway::Deployment"]
    assert resources["ApiGatewayStage"].properties == {
        "RestApiId": {"Ref": "ApiGatewayRestApi"},
        "DeploymentId": {"Ref": deployment.logical_id},
        "StageName": "dev",
    }


def test_http_api_events_become_routes_on_the_default_stage() -> None:
    resources, _ = converted(stage="prod")
    routes = {
        r.logical_id: (r.properties["RouteKey"], r.properties["AuthorizationType"], r.location)
        for r in resources.values()
        if r.type == "AWS::ApiGatewayV2::Route"
    }
    assert routes == {
        "HttpApiRouteGetV2Items": ("GET /v2/items", "AWS_IAM", at("health", 48)),
        "HttpApiRouteDeleteV2ItemsIdVar": ("DELETE /v2/items/{id}", "NONE", at("health", 53)),
    }
    assert resources["HttpApi"].properties == {"Name": "prod-items", "ProtocolType": "HTTP"}
    assert resources["HttpApiStage"].properties["StageName"] == "$default"
    assert set(resources["HttpApi"].route_locations) == {
        ("GET", "/v2/items"),
        ("DELETE", "/v2/items/{id}"),
    }


def test_provider_iam_becomes_the_lambda_execution_role() -> None:
    resources, _ = converted(stage="prod")
    role = resources["IamRoleLambdaExecution"]
    assert role.type == "AWS::IAM::Role"
    assert role.location == at("provider.iam", 16)
    assert role.properties["RoleName"] == "items-prod-eu-west-1-lambdaRole"
    [policy] = role.properties["Policies"]
    assert policy["PolicyName"] == "items-prod-lambda"
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": "arn:aws:dynamodb:eu-west-1:*:table/items-live",
        }
    ]
    trust = role.properties["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": ["lambda.amazonaws.com"]}


def test_the_older_iam_role_statements_and_an_existing_role(tmp_path: Path) -> None:
    old = write(
        tmp_path,
        "service: s\nprovider:\n  name: aws\n  iamRoleStatements:\n"
        "    - {Effect: Allow, Action: 's3:*', Resource: '*'}\n"
        "functions:\n  f: {handler: h}\n",
    )
    resources, _ = converted(old)
    role = resources["IamRoleLambdaExecution"]
    assert role.location == at("provider.iamRoleStatements", 4, old)
    assert role.properties["Policies"][0]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    ]
    existing = write(
        tmp_path,
        "service: s\nprovider:\n  iam:\n    role: arn:aws:iam::1:role/x\n"
        "functions:\n  f: {handler: h}\n",
        "other/serverless.yml",
    )
    assert "IamRoleLambdaExecution" not in converted(existing)[0]
    no_statements = write(
        tmp_path, "service: s\nprovider: {name: aws}\nfunctions:\n  f: {handler: h}\n", "n.yml"
    )
    # the role without an empty policy, which IAM would refuse
    assert "Policies" not in converted(no_statements)[0]["IamRoleLambdaExecution"].properties


def test_resources_are_kept_as_written_with_their_own_file_and_line() -> None:
    resources, sections = convert_with_sections(
        APP, decoded(APP), stage="prod", region="eu-west-1", parameter_values={}
    )[0::2]
    assert resources["UserPool"].location == at("UserPool", 2, COGNITO)
    assert resources["UserPool"].properties == {"UserPoolName": "items-prod-users"}
    assert resources["AdminGroup"].location == at("AdminGroup", 6, COGNITO)
    assert resources["AdminGroup"].properties["UserPoolId"] == {"Ref": "UserPool"}
    policy = resources["AllUsersPolicy"]
    assert policy.location == at("AllUsersPolicy", 58)
    # Fn::Sub's own ${...} stay for the resolver; the Serverless variable is replaced.
    assert policy.properties["PolicyDocument"]["Statement"][0]["Resource"] == {
        "Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:"
        "${ApiGatewayRestApi}/prod/GET/items"
    }
    assert sections["Conditions"] == {"IsProd": {"Fn::Equals": ["prod", "prod"]}}
    assert sections["Outputs"] == {"PoolId": {"Value": {"Ref": "UserPool"}}}


@pytest.mark.parametrize(
    ("authorizer", "expected"),
    [
        ("aws_iam", "AWS_IAM"),
        ("AWS_IAM", "AWS_IAM"),
        ("{type: aws_iam}", "AWS_IAM"),
        (
            "{type: COGNITO_USER_POOLS, arn: 'arn:aws:cognito-idp:r:1:userpool/p'}",
            "COGNITO_USER_POOLS",
        ),
        ("{arn: 'arn:aws:cognito-idp:r:1:userpool/p'}", "COGNITO_USER_POOLS"),
        ("myAuthorizerFunction", "CUSTOM"),
        ("{name: auth, type: request}", "CUSTOM"),
    ],
)
def test_rest_authorizers(tmp_path: Path, authorizer: str, expected: str) -> None:
    path = write(
        tmp_path,
        "service: s\nfunctions:\n  f:\n    handler: h\n    events:\n"
        f"      - http: {{path: /, method: get, authorizer: {authorizer}}}\n",
    )
    resources, _ = converted(path)
    assert resources["ApiGatewayMethodGet"].properties["AuthorizationType"] == expected
    assert resources["ApiGatewayMethodGet"].properties["ResourceId"] == {
        "Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]
    }


@pytest.mark.parametrize(
    ("event", "route_id", "key", "expected"),
    [
        (
            "{method: get, path: /a, authorizer: {type: aws_iam}}",
            "HttpApiRouteGetA",
            "GET /a",
            "AWS_IAM",
        ),
        ("{method: '*', path: /a}", "HttpApiRouteAnyA", "ANY /a", "NONE"),
        ("'*'", "HttpApiRouteDefault", "$default", "NONE"),
        ("{method: get, path: /a, authorizer: {name: jwt1}}", "HttpApiRouteGetA", "GET /a", "JWT"),
        (
            "{method: get, path: /a, authorizer: {name: lambda1}}",
            "HttpApiRouteGetA",
            "GET /a",
            "CUSTOM",
        ),
    ],
)
def test_http_api_routes(
    tmp_path: Path, event: str, route_id: str, key: str, expected: str
) -> None:
    path = write(
        tmp_path,
        "service: s\nprovider:\n  httpApi:\n    authorizers:\n"
        "      jwt1: {identitySource: $request.header.Authorization}\n"
        "      lambda1: {type: request, functionName: f}\n"
        f"functions:\n  f:\n    handler: h\n    events:\n      - httpApi: {event}\n",
    )
    route = converted(path)[0][route_id]
    assert (route.properties["RouteKey"], route.properties["AuthorizationType"]) == (key, expected)
    assert route.location == at("f", 11, path)


def test_an_unresolvable_variable_in_an_event_is_named_and_the_route_left_out(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "service: s\nfunctions:\n  f:\n    handler: h\n    events:\n"
        "      - http: {path: '${ssm:/app/path}', method: get, authorizer: aws_iam}\n"
        "      - http: {path: ok, method: get, authorizer: aws_iam}\n",
    )
    resources, unresolved = converted(path)
    assert unresolved == [
        Unresolved(
            location=at("f", 6, path),
            field="functions.f.events[0].http",
            reason="${ssm:/app/path} is known only at deploy time",
            service="apigateway",
        )
    ]
    assert set(resources["ApiGatewayRestApi"].route_locations) == {("GET", "/ok")}


def test_an_unresolvable_variable_in_an_audited_resource_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "service: s\nresources:\n  Resources:\n"
        "    Role:\n      Type: AWS::IAM::Role\n      Properties:\n"
        "        RoleName: ${cf:other.RoleName}\n"
        "    Queue:\n      Type: AWS::SQS::Queue\n      Properties:\n"
        "        QueueName: ${env:QUEUE}\n",
    )
    resources, unresolved = converted(path)
    # The queue is not audited: its unknown name does not make the report incomplete.
    assert unresolved == [
        Unresolved(
            location=at("Role", 4, path),
            field="Resources.Role.Properties",
            reason="${cf:other.RoleName} is known only at deploy time",
            service="iam",
        )
    ]
    assert resources["Role"].properties == {"RoleName": "${cf:other.RoleName}"}


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("provider: {name: aws}\n", "service", "names no service"),
        (
            "service: s\nfunctions:\n  f:\n    events:\n      - http: {path: /a}\n",
            "functions.f.events[0].http",
            "method",
        ),
        (
            "service: s\nfunctions:\n  f:\n    events:\n      - http\n",
            "functions.f.events[0]",
            "not a mapping",
        ),
        ("service: s\nresources:\n  Resources:\n    X: {Properties: {}}\n", "Resources.X", "Type"),
        (
            "service: s\nfunctions:\n  f:\n    events:\n      - http: {path: /a, method: fetch}\n",
            "functions.f.events[0].http.method",
            "not an HTTP method",
        ),
        (
            "service: s\nfunctions:\n  f:\n    events:\n      - httpApi: {path: a, method: get}\n",
            "functions.f.events[0].httpApi.path",
            "starts with /",
        ),
        (
            "service: s\nfunctions:\n  f:\n    events:\n      - http: {path: 5, method: get}\n",
            "functions.f.events[0].http.path",
            "must be a string",
        ),
        (
            "service: s\nfunctions:\n  f:\n    events:\n"
            "      - http: {path: /a, method: get, authorizer: 1}\n",
            "functions.f.events[0].http.authorizer",
            "a name or a mapping",
        ),
        ("service: s\nresources:\n  Resources: [a]\n", "resources.Resources", "not a mapping"),
    ],
)
def test_malformed_files_are_input_errors_naming_the_field(
    tmp_path: Path, text: str, field: str, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as raised:
        converted(path)
    assert (raised.value.source, raised.value.field) == (str(path), field)
    assert words in raised.value.problem


def test_a_missing_included_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "service: s\nresources:\n  - ${file(resources/none.yml)}\n")
    with pytest.raises(InputError) as raised:
        converted(path)
    assert raised.value.source == str(path)
    assert raised.value.field == str(tmp_path / "resources" / "none.yml")


@pytest.mark.parametrize(
    ("provider", "event", "service"),
    [
        (
            "apiGateway: {restApiId: abc123, restApiRootResourceId: root1}",
            "http: GET /a",
            "apigateway",
        ),
        ("httpApi: {id: '${cf:shared.HttpApiId}'}", "httpApi: GET /a", "apigatewayv2"),
    ],
)
def test_routes_into_an_api_another_stack_created_are_unresolved(
    tmp_path: Path, provider: str, event: str, service: str
) -> None:
    path = write(
        tmp_path,
        f"service: s\nprovider:\n  {provider}\n"
        f"functions:\n  f:\n    handler: h\n    events:\n      - {event}\n",
    )
    resources, unresolved = converted(path)
    assert [(u.location, u.service) for u in unresolved] == [(at("f", 8, path), service)]
    assert not [r for r in resources.values() if r.type.startswith("AWS::ApiGateway")]


def test_api_names_and_the_rest_resource_policy(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "service: s\ncustom:\n  prefix: shop\nprovider:\n"
        "  apiName: ${self:custom.prefix}-rest\n"
        "  httpApi:\n    name: ${self:custom.prefix}-http\n"
        "  apiGateway:\n    resourcePolicy:\n"
        "      - Effect: Allow\n        Principal: '*'\n        Action: execute-api:Invoke\n"
        "        Resource: execute-api:/*\n"
        "functions:\n  f:\n    handler: h\n    events:\n"
        "      - http: GET /a\n      - httpApi: GET /b\n",
    )
    resources, unresolved = converted(path)
    assert unresolved == []
    api = resources["ApiGatewayRestApi"]
    assert api.properties["Name"] == "shop-rest"
    assert api.properties["Policy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            }
        ],
    }
    assert api.location == at("provider.apiGateway", 8, path)
    assert api.route_locations == {("GET", "/a"): at("f", 18, path)}
    assert resources["HttpApi"].properties["Name"] == "shop-http"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/items/{id}", "ItemsIdVar"),
        ("/items/{itemId}", "ItemsItemidVar"),
        ("/files/{proxy+}", "FilesProxyVar"),
        ("/my-list/v2", "MyDashlistV2"),
        ("/user_profiles", "Userprofiles"),
        ("/", ""),
    ],
)
def test_logical_ids_follow_serverless_naming(path: str, expected: str) -> None:
    from auditor.template.serverless_events import normalize_path

    assert normalize_path(path) == expected


def test_an_unquoted_policy_version_is_the_string_cloudformation_reads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "service: s\nprovider:\n  iam:\n    role:\n      statements: []\n"
        "functions:\n  f: {handler: h}\n"
        "resources:\n  Resources:\n"
        "    P:\n      Type: AWS::IAM::ManagedPolicy\n      Properties:\n"
        "        PolicyDocument: {Version: 2012-10-17, Statement: []}\n"
        "    Q:\n      Type: AWS::IAM::ManagedPolicy\n      Properties:\n"
        "        Description: ${env:NOPE}\n"
        "        PolicyDocument: {Version: 2012-10-17, Statement: []}\n",
    )
    resources, unresolved = converted(path)
    assert resources["P"].properties["PolicyDocument"]["Version"] == "2012-10-17"
    # kept as written where a variable cannot be resolved, the date still a string
    assert resources["Q"].properties["PolicyDocument"]["Version"] == "2012-10-17"
    assert [u.field for u in unresolved] == ["Resources.Q.Properties"]


def test_a_chain_too_long_to_follow_is_one_line(tmp_path: Path) -> None:
    links = "".join(f"  v{i}: ${{self:custom.v{i + 1}}}\n" for i in range(3000))
    path = write(
        tmp_path,
        f"service: s\ncustom:\n{links}  v3000: end\n"
        "provider:\n  apiName: ${self:custom.v0}\n"
        "functions:\n  f:\n    handler: h\n    events:\n      - http: GET /a\n",
    )
    with pytest.raises(InputError) as raised:
        converted(path)
    assert (raised.value.source, raised.value.problem) == (
        str(path),
        "variables or values nest too deeply",
    )


def test_a_resource_named_like_a_generated_one_is_merged_into_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "service: s\nprovider:\n  iam:\n    role:\n      statements:\n"
        "        - {Effect: Allow, Action: 's3:GetObject', Resource: '*'}\n"
        "functions:\n  f:\n    handler: h\n    events:\n"
        "      - http: {path: items, method: get, authorizer: aws_iam}\n"
        "resources:\n  Resources:\n"
        "    ApiGatewayMethodItemsGet:\n      Properties:\n        AuthorizationType: NONE\n"
        "    IamRoleLambdaExecution:\n      Properties:\n        Policies:\n"
        "          - PolicyDocument:\n              Statement:\n"
        "                - {Effect: Allow, Action: 's3:*', Resource: '*'}\n",
    )
    resources, _ = converted(path)
    method = resources["ApiGatewayMethodItemsGet"]
    assert method.type == "AWS::ApiGateway::Method"
    assert method.properties["AuthorizationType"] == "NONE"
    assert method.properties["HttpMethod"] == "GET"
    assert method.location == at("ApiGatewayMethodItemsGet", 14, path)
    [policy] = resources["IamRoleLambdaExecution"].properties["Policies"]
    assert policy["PolicyName"] == "s-dev-lambda"
    assert policy["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    ]
    assert resources["ApiGatewayRestApi"].route_locations == {("GET", "/items"): at("f", 11, path)}


def test_resources_extensions_merge_into_what_exists(tmp_path: Path) -> None:
    head = "service: s\nfunctions:\n  f:\n    handler: h\n    events:\n      - http: GET /a\n"
    path = write(
        tmp_path,
        head + "resources:\n  extensions:\n    ApiGatewayMethodAGet:\n"
        "      Properties: {AuthorizationType: AWS_IAM}\n",
    )
    method = converted(path)[0]["ApiGatewayMethodAGet"]
    assert method.properties["AuthorizationType"] == "AWS_IAM"
    assert method.location == at("ApiGatewayMethodAGet", 9, path)
    path.write_text(head + "resources:\n  extensions:\n    Nothing:\n      Properties: {}\n")
    with pytest.raises(InputError) as raised:
        converted(path)
    assert raised.value.field == "resources.extensions.Nothing"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("service: s\nprovider: aws\n", "provider"),
        (
            "service: s\nprovider:\n  iam:\n    role:\n      statements: {Effect: Allow}\n"
            "functions:\n  f: {handler: h}\n",
            "provider.iam",
        ),
    ],
)
def test_misshapen_provider_sections_are_input_errors(
    tmp_path: Path, text: str, field: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as raised:
        converted(path)
    assert (raised.value.source, raised.value.field) == (str(path), field)


def test_an_existing_role_by_reference_makes_no_execution_role(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "service: s\nprovider:\n  httpApi: shared\n  iam:\n    role: !GetAtt Mine.Arn\n"
        "functions:\n  f:\n    handler: h\n    events:\n      - httpApi: GET /a\n",
    )
    resources, _ = converted(path)
    assert "IamRoleLambdaExecution" not in resources
    assert resources["HttpApiRouteGetA"].properties["AuthorizationType"] == "NONE"


def test_functions_and_events_from_included_files_point_at_those_files(tmp_path: Path) -> None:
    # Each route is located in the file its events item is written in, whichever level of
    # `functions` was included: all of it, one function, or one function's events.
    path = write(
        tmp_path,
        "service: s\nfunctions:\n  - ${file(functions.yml)}\n"
        "  - one: ${file(one.yml)}\n    two:\n      handler: h\n"
        "      events: ${file(events.yml)}\n",
    )
    write(tmp_path, "# pad\nall:\n  handler: h\n  events:\n    - http: GET /all\n", "functions.yml")
    write(tmp_path, "# pad\n# pad\nhandler: h\nevents:\n  - http: GET /one\n", "one.yml")
    write(tmp_path, "# pad\n# pad\n# pad\n- http: GET /two\n", "events.yml")
    routes = converted(path)[0]["ApiGatewayRestApi"].route_locations
    assert routes == {
        ("GET", "/all"): at("all", 5, tmp_path / "functions.yml"),
        ("GET", "/one"): at("one", 5, tmp_path / "one.yml"),
        ("GET", "/two"): at("two", 4, tmp_path / "events.yml"),
    }


def test_an_unknown_event_in_an_included_file_points_at_that_file(tmp_path: Path) -> None:
    path = write(tmp_path, "service: s\nfunctions: ${file(functions.yml)}\n")
    write(
        tmp_path,
        "# pad\nf:\n  handler: h\n  events:\n"
        "    - http: {path: a, method: get, authorizer: '${ssm:/auth, aws_iam}'}\n"
        "g: ${ssm:/g}\n",
        "functions.yml",
    )
    reason = "{} is known only at deploy time"
    assert converted(path)[1] == [
        Unresolved(
            at("f", 5, tmp_path / "functions.yml"),
            "functions.f.events[0].http",
            reason.format("${ssm:/auth}"),
            "apigateway",
        ),
        Unresolved(
            at("g", 6, tmp_path / "functions.yml"),
            "functions.g",
            reason.format("${ssm:/g}"),
            "apigateway",
        ),
    ]


def test_resources_sections_written_as_variables_point_at_the_included_file(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "service: s\nfunctions:\n  f:\n    handler: h\n    events:\n      - http: GET /a\n"
        "resources:\n  Resources: ${file(resources/only.yml)}\n"
        "  extensions: ${file(resources/extensions.yml)}\n",
    )
    write(
        tmp_path,
        "# pad\n# pad\nRole:\n  Type: AWS::IAM::Role\n  Properties: {RoleName: r}\n",
        "resources/only.yml",
    )
    write(
        tmp_path,
        "# pad\nApiGatewayMethodAGet:\n  Properties: {AuthorizationType: AWS_IAM}\n",
        "resources/extensions.yml",
    )
    resources = converted(path)[0]
    assert resources["Role"].location == at("Role", 3, tmp_path / "resources" / "only.yml")
    method = resources["ApiGatewayMethodAGet"]
    assert method.location == at("ApiGatewayMethodAGet", 2, tmp_path / "resources/extensions.yml")
