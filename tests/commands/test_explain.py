"""`auditor explain` says what the audit's matrix says, for every kind of route."""

from __future__ import annotations

import re

import pytest

from auditor.checks.run import audit
from auditor.commands.explain import explain_access
from auditor.model.baseline import Baseline
from auditor.model.snapshot import Api, Group, Route, Snapshot
from tests.support.snapshots import (
    GUEST_ROLE,
    POOL,
    REGION,
    USER_POOL,
    iam_role,
    identity_pool,
    role,
    snapshot,
    token,
)

ARN = f"arn:aws:execute-api:{REGION}:123456789012:api1/prod"
ROUTES = {
    "GET /items": "AWS_IAM",
    "GET /health": "NONE",
    "GET /me": "COGNITO_USER_POOLS",
    "GET /hooks": "CUSTOM",
}


def _world(guests: bool) -> tuple[Snapshot, Baseline]:
    """A group, the default role and guests (with a role or without credentials)."""
    routes = [
        Route(method=text.split()[0], path=text.split()[1], authorization_type=kind)  # type: ignore[arg-type]
        for text, kind in ROUTES.items()
    ]
    api = Api(id="api1", name="app", kind="REST", stages=["prod"], routes=routes)
    roles = (iam_role("app-default"), iam_role("admins", f"{ARN}/GET/items"), iam_role("app-guest"))
    pool = identity_pool(token(), allow_unauthenticated=guests, unauthenticated_role=GUEST_ROLE)
    world = snapshot(
        [Group(name="admins", role_arn=role("admins"), precedence=1)], pool
    ).model_copy(update={"roles": {r.arn: r for r in roles}, "apis": [api]})
    baseline = Baseline.model_validate(
        {
            "version": 1,
            "region": REGION,
            "user_pool": {"id": USER_POOL},
            "identity_pool": {"id": POOL, "role_resolution": "token"},
            "apis": [{"id": "api1", "stage": "prod"}],
            "groups": {"admins": {"precedence": 1, "role": role("admins")}},
        }
    )
    return world, baseline


@pytest.mark.parametrize("guests", [True, False])
def test_explain_gives_the_matrix_verdict_on_every_route(guests: bool) -> None:
    world, baseline = _world(guests)
    matrix = {(c.persona, c.route): c.verdict for c in audit(world, baseline).access_matrix}
    for persona in {persona for persona, _ in matrix}:
        for route, kind in ROUTES.items():
            text = explain_access(world, baseline, persona, route)
            said = re.findall(r"^  verdict   (\w+)", text, flags=re.MULTILINE)
            assert said == [matrix[persona, route]], (persona, route, text)
            governed = "not governed by IAM" not in text
            assert governed is (kind == "AWS_IAM"), (persona, route, text)
