"""route_verdict(): exact verdicts for route templates, with witnesses and reasons.

Request ARNs carry the concrete path and verb (never `{id}` or ANY):
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
"""

from __future__ import annotations

from typing import Any

import pytest

from auditor.model.route_grammar import path_template_problem
from auditor.policy import NamedPolicy, RouteVerdict, decide, route_verdict

ACCOUNT = "123456789012"
API = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:a1b2c3/prod"
INVOKE = "execute-api:Invoke"
KW: dict[str, Any] = dict(
    partition="aws", region="us-east-1", account=ACCOUNT, api_id="a1b2c3", stage="prod"
)


def named(*statements: dict[str, Any]) -> list[NamedPolicy]:
    return [NamedPolicy("p", {"Version": "2012-10-17", "Statement": list(statements)})]


def allow(resource: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": INVOKE, "Resource": resource, **extra}


def deny(resource: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": INVOKE, "Resource": resource, **extra}


def verdict(policies: list[NamedPolicy], method: str, path: str, **kw: Any) -> RouteVerdict:
    return route_verdict(policies, method=method, path=path, **KW, **kw)


def docs(policies: list[NamedPolicy]) -> list[Any]:
    return [p.document for p in policies]


def test_param_routes() -> None:
    role = named(allow(f"{API}/GET/items/*"))
    assert verdict(role, "GET", "/items/{id}").verdict == "allowed"
    assert verdict(role, "GET", "/items/{proxy+}").verdict == "allowed"
    assert verdict(role, "GET", "/items").verdict == "denied"
    assert verdict(role, "POST", "/items/{id}").verdict == "denied"


def test_partial_only_one_item_with_witnesses() -> None:
    role = named(allow(f"{API}/GET/items/42"))
    got = verdict(role, "GET", "/items/{id}")
    assert got.verdict == "partial"
    assert got.witness_allowed == f"{API}/GET/items/42"
    assert got.witness_denied is not None and got.witness_denied.startswith(f"{API}/GET/items/")
    assert decide(docs(role), INVOKE, got.witness_denied) == "ImplicitlyDenied"
    assert [str(r) for r in got.allowing] == ["p#0"]


def test_witnesses_are_the_shortest_requests_free_characters_first() -> None:
    # Allowed: a second segment starting with "a", or a first one (the star runs on past
    # '/'). The first settled prefix ("a" + anything) is not the shortest witness: of the
    # two three-character paths, the one with a free character first wins.
    role = named(allow(f"{API}/*/a*"))
    got = verdict(role, "GET", "/{p}/{q}")
    assert got.verdict == "partial"
    assert got.witness_allowed is not None and got.witness_denied is not None
    other = got.witness_denied.rsplit("/", 1)[1]
    assert len(other) == 1 and other != "a"
    assert got.witness_allowed == f"{API}/GET/{other}/a"
    assert got.witness_denied == f"{API}/GET/{other}/{other}"


def test_param_excludes_slash_but_proxy_includes_it() -> None:
    # "*" matches "/" (AWS-FACTS 4), so items/*/edit also covers items/a/b/edit, but
    # a {param} is one segment: /items/{id}/edit is exactly covered.
    role = named(allow(f"{API}/GET/items/*/edit"))
    assert verdict(role, "GET", "/items/{id}/edit").verdict == "allowed"
    only_one = named(allow(f"{API}/GET/items/?"))
    assert verdict(only_one, "GET", "/items/{id}").verdict == "partial"
    no_slash = named(allow(f"{API}/GET/files/*"), deny(f"{API}/GET/files/*/*"))
    assert verdict(no_slash, "GET", "/files/{name}").verdict == "allowed"
    assert verdict(no_slash, "GET", "/files/{proxy+}").verdict == "partial"


def test_root_resource_and_any() -> None:
    root = named(allow(f"{API}/GET/"))
    assert verdict(root, "GET", "/").verdict == "allowed"
    assert verdict(root, "GET", "/{proxy+}").verdict == "denied"
    everything = named(allow(f"{API}/*"))
    assert verdict(everything, "ANY", "/{proxy+}").verdict == "allowed"
    got = verdict(named(allow(f"{API}/GET/*")), "ANY", "/items")
    assert got.verdict == "partial"
    assert got.witness_allowed == f"{API}/GET/items"
    assert got.witness_denied is not None and "/GET/" not in got.witness_denied


def test_a_policy_naming_any_grants_nothing() -> None:
    # AWS-FACTS 4: the request carries the concrete verb, never ANY.
    assert verdict(named(allow(f"{API}/ANY/items")), "ANY", "/items").verdict == "denied"


def test_mid_segment_wildcard_covers_more_than_it_looks() -> None:
    role = named(allow(f"{API}/GET/admin*"))
    assert verdict(role, "GET", "/administrators").verdict == "allowed"
    assert verdict(role, "GET", "/admin-export/{proxy+}").verdict == "allowed"


def test_deny_carves_out() -> None:
    role = named(allow(f"{API}/*"), deny(f"{API}/DELETE/*"))
    got = verdict(role, "ANY", "/items/{id}")
    assert got.verdict == "partial"
    assert got.witness_denied is not None and "/DELETE/" in got.witness_denied
    assert [str(r) for r in got.denying] == ["p#1"]
    assert verdict(role, "DELETE", "/items/{id}").verdict == "denied"


def test_unknown_condition_makes_partial_with_reason() -> None:
    cond = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    role = named(allow(f"{API}/GET/*", Condition=cond))
    got = verdict(role, "GET", "/items")
    assert got.verdict == "partial"
    assert any("aws:sourceip is unknown" in r for r in got.reasons)
    assert got.witness_allowed == f"{API}/GET/items"
    known = verdict(role, "GET", "/items", context={"aws:SourceIp": "203.0.113.7"})
    assert known.verdict == "allowed"
    assert verdict(role, "GET", "/items", context={"aws:SourceIp": "10.0.0.1"}).verdict == "denied"


def test_irrelevant_unknowns_do_not_make_partial() -> None:
    cond = {"Bool": {"aws:SecureTransport": "true"}}
    covered = named(allow(f"{API}/*"), allow(f"{API}/GET/*", Condition=cond))
    assert verdict(covered, "GET", "/items").verdict == "allowed"
    denied = named(deny(f"{API}/*"), allow(f"{API}/GET/*", Condition=cond))
    assert verdict(denied, "GET", "/items").verdict == "denied"
    cond_deny = named(allow(f"{API}/GET/*"), deny(f"{API}/GET/*", Condition=cond))
    assert verdict(cond_deny, "GET", "/items").verdict == "partial"


def test_policy_variable_in_resource_is_per_user() -> None:
    role = named(allow(f"{API}/GET/users/${{cognito-identity.amazonaws.com:sub}}/*"))
    got = verdict(role, "GET", "/users/{sub}/{proxy+}")
    assert got.verdict == "partial"
    assert any("${cognito-identity.amazonaws.com:sub}" in r for r in got.reasons)
    ctx = {"cognito-identity.amazonaws.com:sub": "us-east-1:abc"}
    assert verdict(role, "GET", "/users/{sub}/{proxy+}", context=ctx).verdict == "partial"
    assert verdict(role, "GET", "/users/us-east-1:abc/{proxy+}", context=ctx).verdict == "allowed"


def test_boundary_and_resource_policy() -> None:
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/app-user"
    boundary = [NamedPolicy("b", {"Statement": allow(f"{API}/GET/*")})]
    role = named(allow(f"{API}/*"))
    got = verdict(role, "ANY", "/items", boundary=boundary, role_arn=role_arn)
    assert got.verdict == "partial"
    rp = NamedPolicy(
        "rp",
        {"Statement": {**allow(f"{API}/POST/items"), "Principal": {"AWS": role_arn}}},
    )
    # The grant to the role ARN is limited by the boundary (POST not in it).
    got = verdict(
        named(), "POST", "/items", boundary=boundary, resource_policy=rp, role_arn=role_arn
    )
    assert got.verdict == "denied"
    assert verdict(named(), "POST", "/items", resource_policy=rp, role_arn=role_arn).verdict == (
        "allowed"
    )


def test_many_routes_reuse_compiled_role() -> None:
    role = named(allow(f"{API}/GET/items/*"), deny(f"{API}/GET/items/secret*"))
    results = {
        p: verdict(role, "GET", p).verdict
        for p in ("/items/{id}", "/items/public", "/items/secret", "/items/secretive/{id}")
    }
    assert results == {
        "/items/{id}": "partial",
        "/items/public": "allowed",
        "/items/secret": "denied",
        "/items/secretive/{id}": "denied",
    }


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/items/{id}", None),
        ("/files/{proxy+}", None),
        ("/", None),
        ("", "starts with '/'"),
        ("items", "starts with '/'"),
        ("/{proxy+}/x", "must be the last path segment"),
    ],
)
def test_a_grammar_problem_is_what_verdicts_refuse(path: str, problem: str | None) -> None:
    """What callers check once per path is exactly what route_verdict would refuse."""
    got = path_template_problem(path)
    if problem is None:
        assert got is None
        assert verdict(named(allow(f"{API}/*")), "GET", path).verdict == "allowed"
        return
    assert got is not None and problem in got
    with pytest.raises(ValueError, match=problem.replace("+", r"\+")):
        verdict(named(allow(f"{API}/*")), "GET", path)
