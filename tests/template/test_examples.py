"""examples/templates: each app audits to exactly its one deliberate mistake, located on the
line to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import invoke
from tests.support.findings import load_report

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "templates"
SAM = EXAMPLES / "sam-app"
SERVERLESS = EXAMPLES / "serverless-app"
ACCOUNT = "arn:aws:iam::123456789012"

# (rule, persona, route, resource, template path, logical id, line)
Located = tuple[str, str | None, str | None, str, str, str, int]


def audit(template: Path, baseline: Path, tmp_path: Path) -> tuple[int, set[Located]]:
    out = tmp_path / "report.json"
    result = invoke(
        ["template", str(template), "--baseline", str(baseline), "--format", "json", "-o", str(out)]
    )
    report = load_report(out)
    assert report["status"] == "complete", report["errors"]
    found = {
        (
            f["rule_id"],
            f["persona"],
            f["route"],
            f["resource"],
            f["template"]["path"],
            f["template"]["logical_id"],
            f["template"]["line"],
        )
        for f in report["findings"]
    }
    return result.exit_code, found


def test_sam_app_editors_role_lacks_the_all_users_routes(tmp_path: Path) -> None:
    template = SAM / "template.yaml"
    exit_code, found = audit(template, SAM / "baseline.yaml", tmp_path)
    editors = f"{ACCOUNT}:role/items-editors"
    assert found == {
        (
            "missing-all-users-route",
            "group:editors",
            route,
            editors,
            str(template),
            "EditorsRole",
            124,
        )
        for route in ("GET /items", "GET /items/{id}")
    }
    assert exit_code == 1


def test_serverless_app_admin_role_trusts_any_identity_pool(tmp_path: Path) -> None:
    template = SERVERLESS / "serverless.yml"
    exit_code, found = audit(template, SERVERLESS / "baseline.yaml", tmp_path)
    included = str(SERVERLESS / "resources" / "cognito.yml")
    assert found == {
        (
            "trust-missing-aud",
            None,
            None,
            f"{ACCOUNT}:role/items-admin",
            included,
            "AdminRole",
            92,
        )
    }
    assert exit_code == 1


@pytest.mark.parametrize(
    ("template", "baseline"),
    [
        (SAM / "template.yaml", SAM / "baseline.yaml"),
        (SERVERLESS / "serverless.yml", SERVERLESS / "baseline.yaml"),
    ],
)
def test_fixing_the_mistake_leaves_the_example_clean(
    tmp_path: Path, template: Path, baseline: Path
) -> None:
    """The mistake is the only one: fixed as its comment says, nothing is left."""
    folder = tmp_path / "app"
    folder.mkdir()
    for source in template.parent.rglob("*"):
        if source.is_file():
            target = folder / source.relative_to(template.parent)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_fixed(source.read_text()))
    exit_code, found = audit(folder / template.name, folder / baseline.name, tmp_path)
    assert (exit_code, found) == (0, set())


def _fixed(text: str) -> str:
    """The example with its deliberate mistake undone, as its comment says."""
    text = text.replace(
        "      # DELIBERATE MISTAKE: no ManagedPolicyArns [!Ref AllUsersPolicy].",
        "      ManagedPolicyArns: [!Ref AllUsersPolicy]\n      #",
    )
    return text.replace(
        "            Condition:\n              ForAnyValue:StringLike:",
        "            Condition:\n"
        '              StringEquals: {"cognito-identity.amazonaws.com:aud": !Ref IdentityPool}\n'
        "              ForAnyValue:StringLike:",
    )
