"""`auditor baseline init` then `auditor run` with the draft: no drift is reported.

Each test seeds an app through boto3 in the emulator, drafts its baseline with the CLI, checks
the draft is a valid baseline that says what is live, and audits with it right away.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.commands.demo import seed_demo
from auditor.emulator.documents import invoke_named_api as invoke
from auditor.emulator.seed import (
    EnvironmentSpec,
    GroupSpec,
    HttpApiSpec,
    IdentityPoolSpec,
    RestApiSpec,
    RoleMappingSpec,
    RoleSpec,
    RuleSpec,
    Seeded,
    UserPoolSpec,
)
from auditor.model.baseline import Baseline
from auditor.model.baseline_file import load_baseline, validate_baseline_file
from tests.support.aws import Aws
from tests.support.drafting import Cli, seed_app
from tests.support.findings import keys as findings

SHOP_ROUTES = {
    "GET /health": "NONE",
    "GET /profile": "COGNITO_USER_POOLS",
    "GET /items": "AWS_IAM",
    "POST /items": "AWS_IAM",
    "GET /items/{id}": "AWS_IAM",
    "DELETE /items/{id}": "AWS_IAM",
    "GET /me": "AWS_IAM",
}


def _draft(cli: Cli, seeded: Seeded, tmp_path: Path, *apis: str) -> tuple[Baseline, str]:
    out = tmp_path / "B.yaml"
    result = cli.init(seeded, out, *apis)
    assert result.exit_code == 0, result.output
    assert validate_baseline_file(out) == []
    return load_baseline(out), out.read_text(encoding="utf-8")


def _routes(patterns: list[Any]) -> list[str]:
    return [str(p) for p in patterns]


def _assert_no_findings(cli: Cli, tmp_path: Path) -> dict[str, Any]:
    code, report = cli.audit(tmp_path / "B.yaml")
    assert (code, findings(report)) == (0, set()), [f["message"] for f in report["findings"]]
    assert report["status"] == "complete"
    return report


def test_clean_token_app(aws: Aws, tmp_path: Path) -> None:
    def spec() -> EnvironmentSpec:
        def grant(*resources: str) -> dict[str, Any]:
            return invoke("shop", "prod", *resources)

        return EnvironmentSpec(
            roles=[
                RoleSpec("app-default", inline={"p": grant("GET/items", "GET/items/*", "GET/me")}),
                RoleSpec(
                    "app-admin",
                    inline={"p": grant("GET/items", "GET/items/*", "POST/items", "DELETE/items/*")},
                ),
                RoleSpec(
                    "app-editors", inline={"p": grant("GET/items", "GET/items/*", "POST/items")}
                ),
            ],
            user_pool=UserPoolSpec(
                groups=[
                    GroupSpec("admin", role="app-admin", precedence=0),
                    GroupSpec("editors", role="app-editors", precedence=10),
                    GroupSpec("readers", precedence=20),
                ]
            ),
            identity_pool=IdentityPoolSpec(
                authenticated_role="app-default", mappings=[RoleMappingSpec(type="Token")]
            ),
        )

    seeded = seed_app(aws, spec(), rest=[RestApiSpec("shop", routes=SHOP_ROUTES)])
    cli = Cli(aws)
    baseline, text = _draft(cli, seeded, tmp_path, "shop:prod")
    roles = seeded.role_arns

    pool = baseline.identity_pool
    assert (baseline.region, baseline.user_pool.id, pool.id) == (
        aws.region,
        seeded.user_pool_id,
        seeded.identity_pool_id,
    )
    assert (
        pool.role_resolution,
        pool.ambiguous_role_resolution,
        pool.authenticated_role,
        pool.unauthenticated_role,
        pool.allow_unauthenticated,
        pool.allow_classic_flow,
    ) == ("token", "AuthenticatedRole", roles["app-default"], None, False, False)
    assert [(a.id, a.stage) for a in baseline.apis] == [(seeded.api_ids["shop"], "prod")]
    assert _routes(baseline.public_routes) == ["GET /health", "GET /profile"]
    assert "GET /health  # NONE: public" in text
    assert "GET /profile  # COGNITO_USER_POOLS" in text
    assert _routes(baseline.routes.all_users) == ["GET /items", "GET /items/{id}"]
    assert _routes(baseline.routes.default) == ["GET /me"]
    assert _routes(baseline.routes.unauthenticated) == []
    assert {
        name: (g.precedence, g.role, _routes(g.routes)) for name, g in baseline.groups.items()
    } == {
        "admin": (0, roles["app-admin"], ["POST /items", "DELETE /items/{id}"]),
        "editors": (10, roles["app-editors"], ["POST /items"]),
        # A group without a role: Token mapping falls back to the default role.
        "readers": (20, None, ["GET /me"]),
    }
    assert text.startswith("# Baseline drafted by `auditor baseline init`")
    assert "not what you intend" in text
    _assert_no_findings(cli, tmp_path)


def test_demo_leaves_only_risks_no_baseline_can_declare(aws: Aws, tmp_path: Path) -> None:
    seeded = seed_demo(aws.session, aws.url)
    cli = Cli(aws)
    baseline, _ = _draft(cli, seeded, tmp_path, "pets-api:prod")
    # The draft takes the drift as it is: editors lack the all-users policy, so nothing is
    # reached by every group and all_users is empty; /admin* reaches /administrators.
    assert _routes(baseline.routes.all_users) == []
    assert _routes(baseline.groups["admin"].routes) == [
        "GET /admin/users",
        "POST /admin/users",
        "GET /administrators",
        "GET /items",
        "GET /items/{id}",
        "DELETE /items/{id}",
    ]
    assert _routes(baseline.public_routes) == ["GET /debug/config", "GET /health"]

    code, report = cli.audit(tmp_path / "B.yaml")
    roles, pool_arn = seeded.role_arns, seeded.user_pool_arn
    # What remains is a risk whatever the baseline says, so no draft can silence it:
    # - trust-missing-aud: app-support's trust policy has no aud condition (mistake 3);
    # - ambiguous-precedence: editors and support share precedence 10 with different roles,
    #   so members of both fall back to the default role (mistake 4). The baseline only
    #   records precedences; the tie itself is the finding.
    assert findings(report) == {
        ("trust-missing-aud", None, None, roles["app-support"]),
        ("ambiguous-precedence", "group:editors", None, f"{pool_arn}/group/editors+support"),
    }
    assert code == 1


def test_rules_mapping(aws: Aws, tmp_path: Path) -> None:
    def spec() -> EnvironmentSpec:
        def grant(*resources: str) -> dict[str, Any]:
            return invoke("shop", "prod", *resources)

        return EnvironmentSpec(
            roles=[
                RoleSpec("app-default", inline={"p": grant("GET/me")}),
                RoleSpec("app-admin", inline={"p": grant("*/items", "*/items/*")}),
                RoleSpec("app-staff", inline={"p": grant("GET/items", "GET/items/*", "GET/me")}),
            ],
            user_pool=UserPoolSpec(
                groups=[GroupSpec("admins"), GroupSpec("staff"), GroupSpec("visitors")]
            ),
            identity_pool=IdentityPoolSpec(
                authenticated_role="app-default",
                mappings=[
                    RoleMappingSpec(
                        type="Rules",
                        rules=[
                            RuleSpec("cognito:groups", "Contains", "admin", "app-admin"),
                            RuleSpec("cognito:groups", "Equals", "staff", "app-staff"),
                        ],
                    )
                ],
            ),
        )

    seeded = seed_app(aws, spec(), rest=[RestApiSpec("shop", routes=SHOP_ROUTES)])
    cli = Cli(aws)
    baseline, text = _draft(cli, seeded, tmp_path, "shop:prod")
    pool = baseline.identity_pool
    assert (pool.role_resolution, pool.ambiguous_role_resolution) == ("rules", "AuthenticatedRole")
    # Visitors and users in no group match no rule and fall back to the default role.
    assert _routes(baseline.routes.all_users) == []
    assert _routes(baseline.routes.default) == ["GET /me"]
    assert {name: _routes(g.routes) for name, g in baseline.groups.items()} == {
        "admins": ["GET /items", "POST /items", "GET /items/{id}", "DELETE /items/{id}"],
        "staff": ["GET /items", "GET /items/{id}", "GET /me"],
        "visitors": ["GET /me"],
    }
    assert "group:staff gets " + seeded.role_arns["app-staff"] + ": Rules mapping: rule 2" in text
    _assert_no_findings(cli, tmp_path)


def test_http_api_default_route_and_any_proxy(aws: Aws, tmp_path: Path) -> None:
    def spec() -> EnvironmentSpec:
        def grant(*resources: str) -> dict[str, Any]:
            return invoke("orders", "$default", *resources)

        return EnvironmentSpec(
            # Any grant of a concrete path would reach the catch-alls partly: see test_partial.
            roles=[RoleSpec("app-default"), RoleSpec("app-admin", inline={"p": grant("*/*")})],
            user_pool=UserPoolSpec(groups=[GroupSpec("admin", role="app-admin", precedence=0)]),
            identity_pool=IdentityPoolSpec(
                authenticated_role="app-default", mappings=[RoleMappingSpec(type="Token")]
            ),
        )

    http = HttpApiSpec(
        "orders",
        routes={
            "$default": "AWS_IAM",
            "ANY /{proxy+}": "AWS_IAM",
            "GET /orders": "AWS_IAM",
            "GET /status": "NONE",
        },
    )
    seeded = seed_app(aws, spec(), http=[http])
    cli = Cli(aws)
    baseline, text = _draft(cli, seeded, tmp_path, "orders:$default")
    assert [(a.id, a.stage) for a in baseline.apis] == [(seeded.api_ids["orders"], "$default")]
    assert _routes(baseline.public_routes) == ["GET /status"]
    assert _routes(baseline.routes.all_users) == []
    assert _routes(baseline.groups["admin"].routes) == ["$default", "GET /orders", "ANY /{proxy+}"]
    assert "- $default\n" in text and "- 'ANY /{proxy+}'\n" in text
    _assert_no_findings(cli, tmp_path)


def test_no_role_mapping_with_guests_and_classic_flow(aws: Aws, tmp_path: Path) -> None:
    def spec() -> EnvironmentSpec:
        def grant(*resources: str) -> dict[str, Any]:
            return invoke("shop", "prod", *resources)

        return EnvironmentSpec(
            roles=[
                RoleSpec("app-default", inline={"p": grant("GET/items", "GET/me")}),
                RoleSpec(
                    "app-guest", inline={"p": grant("GET/items")}, trust_amr="unauthenticated"
                ),
                RoleSpec("app-admin", inline={"p": grant("*/items")}),
            ],
            user_pool=UserPoolSpec(groups=[GroupSpec("admin", role="app-admin", precedence=0)]),
            identity_pool=IdentityPoolSpec(
                authenticated_role="app-default",
                unauthenticated_role="app-guest",
                allow_unauthenticated=True,
                allow_classic_flow=True,
            ),
        )

    routes = {"GET /items": "AWS_IAM", "GET /me": "AWS_IAM", "GET /health": "NONE"}
    seeded = seed_app(aws, spec(), rest=[RestApiSpec("shop", routes=routes)])
    cli = Cli(aws)
    baseline, text = _draft(cli, seeded, tmp_path, "shop:prod")
    pool = baseline.identity_pool
    assert (
        pool.role_resolution,
        pool.unauthenticated_role,
        pool.allow_unauthenticated,
        pool.allow_classic_flow,
    ) == ("default", seeded.role_arns["app-guest"], True, True)
    assert not pool.declares("ambiguous_role_resolution")  # nothing live to assert
    # Without a mapping group roles are ignored: admins get the default role like everyone.
    assert _routes(baseline.routes.all_users) == ["GET /items", "GET /me"]
    assert _routes(baseline.groups["admin"].routes) == []
    assert _routes(baseline.routes.unauthenticated) == ["GET /items"]
    assert "no role mapping" in text
    # Group roles nobody hands out: the draft warns, and the audit keeps saying so.
    result = cli.init(seeded, tmp_path / "B.yaml", "shop:prod", force=True)
    assert "warning: groups admin carry roles that no sign-in path hands out" in result.stderr
    code, report = cli.audit(tmp_path / "B.yaml")
    assert code == 1
    assert {f["rule_id"] for f in report["findings"]} == {"group-role-unused"}


def test_any_route_reached_for_some_verbs_is_declared_verb_by_verb(
    aws: Aws, tmp_path: Path
) -> None:
    def spec() -> EnvironmentSpec:
        grant = invoke("files", "prod", "GET/files/*", "HEAD/files/*")
        return EnvironmentSpec(
            roles=[RoleSpec("app-default", inline={"p": grant})],
            identity_pool=IdentityPoolSpec(
                authenticated_role="app-default", mappings=[RoleMappingSpec(type="Token")]
            ),
        )

    seeded = seed_app(
        aws, spec(), rest=[RestApiSpec("files", routes={"ANY /files/{proxy+}": "AWS_IAM"})]
    )
    cli = Cli(aws)
    baseline, text = _draft(cli, seeded, tmp_path, "files:prod")
    assert _routes(baseline.routes.all_users) == ["GET /files/{proxy+}", "HEAD /files/{proxy+}"]
    assert (
        "# ANY /files/{proxy+}: only some verbs are allowed (GET, HEAD declared verb by verb)"
        in text
    )
    _assert_no_findings(cli, tmp_path)


@pytest.mark.parametrize(
    "name",
    [
        "ops:on-call#1",
        "null",
        "007",
        "-dash",
        "it's",
        "[x]",
        "ünï",
        "true",
        "a,b",
        "x: y",
        "%tag",
        "@at",
        "*star",
        "~",
    ],
)
def test_group_names_needing_quoting_round_trip(aws: Aws, tmp_path: Path, name: str) -> None:
    def spec() -> EnvironmentSpec:
        grant = invoke("shop", "prod", "GET/items")
        return EnvironmentSpec(
            roles=[RoleSpec("app-default"), RoleSpec("app-odd", inline={"p": grant})],
            user_pool=UserPoolSpec(groups=[GroupSpec(name, role="app-odd", precedence=3)]),
            identity_pool=IdentityPoolSpec(
                authenticated_role="app-default", mappings=[RoleMappingSpec(type="Token")]
            ),
        )

    seeded = seed_app(aws, spec(), rest=[RestApiSpec("shop", routes={"GET /items": "AWS_IAM"})])
    cli = Cli(aws)
    baseline, _ = _draft(cli, seeded, tmp_path, "shop:prod")
    assert {n: (g.precedence, _routes(g.routes)) for n, g in baseline.groups.items()} == {
        name: (3, ["GET /items"])
    }
    _assert_no_findings(cli, tmp_path)
