"""What a stage really serves, end to end through the CLI: a fix made in the API's definition
but never deployed is not live, and the report says so (CONTRACT §6.1, Deployed state)."""

from __future__ import annotations

from typing import Any

from tests.support import drift
from tests.support.cli import run_report
from tests.support.findings import keys
from tests.support.world import HTTP_STAGE, REGION, REST_STAGE, World

# A public route is allowed to every persona, guests included: no credentials are needed.
EVERYONE = {"group:admin", "group:editors", "default", "unauthenticated"}


def _stage_resource(world: World, api_id: str, stage: str, route: str) -> str:
    method, path = route.split(" ", 1)
    return f"arn:aws:execute-api:{REGION}:{world.seeded.account_id}:{api_id}/{stage}/{method}{path}"


def _cells(report: dict[str, Any], api_id: str, route: str) -> dict[str, str]:
    return {
        c["persona"]: c["verdict"]
        for c in report["access_matrix"]
        if c["api_id"] == api_id and c["route"] == route
    }


def _by_rule(report: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule_id"] == rule_id]


def _http_route_id(world: World, key: str) -> str:
    routes = world.api_client("apigatewayv2").get_routes(ApiId=world.http_id)["Items"]
    return str(next(r["RouteId"] for r in routes if r["RouteKey"] == key))


def _set_http_authorization(world: World, key: str, auth: str) -> None:
    world.api_client("apigatewayv2").update_route(
        ApiId=world.http_id, RouteId=_http_route_id(world, key), AuthorizationType=auth
    )


def _public_on_stage(world: World, api_id: str, stage: str, route: str) -> dict[str, Any]:
    """The run's findings are exactly that `stage` serves `route` public though the definition
    says AWS_IAM, both critical; the matrix shows what the stage serves: every persona reaches
    the route, whatever role Cognito hands out. The route-undeployed-change finding."""
    report = run_report(world, expect_exit=1)
    assert keys(report) == {
        ("route-undeployed-change", None, route, _stage_resource(world, api_id, stage, route)),
        # Every audited stage serves it alike: route-not-iam names them all, so that fixing
        # the definition alone does not change its identity.
        ("route-not-iam", None, route, world.route_resource(api_id, route)),
    }
    assert {f["severity"] for f in report["findings"]} == {"critical"}
    (not_iam,) = _by_rule(report, "route-not-iam")
    assert (not_iam["evidence"]["stages"], not_iam["evidence"]["definition"]) == (
        [stage],
        "AWS_IAM",
    )
    assert _cells(report, api_id, route) == dict.fromkeys(EVERYONE, "allowed")
    (undeployed,) = _by_rule(report, "route-undeployed-change")
    return undeployed


def test_rest_route_fixed_to_iam_but_never_deployed_is_still_public(world: World) -> None:
    # GET /items went live public, then was fixed in the console without a redeploy.
    drift.set_rest_authorization(world, "GET /items", "NONE", deploy=True)
    drift.set_rest_authorization(world, "GET /items", "AWS_IAM", deploy=False)
    undeployed = _public_on_stage(world, world.rest_id, REST_STAGE, "GET /items")
    stage = world.client("apigateway").get_stages(restApiId=world.rest_id)["item"][0]
    assert undeployed["evidence"] == {
        "stage": REST_STAGE,
        "deployment_id": stage["deploymentId"],
        "canary": False,
        "served": "NONE",
        "current": "AWS_IAM",
    }


def test_deploying_the_fix_clears_both_findings(world: World) -> None:
    drift.set_rest_authorization(world, "GET /items", "NONE", deploy=True)
    drift.set_rest_authorization(world, "GET /items", "AWS_IAM", deploy=True)
    assert keys(run_report(world, expect_exit=0)) == set()


def _http_stage_on_its_own_deployment(world: World) -> None:
    """The HTTP API's stage stops auto-deploying and serves a deployment made now."""
    http = world.api_client("apigatewayv2")
    http.update_stage(ApiId=world.http_id, StageName=HTTP_STAGE, AutoDeploy=False)
    http.create_deployment(ApiId=world.http_id, StageName=HTTP_STAGE)


def test_http_stage_without_auto_deploy_serves_its_deployment(world: World) -> None:
    _set_http_authorization(world, "GET /orders", "NONE")
    _http_stage_on_its_own_deployment(world)
    _set_http_authorization(world, "GET /orders", "AWS_IAM")  # fixed, never deployed
    undeployed = _public_on_stage(world, world.http_id, HTTP_STAGE, "GET /orders")
    assert undeployed["evidence"]["served"] == "NONE"


def test_http_stage_without_auto_deploy_and_in_step_is_clean(world: World) -> None:
    _http_stage_on_its_own_deployment(world)
    assert keys(run_report(world, expect_exit=0)) == set()


def test_auto_deploy_stage_serves_every_change_at_once(world: World) -> None:
    # No deployment to fall behind: the change is live, reported as the definition's.
    _set_http_authorization(world, "GET /orders", "NONE")
    report = run_report(world, expect_exit=1)
    assert keys(report) == {
        ("route-not-iam", None, "GET /orders", world.route_resource(world.http_id, "GET /orders"))
    }
    assert _cells(report, world.http_id, "GET /orders") == dict.fromkeys(EVERYONE, "allowed")
