"""Every `pattern` of every published schema means the same under ECMA-262 (what JSON Schema
specifies, and editors run) and Python's `re` (what jsonschema runs): no trailing newline
accepted, no Unicode digit or space taken for an ASCII one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model.route_grammar import END

# Shorthands and constructs the two engines read differently: \w \d \s \b are Unicode-aware
# in Python and ASCII (or another set) in ECMA-262; '.' stops at \r and \u2028 in ECMA-262
# only; \A \Z, named groups, lookbehind and inline flags are one engine's alone.
_DIVERGENT = re.compile(r"\\[wWdDsSbBAZz]|\(\?P|\(\?<|\(\?[aiLmsux]")


def _walk(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{pointer}/{key}"
            if key == "pattern" and isinstance(value, str):
                yield here, value
            elif key == "patternProperties" and isinstance(value, dict):
                yield from ((f"{here}/{p}", p) for p in value)
            yield from _walk(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{pointer}/{index}")


def _schema_patterns() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in sorted(resources.files("auditor.schemas").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".schema.json"):
            found += _walk(json.loads(entry.read_text("utf-8")), entry.name + "#")
    return found


PATTERNS = _schema_patterns()

# Values each pattern accepts: the seeds of the probes both engines must read alike.
EXAMPLES: dict[str, list[str]] = {
    "baseline.schema.json#/properties/region/pattern": ["us-east-1", "cn-northwest-1"],
    "baseline.schema.json#/properties/user_pool/properties/id/pattern": ["us-east-1_AbCdEf012"],
    "baseline.schema.json#/properties/identity_pool/properties/id/pattern": [
        "us-east-1:0d3a1c2b-7e4f-4a5b-9c8d-1e2f3a4b5c6d"
    ],
    "baseline.schema.json#/properties/identity_pool/properties/app_clients/items/pattern": [
        "1h57kf5cpq17m0eml12EXAMPLE"
    ],
    "baseline.schema.json#/properties/apis/items/properties/id/pattern": ["a1b2c3d4e5"],
    "baseline.schema.json#/properties/apis/items/properties/stage/pattern": ["prod", "$default"],
    "baseline.schema.json#/properties/groups/propertyNames/not/pattern": ["group:admin"],
    "baseline.schema.json#/properties/claims/propertyNames/pattern": [
        "custom:tier Equals gold",
        "email StartsWith a b",
    ],
    "baseline.schema.json#/$defs/roleArn/pattern": ["arn:aws:iam::123456789012:role/a/b-c"],
    "baseline.schema.json#/$defs/routePattern/pattern": [
        "GET /items/{id}",
        "* /admin/*",
        "ANY /{proxy+}",
        "$default",
    ],
    "baseline.schema.json#/properties/accepted/items/properties/reason/pattern": [
        "legacy role, ticket SEC-12",
        " x",
    ],
    "baseline.schema.json#/properties/accepted/items/properties/expires/pattern": ["2026-12-31"],
    "rule.schema.json#/properties/id/pattern": ["missing-route", "trust-missing-aud"],
    "rule.schema.json#/properties/references/items/pattern": ["https://docs.aws.amazon.com/x"],
    "targets.schema.json#/properties/organization/properties/ou/pattern": [
        "ou-abcd-12345678",
        "r-ab12",
    ],
    "targets.schema.json#/$defs/region/pattern": ["us-east-1", "us-gov-west-1"],
    "targets.schema.json#/$defs/accountId/pattern": ["012345678901"],
    "targets.schema.json#/$defs/roleArn/pattern": ["arn:aws-cn:iam::123456789012:role/a/b"],
    "targets.schema.json#/$defs/roleName/pattern": ["cognito-route-auditor"],
    "targets.schema.json#/$defs/externalId/pattern": ["ext-123", "a:b/c=d@e"],
    "targets.schema.json#/$defs/profile/pattern": ["audit", "sso.prod-admin"],
    "targets.schema.json#/$defs/target/properties/name/pattern": ["prod", "eu.stage-2"],
}


def _probes(example: str) -> list[str]:
    """`example` and the variants on which the engines could part ways."""
    return [
        example,
        example + "\n",
        "\n" + example,
        example + "\r",
        example + "\u2028",
        example[:-1] + "\u0663",  # ARABIC-INDIC DIGIT THREE: \d in Python's re
        example[:-1] + "é",  # \w in Python's re
        example[:1] + "\u00a0" + example[1:],  # NO-BREAK SPACE: \s in both, \S in neither
        example + "\U0001f600",  # one code point in Python, two UTF-16 units in ECMA-262
        example + example,
    ]


def test_every_pattern_has_examples() -> None:
    assert PATTERNS  # not vacuous
    assert sorted(EXAMPLES) == sorted(pointer for pointer, _ in PATTERNS)
    for pointer, pattern in PATTERNS:
        assert all(re.search(pattern, example) for example in EXAMPLES[pointer]), pointer


@pytest.mark.parametrize(("pointer", "pattern"), PATTERNS, ids=[p for p, _ in PATTERNS])
def test_pattern_uses_only_what_both_engines_share(pointer: str, pattern: str) -> None:
    assert pattern.startswith("^"), "anchor the start"
    assert not _DIVERGENT.search(pattern), "a construct the engines read differently"
    outside_classes = re.sub(r"\[(?:\\.|[^\]\\])*\]|\\.", "", pattern)
    assert "." not in outside_classes, "'.' differs on \\r and \\u2028: use a class"
    # `$` matches before a final newline in Python: end with END ($ then no newline).
    ends = [m.start() for m in re.finditer(r"\$", outside_classes)]
    assert len(ends) == pattern.count(END), "every end anchor is END"


@settings(max_examples=60)
@given(data=st.data())
@pytest.mark.parametrize(("pointer", "pattern"), PATTERNS, ids=[p for p, _ in PATTERNS])
def test_a_trailing_newline_is_never_accepted(
    pointer: str, pattern: str, data: st.DataObject
) -> None:
    text = data.draw(st.from_regex(pattern, fullmatch=True))
    assert re.search(pattern, text)
    if pattern.endswith(END):
        assert re.search(pattern, text + "\n") is None


_NODE = shutil.which("node")
_NODE_SCRIPT = """
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(cases.map(([p, s]) =>
  [new RegExp(p).test(s), new RegExp(p, 'u').test(s)])));
"""


@pytest.mark.skipif(_NODE is None, reason="no node to run ECMA-262 regular expressions")
def test_ecma_262_and_python_agree_on_every_probe() -> None:
    cases = [
        (pattern, probe)
        for pointer, pattern in PATTERNS
        for example in EXAMPLES.get(pointer, [])
        for probe in _probes(example)
    ]
    assert _NODE is not None
    answer = subprocess.run(
        [_NODE, "-e", _NODE_SCRIPT],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    ecma = json.loads(answer.stdout)
    differ = [
        (pattern, probe, python, plain, unicode)
        for (pattern, probe), (plain, unicode) in zip(cases, ecma, strict=True)
        if not (python := re.search(pattern, probe) is not None) == plain == unicode
    ]
    assert differ == []
