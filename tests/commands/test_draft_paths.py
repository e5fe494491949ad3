"""The draft and `explain` for sign-in paths, claim rules, role choice and the Cognito half
alone, on the small in-memory app (tests/support/snapshots.py)."""

from __future__ import annotations

import yaml

from auditor.checks.run import audit
from auditor.commands.draft import draft_baseline, draft_warnings
from auditor.commands.explain import explain_access
from auditor.model.baseline import Baseline
from auditor.model.snapshot import Snapshot
from tests.support.snapshots import CLIENT, SmallApp, role, small_app

GOLD = "custom:tier Equals gold"


def _draft(app: SmallApp) -> tuple[Snapshot, str, Baseline]:
    snapshot = Snapshot.model_validate(app.snapshot)
    text = draft_baseline(snapshot)
    return snapshot, text, Baseline.model_validate(yaml.safe_load(text))


def _rules(report_findings: object) -> set[tuple[str, str | None]]:
    return {(f.rule_id, f.persona) for f in report_findings}  # type: ignore[attr-defined]


def test_a_claim_rule_is_drafted_with_its_role_and_routes() -> None:
    app = small_app()
    app.add_role("app-gold", "GET/items", "GET/me", "GET/administrators")
    app.rules_mapping(
        ("custom:tier", "Equals", "gold", "app-gold"),
        ("cognito:groups", "Contains", "admin", "app-admin"),
        ("cognito:groups", "Contains", "editors", "app-editors"),
    )
    app.snapshot["user_pool"]["clients"][0]["write_attributes"] = ["email"]
    snapshot, text, baseline = _draft(app)
    claim = baseline.claims[GOLD]
    assert claim.role == role("app-gold")
    assert sorted(str(p) for p in claim.routes) == ["GET /administrators", "GET /me"]
    assert "members of those groups whose token matches rule 1 get this role too" in text
    assert baseline.identity_pool.role_resolution == "rules"
    assert audit(snapshot, baseline).findings == []


def test_paths_that_disagree_declare_what_any_path_reaches_and_say_the_rest() -> None:
    app = small_app()
    app.add_client("mobile")  # no mapping: everyone gets the default role through it
    snapshot, text, baseline = _draft(app)
    assert baseline.identity_pool.app_clients == [CLIENT, "mobile"]
    assert "app clients differ: client123: token; mobile: default" in text
    # Nothing anyone reaches is left undeclared: through mobile, admins reach /me too.
    assert [str(p) for p in baseline.groups["admin"].routes] == ["GET /admin/users"]
    assert "GET /me" in [str(p) for p in baseline.routes.all_users]
    assert "app client mobile does not fully reach: GET /admin/users" in text
    report = audit(snapshot, baseline)
    rules = _rules(report.findings)
    # No draft can declare this away: a person decides which client stays.
    assert ("role-mapping-inconsistent", "group:admin") in rules
    assert ("missing-route", "group:admin") in rules
    assert all(f.rule_id != "excess-route" for f in report.findings)
    # Listing only the client in use leaves the mapping to settle, nothing missing.
    in_use = baseline.model_copy(
        update={
            "identity_pool": baseline.identity_pool.model_copy(update={"app_clients": [CLIENT]})
        }
    )
    assert all(f.rule_id != "missing-route" for f in audit(snapshot, in_use).findings)


def test_the_cognito_half_alone() -> None:
    app = small_app()
    app.snapshot["apis"] = []
    app.snapshot["target"]["apis"] = []
    snapshot, text, baseline = _draft(app)
    assert baseline.apis == [] and "apis: []" in text
    assert baseline.groups["admin"].role == role("app-admin")
    report = audit(snapshot, baseline)
    assert report.findings == [] and report.access_matrix == []
    # Every rule that needs no route still runs: a tie of precedence is found.
    app.group("editors")["precedence"] = 0
    tied = audit(Snapshot.model_validate(app.snapshot), baseline)
    assert {f.rule_id for f in tied.findings} == {"ambiguous-precedence", "precedence-drift"}


def test_group_roles_nobody_hands_out_are_a_warning() -> None:
    app = small_app()
    assert draft_warnings(Snapshot.model_validate(app.snapshot)) == []
    app.pool["role_mappings"] = {}
    (warning,) = draft_warnings(Snapshot.model_validate(app.snapshot))
    assert "groups admin, editors carry roles that no sign-in path hands out" in warning


def test_explain_lists_every_path_and_every_role_a_member_can_choose() -> None:
    app = small_app()
    app.group("editors")["precedence"] = 0  # tied with admin, different roles
    app.pool["role_mappings"][next(iter(app.pool["role_mappings"]))][
        "ambiguous_role_resolution"
    ] = "Deny"
    app.add_client("mobile")
    snapshot = Snapshot.model_validate(app.snapshot)
    baseline = Baseline.model_validate(app.baseline)
    text = explain_access(snapshot, baseline, "group:admin", "GET /admin/users")
    assert "app client client123" in text and "app client mobile" in text
    assert text.count("verdict   allowed") == 1 and text.count("verdict   denied") == 1
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "also in editors (app client client123)" in line)
    assert role("app-admin") in lines[at] and role("app-editors") in lines[at]
    assert "Deny does not stop" in lines[at + 1]
