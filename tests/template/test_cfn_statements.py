"""A role's policies are resolved statement by statement: what only a deploy knows in a
statement that cannot grant execute-api:Invoke leaves the role judgeable; in one that could,
the report is incomplete."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.template.cfn_app import audited, written

APP = ("app.yaml", "rest_api.yaml")
ANCHOR = '/${StageName}/GET/me"\n'


def with_statement(tmp_path: Path, statement: str) -> list[Path]:
    """The clean app with `statement` (YAML flow mapping) added to DefaultRole's routes."""
    return written(tmp_path, APP, [("app.yaml", ANCHOR, f"{ANCHOR}              - {statement}\n")])


def test_a_statement_that_cannot_invoke_leaves_the_role_judged(tmp_path: Path) -> None:
    clean = audited(written(tmp_path, APP))
    (tmp_path / "more").mkdir()
    table = "{Effect: Allow, Action: [dynamodb:GetItem, 'S3:Get*'], Resource: !ImportValue tbl}"
    found = audited(with_statement(tmp_path / "more", table))
    assert found.report.status == "complete", [e.message for e in found.report.errors]
    assert [f.rule_id for f in found.report.findings] == [f.rule_id for f in clean.report.findings]
    role = "arn:aws:iam::123456789012:role/app-default"
    assert role in found.built.snapshot.roles
    assert found.built.sources.partial_roles == {role}


@pytest.mark.parametrize(
    "statement",
    [
        "{Effect: Allow, Action: 'execute-api:*', Resource: !ImportValue api}",
        "{Effect: Allow, Action: '*', Resource: !ImportValue anything}",
        "{Effect: Allow, Action: 'Execute-API:Inv?ke', Resource: !ImportValue api}",
        "{Effect: Allow, NotAction: s3:*, Resource: !ImportValue anything}",
        "{Effect: Deny, Action: !ImportValue actions, Resource: '*'}",
    ],
)
def test_a_statement_that_could_invoke_is_unknown(tmp_path: Path, statement: str) -> None:
    found = audited(with_statement(tmp_path, statement))
    assert found.report.status == "incomplete"
    assert any(
        "DefaultRole" in e.message and "Statement[1]" in e.message for e in found.report.errors
    )
