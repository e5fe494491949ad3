"""Every CloudFormation template in deploy/ passes cfn-lint (its Python API, SAM transform
included), and cfn-lint is really consulted: a broken template fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_file

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
TEMPLATES = sorted(DEPLOY.glob("*.yaml"))


def _problems(path: Path) -> list[str]:
    matches = lint_file(path, config=ManualArgs(regions=["us-east-1"]))
    return [f"{path.name}:{m.linenumber} {m.rule.id} {m.message}" for m in matches]


def test_every_template_is_linted() -> None:
    names = {path.name for path in TEMPLATES}
    assert {"template.yaml", "member-role.yaml", "organization.yaml"} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.name)
def test_template_is_cfn_lint_clean(path: Path) -> None:
    assert _problems(path) == []


def test_a_broken_template_fails_the_lint(tmp_path: Path) -> None:
    # The member role granting a misspelt action on a resource attribute that does not exist.
    text = (DEPLOY / "member-role.yaml").read_text(encoding="utf-8")
    broken = text.replace("!GetAtt AuditorRole.Arn", "!GetAtt AuditorRole.Nope")
    assert broken != text
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    assert any("Nope" in problem for problem in _problems(path))
