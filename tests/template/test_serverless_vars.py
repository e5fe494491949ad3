"""Serverless variables resolved offline: each form, fallbacks, what only the deploy knows,
and the mistakes `serverless deploy` refuses (a missing key, a missing file, a cycle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.model.errors import InputError
from auditor.template.serverless_vars import Unknown, Variables, decode_yaml

DOCUMENT = {
    "service": "items",
    "custom": {
        "tables": {"dev": "items-dev", "prod": "items-live"},
        "name": "${self:service}-${sls:stage}",
        "list": ["a", "b"],
        "port": 8080,
        "loopA": "${self:custom.loopB}",
        "loopB": "x-${self:custom.loopA}",
    },
    "provider": {"stage": "${opt:stage, 'dev'}"},
}


def variables(tmp_path: Path, stage: str = "dev", given: bool = False, **options: str) -> Variables:
    return Variables(tmp_path / "serverless.yml", DOCUMENT, stage, "eu-west-1", options, given)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${self:service}", "items"),
        ("${self:custom.name}", "items-dev"),  # a value that is itself variables
        ("${self:custom.tables.${sls:stage}}", "items-dev"),  # nested in the address
        ("${self:custom.list.1}", "b"),
        ("${self:custom.port}", 8080),  # a whole-string variable keeps its type
        ("port-${self:custom.port}", "port-8080"),
        ("${self:custom.tables}", {"dev": "items-dev", "prod": "items-live"}),
        ("${sls:stage}", "dev"),
        ("${opt:region}", "eu-west-1"),
        ("${aws:region}", "eu-west-1"),
        ("${opt:stage, 'test'}", "test"),  # no --stage: the fallback
        ('${opt:stage, "test"}', "test"),
        ("${opt:stage, test}", "test"),  # Serverless v2's unquoted fallback
        ("${opt:stage, 3}", 3),
        ("${env:STAGE, 'qa'}", "qa"),  # the environment is never read: its default is
        ("${env:STAGE, ${self:custom.name}}", "items-dev"),  # a variable as fallback
        ("${self:custom.none, ${env:NO, 'deep'}}", "deep"),  # fallbacks chain
        ("${param:tier, 'free'}", "free"),
        ("${opt:missing, 'x'}", "x"),
        # CloudFormation's own ${...} are Fn::Sub's, not variables: kept as written.
        (
            "arn:${AWS::Partition}:${UserPool.Arn}:${AWS::Region}",
            "arn:${AWS::Partition}:${UserPool.Arn}:${AWS::Region}",
        ),
        ("${!Literal}", "${!Literal}"),
        ("no variables", "no variables"),
    ],
)
def test_variable_forms(tmp_path: Path, text: str, expected: Any) -> None:
    assert variables(tmp_path).resolve(text) == expected


def test_command_line_stage_and_parameters(tmp_path: Path) -> None:
    resolver = variables(tmp_path, stage="prod", given=True, tier="gold")
    assert resolver.resolve("${opt:stage, 'dev'}") == "prod"
    assert resolver.resolve("${self:custom.tables.${opt:stage}}") == "items-live"
    assert resolver.resolve("${param:tier, 'free'}") == "gold"
    assert resolver.resolve("${opt:tier}") == "gold"


def test_structures_are_resolved_throughout(tmp_path: Path) -> None:
    value = {"a": ["${sls:stage}", {"b": "${self:custom.port}"}], "c": 1}
    assert variables(tmp_path).resolve(value) == {"a": ["dev", {"b": 8080}], "c": 1}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("${env:TABLE}", "${env:TABLE} is read at deploy time, and has no default"),
        ("${cf:stack.Output}", "${cf:stack.Output} is known only at deploy time"),
        ("${ssm:/a/b}", "${ssm:/a/b} is known only at deploy time"),
        ("${aws:accountId}", "${aws:accountId} is known only at deploy time"),
        ("x-${s3:bucket/key}", "${s3:bucket/key} is known only at deploy time"),
        (
            "${file(./config.js):value}",
            "${file(./config.js):value}: only YAML and JSON files can be read offline",
        ),
        # an unknown primary and no fallback: the first unknown is the reason
        ("${env:A, ${ssm:/b}}", "${env:A} is read at deploy time, and has no default"),
    ],
)
def test_what_only_the_deploy_knows_is_unknown(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(Unknown) as raised:
        variables(tmp_path).resolve(text)
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # Serverless falls back only on null: these have a value at deploy time, which may
        # be a Lambda authorizer where the fallback says aws_iam.
        ("${ssm:/items/post-authorizer, aws_iam}", "${ssm:/items/post-authorizer}"),
        ("${cf:stack.Output, 'fallback'}", "${cf:stack.Output}"),
        ("${s3:bucket/key, ${self:service}}", "${s3:bucket/key}"),
        ("${aws:accountId, '123456789012'}", "${aws:accountId}"),
        ("${opt:missing, ${ssm:/a}, 'x'}", "${ssm:/a}"),  # a fallback that is unknown
    ],
)
def test_an_unknown_with_a_fallback_is_still_unknown(
    tmp_path: Path, text: str, reason: str
) -> None:
    with pytest.raises(Unknown) as raised:
        variables(tmp_path).resolve(text)
    assert raised.value.reason == f"{reason} is known only at deploy time"


def test_env_alone_takes_its_fallback(tmp_path: Path) -> None:
    # The project's decision: the build machine's environment is not the deploy's.
    assert variables(tmp_path).resolve("${env:AUTHORIZER, aws_iam}") == "aws_iam"
    assert variables(tmp_path).resolve("${env:A, ${env:B, 'b'}}") == "b"


def test_files_relative_to_the_serverless_yml(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "dev.yml").write_text(
        "table: t-${sls:stage}\nnested:\n  key: 5\nself: ${self:service}\n"
    )
    (tmp_path / "config" / "data.json").write_text('{"port": 9}')
    resolver = variables(tmp_path)
    assert resolver.resolve("${file(config/${sls:stage}.yml):table}") == "t-dev"
    assert resolver.resolve("${file(./config/dev.yml):nested.key}") == 5
    # ${self:} inside an included file is the serverless.yml
    assert resolver.resolve("${file(config/dev.yml):self}") == "items"
    assert resolver.resolve("${file(config/data.json)}") == {"port": 9}
    assert resolver.resolve("${file(config/dev.yml):none, 'd'}") == "d"


def test_an_included_file_keeps_its_line_marks(tmp_path: Path) -> None:
    (tmp_path / "r.yml").write_text("Resources:\n  Pool:\n    Type: AWS::Cognito::UserPool\n")
    document = variables(tmp_path).shallow("${file(r.yml)}")
    [key] = list(document["Resources"])
    assert (key, key.start_mark.line) == ("Pool", 1)


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("${self:custom.none}", "${self:custom.none}", "no value"),
        ("${opt:stage}", "${opt:stage}", "no value"),  # no --stage, no fallback
        ("${self:custom.loopA}", "self:custom.loopA", "cycle"),
        ("${self:custom", "${self:custom", "closing"),
        ("x-${self:custom.tables}", "${self:custom.tables}", "not a string"),
    ],
)
def test_mistakes_are_input_errors_naming_the_variable(
    tmp_path: Path, text: str, field: str, words: str
) -> None:
    with pytest.raises(InputError) as raised:
        variables(tmp_path).resolve(text)
    assert raised.value.source == str(tmp_path / "serverless.yml")
    assert raised.value.field == field
    assert words in raised.value.problem


def test_a_cycle_names_its_chain(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        variables(tmp_path).resolve("${self:custom.loopB}")
    assert raised.value.problem == (
        "variables refer in a cycle: self:custom.loopB -> self:custom.loopA -> self:custom.loopB"
    )


def test_a_missing_or_malformed_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as missing:
        variables(tmp_path).resolve("${file(none.yml)}")
    assert (missing.value.source, missing.value.field) == (
        str(tmp_path / "serverless.yml"),
        str(tmp_path / "none.yml"),
    )
    bad = tmp_path / "bad.yml"
    bad.write_text("a: [1, 2\nb: 3\n")
    with pytest.raises(InputError) as malformed:
        decode_yaml(bad, referenced_from=tmp_path / "serverless.yml")
    assert malformed.value.source == str(bad)
    assert malformed.value.field is not None and malformed.value.field.startswith("line ")


def test_an_unreadable_included_file_is_one_line(tmp_path: Path) -> None:
    binary = tmp_path / "blob.yml"
    binary.write_bytes(b"\xff\xfe\x00\x01key: [\n")
    with pytest.raises(InputError) as raised:
        variables(tmp_path).resolve("${file(blob.yml)}")
    assert raised.value.source == str(binary)
    assert "\n" not in str(raised.value)
