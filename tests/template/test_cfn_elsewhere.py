"""What a template hands to something that is not read offline (a nested stack, a custom
resource, a cloned API) leaves what it may change unknown: incomplete, never clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.template.cfn_app import audited, written

APP = ("app.yaml", "rest_api.yaml")


def with_resources(tmp_path: Path, text: str) -> list[Path]:
    """The clean app, with `text` (resources, indented by two) appended to its API file."""
    paths = written(tmp_path, APP)
    api = paths[1]
    api.write_text(api.read_text(encoding="utf-8") + text, encoding="utf-8")
    return paths


def failed(paths: list[Path]) -> dict[str, str]:
    """The failed reads of the template audit: service -> the logical id its message names
    ("<path>:<line> <LogicalId> <field>: <reason>")."""
    report = audited(paths).report
    assert (report.status == "incomplete") == bool(report.errors)
    return {error.service: error.message.split()[1] for error in report.errors}


def test_the_clean_app_is_complete(tmp_path: Path) -> None:
    assert failed(written(tmp_path, APP)) == {}


NESTED = """  Extra:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://example.com/extra.yaml
      Parameters: {ApiId: !Ref Api}
"""
HANDED_A_ROLE = """  Tweak:
    Type: Custom::RoleTweaker
    Properties: {ServiceToken: arn:aws:lambda:us-east-1:1:function:f, Role: !Ref EditorsRole}
"""
HANDED_NOTHING = """  Certificate:
    Type: Custom::Certificate
    Properties: {ServiceToken: arn:aws:lambda:us-east-1:1:function:f, Domain: x.example.com}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a nested stack may attach a policy to any role by name, and add routes to the API
        (NESTED, {"iam": "Extra", "apigateway": "Extra"}),
        (HANDED_A_ROLE, {"iam": "Tweak"}),
        (HANDED_NOTHING, {}),
    ],
)
def test_what_is_handed_elsewhere_is_unknown(
    tmp_path: Path, text: str, expected: dict[str, str]
) -> None:
    assert failed(with_resources(tmp_path, text)) == expected


def test_a_cloned_api_s_routes_are_unknown(tmp_path: Path) -> None:
    paths = written(tmp_path, APP)
    api = paths[1]
    text = api.read_text(encoding="utf-8")
    assert text.count("    Type: AWS::ApiGateway::RestApi\n") == 1
    api.write_text(
        text.replace(
            "    Type: AWS::ApiGateway::RestApi\n",
            "    Type: AWS::ApiGateway::RestApi\n    Metadata: {}\n",
        ).replace("    Properties:\n", "    Properties:\n      CloneFrom: abc123\n", 1),
        encoding="utf-8",
    )
    assert failed(paths) == {"apigateway": "Api"}
