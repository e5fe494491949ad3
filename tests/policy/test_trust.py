"""cognito_trust on the trust documents roles really carry (AWS-FACTS §3)."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.policy.trust import cognito_trust, trust_unreadable

POOL = "us-east-1:0d3a0000-0000-0000-0000-000000000000"
COGNITO = {"Federated": "cognito-identity.amazonaws.com"}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def stmt(
    principal: Any = None,
    action: Any = "sts:AssumeRoleWithWebIdentity",
    condition: dict[str, Any] | None = None,
    effect: str = "Allow",
    key: str = "Action",
) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect, "Principal": principal or COGNITO, key: action}
    if condition is not None:
        out["Condition"] = condition
    return out


def guarded(aud: Any = POOL, amr: Any = "authenticated") -> dict[str, Any]:
    return {
        "StringEquals": {"cognito-identity.amazonaws.com:aud": aud},
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
    }


def test_the_documented_trust_policy() -> None:
    (trust,) = cognito_trust(doc(stmt(condition=guarded())))
    assert trust.aud == (("StringEquals", POOL),)
    assert trust.amr_values == ("authenticated",)
    assert trust.admits_pool(POOL) and not trust.admits_pool("us-east-1:other")
    assert trust.requires_authenticated()


@pytest.mark.parametrize(
    "principal",
    [
        {"Federated": "cognito-identity.amazonaws.com.cn"},
        {"Federated": ["accounts.google.com", "cognito-identity.amazonaws.com"]},
        "*",
        {"Federated": "*"},  # every identity provider, Cognito included
    ],
)
def test_principals_that_admit_cognito(principal: Any) -> None:
    assert len(cognito_trust(doc(stmt(principal=principal, condition=guarded())))) == 1


@pytest.mark.parametrize(
    "principal",
    [
        {"Federated": "accounts.google.com"},
        {"Service": "lambda.amazonaws.com"},
        {"AWS": "arn:aws:iam::123456789012:root"},
        {"Federated": "evil-cognito-identity.amazonaws.com"},
        {"AWS": "*"},  # every AWS principal, but no federated one
    ],
)
def test_principals_that_do_not(principal: Any) -> None:
    assert cognito_trust(doc(stmt(principal=principal, condition=guarded()))) == []


def test_a_not_principal_admits_nobody_here() -> None:
    statement = {**stmt(condition=guarded()), "NotPrincipal": COGNITO}
    del statement["Principal"]
    assert cognito_trust(doc(statement)) == []


def test_condition_values_are_kept_as_written() -> None:
    """Variables and escapes are matched as the text the policy wrote (as before reading
    the statements once through the engine's parser)."""
    (trust,) = cognito_trust(doc(stmt(condition=guarded(aud="${aws:userid}:${*}", amr=True))))
    assert trust.aud == (("StringEquals", "${aws:userid}:${*}"),)
    assert trust.amr_values == ("true",)


@pytest.mark.parametrize(
    ("action", "key", "admits"),
    [
        ("sts:AssumeRoleWithWebIdentity", "Action", True),
        (["sts:TagSession", "sts:AssumeRoleWithWebIdentity"], "Action", True),
        ("sts:*", "Action", True),
        ("STS:assumerolewithwebidentity", "Action", True),  # action names ignore case
        ("sts:AssumeRole", "Action", False),
        ("sts:AssumeRole", "NotAction", True),
        ("sts:AssumeRoleWithWebIdentity", "NotAction", False),
    ],
)
def test_actions(action: Any, key: str, admits: bool) -> None:
    found = cognito_trust(doc(stmt(action=action, key=key, condition=guarded())))
    assert bool(found) is admits


def test_deny_statements_and_odd_shapes_are_ignored() -> None:
    assert cognito_trust(doc(stmt(effect="Deny", condition=guarded()))) == []
    assert cognito_trust({"Statement": stmt(condition=guarded())})[0].aud is not None  # one dict
    assert cognito_trust({}) == []
    assert cognito_trust({"Statement": ["junk", stmt(condition=guarded())]})[0].index == 1


@pytest.mark.parametrize(
    "broken",
    [
        stmt(action=5, condition=guarded()),
        stmt(condition={"StringEqualz": {"cognito-identity.amazonaws.com:aud": POOL}}),
        {**stmt(condition=guarded()), "Effect": "allow"},
        {**stmt(condition=guarded()), "Principal": {"Federated": 7}},
    ],
)
def test_statements_that_cannot_be_read_are_skipped_and_listed(broken: dict[str, Any]) -> None:
    good = stmt(condition=guarded())
    assert [t.index for t in cognito_trust(doc(broken, good))] == [1]
    (aside,) = trust_unreadable(doc(broken, good))
    assert (aside.policy, aside.index) == ("trust policy", 0)


def test_what_cannot_assume_with_web_identity_does_not_matter() -> None:
    other = {**stmt(action="sts:AssumeRole"), "Condition": {"StringEqualz": {"k": "v"}}}
    assert trust_unreadable(doc(other, stmt(condition=guarded()))) == ()
    assert trust_unreadable({}) == ()  # no trust policy was read at all
    (whole,) = trust_unreadable({"Statement": "trust everyone"})
    assert whole.index is None and cognito_trust({"Statement": "trust everyone"}) == []


def test_missing_aud_and_amr() -> None:
    (trust,) = cognito_trust(doc(stmt()))
    assert trust.aud is None and trust.amr is None
    assert trust.admits_pool(POOL)  # no aud: any pool
    assert not trust.requires_authenticated()


def test_aud_variants() -> None:
    listed = cognito_trust(doc(stmt(condition=guarded(aud=["us-east-1:a", POOL]))))[0]
    assert listed.admits_pool(POOL)
    like = cognito_trust(
        doc(stmt(condition={"StringLike": {"cognito-identity.amazonaws.com:aud": "us-east-1:*"}}))
    )[0]
    assert like.admits_pool(POOL) and not like.admits_pool("eu-west-1:x")
    cased = cognito_trust(
        doc(stmt(condition={"StringEquals": {"Cognito-Identity.amazonaws.com:AUD": POOL}}))
    )[0]
    assert cased.aud is not None  # condition keys are case-insensitive
    # A negated operator pins nothing down: "any pool but that one".
    negated = cognito_trust(
        doc(
            stmt(
                condition={"StringNotEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:x"}}
            )
        )
    )[0]
    assert negated.aud is None


@pytest.mark.parametrize(
    ("amr", "authenticated_only"),
    [
        ("authenticated", True),
        (["authenticated"], True),
        ("unauthenticated", False),
        (["authenticated", "unauthenticated"], False),  # guests match the second value
        ("*authenticated", False),  # StringLike: matches "unauthenticated" too
        ("*", False),
    ],
)
def test_amr_requires_authenticated(amr: Any, authenticated_only: bool) -> None:
    (trust,) = cognito_trust(doc(stmt(condition=guarded(amr=amr))))
    assert trust.requires_authenticated() is authenticated_only


def test_each_statement_is_reported_with_its_sid() -> None:
    found = cognito_trust(
        doc(
            {**stmt(condition=guarded()), "Sid": "App"},
            stmt(principal={"Service": "ec2.amazonaws.com"}, action="sts:AssumeRole"),
            stmt(),
        )
    )
    assert [(t.index, t.sid) for t in found] == [(0, "App"), (2, None)]
    assert found[0].label == "trust policy statement 0 (Sid App)"
