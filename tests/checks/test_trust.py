"""Rules over the trust policies of the roles the pool hands out (auditor/checks/trust.py)."""

from __future__ import annotations

import pytest

from tests.support.rule_cases import Case
from tests.support.snapshots import OTHER_POOL, SmallApp, role

ADMIN, EDITORS = role("app-admin"), role("app-editors")
AUD, AMR = "cognito-identity.amazonaws.com:aud", "cognito-identity.amazonaws.com:amr"
ANYONE_MAY_ASSUME = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}


def _unread_role(app: SmallApp) -> None:
    del app.snapshot["roles"][EDITORS]
    app.fail_read("iam", "GetAccountAuthorizationDetails")


def _no_aud(app: SmallApp) -> None:
    del app.trust("app-admin")["Condition"]["StringEquals"]


def _no_amr(app: SmallApp) -> None:
    del app.trust("app-admin")["Condition"]["ForAnyValue:StringLike"]


def _bad_role_nobody_gets(app: SmallApp) -> None:
    app.add_role("unrelated", "GET/items")
    app.trust("unrelated").clear()
    app.trust("unrelated").update(ANYONE_MAY_ASSUME)


CASES = [
    Case.passes("trust-not-cognito", "every handed-out role trusts Cognito"),
    Case.passes(
        "trust-not-cognito", "a role the pool never hands out is not judged", _bad_role_nobody_gets
    ),
    Case.passes("trust-not-cognito", "an unread role claims nothing", _unread_role),
    Case.fires(
        "trust-not-cognito",
        "a group role anyone may assume with sts:AssumeRole",
        lambda app: app.trust("app-editors").update(
            Action="sts:AssumeRole", Principal="*", Condition={}
        ),
        ("trust-not-cognito", None, None, EDITORS),
    ),
    Case.fires(
        "trust-not-cognito",
        "a group role that does not exist",
        lambda app: app.group("editors").update(role_arn=role("deleted-long-ago")),
        ("trust-not-cognito", None, None, role("deleted-long-ago")),
    ),
    Case.passes("trust-missing-aud", "every Cognito trust names the pool in aud"),
    Case.fires(
        "trust-missing-aud",
        "a trust policy without aud: any identity pool's identities may assume it",
        _no_aud,
        ("trust-missing-aud", None, None, ADMIN),
    ),
    Case.passes("trust-wrong-pool", "every aud names this pool"),
    Case.passes("trust-wrong-pool", "no aud is trust-missing-aud, not another pool", _no_aud),
    Case.fires(
        "trust-wrong-pool",
        "aud names another identity pool",
        lambda app: app.trust("app-admin")["Condition"]["StringEquals"].update({AUD: OTHER_POOL}),
        ("trust-wrong-pool", None, None, ADMIN),
    ),
    Case.passes("trust-missing-amr", "every authenticated role requires amr authenticated"),
    Case.passes(
        "trust-missing-amr",
        "the guest role requires amr unauthenticated",
        lambda app: app.allow_guests("GET/health"),
    ),
    Case.fires(
        "trust-missing-amr",
        "a group role without the amr condition: guests may assume it",
        _no_amr,
        ("trust-missing-amr", None, None, ADMIN),
    ),
    Case.fires(
        "trust-missing-amr",
        "a group role that admits unauthenticated identities",
        lambda app: app.trust("app-editors")["Condition"]["ForAnyValue:StringLike"].update(
            {AMR: "unauthenticated"}
        ),
        ("trust-missing-amr", None, None, EDITORS),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case: Case) -> None:
    assert case.run() == case.expected
