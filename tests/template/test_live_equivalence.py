"""A template audited before deploy finds what the live audit of its deployment finds.

Each case deploys tests/template/fixtures/deploy/shop.yaml, its SAM or its Serverless
variant, or the CloudFormation app of tests/template/test_cfn_rules.py (clean, or with one
mistake written into it) into the emulator with auditor.emulator.deploy_template, which maps
CloudFormation properties to API calls on its own; then audits it twice with one baseline
that names the deployed ids (the APIs by name): live (collect_snapshot + audit) and from the
template (identities_for + build_snapshot + audit). The findings must be the same: same
rule, persona, route, and the same resource once the template's ids are mapped to the
deployed ones.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.checks.run import audit
from auditor.collect import AwsOptions, collect_snapshot
from auditor.commands.run import target_of
from auditor.emulator.deploy_template import Deployed, deploy_application
from auditor.model.baseline_file import load_baseline
from auditor.model.report import Report
from auditor.template.build import build_snapshot
from auditor.template.identities import identities_for
from auditor.template.intrinsics import Resolver
from auditor.template.load import load_application
from auditor.template.model import Application, Identities
from tests.support.aws import Aws
from tests.template.cfn_app import BASELINE as CFN_BASELINE
from tests.template.cfn_app import written
from tests.template.test_cfn_rules import CASES as CFN_CASES
from tests.template.test_cfn_rules import Case as CfnCase

FIXTURES = Path(__file__).parent / "fixtures" / "deploy"
SHOP = FIXTURES / "shop.yaml"
SHOP_SAM = FIXTURES / "shop-sam.yaml"  # the same app, its APIs in SAM
SHOP_SERVERLESS = FIXTURES / "serverless"  # and as a Serverless service (serverless.yml)

# (anchor, old, new): `old` replaced once, at its first occurrence after `anchor`.
Mistake = tuple[str, str, str]
MISTAKES: dict[str, tuple[str, list[Mistake]]] = {
    # editors get every method on /items and beneath: DELETE /items/{id} is the admins'.
    "excess-route": (
        "excess-route",
        [("EditorsPolicy:", "${ShopApi}/${Stage}/POST/items", "${ShopApi}/${Stage}/*/items*")],
    ),
    "trust-missing-aud": (
        "trust-missing-aud",
        [
            (
                "EditorsRole:\n",
                '              StringEquals: {"cognito-identity.amazonaws.com:aud": '
                "!Ref IdentityPool}\n",
                "",
            )
        ],
    ),
    "route-not-iam": (
        "route-not-iam",
        [
            (
                "GetMe:",
                "HttpMethod: GET, AuthorizationType: AWS_IAM",
                "HttpMethod: GET, AuthorizationType: NONE",
            )
        ],
    ),
    "http-route-not-iam": (
        "route-not-iam",
        [("PostOrders:", "AuthorizationType: AWS_IAM", "AuthorizationType: NONE")],
    ),
    "missing-all-users-route": (
        "missing-all-users-route",
        [("AllUsersPolicy:", ", !Ref EditorsRole]", "]")],
    ),
    "ambiguous-precedence": (
        "ambiguous-precedence",
        [("EditorsGroup:", "Precedence: 10", "Precedence: 0")],
    ),
    "role-mapping-missing": (
        "role-mapping-missing",
        [
            (
                "RoleAttachment:",
                "      RoleMappings:\n        web:\n"
                '          IdentityProvider: !Sub "${UserPool.ProviderName}:${WebClient}"\n'
                "          Type: Token\n          AmbiguousRoleResolution: AuthenticatedRole\n",
                "",
            )
        ],
    ),
    "unauthenticated-enabled": (
        "unauthenticated-enabled",
        [
            (
                "IdentityPool:",
                "AllowUnauthenticatedIdentities: false",
                "AllowUnauthenticatedIdentities: true",
            )
        ],
    ),
}


# The SAM variant shares the Cognito and IAM resources (and so their mistakes); its routes
# are function events.
SAM_MISTAKES: dict[str, tuple[str, list[Mistake]]] = {
    "excess-route": MISTAKES["excess-route"],
    "trust-missing-aud": MISTAKES["trust-missing-aud"],
    "route-not-iam": (
        "route-not-iam",
        [
            (
                "        GetMe:",
                "            Method: get\n",
                "            Method: get\n            Auth:\n              Authorizer: NONE\n",
            )
        ],
    ),
    "http-route-not-iam": (
        "route-not-iam",
        [
            (
                "        CreateOrder:",
                "            Method: post\n",
                "            Method: post\n            Auth:\n              Authorizer: NONE\n",
            )
        ],
    ),
}
# The Serverless service: its routes are functions' events, the rest in resources/access.yml.
# file -> edits, per case
SERVERLESS_MISTAKES: dict[str, tuple[str, dict[str, list[Mistake]]]] = {
    "excess-route": (
        "excess-route",
        {
            "resources/access.yml": [
                (
                    "EditorsPolicy:",
                    "${ApiGatewayRestApi}/prod/POST/items",
                    "${ApiGatewayRestApi}/prod/*/items*",
                )
            ]
        },
    ),
    "trust-missing-aud": (
        "trust-missing-aud",
        {"resources/access.yml": MISTAKES["trust-missing-aud"][1]},
    ),
    "route-not-iam": (
        "route-not-iam",
        {"serverless.yml": [("  getMe:", "          authorizer: aws_iam\n", "")]},
    ),
    "http-route-not-iam": (
        "route-not-iam",
        {
            "serverless.yml": [
                ("  createOrder:", "          authorizer:\n            type: aws_iam\n", "")
            ]
        },
    ),
}

CASES = [pytest.param(SHOP, case, id=f"shop-{case}") for case in sorted(MISTAKES)] + [
    pytest.param(SHOP_SAM, case, id=f"sam-{case}") for case in sorted(SAM_MISTAKES)
]


def with_mistake(text: str, mistakes: list[Mistake]) -> str:
    for anchor, old, new in mistakes:
        start = text.index(anchor)
        at = text.index(old, start)  # ValueError: the fixture changed under the case
        text = text[:at] + new + text[at + len(old) :]
    return text


def baseline_for(deployed: Deployed) -> dict[str, Any]:
    """The shop's intent, naming what was deployed."""

    def arn(logical_id: str) -> str:
        return deployed.attributes[(logical_id, "Arn")]

    return {
        "version": 1,
        "region": deployed.region,
        "user_pool": {"id": deployed.physical["UserPool"]},
        "identity_pool": {
            "id": deployed.physical["IdentityPool"],
            "role_resolution": "token",
            "ambiguous_role_resolution": "AuthenticatedRole",
            "authenticated_role": arn("DefaultRole"),
            "unauthenticated_role": None,
            "allow_unauthenticated": False,
            "allow_classic_flow": False,
        },
        # By name: offline, the ids of two APIs cannot be told apart (which is the shop?),
        # and a template audit adopts a baseline's API id only for a template's only API.
        "apis": [{"name": "shop", "stage": "prod"}, {"name": "orders", "stage": "$default"}],
        "public_routes": ["GET /health"],
        "routes": {
            "all_users": ["GET /items", "GET /items/{id}", "GET /orders"],
            "default": ["GET /me"],
            "unauthenticated": [],
        },
        "groups": {
            "admin": {
                "precedence": 0,
                "role": arn("AdminRole"),
                "routes": ["* /admin/*", "DELETE /items/{id}"],
            },
            "editors": {
                "precedence": 10,
                "role": arn("EditorsRole"),
                "routes": ["POST /items", "POST /orders"],
            },
        },
    }


def id_map(app: Application, template: Identities, deployed: Deployed) -> dict[str, str]:
    """Each id the template audit gave a resource (what its Ref and Fn::GetAtt resolve to
    offline) -> the id the deployment gave it."""
    resolver = Resolver(app, template)
    pairs: dict[str, str] = {}
    for logical_id, physical in deployed.physical.items():
        resource = app.resources[logical_id]
        offline = resolver.resolve({"Ref": logical_id}, resource, "Ref")
        if isinstance(offline, str):
            pairs[offline] = physical
    for (logical_id, attribute), value in deployed.attributes.items():
        resource = app.resources[logical_id]
        offline = resolver.resolve({"Fn::GetAtt": [logical_id, attribute]}, resource, "GetAtt")
        if isinstance(offline, str):
            pairs[offline] = value
    return {old: new for old, new in pairs.items() if old and old != new}


def findings(report: Report, ids: dict[str, str]) -> set[tuple[str, str, str, str, str, str]]:
    """(rule, severity, persona, route, API id, resource) of each finding, ids rewritten by
    `ids`."""

    def mapped(value: str | None) -> str:
        text = value or ""
        for old in sorted(ids, key=len, reverse=True):  # an ARN before the name inside it
            text = text.replace(old, ids[old])
        return text

    return {
        (
            f.rule_id,
            f.severity.value,
            f.persona or "",
            f.route or "",
            mapped(f.api_id),
            mapped(f.resource),
        )
        for f in report.findings
    }


def both_audits(aws: Aws, tmp_path: Path, text: str) -> tuple[Report, Report, dict[str, str]]:
    """The shop (as `text`) deployed, with a baseline naming what was deployed."""
    template = tmp_path / "template.yaml"
    template.write_text(text, encoding="utf-8")
    return audits_of(aws, tmp_path, [template], baseline_for, {})


def audits_of(
    aws: Aws,
    tmp_path: Path,
    paths: list[Path],
    baseline_of: Callable[[Deployed], dict[str, Any]],
    parameters: Mapping[str, str],
) -> tuple[Report, Report, dict[str, str]]:
    """The live and the template audit of `paths` (one application) deployed, with the
    baseline `baseline_of` writes, and the template's ids -> the deployed ones."""
    app = load_application(
        paths, region=aws.region, account_id="123456789012", parameter_values=parameters
    )
    deployed = deploy_application(app, aws.session, endpoint_url=aws.url)
    # The emulator has no AWS managed policies: only the function's own role may miss one.
    assert {role for role, _ in deployed.not_attached} <= {"ShopFunctionRole"}
    baseline_file = tmp_path / "baseline.yaml"
    baseline_file.write_text(yaml.safe_dump(baseline_of(deployed)), encoding="utf-8")
    baseline = load_baseline(baseline_file)

    live = audit(collect_snapshot(target_of(baseline), AwsOptions(endpoint_url=aws.url)), baseline)
    identities = identities_for(
        app, baseline=baseline, account_id=deployed.account_id, region=deployed.region
    )
    built = build_snapshot(app, identities, target_of(baseline))
    offline = audit(built.snapshot, baseline)
    return live, offline, id_map(app, identities, deployed)


@pytest.mark.parametrize(
    "fixture", [pytest.param(SHOP, id="shop"), pytest.param(SHOP_SAM, id="sam")]
)
def test_the_clean_template_is_clean_live_and_before_deploy(
    aws: Aws, tmp_path: Path, fixture: Path
) -> None:
    live, offline, _ = both_audits(aws, tmp_path, fixture.read_text(encoding="utf-8"))
    assert [e.message for e in (*live.errors, *offline.errors)] == []
    assert (live.status, offline.status) == ("complete", "complete")
    assert [f.rule_id for f in live.findings] == []
    assert [f.rule_id for f in offline.findings] == []


@pytest.mark.parametrize(("fixture", "case"), CASES)
def test_a_mistake_is_found_the_same_live_and_before_deploy(
    aws: Aws, tmp_path: Path, fixture: Path, case: str
) -> None:
    rule, mistakes = (MISTAKES if fixture == SHOP else SAM_MISTAKES)[case]
    text = with_mistake(fixture.read_text(encoding="utf-8"), mistakes)
    live, offline, ids = both_audits(aws, tmp_path, text)
    assert [e.message for e in (*live.errors, *offline.errors)] == []
    assert (live.status, offline.status) == ("complete", "complete")
    assert rule in {f.rule_id for f in live.findings}
    assert findings(offline, ids) == findings(live, {})


def cfn_app_baseline(_: Deployed) -> dict[str, Any]:
    """The CloudFormation app's own baseline: pools and API by name, roles by RoleName,
    which name the deployment as well as the template."""
    loaded: dict[str, Any] = yaml.safe_load(CFN_BASELINE.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("case", CFN_CASES, ids=[c.shows for c in CFN_CASES])
def test_the_cloudformation_apps_cases_are_found_the_same_live(
    aws: Aws, tmp_path: Path, case: CfnCase
) -> None:
    # tests/template/test_cfn_rules.py's cases (a stack and its API file as one
    # application), each also deployed and audited live.
    paths = written(tmp_path, ["app.yaml", case.api], case.edits)
    live, offline, ids = audits_of(aws, tmp_path, paths, cfn_app_baseline, case.parameters)
    assert [e.message for e in (*live.errors, *offline.errors)] == []
    assert findings(offline, ids) == findings(live, {})
    assert {(f[0], f[2], f[3]) for f in findings(live, {})} == {
        (rule, persona or "", route or "") for rule, persona, route, _ in case.expected
    }


def serverless_service(tmp_path: Path, edits: Mapping[str, list[Mistake]]) -> Path:
    """The Serverless shop copied to `tmp_path` with `edits`; its serverless.yml."""
    service = tmp_path / "service"
    shutil.copytree(SHOP_SERVERLESS, service)
    for name, mistakes in edits.items():
        path = service / name
        path.write_text(with_mistake(path.read_text(encoding="utf-8"), mistakes), "utf-8")
    return service / "serverless.yml"


def test_the_clean_serverless_service_is_clean_live_and_before_deploy(
    aws: Aws, tmp_path: Path
) -> None:
    live, offline, _ = audits_of(
        aws, tmp_path, [serverless_service(tmp_path, {})], baseline_for, {}
    )
    assert [e.message for e in (*live.errors, *offline.errors)] == []
    assert (live.findings, offline.findings) == ([], [])


@pytest.mark.parametrize("case", sorted(SERVERLESS_MISTAKES))
def test_a_serverless_mistake_is_found_the_same_live_and_before_deploy(
    aws: Aws, tmp_path: Path, case: str
) -> None:
    rule, edits = SERVERLESS_MISTAKES[case]
    service = serverless_service(tmp_path, edits)
    live, offline, ids = audits_of(aws, tmp_path, [service], baseline_for, {})
    assert [e.message for e in (*live.errors, *offline.errors)] == []
    assert rule in {f.rule_id for f in live.findings}
    assert findings(offline, ids) == findings(live, {})
