"""decide(): one concrete request against identity policies. Expected answers come from the
AWS documentation pages cited on each test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auditor.policy import PolicyError, decide

API = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod"
INVOKE = "execute-api:Invoke"
EVAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
RESOURCE_DOC = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
)
OPS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
VARS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"


def pol(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version:
        doc["Version"] = version
    return doc


def allow(resource: Any, action: Any = INVOKE, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(resource: Any, action: Any = INVOKE, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


# --- evaluation logic: EVAL ----------------------------------------------------------------


def test_default_is_implicit_deny() -> None:
    # EVAL: "By default, all requests are implicitly denied"
    assert decide([], INVOKE, f"{API}/GET/items") == "ImplicitlyDenied"
    assert decide([pol(allow(f"{API}/GET/x"))], INVOKE, f"{API}/GET/items") == "ImplicitlyDenied"


def test_explicit_deny_overrides_allow_across_policies() -> None:
    # EVAL: "An explicit deny in any policy overrides any allows."
    docs = [pol(allow("*")), pol(deny(f"{API}/DELETE/*"))]
    assert decide(docs, INVOKE, f"{API}/DELETE/items/1") == "ExplicitlyDenied"
    assert decide(docs, INVOKE, f"{API}/GET/items/1") == "Allowed"


def test_statement_object_and_string_shapes() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html
    single = {"Version": "2012-10-17", "Statement": allow(f"{API}/GET/items")}
    assert decide([single], INVOKE, f"{API}/GET/items") == "Allowed"
    listed = pol(allow([f"{API}/GET/a", f"{API}/GET/items"], action=["s3:GetObject", INVOKE]))
    assert decide([listed], INVOKE, f"{API}/GET/items") == "Allowed"
    assert decide([json.dumps(listed)], INVOKE, f"{API}/GET/items") == "Allowed"


def test_not_action_and_not_resource() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    not_action = pol({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})
    assert decide([not_action], INVOKE, f"{API}/GET/x") == "Allowed"
    assert decide([not_action], "s3:GetObject", "arn:aws:s3:::b/k") == "ImplicitlyDenied"
    not_res = pol({"Effect": "Allow", "Action": INVOKE, "NotResource": f"{API}/*/admin/*"})
    assert decide([not_res], INVOKE, f"{API}/GET/items") == "Allowed"
    assert decide([not_res], INVOKE, f"{API}/GET/admin/users") == "ImplicitlyDenied"
    deny_not = pol(allow("*"), {"Effect": "Deny", "Action": "*", "NotResource": f"{API}/GET/*"})
    assert decide([deny_not], INVOKE, f"{API}/POST/items") == "ExplicitlyDenied"
    assert decide([deny_not], INVOKE, f"{API}/GET/items") == "Allowed"


def test_action_names_ignore_case_resources_do_not() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    # ("case insensitive"); RESOURCE_DOC: ARNs are case sensitive.
    doc = pol(allow(f"{API}/GET/Items", action="EXECUTE-API:invoke"))
    assert decide([doc], "execute-api:INVOKE", f"{API}/GET/Items") == "Allowed"
    assert decide([doc], INVOKE, f"{API}/GET/items") == "ImplicitlyDenied"
    assert decide([pol(allow("*", action="execute-api:Inv*"))], INVOKE, f"{API}/GET/x") == "Allowed"


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        # RESOURCE_DOC: * matches any combination of characters, ? any single character.
        (f"{API}/GET/admin*", f"{API}/GET/administrators", "Allowed"),
        (f"{API}/GET/admin*", f"{API}/GET/admin-export/x", "Allowed"),  # * crosses '/'
        (f"{API}/*/items", f"{API}/DELETE/items", "Allowed"),
        (f"{API}/GET/item?", f"{API}/GET/items", "Allowed"),
        (f"{API}/GET/item?", f"{API}/GET/item", "ImplicitlyDenied"),
        (f"{API}/GET/item?", f"{API}/GET/itemss", "ImplicitlyDenied"),
        # a * that ends a segment may run past ':' (RESOURCE_DOC)
        ("arn:aws:execute-api:*", f"{API}/GET/x", "Allowed"),
        ("arn:aws:execute-api:us-east-1:*", f"{API}/GET/x", "Allowed"),
        # a * inside a segment stays within it
        ("arn:aws:execute-api:us*1:a1b2c3/prod/GET/x", f"{API}/GET/x", "ImplicitlyDenied"),
        ("arn:aws:execute-api:us-*-1:123456789012:a1b2c3/prod/GET/x", f"{API}/GET/x", "Allowed"),
        # regex metacharacters are literal
        (f"{API}/GET/a.b", f"{API}/GET/aXb", "ImplicitlyDenied"),
        (f"{API}/GET/a.b", f"{API}/GET/a.b", "Allowed"),
        (f"{API}/GET/(x)+[y]$", f"{API}/GET/(x)+[y]$", "Allowed"),
        (f"{API}/GET/(x)+", f"{API}/GET/xx", "ImplicitlyDenied"),
        (f"{API}/GET/", f"{API}/GET/", "Allowed"),  # root resource
    ],
)
def test_resource_wildcards(pattern: str, resource: str, expected: str) -> None:
    assert decide([pol(allow(pattern))], INVOKE, resource) == expected


# --- conditions: OPS -------------------------------------------------------------------------


def cond(condition: dict[str, Any]) -> list[dict[str, Any]]:
    return [pol(allow("*", Condition=condition))]


R = f"{API}/GET/x"


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"StringEquals": {"aws:username": "bob"}}, {"AWS:UserName": "bob"}, True),  # keys any case
        ({"StringEquals": {"aws:username": "bob"}}, {"aws:username": "Bob"}, False),
        ({"StringEqualsIgnoreCase": {"k": "bob"}}, {"k": "BOB"}, True),
        ({"StringNotEquals": {"k": ["a", "b"]}}, {"k": "c"}, True),
        ({"StringNotEquals": {"k": ["a", "b"]}}, {"k": "b"}, False),
        ({"StringLike": {"k": "ad*n?"}}, {"k": "admins"}, True),
        ({"StringLike": {"k": "a.c"}}, {"k": "abc"}, False),
        ({"StringNotLike": {"k": "ad*"}}, {"k": "user"}, True),
        ({"NumericLessThan": {"k": "10"}}, {"k": 9}, True),
        ({"NumericGreaterThanEquals": {"k": 10}}, {"k": "10"}, True),
        ({"NumericEquals": {"k": "10"}}, {"k": "ten"}, False),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
            {"aws:CurrentTime": "2024-05-01T12:00:00Z"},
            True,
        ),
        ({"DateLessThan": {"aws:EpochTime": "1700000000"}}, {"aws:EpochTime": "1600000000"}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "false"}, False),
        ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.9"}, True),
        (
            {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            {"aws:SourceIp": "198.51.100.1"},
            True,
        ),
        ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "203.0.113.9"}, False),
        (
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}},
            {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/app-admin"},
            True,
        ),
        (
            {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123:t"}},
            {"aws:SourceArn": "arn:aws:sns:us-east-1:123:t"},
            True,
        ),
        (
            {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}},
            {"aws:PrincipalArn": "arn:aws:iam::1:role/other"},
            True,
        ),
        ({"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}}, {"k": "QmluYXJ5VmFsdWU="}, True),
        # Missing keys: false, except negated operators (true), IfExists (true), Null.
        ({"StringEquals": {"k": "a"}}, {}, False),
        ({"StringNotEquals": {"k": "a"}}, {}, True),
        ({"StringNotLike": {"k": "a*"}}, {}, True),
        ({"StringEqualsIfExists": {"k": "a"}}, {}, True),
        ({"StringEqualsIfExists": {"k": "a"}}, {"k": "b"}, False),
        ({"Null": {"k": "true"}}, {}, True),
        ({"Null": {"k": "false"}}, {}, False),
        ({"Null": {"k": "false"}}, {"k": "v"}, True),
        # Set qualifiers (single-vs-multi-valued context keys page).
        ({"ForAllValues:StringEquals": {"tags": ["a", "b"]}}, {"tags": ["a"]}, True),
        ({"ForAllValues:StringEquals": {"tags": ["a", "b"]}}, {"tags": ["a", "c"]}, False),
        ({"ForAllValues:StringEquals": {"tags": ["a"]}}, {}, True),
        ({"ForAnyValue:StringEquals": {"tags": ["a"]}}, {"tags": ["c", "a"]}, True),
        ({"ForAnyValue:StringEquals": {"tags": ["a"]}}, {}, False),
        ({"ForAnyValue:StringNotEquals": {"tags": ["a"]}}, {"tags": ["a", "b"]}, True),
        # AND across keys and operators
        ({"StringEquals": {"k": "a", "j": "b"}}, {"k": "a", "j": "c"}, False),
        ({"StringEquals": {"k": "a"}, "Bool": {"m": "true"}}, {"k": "a", "m": "true"}, True),
    ],
)
def test_condition_operators(
    condition: dict[str, Any], context: dict[str, Any], expected: bool
) -> None:
    # OPS and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    got = decide(cond(condition), INVOKE, R, context)
    assert got == ("Allowed" if expected else "ImplicitlyDenied")


def test_conditional_deny() -> None:
    docs = [pol(allow("*"), deny("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))]
    assert decide(docs, INVOKE, R, {"aws:MultiFactorAuthPresent": "false"}) == "ExplicitlyDenied"
    assert decide(docs, INVOKE, R, {"aws:MultiFactorAuthPresent": "true"}) == "Allowed"
    assert decide(docs, INVOKE, R) == "Allowed"  # key absent: Bool is false, Deny does not apply


# --- policy variables: VARS ------------------------------------------------------------------


def test_policy_variables_in_resource() -> None:
    sub = "us-east-1:1111-2222"
    doc = pol(allow(f"{API}/GET/users/${{cognito-identity.amazonaws.com:sub}}/*"))
    ctx = {"cognito-identity.amazonaws.com:sub": sub}
    assert decide([doc], INVOKE, f"{API}/GET/users/{sub}/files", ctx) == "Allowed"
    assert decide([doc], INVOKE, f"{API}/GET/users/someone-else/files", ctx) == "ImplicitlyDenied"
    # No value for the variable: the resource does not match (VARS, "no value").
    assert decide([doc], INVOKE, f"{API}/GET/users/{sub}/files") == "ImplicitlyDenied"


def test_policy_variable_default_and_escapes() -> None:
    doc = pol(allow(f"{API}/GET/home/${{aws:username, 'guest'}}"))
    assert decide([doc], INVOKE, f"{API}/GET/home/guest") == "Allowed"
    assert decide([doc], INVOKE, f"{API}/GET/home/ann", {"aws:username": "ann"}) == "Allowed"
    star = pol(allow(f"{API}/GET/lit${{*}}${{?}}${{$}}"))
    assert decide([star], INVOKE, f"{API}/GET/lit*?$") == "Allowed"
    assert decide([star], INVOKE, f"{API}/GET/litXY$") == "ImplicitlyDenied"  # literal, not wild


def test_variables_only_in_version_2012() -> None:
    # VARS: variables need "Version": "2012-10-17"; otherwise ${...} is literal text.
    doc = pol(allow(f"{API}/GET/home/${{aws:username}}"), version=None)
    assert (
        decide([doc], INVOKE, f"{API}/GET/home/ann", {"aws:username": "ann"}) == "ImplicitlyDenied"
    )
    assert decide([doc], INVOKE, f"{API}/GET/home/${{aws:username}}") == "Allowed"


def test_variable_in_condition_value() -> None:
    doc = pol(allow("*", Condition={"StringEquals": {"k": "${aws:username}"}}))
    assert decide([doc], INVOKE, R, {"k": "ann", "aws:username": "ann"}) == "Allowed"
    assert decide([doc], INVOKE, R, {"k": "ann", "aws:username": "bob"}) == "ImplicitlyDenied"


# --- malformed policies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "JSON object"),
        (pol({"Action": INVOKE, "Resource": "*"}), "Effect is missing"),
        (pol({"Effect": "allow", "Action": INVOKE, "Resource": "*"}), "Effect is 'allow'"),
        (pol(allow("*", Condition={"StringEqualz": {"k": "v"}})), "unknown condition operator"),
        (pol(allow("*", Condition={"ForSomeValues:StringEquals": {"k": "v"}})), "set operator"),
        (pol(allow("*", Condition={"NumericEquals": {"k": "ten"}})), "not a valid value"),
        (pol(allow("*", Condition={"IpAddress": {"k": "300.1.1.1"}})), "not a valid value"),
        (pol(allow("*", Condition="x")), "Condition must be an object"),
        (pol({"Effect": "Allow", "Resource": "*"}), "needs Action or NotAction"),
        (pol({"Effect": "Allow", "Action": INVOKE}), "needs Resource or NotResource"),
        (pol({"Effect": "Allow", "Action": 5, "Resource": "*"}), "Action must be"),
        (pol({"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}), "both"),
        (pol(allow("*", Principal="*")), "not allowed in an identity-based policy"),
        ({"Version": "2012-10-17"}, "no Statement"),
        ({"Version": "2099-01-01", "Statement": []}, "unknown Version"),
        ({"Statement": 7}, "Statement must be"),
        ({"Statement": ["x"]}, "must be a JSON object"),
    ],
)
def test_malformed_policies_raise_policy_error(document: Any, message: str) -> None:
    with pytest.raises(PolicyError, match=message) as info:
        decide([document], INVOKE, R)
    assert isinstance(info.value, ValueError)
    assert "policy[0]" in str(info.value)


def test_error_names_statement_and_sid() -> None:
    doc = pol(allow("*"), {"Sid": "Broken", "Action": INVOKE, "Resource": "*"})
    with pytest.raises(PolicyError, match=r"policy\[0\]' statement 1 \(Sid Broken\)"):
        decide([doc], INVOKE, R)
