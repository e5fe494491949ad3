"""Role resolution modes end to end: Rules and "use default role" worlds that match their
baselines exactly, and the HTTP API's `$default` route."""

from __future__ import annotations

from tests.support import drift
from tests.support.cli import findings, run_report
from tests.support.findings import keys
from tests.support.world import ADMIN_ROUTES, EDITOR_ROUTES, World


def test_rules_mode_clean(world: World) -> None:
    drift.set_pool_roles(
        world, {"authenticated": world.role("app-default")}, drift.rules_mapping(world)
    )
    world.baseline["identity_pool"]["role_resolution"] = "rules"
    world.write_baseline()
    report = run_report(world, expect_exit=0)
    assert report["findings"] == []
    roles = {c["persona"]: c["role_arn"] for c in report["access_matrix"]}
    assert roles == {
        "group:admin": world.role("app-admin"),
        "group:editors": world.role("app-editors"),
        "default": world.role("app-default"),
        "unauthenticated": None,
    }


def test_default_role_mode_clean(world: World) -> None:
    # One role for every signed-in user: no groups, no role mapping, every route declared
    # for the default role and granted by it.
    idp = world.client("cognito-idp")
    for group in ("admin", "editors"):
        idp.delete_group(GroupName=group, UserPoolId=world.user_pool_id)
    arns = world.arns
    drift.put_inline(
        world,
        "app-default",
        "everything-else",
        arns.rest("*/admin/*"),
        arns.rest("DELETE/items/*"),
        arns.rest("POST/items"),
        arns.rest("GET/administrators"),
        arns.http("POST/orders"),
    )
    drift.set_pool_roles(world, {"authenticated": world.role("app-default")}, None)
    world.baseline["identity_pool"]["role_resolution"] = "default"
    world.baseline["groups"] = {}
    world.baseline["routes"]["default"] += [*ADMIN_ROUTES, *EDITOR_ROUTES]
    world.write_baseline()
    report = run_report(world, expect_exit=0)
    assert report["findings"] == []
    assert {c["role_arn"] for c in report["access_matrix"] if c["persona"] == "default"} == {
        world.role("app-default")
    }


def test_default_mode_declared_but_token_live(world: World) -> None:
    world.baseline["identity_pool"]["role_resolution"] = "default"
    world.write_baseline()
    assert ("role-mapping-drift", None, None, world.pool_id, world.client_id) in findings(world)


def test_http_default_route_undeclared(world: World) -> None:
    # `$default` answers every request no other route takes, e.g. GET /orders/42/lines; the
    # all-users grant `GET/orders/*` matches that ARN (IAM `*` spans `/`), so every
    # signed-in persona can reach the undeclared catch-all in part.
    world.api_client("apigatewayv2").create_route(
        ApiId=world.http_id, RouteKey="$default", AuthorizationType="AWS_IAM"
    )
    account = world.seeded.account_id
    assert findings(world) == {
        (
            "route-undeclared",
            None,
            "$default",
            f"arn:aws:execute-api:us-east-1:{account}:{world.http_id}/*/*/{{proxy+}}",
        ),
        ("excess-route", "group:admin", "$default", world.role("app-admin")),
        ("excess-route", "group:editors", "$default", world.role("app-editors")),
        ("excess-route", "default", "$default", world.role("app-default")),
    }


def test_http_default_route_declared_for_editors(world: World) -> None:
    world.api_client("apigatewayv2").create_route(
        ApiId=world.http_id, RouteKey="$default", AuthorizationType="AWS_IAM"
    )
    drift.put_inline(
        world,
        "app-editors",
        "editors",
        world.arns.rest("POST/items"),
        world.arns.rest("GET/administrators"),
        world.arns.http("*"),
    )
    world.baseline["groups"]["editors"]["routes"].append("$default")
    world.write_baseline()
    report = run_report(world)
    verdicts = {
        c["persona"]: c["verdict"] for c in report["access_matrix"] if c["route"] == "$default"
    }
    assert verdicts == {
        "group:admin": "partial",
        "group:editors": "allowed",
        "default": "partial",
        "unauthenticated": "denied",
    }
    assert keys(report) == {
        ("excess-route", "group:admin", "$default", world.role("app-admin")),
        ("excess-route", "default", "$default", world.role("app-default")),
    }
