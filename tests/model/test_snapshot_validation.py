"""A snapshot file is validated when it is read: a shape nothing downstream can handle is one
InputError (exit 2) naming the file and the field, in one line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auditor.model.errors import InputError
from auditor.model.snapshot import Snapshot

MEGA = "x" * 1_000_000
POOL = "us-east-1_AbCdEf012"
IDENTITY_POOL = "us-east-1:0d3a0000-0000-0000-0000-000000000000"
ROLE = "arn:aws:iam::123456789012:role/app"


def _snapshot(**changes: Any) -> dict[str, Any]:
    route = {"method": "GET", "path": "/items/{id}", "authorization_type": "AWS_IAM"}
    return {
        "schema_version": "1",
        "region": "us-east-1",
        "account_id": "123456789012",
        "target": {"user_pool": {"id": POOL}, "identity_pool": {"id": IDENTITY_POOL}},
        "user_pool": {
            "id": POOL,
            "name": "users",
            "groups": [{"name": "admin", "role_arn": ROLE, "precedence": 0}],
        },
        "identity_pool": {"id": IDENTITY_POOL, "name": "ids", "authenticated_role": ROLE},
        "apis": [
            {"id": "api1", "name": "app", "kind": "REST", "stages": ["prod"], "routes": [route]}
        ],
        **changes,
    }


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = _snapshot()
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def test_the_valid_snapshot_loads() -> None:
    snapshot = Snapshot.from_json(json.dumps(_snapshot()), source="s.json")
    assert snapshot.apis[0].routes[0].key == "GET /items/{id}"


@pytest.mark.parametrize(
    ("path", "value", "field", "problem"),
    [
        (("apis", 0, "stages", 0), MEGA, "apis.0.stages.0", "at most 128 characters"),
        (("apis", 0, "stages", 0), "my stage", "apis.0.stages.0", "'my stage' is not a stage name"),
        (("user_pool", "groups", 0, "name"), MEGA, "user_pool.groups.0.name", "at most 128"),
        (
            ("user_pool", "groups", 0, "precedence"),
            2**31,
            "user_pool.groups.0.precedence",
            "2147483647",
        ),
        (("user_pool", "groups", 0, "precedence"), -1, "user_pool.groups.0.precedence", "0"),
        (
            ("user_pool", "groups", 0, "role_arn"),
            "a role",
            "user_pool.groups.0.role_arn",
            "pattern",
        ),
        (("user_pool", "id"), MEGA, "user_pool.id", "at most 55 characters"),
        (
            ("apis", 0, "routes", 0, "method"),
            "FETCH",
            "apis.0.routes.0.method",
            "expected one of GET",
        ),
        (("apis", 0, "routes", 0, "path"), "", "apis.0.routes.0.path", "starts with '/'"),
        (("apis", 0, "routes", 0, "path"), "x", "apis.0.routes.0.path", "starts with '/'"),
        (
            ("apis", 0, "routes", 0, "path"),
            "/{proxy+}/x",
            "apis.0.routes.0.path",
            "a greedy {proxy+} must be the last path segment",
        ),
        (("apis", 0, "routes", 0, "path"), "/a//b", "apis.0.routes.0.path", "no empty segment"),
        (("apis", 0, "routes", 0, "path"), "/" + MEGA, "apis.0.routes.0.path", "at most 1024"),
        (("apis", 0, "routes", 0, "path"), "$default", "apis.0.routes.0", "method is ANY"),
        (
            ("apis", 0, "routes", 0, "authorization_type"),
            "aws iam",
            "apis.0.routes.0.authorization_type",
            "pattern",
        ),
        (("apis", 0, "id"), "api-1/x", "apis.0.id", "pattern"),
        (("account_id",), "12345", "account_id", "pattern"),
        (
            ("identity_pool", "role_mappings"),
            {
                "k": {
                    "type": "Rules",
                    "rules": [
                        {"claim": "c", "match_type": "Equals", "value": "v", "role_arn": ROLE}
                    ]
                    * 101,
                }
            },
            "identity_pool.role_mappings.k.rules",
            "at most 100 items",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_file_and_field(
    path: tuple[Any, ...], value: Any, field: str, problem: str
) -> None:
    with pytest.raises(InputError) as caught:
        Snapshot.from_json(json.dumps(_with(path, value)), source="s.json")
    assert caught.value.field == field
    assert problem in caught.value.problem
    message = str(caught.value)
    assert message.startswith(f"s.json: {field}: ")
    assert "\n" not in message and len(message) < 300
