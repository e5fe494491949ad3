"""The matrix asks the engine a row at a time, only about the routes a role's statements may
touch (row_verdicts); every answer must be the one verdict_for gives route by route."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from auditor.audit.evaluator import AccessEvaluator
from auditor.audit.resolve import resolve_personas
from auditor.audit.routes import iter_routes
from auditor.audit.verdicts import UNTOUCHED, ColumnPlan, row_verdicts, verdict_for
from auditor.model.baseline import Baseline
from auditor.model.snapshot import Api, Group, InlinePolicy, Role, Route
from auditor.policy import RouteVerdict
from auditor.policy.prefilter import LeadIndex
from tests.support.snapshots import (
    ACCOUNT,
    POOL,
    REGION,
    USER_POOL,
    identity_pool,
    role,
    snapshot,
    token,
)

ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}"
# Words that prefix one another, as route names do (`/admin`, `/administrators`).
WORDS = ("items", "item", "admin", "administrators", "me")
VERBS = ("GET", "POST")

_segment = st.sampled_from(WORDS) | st.just("{id}")
_route = st.builds(
    lambda verb, segments, proxy, auth: Route(
        method=verb,
        path="/" + "/".join(segments) + ("/{proxy+}" if proxy else ""),
        authorization_type=auth,
    ),
    st.sampled_from((*VERBS, "ANY")),
    st.lists(_segment, min_size=1, max_size=3),
    st.booleans(),
    st.sampled_from(("AWS_IAM", "AWS_IAM", "AWS_IAM", "NONE")),
)
# Resource patterns from exact routes to wildcards in every position, `/admin*` included.
_pattern = st.builds(
    lambda api, stage, verb, path, tail: f"{ARN}:{api}/{stage}/{verb}/{path}{tail}",
    st.sampled_from(("api1", "api1", "api1", "api2", "*", "api*")),
    st.sampled_from(("prod", "prod", "prod", "*")),
    st.sampled_from(("GET", "GET", "POST", "*")),
    # Literal prefixes that stop inside, at and beyond a route's head.
    st.lists(
        st.sampled_from((*WORDS, "*", "adm*", "it?m", "item*", "ite", "items/", "admin*")),
        max_size=3,
    ).map("/".join),
    st.sampled_from(("", "*", "/*")),
) | st.just("*")
_statement = st.builds(
    lambda effect, key, resources, condition: {
        "Effect": effect,
        "Action": "execute-api:Invoke",
        key: resources,
        **({"Condition": condition} if condition else {}),
    },
    st.sampled_from(("Allow", "Allow", "Allow", "Deny")),
    st.sampled_from(("Resource", "Resource", "Resource", "NotResource")),
    st.lists(_pattern, min_size=1, max_size=3),
    st.sampled_from((None, {"StringEquals": {"aws:PrincipalTag/team": "x"}})),
)


def _world(
    routes: list[Route], roles: list[list[dict[str, Any]]], resource_policy: bool
) -> tuple[Any, Baseline]:
    groups = [Group(name=f"g{i}", role_arn=role(f"r{i}"), precedence=i) for i in range(len(roles))]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": f"{ARN}:api1/prod/GET/items*",
            }
        ],
    }
    apis = [
        Api(
            id=api_id,
            name=api_id,
            kind="REST",
            stages=["prod"],
            routes=routes,
            resource_policy=policy if resource_policy and api_id == "api1" else None,
        )
        for api_id in ("api1", "api2")
    ]
    world = snapshot(groups, identity_pool(token())).model_copy(
        update={
            "apis": apis,
            "roles": {
                role(f"r{i}"): Role(
                    arn=role(f"r{i}"),
                    name=f"r{i}",
                    inline_policies=[
                        InlinePolicy(
                            name="p", document={"Version": "2012-10-17", "Statement": statements}
                        )
                    ],
                )
                for i, statements in enumerate(roles)
            },
        }
    )
    baseline = Baseline.model_validate(
        {
            "version": 1,
            "region": REGION,
            "user_pool": {"id": USER_POOL},
            "identity_pool": {"id": POOL, "role_resolution": "token"},
            "apis": [{"id": "api1", "stage": "prod"}, {"id": "api2", "stage": "prod"}],
        }
    )
    return world, baseline


def _shown(verdict: RouteVerdict) -> RouteVerdict:
    """As the matrix keeps it: examples only on a partial verdict."""
    if verdict.verdict == "partial":
        return verdict
    return replace(verdict, witness_allowed=None, witness_denied=None)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_route, min_size=1, max_size=12, unique_by=lambda r: (r.method, r.path)),
    st.lists(st.lists(_statement, min_size=1, max_size=4), min_size=1, max_size=3),
    st.booleans(),
)
def test_a_row_says_what_each_route_says_alone(
    routes: list[Route], roles: list[list[dict[str, Any]]], resource_policy: bool
) -> None:
    world, baseline = _world(routes, roles, resource_policy)
    columns = list(iter_routes(world, baseline))
    by_row, alone = AccessEvaluator(world), AccessEvaluator(world)
    plan = ColumnPlan(by_row, columns)
    for resolution in resolve_personas(world):
        row = row_verdicts(by_row, resolution, plan)
        assert len(row) == len(columns)
        for verdict, (api_stage, route) in zip(row, columns, strict=True):
            expected = verdict_for(alone, resolution, api_stage, route)
            assert _shown(verdict) == _shown(expected), (resolution.persona, route.key)


def test_untouched_routes_are_not_asked() -> None:
    routes = [Route(method="GET", path=f"/r{i}", authorization_type="AWS_IAM") for i in range(50)]
    world, baseline = _world(
        routes,
        [
            [
                {
                    "Effect": "Allow",
                    "Action": "execute-api:Invoke",
                    "Resource": f"{ARN}:api1/prod/GET/r7",
                }
            ]
        ],
        False,
    )
    evaluator = AccessEvaluator(world)
    asked: list[str] = []
    ask = evaluator.verdict

    def counting(role_arn: str, *args: Any) -> Any:
        asked.append(args[3])
        return ask(role_arn, *args)

    evaluator.verdict = counting  # type: ignore[method-assign,assignment]
    plan = ColumnPlan(evaluator, list(iter_routes(world, baseline)))
    group = next(r for r in resolve_personas(world) if r.persona == "group:g0")
    row = row_verdicts(evaluator, group, plan)
    assert asked == ["/r7"]  # one route of a hundred (two APIs) names what the role grants
    assert sum(v is not UNTOUCHED for v in row) == 1 and row[7].verdict == "allowed"


def _allow(*tails: str) -> list[dict[str, Any]]:
    return [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{ARN}:api1/prod/{t}"}
        for t in tails
    ]


_PREFIXED_ROUTES = [
    Route(method="GET", path=path, authorization_type="AWS_IAM")
    for path in ("/admin", "/admin/{id}", "/administrators", "/adm", "/items/{id}")
]


@settings(max_examples=300, deadline=None)
@example(
    _PREFIXED_ROUTES, [_allow("GET/adm*"), _allow("GET/admin", "GET/items"), _allow("GET/admin/*")]
)
@example(_PREFIXED_ROUTES, [_allow("GET/administrators*", "GET/items/*", "GET/it*")])
@given(
    st.lists(_route, min_size=1, max_size=12, unique_by=lambda r: (r.method, r.path)),
    st.lists(st.lists(_statement, min_size=1, max_size=4), min_size=1, max_size=3),
)
def test_the_prefilter_leaves_out_only_what_the_automata_deny_anyway(
    routes: list[Route], roles: list[list[dict[str, Any]]]
) -> None:
    # The reference hands every statement to the automata (no prefilter at all): whatever
    # the prefilter sets aside must be what they would have found denied.
    world, baseline = _world(routes, roles, False)
    columns = list(iter_routes(world, baseline))
    resolutions = resolve_personas(world)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LeadIndex, "relevant", _every_statement)
        patch.setattr(LeadIndex, "touched", lambda self, heads: heads.known)
        reference = AccessEvaluator(world)
        expected = [
            [verdict_for(reference, r, s, route).verdict for s, route in columns]
            for r in resolutions
        ]
    evaluator = AccessEvaluator(world)
    plan = ColumnPlan(evaluator, columns)
    got = [[v.verdict for v in row_verdicts(evaluator, r, plan)] for r in resolutions]
    assert got == expected


def _every_statement(self: LeadIndex, head: str, literal: bool) -> int:
    bits = self.fixed
    for _, open_bits, whole_bits in self.pending:
        bits |= open_bits | whole_bits
    return bits


def test_statements_that_cannot_be_read_make_every_route_asked() -> None:
    # A statement the engine cannot read may match any route: none of the role's routes may
    # be set aside as untouched (that would be a denied that is really unknown).
    routes = [Route(method="GET", path=p, authorization_type="AWS_IAM") for p in ("/a", "/b/{id}")]
    odd = {
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": f"{ARN}:api1/prod/*",
        "Condition": {"StringEqualsWhatever": {"aws:PrincipalTag/team": "x"}},
    }
    exact = _allow("GET/a")
    world, baseline = _world(routes, [[odd, *exact], exact], False)
    missing = "arn:aws:iam::123456789012:policy/gone"
    roles = dict(world.roles)
    roles[role("r1")] = roles[role("r1")].model_copy(update={"attached_policy_arns": [missing]})
    world = world.model_copy(update={"roles": roles})
    columns = list(iter_routes(world, baseline))
    evaluator, alone = AccessEvaluator(world), AccessEvaluator(world)
    plan = ColumnPlan(evaluator, columns)
    for resolution in resolve_personas(world):
        if resolution.role_arn is None or resolution.persona == "default":
            continue
        row = row_verdicts(evaluator, resolution, plan)
        said = [verdict_for(alone, resolution, s, r) for s, r in columns]
        assert [v.verdict for v in row] == [v.verdict for v in said], resolution.persona
        assert "unknown" in {v.verdict for v in said}, resolution.persona
        assert not any(
            v is UNTOUCHED for v, s in zip(row, said, strict=True) if s.verdict == "unknown"
        )
