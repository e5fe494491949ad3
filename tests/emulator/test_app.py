"""The seed-thread app: policies derived from the declared routes, placeholders filled in."""

from __future__ import annotations

import pytest

from auditor.emulator.app import ALL_USERS_POLICY, DEFAULT_ROLE, App, AppGroup, seed_thread_app
from auditor.emulator.documents import invoke_named_api
from auditor.emulator.seed import HttpApiSpec, RestApiSpec, Seeded, fill_placeholders

SEEDED = Seeded(
    region="eu-west-1",
    account_id="111122223333",
    identity_pool_id="eu-west-1:pool",
    api_ids={"shop": "rest1", "orders": "http1"},
)
REST = "arn:aws:execute-api:eu-west-1:111122223333:rest1/prod"
HTTP = "arn:aws:execute-api:eu-west-1:111122223333:http1/*"


def _resources(app: App, role: str, policy: str) -> list[str]:
    document = fill_placeholders(app.spec().role(role).inline[policy], SEEDED)
    resources: list[str] = document["Statement"][0]["Resource"]
    return resources


def _two_apis() -> App:
    app = seed_thread_app("shop", rest_api="shop")
    app.http_apis.append(HttpApiSpec("orders", routes={"GET /items": "AWS_IAM"}))
    return app


def test_a_declared_route_becomes_a_grant_on_the_audited_stage() -> None:
    app = seed_thread_app("shop", rest_api="shop")
    # Path parameters become `*`; a `* /admin/*` pattern stays a prefix (not `/admin*`).
    assert _resources(app, "app-admin", "admin") == [f"{REST}/*/admin/*", f"{REST}/DELETE/items/*"]
    assert _resources(app, DEFAULT_ROLE, "me") == [f"{REST}/GET/me"]


def test_a_route_on_two_apis_is_granted_on_both_an_http_api_on_every_stage() -> None:
    spec = _two_apis().spec()
    all_users = fill_placeholders(spec.managed_policy(ALL_USERS_POLICY).document, SEEDED)
    assert all_users["Statement"][0]["Resource"] == [
        f"{REST}/GET/items",
        f"{HTTP}/GET/items",
        f"{REST}/GET/items/*",
    ]


def test_every_role_carries_the_all_users_policy_and_its_own_grant() -> None:
    spec = seed_thread_app("shop", rest_api="shop").spec()
    assert [(r.name, r.managed, list(r.inline)) for r in spec.roles] == [
        (DEFAULT_ROLE, [ALL_USERS_POLICY], ["me"]),
        ("app-admin", [ALL_USERS_POLICY], ["admin"]),
        ("app-editors", [ALL_USERS_POLICY], ["editors"]),
    ]
    assert spec.user_pool is not None
    assert [(g.name, g.role, g.precedence) for g in spec.user_pool.groups] == [
        ("admin", "app-admin", 0),
        ("editors", "app-editors", 10),
    ]


def test_the_baseline_declares_what_the_spec_grants() -> None:
    app = _two_apis()
    app.groups.append(AppGroup("support", 20, ["GET /items"]))
    seeded = Seeded(
        region="eu-west-1",
        account_id="111122223333",
        user_pool_id="eu-west-1_pool",
        identity_pool_id="eu-west-1:pool",
        api_ids={"shop": "rest1", "orders": "http1"},
        role_arns={
            n: f"arn:role/{n}" for n in (DEFAULT_ROLE, "app-admin", "app-editors", "app-support")
        },
    )
    baseline, spec = app.baseline(seeded), app.spec()
    assert baseline["apis"] == [
        {"id": "rest1", "stage": "prod"},
        {"id": "http1", "stage": "$default"},
    ]
    # What the baseline says of Cognito is what the spec seeds.
    assert spec.user_pool is not None and spec.identity_pool is not None
    assert {name: (g["precedence"], g["role"]) for name, g in baseline["groups"].items()} == {
        g.name: (g.precedence, seeded.role_arns[g.role or ""]) for g in spec.user_pool.groups
    }
    pool = spec.identity_pool
    (mapping,) = pool.mappings
    assert baseline["identity_pool"] == {
        "id": seeded.identity_pool_id,
        "role_resolution": mapping.type.lower(),
        "ambiguous_role_resolution": mapping.ambiguous_role_resolution,
        "authenticated_role": seeded.role_arns[pool.authenticated_role or ""],
        "unauthenticated_role": None,
        "allow_unauthenticated": pool.allow_unauthenticated,
        "allow_classic_flow": pool.allow_classic_flow,
    }
    # And every route it declares for a group is granted on an API that has it.
    support = fill_placeholders(spec.role("app-support").inline["support"], SEEDED)
    assert baseline["groups"]["support"]["routes"] == ["GET /items"]
    assert support["Statement"][0]["Resource"] == [f"{REST}/GET/items", f"{HTTP}/GET/items"]


def test_a_declared_route_no_api_has_is_a_mistake_in_the_app() -> None:
    app = seed_thread_app("shop", rest_api="shop")
    app.default.append("GET /reports")
    with pytest.raises(ValueError, match="GET /reports"):
        app.spec()


def test_spec_is_a_fresh_copy_each_time() -> None:
    app = seed_thread_app("shop", rest_api="shop")
    spec = app.spec()
    spec.rest_api("shop").routes["GET /debug"] = "NONE"
    assert "GET /debug" not in app.rest_api("shop").routes
    assert "GET /debug" not in app.spec().rest_api("shop").routes


def test_placeholders_are_filled_and_an_unknown_api_is_refused() -> None:
    document = invoke_named_api("orders", "$default", "GET/x", sid="X")
    assert fill_placeholders(document, SEEDED)["Statement"] == [
        {
            "Sid": "X",
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": ["arn:aws:execute-api:eu-west-1:111122223333:http1/$default/GET/x"],
        }
    ]
    with pytest.raises(ValueError, match="unknown API 'nope'"):
        fill_placeholders(invoke_named_api("nope", "prod", "GET/x"), SEEDED)


def test_without_apis_keeps_everything_else() -> None:
    spec = _two_apis().spec()
    rest = spec.without_apis()
    assert (rest.rest_apis, rest.http_apis) == ([], [])
    assert rest.roles == spec.roles and rest.user_pool == spec.user_pool
    apis = spec.apis_only()
    assert [a.name for a in apis.rest_apis] == ["shop"] and apis.roles == []
    assert (apis.user_pool, apis.identity_pool) == (None, None)


def test_a_rest_api_grants_its_first_stage() -> None:
    app = App(
        "x",
        rest_apis=[RestApiSpec("shop", routes={"GET /me": "AWS_IAM"}, stages=["v2", "v1"])],
        default=["GET /me"],
    )
    assert _resources(app, DEFAULT_ROLE, "me") == [
        "arn:aws:execute-api:eu-west-1:111122223333:rest1/v2/GET/me"
    ]
