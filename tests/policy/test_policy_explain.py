"""explain(): boundaries, API Gateway resource policies and explanations."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.policy import Decision, NamedPolicy, StatementRef, explain

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app-admin"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app-admin/CognitoIdentityCredentials"
API = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:a1b2c3/prod"
URL = f"{API}/GET/items"
INVOKE = "execute-api:Invoke"
BOUNDARIES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
EVAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
APIGW = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html"


def named(name: str, *statements: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(name, {"Version": "2012-10-17", "Statement": list(statements)})


def stmt(effect: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": INVOKE, "Resource": resource, **extra}


ALLOW_ALL = named("identity", stmt("Allow", Sid="All"))
NOTHING = named("identity", stmt("Allow", f"{API}/GET/other"))


def run(identity: NamedPolicy, **kw: Any) -> Decision:
    kw.setdefault("principal_arn", SESSION)
    kw.setdefault("role_arn", ROLE)
    return explain([identity], INVOKE, URL, **kw)


def test_statement_ref_text_and_explanation() -> None:
    ref = StatementRef("app-admin-policy", 2, "AdminRoutes", "Allow")
    assert str(ref) == "app-admin-policy#2 (Sid AdminRoutes)"
    assert str(StatementRef("p", 0, None, "Deny")) == "p#0"
    got = run(named("p", stmt("Allow", Sid="A"), stmt("Deny", URL, Sid="D")))
    assert got.decision == "ExplicitlyDenied"
    assert [str(r) for r in got.denying] == ["p#1 (Sid D)"]
    assert any("explicitly denied by p#1 (Sid D)" in r for r in got.reasons)


def test_boundary_intersects() -> None:
    # BOUNDARIES: "allows only the actions that are allowed by both"
    inside = named("b", stmt("Allow", f"{API}/GET/*"))
    outside = named("b", stmt("Allow", f"{API}/POST/*"))
    assert run(ALLOW_ALL, boundary=[inside]).decision == "Allowed"
    got = run(ALLOW_ALL, boundary=[outside])
    assert got.decision == "ImplicitlyDenied"
    assert any("permissions boundary" in r for r in got.reasons)
    assert run(ALLOW_ALL, boundary=[]).decision == "ImplicitlyDenied"  # boundary allows nothing
    # The boundary alone grants nothing.
    assert run(NOTHING, boundary=[inside]).decision == "ImplicitlyDenied"
    deny = named("b", stmt("Allow"), stmt("Deny", URL))
    assert run(ALLOW_ALL, boundary=[deny]).decision == "ExplicitlyDenied"


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        {"AWS": "*"},
        {"AWS": SESSION},
        {"AWS": [ROLE]},
        {"AWS": ACCOUNT},
        {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    ],
)
def test_same_account_resource_policy_alone_allows(principal: Any) -> None:
    # APIGW table, same account: resource policy Allow + IAM policy neither -> Allow.
    rp = named("rp", {**stmt("Allow", URL), "Principal": principal})
    assert run(NOTHING, resource_policy=rp).decision == "Allowed"


def test_resource_policy_for_someone_else_does_not_apply() -> None:
    rp = named("rp", {**stmt("Allow"), "Principal": {"AWS": "arn:aws:iam::999999999999:root"}})
    assert run(NOTHING, resource_policy=rp).decision == "ImplicitlyDenied"
    svc = named("rp", {**stmt("Allow"), "Principal": {"Service": "lambda.amazonaws.com"}})
    assert run(NOTHING, resource_policy=svc).decision == "ImplicitlyDenied"


def test_resource_policy_deny_wins() -> None:
    # APIGW table: an explicit Deny in either policy denies.
    rp = named("rp", {**stmt("Deny", URL), "Principal": "*"})
    got = run(ALLOW_ALL, resource_policy=rp)
    assert got.decision == "ExplicitlyDenied"
    assert got.denying == (StatementRef("rp", 0, None, "Deny"),)


def test_identity_allows_when_resource_policy_is_silent() -> None:
    rp = named("rp", {**stmt("Allow", f"{API}/GET/other"), "Principal": "*"})
    assert run(ALLOW_ALL, resource_policy=rp).decision == "Allowed"


def test_cross_account_needs_both() -> None:
    # APIGW table, cross-account: both must allow.
    rp = named("rp", {**stmt("Allow", URL), "Principal": {"AWS": ROLE}})
    assert run(NOTHING, resource_policy=rp, same_account=False).decision == "ImplicitlyDenied"
    assert run(ALLOW_ALL, resource_policy=rp, same_account=False).decision == "Allowed"
    silent = named("rp", {**stmt("Allow", f"{API}/GET/other"), "Principal": "*"})
    got = run(ALLOW_ALL, resource_policy=silent, same_account=False)
    assert got.decision == "ImplicitlyDenied"


def test_boundary_limits_role_grants_but_not_session_grants() -> None:
    # EVAL, "Resource-based policies": a grant to the role ARN is limited by an implicit deny
    # in the permissions boundary; a grant to the role session ARN is not.
    boundary = [named("b", stmt("Allow", f"{API}/POST/*"))]
    to_role = named("rp", {**stmt("Allow", URL), "Principal": {"AWS": ROLE}})
    to_session = named("rp", {**stmt("Allow", URL), "Principal": {"AWS": SESSION}})
    assert run(NOTHING, resource_policy=to_role, boundary=boundary).decision == "ImplicitlyDenied"
    got = run(NOTHING, resource_policy=to_session, boundary=boundary)
    assert got.decision == "Allowed"
    assert got.allowing == (StatementRef("rp", 0, None, "Allow"),)


def test_not_principal_deny_always_denies_a_bounded_principal() -> None:
    # BOUNDARIES: a Deny with NotPrincipal always denies a principal with a boundary.
    rp = named("rp", {**stmt("Deny"), "NotPrincipal": {"AWS": [SESSION, ROLE]}})
    assert run(ALLOW_ALL, resource_policy=rp).decision == "Allowed"  # excluded by session ARN
    bounded = run(ALLOW_ALL, resource_policy=rp, boundary=[named("b", stmt("Allow"))])
    assert bounded.decision == "ExplicitlyDenied"
    only_role = named("rp", {**stmt("Deny"), "NotPrincipal": {"AWS": ROLE}})
    assert run(ALLOW_ALL, resource_policy=only_role).decision == "ExplicitlyDenied"


def test_principal_arn_condition_is_filled_from_the_caller() -> None:
    # aws:PrincipalArn of an assumed-role session is the role ARN (global condition keys page).
    rp = named(
        "rp",
        {
            **stmt("Allow", URL),
            "Principal": "*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}},
        },
    )
    assert run(NOTHING, resource_policy=rp).decision == "Allowed"
    other = f"arn:aws:iam::{ACCOUNT}:role/guest"
    got = run(NOTHING, resource_policy=rp, role_arn=other, principal_arn=None)
    assert got.decision == "ImplicitlyDenied"


def test_json_string_documents() -> None:
    policy = NamedPolicy("s", '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}')
    assert explain([policy], INVOKE, URL).decision == "Allowed"
