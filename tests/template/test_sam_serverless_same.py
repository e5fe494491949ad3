"""One app written three ways (CloudFormation, SAM, Serverless): the same findings, REST and
HTTP. The dialects only change how the app is written, never what the audit sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.model.baseline_file import load_baseline
from tests.template.cfn_app import audited

FIXTURES = Path(__file__).parent / "fixtures"
BASELINE = FIXTURES / "sam" / "same-app" / "baseline.yaml"
ACCOUNT, REGION = "123456789012", "us-east-1"
EDITORS = f"arn:aws:iam::{ACCOUNT}:role/items-editors"
EXPECTED = {
    ("missing-all-users-route", "group:editors", "GET /items", EDITORS),
    ("missing-all-users-route", "group:editors", "GET /items/{id}", EDITORS),
    ("missing-all-users-route", "group:editors", "GET /v2/items", EDITORS),
    (
        "route-not-iam",
        None,
        "DELETE /items/{id}",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:ApiGatewayRestApi/*/DELETE/items/{{id}}",
    ),
    (
        "route-not-iam",
        None,
        "POST /v2/items",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:HttpApi/*/POST/v2/items",
    ),
}


@pytest.mark.parametrize(
    "template",
    [
        FIXTURES / "sam" / "same-app" / "cloudformation.yaml",
        FIXTURES / "sam" / "same-app" / "template.yaml",
        FIXTURES / "serverless" / "same-app" / "serverless.yml",
    ],
    ids=["cloudformation", "sam", "serverless"],
)
def test_each_dialect_gives_the_same_findings(template: Path) -> None:
    result = audited([template], load_baseline(BASELINE))
    assert result.report.errors == []
    assert result.findings() == EXPECTED


def test_the_same_routes_with_the_same_authorization() -> None:
    """Beyond findings: every dialect serves the same routes, authorized the same way."""

    def served(template: Path) -> set[tuple[str, str, str, str, str]]:
        snapshot = audited([template], load_baseline(BASELINE)).built.snapshot
        return {
            (api.name, stage, route.method, route.path, route.authorization_type)
            for api in snapshot.apis
            for stage in api.stages
            for route in api.served_routes(stage)
        }

    cloudformation = served(FIXTURES / "sam" / "same-app" / "cloudformation.yaml")
    assert ("items-rest", "prod", "DELETE", "/items/{id}", "NONE") in cloudformation
    assert ("items-http", "$default", "GET", "/v2/items", "AWS_IAM") in cloudformation
    assert served(FIXTURES / "serverless" / "same-app" / "serverless.yml") == cloudformation
    # SAM's Deployment also makes the stage "Stage" (it does so on AWS too, unless
    # OpenApiVersion is set): the same routes, served there as well.
    sam = served(FIXTURES / "sam" / "same-app" / "template.yaml")
    also = {(api, "prod", *rest) for api, stage, *rest in sam if stage == "Stage"}
    assert {s for s in sam if s[1] != "Stage"} == cloudformation
    assert also and also <= cloudformation


SAME_APP_LOCATIONS = [
    (
        FIXTURES / "sam" / "same-app" / "cloudformation.yaml",
        {
            "DELETE /items/{id}": ("cloudformation.yaml", "DeleteItem", 52),
            "POST /v2/items": ("cloudformation.yaml", "CreateItemV2", 96),
            "GET /items": ("cloudformation.yaml", "EditorsRole", 191),
        },
    ),
    (
        FIXTURES / "sam" / "same-app" / "template.yaml",
        {
            # a route: the function's Events entry that declared it
            "DELETE /items/{id}": ("template.yaml", "ItemsFunction", 37),
            "POST /v2/items": ("template.yaml", "ItemsFunction", 54),
            "GET /items": ("template.yaml", "EditorsRole", 150),
        },
    ),
    (
        FIXTURES / "serverless" / "same-app" / "serverless.yml",
        {
            # a route: the function's events entry; a role: where resources/ include it
            "DELETE /items/{id}": ("serverless.yml", "items", 19),
            "POST /v2/items": ("serverless.yml", "items", 22),
            "GET /items": ("cognito.yml", "EditorsRole", 91),
        },
    ),
]


@pytest.mark.parametrize(
    ("template", "expected"), SAME_APP_LOCATIONS, ids=["cloudformation", "sam", "serverless"]
)
def test_findings_point_where_each_dialect_writes_the_thing_to_change(
    tmp_path: Path, template: Path, expected: dict[str, tuple[str, str, int]]
) -> None:
    from tests.support.cli import invoke
    from tests.support.findings import load_report

    out = tmp_path / "report.json"
    command = ["template", str(template), "--baseline", str(BASELINE), "--format", "json"]
    result = invoke([*command, "-o", str(out)])
    assert result.exit_code == 1, result.stderr
    located = {
        f["route"]: (
            Path(f["template"]["path"]).name,
            f["template"]["logical_id"],
            f["template"]["line"],
        )
        for f in load_report(out)["findings"]
        if f["route"] in expected and f["rule_id"] in ("route-not-iam", "missing-all-users-route")
    }
    assert located == expected
