"""Matrix cells built by the audit: complete, light enough for half a million of them, and
an audit that leaves the garbage collector as it found it (the scheduler audits forever)."""

from __future__ import annotations

import gc

from auditor.audit.evaluator import AccessEvaluator, persona_context
from auditor.audit.resolve import resolve_personas
from auditor.checks.run import audit
from auditor.model.baseline import Baseline
from auditor.model.report import MatrixCell
from auditor.model.snapshot import Api, Group, InlinePolicy, Role, Route, Snapshot
from tests.support.snapshots import (
    POOL,
    REGION,
    USER_POOL,
    identity_pool,
    role,
    snapshot,
    token,
)

ARN = f"arn:aws:execute-api:{REGION}:123456789012:api1/prod"


def _role(name: str, *resources: str) -> Role:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": list(resources)}
        ],
    }
    return Role(
        arn=role(name), name=name, inline_policies=[InlinePolicy(name="routes", document=document)]
    )


def _world() -> tuple[Snapshot, Baseline]:
    groups = [
        Group(name="admins", role_arn=role("admins"), precedence=1),
        Group(name="readers", role_arn=role("readers"), precedence=2),
    ]
    roles = (
        _role("app-default", f"{ARN}/GET/items"),
        _role("admins", f"{ARN}/GET/items", f"{ARN}/*/admin*"),
        _role("readers", f"{ARN}/GET/items", f"{ARN}/GET/items/42"),
    )
    api = Api(
        id="api1",
        name="app",
        kind="REST",
        stages=["prod"],
        routes=[
            Route(method="GET", path="/items", authorization_type="AWS_IAM"),
            Route(method="GET", path="/items/{id}", authorization_type="AWS_IAM"),
            Route(method="ANY", path="/admin/{proxy+}", authorization_type="AWS_IAM"),
        ],
    )
    world = snapshot(groups, identity_pool(token())).model_copy(
        update={"roles": {r.arn: r for r in roles}, "apis": [api]}
    )
    baseline = Baseline.model_validate(
        {
            "version": 1,
            "region": REGION,
            "user_pool": {"id": USER_POOL},
            "identity_pool": {"id": POOL, "role_resolution": "token"},
            "apis": [{"id": "api1", "stage": "prod"}],
            "routes": {"all_users": ["GET /items"], "default": []},
            "groups": {
                "admins": {"precedence": 1, "role": role("admins"), "routes": ["* /admin/*"]},
                "readers": {"precedence": 2, "role": role("readers")},
            },
        }
    )
    return world, baseline


def test_cells_are_complete_and_share_their_set_fields() -> None:
    cells = audit(*_world()).access_matrix

    by_key = {(c.persona, c.route): c for c in cells}
    assert by_key["group:readers", "GET /items/{id}"].verdict == "partial"
    assert by_key["group:admins", "ANY /admin/{proxy+}"].verdict == "allowed"
    assert by_key["default", "ANY /admin/{proxy+}"].verdict == "denied"
    # Every field is set, and every cell shares one set of them (not one set per cell).
    assert cells[0].model_fields_set == set(MatrixCell.model_fields)
    assert all(c.model_fields_set is cells[0].model_fields_set for c in cells)
    for cell in cells:  # the sharing changes nothing a cell says
        assert MatrixCell.model_validate_json(cell.model_dump_json()) == cell


def test_repeated_audits_freeze_nothing_and_restore_collection() -> None:
    world, baseline = _world()
    frozen = gc.get_freeze_count()
    for _ in range(2):
        audit(world, baseline)
        assert gc.isenabled()
    assert gc.get_freeze_count() == frozen  # frozen cyclic garbage is never collected


def test_one_request_context_per_persona() -> None:
    # Verdicts are keyed by the context dict's identity: one dict per persona keeps that
    # key (and what it holds) from growing with every question asked.
    world, _ = _world()
    evaluator = AccessEvaluator(world)
    for resolution in resolve_personas(world):
        context = evaluator.context_for(resolution)
        assert evaluator.context_for(resolution) is context
        assert context == persona_context(world, resolution)
