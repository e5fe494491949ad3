"""CONTRACT §6.1 end to end: every app client the identity pool accepts, every claim rule and
every role a member can choose, through the CLI against the emulator. Each scenario is one
way the 0.1 auditor said "no findings" while some users could reach more than declared."""

from __future__ import annotations

from typing import Any

from tests.support import drift
from tests.support.cli import invoke, run_report
from tests.support.findings import keys
from tests.support.world import World

EDITOR_OWN = ["POST /items", "GET /administrators", "POST /orders"]
ADMIN_OWN = ["GET /admin/users", "POST /admin/users", "DELETE /items/{id}"]
GOLD = "custom:tier Equals gold"


def add_client(world: World, name: str) -> str:
    """A new app client of the user pool, accepted by the identity pool; its id."""
    client_id: str = world.client("cognito-idp").create_user_pool_client(
        UserPoolId=world.user_pool_id, ClientName=name
    )["UserPoolClient"]["ClientId"]
    pool = world.client("cognito-identity").describe_identity_pool(IdentityPoolId=world.pool_id)
    providers = [
        *pool["CognitoIdentityProviders"],
        {
            "ProviderName": f"cognito-idp.us-east-1.amazonaws.com/{world.user_pool_id}",
            "ClientId": client_id,
            "ServerSideTokenCheck": False,
        },
    ]
    drift.update_pool(world, CognitoIdentityProviders=providers)
    return client_id


def set_mappings(world: World, mappings: dict[str, dict[str, Any]]) -> None:
    """Role mappings by app client id; the default role stays."""
    world.client("cognito-identity").set_identity_pool_roles(
        IdentityPoolId=world.pool_id,
        Roles={"authenticated": world.role("app-default")},
        RoleMappings={
            f"cognito-idp.us-east-1.amazonaws.com/{world.user_pool_id}:{client}": mapping
            for client, mapping in mappings.items()
        },
    )


def rule(claim: str, match_type: str, value: str, role_arn: str) -> dict[str, str]:
    return {"Claim": claim, "MatchType": match_type, "Value": value, "RoleARN": role_arn}


def test_a_second_client_that_maps_editors_to_the_admin_role(world: World) -> None:
    partner = add_client(world, "partner")
    admin = world.role("app-admin")
    set_mappings(
        world,
        {
            world.client_id: drift.token_mapping(),
            partner: {
                "Type": "Rules",
                "AmbiguousRoleResolution": "AuthenticatedRole",
                "RulesConfiguration": {
                    "Rules": [
                        rule("cognito:groups", "Contains", "admin", admin),
                        rule("cognito:groups", "Contains", "editors", admin),
                    ]
                },
            },
        },
    )
    report = run_report(world, expect_exit=1)
    assert keys(report) == {
        ("role-mapping-drift", None, None, world.pool_id, partner),
        ("role-mapping-inconsistent", "group:editors", None, world.pool_id),
        *{("excess-route", "group:editors", r, admin, partner) for r in ADMIN_OWN},
        *{("missing-route", "group:editors", r, admin, partner) for r in EDITOR_OWN},
    }
    editors = {
        c.get("app_client") for c in report["access_matrix"] if c["persona"] == "group:editors"
    }
    assert editors == {world.client_id, partner}  # one cell per path where they differ
    assert all(
        "app_client" not in c for c in report["access_matrix"] if c["persona"] != "group:editors"
    )


def test_a_client_without_a_mapping_is_a_way_to_the_default_role(world: World) -> None:
    legacy = add_client(world, "legacy")  # no mapping: "use default role" through it
    default = world.role("app-default")
    in_use = {**world.baseline}
    in_use["identity_pool"] = {**in_use["identity_pool"], "app_clients": [world.client_id]}
    report = run_report(world, baseline=world.write_baseline(in_use, "in-use.yaml"))
    # Nobody signs in through it, so what it cannot reach is no loss; but anyone who knows
    # its id can, so what it reaches beyond the declared routes is excess.
    assert keys(report) == {
        ("role-mapping-missing", None, None, world.pool_id, legacy),
        ("role-mapping-drift", None, None, f"{world.pool_id}#app_clients", legacy),
        ("role-mapping-inconsistent", "group:admin", None, world.pool_id),
        ("role-mapping-inconsistent", "group:editors", None, world.pool_id),
        ("excess-route", "group:admin", "GET /me", default, legacy),
        ("excess-route", "group:editors", "GET /me", default, legacy),
    }


def test_a_claim_rule_is_a_persona_of_its_own(world: World) -> None:
    gold = drift.create_role(world, "app-gold")
    drift.put_inline(world, "app-gold", "routes", world.arns.rest("*/admin/*"))
    set_mappings(
        world,
        {
            world.client_id: {
                "Type": "Rules",
                "AmbiguousRoleResolution": "AuthenticatedRole",
                "RulesConfiguration": {
                    "Rules": [
                        rule("custom:tier", "Equals", "gold", gold),
                        rule("cognito:groups", "Contains", "admin", world.role("app-admin")),
                        rule("cognito:groups", "Contains", "editors", world.role("app-editors")),
                    ]
                },
            }
        },
    )
    idp = world.client("cognito-idp")
    idp.add_custom_attributes(
        UserPoolId=world.user_pool_id,
        CustomAttributes=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
    )
    persona = f"claim:{GOLD}"
    declared = {**world.baseline, "claims": {GOLD: {"role": gold, "routes": ["* /admin/*"]}}}
    declared["identity_pool"] = {**declared["identity_pool"], "role_resolution": "rules"}
    report = run_report(world, baseline=world.write_baseline(declared, "claims.yaml"))
    tier = f"{world.seeded.user_pool_arn}/attribute/custom:tier"
    all_users = ["GET /items", "GET /items/{id}", "GET /orders", "GET /orders/{id}"]
    assert keys(report) == {
        ("claim-user-writable", persona, None, tier),
        *{("missing-all-users-route", persona, r, gold) for r in all_users},
    }
    cells = {c["route"]: c["verdict"] for c in report["access_matrix"] if c["persona"] == persona}
    assert cells["GET /admin/users"] == "allowed" and cells["GET /me"] == "denied"
    # The client lists what users may write, without the tier: they cannot pick their role.
    idp.update_user_pool_client(
        UserPoolId=world.user_pool_id, ClientId=world.client_id, WriteAttributes=["email"]
    )
    report = run_report(world, baseline=world.write_baseline(declared, "claims.yaml"))
    assert {f["rule_id"] for f in report["findings"]} == {"missing-all-users-route"}
    # Undeclared, the rule is found and everything its users reach is excess.
    undeclared = {**declared, "claims": {}}
    report = run_report(world, baseline=world.write_baseline(undeclared, "undeclared.yaml"))
    assert ("claim-rule-undeclared", persona, None, world.pool_id) in keys(report)
    assert ("excess-route", persona, "GET /admin/users", gold) in keys(report)


def test_the_cognito_half_alone(world: World) -> None:
    out = world.folder / "cognito.yaml"
    result = invoke(
        [
            "baseline",
            "init",
            "--user-pool",
            world.user_pool_id,
            "--identity-pool",
            world.pool_id,
            "-o",
            str(out),
            "--endpoint-url",
            world.url,
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert "apis: []" in out.read_text(encoding="utf-8")
    report = run_report(world, baseline=out, expect_exit=0)
    assert report["findings"] == [] and report["access_matrix"] == []
    assert report["target"]["apis"] == []
    drift.update_group(world, "editors", Precedence=0)  # ties with admin: still found
    assert {f["rule_id"] for f in run_report(world, baseline=out)["findings"]} == {
        "precedence-drift",
        "ambiguous-precedence",
    }


def test_explain_lists_every_role_a_member_of_two_groups_can_obtain(world: World) -> None:
    drift.update_group(world, "editors", Precedence=0)  # tied with admin, different roles
    drift.set_pool_roles(
        world, {"authenticated": world.role("app-default")}, drift.token_mapping("Deny")
    )
    report = run_report(world)
    (pair,) = [p for p in report["group_pairs"] if set(p["groups"]) == {"admin", "editors"}]
    assert pair["role_arn"] is None
    assert set(pair["obtainable_roles"]) == {world.role("app-admin"), world.role("app-editors")}
    assert "Deny does not stop" in pair["detail"]
    result = invoke(
        [
            "explain",
            "--baseline",
            str(world.baseline_path),
            "--persona",
            "group:admin",
            "--route",
            "GET /admin/users",
            "--endpoint-url",
            world.url,
        ]
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "also in editors" in line)
    assert world.role("app-editors") in lines[at] and "Deny does not stop" in lines[at + 1]
