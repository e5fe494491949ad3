"""Rules over the access matrix (auditor/checks/access.py), on the small app."""

from __future__ import annotations

import pytest

from auditor.model.findings import Severity
from tests.support.rule_cases import Case, Edit
from tests.support.snapshots import CLIENT, DEFAULT_ROLE, SmallApp, role, small_app

EDITORS, ADMIN, GUEST = role("app-editors"), role("app-admin"), role("app-guest")


def _unread_role(app: SmallApp) -> None:
    """The editors' role could not be read: it is absent because of the failure, not in AWS."""
    del app.snapshot["roles"][EDITORS]
    app.fail_read("iam", "GetAccountAuthorizationDetails")


def _account_unread(app: SmallApp) -> None:
    """STS could not say which account this is: request ARNs then carry `*` there, which the
    roles' grants (naming the account) never match, so every route would look unreachable."""
    app.snapshot["account_id"] = None
    app.fail_read("sts", "GetCallerIdentity")


def _editors_reach_one_item_only(app: SmallApp) -> None:
    app.add_route("GET /items/{id}")
    app.declared_routes("all_users").append("GET /items/{id}")
    app.grant("app-default", "GET/items", "GET/items/*", "GET/me")
    app.grant("app-admin", "GET/items", "GET/items/*", "*/admin/*")
    app.grant("app-editors", "GET/items", "GET/items/42", "GET/administrators")


def _files_on_any(*editor_grant: str) -> Edit:
    """A live `ANY /files` of which the editors are declared `GET` alone."""

    def edit(app: SmallApp) -> None:
        app.add_route("ANY /files")
        app.declared_routes("editors").append("GET /files")
        app.grant("app-editors", "GET/items", "GET/administrators", *editor_grant)

    return edit


def _proxy_route_for_editors(app: SmallApp) -> None:
    app.add_route("ANY /files/{proxy+}")
    app.declared_routes("editors").append("* /files/*")
    app.grant("app-editors", "GET/items", "GET/administrators", "*/files/*")


def _second_client_default_role(in_use: list[str] | None = None) -> Edit:
    """A second app client without a role mapping: its users all get the default role."""

    def edit(app: SmallApp) -> None:
        app.add_client("mobile")
        if in_use is not None:
            app.declared_pool["app_clients"] = in_use

    return edit


def _past_not_equal(app: SmallApp) -> None:
    """Only a member of admin and editors gets past `NotEqual admin` to the super role."""
    app.add_role("app-super", "GET/items", "*/admin/*", "GET/administrators", "GET/me")
    app.rules_mapping(
        ("cognito:groups", "NotEqual", "admin", "app-editors"),
        ("cognito:groups", "Contains", "editors", "app-super"),
        ("cognito:groups", "Contains", "admin", "app-admin"),
    )
    app.declared_pool["role_resolution"] = "rules"


def _one_role_two_groups(app: SmallApp) -> None:
    app.group("editors")["role_arn"] = ADMIN
    app.grant("app-admin", "*")


CASES = [
    Case.passes("missing-all-users-route", "every signed-in persona reaches GET /items"),
    Case.passes(
        "missing-all-users-route",
        "guests need not reach the all-users routes",
        lambda app: app.allow_guests("GET/health"),
    ),
    Case.passes("missing-all-users-route", "an unread role claims nothing", _unread_role),
    Case.passes("missing-all-users-route", "an unread account claims nothing", _account_unread),
    Case.fires(
        "missing-all-users-route",
        "the editors' role lacks the all-users grant",
        lambda app: app.grant("app-editors", "GET/administrators"),
        ("missing-all-users-route", "group:editors", "GET /items", EDITORS),
    ),
    Case.fires(
        "missing-all-users-route",
        "a grant of one item is only partly GET /items/{id}",
        _editors_reach_one_item_only,
        ("missing-all-users-route", "group:editors", "GET /items/{id}", EDITORS),
    ),
    Case.passes("missing-route", "each persona reaches its own routes"),
    Case.passes(
        "missing-route",
        "a declared GET of a live ANY route asks about GET alone",
        _files_on_any("GET/files"),
    ),
    Case.passes("missing-route", "an unread role claims nothing", _unread_role),
    Case.passes("missing-route", "an unread account claims nothing", _account_unread),
    Case.fires(
        "missing-route",
        "the admins' grant lost /admin/*",
        lambda app: app.grant("app-admin", "GET/items"),
        ("missing-route", "group:admin", "GET /admin/users", ADMIN),
    ),
    Case.fires(
        "missing-route",
        "a declared GET of a live ANY route the role grants only POST on",
        _files_on_any("POST/files"),
        ("missing-route", "group:editors", "GET /files", EDITORS),
    ),
    Case.fires(
        "missing-route",
        "through a second client without a mapping, admins get the default role",
        _second_client_default_role(),
        ("missing-route", "group:admin", "GET /admin/users", DEFAULT_ROLE, "mobile"),
        ("missing-route", "group:editors", "GET /administrators", DEFAULT_ROLE, "mobile"),
    ),
    Case.passes(
        "missing-route",
        "a client nobody signs in with need not reach the declared routes",
        _second_client_default_role(in_use=[CLIENT]),
    ),
    Case.passes("excess-route", "each persona reaches what it is declared, nothing more"),
    Case.fires(
        "excess-route",
        "any client counts: through the second, group members reach the default role's /me",
        _second_client_default_role(in_use=[CLIENT]),
        ("excess-route", "group:admin", "GET /me", DEFAULT_ROLE, "mobile"),
        ("excess-route", "group:editors", "GET /me", DEFAULT_ROLE, "mobile"),
    ),
    Case.passes(
        "excess-route",
        "an ANY route whose only reachable verb is the declared one",
        _files_on_any("GET/files"),
    ),
    Case.fires(
        "excess-route",
        "/admin* also matches /administrators",
        lambda app: app.grant("app-admin", "GET/items", "*/admin*"),
        ("excess-route", "group:admin", "GET /administrators", ADMIN),
    ),
    Case.fires(
        "excess-route",
        "an ANY route with only GET declared and every verb granted",
        _files_on_any("*/files"),
        ("excess-route", "group:editors", "ANY /files", EDITORS),
    ),
    Case.fires(
        "excess-route",
        "IAM's * spans slashes: the admins' */admin/* reaches into /files/{proxy+}",
        _proxy_route_for_editors,
        ("excess-route", "group:admin", "ANY /files/{proxy+}", ADMIN),
    ),
    Case.fires(
        "excess-route",
        "guests reach an all-users route (all_users is not theirs)",
        lambda app: app.allow_guests("GET/items"),
        ("excess-route", "unauthenticated", "GET /items", GUEST),
    ),
    Case.fires(
        "excess-route",
        "a role only members of two groups get is audited: it reaches /me, which neither has",
        _past_not_equal,
        ("excess-route", "groups:admin editors", "GET /me", role("app-super")),
    ),
    Case.passes("overbroad-grant", "every grant names routes of one API"),
    Case.fires(
        "overbroad-grant",
        "Resource '*'",
        lambda app: app.grant("app-editors", "*"),
        ("overbroad-grant", "group:editors", None, EDITORS),
    ),
    Case.fires(
        "overbroad-grant",
        "NotResource",
        lambda app: app.grant("app-admin", "GET/health", key="NotResource"),
        ("overbroad-grant", "group:admin", None, ADMIN),
    ),
    Case.fires(
        "overbroad-grant",
        "a wildcard API id",
        lambda app: app.grant(
            "app-default", "arn:aws:execute-api:us-east-1:123456789012:*/prod/GET/items", "GET/me"
        ),
        ("overbroad-grant", "default", None, DEFAULT_ROLE),
    ),
    Case.fires(
        "overbroad-grant",
        "a role two groups share is reported once, for the first",
        _one_role_two_groups,
        ("overbroad-grant", "group:admin", None, ADMIN),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case: Case) -> None:
    assert case.run() == case.expected


def test_guests_reaching_an_undeclared_route_is_critical() -> None:
    app = small_app()
    app.allow_guests("GET/items", "GET/administrators")
    app.grant("app-admin", "GET/items", "*/admin*")
    severity = {
        (f.persona, f.route): f.severity
        for f in app.report().findings
        if f.rule_id == "excess-route"
    }
    assert severity[("unauthenticated", "GET /items")] is Severity.CRITICAL
    assert severity[("unauthenticated", "GET /administrators")] is Severity.CRITICAL
    assert severity[("group:admin", "GET /administrators")] is not Severity.CRITICAL


def test_an_any_route_names_the_undeclared_verbs_it_reaches() -> None:
    app = small_app()
    _files_on_any("*/files")(app)
    [finding] = [f for f in app.report().findings if f.rule_id == "excess-route"]
    assert set(finding.evidence["verbs"]) == {"POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
