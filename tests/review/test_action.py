"""action.yml: its shape against the published schema of action metadata, and its shell
steps run as GitHub runs them (bash --noprofile --norc -eo pipefail, inputs through the
step's env) on a sample repository: the SARIF appears and validates, the Markdown reaches
the job summary, and the auditor's exit code (0, 1, 2, 3) is the action's."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.report.test_formats import errors_of, sarif_validator
from tests.review.sample import (
    BASELINE_PATH,
    IMPORTED_NAME,
    OPEN_ROUTE,
    REPO_ROOT,
    TEMPLATE_PATH,
    readme_snippets,
    sample_repository,
    with_auditor_on_path,
)

ACTION = REPO_ROOT / "action.yml"
ACTION_SCHEMA = REPO_ROOT / "tests" / "schemas" / "github-action" / "github-action.json"
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


@cache
def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return loaded


def step(name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in action()["runs"]["steps"] if s.get("name") == name)
    return found


def test_action_yml_is_valid_action_metadata() -> None:
    schema = json.loads(ACTION_SCHEMA.read_text(encoding="utf-8"))
    assert errors_of(jsonschema.Draft7Validator(schema), action()) == []


def test_the_action_is_composite_with_the_documented_inputs() -> None:
    assert action()["runs"]["using"] == "composite"
    defaults = {name: spec.get("default") for name, spec in action()["inputs"].items()}
    assert defaults == {
        "paths": None,
        "baseline": None,
        "args": "",
        "fail-on": "high",
        "sarif": "auditor.sarif",
        "upload-sarif": "true",
        "python-version": "3.12",
    }
    assert {n for n, spec in action()["inputs"].items() if spec.get("required")} == {
        "paths",
        "baseline",
    }


def test_it_installs_the_action_itself_with_the_templates_extra() -> None:
    install = step("Install cognito-route-auditor")
    assert install["env"] == {"ACTION_PATH": "${{ github.action_path }}"}
    assert '"${ACTION_PATH}[templates]"' in install["run"]
    setup = action()["runs"]["steps"][0]
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"] == {"python-version": "${{ inputs.python-version }}"}


def test_sarif_is_uploaded_on_findings_too_but_not_when_none_was_written() -> None:
    upload = step("Upload SARIF to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@v3")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif }}"
    # always(): the audit step never fails, but an earlier failure must not hide the report.
    conditions = {c.strip() for c in upload["if"].split("&&")}
    assert conditions == {
        "always()",
        "inputs.upload-sarif == 'true'",
        "steps.audit.outputs.sarif-written == 'true'",
    }


def test_no_input_is_spliced_into_a_script() -> None:
    # ${{ }} inside run: is pasted into the script before the shell sees it: an injection.
    for each in action()["runs"]["steps"]:
        assert not EXPRESSION.search(each.get("run", "")), each.get("name")


@dataclass
class Run:
    code: int  # the action's (the last step's) exit code
    outputs: dict[str, str]
    summary: str
    stderr: str


def substitute(value: str, context: Mapping[str, str]) -> str:
    return EXPRESSION.sub(lambda m: context[m.group(1)], value)  # KeyError: a new expression


def run_shell_step(
    each: dict[str, Any], context: Mapping[str, str], cwd: Path, files: Mapping[str, Path]
) -> subprocess.CompletedProcess[str]:
    assert each["shell"] == "bash"
    env = with_auditor_on_path({**os.environ, **{k: str(v) for k, v in files.items()}})
    env |= {k: substitute(str(v), context) for k, v in each.get("env", {}).items()}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", each["run"]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_action(repo: Path, **given: str) -> Run:
    """The steps after the install, with the inputs (defaults for those not given)."""
    inputs = {name: spec.get("default", "") for name, spec in action()["inputs"].items()}
    inputs |= given
    context = {f"inputs.{name}": value for name, value in inputs.items()}
    context["github.action_path"] = str(REPO_ROOT)
    files = {"GITHUB_OUTPUT": repo / "github-output", "GITHUB_STEP_SUMMARY": repo / "summary"}
    for path in files.values():
        path.write_text("", encoding="utf-8")
    audited = run_shell_step(step("Audit the templates"), context, repo, files)
    assert audited.returncode == 0, audited.stderr  # the step keeps the code for the last
    outputs = dict(line.split("=", 1) for line in files["GITHUB_OUTPUT"].read_text().splitlines())
    context |= {f"steps.audit.outputs.{k}": v for k, v in outputs.items()}
    summary = run_shell_step(step("Add the report to the job summary"), context, repo, files)
    assert summary.returncode == 0, summary.stderr
    last = run_shell_step(step("Exit with the auditor's code"), context, repo, files)
    return Run(last.returncode, outputs, files["GITHUB_STEP_SUMMARY"].read_text(), audited.stderr)


def sarif_results(path: Path) -> list[dict[str, Any]]:
    log = json.loads(path.read_text(encoding="utf-8"))
    assert errors_of(sarif_validator(), log) == []
    results: list[dict[str, Any]] = log["runs"][0]["results"]
    return results


def test_a_finding_fails_the_job_after_the_sarif_and_summary_are_written(
    tmp_path: Path,
) -> None:
    repo = sample_repository(tmp_path / "repo", OPEN_ROUTE)
    run = run_action(repo, paths=TEMPLATE_PATH, baseline=BASELINE_PATH)
    assert (run.code, run.outputs) == (1, {"exit-code": "1", "sarif-written": "true"})
    results = sarif_results(repo / "auditor.sarif")
    assert [r["ruleId"] for r in results] == ["route-not-iam"]
    (location,) = results[0]["locations"]
    where = location["physicalLocation"]
    assert where["artifactLocation"]["uri"] == TEMPLATE_PATH
    text = (repo / TEMPLATE_PATH).read_text(encoding="utf-8").splitlines()
    assert text[where["region"]["startLine"] - 1] == "  GetMe:"
    assert "route-not-iam" in run.summary
    assert run.summary == (repo / "auditor-report.md").read_text(encoding="utf-8")


def test_a_clean_template_passes_with_a_sarif_of_no_results(tmp_path: Path) -> None:
    repo = sample_repository(tmp_path / "repo")
    run = run_action(repo, paths=TEMPLATE_PATH, baseline=BASELINE_PATH, sarif="out/a.sarif")
    assert (run.code, run.outputs["exit-code"]) == (0, "0")
    assert sarif_results(repo / "out" / "a.sarif") == []


def test_fail_on_and_args_reach_the_auditor(tmp_path: Path) -> None:
    # route-not-iam on GET /me is critical: `--fail-on none` never fails; `args` passes a
    # parameter (the stage the policies name) and the region.
    repo = sample_repository(tmp_path / "repo", OPEN_ROUTE)
    run = run_action(
        repo,
        paths=TEMPLATE_PATH,
        baseline=BASELINE_PATH,
        **{"fail-on": "none", "args": "--parameter Stage=prod --region us-east-1"},
    )
    assert run.code == 0
    assert [r["ruleId"] for r in sarif_results(repo / "auditor.sarif")] == ["route-not-iam"]


def test_paths_expand_globs_but_args_do_not(tmp_path: Path) -> None:
    # infra/*.yaml finds the template; in args, `*` is the parameter's value itself, which
    # a stage cannot be named: bad input naming it, not a file name swapped in for it.
    repo = sample_repository(tmp_path / "repo")
    (repo / "Stage=prod").write_text("", encoding="utf-8")  # what a glob of Stage=* finds
    clean = run_action(repo, paths="infra/*.yaml", baseline=BASELINE_PATH)
    assert clean.code == 0, clean.stderr
    starred = run_action(
        repo, paths="infra/*.yaml", baseline=BASELINE_PATH, args="--parameter Stage=*"
    )
    assert starred.code != 0 and "Stage=prod" not in starred.stderr


def test_an_incomplete_audit_fails_the_job(tmp_path: Path) -> None:
    repo = sample_repository(tmp_path / "repo", IMPORTED_NAME)
    run = run_action(repo, paths=TEMPLATE_PATH, baseline=BASELINE_PATH, **{"fail-on": "none"})
    assert (run.code, run.outputs["sarif-written"]) == (3, "true")
    assert "ImportValue" in (repo / "auditor-report.md").read_text(encoding="utf-8")


def test_bad_input_fails_the_job_with_one_line_and_nothing_to_upload(tmp_path: Path) -> None:
    repo = sample_repository(tmp_path / "repo")
    # reports an earlier run left behind are not this run's
    (repo / "auditor.sarif").write_text("{}", encoding="utf-8")
    (repo / "auditor-report.md").write_text("stale", encoding="utf-8")
    run = run_action(repo, paths="infra/missing.yaml", baseline=BASELINE_PATH)
    assert (run.code, run.outputs) == (2, {"exit-code": "2"})
    assert len(run.stderr.strip().splitlines()) == 1 and "missing.yaml" in run.stderr
    assert run.summary == ""


@pytest.mark.parametrize("code", ["0", "1", "2", "3", "4"])
def test_the_last_step_exits_with_the_code_it_is_given(tmp_path: Path, code: str) -> None:
    last = run_shell_step(
        step("Exit with the auditor's code"), {"steps.audit.outputs.exit-code": code}, tmp_path, {}
    )
    assert last.returncode == int(code)


def test_a_job_whose_audit_never_ran_fails_as_a_bug(tmp_path: Path) -> None:
    last = run_shell_step(
        step("Exit with the auditor's code"), {"steps.audit.outputs.exit-code": ""}, tmp_path, {}
    )
    assert last.returncode == 4


def readme_action_step() -> dict[str, Any]:
    workflow, _ = readme_snippets()
    (job,) = workflow["jobs"].values()
    (found,) = [s for s in job["steps"] if "cognito-route-auditor" in s.get("uses", "")]
    return dict(found)


def test_the_readme_workflow_gives_the_inputs_and_the_permission_upload_needs() -> None:
    workflow, _ = readme_snippets()
    given = readme_action_step()["with"]
    inputs = action()["inputs"]
    assert set(given) <= set(inputs)
    assert {name for name, spec in inputs.items() if spec.get("required")} <= set(given)
    assert workflow["permissions"]["security-events"] == "write"


def test_the_readme_workflow_fails_on_the_sample_mistake(tmp_path: Path) -> None:
    repo = sample_repository(tmp_path / "repo", OPEN_ROUTE)
    run = run_action(repo, **readme_action_step()["with"])
    assert run.code == 1
    assert [r["ruleId"] for r in sarif_results(repo / "auditor.sarif")] == ["route-not-iam"]
