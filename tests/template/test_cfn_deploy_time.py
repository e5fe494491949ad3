"""What only a deployment decides, on the CloudFormation app (fixtures/cfn): the report is
incomplete, never clean; and what CloudFormation itself fills in is read as it does."""

from __future__ import annotations

from pathlib import Path

from tests.template.cfn_app import REGION, Edit, audited, written

APP = ("app.yaml", "rest_api.yaml")
WEB_MAPPING = '          IdentityProvider: !Sub "${UserPool.ProviderName}:${WebClient}"\n'
PROVIDER = f"cognito-idp.{REGION}.amazonaws.com/{REGION}_UserPool:WebClient"


def errors(tmp_path: Path, edits: list[Edit]) -> list[str]:
    result = audited(written(tmp_path, APP, edits))
    assert result.report.status == "incomplete"
    return [f"{e.service}: {e.message}" for e in result.built.snapshot.errors]


def test_a_role_mapping_without_identity_provider_is_keyed_by_its_name(tmp_path: Path) -> None:
    """CloudFormation uses the RoleMappings key as the provider where IdentityProvider is
    absent: the same snapshot, the same (clean) audit."""
    edits: list[Edit] = [("app.yaml", f"        web:\n{WEB_MAPPING}", f"        {PROVIDER}:\n")]
    result = audited(written(tmp_path, APP, edits))
    assert result.report.status == "complete", result.built.snapshot.errors
    assert result.findings() == set()
    pool = result.built.snapshot.identity_pool
    assert pool is not None and list(pool.role_mappings or {}) == [PROVIDER]


def test_two_mappings_for_one_provider_are_unresolved(tmp_path: Path) -> None:
    edits: list[Edit] = [
        (
            "app.yaml",
            f"        web:\n{WEB_MAPPING}",
            f"        {PROVIDER}:\n          Type: Token\n        web:\n{WEB_MAPPING}",
        )
    ]
    (error,) = errors(tmp_path, edits)
    assert error.startswith("cognito-identity: ")
    assert f"a second role mapping for {PROVIDER}" in error


def test_a_second_role_attachment_for_the_pool_is_unresolved(tmp_path: Path) -> None:
    """CloudFormation creates both in parallel: which roles are in place is not known, so the
    last one in the file is no answer."""
    second = (
        "  SecondAttachment:\n    Type: AWS::Cognito::IdentityPoolRoleAttachment\n"
        "    Properties:\n      IdentityPoolId: !Ref IdentityPool\n"
        "      Roles: {authenticated: !GetAtt AdminRole.Arn}\n"
    )
    edits: list[Edit] = [("app.yaml", "  DefaultRole:\n", f"{second}  DefaultRole:\n")]
    (error,) = errors(tmp_path, edits)
    assert error.startswith("cognito-identity: ")
    assert "SecondAttachment" in error and "a second role attachment" in error


def test_a_guest_switch_read_from_ssm_is_unresolved(tmp_path: Path) -> None:
    """The parameter's Default is the SSM parameter's name: "true" may be its value."""
    edits: list[Edit] = [
        (
            "app.yaml",
            '    Type: String\n    Default: "false"\n    AllowedValues: ["true", "false"]\n',
            "    Type: AWS::SSM::Parameter::Value<String>\n    Default: /app/allow-guests\n",
        )
    ]
    (error,) = errors(tmp_path, edits)
    assert error.startswith("cognito-identity: ")
    assert "parameter AllowGuests is read from SSM parameter /app/allow-guests at deploy" in error
