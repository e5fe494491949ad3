"""locate_findings: every finding of every rule points at the resource to change.

The findings are the real ones of tests/checks' failing fixtures (each rule fires on the
small app); the SourceMap names every entity of the fixture's snapshot with a logical id that
says its kind (`Role...`, `Group...`), so each rule's expected kind is one table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from auditor.checks import CHECKS
from auditor.model.findings import Finding, Severity, TemplateLocation
from auditor.model.snapshot import Snapshot
from auditor.template.locate import RULE_TARGETS, locate_findings, location_of
from auditor.template.model import SourceMap, TemplateSnapshot
from tests.checks.test_coverage import CASES
from tests.checks.test_template_drift import template_drift_findings as drift_findings
from tests.support.rule_cases import Case
from tests.support.snapshots import small_app


def at(logical_id: str) -> TemplateLocation:
    return TemplateLocation(path="template.yaml", logical_id=logical_id, line=len(logical_id))


FALLBACK = at("First")


def source_map(snapshot: Snapshot, **overrides: Any) -> SourceMap:
    """Every entity of `snapshot` written somewhere, its logical id named after its kind:
    inline policies as AWS::IAM::Policy resources of their own."""
    pool, ids, apis = snapshot.user_pool, snapshot.identity_pool, snapshot.apis
    fields: dict[str, Any] = {
        "fallback": FALLBACK,
        "user_pool": at("UserPool") if pool else None,
        "identity_pool": at("IdentityPool") if ids else None,
        "role_attachment": at("RoleAttachment") if ids else None,
        "groups": {g.name: at(f"Group{g.name}") for g in pool.groups} if pool else {},
        "clients": {c.id: at(f"Client{c.id}") for c in (pool.clients or [])} if pool else {},
        "roles": {arn: at(f"Role{r.name}") for arn, r in snapshot.roles.items()},
        "managed_policies": {
            arn: at(f"Managed{p.name}") for arn, p in snapshot.managed_policies.items()
        },
        "inline_policies": {
            (arn, inline.name): at(f"Policy{r.name}{inline.name}")
            for arn, r in snapshot.roles.items()
            for inline in r.inline_policies
        },
        "apis": {a.id: at(f"Api{a.id}") for a in apis},
        "routes": {(a.id, r.method, r.path): at(f"Route{r.key}") for a in apis for r in a.routes},
    }
    return SourceMap(**(fields | overrides))


# The kind of resource each rule's findings point at on the small app's fixtures.
EXPECTED_KIND: dict[str, str | tuple[str, ...]] = {
    "missing-all-users-route": "Role",
    "missing-route": "Role",
    "excess-route": "Policy",  # the inline policy that grants it
    "overbroad-grant": "Policy",
    "role-mapping-missing": "RoleAttachment",
    "role-mapping-drift": ("RoleAttachment", "IdentityPool"),  # see test_app_clients_...
    "default-role-missing": "RoleAttachment",
    "default-role-drift": "RoleAttachment",
    "unauthenticated-enabled": "IdentityPool",
    "classic-flow-enabled": "IdentityPool",
    "group-missing": "UserPool",  # where the group is to be written
    "group-undeclared": "Group",
    "group-role-missing": "Group",
    "group-role-drift": "Group",
    "precedence-drift": "Group",
    "ambiguous-precedence": "Group",
    # A role the template does not define: the group that hands it out.
    "trust-not-cognito": ("Role", "Group"),
    "trust-missing-aud": "Role",
    "trust-wrong-pool": "Role",
    "trust-missing-amr": "Role",
    "route-not-iam": "Route",
    "route-undeclared": "Route",
    "route-missing": "Api",  # where the route is to be written
    "resource-policy-public": "Api",
    "changed-since-last-run": "",  # per change: see test_changes_point_at_what_changed
    "claim-rule-undeclared": "RoleAttachment",
    "claim-user-writable": "Client",
    "role-mapping-inconsistent": "RoleAttachment",
    "group-role-unused": "RoleAttachment",  # a Token or Rules mapping hands the roles out
    # A method deleted from the definition but still served is written nowhere: its API.
    "route-undeployed-change": ("Route", "Api"),
    "policy-unreadable": "",  # the document, or the route it leaves unjudged
    "template-drift": "",  # per change: see test_changes_point_at_what_changed
}
FAILING = [case for case in CASES if case.failing and EXPECTED_KIND.get(case.rule_id)]


def findings_of(case: Case) -> tuple[list[Finding], Snapshot]:
    app = small_app()
    case.edit(app)
    report = app.report(case._change_since_before(app))
    return [f for f in report.findings if f.rule_id == case.rule_id], Snapshot.model_validate(
        app.snapshot
    )


def test_every_rule_of_the_catalog_has_targets() -> None:
    assert set(RULE_TARGETS) == set(CHECKS)
    assert set(EXPECTED_KIND) == set(CHECKS)


@pytest.mark.parametrize("case", FAILING, ids=str)
def test_each_rule_points_at_the_resource_to_change(case: Case) -> None:
    found, snapshot = findings_of(case)
    built = TemplateSnapshot(snapshot, source_map(snapshot))
    kinds = {location_of(f, built).logical_id for f in found}
    expected = EXPECTED_KIND[case.rule_id]
    assert found and all(kind.startswith(expected) for kind in kinds), kinds


def test_every_rule_is_located_somewhere_sensible() -> None:
    """Each rule with a kind has at least one fixture checked above."""
    assert {c.rule_id for c in FAILING} == {r for r, kind in EXPECTED_KIND.items() if kind}


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if case.failing and case.rule_id == "policy-unreadable"],
    ids=str,
)
def test_an_unreadable_document_points_at_it_or_at_the_route(case: Case) -> None:
    found, snapshot = findings_of(case)
    built = TemplateSnapshot(snapshot, source_map(snapshot))
    for finding in found:
        kind = location_of(finding, built).logical_id
        assert kind.startswith("Route" if finding.route else ("Policy", "Managed", "Role", "Api"))


def test_a_managed_policy_granting_a_route_is_pointed_at() -> None:
    app = small_app()
    app.add_route("DELETE /items")
    arn = "arn:aws:iam::123456789012:policy/Wide"
    app.snapshot["managed_policies"] = {
        arn: {"arn": arn, "name": "Wide", "document": _invoke_everything()}
    }
    app.role("app-editors")["attached_policy_arns"] = [arn]
    report = app.report()
    snapshot = Snapshot.model_validate(app.snapshot)
    built = TemplateSnapshot(snapshot, source_map(snapshot))
    excess = [f for f in report.findings if f.rule_id in ("excess-route", "overbroad-grant")]
    assert excess
    assert {location_of(f, built).logical_id for f in excess} == {"ManagedWide"}


def _invoke_everything() -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_without_the_policy_written_apart_the_role_is_pointed_at() -> None:
    case = next(c for c in CASES if c.failing and c.rule_id == "excess-route")
    found, snapshot = findings_of(case)
    built = TemplateSnapshot(snapshot, source_map(snapshot, inline_policies={}))
    assert {location_of(f, built).logical_id[:4] for f in found} == {"Role"}


def changes() -> Iterator[tuple[list[Finding], Snapshot]]:
    """The findings of both rules that compare configurations, on each failing fixture."""
    for case in CASES:
        if case.failing and case.rule_id == "changed-since-last-run":
            yield findings_of(case)
        elif case.failing and case.rule_id == "template-drift":
            app = small_app()
            case.edit(app)
            yield drift_findings(case.edit, case.before), Snapshot.model_validate(app.snapshot)


def test_changes_point_at_what_changed() -> None:
    kinds: set[str] = set()
    rules = set()
    for found, snapshot in changes():
        rules |= {f.rule_id for f in found}
        built = TemplateSnapshot(snapshot, source_map(snapshot))
        for finding in found:
            kind = location_of(finding, built).logical_id
            kinds.add(kind)
            if finding.route:
                assert kind.startswith("Route")
            elif finding.persona:
                assert kind.startswith("Group")
            elif finding.resource.startswith("arn:aws:iam::"):
                assert kind.startswith("Role")
            else:
                assert kind in ("IdentityPool", "RoleAttachment")
    assert kinds and kinds != {FALLBACK.logical_id}
    assert rules == {"changed-since-last-run", "template-drift"}


def test_app_clients_the_pool_accepts_point_at_the_identity_pool() -> None:
    cases = [c for c in CASES if c.failing and c.rule_id == "role-mapping-drift"]
    seen = set()
    for case in cases:
        found, snapshot = findings_of(case)
        built = TemplateSnapshot(snapshot, source_map(snapshot))
        for finding in found:
            where = location_of(finding, built).logical_id
            providers = finding.resource.endswith("#app_clients")
            assert where == ("IdentityPool" if providers else "RoleAttachment")
            seen.add(providers)
    assert seen == {True, False}


def test_nothing_written_falls_back_to_the_first_resource() -> None:
    located = []
    for case in FAILING:
        found, snapshot = findings_of(case)
        built = TemplateSnapshot(snapshot, SourceMap(fallback=FALLBACK))
        located += [location_of(f, built) for f in found]
    assert located and set(located) == {FALLBACK}


def test_a_missing_resource_falls_back_to_its_container() -> None:
    case = next(c for c in CASES if c.failing and c.rule_id == "group-role-drift")
    found, snapshot = findings_of(case)
    built = TemplateSnapshot(snapshot, source_map(snapshot, groups={}))
    assert {location_of(f, built).logical_id for f in found} == {"UserPool"}


def test_locate_findings_sets_every_finding_or_only_the_rules_asked() -> None:
    app = small_app()
    app.add_route("DELETE /items")
    app.add_group("extra", "app-editors", 20)
    report = app.report()
    snapshot = Snapshot.model_validate(app.snapshot)
    built = TemplateSnapshot(snapshot, source_map(snapshot))
    assert len({f.rule_id for f in report.findings}) > 1
    located = locate_findings(report, built)
    assert all(f.template is not None for f in located.findings)
    assert [f.model_copy(update={"template": None}) for f in located.findings] == report.findings
    only = locate_findings(report, built, rules={"group-undeclared"})
    assert {f.rule_id for f in only.findings if f.template} == {"group-undeclared"}
    assert all(f.template is None for f in only.findings if f.rule_id != "group-undeclared")


def test_the_http_api_catch_all_route_is_found_by_its_key() -> None:
    app = small_app()
    snapshot = Snapshot.model_validate(app.snapshot)
    written = at("DefaultRoute")
    built = TemplateSnapshot(
        snapshot, SourceMap(fallback=FALLBACK, routes={("orders", "ANY", "$default"): written})
    )
    finding = Finding(
        rule_id="route-not-iam",
        severity=Severity.CRITICAL,
        title="t",
        message="m",
        resource="arn:aws:execute-api:us-east-1:123456789012:orders/*/*",
        route="$default",
        api_id="orders",
        remediation="r",
        fingerprint="f",
    )
    assert location_of(finding, built) == written
    elsewhere = finding.model_copy(update={"api_id": "other"})
    assert location_of(elsewhere, built) == FALLBACK
