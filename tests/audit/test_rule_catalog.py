"""The rule catalog matches the contract and joins its metadata into findings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditor.audit import catalog
from auditor.audit.catalog import RULE_IDS, load_catalog, make_finding
from auditor.model.errors import InputError
from auditor.model.findings import Issue, Severity, fingerprint
from auditor.schemas import validator

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"

# CONTRACT §5, in its order, with its default severities.
CONTRACT_DEFAULTS = {
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
}


def test_ids_are_the_contract_ids_in_order() -> None:
    assert list(RULE_IDS) == list(CONTRACT_DEFAULTS)
    assert list(load_catalog()) == list(CONTRACT_DEFAULTS)
    assert sorted(p.stem for p in RULES_DIR.glob("*.yaml")) == sorted(CONTRACT_DEFAULTS)
    assert [p for p in RULES_DIR.iterdir() if p.suffix != ".yaml"] == []


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_file_is_valid(rule_id: str) -> None:
    data = yaml.safe_load((RULES_DIR / f"{rule_id}.yaml").read_text())
    assert [e.message for e in validator("rule").iter_errors(data)] == []
    assert data["id"] == rule_id
    assert data["severity"] == CONTRACT_DEFAULTS[rule_id]
    for url in data["references"]:
        assert url.startswith("https://docs.aws.amazon.com/"), url
    rule = load_catalog()[rule_id]
    assert rule.severity is Severity(CONTRACT_DEFAULTS[rule_id])
    assert rule.title and not rule.title.endswith(".")


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
        catalog.load_catalog()
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
