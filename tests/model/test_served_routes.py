"""What a stage serves with its canary (Api.served_routes, with_canary)."""

from __future__ import annotations

from auditor.model.snapshot import Api, Deployment, Route, ServedRoute, openness


def _route(key: str, authorization: str) -> Route:
    method, path = key.split(" ", 1)
    return Route(method=method, path=path, authorization_type=authorization)


def _api(own: list[Route], canary: list[Route]) -> Api:
    return Api(
        id="a1",
        name="shop",
        kind="REST",
        stages=["prod"],
        deployments={"prod": Deployment(id="d1", routes=own)},
        canaries={"prod": Deployment(id="d2", routes=canary)},
    )


def test_the_ranking_from_the_least_restrictive() -> None:
    ranked = sorted(["AWS_IAM", "JWT", "NONE", "COGNITO_USER_POOLS", "CUSTOM"], key=openness)
    assert ranked == ["NONE", "COGNITO_USER_POOLS", "JWT", "CUSTOM", "AWS_IAM"]
    assert openness("SOMETHING_NEW") == openness("CUSTOM")


def test_each_route_of_either_with_the_least_restrictive_authorization() -> None:
    same = _route("GET /a", "AWS_IAM")
    own = {"GET /b": "AWS_IAM", "GET /c": "NONE", "GET /d": "JWT"}
    canary = {"GET /a": "AWS_IAM", "GET /b": "CUSTOM", "GET /c": "AWS_IAM", "GET /e": "NONE"}
    api = _api(
        [same, *(_route(k, v) for k, v in own.items())],
        [_route(k, v) for k, v in canary.items()],
    )
    served = api.served_routes("prod")
    assert [(r.key, r.authorization_type) for r in served] == [
        ("GET /a", "AWS_IAM"),
        ("GET /b", "CUSTOM"),
        ("GET /c", "NONE"),
        ("GET /d", "JWT"),
        ("GET /e", "NONE"),
    ]
    a, b, c, d, e = served
    assert a is same and type(d) is Route  # served alike, or by the stage alone
    assert (b, c, e) == (
        ServedRoute(
            method="GET", path="/b", authorization_type="CUSTOM", canary=True, other="AWS_IAM"
        ),
        ServedRoute(method="GET", path="/c", authorization_type="NONE", other="AWS_IAM"),
        ServedRoute(method="GET", path="/e", authorization_type="NONE", canary=True),
    )
    assert api.served_routes("prod") is served  # the same objects: cells are keyed by them


def test_a_model_copy_with_another_canary_is_not_served_the_old_one() -> None:
    api = _api([_route("GET /a", "AWS_IAM")], [_route("GET /a", "NONE")])
    assert api.served_routes("prod")[0].authorization_type == "NONE"
    copy = api.model_copy(update={"canaries": {}})
    assert copy.served_routes("prod")[0].authorization_type == "AWS_IAM"
    fixed = api.model_copy(
        update={"canaries": {"prod": Deployment(routes=[_route("GET /a", "JWT")])}}
    )
    assert fixed.served_routes("prod")[0].authorization_type == "JWT"
