"""A large account: the seed thread's app (auditor.emulator.app) scaled up.

1,000 more groups, each with its own role of 3 policies (its grant, the all-users policy and
one of 99 team policies), 2 REST APIs of 500 more methods, an HTTP API of 200 routes whose
stage serves a deployment and one of 20 routes whose stage auto-deploys; `SMALL` is a tenth,
`LIVE` the world of the live-audit comparison (600 groups, about 300 routes audited).
The team policies grant one route beyond the baseline each, so an audit has findings to
compare. The collection benchmark and the faults-at-scale tests collect it.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.emulator.app import App, AppGroup, seed_thread_app
from auditor.emulator.documents import invoke_named_api
from auditor.emulator.seed import HttpApiSpec, ManagedPolicySpec, RestApiSpec
from auditor.emulator.spec import EnvironmentSpec

VERBS = ("GET", "POST", "PUT", "DELETE", "PATCH")
TEAM_POLICIES = 99  # with the all-users policy: 100 managed policies shared by the roles
REST_A, REST_B, HTTP, HTTP_AUTO = "rest-a", "rest-b", "http", "http-auto"


@dataclass(frozen=True)
class Size:
    groups: int  # beside the app's own admin and editors
    rest_methods: int  # added to each REST API, 5 verbs per resource
    http_routes: int  # the auto-deploy HTTP API has a tenth of them


FULL = Size(groups=1000, rest_methods=500, http_routes=200)
SMALL = Size(groups=100, rest_methods=50, http_routes=20)
# 600 groups x 302 routes (2 x 129 REST, 40 + 4 HTTP): issue 13's live-audit world.
LIVE = Size(groups=600, rest_methods=120, http_routes=40)


def build_app(size: Size) -> App:
    """The intent: what the baseline declares (`App.baseline`)."""
    app = seed_thread_app("bench", rest_api=REST_A)
    resources = size.rest_methods // len(VERBS)
    rest = app.rest_api(REST_A)
    rest.routes |= {f"{verb} /res{i}": "AWS_IAM" for i in range(resources) for verb in VERBS}
    app.rest_apis.append(RestApiSpec(REST_B, routes=dict(rest.routes)))
    http_routes = {f"GET /route{i}": "AWS_IAM" for i in range(size.http_routes)}
    # Its stage serves a deployment, so that collecting it costs an export to read.
    app.http_apis.append(HttpApiSpec(HTTP, routes=http_routes, auto_deploy=False))
    # So does an auto-deploy stage: AWS points it at each automatic deployment it makes.
    auto_routes = {f"GET /auto{i}": "AWS_IAM" for i in range(size.http_routes // 10)}
    app.http_apis.append(HttpApiSpec(HTTP_AUTO, routes=auto_routes, auto_deploy=True))
    # Distinct precedences after the app's own (0 and 10); each group reaches one resource.
    app.groups += [
        AppGroup(f"g{i:04}", precedence=100 + i, routes=[f"GET /res{i % resources}"])
        for i in range(size.groups)
    ]
    return app


def build_spec(app: App, size: Size) -> EnvironmentSpec:
    """What is live: the app, plus a team policy on each added group's role."""
    spec = app.spec()
    teams = [
        ManagedPolicySpec(f"team{k:02}", invoke_named_api(REST_A, "prod", f"POST/res{k}"))
        for k in range(TEAM_POLICIES)
    ]
    spec.managed_policies += teams
    for i in range(size.groups):
        spec.role(f"app-g{i:04}").managed.append(teams[i % len(teams)].name)
    return spec
