"""One list of rules (CHECKS) and every place a rule id is written held to it; the catalog
joins its metadata into findings."""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from auditor.audit import catalog
from auditor.audit.catalog import load_catalog, make_finding, rules_for
from auditor.checks import CHECKS, AuditContext, Check, run
from auditor.model.baseline import Baseline
from auditor.model.errors import InputError
from auditor.model.findings import Issue, Severity, fingerprint
from auditor.model.snapshot import CollectionError
from auditor.schemas import load_schema, validator
from tests.support import snapshots

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"

# The contract's rule tables (§5, then §6's as its rules are built), in their order, with
# their default severities: a new rule is added here as the contract lists it.
CONTRACT_RULES = {
    "missing-all-users-route": "high",
    "missing-route": "medium",
    "excess-route": "high",
    "overbroad-grant": "medium",
    "role-mapping-missing": "high",
    "role-mapping-drift": "medium",
    "default-role-missing": "high",
    "default-role-drift": "medium",
    "unauthenticated-enabled": "high",
    "classic-flow-enabled": "high",
    "group-missing": "high",
    "group-undeclared": "medium",
    "group-role-missing": "high",
    "group-role-drift": "high",
    "precedence-drift": "medium",
    "ambiguous-precedence": "high",
    "trust-not-cognito": "high",
    "trust-missing-aud": "critical",
    "trust-wrong-pool": "high",
    "trust-missing-amr": "high",
    "route-not-iam": "high",
    "route-undeclared": "medium",
    "route-missing": "medium",
    "resource-policy-public": "high",
    "changed-since-last-run": "info",
    "claim-rule-undeclared": "high",
    "claim-user-writable": "critical",
    "role-mapping-inconsistent": "medium",
    "group-role-unused": "medium",
    "route-undeployed-change": "medium",
    "policy-unreadable": "high",
    "template-drift": "high",
}


def _rule_files() -> dict[str, Path]:
    return {path.stem: path for path in RULES_DIR.glob("*.yaml")}


def _schema_rule_ids() -> list[str]:
    enum: list[str] = load_schema("report")["$defs"]["finding"]["properties"]["rule_id"]["enum"]
    return enum


# Every id written anywhere: a rule in only some of the places is a case of its own.
EVERY_ID = sorted({*CHECKS, *_rule_files(), *_schema_rule_ids(), *CONTRACT_RULES})


def _rule_ids_named(check: Check) -> set[str]:
    """The rule ids a check's code writes: in the function and in the helpers of its module
    that it uses, as a literal or through a module constant."""
    module = sys.modules[check.__module__]
    tree = ast.parse(inspect.getsource(module))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    found: set[str] = set()
    todo, seen = [check.__name__], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Constant) and node.value in EVERY_ID:
                found.add(node.value)
            elif isinstance(node, ast.Name):
                value = vars(module).get(node.id)
                if isinstance(value, str) and value in EVERY_ID:
                    found.add(value)
                todo.append(node.id)
    return found


@pytest.mark.parametrize("rule_id", EVERY_ID)
def test_rule_is_in_every_place(rule_id: str) -> None:
    """A rule is one entry of CHECKS and one rules/<id>.yaml; every other place agrees."""
    registry = list(CHECKS)
    assert rule_id in CHECKS, "in the registry of checks (auditor.checks.CHECKS)"
    assert rule_id in CONTRACT_RULES, "a rule of the contract's tables (CONTRACT_RULES)"
    assert registry.index(rule_id) == list(CONTRACT_RULES).index(rule_id), "in the contract's order"
    schema_ids = _schema_rule_ids()
    assert rule_id in schema_ids, "in report.schema.json's rule_id enum"
    assert schema_ids.index(rule_id) == registry.index(rule_id), "in the enum, in that order"

    path = _rule_files().get(rule_id)
    assert path is not None, f"rules/{rule_id}.yaml exists"
    data = yaml.safe_load(path.read_text())
    assert [e.message for e in validator("rule").iter_errors(data)] == []
    assert data["id"] == rule_id
    assert data["severity"] == CONTRACT_RULES[rule_id]
    for url in data["references"]:
        assert url.startswith("https://docs.aws.amazon.com/"), url
    rule = load_catalog()[rule_id]
    assert rule.severity is Severity(CONTRACT_RULES[rule_id])
    assert rule.title and not rule.title.endswith(".")

    assert _rule_ids_named(CHECKS[rule_id]) == {rule_id}, "its check emits its own id only"


def test_the_rules_folder_holds_only_rule_files() -> None:
    assert [p for p in RULES_DIR.iterdir() if p.suffix != ".yaml"] == []


def test_load_catalog_is_cached() -> None:
    assert load_catalog() is load_catalog()


def test_make_finding_joins_catalog_metadata() -> None:
    issue = Issue(
        rule_id="excess-route",
        message="group:editors can call DELETE /items/{id}",
        resource="arn:aws:iam::123456789012:role/app-editors",
        persona="group:editors",
        route="DELETE /items/{id}",
        api_id="a1b2c3d4e5",
        evidence={"allowing": ["editors-policy#0"]},
    )
    finding = make_finding(issue)
    rule = load_catalog()["excess-route"]
    assert finding.severity is Severity.HIGH
    assert finding.title == rule.title
    assert finding.remediation == rule.remediation
    assert finding.message == issue.message
    assert (finding.resource, finding.persona, finding.route, finding.api_id) == (
        issue.resource,
        "group:editors",
        "DELETE /items/{id}",
        "a1b2c3d4e5",
    )
    assert finding.evidence == {"allowing": ["editors-policy#0"]}
    assert finding.fingerprint == fingerprint(
        "excess-route", issue.resource, "group:editors", "DELETE /items/{id}", "a1b2c3d4e5"
    )


def test_make_finding_severity_override_and_stable_fingerprint() -> None:
    base = Issue(
        rule_id="route-not-iam",
        message="GET /x has authorization NONE",
        resource="a1b2c3d4e5",
        route="GET /x",
        api_id="a1b2c3d4e5",
    )
    raised = base.model_copy(update={"severity": Severity.CRITICAL, "message": "reworded"})
    assert make_finding(base).severity is Severity.HIGH
    assert make_finding(raised).severity is Severity.CRITICAL
    assert make_finding(raised).fingerprint == make_finding(base).fingerprint


def test_make_finding_unknown_rule() -> None:
    with pytest.raises(ValueError, match="unknown rule id 'no-such-rule'"):
        make_finding(Issue(rule_id="no-such-rule", message="m", resource="r"))


def _copy_rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    for path in RULES_DIR.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text())
    return folder


def _load_from(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "catalog_dir", lambda: folder)
    catalog.load_catalog.cache_clear()
    try:
        catalog.rules_for(CHECKS)
    finally:
        monkeypatch.undo()
        catalog.load_catalog.cache_clear()


def test_file_name_must_equal_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy_rules(tmp_path)
    (folder / "missing-route.yaml").rename(folder / "missing-routes.yaml")
    with pytest.raises(InputError, match="'missing-route' must equal the file name"):
        _load_from(folder, monkeypatch)


def test_missing_rule_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy_rules(tmp_path)
    (folder / "route-missing.yaml").unlink()
    with pytest.raises(InputError, match="no rule file for: route-missing"):
        _load_from(folder, monkeypatch)


def test_rule_file_without_a_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy_rules(tmp_path)
    text = (folder / "route-missing.yaml").read_text()
    (folder / "route-gone.yaml").write_text(text.replace("id: route-missing", "id: route-gone"))
    with pytest.raises(InputError, match="unknown rule ids: route-gone"):
        _load_from(folder, monkeypatch)


def test_invalid_rule_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy_rules(tmp_path)
    path = folder / "route-missing.yaml"
    data = yaml.safe_load(path.read_text())
    data["severity"] = "severe"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError) as caught:
        _load_from(folder, monkeypatch)
    assert caught.value.field == "severity"
    assert "'severe' is not one of" in caught.value.problem


def _fires(rule_id: str) -> Check:
    def check(ctx: AuditContext) -> Iterator[Issue]:
        yield Issue(rule_id=rule_id, message="fired", resource=rule_id)

    return check


REQUIRED = sorted({service for rule in load_catalog().values() for service in rule.requires})


@pytest.mark.parametrize("service", [None, *REQUIRED])
def test_a_failed_read_skips_the_rules_that_require_it(
    service: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked once where checks run: absence in a snapshot proves nothing after a failed read."""
    monkeypatch.setattr(run, "CHECKS", {rule_id: _fires(rule_id) for rule_id in CHECKS})
    failed = [CollectionError(service=service, operation="Read", message="no")] if service else []
    world = snapshots.snapshot([], snapshots.identity_pool()).model_copy(update={"errors": failed})
    baseline = Baseline.model_validate(
        {
            "version": 1,
            "user_pool": {"id": snapshots.USER_POOL},
            "identity_pool": {"id": snapshots.POOL},
        }
    )
    ran = {finding.rule_id for finding in run.audit(world, baseline).findings}
    assert ran == {rule.id for rule in rules_for(CHECKS) if service not in rule.requires}
