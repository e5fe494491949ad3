"""`auditor run --template`: the live account against the template that describes it.

fixtures/app.yaml is deployed into the emulator (auditor.emulator.deploy_template, as
CloudFormation would); a baseline names what was deployed. Unchanged, the run finds nothing;
changed out of band (a group's role set in the console, an inline policy put on a role, a
method redeployed with another authorization), each change is a template-drift finding on the
template's line, while the rest of the run is `run`'s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.emulator.deploy_template import Deployed, deploy_application
from auditor.template.load import load_application
from tests.support.aws import Aws
from tests.support.cli import CliResult, invoke

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "app.yaml"
TEXT = FIXTURE.read_text(encoding="utf-8")


def line_of(logical_id: str) -> int:
    return next(i for i, line in enumerate(TEXT.splitlines(), 1) if line == f"  {logical_id}:")


def baseline_for(deployed: Deployed) -> dict[str, Any]:
    """fixtures/baseline.yaml, naming what was deployed."""
    baseline: dict[str, Any] = yaml.safe_load((FIXTURE.parent / "baseline.yaml").read_text())
    arn = {lid: value for (lid, attr), value in deployed.attributes.items() if attr == "Arn"}
    baseline["user_pool"] = {"id": deployed.physical["UserPool"]}
    baseline["identity_pool"] |= {
        "id": deployed.physical["IdentityPool"],
        "authenticated_role": arn["DefaultRole"],
    }
    baseline["identity_pool"].pop("name")
    baseline["groups"]["admin"]["role"] = arn["AdminRole"]
    baseline["groups"]["editors"]["role"] = arn["EditorsRole"]
    return baseline


class Deployment:
    def __init__(self, aws: Aws, folder: Path) -> None:
        self.aws, self.folder = aws, folder
        self.template = folder / "app.yaml"
        self.template.write_text(TEXT, encoding="utf-8")
        app = load_application([self.template], region=aws.region, account_id="123456789012")
        self.deployed = deploy_application(app, aws.session, endpoint_url=aws.url)
        self.baseline = folder / "baseline.yaml"
        self.baseline.write_text(yaml.safe_dump(baseline_for(self.deployed)), encoding="utf-8")

    def client(self, name: str) -> Any:
        return self.aws.session.client(name, endpoint_url=self.aws.url)  # type: ignore[call-overload]

    def run(self, *args: str) -> CliResult:
        return invoke(
            [
                "run", "--baseline", str(self.baseline), "--template", str(self.template),
                "--endpoint-url", self.aws.url, "-f", "json", *args,
            ]
        )  # fmt: skip

    def drift(self, result: CliResult) -> set[tuple[str, str | None, str, int]]:
        report = json.loads(result.stdout)
        return {
            (f["resource"], f.get("route"), f["template"]["logical_id"], f["template"]["line"])
            for f in report["findings"]
            if f["rule_id"] == "template-drift"
        }


@pytest.fixture
def deployment(aws: Aws, tmp_path: Path) -> Deployment:
    return Deployment(aws, tmp_path)


def test_live_as_the_template_describes_it_has_no_drift(deployment: Deployment) -> None:
    result = deployment.run()
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "complete" and report["findings"] == []


def test_changes_out_of_band_are_template_drift_on_their_lines(deployment: Deployment) -> None:
    deployed = deployment.deployed
    pool = deployed.physical["UserPool"]
    admin_role = deployed.attributes[("AdminRole", "Arn")]
    # The editors' role set to the admins' in the console.
    deployment.client("cognito-idp").update_group(
        UserPoolId=pool, GroupName="editors", RoleArn=admin_role, Precedence=10
    )
    # An inline policy put on the default role by hand.
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*",
                                                         "Resource": "*"}]}  # fmt: skip
    deployment.client("iam").put_role_policy(
        RoleName="app-default", PolicyName="by-hand", PolicyDocument=json.dumps(document)
    )
    result = deployment.run("--fail-on", "critical")
    report = json.loads(result.stdout)
    assert report["status"] == "complete", report["errors"]
    group = f"{deployed.attributes[('UserPool', 'Arn')]}/group/editors"
    assert deployment.drift(result) == {
        (group, None, "EditorsGroup", line_of("EditorsGroup")),
        (deployed.attributes[("DefaultRole", "Arn")], None, "DefaultRole", line_of("DefaultRole")),
    }
    # The rest of the run is run's: the drifted group is also group-role-drift, unlocated.
    others = [f for f in report["findings"] if f["rule_id"] != "template-drift"]
    assert {f["rule_id"] for f in others} >= {"group-role-drift"}
    assert all("template" not in f for f in others)
    assert result.exit_code == 0  # template-drift is high, under --fail-on critical


def test_a_method_redeployed_with_another_authorization(deployment: Deployment) -> None:
    apigateway = deployment.client("apigateway")
    api = deployment.deployed.physical["Api"]
    me = next(
        r["id"] for r in apigateway.get_resources(restApiId=api)["items"] if r["path"] == "/me"
    )
    apigateway.update_method(
        restApiId=api,
        resourceId=me,
        httpMethod="GET",
        patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "NONE"}],
    )
    apigateway.create_deployment(restApiId=api, stageName="prod")
    result = deployment.run()
    assert result.exit_code == 1
    drift = deployment.drift(result)
    assert {(route, lid, line) for _, route, lid, line in drift} == {
        ("GET /me", "MeGet", line_of("MeGet"))
    }


def test_what_the_template_cannot_resolve_is_incomplete(deployment: Deployment) -> None:
    deployment.template.write_text(
        TEXT.replace("RoleArn: !GetAtt EditorsRole.Arn", "RoleArn: !ImportValue editors-role"),
        encoding="utf-8",
    )
    result = deployment.run("--fail-on", "none")
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["status"] == "incomplete"
    assert any("EditorsGroup" in error["message"] for error in report["errors"])
