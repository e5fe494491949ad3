"""`auditor template` and `auditor baseline init --template` end to end on a small
CloudFormation fixture (fixtures/app.yaml, declared by fixtures/baseline.yaml): exit codes
0/1/2/3, formats, several -o, SARIF on the template's lines, the draft round trip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from auditor.model.baseline_file import load_baseline
from tests.report.test_formats import errors_of, sarif_validator
from tests.support.cli import CliResult, invoke

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATE_TEXT = (FIXTURES / "app.yaml").read_text(encoding="utf-8")


def line_of(text: str, logical_id: str) -> int:
    """The 1-based line of a resource's key in the fixture."""
    lines = text.splitlines()
    return next(i for i, line in enumerate(lines, 1) if line == f"  {logical_id}:")


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout with the fixture's template and baseline; the audit runs at its root."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "app.yaml").write_text(TEMPLATE_TEXT, encoding="utf-8")
    (tmp_path / "baseline.yaml").write_text((FIXTURES / "baseline.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def template(*args: str, path: str = "infra/app.yaml") -> CliResult:
    return invoke(["template", path, "--baseline", "baseline.yaml", *args])


def write(checkout: Path, text: str) -> None:
    (checkout / "infra" / "app.yaml").write_text(text, encoding="utf-8")


def findings(result: CliResult) -> set[tuple[str, str | None, str | None, str, int]]:
    report = json.loads(result.stdout)
    return {
        (
            f["rule_id"],
            f.get("persona"),
            f.get("route"),
            f["template"]["logical_id"],
            f["template"]["line"],
        )
        for f in report["findings"]
    }


# --- what needs no template reader ---------------------------------------------------------


AUDIT = ["template", "infra/app.yaml", "--baseline", "baseline.yaml"]
DRAFT = ["baseline", "init"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["template", "missing.yaml", "--baseline", "baseline.yaml"], "'missing.yaml': no such"),
        (["template", "infra", "--baseline", "baseline.yaml"], "'infra': is a folder"),
        ([*AUDIT, "--parameter", "X"], "--parameter"),
        ([*AUDIT, "--account-id", "12"], "--account-id"),
        (["template", "infra/app.yaml", "--baseline", "nope.yaml"], "nope.yaml"),
        ([*AUDIT, "-f", "json", "-o", "infra/app.yaml"], "is the template file too"),
        ([*AUDIT, "--format", "pdf"], "--format"),
        (["run", "--baseline", "baseline.yaml", "--parameter", "A=1"], "--parameter: needs"),
        ([*DRAFT, "--template", "infra/app.yaml", "--user-pool", "x"], "--user-pool: not with"),
        ([*DRAFT, "--identity-pool", "us-east-1:0d3a"], "--user-pool: required"),
    ],
)
def test_bad_input_is_one_line_naming_it(checkout: Path, args: list[str], named: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], lines
    assert (checkout / "infra" / "app.yaml").read_text() == TEMPLATE_TEXT


def test_without_the_templates_extra_it_names_the_pip_command(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import auditor.commands.template as commands

    monkeypatch.setattr(commands, "_READERS", ("cfnlint", "no_such_template_reader"))
    for args in (
        ["template", "infra/app.yaml", "--baseline", "baseline.yaml"],
        ["baseline", "init", "--template", "infra/app.yaml"],
        ["run", "--baseline", "baseline.yaml", "--template", "infra/app.yaml"],
    ):
        result = invoke(args)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1
        assert "pip install 'cognito-route-auditor[templates]'" in result.stderr


# --- the audit -----------------------------------------------------------------------------


def test_the_declared_template_is_clean(checkout: Path) -> None:
    result = template("-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "complete" and report["findings"] == []
    personas = {cell["persona"] for cell in report["access_matrix"]}
    assert personas == {"group:admin", "group:editors", "default", "unauthenticated"}


def test_each_finding_points_at_the_line_to_change(checkout: Path) -> None:
    # Editors may now reach the admin route (an excess grant in their role's own policy),
    # and the health check is no longer public nor declared so.
    text = TEMPLATE_TEXT.replace(
        '${Api}/${StageName}/GET/items"\n  Api:',
        '${Api}/${StageName}/GET/items"\n'
        '                  - !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:'
        '${AWS::AccountId}:${Api}/${StageName}/GET/admin"\n  Api:',
    ).replace("PathPart: health", "PathPart: status")
    write(checkout, text)
    result = template("-f", "json")
    assert result.exit_code == 1, result.stderr
    editors = line_of(text, "EditorsRole")
    assert findings(result) == {
        ("excess-route", "group:editors", "GET /admin", "EditorsRole", editors),
        ("route-not-iam", None, "GET /status", "HealthGet", line_of(text, "HealthGet")),
        ("route-undeclared", None, "GET /status", "HealthGet", line_of(text, "HealthGet")),
        ("route-missing", None, "GET /health", "Api", line_of(text, "Api")),
    }  # fmt: skip
    report = json.loads(result.stdout)
    assert {f["template"]["path"] for f in report["findings"]} == {"infra/app.yaml"}


def test_a_grant_written_apart_points_at_its_policy(checkout: Path) -> None:
    text = TEMPLATE_TEXT.replace("/${StageName}/*/admin", "/${StageName}/*/*")
    write(checkout, text)
    result = template("-f", "json")
    assert result.exit_code == 1, result.stderr
    excess = {f for f in findings(result) if f[0] == "excess-route"}
    assert excess and {f[3] for f in excess} == {"AdminRoutes"}
    assert {f[4] for f in excess} == {line_of(text, "AdminRoutes")}


def test_an_unresolvable_import_is_incomplete_never_clean(checkout: Path) -> None:
    write(
        checkout,
        TEMPLATE_TEXT.replace(
            "RoleArn: !GetAtt EditorsRole.Arn", "RoleArn: !ImportValue shared-editors-role"
        ),
    )
    result = template("-f", "json", "--fail-on", "none")
    assert result.exit_code == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "incomplete"
    assert any(
        "infra/app.yaml:" in e["message"] and "EditorsGroup" in e["message"]
        for e in report["errors"]
    ), report["errors"]
    assert "EditorsGroup" in result.stderr


def test_a_parameter_value_wins_over_its_default(checkout: Path) -> None:
    result = template("-f", "json", "--parameter", "StageName=beta")
    # The baseline audits stage prod, which the template no longer deploys.
    assert result.exit_code == 2, result.stdout
    assert "prod" in result.stderr


def test_several_outputs_by_suffix_and_sarif_on_the_template_lines(checkout: Path) -> None:
    write(checkout, TEMPLATE_TEXT.replace("PathPart: health", "PathPart: status"))
    result = template("-o", "out/report.sarif", "-o", "out/report.md", "-o", "out/report.json")
    assert result.exit_code == 1, result.stderr
    assert "-> out/report.sarif, out/report.md, out/report.json" in result.stderr
    log = json.loads((checkout / "out" / "report.sarif").read_text())
    assert errors_of(sarif_validator(), log) == []
    places = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in log["runs"][0]["results"]
    }
    health = line_of(TEMPLATE_TEXT, "HealthGet")
    assert ("route-not-iam", "infra/app.yaml", health) in places
    assert "%SRCROOT%" in log["runs"][0]["originalUriBaseIds"]
    markdown = (checkout / "out" / "report.md").read_text()
    assert f"infra/app.yaml:{health} (HealthGet)" in markdown
    report = json.loads((checkout / "out" / "report.json").read_text())
    assert all(f["template"]["path"] == "infra/app.yaml" for f in report["findings"])


# --- baseline init --template --------------------------------------------------------------


def test_a_drafted_baseline_audits_its_own_template_clean(checkout: Path) -> None:
    drafted = invoke(["baseline", "init", "--template", "infra/app.yaml", "-o", "drafted.yaml"])
    assert drafted.exit_code == 0, drafted.stderr
    text = (checkout / "drafted.yaml").read_text()
    assert text.startswith("# Drafted from templates")
    assert "made up" in text.splitlines()[0] and "deploying" in text.splitlines()[1]
    assert "from templates infra/app.yaml" in text and "what the templates deploy" in text
    assert "live state" not in text and "live TODAY" not in text
    assert load_baseline(checkout / "drafted.yaml").groups.keys() == {"admin", "editors"}
    result = invoke(["template", "infra/app.yaml", "--baseline", "drafted.yaml", "-f", "json"])
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["findings"] == []


def test_a_draft_from_an_unresolvable_template_is_refused(checkout: Path) -> None:
    write(checkout, TEMPLATE_TEXT.replace("!GetAtt DefaultRole.Arn", "!ImportValue default-role"))
    result = invoke(["baseline", "init", "--template", "infra/app.yaml"])
    assert result.exit_code == 3
    assert result.stdout == "" and "no baseline drafted" in result.stderr


def test_a_draft_goes_to_stdout_as_yaml(checkout: Path) -> None:
    result = invoke(["baseline", "init", "--template", "infra/app.yaml"])
    assert result.exit_code == 0, result.stderr
    drafted = yaml.safe_load(result.stdout)
    assert drafted["groups"]["admin"]["precedence"] == 0
    assert drafted["routes"]["all_users"] == ["GET /items"]


API_RESOURCES = ("Api", "Items", "Me", "Admin", "Health", "Deployment", "Stage")


def test_several_files_are_one_application_each_finding_names_its_file(checkout: Path) -> None:
    """The stack in two files (the API apart, as `resources/*.yml` would hold it)."""
    head, resources = TEMPLATE_TEXT.split("Resources:\n", 1)
    blocks = re.split(r"(?m)^(?=  \w+:\n)", resources)
    api = [b for b in blocks if b.strip().startswith(API_RESOURCES)]
    rest = [b for b in blocks if b not in api]
    write(checkout, head + "Resources:\n" + "".join(rest))
    api_text = "Resources:\n" + "".join(api).replace("PathPart: health", "PathPart: status")
    (checkout / "infra" / "api.yaml").write_text(api_text, encoding="utf-8")
    result = invoke(
        [
            "template",
            "infra/app.yaml",
            "infra/api.yaml",
            "--baseline",
            "baseline.yaml",
            "-f",
            "json",
        ]
    )
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert {
        (f["rule_id"], f["template"]["path"], f["template"]["line"]) for f in report["findings"]
    } == {
        ("route-not-iam", "infra/api.yaml", line_of(api_text, "HealthGet")),
        ("route-undeclared", "infra/api.yaml", line_of(api_text, "HealthGet")),
        ("route-missing", "infra/api.yaml", line_of(api_text, "Api")),
    }


def test_a_condition_on_the_stack_name_needs_stack_name(checkout: Path) -> None:
    """Which stack the templates deploy as is known only at deploy: without --stack-name a
    Condition that reads it is unresolved (never decided by a made-up name)."""
    text = TEMPLATE_TEXT.replace(
        "Resources:\n",
        "Conditions:\n  IsDev: !Equals [!Ref AWS::StackName, shop-dev]\nResources:\n",
    ).replace(
        "ResourceId: !Ref AdminResource\n      HttpMethod: GET\n      AuthorizationType: AWS_IAM",
        "ResourceId: !Ref AdminResource\n      HttpMethod: GET\n"
        "      AuthorizationType: !If [IsDev, NONE, AWS_IAM]",
    )
    assert "IsDev, NONE" in text
    write(checkout, text)
    unknown = template("-f", "json", "--fail-on", "none")
    assert unknown.exit_code == 3, unknown.stderr
    assert "give --stack-name" in unknown.stderr
    assert template("-f", "json", "--stack-name", "shop-prod").exit_code == 0
    dev = template("-f", "json", "--stack-name", "shop-dev")
    assert dev.exit_code == 1, dev.stderr
    assert any(f[3] == "AdminGet" for f in findings(dev))


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([*AUDIT, "--stack-name", "1-bad"], "--stack-name: '1-bad' is not a stack name"),
        (["run", "--baseline", "baseline.yaml", "--stack-name", "x"], "--stack-name: needs"),
        ([*DRAFT, "--user-pool", "p", "--identity-pool", "i", "--stack-name", "x"], "needs"),
    ],
)
def test_stack_name_is_checked(checkout: Path, args: list[str], named: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2, result.stdout
    assert named in result.stderr


def test_accepted_risk_counts_in_a_template_audit_as_in_a_run(checkout: Path) -> None:
    """§6.2 through "exit codes as run": an accepted finding stays, marked, and no longer
    fails the audit."""
    write(checkout, TEMPLATE_TEXT.replace("PathPart: health", "PathPart: status"))
    assert template("-f", "json").exit_code == 1
    baseline = checkout / "baseline.yaml"
    accepted = yaml.safe_load(baseline.read_text())
    accepted["accepted"] = [
        {"rule": rule, "route": "GET /*", "reason": "status page, moved next sprint"}
        for rule in ("route-not-iam", "route-undeclared", "route-missing")
    ]
    baseline.write_text(yaml.safe_dump(accepted))
    result = template("-f", "json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["summary"]["accepted"] == len(report["findings"]) == 3
    assert all(f["accepted"]["reason"] and f["template"]["line"] for f in report["findings"])
