"""Offline audit of a large synthetic snapshot: wall time and peak memory.

Full size (the issue's target: < 10 s and < 1 GiB on one core): 1,000 groups with 1,000
distinct roles of ~20 statements each, and 2 APIs x 250 routes. `--small` is the CI smoke run.

    python benchmarks/audit.py            # full size
    python benchmarks/audit.py --small    # CI
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from typing import Any

from auditor.audit import audit
from auditor.baseline import Baseline
from auditor.snapshot import (
    Api,
    ApiRef,
    Group,
    IdentityPool,
    IdentityProvider,
    InlinePolicy,
    ManagedPolicy,
    PoolRef,
    Role,
    RoleMapping,
    Route,
    Snapshot,
    TargetRef,
    UserPool,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
POOL = "us-east-1_Bench0001"
IDENTITY_POOL = "us-east-1:00000000-0000-0000-0000-000000000001"
VERBS = ("GET", "POST", "PUT", "DELETE")


def _routes(api_index: int, count: int) -> list[Route]:
    routes = []
    for i in range(count):
        verb = VERBS[i % len(VERBS)]
        resource = f"/svc{api_index}/r{i // len(VERBS)}"
        path = resource + ("/{id}" if i % 3 == 0 else "")
        auth = "NONE" if i == 0 else "AWS_IAM"
        routes.append(Route(method=verb, path=path, authorization_type=auth))
    return routes


def _statements(role_index: int, api_ids: list[str], routes_per_api: int) -> list[dict[str, Any]]:
    """~20 statements: specific grants, a prefix wildcard, a conditional grant and a deny."""
    prefix = f"arn:aws:execute-api:{REGION}:{ACCOUNT}"
    statements: list[dict[str, Any]] = []
    for k in range(16):
        api = api_ids[(role_index + k) % len(api_ids)]
        n = (role_index * 7 + k * 13) % routes_per_api
        statements.append({"Sid": f"Grant{k}", "Effect": "Allow", "Action": "execute-api:Invoke",
                           "Resource": f"{prefix}:{api}/prod/{VERBS[n % 4]}/svc*/r{n // 4}*"})
    statements.append({"Effect": "Allow", "Action": "execute-api:Invoke",
                       "Resource": f"{prefix}:{api_ids[0]}/prod/GET/svc0/r{role_index % 50}/*"})
    statements.append({"Effect": "Allow", "Action": ["execute-api:Invoke"],
                       "Resource": f"{prefix}:{api_ids[1]}/prod/POST/*",
                       "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}}})
    statements.append({"Effect": "Deny", "Action": "execute-api:*",
                       "Resource": f"{prefix}:{api_ids[0]}/prod/DELETE/*"})
    statements.append({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    return statements


def synthetic(groups: int, routes_per_api: int) -> tuple[Snapshot, Baseline]:
    api_ids = ["benchapi01", "benchapi02"]
    apis = [Api(id=a, name=a, kind="REST", stages=["prod"], routes=_routes(i, routes_per_api))
            for i, a in enumerate(api_ids)]
    roles: dict[str, Role] = {}
    group_list = []
    all_users = ManagedPolicy(
        arn=f"arn:aws:iam::{ACCOUNT}:policy/all-users", name="all-users",
        document={"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "execute-api:Invoke",
            "Resource": [f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{a}/prod/GET/svc*/r0"
                         for a in api_ids]}]})
    for i in range(groups + 1):
        name = f"role{i:04d}"
        arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
        roles[arn] = Role(arn=arn, name=name, attached_policy_arns=[all_users.arn],
                          inline_policies=[InlinePolicy(name="routes", document={
                              "Version": "2012-10-17",
                              "Statement": _statements(i, api_ids, routes_per_api)})])
        if i:
            group_list.append(Group(name=f"group{i:04d}", role_arn=arn, precedence=i))
    default_role = f"arn:aws:iam::{ACCOUNT}:role/role0000"
    provider = IdentityProvider(provider_name=f"cognito-idp.{REGION}.amazonaws.com/{POOL}",
                                client_id="client")
    snapshot = Snapshot(
        region=REGION, account_id=ACCOUNT,
        target=TargetRef(user_pool=PoolRef(id=POOL), identity_pool=PoolRef(id=IDENTITY_POOL),
                         apis=[ApiRef(id=a, stage="prod") for a in api_ids]),
        user_pool=UserPool(id=POOL, name="bench", groups=group_list),
        identity_pool=IdentityPool(
            id=IDENTITY_POOL, name="bench", providers=[provider],
            authenticated_role=default_role,
            role_mappings={provider.mapping_key: RoleMapping(
                type="Token", ambiguous_role_resolution="AuthenticatedRole")}),
        roles=roles, managed_policies={all_users.arn: all_users}, apis=apis)
    baseline = Baseline.model_validate({
        "version": 1, "region": REGION, "user_pool": {"id": POOL},
        "identity_pool": {"id": IDENTITY_POOL, "role_resolution": "token"},
        "apis": [{"id": a, "stage": "prod"} for a in api_ids],
        "public_routes": ["GET /svc0/r0/{id}", "GET /svc1/r0/{id}"],
        "routes": {"all_users": ["GET /svc0/r0", "GET /svc1/r0"]},
        "groups": {g.name: {"precedence": g.precedence, "role": g.role_arn,
                            "routes": [f"* /svc{g.precedence % 2}/r{g.precedence % 60}/*"]}
                   for g in group_list}})
    return snapshot, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="CI smoke size")
    args = parser.parse_args()
    groups, routes = (20, 40) if args.small else (1000, 250)

    started = time.perf_counter()
    snapshot, baseline = synthetic(groups, routes)
    built = time.perf_counter()
    report = audit(snapshot, baseline)
    audited = time.perf_counter()
    text = report.to_json()
    rendered = time.perf_counter()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    cells = len(report.access_matrix)
    print(f"machine: {platform.processor() or platform.machine()}, python "
          f"{platform.python_version()}")
    print(f"size: {groups} groups, {len(snapshot.roles)} roles, 2 APIs x {routes} routes, "
          f"{cells} matrix cells, {report.summary.findings} findings")
    print(f"build snapshot: {built - started:.2f} s")
    print(f"audit (resolve + matrix + checks): {audited - built:.2f} s")
    print(f"JSON report: {rendered - audited:.2f} s, {len(text) / 2**20:.1f} MiB")
    print(f"peak RSS: {peak_mib:.0f} MiB")
    if not args.small:
        ok = audited - built < 10 and peak_mib < 1024
        print(f"target < 10 s and < 1 GiB: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
