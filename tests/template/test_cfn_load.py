"""CloudFormation files -> Application -> Snapshot: what cannot be resolved makes the report
incomplete (naming file, line and field), parameters and conditions decide what is deployed,
a baseline written for the live account adopts its ids, and bad files are exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.model.baseline_file import load_baseline
from auditor.model.errors import InputError
from auditor.template.load import INSTALL_HINT, is_sam, is_serverless, load_application
from tests.template.cfn_app import (
    ACCOUNT,
    BASELINE,
    REGION,
    audited,
    written,
)

APP = ("app.yaml", "rest_api.yaml")


def line_of(path: Path, text: str) -> int:
    """1-based line of the one line of `path` that is `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines.count(text) == 1
    return lines.index(text) + 1


def test_an_import_value_in_a_role_policy_is_incomplete_naming_file_line_and_field(
    tmp_path: Path,
) -> None:
    anchor = '${Api}/${StageName}/GET/me"'
    app, api = written(
        tmp_path, APP, [("app.yaml", anchor, f"{anchor}\n              - !ImportValue shared-api")]
    )
    result = audited([app, api])
    assert result.report.status == "incomplete"
    (error,) = result.built.snapshot.errors
    assert (error.service, error.operation, error.resource) == ("iam", "template", "DefaultRole")
    assert error.message == (
        f"{app}:{line_of(app, '  DefaultRole:')} DefaultRole "
        "Properties.Policies[0].PolicyDocument.Statement[1]: "
        "Fn::ImportValue shared-api cannot be resolved before deploy"
    )
    assert "arn:aws:iam::123456789012:role/app-default" not in result.built.snapshot.roles


def test_a_parameter_without_default_or_value_is_incomplete(tmp_path: Path) -> None:
    paths = written(
        tmp_path, APP, [("app.yaml", "    Type: String\n    Default: prod\n", "    Type: String\n")]
    )
    result = audited(paths)
    assert result.report.status == "incomplete"
    errors = result.built.snapshot.errors
    assert {e.service for e in errors} == {"iam", "apigateway"}
    assert all(
        "parameter StageName has neither a --parameter value nor a Default" in e.message
        for e in errors
    )
    # ... and with the value on the command line, the same files audit clean.
    assert audited(paths, parameter_values={"StageName": "prod"}).report.status == "complete"


def test_a_parameter_value_wins_over_the_default(tmp_path: Path) -> None:
    result = audited(written(tmp_path, APP), parameter_values={"StageName": "beta"})
    snapshot = result.built.snapshot
    assert snapshot.apis[0].stages == ["beta"]
    default = snapshot.roles[f"arn:aws:iam::{ACCOUNT}:role/app-default"]
    statement = default.inline_policies[0].document["Statement"][0]
    assert statement["Resource"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:Api/beta/GET/me"


EDITORS_GROUP = "  EditorsGroup:\n    Type: AWS::Cognito::UserPoolGroup\n"


def group_names(paths: list[Path], **parameters: str) -> list[str]:
    user_pool = audited(paths, parameter_values=parameters).built.snapshot.user_pool
    assert user_pool is not None
    return [g.name for g in user_pool.groups]


def test_a_resource_whose_condition_is_false_is_not_deployed(tmp_path: Path) -> None:
    condition = EDITORS_GROUP + "    Condition: GuestsAllowed\n"
    paths = written(tmp_path, APP, [("app.yaml", EDITORS_GROUP, condition)])
    assert group_names(paths) == ["admin"]
    assert group_names(paths, AllowGuests="true") == ["admin", "editors"]


def test_an_undecidable_condition_leaves_the_resource_unknown(tmp_path: Path) -> None:
    paths = written(
        tmp_path,
        APP,
        [
            ("app.yaml", '    Default: "false"\n', ""),
            ("app.yaml", EDITORS_GROUP, EDITORS_GROUP + "    Condition: GuestsAllowed\n"),
        ],
    )
    result = audited(paths)
    assert result.report.status == "incomplete"
    messages = [e.message for e in result.built.snapshot.errors]
    assert any("EditorsGroup Condition: condition GuestsAllowed" in m for m in messages)


# A role nobody hands out whose ARN cannot be known: it must not matter.
IMPORTED_ROLE = """  Imported:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !ImportValue a-name
"""


def test_an_aws_managed_policy_is_not_guessed(tmp_path: Path) -> None:
    paths = written(
        tmp_path,
        APP,
        [
            (
                "app.yaml",
                "      RoleName: app-editors\n",
                "      RoleName: app-editors\n      ManagedPolicyArns:\n"
                "        - arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess\n",
            ),
            ("app.yaml", "  DefaultRole:\n", IMPORTED_ROLE + "  DefaultRole:\n"),
        ],
    )
    result = audited(paths)
    assert result.report.status == "incomplete"
    imported, error = result.built.snapshot.errors
    assert imported.resource == "Imported" and "Fn::ImportValue a-name" in imported.message
    assert error.service == "iam" and error.resource == "EditorsRole"
    assert "AmazonAPIGatewayInvokeFullAccess is not defined in the templates" in error.message


def test_a_role_handed_out_but_defined_elsewhere_is_unknown(tmp_path: Path) -> None:
    other = "arn:aws:iam::123456789012:role/elsewhere"
    paths = written(
        tmp_path, APP, [("app.yaml", "RoleArn: !GetAtt EditorsRole.Arn", f"RoleArn: {other}")]
    )
    result = audited(paths)
    assert result.report.status == "incomplete"
    assert any(other in e.message and e.service == "iam" for e in result.built.snapshot.errors)


def test_every_entity_points_at_the_line_of_its_logical_id(tmp_path: Path) -> None:
    app, api = written(tmp_path, APP)
    sources = audited([app, api]).built.sources
    assert sources.user_pool and sources.user_pool.line == line_of(app, "  UserPool:")
    assert sources.groups["editors"].line == line_of(app, "  EditorsGroup:")
    assert sources.clients["WebClient"].line == line_of(app, "  WebClient:")
    assert sources.role_attachment and sources.role_attachment.logical_id == "RoleAttachment"
    editors = f"arn:aws:iam::{ACCOUNT}:role/app-editors"
    assert sources.roles[editors].line == line_of(app, "  EditorsRole:")
    # An AWS::IAM::Policy locates the inline policy it adds; a managed policy itself.
    assert sources.inline_policies[(editors, "routes")].logical_id == "EditorsRoutes"
    managed = sources.managed_policies[f"arn:aws:iam::{ACCOUNT}:policy/app-all-users"]
    assert managed.logical_id == "AllUsersPolicy"
    get_me = sources.routes[("Api", "GET", "/me")]
    assert (get_me.path, get_me.logical_id, get_me.line) == (
        str(api),
        "GetMe",
        line_of(api, "  GetMe:"),
    )
    assert sources.stages[("Api", "prod")].logical_id == "ProdStage"


def test_json_templates_and_openapi_bodies(tmp_path: Path) -> None:
    """A REST API written as a swagger 2.0 Body in a JSON file: routes, their default
    security and the public one, each at the API resource's line."""
    body = {
        "swagger": "2.0",
        "security": [{"sigv4": []}],
        "securityDefinitions": {
            "sigv4": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4",
            }
        },
        "paths": {
            "/items": {"get": {}, "post": {}},
            "/items/{id}": {"get": {}, "delete": {}},
            "/admin/{proxy+}": {"x-amazon-apigateway-any-method": {}},
            "/me": {"get": {}},
            "/administrators": {"get": {}},
            "/health": {"get": {"security": []}},
        },
    }
    template = {
        "Resources": {
            "Api": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"Name": "app-api", "Body": body},
            },
            "ProdStage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": {"Ref": "StageName"}},
            },
        }
    }
    api = tmp_path / "api.json"
    api.write_text(json.dumps(template, indent=2), encoding="utf-8")
    (app,) = written(tmp_path, ["app.yaml"])
    result = audited([app, api])
    assert result.report.status == "complete" and result.findings() == set()
    health = result.built.sources.routes[("Api", "GET", "/health")]
    assert (health.path, health.logical_id, health.line) == (str(api), "Api", 3)


def test_file_kinds() -> None:
    assert is_sam({"Transform": "AWS::Serverless-2016-10-31"})
    assert is_sam({"Transform": ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"]})
    assert not is_sam({"Resources": {}})
    assert is_serverless(Path("x/serverless.yml"), {})
    assert is_serverless(Path("app.yml"), {"service": "app", "provider": {"name": "aws"}})
    assert not is_serverless(Path("resources/roles.yml"), {"Resources": {}})


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("- just\n- a list\n", None, "is not a mapping of sections"),
        ("Outputs: {}\n", None, "not a CloudFormation, SAM or Serverless Framework template"),
        ("Resources:\n  A: [\n", "line 3", "did not find expected node content"),
        ("Resources:\n  A: {Type: X}\n  A: {Type: Y}\n", "line 2", "Duplicate found 'A'"),
        (
            "Resources:\n  A:\n    Properties: {}\n",
            "Resources.A.Type",
            "line 2: missing or not text",
        ),
        (
            "Resources:\n  A: {Type: X, Properties: [1]}\n",
            "Resources.A.Properties",
            "not a mapping",
        ),
    ],
    ids=["list", "no-resources", "yaml-syntax", "duplicate-key", "no-type", "properties-list"],
)
def test_a_bad_file_is_an_input_error_naming_it(
    tmp_path: Path, text: str, field: str | None, problem: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_application([path], region=REGION, account_id=ACCOUNT)
    assert raised.value.source == str(path)
    assert raised.value.field == field
    assert problem in raised.value.problem
    assert "\n" not in str(raised.value)


def test_a_logical_id_in_two_files_names_both(tmp_path: Path) -> None:
    (app,) = written(tmp_path, ["app.yaml"])
    other = tmp_path / "again.yaml"
    other.write_text(
        "Resources:\n  WebClient:\n    Type: AWS::Cognito::UserPoolClient\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as raised:
        load_application([app, other], region=REGION, account_id=ACCOUNT)
    assert raised.value.source == str(other)
    assert raised.value.field == "Resources.WebClient"
    assert f"also defined in {app} line {line_of(app, '  WebClient:')}" in raised.value.problem


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_application([tmp_path / "nope.yaml"], region=REGION, account_id=ACCOUNT)


def test_an_unreadable_file_is_one_line_and_cfn_lint_prints_nothing(tmp_path: Path) -> None:
    """In a process of its own: pytest's log capture would hide what cfn-lint logs."""
    path = tmp_path / "binary.yaml"
    path.write_bytes(bytes(range(256)))
    script = (
        "import sys; from pathlib import Path\n"
        "from auditor.model.errors import InputError\n"
        "from auditor.template.load import load_application\n"
        "try:\n"
        f"    load_application([Path({str(path)!r})], region='us-east-1', account_id='1')\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stderr == ""
    assert done.stdout.startswith(f"{path}: line 1: Cannot read file contents")
    assert "{filename}" not in done.stdout and done.stdout.count("\n") == 1


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a file"):
        load_application([tmp_path], region=REGION, account_id=ACCOUNT)


QUICK_HTTP_API = """Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: app-api, ProtocolType: HTTP, Target: TARGET}
"""


@pytest.mark.parametrize(
    # the usual target is a function's ARN, known only after deploy: only its presence counts
    "target",
    ["arn:aws:lambda:us-east-1:1:function:f", "!GetAtt Fn.Arn"],
)
def test_a_quick_create_http_api_serves_default_without_authorization(
    tmp_path: Path, target: str
) -> None:
    (app,) = written(tmp_path, ["app.yaml"])
    api = tmp_path / "quick.yaml"
    api.write_text(QUICK_HTTP_API.replace("TARGET", target), encoding="utf-8")
    baseline = load_baseline(BASELINE).model_copy(update={"apis": []})
    snapshot = audited([app, api], baseline).built.snapshot
    (built,) = snapshot.apis
    assert (built.kind, built.stages) == ("HTTP", ["$default"])
    assert [(r.method, r.path, r.authorization_type) for r in built.routes] == [
        ("ANY", "$default", "NONE")
    ]


def test_a_definition_in_s3_is_unknown(tmp_path: Path) -> None:
    paths = written(
        tmp_path,
        APP,
        [
            (
                "rest_api.yaml",
                "      Name: app-api\n",
                "      Name: app-api\n      BodyS3Location: {Bucket: b, Key: k}\n",
            )
        ],
    )
    result = audited(paths)
    assert result.report.status == "incomplete"
    (error,) = result.built.snapshot.errors
    assert (error.service, error.resource) == ("apigateway", "Api")
    assert "Properties.BodyS3Location: a definition in S3 is not read offline" in error.message


ROLE_POLICY_AND_BOUNDARY = """  EditorsExtra:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref EditorsRole
      PolicyName: extra
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: execute-api:Invoke, Resource: "*"}
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: execute-api:Invoke, Resource: "*"}
"""


def test_role_policies_and_boundaries_defined_beside_the_role(tmp_path: Path) -> None:
    paths = written(
        tmp_path,
        APP,
        [
            ("app.yaml", "  AllUsersPolicy:\n", ROLE_POLICY_AND_BOUNDARY + "  AllUsersPolicy:\n"),
            (
                "app.yaml",
                "      RoleName: app-editors\n",
                "      RoleName: app-editors\n      PermissionsBoundary: !Ref Boundary\n",
            ),
        ],
    )
    built = audited(paths).built
    role = built.snapshot.roles[f"arn:aws:iam::{ACCOUNT}:role/app-editors"]
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/Boundary"
    assert [p.name for p in role.inline_policies] == ["extra", "routes"]
    assert role.permissions_boundary_arn == boundary
    assert boundary in built.snapshot.managed_policies
    assert built.sources.inline_policies[(role.arn, "extra")].logical_id == "EditorsExtra"
    assert built.sources.managed_policies[boundary].logical_id == "Boundary"


def test_without_the_templates_extra_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (app,) = written(tmp_path, ["app.yaml"])
    monkeypatch.setitem(sys.modules, "cfnlint.decode", None)  # as if not installed
    with pytest.raises(InputError) as raised:
        load_application([app], region=REGION, account_id=ACCOUNT)
    assert raised.value.problem == INSTALL_HINT
    assert "pip install 'cognito-route-auditor[templates]'" in INSTALL_HINT


def test_a_sam_file_without_the_translator_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sam.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  F: {Type: AWS::Serverless::Function}\n",
        encoding="utf-8",
    )

    monkeypatch.setitem(sys.modules, "samtranslator.model.exceptions", None)  # not installed
    with pytest.raises(InputError) as raised:
        load_application([path], region=REGION, account_id=ACCOUNT)
    assert (raised.value.source, raised.value.problem) == (str(path), INSTALL_HINT)


HTTP_BODY_API = """Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Body:
        openapi: "3.0.1"
        info: {title: !Sub "${StageName}-api"}
        components:
          securitySchemes:
            AWS_IAM:
              type: apiKey
              name: Authorization
              in: header
              x-amazon-apigateway-authtype: awsSigv4
            Token:
              type: apiKey
              x-amazon-apigateway-authorizer:
                type: request
                authorizerUri: !GetAtt Authorizer.Arn
        paths:
          /me:
            get:
              security: [{AWS_IAM: []}]
              x-amazon-apigateway-integration:
                uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/${Function.Arn}"
          /items:
            get:
              security: [{Token: []}]
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: prod}
"""


def test_a_body_is_read_without_what_only_a_deploy_knows(tmp_path: Path) -> None:
    """Integrations and authorizer functions name Lambda ARNs nobody can know offline, and
    the audit never needs them; the API is named after the Body's title, as API Gateway
    names an imported API."""
    (app,) = written(tmp_path, ["app.yaml"])
    api = tmp_path / "http.yaml"
    api.write_text(HTTP_BODY_API, encoding="utf-8")
    baseline = load_baseline(BASELINE).model_copy(update={"apis": []})
    snapshot = audited([app, api], baseline).built.snapshot
    assert snapshot.errors == []
    (built,) = snapshot.apis
    assert (built.id, built.name, built.kind) == ("Api", "prod-api", "HTTP")
    assert [(r.method, r.path, r.authorization_type) for r in built.routes] == [
        ("GET", "/items", "CUSTOM"),
        ("GET", "/me", "AWS_IAM"),
    ]


def test_a_file_given_twice_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same definition (file and line) met twice, as when a Serverless file includes a
    resources file that is also given on the command line, is one resource."""
    app, api = written(tmp_path, APP)
    monkeypatch.chdir(tmp_path)
    twice = load_application([app, api, Path("rest_api.yaml")], region=REGION, account_id=ACCOUNT)
    once = load_application([app, api], region=REGION, account_id=ACCOUNT)
    assert twice.resources == once.resources


def test_an_unquoted_policy_version_reads_as_the_text_written(tmp_path: Path) -> None:
    """YAML reads `2012-10-17` as a date; CloudFormation as the text: the audit must not
    call every policy unreadable."""
    (tmp_path / "quoted").mkdir()
    (tmp_path / "unquoted").mkdir()
    clean = audited(written(tmp_path / "quoted", APP))
    unquoted = written(tmp_path / "unquoted", APP)
    for path in unquoted:  # every policy's Version
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('Version: "2012-10-17"', "Version: 2012-10-17"))
    assert "Version: 2012-10-17" in unquoted[0].read_text(encoding="utf-8")
    found = audited(unquoted)
    assert found.report.status == "complete"
    assert [f.rule_id for f in found.report.findings] == [f.rule_id for f in clean.report.findings]


def test_conditions_a_serverless_file_declares_in_resources_decide_its_resources(
    tmp_path: Path,
) -> None:
    path = tmp_path / "serverless.yml"
    path.write_text(
        "service: shop\nprovider: {name: aws, stage: prod}\n"
        "resources:\n"
        "  Conditions:\n"
        "    IsProd: !Equals ['${sls:stage}', prod]\n"
        "    IsDev: !Equals ['${sls:stage}', dev]\n"
        "  Resources:\n"
        "    ProdPool: {Type: AWS::Cognito::UserPool, Condition: IsProd}\n"
        "    DevPool: {Type: AWS::Cognito::UserPool, Condition: IsDev}\n",
        encoding="utf-8",
    )
    from auditor.template.intrinsics import Resolver
    from auditor.template.model import Identities

    app = load_application([path], region=REGION, account_id=ACCOUNT)
    resolver = Resolver(app, Identities())
    assert set(app.conditions) == {"IsProd", "IsDev"}
    assert (resolver.condition_holds("IsProd"), resolver.condition_holds("IsDev")) == (True, False)


def test_a_macro_or_a_loop_leaves_everything_unknown(tmp_path: Path) -> None:
    app, api = written(tmp_path, APP)
    text = api.read_text(encoding="utf-8")
    api.write_text("Transform: AddPublicDocsRoute\n" + text, encoding="utf-8")
    report = audited([app, api]).report
    assert report.status == "incomplete"
    assert {e.service for e in report.errors} == {
        "iam",
        "cognito-idp",
        "cognito-identity",
        "apigateway",
        "apigatewayv2",
    }
    assert all(f"{api}:1 Transform" in e.message for e in report.errors)
    looped = text.replace(
        "Resources:\n",
        "Resources:\n  Fn::ForEach::Extra:\n    - Name\n    - [A, B]\n"
        "    - ${Name}Method: {Type: AWS::ApiGateway::Method}\n",
        1,
    )
    api.write_text(looped, encoding="utf-8")
    assert audited([app, api]).report.status == "incomplete"


def test_the_order_of_a_serverless_file_and_what_it_includes_does_not_matter() -> None:
    example = Path(__file__).parents[2] / "examples" / "templates" / "serverless-app"
    baseline = load_baseline(example / "baseline.yaml")
    files = [example / "serverless.yml", example / "resources" / "cognito.yml"]
    found = [
        [(f.rule_id, f.resource) for f in audited(order, baseline).report.findings]
        for order in (files, files[::-1])
    ]
    assert found[0] == found[1] and found[0]


def test_a_section_declared_otherwise_in_two_files_is_refused(tmp_path: Path) -> None:
    app, api = written(tmp_path, APP)
    same = 'Conditions:\n  GuestsAllowed: !Equals [!Ref AllowGuests, "true"]\n'
    api.write_text(same + api.read_text(encoding="utf-8"), encoding="utf-8")
    load_application([app, api], region=REGION, account_id=ACCOUNT)  # declared alike: fine
    api.write_text(api.read_text(encoding="utf-8").replace('"true"', '"yes"', 1))
    with pytest.raises(InputError) as raised:
        load_application([app, api], region=REGION, account_id=ACCOUNT)
    assert (raised.value.source, raised.value.field) == (str(api), "Conditions.GuestsAllowed")
