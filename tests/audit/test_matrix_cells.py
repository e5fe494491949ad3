"""Matrix cells built by the audit: complete, light enough for half a million of them, and
an audit that leaves the garbage collector and the policy engine as it found them (the
scheduler audits forever)."""

from __future__ import annotations

import gc
import sys
import weakref
from dataclasses import replace
from typing import Any

import pytest
from pydantic import ValidationError

from auditor.audit.evaluator import AccessEvaluator, persona_context
from auditor.audit.matrix import build_matrix
from auditor.audit.resolve import resolve_personas
from auditor.audit.routes import declares, iter_routes
from auditor.audit.verdicts import verdict_for
from auditor.checks.run import audit
from auditor.model.baseline import Baseline
from auditor.model.personas import UNAUTHENTICATED
from auditor.model.report import MatrixCell
from auditor.model.snapshot import Api, Group, Route, Snapshot
from auditor.policy import PolicyCache
from auditor.policy.cache import DEFAULT_CACHE
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


def _world(api_id: str = "api1", top: str = "", guests: bool = False) -> tuple[Snapshot, Baseline]:
    """Two groups and the default role on one API; `top` is a path segment above every route;
    with `guests`, a guest role reaching every route."""
    arn = f"arn:aws:execute-api:{REGION}:123456789012:{api_id}/prod"
    groups = [
        Group(name="admins", role_arn=role("admins"), precedence=1),
        Group(name="readers", role_arn=role("readers"), precedence=2),
    ]
    roles = (
        iam_role("app-guest", f"{arn}/*"),
        iam_role("app-default", f"{arn}/GET{top}/items"),
        iam_role("admins", f"{arn}/GET{top}/items", f"{arn}/*{top}/admin*"),
        iam_role("readers", f"{arn}/GET{top}/items", f"{arn}/GET{top}/items/42"),
    )
    api = Api(
        id=api_id,
        name="app",
        kind="REST",
        stages=["prod"],
        routes=[
            Route(method="GET", path=f"{top}/items", authorization_type="AWS_IAM"),
            Route(method="GET", path=f"{top}/items/{{id}}", authorization_type="AWS_IAM"),
            Route(method="ANY", path=f"{top}/admin/{{proxy+}}", authorization_type="AWS_IAM"),
            Route(method="GET", path=f"{top}/health", authorization_type="NONE"),
        ],
    )
    pool = identity_pool(token(), allow_unauthenticated=guests, unauthenticated_role=GUEST_ROLE)
    world = snapshot(groups, pool).model_copy(
        update={"roles": {r.arn: r for r in roles}, "apis": [api]}
    )
    baseline = Baseline.model_validate(
        {
            "version": 1,
            "region": REGION,
            "user_pool": {"id": USER_POOL},
            "identity_pool": {"id": POOL, "role_resolution": "token"},
            "apis": [{"id": api_id, "stage": "prod"}],
            "public_routes": [f"GET {top}/health"],
            "routes": {
                "all_users": [f"GET {top}/items"],
                "default": [],
                "unauthenticated": [f"GET {top}/items/{{id}}"],
            },
            "groups": {
                "admins": {
                    "precedence": 1,
                    "role": role("admins"),
                    "routes": [f"* {top}/admin/*"],
                },
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


def _engine_module_state() -> dict[str, int]:
    """The size of every container and functools cache held at module level by the engine."""
    sizes = {}
    for name, module in list(sys.modules.items()):
        if name != "auditor.policy" and not name.startswith("auditor.policy."):
            continue
        for attr, value in vars(module).items():
            if attr.startswith("__"):
                continue
            if isinstance(value, dict | list | set):
                sizes[f"{name}.{attr}"] = len(value)
            elif hasattr(value, "cache_info"):
                sizes[f"{name}.{attr}"] = value.cache_info().currsize
    return sizes


def _live_policy_caches() -> weakref.WeakSet[PolicyCache]:
    gc.collect()
    return weakref.WeakSet(o for o in gc.get_objects() if isinstance(o, PolicyCache))


def test_audits_leave_nothing_in_the_engine() -> None:
    # A scheduler or a warm Lambda audits again and again: what the engine derives lives
    # in the evaluator's cache and goes with it. No module-level table grows, the module
    # default cache is not used, and no PolicyCache outlives its audit. Names no other test
    # uses, so that a table keyed by content would grow here even if others filled it.
    world, baseline = _world("apinoleak", "/noleak")
    DEFAULT_CACHE.clear()
    state, caches = _engine_module_state(), _live_policy_caches()
    first = audit(world, baseline).access_matrix
    second = audit(world, baseline).access_matrix
    assert len(DEFAULT_CACHE) == 0
    assert _engine_module_state() == state
    assert not [cache for cache in _live_policy_caches() if cache not in caches]
    assert second == first


def test_the_evaluator_owns_its_cache() -> None:
    world, _ = _world()
    evaluator = AccessEvaluator(world)
    api = world.apis[0]
    for resolution in resolve_personas(world):
        if resolution.role_arn:
            context = evaluator.context_for(resolution)
            for route in api.routes:
                evaluator.verdict(
                    resolution.role_arn, api, "prod", route.method, route.path, context
                )
    assert len(evaluator.cache) > 0
    cache = weakref.ref(evaluator.cache)
    del evaluator
    gc.collect()  # the automata are cyclic: collected, not freed by reference counting
    assert cache() is None


def test_cells_keep_what_decided_them_in_persona_then_route_order() -> None:
    world, baseline = _world(guests=True)
    resolutions = resolve_personas(world)
    evaluator = AccessEvaluator(world)
    matrix = build_matrix(world, baseline, resolutions, evaluator)
    cells = list(matrix.cells())
    routes = list(iter_routes(world, baseline))
    assert [(c.resolution, c.api_stage, c.route) for c in cells] == [
        (r, s, route) for r in resolutions for s, route in routes
    ]
    dropped = 0
    for cell in cells:
        decided = verdict_for(evaluator, cell.resolution, cell.api_stage, cell.route)
        if decided.verdict == "partial":
            assert cell.verdict == decided
        else:  # the examples no cell shows are dropped; nothing else
            assert cell.verdict == replace(decided, witness_allowed=None, witness_denied=None)
            dropped += bool(decided.witness_allowed or decided.witness_denied)
        assert matrix.cell(cell.resolution, cell.api_stage, cell.route).verdict is cell.verdict
    assert dropped and any(c.verdict.witness_denied for c in cells)


def test_cells_that_say_the_same_share_one_verdict() -> None:
    world, baseline = _world(guests=True)
    cells = list(
        build_matrix(world, baseline, resolve_personas(world), AccessEvaluator(world)).cells()
    )
    same: dict[tuple[object, ...], set[int]] = {}  # what a cell says -> verdict objects
    for cell in cells:
        v = cell.verdict
        if v.verdict != "partial":
            key = (v.verdict, id(v.allowing), id(v.denying), tuple(v.reasons))
            same.setdefault(key, set()).add(id(v))
    assert all(len(objects) == 1 for objects in same.values())
    shared = sum(1 for c in cells if c.verdict.verdict != "partial")
    assert len(same) < shared  # some outcome is said by more than one cell


def test_expected_is_the_baselines_declared_routes_so_guests_get_only_their_own() -> None:
    world, baseline = _world(guests=True)
    matrix = build_matrix(world, baseline, resolve_personas(world), AccessEvaluator(world))
    cells = list(matrix.cells())
    for cell in cells:
        declared = baseline.declared_routes(cell.resolution.persona)
        public = cell.route.authorization_type != "AWS_IAM" and declares(
            baseline.public_routes, cell.route
        )
        assert cell.expected is (public or declares(declared, cell.route)), cell
    guest = {c.route.key: c.expected for c in cells if c.resolution.persona == UNAUTHENTICATED}
    assert guest["GET /items/{id}"] and not guest["GET /items"]  # all_users is not theirs


def test_the_report_matrix_says_what_the_cells_say_once_per_outcome() -> None:
    world, baseline = _world(guests=True)
    matrix = build_matrix(world, baseline, resolve_personas(world), AccessEvaluator(world))
    decided = [(c.resolution.persona, c.route.key, c.verdict) for c in matrix.cells()]
    report = matrix.report()
    assert len(report.outcomes) <= len({id(v) for _, _, v in decided}) < len(report)
    assert [(c.persona, c.route) for c in report] == [(p, r) for p, r, _ in decided]
    for cell, (_, _, verdict) in zip(report, decided, strict=True):
        assert cell.verdict == verdict.verdict
        assert cell.reasons == tuple(verdict.reasons)
        assert cell.allowing == tuple(str(s) for s in verdict.allowing)
        assert cell.denying == tuple(str(s) for s in verdict.denying)
        assert (cell.witness_allowed, cell.witness_denied) == (
            verdict.witness_allowed,
            verdict.witness_denied,
        )


def test_the_report_matrix_keeps_each_outcome_once() -> None:
    world, baseline = _world(guests=True)
    report = build_matrix(world, baseline, resolve_personas(world), AccessEvaluator(world)).report()
    said = [(c.verdict, c.reasons, c.allowing, c.denying) for c in report]
    assert len(report.outcomes) == len(set(report.outcomes)) < len(said)
    assert {(o.verdict, o.reasons, o.allowing, o.denying) for o in report.outcomes} == set(said)


def test_cells_built_without_validation_behave_like_validated_ones() -> None:
    """MatrixCell.trusted skips validation; nothing a reader does may tell the difference."""
    cells = audit(*_world(guests=True)).access_matrix
    for cell in cells:
        validated = MatrixCell(**cell.model_dump())
        assert cell == validated
        assert cell.model_dump_json() == validated.model_dump_json()
        assert repr(cell) == repr(validated)
    with pytest.raises(ValidationError):
        cells[0].persona = "changed"  # type: ignore[misc]  # frozen, like a validated cell
    copy = cells[0].model_copy(update={"app_client": "c1"})
    assert copy.app_client == "c1" and cells[0].app_client is None
    assert cells[0].model_fields_set == set(MatrixCell.model_fields)


def test_personas_that_share_a_role_share_its_row_of_verdicts() -> None:
    world, baseline = _world()
    groups = [*(world.user_pool.groups if world.user_pool else [])]
    same_role = [g.model_copy(update={"role_arn": groups[0].role_arn}) for g in groups]
    user_pool = (
        world.user_pool.model_copy(update={"groups": same_role}) if world.user_pool else None
    )
    world = world.model_copy(update={"user_pool": user_pool})
    evaluator = AccessEvaluator(world)
    asked: list[tuple[Any, ...]] = []
    ask = evaluator.verdict

    def counting(role_arn: str, *args: Any) -> Any:
        asked.append((role_arn, *args[1:4]))
        return ask(role_arn, *args)

    evaluator.verdict = counting  # type: ignore[method-assign]
    cells = list(build_matrix(world, baseline, resolve_personas(world), evaluator).cells())
    shared = [question for question in asked if question[0] == groups[0].role_arn]
    assert shared and len(shared) == len(set(shared))  # once, not once per group
    first, second = (
        [c for c in cells if c.resolution.persona == f"group:{g.name}"] for g in groups[:2]
    )
    assert all(a.verdict is b.verdict for a, b in zip(first, second, strict=True))
