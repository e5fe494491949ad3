"""The SAM template's role allows exactly what a collection run calls, and writes nothing else.

The calls come from the emulator's request log after a real collection, not from a list
someone keeps by hand; the declared OPERATIONS must match both.
"""

from __future__ import annotations

import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from cfnlint.decode import cfn_yaml

from auditor.collect import CALLS, OPERATIONS, AwsOptions, collect_snapshot
from auditor.commands.run import target_of
from auditor.model.baseline_file import load_baseline
from tests.support.aws import Aws
from tests.support.world import HTTP_STAGE, build_world

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.yaml"
READ_PREFIXES = ("Get", "List", "Describe", "GET")
_REST = ("apigateway", "apigatewayv2")


def _statements(*, conditions: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Every Allow/Deny statement of the function's role, Fn::If branches included (with
    `conditions`, only the unconditional ones and those of policies under these)."""
    statements = []
    for condition, policy in _policies():
        if conditions is not None and condition is not None and condition not in conditions:
            continue
        statements += policy["PolicyDocument"]["Statement"]
    return statements


def _policies() -> list[tuple[str | None, dict[str, Any]]]:
    """(the condition a policy is granted under, or None; the policy)."""
    template = cfn_yaml.loads(TEMPLATE.read_text(encoding="utf-8"))
    found: list[tuple[str | None, dict[str, Any]]] = []
    for policy in template["Resources"]["AuditRole"]["Properties"]["Policies"]:
        if "Fn::If" in policy:
            condition, configured, _ = policy["Fn::If"]
            found.append((condition, configured))  # the "configured" branch
        else:
            found.append((None, policy))
    return found


SECURITY_HUB_IMPORT = "securityhub:BatchImportFindings"


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def _resources(statement: dict[str, Any]) -> list[str]:
    resource = statement["Resource"]
    items = resource if isinstance(resource, list) else [resource]
    return [str(r) for r in items]


def _allows(action: str) -> bool:
    return any(
        s["Effect"] == "Allow" and any(fnmatchcase(action.lower(), a.lower()) for a in _actions(s))
        for s in _statements()
    )


def iam_action(call: str) -> str:
    """The permission an emulator-logged call needs: API Gateway authorises each call by its
    HTTP verb (every read, ExportApi included, is apigateway:GET)."""
    service, operation = call.split(":", 1)
    if service in _REST:
        model = botocore.session.get_session().get_service_model(service)
        return f"apigateway:{model.operation_model(operation).http['method']}"
    return call


@pytest.fixture
def collected_calls(aws: Aws, tmp_path: Path) -> set[str]:
    world = build_world(aws.emulator, aws.session, tmp_path)
    # A stage that serves a deployment, so that the collection exports it (ExportApi).
    http = world.api_client("apigatewayv2")
    http.update_stage(ApiId=world.http_id, StageName=HTTP_STAGE, AutoDeploy=False)
    http.create_deployment(ApiId=world.http_id, StageName=HTTP_STAGE)
    aws.emulator.clear_operations()
    baseline = load_baseline(world.baseline_path)
    snapshot = collect_snapshot(
        target_of(baseline), AwsOptions(region="us-east-1", endpoint_url=world.url)
    )
    assert snapshot.complete, snapshot.errors
    calls = set(aws.emulator.operations())
    assert {"apigateway:GetDeployment", "apigatewayv2:ExportApi"} <= calls
    return calls


def test_role_allows_every_call_a_collection_makes(collected_calls: set[str]) -> None:
    assert collected_calls <= set(CALLS), "collector calls something it does not declare"
    needed = {iam_action(call) for call in collected_calls}
    assert needed <= set(OPERATIONS)
    missing = sorted(action for action in needed if not _allows(action))
    assert missing == []


def test_role_read_actions_are_exactly_the_declared_operations() -> None:
    granted = {
        a
        for s in _statements()
        for a in _actions(s)
        if not a.startswith(("s3:", "logs:", "secretsmanager:", "ssm:"))
        and a != SECURITY_HUB_IMPORT
    }
    assert granted == set(OPERATIONS)


def test_no_write_action_outside_own_bucket_and_logs() -> None:
    for statement in _statements():
        assert statement["Effect"] == "Allow"
        for action in _actions(statement):
            assert "*" not in action, action
            service, name = action.split(":", 1)
            if name.startswith(READ_PREFIXES):
                continue
            resources = _resources(statement)
            if service == "s3":
                assert all("ReportsBucket.Arn" in r for r in resources), (action, resources)
            elif service == "logs":
                assert all("AuditLogGroup.Arn" in r for r in resources), (action, resources)
            elif action == SECURITY_HUB_IMPORT:
                continue  # opt-in: test_security_hub_import_is_granted_only_when_enabled
            else:
                pytest.fail(f"write action {action} on {resources}")


def test_scoped_where_aws_supports_it() -> None:
    unscoped = {a for s in _statements() if "*" in _resources(s) for a in _actions(s)}
    # AWS offers no resource-level permission for these.
    assert unscoped == {
        "cognito-idp:ListUserPools",
        "cognito-identity:ListIdentityPools",
        "iam:GetAccountAuthorizationDetails",
        "sts:GetCallerIdentity",
    }


def test_template_passes_cfn_lint() -> None:
    # The CLI in a subprocess, as CI runs it (in-process linting was killed for memory here).
    cli = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run(
        [str(cli), str(TEMPLATE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_scoped_resources_are_of_the_actions_service() -> None:
    # _allows() matches actions only: a grant scoped to another service's ARNs (a typo in
    # the template) would pass it and fail in AWS.
    for statement in _statements():
        scoped = [r for r in _resources(statement) if r != "*"]
        for action in _actions(statement):
            if action in OPERATIONS:
                service = action.split(":", 1)[0]
                assert all(f":{service}:" in r for r in scoped), (action, scoped)


def test_security_hub_import_is_granted_only_when_enabled() -> None:
    # The one write to the audited account (--security-hub), under EnableSecurityHub only,
    # and only into the account's own default product.
    granting = [
        (condition, statement)
        for condition, policy in _policies()
        for statement in policy["PolicyDocument"]["Statement"]
        if SECURITY_HUB_IMPORT in _actions(statement)
    ]
    assert [condition for condition, _ in granting] == ["SecurityHubEnabled"]
    assert not any(
        SECURITY_HUB_IMPORT in _actions(s) for s in _statements(conditions=("HasSlackSecret",))
    )
    template = cfn_yaml.loads(TEMPLATE.read_text(encoding="utf-8"))
    condition = template["Conditions"]["SecurityHubEnabled"]
    assert condition == {"Fn::Equals": [{"Ref": "EnableSecurityHub"}, "true"]}
    assert template["Parameters"]["EnableSecurityHub"]["Default"] == "false"
    ((_, statement),) = granting
    assert all(":securityhub:" in r and "product/" in r for r in _resources(statement))
    variables = template["Resources"]["AuditFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["SECURITY_HUB"] == {"Ref": "EnableSecurityHub"}
