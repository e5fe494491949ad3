"""deploy/organization.yaml and its state machine: the shape the runner relies on, and roles
that can do only their step's work."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.deploy.templates import DEPLOY, actions, load, resources, statements

LAMBDA_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


def _asl() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEPLOY / "organization.asl.json").read_text("utf-8"))
    return data


def _resource(name: str) -> dict[str, Any]:
    found: dict[str, Any] = load("organization.yaml")["Resources"][name]
    return found


def _role_statements(name: str) -> list[dict[str, Any]]:
    return statements(_resource(name)["Properties"]["Policies"])


def test_every_placeholder_is_substituted() -> None:
    text = (DEPLOY / "organization.asl.json").read_text("utf-8")
    placeholders = set(re.findall(r"\$\{(\w+)\}", text))
    machine = _resource("OrganizationStateMachine")["Properties"]
    assert machine["DefinitionUri"] == "organization.asl.json"
    assert set(machine["DefinitionSubstitutions"]) == placeholders
    assert machine["Type"] == "STANDARD"


def test_distributed_map_over_the_planned_items() -> None:
    states = _asl()["States"]
    assert _asl()["StartAt"] == "Plan" and states["Plan"]["Next"] == "AuditEachTarget"
    fan_out = states["AuditEachTarget"]
    assert fan_out["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    reader = fan_out["ItemReader"]
    assert reader["Resource"] == "arn:aws:states:::s3:getObject"
    assert reader["ReaderConfig"] == {"InputType": "JSON"}
    assert reader["Parameters"] == {"Bucket.$": "$.plan.bucket", "Key.$": "$.plan.items_key"}
    # The plan step hands over the template's MaxConcurrency and ToleratedFailurePercentage.
    assert fan_out["MaxConcurrencyPath"] == "$.plan.max_concurrency"
    assert fan_out["ToleratedFailurePercentagePath"] == "$.plan.tolerated_failure_percentage"
    selected = states["Plan"]["ResultSelector"]
    assert selected["max_concurrency.$"] == "$.Payload.max_concurrency"
    assert selected["tolerated_failure_percentage.$"] == "$.Payload.tolerated_failure_percentage"
    plan_env = _resource("PlanFunction")["Properties"]["Environment"]["Variables"]
    assert plan_env["MAX_CONCURRENCY"] == {"Ref": "MaxConcurrency"}
    assert plan_env["TOLERATED_FAILURE_PERCENTAGE"] == {"Ref": "ToleratedFailurePercentage"}
    assert fan_out["ResultWriter"]["Parameters"]["Bucket"] == "${ReportsBucket}"
    # Past the tolerated failures the aggregate still runs (the missing targets incomplete).
    assert fan_out["Next"] == "Aggregate"
    assert [c["Next"] for c in fan_out["Catch"]] == ["Aggregate"]
    assert (
        states["Aggregate"]["Next"] == "Verdict"
    )  # then Fail on 3 or 4 (tests/deploy/test_asl.py)


def test_every_lambda_task_retries_service_errors_and_throttles() -> None:
    states = _asl()["States"]
    tasks = [
        states["Plan"],
        states["AuditEachTarget"]["ItemProcessor"]["States"]["AuditTarget"],
        states["Aggregate"],
    ]
    for task in tasks:
        assert task["Resource"] == "arn:aws:states:::lambda:invoke"
        retried = {error for retry in task["Retry"] for error in retry["ErrorEquals"]}
        assert retried == LAMBDA_ERRORS  # not States.ALL: a bug is not retried six times


def test_runner_may_assume_only_the_member_role() -> None:
    assuming = [s for s in _role_statements("TargetRole") if "sts:AssumeRole" in actions(s)]
    assert [resources(s) for s in assuming] == [
        ["arn:${AWS::Partition}:iam::*:role/${MemberRoleName}"]
    ]
    for role in ("PlanRole", "AggregateRole", "StateMachineRole"):
        assert not any(a.startswith("sts:") for s in _role_statements(role) for a in actions(s))


def test_only_the_plan_reads_the_organization() -> None:
    plan = {a for s in _role_statements("PlanRole") for a in actions(s)}
    assert {a for a in plan if a.startswith("organizations:")} == {
        "organizations:ListAccountsForParent",
        "organizations:ListOrganizationalUnitsForParent",
    }
    for role in ("TargetRole", "AggregateRole", "StateMachineRole"):
        granted = {a for s in _role_statements(role) for a in actions(s)}
        assert not any(a.startswith("organizations:") for a in granted), role


def test_s3_grants_stay_in_each_steps_prefixes() -> None:
    writable = {
        "PlanRole": {"reports/runs/*"},
        "TargetRole": {"state/*", "reports/runs/*"},
        "AggregateRole": {"reports/*", "state/*"},
        "StateMachineRole": {"reports/map-results/*"},
    }
    for role, prefixes in writable.items():
        for statement in _role_statements(role):
            for action in actions(statement):
                assert "*" not in action, (role, action)
                if action == "s3:PutObject":
                    allowed = {f"${{ReportsBucket.Arn}}/{prefix}" for prefix in prefixes}
                    assert set(resources(statement)) <= allowed, (role, resources(statement))
                elif action.startswith("s3:"):
                    assert all("ReportsBucket" in r for r in resources(statement)), role


def test_state_machine_invokes_only_its_three_functions() -> None:
    invoking = [
        s for s in _role_statements("StateMachineRole") if "lambda:InvokeFunction" in actions(s)
    ]
    assert [resources(s) for s in invoking] == [
        ["PlanFunction.Arn", "TargetFunction.Arn", "AggregateFunction.Arn"]
    ]
    handlers = {
        name: _resource(name)["Properties"]["Handler"]
        for name in ("PlanFunction", "TargetFunction", "AggregateFunction")
    }
    module = "auditor.unattended.organization_lambda"
    assert handlers == {
        "PlanFunction": f"{module}.plan_handler",
        "TargetFunction": f"{module}.target_handler",
        "AggregateFunction": f"{module}.aggregate_handler",
    }


def test_single_lambda_assumes_member_roles_only_with_a_targets_file() -> None:
    template = load("template.yaml")
    policy = template["Resources"]["TargetsPolicy"]
    assert policy["Type"] == "AWS::IAM::RolePolicy" and policy["Condition"] == "RunsTargets"
    assert policy["Properties"]["RoleName"] == {"Ref": "AuditRole"}
    assert template["Conditions"]["RunsTargets"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "TargetsFile"}, ""]}]
    }
    granted = {
        action: resources(statement)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in actions(statement)
    }
    assert granted == {
        "sts:AssumeRole": ["arn:${AWS::Partition}:iam::*:role/${MemberRoleName}"],
        "organizations:ListAccountsForParent": ["*"],
        "organizations:ListOrganizationalUnitsForParent": ["*"],
    }
    variables = template["Resources"]["AuditFunction"]["Properties"]["Environment"]["Variables"]
    assert {"TARGETS_PATH", "TARGETS_S3_URI"} <= set(variables)


def _assume_member(template: str) -> list[dict[str, Any]]:
    found = load(template)["Resources"]
    policies = [
        policy
        for resource in found.values()
        if resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::RolePolicy")
        for policy in resource["Properties"].get("Policies", [resource["Properties"]])
        if "PolicyDocument" in policy
    ]
    return [s for s in statements(policies) if "sts:AssumeRole" in actions(s)]


def test_the_member_role_is_assumed_only_in_the_organization_when_its_id_is_given() -> None:
    for template in ("organization.yaml", "template.yaml"):
        parameter = load(template)["Parameters"]["OrganizationId"]
        assert parameter["Default"] == "" and re.fullmatch(
            parameter["AllowedPattern"], "o-a1b2c3d4e5"
        )
        assert load(template)["Conditions"]["HasOrganizationId"] == {
            "Fn::Not": [{"Fn::Equals": [{"Ref": "OrganizationId"}, ""]}]
        }
        [statement] = _assume_member(template)
        assert statement["Condition"] == {
            "Fn::If": [
                "HasOrganizationId",
                {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}},
                {"Ref": "AWS::NoValue"},
            ]
        }, template
