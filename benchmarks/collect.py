"""Benchmark: collect_snapshot against a naive per-resource crawl, on a large emulated account.

Seeds the emulator with the seed thread's app (auditor.emulator.app) scaled up: 1,000 more
groups, each with its own role of 3 policies (its grant, the all-users policy and one of 99
team policies), 2 REST APIs of 500 more methods, an HTTP API of 200 routes whose stage serves
a deployment and one of 20 routes whose stage auto-deploys (--small divides by 10). Then runs
each reader in a fresh process (so its memory is its own, not the emulator's) and counts its
AWS calls in the emulator's log.

    python benchmarks/collect.py [--small]
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

VERBS = ("GET", "POST", "PUT", "DELETE", "PATCH")
TEAM_POLICIES = 99  # with the all-users policy: 100 managed policies shared by the roles
GROUPS_PAGE, CLIENTS_PAGE, GAAD_PAGE, RESOURCES_PAGE = 60, 60, 1000, 500
REST_A, REST_B, HTTP, HTTP_AUTO = "rest-a", "rest-b", "http", "http-auto"


@dataclass(frozen=True)
class Size:
    groups: int  # beside the app's own admin and editors
    rest_methods: int  # added to each REST API, 5 verbs per resource
    http_routes: int  # the auto-deploy HTTP API has a tenth of them


def build_spec(size: Size) -> Any:
    from auditor.emulator.app import AppGroup, seed_thread_app
    from auditor.emulator.documents import invoke_named_api
    from auditor.emulator.seed import HttpApiSpec, ManagedPolicySpec, RestApiSpec

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
    spec = app.spec()
    teams = [
        ManagedPolicySpec(f"team{k:02}", invoke_named_api(REST_A, "prod", f"POST/res{k}"))
        for k in range(TEAM_POLICIES)
    ]
    spec.managed_policies += teams
    for i in range(size.groups):
        spec.role(f"app-g{i:04}").managed.append(teams[i % len(teams)].name)
    return spec


def lower_bound(spec: Any) -> int:
    """Calls any complete reader needs: one per page of every list, one per single object."""
    rest_pages = sum(
        math.ceil(len(_rest_resources(api.routes)) / RESOURCES_PAGE) + 1  # + stages
        for api in spec.rest_apis
    )
    clients = len(spec.user_pool.clients)
    # What each stage serves: a REST deployment per stage (seeded so), one deployment shared
    # by the stages of an HTTP API that does not auto-deploy, and an automatic deployment of
    # its own for each auto-deploy stage.
    deployments = sum(len(api.stages) for api in spec.rest_apis) + sum(
        len(api.stages) if api.auto_deploy else min(len(api.stages), 1) for api in spec.http_apis
    )
    return (
        1  # sts GetCallerIdentity
        + 1
        + math.ceil(len(spec.user_pool.groups) / GROUPS_PAGE)  # DescribeUserPool, ListGroups
        + math.ceil(clients / CLIENTS_PAGE)
        + clients  # ListUserPoolClients, one Describe each
        + 2  # DescribeIdentityPool, GetIdentityPoolRoles
        + math.ceil((len(spec.roles) + len(spec.managed_policies)) / GAAD_PAGE)
        + 2  # one page of REST APIs (with policies) and one of HTTP APIs
        + rest_pages  # resources pages + stages of each REST API
        + 2 * len(spec.http_apis)  # HTTP routes (the emulator serves them in one page) + stages
        + deployments  # GetDeployment (REST), ExportApi (HTTP)
    )


def _rest_resources(routes: dict[str, str]) -> set[str]:
    """Every resource path the routes need, the root and each parent included."""
    paths = {"/"}
    for route in routes:
        parts = route.split(" ", 1)[1].strip("/").split("/")
        paths |= {"/" + "/".join(parts[:n]) for n in range(1, len(parts) + 1)}
    return paths


def naive_crawl(url: str, seeded: Any) -> None:
    """What a straightforward reader does: list, then get every item one by one."""
    import boto3

    session = boto3.Session(region_name="us-east-1")

    def client(name: str) -> Any:
        return session.client(name, endpoint_url=url)  # type: ignore[call-overload]

    iam, idp, ids = client("iam"), client("cognito-idp"), client("cognito-identity")
    idp.describe_user_pool(UserPoolId=seeded.user_pool_id)
    for _ in idp.get_paginator("list_groups").paginate(UserPoolId=seeded.user_pool_id):
        pass
    for page in idp.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=seeded.user_pool_id
    ):
        for app_client in page["UserPoolClients"]:
            idp.describe_user_pool_client(
                UserPoolId=seeded.user_pool_id, ClientId=app_client["ClientId"]
            )
    ids.describe_identity_pool(IdentityPoolId=seeded.identity_pool_id)
    ids.get_identity_pool_roles(IdentityPoolId=seeded.identity_pool_id)
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            name = role["RoleName"]
            iam.get_role(RoleName=name)  # the boundary is not in ListRoles
            for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                iam.get_role_policy(RoleName=name, PolicyName=policy)
            for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
                arn = attached["PolicyArn"]
                version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
                iam.get_policy_version(PolicyArn=arn, VersionId=version)
    v1, v2 = client("apigateway"), client("apigatewayv2")
    for api in v1.get_rest_apis()["items"]:
        v1.get_rest_api(restApiId=api["id"])
        for page in v1.get_paginator("get_resources").paginate(restApiId=api["id"]):
            for res in page["items"]:
                for verb in res.get("resourceMethods", {}):
                    v1.get_method(restApiId=api["id"], resourceId=res["id"], httpMethod=verb)
        for stage in v1.get_stages(restApiId=api["id"])["item"]:
            v1.get_deployment(
                restApiId=api["id"], deploymentId=stage["deploymentId"], embed=["apisummary"]
            )
    for api in v2.get_apis()["Items"]:
        for route in v2.get_routes(ApiId=api["ApiId"])["Items"]:
            v2.get_route(ApiId=api["ApiId"], RouteId=route["RouteId"])
        for stage in v2.get_stages(ApiId=api["ApiId"])["Items"]:
            if stage.get("DeploymentId"):  # auto-deploy or not
                v2.export_api(
                    ApiId=api["ApiId"],
                    Specification="OAS30",
                    OutputType="JSON",
                    StageName=stage["StageName"],
                )


def collector(url: str, seeded: Any) -> None:
    from auditor.collect import AwsOptions, collect_snapshot
    from auditor.model.snapshot import ApiRef, PoolRef, TargetRef

    target = TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=[ApiRef(id=api_id) for api_id in seeded.api_ids.values()],
    )
    snap = collect_snapshot(target, AwsOptions(endpoint_url=url))
    if not snap.complete:
        raise SystemExit(f"collection incomplete: {snap.errors}")


def _measure(name: str, url: str, seeded: Any, out: Any) -> None:
    """Child process: run one reader, report (seconds, tracemalloc peak, max RSS)."""
    reader = {"collector": collector, "naive": naive_crawl}[name]
    # Imports are not part of the measured work.
    import boto3  # noqa: F401

    import auditor.collect  # noqa: F401

    tracemalloc.start()
    start = time.perf_counter()
    reader(url, seeded)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.send((seconds, peak, rss_kib))


def run(name: str, server: Any, seeded: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server.clear_operations()
    process = context.Process(target=_measure, args=(name, server.url, seeded, child))
    process.start()
    seconds, peak, rss_kib = parent.recv()
    process.join()
    calls = sum(server.operations().values())
    return {
        "calls": calls,
        "seconds": seconds,
        "peak_mib": peak / 2**20,
        "rss_mib": rss_kib / 1024,
        "ops": server.operations(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a tenth of the size (for CI)")
    args = parser.parse_args(argv)
    size = Size(groups=1000, rest_methods=500, http_routes=200)
    if args.small:
        size = Size(groups=100, rest_methods=50, http_routes=20)

    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(key, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )

    from auditor.emulator import EmulatorServer
    from auditor.emulator.seed import seed

    with EmulatorServer() as server:
        os.environ["AWS_ENDPOINT_URL"] = server.url  # belt and braces: nothing leaves loopback
        started = time.perf_counter()
        spec = build_spec(size)
        seeded = seed(spec, endpoint_url=server.url)
        print(
            f"seeded {size}: {len(spec.user_pool.groups)} groups, {len(spec.roles)} roles, "
            f"{len(spec.managed_policies)} managed policies in {time.perf_counter() - started:.1f}s"
        )
        bound = lower_bound(spec)
        results = {name: run(name, server, seeded) for name in ("collector", "naive")}

    print(f"lower bound (pages needed): {bound} calls")
    print(
        f"{'reader':10} {'calls':>7} {'x bound':>8} {'wall s':>8} {'py peak MiB':>12} "
        f"{'max RSS MiB':>12}"
    )
    for name, r in results.items():
        print(
            f"{name:10} {r['calls']:7d} {r['calls'] / bound:8.2f} {r['seconds']:8.2f} "
            f"{r['peak_mib']:12.1f} {r['rss_mib']:12.1f}"
        )
    ours, naive = results["collector"], results["naive"]
    print("collector calls:", dict(sorted(ours["ops"].items())))
    checks = {
        "calls <= 1.05 x lower bound": ours["calls"] <= 1.05 * bound,
        ">= 5x fewer calls than naive": naive["calls"] >= 5 * ours["calls"],
        "less wall time than naive": ours["seconds"] < naive["seconds"],
    }
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
