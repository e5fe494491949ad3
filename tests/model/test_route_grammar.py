"""The route grammar (auditor/model/route_grammar.py): one definition, read the same by the
baseline schema, the baseline parser, the snapshot model and the policy engine."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model.baseline import RoutePattern
from auditor.model.baseline_file import baseline_schema
from auditor.model.route_grammar import (
    MAX_PATTERN_LENGTH,
    ROUTE_PATH_REGEX,
    ROUTE_PATTERN_REGEX,
    STAGE_NAME_REGEX,
    path_template_problem,
    route_path_problem,
    route_pattern_problem,
    stage_name_problem,
)

# Characters that make or break a route: the grammar's own, and the ones it refuses.
ALPHABET = "GETPOSANY* /{}+a1._-:?#%\n\t\x00é"


def test_the_schema_publishes_the_grammar() -> None:
    schema = baseline_schema()
    route = schema["$defs"]["routePattern"]
    assert route["pattern"] == ROUTE_PATTERN_REGEX
    assert route["maxLength"] == MAX_PATTERN_LENGTH
    stage = schema["properties"]["apis"]["items"]["properties"]["stage"]
    assert stage["pattern"] == STAGE_NAME_REGEX


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("GET /a//b", "a path has no empty segment ('//')"),
        ("GET /{", "segment '{': a parameter is a whole segment '{name}', without stray braces"),
        ("GET /{id}}", "segment '{id}}': a parameter is a whole segment"),
        ("GET /x{id}", "segment 'x{id}': a parameter is a whole segment"),
        ("GET /{proxy+}/x", "a greedy {proxy+} must be the last path segment"),
        ("GET /{proxy+}/*", "a greedy {proxy+} must be the last path segment"),
        ("GET /{}", "segment '{}': a parameter needs a name"),
        ("GET /{+}", "segment '{+}': a parameter needs a name"),
        ("GET /items?x=1", "'?' is not allowed: a route path has no query string or fragment"),
        ("GET /items#top", "'#' is not allowed"),
        ("GET /items/\n", "the path must not contain whitespace ('\\n')"),
        ("GET /items\n", "the path must not contain whitespace ('\\n')"),
        ("GET /a\x00", "the path must not contain a control character (U+0000)"),
        ("GET /items/", "a path must not end with '/'"),
        ("GET /a//*", "a path has no empty segment ('//')"),
        ("GET /a*", "'*' is only allowed as a final '/*'"),
        ("GET /a/*/b", "'*' is only allowed as a final '/*'"),
        ("GET /café", "'é' is not allowed in a path"),
        ("GET a", "a route path starts with '/'"),
        ("GET  /a", "expected 'METHOD PATH' separated by one space, or $default"),
        ("/a", "expected 'METHOD PATH'"),
        ("FETCH /a", "unknown method 'FETCH'; expected one of GET, POST"),
        ("get /a", "unknown method 'get' (methods are upper case)"),
    ],
)
def test_a_bad_pattern_is_refused_everywhere_with_the_part_named(text: str, problem: str) -> None:
    said = route_pattern_problem(text)
    assert said is not None and said.startswith(problem)
    assert "\n" not in said
    assert re.search(ROUTE_PATTERN_REGEX, text) is None
    with pytest.raises(ValueError, match=re.escape(problem)):
        RoutePattern.parse(text)


@pytest.mark.parametrize(
    ("text", "method", "path", "beneath"),
    [
        ("$default", "ANY", "$default", False),
        ("GET /", "GET", "/", False),
        ("* /*", "*", "/", True),
        ("ANY /{proxy+}", "ANY", "/{proxy+}", False),
        ("DELETE /items/{id}/tags/{tag}", "DELETE", "/items/{id}/tags/{tag}", False),
        ("HEAD /a/b/*", "HEAD", "/a/b/", True),
        ("GET /v1/events:batchGet", "GET", "/v1/events:batchGet", False),
        ("POST /{id}/files/{path+}", "POST", "/{id}/files/{path+}", False),
    ],
)
def test_a_good_pattern_parses(text: str, method: str, path: str, beneath: bool) -> None:
    assert route_pattern_problem(text) is None
    assert re.search(ROUTE_PATTERN_REGEX, text) is not None
    parsed = RoutePattern.parse(text)
    assert (parsed.method, parsed.path, parsed.beneath, str(parsed)) == (
        method,
        path,
        beneath,
        text,
    )


@settings(max_examples=400)
@given(st.text(alphabet=ALPHABET, max_size=24) | st.from_regex(ROUTE_PATTERN_REGEX))
def test_the_checks_and_the_regex_agree_on_patterns(text: str) -> None:
    """The regex (schema) and the checks (parser, messages) are one grammar."""
    accepted = re.search(ROUTE_PATTERN_REGEX, text) is not None
    assert (route_pattern_problem(text) is None) == accepted


@settings(max_examples=400)
@given(st.text(alphabet=ALPHABET, max_size=24) | st.from_regex(ROUTE_PATH_REGEX))
def test_the_checks_and_the_regex_agree_on_paths(path: str) -> None:
    accepted = re.search(ROUTE_PATH_REGEX, path) is not None
    assert (route_path_problem(path) is None) == accepted
    if path != "$default":
        # The engine reads templates by the same grammar (and `$default` never reaches it).
        assert (path_template_problem(path) is None) == accepted


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("", "a route path starts with '/'"),
        ("x", "a route path starts with '/'"),
        ("/{proxy+}/x", "a greedy {proxy+} must be the last path segment"),
        ("/a/*", "a route path has no '*'"),
    ],
)
def test_a_route_path_is_a_template_or_default(path: str, problem: str) -> None:
    assert route_path_problem(path) == problem
    assert route_path_problem("$default") is None
    assert path_template_problem("$default") is not None  # no template of its own


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("prod", None),
        ("$default", None),
        ("v2_beta-1", None),
        ("", "a stage name must not be empty"),
        ("x" * 129, "a stage name has at most 128 characters, not 129"),
        ("my stage", "'my stage' is not a stage name (letters, digits, '-' and '_')"),
        ("prod\n", "'prod\\n' is not a stage name"),
        ("x" * 10**6 + "!", "a stage name has at most 128 characters, not 1000001"),
    ],
)
def test_stage_names(name: str, problem: str | None) -> None:
    said = stage_name_problem(name)
    if problem is None:
        assert said is None
    else:
        assert said is not None and said.startswith(problem)
    assert (re.search(STAGE_NAME_REGEX, name) is None) == (problem is not None)


def test_a_long_value_is_not_repeated_back() -> None:
    said = route_pattern_problem("GET /" + "a" * 10**6 + " b")
    assert said == "the path must not contain whitespace (' ')"
    long_method = route_pattern_problem("X" * 10**6 + " /a")
    assert long_method is not None and len(long_method) < 200
    assert "(1000000 characters)" in long_method
