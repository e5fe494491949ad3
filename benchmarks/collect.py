"""Benchmark: collect_snapshot against a naive per-resource crawl, on a large emulated account.

Seeds the emulator with the large world (auditor.emulator.large_world: the seed thread's app
scaled up to 1,000 more groups, 2 REST APIs of 500 more methods and 2 HTTP APIs; --small
divides by 10). Then runs each reader in a fresh process (so its memory is its own, not the
emulator's) and counts its AWS calls in the emulator's log.

With --faults, collects the same world twice, fault-free and with a fraction of the calls
(--rate, default 10%) throttled or failed with a 5xx the way AWS does, and audits both
snapshots against the world's baseline: the faulty run must find exactly what the fault-free
one found (same findings, same snapshot digest), or say it is incomplete and name every read
that failed.

With --live, compares whole processes on the live-audit world (large_world.LIVE: 600 groups,
about 300 routes audited; --groups changes the count): the AWS floor, a fresh process making
exactly the calls the collector makes with plain boto3 and nothing else, against `python -m
auditor run` on the world's baseline, writing JSON to a file and the table to stdout. The runs
alternate (--repeat times); each must make the same calls, counted in the emulator's log.
--profile PATH also writes a cProfile of one whole `auditor run` process there and prints
where its time goes.

    python benchmarks/collect.py [--small] [--faults [--rate 0.1] [--seed 1]]
    python benchmarks/collect.py --live [--groups 600] [--repeat 5] [--profile run.prof]
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import math
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.emulator.large_world import FULL, LIVE, SMALL, build_app, build_spec

GROUPS_PAGE, CLIENTS_PAGE, GAAD_PAGE, RESOURCES_PAGE = 60, 60, 1000, 500


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


def collector(url: str, seeded: Any, max_attempts: int = 10) -> str:
    """The snapshot's JSON (complete or not)."""
    from auditor.collect import AwsOptions, collect_snapshot
    from auditor.model.snapshot import ApiRef, PoolRef, TargetRef

    target = TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=[ApiRef(id=api_id) for api_id in seeded.api_ids.values()],
    )
    return collect_snapshot(
        target, AwsOptions(endpoint_url=url, max_attempts=max_attempts)
    ).to_json()


def _measure(name: str, url: str, seeded: Any, out: Any) -> None:
    """Child process: run one reader, report (seconds, tracemalloc peak, max RSS, snapshot
    JSON or None)."""
    reader: Any = {"collector": collector, "naive": naive_crawl}[name]
    # Imports are not part of the measured work.
    import boto3  # noqa: F401

    import auditor.collect  # noqa: F401

    tracemalloc.start()
    start = time.perf_counter()
    snapshot = reader(url, seeded)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.send((seconds, peak, rss_kib, snapshot))


def run(name: str, server: Any, seeded: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server.clear_operations()
    process = context.Process(target=_measure, args=(name, server.url, seeded, child))
    process.start()
    seconds, peak, rss_kib, snapshot = parent.recv()
    process.join()
    calls = sum(server.operations().values())
    return {
        "calls": calls,
        "seconds": seconds,
        "peak_mib": peak / 2**20,
        "rss_mib": rss_kib / 1024,
        "ops": server.operations(),
        "faults": sum(server.faults_answered().values()),
        "snapshot": snapshot,
    }


def audited(snapshot_json: str, baseline: dict[str, Any]) -> tuple[Any, Any]:
    """(snapshot, report) of one collected snapshot against the world's baseline."""
    from auditor.checks.run import audit
    from auditor.model.baseline import Baseline
    from auditor.model.snapshot import Snapshot

    snapshot = Snapshot.from_json(snapshot_json)
    return snapshot, audit(snapshot, Baseline.model_validate(baseline))


def finding_dumps(report: Any) -> list[str]:
    return sorted(json.dumps(f.model_dump(mode="json"), sort_keys=True) for f in report.findings)


@dataclass
class FaultRun:
    label: str
    calls: int
    faults: int  # calls a fault answered: retried, or the last attempt of a failed read
    failures: int  # reads that failed after retries
    seconds: float
    snapshot: Any
    report: Any

    @property
    def retries(self) -> int:
        return self.faults - self.failures


def fault_run(
    label: str, server: Any, seeded: Any, baseline: dict[str, Any], max_attempts: int
) -> FaultRun:
    """Collect in this process (its memory is not measured here) and audit."""
    server.clear_operations()
    started = time.perf_counter()
    collected = collector(server.url, seeded, max_attempts)
    seconds = time.perf_counter() - started
    snapshot, report = audited(collected, baseline)
    return FaultRun(
        label,
        sum(server.operations().values()),
        sum(server.faults_answered().values()),
        len(snapshot.errors),
        seconds,
        snapshot,
        report,
    )


def faults_checks(clean: FaultRun, faulty: FaultRun) -> dict[str, bool]:
    """The faulty run finds what the clean one found, or says it is incomplete and why."""
    checks = {"fault-free run is complete": clean.report.status == "complete"}
    if faulty.snapshot.complete:
        checks["same snapshot digest"] = faulty.snapshot.digest() == clean.snapshot.digest()
        checks["same findings"] = finding_dumps(faulty.report) == finding_dumps(clean.report)
        checks["report complete"] = faulty.report.status == "complete"
    else:
        named = {(e.service, e.operation) for e in faulty.report.errors}
        failed = {(e.service, e.operation) for e in faulty.snapshot.errors}
        checks["report incomplete"] = faulty.report.status == "incomplete"
        checks["report names every failed read"] = failed <= named
    return checks


def main_faults(server: Any, seeded: Any, baseline: dict[str, Any], args: Any) -> int:
    clean = fault_run("fault-free", server, seeded, baseline, args.max_attempts)
    server.inject_faults(args.rate, seed=args.seed)
    try:
        faulty = fault_run(f"{args.rate:.0%} faults", server, seeded, baseline, args.max_attempts)
    finally:
        server.clear_failures()
    print(
        f"{'run':12} {'calls':>6} {'retries':>8} {'failures':>9} {'wall s':>7} "
        f"{'findings':>9} {'status':>11}  digest"
    )
    for r in (clean, faulty):
        print(
            f"{r.label:12} {r.calls:6d} {r.retries:8d} {r.failures:9d} {r.seconds:7.2f} "
            f"{len(r.report.findings):9d} {r.report.status:>11}  {r.snapshot.digest()[:16]}"
        )
    for error in faulty.snapshot.errors:
        print(f"failed read: {error.service} {error.operation} {error.resource}: {error.message}")
    checks = faults_checks(clean, faulty)
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(checks.values()) else 1


def main_calls(server: Any, seeded: Any, spec: Any) -> int:
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
    snapshot = json.loads(ours["snapshot"])
    checks = {
        "collection complete": not snapshot["errors"],
        "calls <= 1.05 x lower bound": ours["calls"] <= 1.05 * bound,
        ">= 5x fewer calls than naive": naive["calls"] >= 5 * ours["calls"],
        "less wall time than naive": ours["seconds"] < naive["seconds"],
    }
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(checks.values()) else 1


# --- the live audit against the AWS floor ------------------------------------------------


def minimal_crawl(url: str, user_pool_id: str, identity_pool_id: str, apis: list[Any]) -> None:
    """The floor: the calls `collect_snapshot` makes for a baseline naming its pools and
    several APIs by id (`apis`: [id, audited stage]), with the same page sizes, in plain boto3.
    Run from its source in a fresh process, so it imports what it uses and nothing else."""
    import json

    import boto3

    session = boto3.Session()
    clients: dict[str, Any] = {}

    def client(name: str) -> Any:
        if name not in clients:
            clients[name] = session.client(name, endpoint_url=url)  # type: ignore[call-overload]
        return clients[name]

    kept: list[Any] = [client("sts").get_caller_identity()]  # answers are kept, as a reader must
    idp, identity = client("cognito-idp"), client("cognito-identity")
    kept.append(idp.describe_user_pool(UserPoolId=user_pool_id))
    pages = {"PaginationConfig": {"PageSize": 60}}
    groups = [
        group
        for page in idp.get_paginator("list_groups").paginate(UserPoolId=user_pool_id, **pages)
        for group in page["Groups"]
    ]
    for page in idp.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=user_pool_id, **pages
    ):
        for app_client in page["UserPoolClients"]:
            kept.append(
                idp.describe_user_pool_client(
                    UserPoolId=user_pool_id, ClientId=app_client["ClientId"]
                )
            )
    kept.append(identity.describe_identity_pool(IdentityPoolId=identity_pool_id))
    pool_roles = identity.get_identity_pool_roles(IdentityPoolId=identity_pool_id)
    wanted = {g["RoleArn"] for g in groups if g.get("RoleArn")} | set(pool_roles["Roles"].values())
    for mapping in pool_roles.get("RoleMappings", {}).values():
        wanted |= {r["RoleARN"] for r in mapping.get("RulesConfiguration", {}).get("Rules", [])}

    iam = client("iam")
    roles, listed = [], set()
    for page in iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["Role", "LocalManagedPolicy"], PaginationConfig={"PageSize": 1000}
    ):
        roles += [role for role in page["RoleDetailList"] if role["Arn"] in wanted]
        listed |= {policy["Arn"] for policy in page["Policies"]}
    attached = {p["PolicyArn"] for role in roles for p in role["AttachedManagedPolicies"]}
    attached |= {
        role["PermissionsBoundary"]["PermissionsBoundaryArn"]
        for role in roles
        if role.get("PermissionsBoundary")
    }
    for arn in sorted(attached - listed):  # AWS managed: not in the filtered GAAD
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        kept.append(iam.get_policy_version(PolicyArn=arn, VersionId=version))

    audited = dict(apis)
    if len(audited) < 2:
        raise ValueError("the floor reads several APIs from the listings, as the collector does")
    v1, v2 = client("apigateway"), client("apigatewayv2")
    rest_pages = v1.get_paginator("get_rest_apis").paginate(PaginationConfig={"PageSize": 500})
    for api in [a for page in rest_pages for a in page["items"] if a["id"] in audited]:
        for page in v1.get_paginator("get_resources").paginate(
            restApiId=api["id"], embed=["methods"], PaginationConfig={"PageSize": 500}
        ):
            for res in page["items"]:
                for verb, method in res.get("resourceMethods", {}).items():
                    if "authorizationType" not in method:
                        kept.append(
                            v1.get_method(
                                restApiId=api["id"], resourceId=res["id"], httpMethod=verb
                            )
                        )
        deployments = set()
        for stage in v1.get_stages(restApiId=api["id"])["item"]:
            if stage["stageName"] == audited[api["id"]]:
                canary = stage.get("canarySettings") or {}
                deployments.add(stage["deploymentId"])
                if canary.get("deploymentId") and canary.get("percentTraffic") != 0:
                    deployments.add(canary["deploymentId"])
        for deployment in sorted(deployments):
            kept.append(
                v1.get_deployment(
                    restApiId=api["id"], deploymentId=deployment, embed=["apisummary"]
                )
            )
    http_pages = v2.get_paginator("get_apis").paginate()
    for api in [a for page in http_pages for a in page["Items"] if a["ApiId"] in audited]:
        for page in v2.get_paginator("get_routes").paginate(ApiId=api["ApiId"]):
            kept += page["Items"]
        exported = set()
        for page in v2.get_paginator("get_stages").paginate(ApiId=api["ApiId"]):
            for stage in page["Items"]:
                deployment = stage.get("DeploymentId")
                if stage["StageName"] != audited[api["ApiId"]] or not deployment:
                    continue
                if deployment not in exported:
                    exported.add(deployment)
                    answer = v2.export_api(
                        ApiId=api["ApiId"],
                        Specification="OAS30",
                        OutputType="JSON",
                        StageName=stage["StageName"],
                        IncludeExtensions=True,
                    )
                    kept.append(json.loads(answer["body"].read()))


@dataclass
class ProcessRun:
    """One whole process: its wall times and the AWS calls of its first run."""

    label: str
    command: list[str]
    cwd: str | None = None  # another source tree's `python -m auditor` (--before)
    seconds: list[float] = dataclasses.field(default_factory=list)
    cpu: list[float] = dataclasses.field(default_factory=list)  # its own user + system time
    calls: Counter[str] = dataclasses.field(default_factory=Counter)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def time(self) -> None:
        wall, cpu = _run_process(self.command, self.cwd)
        self.seconds.append(wall)
        self.cpu.append(cpu)


def live_commands(
    url: str, seeded: Any, baseline: dict[str, Any], folder: Path, before: str | None
) -> list[ProcessRun]:
    """The floor, `auditor run` with JSON to a file and with the table, and --before's run."""
    import yaml

    baseline_path, report = folder / "baseline.yaml", folder / "report.json"
    baseline_path.write_text(yaml.safe_dump(baseline, sort_keys=False))  # as people write it
    apis = [[entry["id"], entry["stage"]] for entry in baseline["apis"]]
    crawl = {
        "url": url,
        "user_pool_id": seeded.user_pool_id,
        "identity_pool_id": seeded.identity_pool_id,
        "apis": apis,
    }
    source = f"{inspect.getsource(minimal_crawl)}\nminimal_crawl(**{crawl!r})\n"
    source = "from typing import Any\n" + source  # its annotations, nothing else
    run = [sys.executable, "-m", "auditor", "run", "--baseline", str(baseline_path)]
    run += ["--endpoint-url", url]
    json_run = [*run, "--format", "json", "-o", str(report)]
    runs = [
        ProcessRun("minimal boto3 crawl", [sys.executable, "-c", source]),
        ProcessRun("auditor run -f json -o", json_run),
        ProcessRun("auditor run -f table", [*run, "--format", "table"]),
    ]
    if before is not None:  # `python -m` imports the auditor of its working directory
        runs.append(ProcessRun("before: run -f json -o", json_run, cwd=before))
    return runs


def _run_process(command: list[str], cwd: str | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one process. The CPU time is steadier than the wall time on a
    busy machine, but leaves out waiting for the emulator, which the floor waits for too."""
    # Bytecode is written and read, as after `pip install` (the first round writes it).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: the world has findings, on purpose
        raise RuntimeError(f"{command[:4]} exited {done.returncode}: {done.stderr.strip()}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu


def main_live(server: Any, seeded: Any, baseline: dict[str, Any], args: Any) -> int:
    with tempfile.TemporaryDirectory(prefix="live-audit-") as folder:
        runs = live_commands(server.url, seeded, baseline, Path(folder), args.before)
        for one in runs:  # a round not timed: bytecode written, files cached, calls counted
            server.clear_operations()
            _run_process(one.command, one.cwd)
            one.calls = server.operations()
        for round_ in range(args.repeat):
            for one in runs if round_ % 2 == 0 else runs[::-1]:  # alternate: no order favoured
                one.time()
        if args.profile:
            profile_run(runs[1].command, Path(args.profile))
    floor = runs[0]
    groups = len(baseline["groups"])
    print(f"live audit, {groups} groups, {args.repeat} runs each: wall s, and the median CPU s")
    print(f"{'process':24} {'calls':>6} {'min':>7} {'median':>7} {'x floor':>8} {'cpu':>6}")
    for one in runs:
        print(
            f"{one.label:24} {sum(one.calls.values()):6d} {min(one.seconds):7.2f} "
            f"{one.median:7.2f} {one.median / floor.median:8.2f} {statistics.median(one.cpu):6.2f}"
        )
    checks = {}
    for one in runs[1:]:
        checks[f"{one.label}: the floor's calls, op by op"] = one.calls == floor.calls
        checks[f"{one.label}: <= 1.5x the floor (median)"] = one.median <= 1.5 * floor.median
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    if floor.calls != runs[1].calls:
        print("floor calls:", dict(sorted(floor.calls.items())))
        print("run calls:  ", dict(sorted(runs[1].calls.items())))
    return 0 if all(checks.values()) else 1


# Where a run's time goes: (label, path fragment of the code, function names). A phase is the
# outermost call of each named function, added up (of any function in the file if none is
# named). The matrix, its cells and the renderer are being rewritten: rename them here.
PHASES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("imports", "<frozen importlib._bootstrap>", ("_find_and_load",)),
    ("baseline", "auditor/model/baseline_file.py", ("load_baseline",)),
    ("collect (HTTP included)", "auditor/collect/__init__.py", ("collect_snapshot",)),
    ("audit", "auditor/checks/run.py", ("audit",)),
    ("  matrix and its cells", "auditor/audit/matrix.py", ("build_matrix", "report")),
    ("  snapshot digest", "auditor/model/snapshot.py", ("digest",)),
    ("render (JSON in pieces)", "auditor/model/report_json.py", ("json_chunks",)),
    ("write (open, fsync, rename)", "auditor/commands/atomic.py", ("atomic_output",)),
)


def profile_run(command: list[str], path: Path) -> None:
    """cProfile one whole `auditor run` process and print the share of each phase."""
    import pstats

    profiled = [sys.executable, "-m", "cProfile", "-o", str(path), *command[1:]]
    wall, _ = _run_process(profiled)
    profile: Any = pstats.Stats(str(path))
    stats = profile.stats  # (file, line, name) -> (calls, calls, own s, cumulative s, callers)
    total = sum(entry[2] for entry in stats.values())
    print(f"profile of one run ({wall:.2f} s wall under cProfile, {total:.2f} s profiled): {path}")

    def outermost(fragment: str, name: str | None) -> float:
        return max(
            (
                entry[3]
                for (file, _, function), entry in stats.items()
                if fragment in file and (name is None or function == name)
            ),
            default=0.0,
        )

    for label, fragment, names in PHASES:
        seconds = sum(outermost(fragment, name) for name in names or (None,))
        print(f"  {label:26} {seconds:6.2f} s  {seconds / total:6.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a tenth of the size (for CI)")
    parser.add_argument(
        "--faults", action="store_true", help="collect fault-free and under faults, compare"
    )
    parser.add_argument("--rate", type=float, default=0.1, help="fraction of calls failed")
    parser.add_argument("--seed", type=int, default=1, help="seed of the faults drawn")
    parser.add_argument(
        "--max-attempts", type=int, default=10, help="botocore attempts per call (as the CLI's)"
    )
    parser.add_argument(
        "--live", action="store_true", help="whole `auditor run` processes against the floor"
    )
    parser.add_argument("--groups", type=int, help="groups in the world (beside the app's two)")
    parser.add_argument("--repeat", type=int, default=5, help="--live: runs of each process")
    parser.add_argument("--profile", help="--live: cProfile one `auditor run` into this file")
    parser.add_argument(
        "--before", help="--live: also time `auditor run` from this source tree (an older commit)"
    )
    args = parser.parse_args(argv)
    size = LIVE if args.live else SMALL if args.small else FULL
    if args.groups is not None:
        size = dataclasses.replace(size, groups=args.groups)

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
        app = build_app(size)
        spec = build_spec(app, size)
        seeded = seed(spec, endpoint_url=server.url)
        print(
            f"seeded {size}: {len(app.groups)} groups, {len(spec.roles)} roles, "
            f"{len(spec.managed_policies)} managed policies in {time.perf_counter() - started:.1f}s"
        )
        if args.faults:
            return main_faults(server, seeded, app.baseline(seeded), args)
        if args.live:
            return main_live(server, seeded, app.baseline(seeded), args)
        return main_calls(server, seeded, spec)


if __name__ == "__main__":
    sys.exit(main())
