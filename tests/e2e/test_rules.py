"""One scenario per rule of CONTRACT §5: drift the clean world with boto3, run the CLI, and
compare the exact set of (rule_id, persona, route, resource) with what a careful reviewer
expects, consequences included (a role change also changes what the persona can reach)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import drift
from tests.support.cli import findings, run_report
from tests.support.findings import FindingKey, keys
from tests.support.world import World

ALL_USERS = ["GET /items", "GET /items/{id}", "GET /orders", "GET /orders/{id}"]
EDITOR_OWN = ["POST /items", "GET /administrators", "POST /orders"]
ADMIN_OWN = ["GET /admin/users", "POST /admin/users", "DELETE /items/{id}"]


def by_rule(report: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule_id"] == rule_id]


# --- groups ------------------------------------------------------------------------------


def test_precedence_drift(world: World) -> None:
    drift.update_group(world, "editors", Precedence=5)
    report = run_report(world, expect_exit=1)
    assert keys(report) == {
        ("precedence-drift", "group:editors", None, world.group_resource("editors"))
    }
    assert report["findings"][0]["severity"] == "medium"
    assert report["findings"][0]["evidence"] == {"live": 5, "expected": 10}


def test_ambiguous_precedence(world: World) -> None:
    drift.update_group(world, "admin", Precedence=10)  # ties with editors, different role
    report = run_report(world)
    assert keys(report) == {
        ("precedence-drift", "group:admin", None, world.group_resource("admin")),
        ("ambiguous-precedence", "group:admin", None, world.group_resource("admin") + "+editors"),
    }
    (finding,) = by_rule(report, "ambiguous-precedence")
    assert finding["severity"] == "high"
    # Members of both get the default role (AmbiguousRoleResolution: AuthenticatedRole).
    assert finding["evidence"]["resolved_role"] == world.role("app-default")


def test_group_missing(world: World) -> None:
    world.client("cognito-idp").delete_group(GroupName="editors", UserPoolId=world.user_pool_id)
    assert findings(world) == {
        ("group-missing", "group:editors", None, world.group_resource("editors"))
    }


def test_group_undeclared(world: World) -> None:
    # A new group without a role: its members get the default role, /me included, which
    # the baseline never granted to this (undeclared) group.
    world.client("cognito-idp").create_group(
        GroupName="support", UserPoolId=world.user_pool_id, Precedence=20
    )
    assert findings(world) == {
        ("group-undeclared", "group:support", None, world.group_resource("support")),
        ("excess-route", "group:support", "GET /me", world.role("app-default")),
    }


def test_group_role_missing(world: World) -> None:
    idp = world.client("cognito-idp")
    idp.delete_group(GroupName="editors", UserPoolId=world.user_pool_id)
    idp.create_group(GroupName="editors", UserPoolId=world.user_pool_id, Precedence=10)
    default = world.role("app-default")  # Token mapping, no role claim: the default role
    assert findings(world) == {
        ("group-role-missing", "group:editors", None, world.group_resource("editors")),
        *{("missing-route", "group:editors", r, default) for r in EDITOR_OWN},
        ("excess-route", "group:editors", "GET /me", default),
    }


def test_group_role_drift(world: World) -> None:
    drift.update_group(world, "editors", RoleArn=world.role("app-admin"))
    admin = world.role("app-admin")
    assert findings(world) == {
        ("group-role-drift", "group:editors", None, world.group_resource("editors")),
        *{("missing-route", "group:editors", r, admin) for r in EDITOR_OWN},
        *{("excess-route", "group:editors", r, admin) for r in ADMIN_OWN},
    }


# --- identity pool -----------------------------------------------------------------------


def test_role_mapping_missing_gives_everyone_the_default_role(world: World) -> None:
    drift.set_pool_roles(world, {"authenticated": world.role("app-default")}, None)
    default = world.role("app-default")
    report = run_report(world)
    assert keys(report) == {
        ("role-mapping-missing", None, None, world.pool_id, world.client_id),
        *{("missing-route", "group:admin", r, default) for r in ADMIN_OWN},
        ("excess-route", "group:admin", "GET /me", default),
        *{("missing-route", "group:editors", r, default) for r in EDITOR_OWN},
        ("excess-route", "group:editors", "GET /me", default),
        ("group-role-unused", None, None, world.seeded.user_pool_arn),
    }
    (finding,) = by_rule(report, "role-mapping-missing")
    assert finding["severity"] == "high"
    (unused,) = by_rule(report, "group-role-unused")
    assert set(unused["evidence"]["groups"]) == {"admin", "editors"}


def test_role_mapping_drift_rules_instead_of_token(world: World) -> None:
    # The rules give every group its own role, so only the mapping type differs.
    drift.set_pool_roles(
        world, {"authenticated": world.role("app-default")}, drift.rules_mapping(world)
    )
    assert findings(world) == {("role-mapping-drift", None, None, world.pool_id, world.client_id)}


def test_role_mapping_drift_deny_leaves_users_in_no_group_without_credentials(world: World) -> None:
    drift.set_pool_roles(
        world, {"authenticated": world.role("app-default")}, drift.token_mapping("Deny")
    )
    pool = world.pool_id
    report = run_report(world)
    assert keys(report) == {
        ("role-mapping-drift", None, None, f"{pool}#AmbiguousRoleResolution", world.client_id),
        *{("missing-all-users-route", "default", r, pool) for r in ALL_USERS},
        ("missing-route", "default", "GET /me", pool),
    }
    cells = [c for c in report["access_matrix"] if c["persona"] == "default"]
    assert cells and all(c["role_arn"] is None for c in cells)


def test_default_role_missing(world: World) -> None:
    drift.set_pool_roles(world, {}, drift.token_mapping())
    pool = world.pool_id
    report = run_report(world)
    assert keys(report) == {
        ("default-role-missing", None, None, pool),
        *{("missing-all-users-route", "default", r, pool) for r in ALL_USERS},
        ("missing-route", "default", "GET /me", pool),
    }
    (finding,) = by_rule(report, "default-role-missing")
    assert finding["severity"] == "high"


def test_default_role_drift(world: World) -> None:
    # A new default role granting the same routes: only the ARN differs.
    arn = drift.create_role(world, "app-default-v2")
    iam = world.client("iam")
    iam.attach_role_policy(
        RoleName="app-default-v2", PolicyArn=world.seeded.policy_arns["app-all-users"]
    )
    drift.put_inline(world, "app-default-v2", "me", world.arns.rest("GET/me"))
    drift.set_pool_roles(world, {"authenticated": arn}, drift.token_mapping())
    assert findings(world) == {("default-role-drift", None, None, f"{world.pool_id}#authenticated")}


def test_unauthenticated_enabled(world: World) -> None:
    drift.update_pool(world, AllowUnauthenticatedIdentities=True)
    report = run_report(world)
    assert keys(report) == {("unauthenticated-enabled", None, None, world.pool_id)}
    assert report["findings"][0]["severity"] == "high"


def test_classic_flow_enabled(world: World) -> None:
    drift.update_pool(world, AllowClassicFlow=True)
    report = run_report(world)
    assert keys(report) == {("classic-flow-enabled", None, None, world.pool_id)}
    assert report["findings"][0]["severity"] == "high"


def _enable_guests_reaching_items(world: World) -> str:
    guest = world.role("app-guest")
    drift.put_inline(world, "app-guest", "items", world.arns.rest("GET/items"))
    drift.update_pool(world, AllowUnauthenticatedIdentities=True)
    drift.set_pool_roles(
        world,
        {"authenticated": world.role("app-default"), "unauthenticated": guest},
        drift.token_mapping(),
    )
    return guest


def test_guests_reaching_a_route_is_critical_excess(world: World) -> None:
    guest = _enable_guests_reaching_items(world)
    report = run_report(world)
    assert keys(report) == {
        ("unauthenticated-enabled", None, None, world.pool_id),
        ("default-role-drift", None, None, f"{world.pool_id}#unauthenticated"),
        ("excess-route", "unauthenticated", "GET /items", guest),
    }
    (excess,) = by_rule(report, "excess-route")
    assert excess["severity"] == "critical"


def test_declared_guests_still_may_not_exceed_their_routes(world: World) -> None:
    guest = _enable_guests_reaching_items(world)
    world.baseline["identity_pool"].update(allow_unauthenticated=True, unauthenticated_role=guest)
    world.write_baseline()
    report = run_report(world, expect_exit=1)
    assert [
        (f["rule_id"], f["severity"], f["persona"], f["route"]) for f in report["findings"]
    ] == [("excess-route", "critical", "unauthenticated", "GET /items")]


# --- trust policies ----------------------------------------------------------------------


def test_trust_missing_aud(world: World) -> None:
    drift.set_trust(world, "app-editors", drift.trust_statement(world, aud=None))
    report = run_report(world)
    assert keys(report) == {("trust-missing-aud", None, None, world.role("app-editors"))}
    assert report["findings"][0]["severity"] == "critical"


def test_trust_wrong_pool(world: World) -> None:
    drift.set_trust(
        world,
        "app-editors",
        drift.trust_statement(world, aud="us-east-1:00000000-0000-0000-0000-000000000000"),
    )
    assert findings(world) == {("trust-wrong-pool", None, None, world.role("app-editors"))}


@pytest.mark.parametrize(
    "amr", [None, ["authenticated", "unauthenticated"]], ids=["no-amr", "amr-admits-guests"]
)
def test_trust_missing_amr(world: World, amr: list[str] | None) -> None:
    statement = drift.trust_statement(world, amr=amr is not None)
    if amr is not None:
        statement["Condition"]["ForAnyValue:StringLike"] = {
            "cognito-identity.amazonaws.com:amr": amr
        }
    drift.set_trust(world, "app-editors", statement)
    assert findings(world) == {("trust-missing-amr", None, None, world.role("app-editors"))}


@pytest.mark.parametrize(
    "change",
    [
        {"action": "sts:AssumeRole"},
        {"principal": {"Federated": "accounts.google.com"}},
        {"principal": {"Service": "lambda.amazonaws.com"}, "action": "sts:AssumeRole"},
    ],
    ids=["assume-role", "google", "lambda"],
)
def test_trust_not_cognito(world: World, change: dict[str, Any]) -> None:
    drift.set_trust(world, "app-editors", drift.trust_statement(world, **change))
    assert findings(world) == {("trust-not-cognito", None, None, world.role("app-editors"))}


# --- access ------------------------------------------------------------------------------


def test_missing_all_users_route(world: World) -> None:
    world.client("iam").detach_role_policy(
        RoleName="app-editors", PolicyArn=world.seeded.policy_arns["app-all-users"]
    )
    editors = world.role("app-editors")
    report = run_report(world)
    assert keys(report) == {
        ("missing-all-users-route", "group:editors", r, editors) for r in ALL_USERS
    }
    assert {f["api_id"] for f in report["findings"]} == {world.rest_id, world.http_id}
    assert {f["severity"] for f in report["findings"]} == {"high"}


def test_missing_route_partial(world: World) -> None:
    # Only one concrete item may be deleted: the route is reachable, but not fully.
    drift.put_inline(
        world,
        "app-admin",
        "admin",
        world.arns.rest("*/admin/*"),
        world.arns.rest("DELETE/items/42"),
    )
    report = run_report(world)
    assert keys(report) == {
        ("missing-route", "group:admin", "DELETE /items/{id}", world.role("app-admin"))
    }
    assert report["findings"][0]["evidence"]["verdict"] == "partial"


def test_excess_route_admin_prefix_reaches_administrators(world: World) -> None:
    drift.put_inline(
        world, "app-admin", "admin", world.arns.rest("*/admin*"), world.arns.rest("DELETE/items/*")
    )
    assert findings(world) == {
        ("excess-route", "group:admin", "GET /administrators", world.role("app-admin"))
    }


def test_overbroad_grant_resource_star(world: World) -> None:
    drift.put_inline(world, "app-editors", "everything", "*")
    editors = world.role("app-editors")
    report = run_report(world)
    assert keys(report) == {
        ("overbroad-grant", "group:editors", None, editors),
        *{
            ("excess-route", "group:editors", r, editors)
            for r in ["GET /me", "DELETE /items/{id}", "GET /admin/users", "POST /admin/users"]
        },
    }
    (broad,) = by_rule(report, "overbroad-grant")
    assert broad["severity"] == "medium"


def test_overbroad_grant_api_id_wildcard(world: World) -> None:
    account = world.seeded.account_id
    drift.put_inline(
        world,
        "app-editors",
        "editors",
        f"arn:aws:execute-api:us-east-1:{account}:*/prod/POST/items",
        world.arns.rest("GET/administrators"),
        world.arns.http("POST/orders"),
    )
    assert findings(world) == {
        ("overbroad-grant", "group:editors", None, world.role("app-editors"))
    }


def test_overbroad_grant_not_resource(world: World) -> None:
    drift.put_inline(
        world, "app-editors", "editors", world.arns.rest("*/admin/*"), key="NotResource"
    )
    editors = world.role("app-editors")
    assert findings(world) == {
        ("overbroad-grant", "group:editors", None, editors),
        *{("excess-route", "group:editors", r, editors) for r in ["GET /me", "DELETE /items/{id}"]},
    }


# --- routes ------------------------------------------------------------------------------


def test_route_not_iam_none_is_critical_custom_is_high(world: World) -> None:
    drift.add_rest_route(world, "GET /debug", "NONE")
    drift.add_rest_route(world, "GET /legacy", "CUSTOM")
    world.api_client("apigatewayv2").create_route(
        ApiId=world.http_id, RouteKey="GET /status", AuthorizationType="NONE"
    )
    rest, http = world.rest_id, world.http_id
    report = run_report(world)
    assert keys(report) == {
        ("route-not-iam", None, "GET /debug", world.route_resource(rest, "GET /debug")),
        ("route-not-iam", None, "GET /legacy", world.route_resource(rest, "GET /legacy")),
        ("route-not-iam", None, "GET /status", world.route_resource(http, "GET /status")),
        ("route-undeclared", None, "GET /debug", world.route_resource(rest, "GET /debug")),
        ("route-undeclared", None, "GET /legacy", world.route_resource(rest, "GET /legacy")),
        ("route-undeclared", None, "GET /status", world.route_resource(http, "GET /status")),
    }
    severities = {f["route"]: f["severity"] for f in by_rule(report, "route-not-iam")}
    assert severities == {
        "GET /debug": "critical",
        "GET /legacy": "high",
        "GET /status": "critical",
    }


def test_route_not_iam_declared_public_is_fine(world: World) -> None:
    drift.add_rest_route(world, "GET /status", "NONE")
    world.baseline["public_routes"].append("GET /status")
    world.write_baseline()
    assert findings(world) == set()


def test_route_undeclared(world: World) -> None:
    drift.add_rest_route(world, "GET /reports", "AWS_IAM")
    assert findings(world) == {
        (
            "route-undeclared",
            None,
            "GET /reports",
            world.route_resource(world.rest_id, "GET /reports"),
        )
    }


def test_route_missing(world: World) -> None:
    drift.delete_rest_resource(world, "/me")
    report = run_report(world)
    resource = world.route_resource("*", "GET /me")
    assert keys(report) == {("route-missing", None, "GET /me", resource)}
    assert sorted(report["findings"][0]["evidence"]["apis"]) == sorted(
        [world.rest_id, world.http_id]
    )
    assert report["findings"][0]["severity"] == "medium"


def _open_items(world: World, principal: object, condition: object = None) -> None:
    """A resource policy letting `principal` invoke GET /items, under `condition` if given."""
    statement = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "execute-api:Invoke",
        "Resource": world.arns.rest("GET/items"),
    }
    if condition is not None:
        statement["Condition"] = condition
    drift.set_rest_policy(world, {"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        {"AWS": "*"},
        {"AWS": ["arn:aws:iam::111122223333:root", "*"]},  # "*" in a list too
    ],
    ids=["star", "aws-star", "aws-list"],
)
def test_resource_policy_public_narrow(world: World, principal: object) -> None:
    # Anyone with AWS credentials may call GET /items: every persona may already.
    _open_items(world, principal)
    report = run_report(world)
    assert keys(report) == {
        (
            "resource-policy-public",
            None,
            None,
            f"arn:aws:apigateway:us-east-1::/restapis/{world.rest_id}#statement-0",
        )
    }
    assert report["findings"][0]["severity"] == "high"


def test_resource_policy_with_condition_is_not_public(world: World) -> None:
    _open_items(world, "*", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    assert findings(world) == set()


@pytest.mark.parametrize(
    "condition",
    [
        {"IpAddress": {"aws:SourceIp": ["0.0.0.0/0", "::/0"]}},
        {"StringLike": {"aws:UserAgent": "*"}},
        {"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
    ],
    ids=["every-address", "any-user-agent", "not-this-vpc-endpoint"],
)
def test_resource_policy_public_in_all_but_name(world: World, condition: object) -> None:
    """CONTRACT §6.1: a condition that restricts no caller is no restriction."""
    _open_items(world, "*", condition)
    report = run_report(world)
    resource = f"arn:aws:apigateway:us-east-1::/restapis/{world.rest_id}#statement-0"
    assert keys(report) == {("resource-policy-public", None, None, resource)}
    assert report["findings"][0]["evidence"]["trivial_conditions"]


@pytest.mark.parametrize("shorthand", [True, False], ids=["execute-api-shorthand", "full-arn"])
def test_resource_policy_public_everything(world: World, shorthand: bool) -> None:
    # Same account: the resource policy alone allows, so every signed-in persona reaches
    # every AWS_IAM route of the REST API (AWS-FACTS §5). API Gateway expands the documented
    # shorthand `execute-api:/*` on save; the emulator keeps it as written.
    resource = (
        "execute-api:/*"
        if shorthand
        else f"arn:aws:execute-api:us-east-1:{world.seeded.account_id}:{world.rest_id}/*"
    )
    drift.set_rest_policy(
        world,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": resource,
                }
            ],
        },
    )
    rest_iam = [
        "GET /items",
        "POST /items",
        "GET /items/{id}",
        "DELETE /items/{id}",
        "GET /me",
        "GET /admin/users",
        "POST /admin/users",
        "GET /administrators",
    ]
    declared = {
        "group:admin": {*ALL_USERS, *ADMIN_OWN},
        "group:editors": {*ALL_USERS, *EDITOR_OWN},
        "default": {*ALL_USERS, "GET /me"},
    }
    roles = {"group:admin": "app-admin", "group:editors": "app-editors", "default": "app-default"}
    excess: set[FindingKey] = {
        ("excess-route", persona, r, world.role(roles[persona]))
        for persona, routes in declared.items()
        for r in rest_iam
        if r not in routes
    }
    assert len(excess) == 12
    assert findings(world) == {
        (
            "resource-policy-public",
            None,
            None,
            f"arn:aws:apigateway:us-east-1::/restapis/{world.rest_id}#statement-0",
        ),
        *excess,
    }
