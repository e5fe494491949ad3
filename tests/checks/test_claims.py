"""Rules over claim rules (auditor/checks/claims.py), on the small app with a Rules mapping."""

from __future__ import annotations

import pytest

from tests.support.rule_cases import Case, Edit
from tests.support.snapshots import CLIENT, POOL, USER_POOL_ARN, SmallApp, small_app

GOLD = "custom:tier Equals gold"
GOLD_PERSONA = f"claim:{GOLD}"
TIER = f"{USER_POOL_ARN}/attribute/custom:tier"


def _gold_rule(app: SmallApp) -> None:
    """Rules mapping: gold users get app-gold (all users' routes and /me); the group rules
    after it keep admins and editors where Token put them."""
    app.add_role("app-gold", "GET/items", "GET/me")
    app.rules_mapping(
        ("custom:tier", "Equals", "gold", "app-gold"),
        ("cognito:groups", "Contains", "admin", "app-admin"),
        ("cognito:groups", "Contains", "editors", "app-editors"),
    )
    app.declared_pool["role_resolution"] = "rules"


def _gold_declared(app: SmallApp) -> None:
    _gold_rule(app)
    app.declare_claim(GOLD, "app-gold", "GET /me")


def _gold_on_a_client_nobody_may_use(app: SmallApp) -> None:
    """A mapping keyed by an app client the identity pool does not accept is dead."""
    key = app.add_client("legacy", accepted=False)
    app.add_role("app-gold", "GET/items", "GET/me")
    app.rules_mapping(("custom:tier", "Equals", "gold", "app-gold"), key=key)


def _write_attributes(*attributes: str) -> Edit:
    def edit(app: SmallApp) -> None:
        _gold_declared(app)
        for client in app.snapshot["user_pool"]["clients"]:
            client["write_attributes"] = list(attributes)

    return edit


def _immutable(self_sign_up: bool) -> Edit:
    def edit(app: SmallApp) -> None:
        _gold_declared(app)
        app.snapshot["user_pool"]["clients"][0]["write_attributes"] = ["custom:tier"]
        app.snapshot["user_pool"]["attributes"] = [{"name": "custom:tier", "mutable": False}]
        app.snapshot["user_pool"]["self_sign_up"] = self_sign_up

    return edit


def _username_rule(app: SmallApp) -> None:
    app.add_role("app-gold", "GET/items", "GET/me")
    app.rules_mapping(("cognito:username", "Equals", "boss", "app-gold"))
    app.declared_pool["role_resolution"] = "rules"
    app.declare_claim("cognito:username Equals boss", "app-gold", "GET /me")


def _gold_declared_as(role_name: str) -> Edit:
    def edit(app: SmallApp) -> None:
        _gold_rule(app)
        app.declare_claim(GOLD, role_name, "GET /me")

    return edit


def _silver_declared_not_live(app: SmallApp) -> None:
    _gold_declared(app)
    app.declare_claim("custom:tier Equals silver", "app-gold")


CASES = [
    Case.passes("claim-rule-undeclared", "no Rules mapping, no claim rule"),
    Case.passes("claim-rule-undeclared", "the claim rule is declared", _gold_declared),
    Case.passes(
        "claim-rule-undeclared",
        "a claim rule of a client the identity pool does not accept",
        _gold_on_a_client_nobody_may_use,
    ),
    Case.fires(
        "claim-rule-undeclared",
        "a live claim rule the baseline does not know",
        _gold_rule,
        ("claim-rule-undeclared", GOLD_PERSONA, None, POOL),
    ),
    Case.passes("role-mapping-drift", "the claim rule gives the declared role", _gold_declared),
    Case.fires(
        "role-mapping-drift",
        "the claim rule gives another role than the baseline declares",
        _gold_declared_as("app-admin"),
        ("role-mapping-drift", GOLD_PERSONA, None, f"{POOL}#claims", CLIENT),
    ),
    Case.fires(
        "role-mapping-drift",
        "a declared claim rule that no live mapping has",
        _silver_declared_not_live,
        ("role-mapping-drift", "claim:custom:tier Equals silver", None, f"{POOL}#claims"),
    ),
    Case.passes("claim-user-writable", "no claim rule"),
    Case.passes(
        "claim-user-writable",
        "every client lists what users may write, without the attribute",
        _write_attributes("email", "name"),
    ),
    Case.passes(
        "claim-user-writable",
        "an immutable attribute, and only administrators create users",
        _immutable(self_sign_up=False),
    ),
    Case.passes(
        "claim-user-writable", "cognito:username is no attribute a user writes", _username_rule
    ),
    Case.passes(
        "claim-user-writable",
        "the pool's schema has no such attribute: nobody can set it",
        lambda app: (
            _gold_declared(app),
            app.snapshot["user_pool"].update(attributes=[{"name": "email"}]),
        ),
    ),
    Case.passes(
        "claim-user-writable",
        "a developer-only attribute: only administrators write it",
        lambda app: (
            _gold_declared(app),
            app.snapshot["user_pool"].update(
                attributes=[{"name": "custom:tier", "developer_only": True}]
            ),
        ),
    ),
    Case.fires(
        "claim-user-writable",
        "WriteAttributes unset: assumed writable",
        _gold_declared,
        ("claim-user-writable", GOLD_PERSONA, None, TIER),
    ),
    Case.fires(
        "claim-user-writable",
        "a client lists the attribute in WriteAttributes",
        _write_attributes("custom:tier"),
        ("claim-user-writable", GOLD_PERSONA, None, TIER),
    ),
    Case.fires(
        "claim-user-writable",
        "immutable, but users sign themselves up and choose it then",
        _immutable(self_sign_up=True),
        ("claim-user-writable", GOLD_PERSONA, None, TIER),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case: Case) -> None:
    assert case.run() == case.expected


def test_a_claim_persona_is_audited_like_a_group() -> None:
    """Gold users get app-gold; its routes are checked as all_users + the claim's own."""
    app = small_app()
    _gold_declared(app)
    app.grant("app-gold", "GET/items", "GET/me", "GET/administrators")
    report = app.report()
    cells = {(c.persona, c.route): c.verdict for c in report.access_matrix}
    assert cells[(GOLD_PERSONA, "GET /me")] == "allowed"
    excess = {(f.persona, f.route) for f in report.findings if f.rule_id == "excess-route"}
    assert excess == {(GOLD_PERSONA, "GET /administrators")}
