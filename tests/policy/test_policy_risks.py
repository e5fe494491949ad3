"""pattern_risks() and execute_api_allows(): facts for the overbroad-grant rule.

ARN positions: https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
"""

from __future__ import annotations

import pytest

from auditor.policy import NamedPolicy, PatternRisk, StatementRef, execute_api_allows, pattern_risks

R = PatternRisk
BASE = "arn:aws:execute-api:us-east-1:123456789012:"


@pytest.mark.parametrize(
    ("pattern", "risks"),
    [
        ("*", {R.RESOURCE_STAR}),
        ("arn:aws:execute-api:*", {R.API_ID_WILDCARD, R.STAGE_WILDCARD, R.METHOD_WILDCARD}),
        (BASE + "*", {R.API_ID_WILDCARD, R.STAGE_WILDCARD, R.METHOD_WILDCARD}),
        (BASE + "*/prod/GET/items", {R.API_ID_WILDCARD}),
        (BASE + "a1b2c3/*", {R.STAGE_WILDCARD, R.METHOD_WILDCARD}),
        (BASE + "a1b2c3/prod/*", {R.METHOD_WILDCARD}),
        (BASE + "a1b2c3/prod/*/items", {R.METHOD_WILDCARD}),
        (BASE + "a1b2c3/prod/GET/items/*", set()),
        (BASE + "a1b2c3/prod/GET/items/*/edit", set()),
        (BASE + "a1b2c3/prod/GET/admin*", {R.MID_SEGMENT_WILDCARD}),
        (BASE + "a1b2c3/prod/GET/*min", {R.MID_SEGMENT_WILDCARD}),
        (BASE + "a1b2c3/prod*/GET/x", {R.STAGE_WILDCARD, R.MID_SEGMENT_WILDCARD}),
        (BASE + "a1b2c3/prod/GET/items", set()),
    ],
)
def test_pattern_risks(pattern: str, risks: set[PatternRisk]) -> None:
    assert pattern_risks(pattern) == frozenset(risks)


def test_execute_api_allows() -> None:
    policy = NamedPolicy(
        "app",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Sid": "Api", "Effect": "Allow", "Action": "execute-api:*", "Resource": "*"},
                {"Effect": "Allow", "NotAction": "s3:*", "NotResource": BASE + "x/*"},
                {"Effect": "Deny", "Action": "*", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": ["EXECUTE-API:Invoke"],
                    "Resource": [BASE + "a/prod/GET/admin*", BASE + "a/*"],
                },
            ],
        },
    )
    got = execute_api_allows([policy])
    assert got == [
        (StatementRef("app", 1, "Api", "Allow"), frozenset({R.RESOURCE_STAR}), ["*"]),
        (StatementRef("app", 2, None, "Allow"), frozenset({R.NOT_RESOURCE}), [BASE + "x/*"]),
        (
            StatementRef("app", 4, None, "Allow"),
            frozenset({R.MID_SEGMENT_WILDCARD, R.STAGE_WILDCARD, R.METHOD_WILDCARD}),
            [BASE + "a/prod/GET/admin*", BASE + "a/*"],
        ),
    ]
