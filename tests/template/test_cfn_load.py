"""CloudFormation files -> Application -> Snapshot: what cannot be resolved makes the report
incomplete (naming file, line and field), parameters and conditions decide what is deployed,
a baseline written for the live account adopts its ids, and bad files are exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.model.baseline import Baseline
from auditor.model.baseline_file import load_baseline
from auditor.model.errors import InputError
from auditor.template.load import is_sam, is_serverless, load_application
from tests.template.cfn_app import (
    ACCOUNT,
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
            )
        ],
    )
    result = audited(paths)
    assert result.report.status == "incomplete"
    (error,) = result.built.snapshot.errors
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


LIVE_BASELINE = """
version: 1
region: eu-west-1
user_pool: {id: eu-west-1_AbCdEf012}
identity_pool:
  id: "eu-west-1:0d3a1c2b-7e4f-4a5b-9c8d-1e2f3a4b5c6d"
  role_resolution: token
  ambiguous_role_resolution: AuthenticatedRole
  authenticated_role: arn:aws:iam::210987654321:role/users-signed-in
  unauthenticated_role: null
  app_clients: [1example23456789]
apis: [{id: a1b2c3d4e5, stage: prod}]
public_routes: ["GET /health"]
routes:
  all_users: ["GET /items", "GET /items/{id}"]
  default: ["GET /me"]
groups:
  admin:
    precedence: 0
    role: arn:aws:iam::210987654321:role/app-admin
    routes: ["* /admin/*", "DELETE /items/{id}"]
  editors:
    precedence: 10
    role: arn:aws:iam::210987654321:role/prod-EditorsRole-1A2B3C4D
    routes: ["POST /items", "GET /administrators"]
"""


LIVE_POOL = "eu-west-1:0d3a1c2b-7e4f-4a5b-9c8d-1e2f3a4b5c6d"


def live_baseline(tmp_path: Path) -> Baseline:
    path = tmp_path / "live.yaml"
    path.write_text(LIVE_BASELINE, encoding="utf-8")
    return load_baseline(path)


# The default role without a name (adopted by reference), the editors' role named by
# CloudFormation (adopted by pattern), the admin's by RoleName.
UNNAMED_ROLES = [
    ("app.yaml", "      RoleName: app-default\n", ""),
    ("app.yaml", "      RoleName: app-editors\n", ""),
]


def test_a_baseline_written_for_the_live_account_audits_the_template_clean(
    tmp_path: Path,
) -> None:
    result = audited(written(tmp_path, APP, UNNAMED_ROLES), live_baseline(tmp_path))
    assert result.report.status == "complete", result.built.snapshot.errors
    assert result.findings() == set()
    snapshot = result.built.snapshot
    assert (snapshot.account_id, snapshot.region) == ("210987654321", "eu-west-1")
    assert snapshot.user_pool and snapshot.user_pool.id == "eu-west-1_AbCdEf012"
    assert snapshot.identity_pool and snapshot.identity_pool.authenticated_role == (
        "arn:aws:iam::210987654321:role/users-signed-in"
    )
    assert [api.id for api in snapshot.apis] == ["a1b2c3d4e5"]


def test_references_that_disagree_adopt_nothing(tmp_path: Path) -> None:
    """The editors' group points at the default role too: the default role is referenced
    for two baseline ARNs, so it keeps its made-up ARN and the audit says so."""
    edits = [
        *UNNAMED_ROLES,
        ("app.yaml", "RoleArn: !GetAtt EditorsRole.Arn", "RoleArn: !GetAtt DefaultRole.Arn"),
    ]
    result = audited(written(tmp_path, APP, edits), live_baseline(tmp_path))
    assert "arn:aws:iam::210987654321:role/DefaultRole" in result.built.snapshot.roles
    drift = ("default-role-drift", None, None, f"{LIVE_POOL}#authenticated")
    assert drift in result.findings()


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
