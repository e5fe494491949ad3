"""The organization runner's steps against the emulator with several accounts, chained as
the state machine chains them (tests/deploy/organization.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.model.errors import InputError
from auditor.unattended.organization_lambda import NO_RESULT, plan_handler
from tests.deploy.organization import (
    ACCOUNTS,
    BUCKET,
    CENTRAL,
    EXTERNAL_ID,
    TARGETS_YAML,
    Organization,
    run_machine,
)
from tests.support.slack import TOKEN


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in report["targets"]}


def test_plan_lists_every_target_and_hands_the_map_its_limits(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_CONCURRENCY", "25")
    monkeypatch.setenv("TOLERATED_FAILURE_PERCENTAGE", "5")
    plan = plan_handler({"run_id": "plan-1"}, None)
    assert plan["max_concurrency"] == 25 and plan["tolerated_failure_percentage"] == 5
    items = org.object(plan["items_key"])
    assert [item["key"] for item in items] == [
        "alpha@us-east-1",
        "beta@us-east-1",
        "gamma@us-east-1",
    ]
    assert [item["account_id"] for item in items] == list(ACCOUNTS.values())
    assert EXTERNAL_ID not in json.dumps(items)  # items name targets, never credentials


def test_chain_one_denied_account_incomplete_the_others_complete(org: Organization) -> None:
    org.worlds["beta"].client("cognito-idp").create_group(
        GroupName="testers", UserPoolId=org.worlds["beta"].user_pool_id
    )

    summary = run_machine("run-1")

    assert summary["status"] == "incomplete" and summary["exit_code"] == 3
    assert summary["targets"] == 3 and summary["incomplete"] == 1
    report = org.object("reports/latest.json")
    assert report == org.object(summary["report_keys"]["json"])
    targets = _by_name(report)
    assert list(targets) == ["alpha", "beta", "gamma"]
    assert targets["alpha"]["status"] == "complete" and targets["alpha"]["findings"] == []
    assert targets["alpha"]["target"]["account_id"] == ACCOUNTS["alpha"]
    assert targets["beta"]["status"] == "complete"
    assert "group-undeclared" in {f["rule_id"] for f in targets["beta"]["findings"]}
    gamma = targets["gamma"]
    assert gamma["status"] == "incomplete"
    assert any(e["service"] == "sts" and e["operation"] == "AssumeRole" for e in gamma["errors"])
    assert report["summary"]["worst"][0] == "gamma"
    # One combined message, naming the target that changed and the one never audited,
    # counting every target of the run.
    [message] = org.slack.requests
    assert "beta" in json.dumps(message.body) and "gamma" in json.dumps(message.body)
    [totals] = [b for b in message.body["blocks"] if b["type"] == "context"][:1]
    assert totals["elements"][0]["text"] == (
        "3 targets audited · 1 with changes · :warning: 1 incomplete"
    )
    # Each target's own state; no secret anywhere in the bucket.
    assert {"state/alpha.us-east-1.json", "state/beta.us-east-1.json"} <= set(org.object_keys())
    for key in (key for key in org.object_keys() if not key.startswith("config/")):
        body = org.s3().get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
        assert EXTERNAL_ID not in body and TOKEN not in body, key

    # Nothing changed since: no message, and the alert was cleared from beta's state.
    again = run_machine("run-2")
    assert again["exit_code"] == 3 and len(org.slack.requests) == 1
    assert org.object("state/beta.us-east-1.json").get("pending_alert") is None


def test_findings_only_is_exit_1(org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    targets = TARGETS_YAML.replace(f'  - {{name: gamma, account_id: "{ACCOUNTS["gamma"]}"}}\n', "")
    org.s3().put_object(Bucket=BUCKET, Key="config/targets.yaml", Body=targets.encode())
    org.worlds["alpha"].client("cognito-idp").create_group(
        GroupName="testers", UserPoolId=org.worlds["alpha"].user_pool_id
    )
    summary = run_machine("run-findings")
    assert summary["status"] == "complete" and summary["exit_code"] == 1
    monkeypatch.setenv("FAIL_ON", "critical")
    assert run_machine("run-critical")["exit_code"] == 0


def test_a_target_without_result_is_incomplete_not_missing(org: Organization) -> None:
    summary = run_machine("run-crash", skip=("alpha",))
    targets = _by_name(org.object(summary["report_keys"]["json"]))
    assert list(targets) == ["alpha", "beta", "gamma"]
    alpha = targets["alpha"]
    assert alpha["status"] == "incomplete"
    assert alpha["errors"] == [{"service": "lambda", "operation": "Invoke", "message": NO_RESULT}]
    assert alpha["target"]["account_id"] == ACCOUNTS["alpha"]
    assert summary["exit_code"] == 3 and summary["incomplete"] == 2


def test_a_target_that_stops_being_audited_is_news_once(org: Organization) -> None:
    run_machine("run-1")
    assert len(org.slack.requests) == 1  # gamma never audited: news the first time
    assert run_machine("run-2")["exit_code"] == 3
    assert len(org.slack.requests) == 1  # gamma still incomplete: not news again

    run_machine("run-3", skip=("alpha",))  # alpha's invocation left nothing
    assert len(org.slack.requests) == 2
    message = json.dumps(org.slack.requests[1].body)
    assert "alpha" in message and "2 incomplete" in message
    history = org.object("state/alpha.us-east-1.json")["history"]
    assert [run["status"] for run in history] == ["complete", "complete", "incomplete"]
    run_machine("run-4", skip=("alpha",))
    assert len(org.slack.requests) == 2


def test_failed_delivery_keeps_each_pending_alert(org: Organization) -> None:
    from tests.support.slack import Scripted

    org.worlds["beta"].client("cognito-idp").create_group(
        GroupName="testers", UserPoolId=org.worlds["beta"].user_pool_id
    )
    org.slack.default = Scripted(status=500, body='{"ok": false}')
    summary = run_machine("run-down")
    beta = _by_name(org.object(summary["report_keys"]["json"]))["beta"]
    assert any(e["service"] == "slack" for e in beta["errors"])
    pending = org.object("state/beta.us-east-1.json")["pending_alert"]
    assert pending is not None and pending["new"]

    org.slack.default = Scripted()
    org.slack.requests.clear()
    run_machine("run-up")
    [message] = org.slack.requests  # the owed alert, delivered by the next run
    assert "beta" in json.dumps(message.body)
    assert org.object("state/beta.us-east-1.json").get("pending_alert") is None


@pytest.mark.parametrize("event", [{}, {"run_id": "../etc"}, {"run_id": "x" * 81}])
def test_bad_event_is_an_input_error(
    event: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORT_BUCKET", BUCKET)
    with pytest.raises(InputError) as raised:
        plan_handler(event, None)
    assert str(raised.value).startswith("event: run_id")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("MAX_CONCURRENCY", "lots", "MAX_CONCURRENCY: 'lots' is not a whole number"),
        ("MAX_CONCURRENCY", "0", "MAX_CONCURRENCY: 0 is not between 1 and 10000"),
        ("TOLERATED_FAILURE_PERCENTAGE", "101", "TOLERATED_FAILURE_PERCENTAGE: 101 is not"),
    ],
)
def test_bad_map_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv("REPORT_BUCKET", BUCKET)
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError) as raised:
        plan_handler({"run_id": "r"}, None)
    assert str(raised.value).startswith(says)


def test_discovered_accounts_each_audited_in_its_own_invocation(
    org: Organization, tmp_path: Path
) -> None:
    from tests.support.accounts import (
        account_session,
        create_auditor_role,
        create_organization,
        seed_account,
    )

    emulator = org.aws.emulator
    made = create_organization(emulator, CENTRAL, {"ous": {"prod": {"accounts": ["p1", "p2"]}}})
    config = tmp_path / "discovered"
    for account in made.accounts.values():
        seed_account(emulator, account, config, baseline_name=f"baselines/{account}.yaml")
        create_auditor_role(account_session(emulator, account), CENTRAL, EXTERNAL_ID)
    text = (
        "version: 1\n"
        "defaults: {region: us-east-1, role_name: cognito-route-auditor, "
        f'external_id: {EXTERNAL_ID}, baseline: "baselines/{{account_id}}.yaml"}}\n'
        f"organization: {{ou: {made.ous['prod']}, regions: [us-east-1]}}\n"
    )
    s3 = org.s3()
    s3.put_object(Bucket=BUCKET, Key="config/targets.yaml", Body=text.encode())
    for path in (config / "baselines").glob("*.yaml"):
        s3.put_object(Bucket=BUCKET, Key=f"config/baselines/{path.name}", Body=path.read_bytes())

    plan = plan_handler({"run_id": "discovery"}, None)
    items = org.object(plan["items_key"])
    assert sorted(item["account_id"] for item in items) == sorted(made.accounts.values())
    assert all(item["discovered"] and item["name"] == item["account_id"] for item in items)

    summary = run_machine("discovery-run")
    assert summary["status"] == "complete" and summary["exit_code"] == 0
    report = org.object("reports/latest.json")
    assert sorted(entry["name"] for entry in report["targets"]) == sorted(made.accounts.values())
    assert report["errors"] == []


def test_discovery_failure_is_the_runs_error(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The central account is no organization's management account: discovery fails, the
    # listed targets are still audited and the run is incomplete with the failed read.
    text = TARGETS_YAML + "organization: {ou: ou-abcd-12345678, regions: [us-east-1]}\n"
    org.s3().put_object(Bucket=BUCKET, Key="config/targets.yaml", Body=text.encode())
    summary = run_machine("no-org")
    assert summary["status"] == "incomplete" and summary["exit_code"] == 3
    assert summary["targets"] == 3
    services = [e["service"] for e in summary["errors"]]
    assert services and set(services) == {"organizations"}
    assert org.object("reports/latest.json")["errors"] == summary["errors"]


def test_a_target_without_a_region_is_audited_in_its_baseline_s_not_the_lambda_s(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state machine's Lambdas run in eu-west-1; alpha's baseline and pool are in
    us-east-1 and the file names no region: the per-target Lambda audits us-east-1."""
    alpha = ACCOUNTS["alpha"]
    targets = (
        "version: 1\n"
        f"defaults: {{role_name: cognito-route-auditor, external_id: {EXTERNAL_ID}}}\n"
        f'targets: [{{name: alpha, account_id: "{alpha}", baseline: baselines/{alpha}.yaml}}]\n'
    )
    org.s3().put_object(Bucket=BUCKET, Key="config/targets.yaml", Body=targets.encode())
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("SLACK_SECRET_ARN")  # a secret of us-east-1: no alert in this test

    summary = run_machine("run-home-region")

    [entry] = [
        org.object(key)
        for key in org.object_keys()
        if key.startswith("reports/runs/run-home-region/targets/")
    ]
    assert (entry["status"], entry["target"]["region"]) == ("complete", "us-east-1"), entry
    assert summary["exit_code"] in (0, 1)


def _refuse_saving(monkeypatch: pytest.MonkeyPatch, key_part: str) -> None:
    """Every save of a state whose key holds `key_part` fails as a denied PutObject does."""
    from auditor.unattended.stores import S3StateStore

    original = S3StateStore.save

    def save(self: S3StateStore, state: Any) -> None:
        if key_part in self.key:
            raise InputError(self.location, None, "cannot write state: AccessDenied")
        original(self, state)

    monkeypatch.setattr(S3StateStore, "save", save)


def test_a_state_the_aggregate_cannot_save_makes_the_run_incomplete(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `run --targets` says it: the report is out, that target's tracking is not (exit 3
    rather than a clean 0). gamma (never audited) has its incomplete run to record."""
    targets = TARGETS_YAML.replace(f'  - {{name: gamma, account_id: "{ACCOUNTS["gamma"]}"}}\n', "")
    org.s3().put_object(Bucket=BUCKET, Key="config/targets.yaml", Body=targets.encode())
    assert run_machine("run-saved")["exit_code"] == 0
    plan = plan_handler({"run_id": "run-unsaved"}, None)
    from auditor.unattended.organization_lambda import aggregate_handler, target_handler

    for item in org.object(plan["items_key"]):
        target_handler({"run_id": "run-unsaved", "target": item}, None)
    _refuse_saving(monkeypatch, "alpha")  # the aggregate clears alpha's alert: refused
    summary = aggregate_handler({"run_id": "run-unsaved"}, None)
    assert summary["exit_code"] == 3


def test_a_state_the_target_step_could_not_save_makes_the_run_incomplete(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """alpha's step wrote its result, then its state save failed (the invocation failed):
    its findings were never tracked, so the run is not clean."""
    targets = TARGETS_YAML.replace(f'  - {{name: gamma, account_id: "{ACCOUNTS["gamma"]}"}}\n', "")
    org.s3().put_object(Bucket=BUCKET, Key="config/targets.yaml", Body=targets.encode())
    plan = plan_handler({"run_id": "run-step-unsaved"}, None)
    from auditor.unattended.organization_lambda import aggregate_handler, target_handler

    for item in org.object(plan["items_key"]):
        if item["name"] == "alpha":
            with monkeypatch.context() as patched:
                _refuse_saving(patched, "alpha")
                with pytest.raises(InputError):
                    target_handler({"run_id": "run-step-unsaved", "target": item}, None)
        else:
            target_handler({"run_id": "run-step-unsaved", "target": item}, None)
    summary = aggregate_handler({"run_id": "run-step-unsaved"}, None)
    alpha = _by_name(org.object(summary["report_keys"]["json"]))["alpha"]
    assert alpha["status"] == "complete"  # its report is out, as its step wrote it
    assert summary["exit_code"] == 3
