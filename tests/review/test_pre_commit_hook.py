""".pre-commit-hooks.yaml: the hook's entry and a user's args, run as pre-commit runs them
(entry + args, no file names: pass_filenames is false) in a sample repository: exit 1 with
the finding on a bad template, 0 after the fix.

With PRE_COMMIT_END_TO_END=1 and `pre-commit` installed, pre-commit itself runs the hook
from this repository's last commit (it builds its own virtualenv: slow, needs the package
index; not in CI)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.review.sample import (
    BASELINE_PATH,
    OPEN_ROUTE,
    REPO_ROOT,
    TEMPLATE_PATH,
    git,
    readme_snippets,
    sample_repository,
    with_auditor_on_path,
    write_template,
)

HOOK_ID = "cognito-route-auditor"


@cache
def hook() -> dict[str, Any]:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (found,) = [h for h in hooks if h["id"] == HOOK_ID]
    return dict(found)


def user_config(rev: str) -> dict[str, Any]:
    """The README's .pre-commit-config.yaml, this repository as a local path at `rev`."""
    _, config = readme_snippets()
    (entry,) = config["repos"]
    entry |= {"repo": str(REPO_ROOT), "rev": rev}
    return dict(config)


def with_config(repo: Path, rev: str = "HEAD") -> Path:
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump(user_config(rev), sort_keys=False), encoding="utf-8"
    )
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "--quiet", "-m", "pre-commit")
    return repo


def run_as_pre_commit_does(repo: Path) -> subprocess.CompletedProcess[str]:
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (configured,) = [h for r in config["repos"] for h in r["hooks"] if h["id"] == HOOK_ID]
    assert hook()["pass_filenames"] is False  # else pre-commit would append file names
    command = [*shlex.split(hook()["entry"]), *configured["args"]]
    return subprocess.run(
        command,
        cwd=repo,
        env=with_auditor_on_path(dict(os.environ)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_readme_config_names_this_hook_with_the_sample_paths() -> None:
    _, config = readme_snippets()
    (entry,) = config["repos"]
    assert [h["id"] for h in entry["hooks"]] == [HOOK_ID]
    assert entry["hooks"][0]["args"] == [TEMPLATE_PATH, "--baseline", BASELINE_PATH]


def test_the_hook_fails_on_a_mistake_and_passes_after_the_fix(tmp_path: Path) -> None:
    repo = with_config(sample_repository(tmp_path / "repo", OPEN_ROUTE))
    bad = run_as_pre_commit_does(repo)
    assert bad.returncode == 1, bad.stderr
    assert "route-not-iam" in bad.stdout and "GET /me" in bad.stdout
    write_template(repo)
    fixed = run_as_pre_commit_does(repo)
    assert (fixed.returncode, fixed.stderr) == (0, "")


def test_the_hook_installs_the_templates_extra() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extra = project["project"]["optional-dependencies"]["templates"]
    assert hook()["language"] == "python"
    assert sorted(hook()["additional_dependencies"]) == sorted(extra)


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("template.yaml", True),
        ("infra/template.yml", True),
        ("app/template.json", True),
        ("serverless.yml", True),
        ("services/orders/serverless.yaml", True),
        ("cloudformation/network/stack.yaml", True),
        ("services/orders/resources/cognito.yml", True),
        ("access/baseline.yaml", True),
        ("cognito-baseline.yml", True),
        ("src/handler.py", False),
        ("docs/template.md", False),
        ("my-template.yaml", False),
        (".github/workflows/ci.yml", False),
    ],
)
def test_the_hook_runs_when_a_template_or_the_baseline_changes(path: str, runs: bool) -> None:
    # pre-commit matches `files` with re.search on the path from the repository root.
    assert bool(re.search(hook()["files"], path)) is runs


@pytest.mark.skipif(
    os.environ.get("PRE_COMMIT_END_TO_END") != "1" or shutil.which("pre-commit") is None,
    reason="opt-in: PRE_COMMIT_END_TO_END=1 and pre-commit installed",
)
def test_pre_commit_runs_the_hook_from_this_repository(tmp_path: Path) -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    repo = with_config(sample_repository(tmp_path / "repo", OPEN_ROUTE), head)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}

    def pre_commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pre-commit", "run", HOOK_ID, "--all-files"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    bad = pre_commit()
    assert bad.returncode == 1 and "route-not-iam" in bad.stdout, bad.stdout + bad.stderr
    write_template(repo)
    fixed = pre_commit()
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
