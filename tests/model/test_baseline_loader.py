"""Loading and validating baseline files: the contract example, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from auditor.audit.routes import pattern_covers
from auditor.model.baseline import Baseline, RoutePattern
from auditor.model.baseline_file import (
    BaselineProblem,
    baseline_schema,
    load_baseline,
    validate_baseline_file,
)
from auditor.model.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "baseline.yaml"

MINIMAL = """\
version: 1
user_pool: {id: us-east-1_AbCdEf012}
identity_pool: {id: "us-east-1:0d3a1c2b-7e4f-4a5b-9c8d-1e2f3a4b5c6d"}
"""


def write(tmp_path: Path, text: str, name: str = "b.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_contract_example_loads() -> None:
    assert validate_baseline_file(EXAMPLE) == []
    baseline = load_baseline(EXAMPLE)
    assert baseline.source == str(EXAMPLE)
    assert baseline.user_pool.id == "us-east-1_AbCdEf012"
    assert baseline.identity_pool.role_resolution == "token"
    assert baseline.identity_pool.declares("unauthenticated_role")
    assert baseline.identity_pool.unauthenticated_role is None
    assert baseline.apis[0].id == "a1b2c3d4e5" and baseline.apis[0].stage == "prod"
    assert set(baseline.groups) == {"admin", "editors"}
    admin = baseline.groups["admin"]
    assert admin.precedence == 0
    assert admin.routes[0] == RoutePattern.parse("* /admin/*")
    assert pattern_covers(admin.routes[0], "POST", "/admin/users/{id}")
    assert [str(p) for p in baseline.declared_routes("group:editors")] == [
        "GET /items",
        "GET /items/{id}",
        "POST /items",
    ]
    assert [str(p) for p in baseline.declared_routes("default")] == [
        "GET /items",
        "GET /items/{id}",
        "GET /me",
    ]
    assert str(baseline.public_routes[0]) == "GET /health"


def test_json_baseline_loads_and_matches_yaml(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    path = write(tmp_path, json.dumps(data, indent="\t"), "b.json")  # tabs: not valid YAML
    assert load_baseline(path).model_dump() == load_baseline(EXAMPLE).model_dump()


def test_yaml_flow_mapping_is_not_mistaken_for_json(tmp_path: Path) -> None:
    path = write(tmp_path, "{version: 1, user_pool: {name: app}, identity_pool: {name: app}}")
    baseline = load_baseline(path)
    assert baseline.user_pool.name == "app" and baseline.identity_pool.name == "app"


def test_omitted_settings_are_not_declared(tmp_path: Path) -> None:
    baseline = load_baseline(write(tmp_path, MINIMAL))
    assert isinstance(baseline, Baseline)
    assert not baseline.identity_pool.declares("authenticated_role")
    assert baseline.groups == {} and baseline.apis == []


def test_default_route_and_every_method_accepted(tmp_path: Path) -> None:
    routes = [
        "$default",
        "ANY /{proxy+}",
        "* /*",
        "GET /",
        "OPTIONS /files/{proxy+}",
        "HEAD /a/b/*",
    ]
    path = write(tmp_path, MINIMAL + f"public_routes: {json.dumps(routes)}\n")
    assert [str(p) for p in load_baseline(path).public_routes] == routes


# (case id, text appended to / replacing MINIMAL, expected path, expected message fragment)
BAD_BASELINES = [
    (
        "wrong-version",
        MINIMAL.replace("version: 1", "version: 2"),
        "version",
        "2 is not a supported version; expected 1",
    ),
    (
        "version-as-string",
        MINIMAL.replace("version: 1", 'version: "1"'),
        "version",
        "'1' is not a supported version",
    ),
    ("missing-version", MINIMAL.replace("version: 1\n", ""), "", "'version' is required"),
    (
        "typo-top-level",
        MINIMAL + "grups: {}\n",
        "grups",
        "unknown key 'grups'; did you mean 'groups'?",
    ),
    (
        "typo-in-group",
        MINIMAL + "groups: {admin: {precedance: 1}}\n",
        "groups.admin.precedance",
        "did you mean 'precedence'?",
    ),
    (
        "negative-precedence",
        MINIMAL + "groups: {admin: {precedence: -1}}\n",
        "groups.admin.precedence",
        "must be 0 or more, not -1",
    ),
    (
        "precedence-not-int",
        MINIMAL + "groups: {admin: {precedence: high}}\n",
        "groups.admin.precedence",
        "expected a whole number or null, not the text 'high'",
    ),
    (
        "bad-group-role-arn",
        MINIMAL + "groups: {admin: {role: 'arn:aws:iam::1234:role/x'}}\n",
        "groups.admin.role",
        "is not an IAM role ARN",
    ),
    (
        "user-arn-not-role",
        MINIMAL.replace('"}\n', '", authenticated_role: "arn:aws:iam::123456789012:user/bob"}\n'),
        "identity_pool.authenticated_role",
        "is not an IAM role ARN",
    ),
    (
        "path-without-slash",
        MINIMAL + 'routes: {all_users: ["GET /a", "GET /b", "GET admin"]}\n',
        "routes.all_users[2]",
        "'GET admin' is not a route pattern: a route path starts with '/'",
    ),
    (
        "star-in-middle",
        MINIMAL + 'public_routes: ["GET /admin/*/x"]\n',
        "public_routes[0]",
        "'*' is only allowed as a final '/*'",
    ),
    (
        "star-suffix-without-slash",
        MINIMAL + 'groups: {a: {routes: ["GET /admin*"]}}\n',
        "groups.a.routes[0]",
        "'*' is only allowed as a final '/*'",
    ),
    (
        "unknown-method",
        MINIMAL + 'routes: {default: ["FETCH /x"]}\n',
        "routes.default[0]",
        "unknown method 'FETCH'",
    ),
    (
        "lowercase-method",
        MINIMAL + 'routes: {default: ["get /x"]}\n',
        "routes.default[0]",
        "methods are upper case",
    ),
    (
        "no-method",
        MINIMAL + 'routes: {default: ["/x"]}\n',
        "routes.default[0]",
        "expected 'METHOD PATH'",
    ),
    (
        "user-pool-both",
        MINIMAL.replace("{id: us-east-1_AbCdEf012}", "{id: us-east-1_AbCdEf012, name: app}"),
        "user_pool",
        "give either 'id' or 'name', not both",
    ),
    (
        "user-pool-neither",
        MINIMAL.replace("{id: us-east-1_AbCdEf012}", "{}"),
        "user_pool",
        "needs 'id' or 'name'",
    ),
    (
        "api-neither",
        MINIMAL + "apis: [{id: abc}, {stage: prod}]\n",
        "apis[1]",
        "needs 'id' or 'name'",
    ),
    (
        "bad-role-resolution",
        MINIMAL.replace('"}\n', '", role_resolution: groups}\n'),
        "identity_pool.role_resolution",
        "'groups' is not one of: token, rules, default",
    ),
    (
        "group-prefix",
        MINIMAL + "groups: {'group:admin': {}}\n",
        'groups["group:admin"]',
        "without the 'group:' prefix",
    ),
    (
        "claim-key",
        MINIMAL + "claims: {'custom:tier gold': {routes: []}}\n",
        'claims["custom:tier gold"]',
        "is not '<Claim> <MatchType> <Value>'",
    ),
    (
        "claim-unknown-field",
        MINIMAL + "claims: {'custom:tier Equals gold': {role: null, users: []}}\n",
        'claims["custom:tier Equals gold"].users',
        "unknown key 'users'",
    ),
    (
        "app-client-id",
        MINIMAL.replace('"}\n', '", app_clients: ["not an id"]}\n'),
        "identity_pool.app_clients[0]",
        "'not an id' is not an app client id",
    ),
    (
        "numeric-group-name",
        MINIMAL + "groups: {2024: {}}\n",
        "groups.2024",
        "must be a string (quote it)",
    ),
]


@pytest.mark.parametrize(
    ("text", "path", "fragment"), [c[1:] for c in BAD_BASELINES], ids=[c[0] for c in BAD_BASELINES]
)
def test_bad_baseline_reports_path_and_message(
    tmp_path: Path, text: str, path: str, fragment: str
) -> None:
    file = write(tmp_path, text)
    problems = validate_baseline_file(file)
    assert problems, "expected a problem"
    assert problems[0].path == path
    assert fragment in problems[0].message
    with pytest.raises(InputError) as caught:
        load_baseline(file)
    assert caught.value.field == (path or None)
    assert str(caught.value) == str(problems[0])
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"{file}: ")


def test_every_problem_reported_sorted_by_path(tmp_path: Path) -> None:
    text = MINIMAL + (
        "grups: {}\n"
        "routes: {all_users: ['GET /ok', 'GET a', 'GET /b', 'GET /c', 'GET /d', 'GET /e',"
        " 'GET /f', 'GET /g', 'GET /h', 'GET /i', 'GET j']}\n"
        "groups: {admin: {precedence: -1, role: nope}}\n"
    )
    problems = validate_baseline_file(write(tmp_path, text))
    assert [p.path for p in problems] == [
        "groups.admin.precedence",
        "groups.admin.role",
        "grups",
        "routes.all_users[1]",
        "routes.all_users[10]",
    ]


def test_problem_str_is_file_path_message(tmp_path: Path) -> None:
    problem = BaselineProblem(
        "b.yaml", "groups.admin.precedence", "-1 is less than the minimum of 0"
    )
    assert str(problem) == "b.yaml: groups.admin.precedence: -1 is less than the minimum of 0"
    assert str(BaselineProblem("b.yaml", "", "the file is empty")) == "b.yaml: the file is empty"


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    file = write(tmp_path, "version: 1\nuser_pool:\n  id: x\n   name: y\n")
    with pytest.raises(InputError) as caught:
        load_baseline(file)
    assert caught.value.field is None
    assert caught.value.problem.startswith("line 4, column ")
    assert "invalid YAML" in caught.value.problem
    assert [p.message for p in validate_baseline_file(file)] == [caught.value.problem]


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    text = MINIMAL + "groups:\n  admin: {precedence: 0}\n  admin: {precedence: 5}\n"
    file = write(tmp_path, text)
    expected = r"line 6, column 3: invalid YAML: .*duplicate key 'admin'"
    with pytest.raises(InputError, match=expected):
        load_baseline(file)


def test_yaml_aliases_are_refused_even_for_a_merge_key(tmp_path: Path) -> None:
    text = MINIMAL + (
        "groups:\n"
        "  admin: &base {precedence: 0, role: 'arn:aws:iam::123456789012:role/a'}\n"
        "  ops:\n    <<: *base\n    precedence: 5\n"
    )
    with pytest.raises(InputError, match=r"line \d+, column 9: YAML aliases \(\*base\)"):
        load_baseline(write(tmp_path, text))


def test_duplicate_json_key_is_an_error(tmp_path: Path) -> None:
    file = write(tmp_path, '{"version": 1, "version": 1}', "b.json")
    with pytest.raises(InputError, match="duplicate key 'version'"):
        load_baseline(file)


def test_bad_json_names_the_line(tmp_path: Path) -> None:
    file = write(tmp_path, '{\n  "version": 1,\n}\n', "b.json")
    with pytest.raises(InputError, match=r"line 3, column 1: invalid JSON"):
        load_baseline(file)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- version: 1\n", "the top level must be a mapping, not a list"),
        ("just a string\n", "the top level must be a mapping, not a str"),
    ],
)
def test_not_a_mapping(tmp_path: Path, text: str, message: str) -> None:
    file = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_baseline(file)
    assert caught.value.field is None
    assert caught.value.problem.startswith(message)
    assert str(caught.value) == f"{file}: {caught.value.problem}"


def test_missing_file(tmp_path: Path) -> None:
    file = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as caught:
        load_baseline(file)
    assert str(caught.value) == f"{file}: no such file"
    assert [str(p) for p in validate_baseline_file(file)] == [f"{file}: no such file"]


def test_directory_and_binary_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        load_baseline(tmp_path)
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00version")
    with pytest.raises(InputError, match="not UTF-8"):
        load_baseline(binary)


def test_baseline_schema_is_a_fresh_copy() -> None:
    schema = baseline_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    schema["properties"].clear()
    assert "groups" in baseline_schema()["properties"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: " + "[" * 50_000,
            "line 1, column 1009: invalid YAML: while increasing flow level exceeded maximum "
            "nesting depth",
        ),
        ("version: " + "9" * 5_000, "cannot be read as YAML: a number is too long"),
    ],
)
def test_yaml_past_the_parsers_limits_is_one_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "baseline.yaml"
    path.write_text(text)
    assert [(p.path, p.message) for p in validate_baseline_file(path)] == [("", message)]
