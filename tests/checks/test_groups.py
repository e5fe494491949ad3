"""Rules over the user pool's groups (auditor/checks/groups.py), on the small app."""

from __future__ import annotations

import pytest

from tests.support.rule_cases import Case
from tests.support.snapshots import USER_POOL_ARN, SmallApp, group_arn, role


def _editors_gone_unread(app: SmallApp) -> None:
    app.drop_group("editors")
    app.fail_read("cognito-idp", "ListGroups")


def _neither_declares_a_role(app: SmallApp) -> None:
    app.group("editors")["role_arn"] = None
    app.declared_group("editors")["role"] = None


def _other_role_not_declared(app: SmallApp) -> None:
    app.group("editors")["role_arn"] = role("app-admin")
    del app.declared_group("editors")["role"]


def _other_precedence_not_declared(app: SmallApp) -> None:
    app.group("editors")["precedence"] = 20
    del app.declared_group("editors")["precedence"]


def _no_mapping(app: SmallApp) -> None:
    app.pool["role_mappings"] = {}


def _no_roles_no_mapping(app: SmallApp) -> None:
    _no_mapping(app)
    for name in ("admin", "editors"):
        app.group(name)["role_arn"] = None


def _tie_same_role(app: SmallApp) -> None:
    app.group("editors").update(precedence=0, role_arn=role("app-admin"))


def _tie_unread(app: SmallApp) -> None:
    app.group("editors")["precedence"] = 0
    app.fail_read("cognito-idp", "ListGroups")


CASES = [
    Case.passes("group-missing", "every declared group exists"),
    Case.passes("group-missing", "the groups could not be read", _editors_gone_unread),
    Case.fires(
        "group-missing",
        "a declared group is gone",
        lambda app: app.drop_group("editors"),
        ("group-missing", "group:editors", None, group_arn("editors")),
    ),
    Case.passes("group-undeclared", "every live group is declared"),
    Case.fires(
        "group-undeclared",
        "a group nobody declared",
        lambda app: app.add_group("support", "app-editors", 20),
        ("group-undeclared", "group:support", None, group_arn("support")),
    ),
    Case.passes("group-role-missing", "every group carries its declared role"),
    Case.passes(
        "group-role-missing", "no role, and the baseline declares none", _neither_declares_a_role
    ),
    Case.fires(
        "group-role-missing",
        "a group lost its role",
        lambda app: app.group("editors").update(role_arn=None),
        ("group-role-missing", "group:editors", None, group_arn("editors")),
    ),
    Case.passes("group-role-drift", "every group carries its declared role"),
    Case.passes(
        "group-role-drift", "another role the baseline does not assert", _other_role_not_declared
    ),
    Case.passes(
        "group-role-drift",
        "no role at all is group-role-missing, not drift",
        lambda app: app.group("editors").update(role_arn=None),
    ),
    Case.fires(
        "group-role-drift",
        "a group carries another group's role",
        lambda app: app.group("editors").update(role_arn=role("app-admin")),
        ("group-role-drift", "group:editors", None, group_arn("editors")),
    ),
    Case.passes("precedence-drift", "every precedence as declared"),
    Case.passes(
        "precedence-drift",
        "another precedence the baseline does not assert",
        _other_precedence_not_declared,
    ),
    Case.fires(
        "precedence-drift",
        "another precedence",
        lambda app: app.group("editors").update(precedence=20),
        ("precedence-drift", "group:editors", None, group_arn("editors")),
    ),
    Case.passes("ambiguous-precedence", "distinct precedences"),
    Case.passes("ambiguous-precedence", "equal precedence, the same role", _tie_same_role),
    Case.passes(
        "ambiguous-precedence",
        "equal precedence with a group that has no role (it never competes)",
        lambda app: app.add_group("readers", None, 0),
    ),
    Case.passes("ambiguous-precedence", "the groups could not be read", _tie_unread),
    Case.fires(
        "ambiguous-precedence",
        "equal precedence, different roles: members of both get the default role",
        lambda app: app.group("editors").update(precedence=0),
        ("ambiguous-precedence", "group:admin", None, f"{group_arn('admin')}+editors"),
    ),
    Case.passes("group-role-unused", "Token mapping hands out the group roles"),
    Case.passes(
        "group-role-unused",
        "a Rules mapping names every group's role",
        lambda app: app.rules_mapping(
            ("cognito:groups", "Contains", "admin", "app-admin"),
            ("cognito:groups", "Contains", "editors", "app-editors"),
        ),
    ),
    Case.passes("group-role-unused", "no mapping, and no group has a role", _no_roles_no_mapping),
    Case.fires(
        "group-role-unused",
        "no mapping: the seed's step 4 left undone",
        _no_mapping,
        ("group-role-unused", None, None, USER_POOL_ARN),
    ),
    Case.fires(
        "group-role-unused",
        "a Rules mapping that names the admins' role only",
        lambda app: app.rules_mapping(("cognito:groups", "Contains", "admin", "app-admin")),
        ("group-role-unused", None, None, USER_POOL_ARN),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case: Case) -> None:
    assert case.run() == case.expected
