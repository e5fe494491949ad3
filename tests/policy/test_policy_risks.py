"""pattern_risks(), execute_api_allows() and public_statements(): facts for the overbroad-grant
and resource-policy-public rules.

ARN positions: https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from auditor.policy import (
    NamedPolicy,
    PatternRisk,
    PolicyCache,
    PublicStatement,
    StatementRef,
    execute_api_allows,
    pattern_risks,
    public_statements,
)

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
                {"Effect": "Allow", "Action": "execute-api:*", "Resource": {"bad": 1}},
                {
                    "Effect": "Allow",
                    "Action": ["EXECUTE-API:Invoke"],
                    "Resource": [BASE + "a/prod/GET/admin*", BASE + "a/*"],
                },
            ],
        },
    )
    got = execute_api_allows([policy, NamedPolicy("junk", {"Statement": "x"})])
    assert got == [
        (StatementRef("app", 1, "Api", "Allow"), frozenset({R.RESOURCE_STAR}), ["*"]),
        (StatementRef("app", 2, None, "Allow"), frozenset({R.NOT_RESOURCE}), [BASE + "x/*"]),
        (  # statement 4 cannot be read: skipped here, policy-unreadable reports it
            StatementRef("app", 5, None, "Allow"),
            frozenset({R.MID_SEGMENT_WILDCARD, R.STAGE_WILDCARD, R.METHOD_WILDCARD}),
            [BASE + "a/prod/GET/admin*", BASE + "a/*"],
        ),
    ]


def _named(document: dict[str, object]) -> NamedPolicy:
    return NamedPolicy("resource policy", document)


def test_public_statements() -> None:
    invoke: dict[str, object] = {"Effect": "Allow", "Action": "execute-api:Invoke"}
    resource = BASE + "a1b2c3/*"
    account = "123456789012"
    cases: list[tuple[dict[str, object], bool]] = [  # (statement, lets anyone invoke)
        ({**invoke, "Principal": "*", "Resource": resource}, True),
        ({**invoke, "Principal": {"AWS": "*"}, "Resource": resource}, True),
        ({**invoke, "Principal": {"AWS": [account, "*"]}, "Resource": resource}, True),
        ({**invoke, "Principal": {"AWS": account}, "Resource": resource}, False),
        ({**invoke, "NotPrincipal": {"AWS": account}, "Resource": resource}, True),
        ({**invoke, "NotPrincipal": {"AWS": "*"}, "Resource": resource}, False),
        ({**invoke, "Effect": "Deny", "Principal": "*", "Resource": resource}, False),
        (
            {
                **invoke,
                "Principal": "*",
                "Resource": resource,
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            },
            False,
        ),
        ({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Principal": "*", "Action": "EXECUTE-API:*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Principal": "*", "NotAction": "s3:*", "Resource": "*"}, True),
        (
            {"Effect": "Allow", "Principal": "*", "NotAction": "execute-api:*", "Resource": "*"},
            False,
        ),
    ]
    statements = [statement for statement, _ in cases]
    got = public_statements(_named({"Version": "2012-10-17", "Statement": statements}))
    assert [p.position for p in got] == [i for i, (_, public) in enumerate(cases) if public]
    assert all(p.statement is statements[p.position] for p in got)  # as written, for evidence


def test_public_statements_of_one_statement_and_of_unreadable_ones() -> None:
    single = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}
    assert public_statements(_named({"Statement": single})) == [PublicStatement(0, single, ())]
    no_principal = {k: v for k, v in single.items() if k != "Principal"}
    # Statement by statement: the one that cannot be read is skipped, the other still found.
    got = public_statements(_named({"Statement": [no_principal, single]}))
    assert got == [PublicStatement(1, single, ())]
    assert public_statements(_named({"Statement": "Allow everyone"})) == []


IP = "aws:SourceIp"
AUDIT_TIME = datetime(2030, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("condition", "trivial"),
    [
        # Public in all but name: every condition holds for any caller from the internet.
        ({"IpAddress": {IP: "0.0.0.0/0"}}, ["IpAddress aws:sourceip: covers every IPv4"]),
        ({"IpAddress": {IP: ["0.0.0.0/0", "::/0"]}}, ["covers every IPv4"]),
        ({"IpAddress": {IP: ["0.0.0.0/1", "128.0.0.0/1"]}}, ["covers every IPv4"]),
        ({"IpAddressIfExists": {IP: "0.0.0.0/0"}}, ["covers every IPv4"]),
        ({"StringLike": {IP: "*"}}, ["'*' matches any value"]),
        ({"ForAnyValue:StringLike": {IP: "*"}}, ["'*' matches any value"]),  # one value
        ({"Null": {IP: "false"}}, ["the key is in every request"]),
        ({"StringLike": {"aws:SecureTransport": ["x", "**"]}}, ["HTTPS requests only"]),
        ({"StringEquals": {"aws:SecureTransport": "true"}}, ["HTTPS requests only"]),
        ({"StringLikeIfExists": {"aws:username": "*"}}, ["'*' matches any value"]),
        ({"ArnLikeIfExists": {"aws:PrincipalArn": "arn:*:*:*:*:*"}}, ["matches every ARN"]),
        ({"ArnLikeIfExists": {"aws:SourceArn": "*:*:*:*:*:*"}}, ["matches every ARN"]),
        ({"Bool": {"aws:SecureTransport": "true"}}, ["HTTPS requests only"]),
        ({"Bool": {"aws:SecureTransport": True}}, ["HTTPS requests only"]),
        ({"Null": {"aws:CurrentTime": "false"}}, ["the key is in every request"]),
        (
            {"Bool": {"aws:SecureTransport": "true"}, "IpAddress": {IP: "0.0.0.0/0"}},
            ["HTTPS requests only", "covers every IPv4"],
        ),
        # Conditions any caller can meet (IAM: a negated operator holds on an absent key).
        ({"NotIpAddress": {IP: "192.0.2.1/32"}}, ["a caller can call from another"]),
        ({"NotIpAddressIfExists": {IP: "::/0"}}, ["a caller can call from another"]),
        ({"StringLike": {"aws:Referer": "*"}}, ["a header that any caller can send"]),
        ({"StringLike": {"aws:UserAgent": ["*"]}}, ["a header that any caller can send"]),
        ({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}, ["carries no such key"]),
        ({"StringNotLike": {"aws:SourceVpc": "vpc-*"}}, ["carries no such key"]),
        ({"ArnNotEquals": {"aws:SourceVpce": "vpce-1"}}, ["carries no such key"]),
        ({"ArnNotLike": {"aws:SourceVpc": "vpc-1"}}, ["carries no such key"]),
        ({"NotIpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}}, ["carries no such key"]),
        # ... and the other operators IAM holds true on an absent key: IfExists, Null true,
        # ForAllValues (the engine's own reading, conditions.evaluate).
        ({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, ["IfExists holds"]),
        ({"Null": {"aws:SourceVpce": "true"}}, ["carries no such key"]),
        ({"IpAddressIfExists": {"aws:VpcSourceIp": "10.0.0.0/8"}}, ["carries no such key"]),
        ({"ForAllValues:StringNotLike": {"aws:SourceVpc": "vpc-1"}}, ["ForAllValues holds"]),
        ({"StringNotEquals": {"aws:Referer": "https://evil.example"}}, ["leave the header out"]),
        ({"StringLikeIfExists": {"aws:UserAgent": "curl/*"}}, ["leave the header out"]),
        ({"DateGreaterThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}}, ["as of the audit"]),
        ({"DateLessThan": {"aws:CurrentTime": "2031-01-01T00:00:00Z"}}, ["as of the audit"]),
        ({"DateGreaterThanEquals": {"aws:EpochTime": "946684800"}}, ["as of the audit"]),
        ({"StringLike": {"aws:CurrentTime": "2030-06-*"}}, ["as of the audit"]),
        # A restriction, or not proven to be none: not reported as public.
        ({"NotIpAddress": {IP: "0.0.0.0/0"}}, None),  # no IPv4 caller
        ({"NotIpAddress": {IP: ["0.0.0.0/1", "128.0.0.0/1"]}}, None),
        ({"StringLike": {"aws:Referer": "https://example.com/*"}}, None),  # a value to know
        ({"StringNotEquals": {"aws:username": "ann"}}, None),
        ({"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}}, None),  # expired
        ({"DateGreaterThan": {"aws:CurrentTime": "2031-01-01T00:00:00Z"}}, None),  # not yet
        ({"DateGreaterThan": {"aws:TokenIssueTime": "2000-01-01T00:00:00Z"}}, None),
        ({"IpAddress": {IP: "::/0"}}, None),  # admits no IPv4 caller
        ({"IpAddress": {IP: "0.0.0.0/1"}}, None),
        ({"IpAddress": {"aws:VpcSourceIp": "0.0.0.0/0"}}, None),
        ({"StringLike": {"aws:username": "*"}}, None),  # absent for most callers
        ({"StringLike": {IP: "10.*"}}, None),
        ({"ForAnyValue:StringLike": {"aws:SourceVpce": "*"}}, None),  # false on an absent key
        ({"Null": {"aws:SourceVpce": "false"}}, None),
        ({"Null": {IP: "true"}}, None),
        ({"StringEquals": {"aws:Referer": "https://example.com/"}}, None),
        ({"StringLike": {"aws:SecureTransport": "${aws:username}"}}, None),  # unknown value
        ({"StringLike": {IP: "${aws:SourceIp}"}}, None),
        ({"ArnLike": {"aws:PrincipalArn": "arn:*:*:*:*:*"}}, None),  # no IfExists
        ({"ArnLikeIfExists": {"aws:PrincipalArn": "*"}}, None),  # not proven to match ARNs
        ({"ArnLikeIfExists": {"aws:PrincipalArn": "n*:*:*:*:*:*"}}, None),  # not every ARN
        ({"ArnLikeIfExists": {"aws:PrincipalArn": "rn:*:*:*:*:*"}}, None),
        ({"ArnLikeIfExists": {"aws:PrincipalArn": ":*:*:*:*:*"}}, None),
        ({"ArnLikeIfExists": {IP: "arn:*:*:*:*:*"}}, None),
        ({"Bool": {"aws:SecureTransport": "false"}}, None),
        ({"Null": {"aws:username": "false"}}, None),
        ({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, None),
        ({"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:SourceVpce": "v"}}, None),
    ],
)
def test_public_in_all_but_name(condition: dict[str, object], trivial: list[str] | None) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "*",
        "Condition": condition,
    }
    document = {"Version": "2012-10-17", "Statement": [statement]}
    got = public_statements(_named(document), PolicyCache(), now=AUDIT_TIME)
    if trivial is None:
        assert got == []
        return
    (found,) = got
    assert len(found.trivial) == len(trivial)
    assert all(want in why for want, why in zip(trivial, found.trivial, strict=True))
