"""Rules over the identity pool (auditor/checks/identity_pool.py), on the small app."""

from __future__ import annotations

import pytest

from tests.support.rule_cases import Case
from tests.support.snapshots import CLIENT, GUEST_ROLE, MAPPING_KEY, POOL, SmallApp, role


def _no_mapping(app: SmallApp) -> None:
    app.pool["role_mappings"] = {}


def _no_mapping_declared_default(app: SmallApp) -> None:
    _no_mapping(app)
    app.declared_pool["role_resolution"] = "default"


def _no_mapping_unread(app: SmallApp) -> None:
    _no_mapping(app)
    app.fail_read("cognito-identity", "GetIdentityPoolRoles")


def _ambiguous_deny(app: SmallApp) -> None:
    app.pool["role_mappings"][MAPPING_KEY]["ambiguous_role_resolution"] = "Deny"


def _ambiguous_deny_not_declared(app: SmallApp) -> None:
    _ambiguous_deny(app)
    del app.declared_pool["ambiguous_role_resolution"]


def _no_default_role_unread(app: SmallApp) -> None:
    app.pool["authenticated_role"] = None
    app.fail_read("cognito-identity", "DescribeIdentityPool")


TOKEN = {"type": "Token", "ambiguous_role_resolution": "AuthenticatedRole"}


def _second_client_alike(app: SmallApp) -> None:
    app.add_client("mobile", dict(TOKEN))


def _second_client_default_role(app: SmallApp) -> None:
    """A second app client without a role mapping: through it everyone gets the default role."""
    app.add_client("mobile")


def _second_client_maps_editors_to_admin(app: SmallApp) -> None:
    key = app.add_client("mobile")
    app.rules_mapping(
        ("cognito:groups", "Contains", "admin", "app-admin"),
        ("cognito:groups", "Contains", "editors", "app-admin"),
        key=key,
    )


def _second_client_undeclared(app: SmallApp) -> None:
    _second_client_alike(app)
    app.declared_pool["app_clients"] = [CLIENT]


def _other_default_role_not_declared(app: SmallApp) -> None:
    app.pool["authenticated_role"] = role("app-admin")
    del app.declared_pool["authenticated_role"]


CASES = [
    Case.passes("role-mapping-missing", "the provider has a Token mapping"),
    Case.passes(
        "role-mapping-missing",
        "no mapping, and the baseline declares default role resolution",
        _no_mapping_declared_default,
    ),
    Case.passes("role-mapping-missing", "the mapping could not be read", _no_mapping_unread),
    Case.fires(
        "role-mapping-missing",
        "the provider has no mapping: group roles are ignored",
        _no_mapping,
        ("role-mapping-missing", None, None, POOL, CLIENT),
    ),
    Case.fires(
        "role-mapping-missing",
        "the user pool is no provider of the identity pool",
        lambda app: app.pool.update(providers=[]),
        ("role-mapping-missing", None, None, POOL),
    ),
    Case.fires(
        "role-mapping-missing",
        "of two app clients, the second has no mapping",
        _second_client_default_role,
        ("role-mapping-missing", None, None, POOL, "mobile"),
    ),
    Case.passes("role-mapping-drift", "Token and AuthenticatedRole, as declared"),
    Case.passes("role-mapping-drift", "two app clients, both as declared", _second_client_alike),
    Case.fires(
        "role-mapping-drift",
        "the second app client has a Rules mapping",
        _second_client_maps_editors_to_admin,
        ("role-mapping-drift", None, None, POOL, "mobile"),
    ),
    Case.fires(
        "role-mapping-drift",
        "the identity pool accepts an app client the baseline does not list",
        _second_client_undeclared,
        ("role-mapping-drift", None, None, f"{POOL}#app_clients", "mobile"),
    ),
    Case.fires(
        "role-mapping-drift",
        "the baseline lists an app client the identity pool does not accept",
        lambda app: app.declared_pool.update(app_clients=[CLIENT, "ghost"]),
        ("role-mapping-drift", None, None, f"{POOL}#app_clients", "ghost"),
    ),
    Case.passes("role-mapping-inconsistent", "one app client"),
    Case.passes(
        "role-mapping-inconsistent", "two app clients with the same mapping", _second_client_alike
    ),
    Case.fires(
        "role-mapping-inconsistent",
        "through the second client everyone gets the default role",
        _second_client_default_role,
        ("role-mapping-inconsistent", "group:admin", None, POOL),
        ("role-mapping-inconsistent", "group:editors", None, POOL),
    ),
    Case.fires(
        "role-mapping-inconsistent",
        "the second client maps editors to the admin role",
        _second_client_maps_editors_to_admin,
        ("role-mapping-inconsistent", "group:editors", None, POOL),
    ),
    Case.passes(
        "role-mapping-drift",
        "an ambiguous resolution the baseline does not assert",
        _ambiguous_deny_not_declared,
    ),
    Case.fires(
        "role-mapping-drift",
        "a Rules mapping where Token is declared",
        lambda app: app.pool["role_mappings"][MAPPING_KEY].update(type="Rules"),
        ("role-mapping-drift", None, None, POOL, CLIENT),
    ),
    Case.fires(
        "role-mapping-drift",
        "AmbiguousRoleResolution Deny where AuthenticatedRole is declared",
        _ambiguous_deny,
        ("role-mapping-drift", None, None, f"{POOL}#AmbiguousRoleResolution", CLIENT),
    ),
    Case.passes("default-role-missing", "the pool has its authenticated role"),
    Case.passes("default-role-missing", "the pool could not be read", _no_default_role_unread),
    Case.fires(
        "default-role-missing",
        "no authenticated role",
        lambda app: app.pool.update(authenticated_role=None),
        ("default-role-missing", None, None, POOL),
    ),
    Case.passes("default-role-drift", "the declared default role"),
    Case.passes(
        "default-role-drift",
        "another default role the baseline does not assert",
        _other_default_role_not_declared,
    ),
    Case.passes(
        "default-role-drift",
        "no authenticated role at all is default-role-missing, not drift",
        lambda app: app.pool.update(authenticated_role=None),
    ),
    Case.fires(
        "default-role-drift",
        "another authenticated role",
        lambda app: app.pool.update(authenticated_role=role("app-admin")),
        ("default-role-drift", None, None, f"{POOL}#authenticated"),
    ),
    Case.fires(
        "default-role-drift",
        "an unauthenticated role where the baseline says none",
        lambda app: app.pool.update(unauthenticated_role=GUEST_ROLE),
        ("default-role-drift", None, None, f"{POOL}#unauthenticated"),
    ),
    Case.passes("unauthenticated-enabled", "guest access off, as declared"),
    Case.passes(
        "unauthenticated-enabled",
        "guest access on, as declared",
        lambda app: app.allow_guests("GET/health"),
    ),
    Case.fires(
        "unauthenticated-enabled",
        "guest access on, not declared",
        lambda app: app.pool.update(allow_unauthenticated=True),
        ("unauthenticated-enabled", None, None, POOL),
    ),
    Case.passes("classic-flow-enabled", "the classic flow off, as declared"),
    Case.passes(
        "classic-flow-enabled",
        "the classic flow on, as declared",
        lambda app: (
            app.pool.update(allow_classic_flow=True),
            app.declared_pool.update(allow_classic_flow=True),
        ),
    ),
    Case.fires(
        "classic-flow-enabled",
        "the classic flow on, not declared",
        lambda app: app.pool.update(allow_classic_flow=True),
        ("classic-flow-enabled", None, None, POOL),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case: Case) -> None:
    assert case.run() == case.expected
