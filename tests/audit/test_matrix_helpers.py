"""Route templates and baseline patterns: normalise_template, pattern_covers, declares."""

from __future__ import annotations

import pytest

from auditor.audit.evaluator import expand_shorthand
from auditor.audit.routes import normalise_template, pattern_covers
from auditor.model.baseline import RoutePattern


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        ("/items/{id}", "/items/{}"),
        ("/items/{itemId}", "/items/{}"),
        ("/files/{proxy+}", "/files/{+}"),
        ("/a/{x}/b/{y}", "/a/{}/b/{}"),
        ("/", "/"),
        ("/items", "/items"),
    ],
)
def test_normalise_template(path: str, normal: str) -> None:
    assert normalise_template(path) == normal


def covers(pattern: str, route: str) -> bool:
    if route == "$default":
        return pattern_covers(RoutePattern.parse(pattern), "ANY", "$default")
    method, path = route.split(" ", 1)
    return pattern_covers(RoutePattern.parse(pattern), method, path)


@pytest.mark.parametrize(
    ("pattern", "route", "expected"),
    [
        ("GET /items/{id}", "GET /items/{itemId}", True),  # parameter names do not matter
        ("GET /items/{id}", "POST /items/{id}", False),
        ("* /items/{id}", "DELETE /items/{id}", True),
        ("GET /items", "GET /items/{id}", False),
        ("* /admin/*", "GET /admin/users", True),
        ("* /admin/*", "POST /admin/users/{id}/roles", True),
        ("* /admin/*", "GET /admin", False),  # beneath the prefix, not the prefix itself
        ("* /admin/*", "GET /administrators", False),  # unlike IAM's `/admin*`
        ("GET /admin/*", "POST /admin/users", False),
        ("GET /*", "GET /", True),
        ("GET /*", "GET /anything/{proxy+}", True),
        ("* /files/*", "ANY /files/{proxy+}", True),
        ("ANY /files/{proxy+}", "ANY /files/{path+}", True),
        ("GET /files/{proxy+}", "GET /files/{id}", False),  # greedy is another template
        ("$default", "$default", True),
        ("GET /x", "$default", False),
    ],
)
def test_pattern_covers(pattern: str, route: str, expected: bool) -> None:
    assert covers(pattern, route) is expected


def test_expand_shorthand_only_touches_resources() -> None:
    prefix = "arn:aws:execute-api:us-east-1:123456789012:abc123/"
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": ["execute-api:/*", "arn:aws:execute-api:us-east-1:1:other/*"],
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "NotResource": "execute-api:/prod/GET/health",
                "Condition": {"StringEquals": {"x": "execute-api:/keep"}},
            },
        ],
    }
    out = expand_shorthand(doc, prefix)
    assert out["Statement"][0]["Resource"] == [
        prefix + "*",
        "arn:aws:execute-api:us-east-1:1:other/*",
    ]
    assert out["Statement"][1]["NotResource"] == prefix + "prod/GET/health"
    assert out["Statement"][1]["Condition"] == {"StringEquals": {"x": "execute-api:/keep"}}
    assert doc["Statement"][0]["Resource"][0] == "execute-api:/*"  # input untouched
    single = expand_shorthand(
        {"Statement": {"Effect": "Allow", "Resource": "execute-api:/*"}}, prefix
    )
    assert single["Statement"] == {"Effect": "Allow", "Resource": prefix + "*"}
