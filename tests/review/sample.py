"""A sample repository for the code-review integrations (action.yml, .pre-commit-hooks.yaml):
the shop template (tests/template/fixtures/deploy/shop.yaml) in infra/, its baseline in
access/, optionally with one mistake, committed with git as a user's repository would be."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SHOP = REPO_ROOT / "tests" / "template" / "fixtures" / "deploy" / "shop.yaml"
BASELINE = Path(__file__).parent / "baseline.yaml"
TEMPLATE_PATH = "infra/template.yaml"
BASELINE_PATH = "access/baseline.yaml"

# GET /me served without authorization: route-not-iam, critical.
OPEN_ROUTE = (
    "ResourceId: !Ref MeResource, HttpMethod: GET, AuthorizationType: AWS_IAM",
    "ResourceId: !Ref MeResource, HttpMethod: GET, AuthorizationType: NONE",
)
# A role name only the deployed account knows: the report is incomplete (exit 3).
IMPORTED_NAME = ("RoleName: shop-admin", "RoleName: !ImportValue shop-admin-role-name")


def with_auditor_on_path(env: dict[str, str]) -> dict[str, str]:
    """`env` where `auditor` is this interpreter's console script, as after pip install."""
    scripts = str(Path(sys.executable).parent)
    return {**env, "PATH": os.pathsep.join([scripts, env.get("PATH", "")])}


def shop_text(*changes: tuple[str, str]) -> str:
    text = SHOP.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old  # the fixture changed under the sample
        text = text.replace(old, new)
    return text


def write_template(repo: Path, *changes: tuple[str, str]) -> None:
    (repo / TEMPLATE_PATH).write_text(shop_text(*changes), encoding="utf-8")


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def sample_repository(repo: Path, *changes: tuple[str, str]) -> Path:
    """`repo` made a git repository holding the template (with `changes`) and the
    baseline, everything committed."""
    (repo / "infra").mkdir(parents=True)
    (repo / "access").mkdir()
    write_template(repo, *changes)
    shutil.copyfile(BASELINE, repo / BASELINE_PATH)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "the shop")
    return repo


def readme_snippets() -> tuple[dict[str, Any], dict[str, Any]]:
    """The workflow and the .pre-commit-config.yaml of the README's "In code review"."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("### In code review")
    section = text[start : text.index("\n### ", start + 1)]
    workflow, config = (
        yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    )
    return workflow, config
