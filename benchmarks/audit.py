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

from auditor.checks.run import audit
from auditor.emulator.documents import cognito_trust_policy
from auditor.model.baseline import Baseline
from auditor.model.snapshot import (
    Api,
    ApiRef,
    Group,
    IdentityPool,
    IdentityProvider,
    InlinePolicy,
    ManagedPolicy,
    MappingRule,
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
ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}"
TRUST = cognito_trust_policy(IDENTITY_POOL)
CLAIM_RULES = 20


def _routes(api_index: int, count: int) -> list[Route]:
    routes = []
    for i in range(count):
        verb, path = _route(i, api_index)
        auth = "NONE" if i == 0 else "AWS_IAM"
        routes.append(Route(method=verb, path=path, authorization_type=auth))
    return routes


def _grant(sid: str, *resources: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": list(resources),
    }


def _route(n: int, api_index: int) -> tuple[str, str]:
    """(verb, path template) of route n of an API, as `_routes` builds it."""
    path = f"/svc{api_index}/r{n // len(VERBS)}" + ("/{id}" if n % 3 == 0 else "")
    return VERBS[n % len(VERBS)], path


def _granted(role_index: int, k: int, api_ids: list[str], routes_per_api: int) -> tuple[int, int]:
    """(api index, route index) of the k-th exact grant of a role."""
    return (role_index + k) % len(api_ids), (role_index * 7 + k * 13) % routes_per_api


def _statements(
    role_index: int, api_ids: list[str], routes_per_api: int, wildcards: bool
) -> list[dict[str, Any]]:
    """~20 statements, shaped like real group policies or (wildcards) adversarially broad.

    realistic: 16 grants naming routes exactly (`GET/svc0/r12` and `GET/svc0/r12/*`), a
    prefix grant, an S3 statement and a Deny; every 10th role also has a conditional grant
    and every 100th the `/admin*` mistake (a `*` mid-segment): the drift to find.
    wildcards: every grant has a `*` right after the first path segment (`GET/svc*/r12*`),
    which defeats literal-prefix pruning: the engine's worst case.
    """
    statements: list[dict[str, Any]] = []
    for k in range(16):
        a, n = _granted(role_index, k, api_ids, routes_per_api)
        verb, resource = VERBS[n % 4], f"r{n // 4}"
        prefix = f"{ARN}:{api_ids[a]}/prod/{verb}"
        if wildcards:
            statements.append(_grant(f"Grant{k}", f"{prefix}/svc*/{resource}*"))
        else:
            statements.append(
                _grant(f"Grant{k}", f"{prefix}/svc{a}/{resource}", f"{prefix}/svc{a}/{resource}/*")
            )
    statements.append(_grant("Prefix", f"{ARN}:{api_ids[0]}/prod/GET/svc0/r{role_index % 50}/*"))
    if role_index % 10 == 0:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["execute-api:Invoke"],
                "Resource": f"{ARN}:{api_ids[1]}/prod/POST/svc1/r3",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}},
            }
        )
    if role_index % 100 == 0:
        statements.append(_grant("MidSegment", f"{ARN}:{api_ids[1]}/prod/GET/svc1/r1*"))
    statements.append(
        {
            "Effect": "Deny",
            "Action": "execute-api:*",
            "Resource": f"{ARN}:{api_ids[0]}/prod/DELETE/svc0/r0/*",
        }
    )
    statements.append({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    return statements


def _declared(role_index: int, api_ids: list[str], routes_per_api: int) -> list[str]:
    """The routes a group is meant to reach: its exact grants and its prefix grant."""
    declared = set()
    for k in range(16):
        a, n = _granted(role_index, k, api_ids, routes_per_api)
        verb, path = _route(n, a)
        declared.add(f"{verb} {path}")
    declared.add(f"GET /svc0/r{role_index % 50}/*")
    return sorted(declared)


def _sign_in(
    provider: str, paths: bool, api_ids: list[str], roles: dict[str, Role]
) -> tuple[list[IdentityProvider], dict[str, RoleMapping]]:
    """One app client with a Token mapping; with `paths`, three: two Token clients that agree
    and a third whose Rules mapping has CLAIM_RULES claim rules (each its own role) and no
    group rule, so that every group resolves differently through it (the default role)."""
    token = RoleMapping(type="Token", ambiguous_role_resolution="AuthenticatedRole")
    clients = ["client", "client2", "client3"] if paths else ["client"]
    providers = [IdentityProvider(provider_name=provider, client_id=c) for c in clients]
    mappings = {p.mapping_key: token for p in providers[:2]}
    if paths:
        rules = []
        for k in range(CLAIM_RULES):
            name = f"tier{k:02d}"
            arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
            document = {"Version": "2012-10-17", "Statement": _statements(k, api_ids, 250, False)}
            roles[arn] = Role(
                arn=arn,
                name=name,
                trust_policy=TRUST,
                inline_policies=[InlinePolicy(name="routes", document=document)],
            )
            rules.append(
                MappingRule(claim="custom:tier", match_type="Equals", value=name, role_arn=arn)
            )
        mappings[providers[2].mapping_key] = RoleMapping(
            type="Rules", ambiguous_role_resolution="AuthenticatedRole", rules=rules
        )
    return providers, mappings


def synthetic(
    groups: int, routes: int, *, wildcards: bool = False, paths: bool = False
) -> tuple[Snapshot, Baseline]:
    api_ids = ["benchapi01", "benchapi02"]
    apis = [
        Api(id=a, name=a, kind="REST", stages=["prod"], routes=_routes(i, routes))
        for i, a in enumerate(api_ids)
    ]
    roles: dict[str, Role] = {}
    group_list = []
    all_users = ManagedPolicy(
        arn=f"arn:aws:iam::{ACCOUNT}:policy/all-users",
        name="all-users",
        document={
            "Version": "2012-10-17",
            "Statement": [
                _grant(
                    "AllUsers", *(f"{ARN}:{a}/prod/GET/svc{i}/r1" for i, a in enumerate(api_ids))
                )
            ],
        },
    )
    for i in range(groups + 1):
        name = f"role{i:04d}"
        arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
        roles[arn] = Role(
            arn=arn,
            name=name,
            attached_policy_arns=[all_users.arn],
            trust_policy=TRUST,
            inline_policies=[
                InlinePolicy(
                    name="routes",
                    document={
                        "Version": "2012-10-17",
                        "Statement": _statements(i, api_ids, routes, wildcards),
                    },
                )
            ],
        )
        if i:
            group_list.append(Group(name=f"group{i:04d}", role_arn=arn, precedence=i))
    default_role = f"arn:aws:iam::{ACCOUNT}:role/role0000"
    providers, mappings = _sign_in(
        f"cognito-idp.{REGION}.amazonaws.com/{POOL}", paths, api_ids, roles
    )
    snapshot = Snapshot(
        region=REGION,
        account_id=ACCOUNT,
        target=TargetRef(
            user_pool=PoolRef(id=POOL),
            identity_pool=PoolRef(id=IDENTITY_POOL),
            apis=[ApiRef(id=a, stage="prod") for a in api_ids],
        ),
        user_pool=UserPool(id=POOL, name="bench", groups=group_list),
        identity_pool=IdentityPool(
            id=IDENTITY_POOL,
            name="bench",
            providers=providers,
            authenticated_role=default_role,
            role_mappings=mappings,
        ),
        roles=roles,
        managed_policies={all_users.arn: all_users},
        apis=apis,
    )
    baseline = Baseline.model_validate(
        {
            "version": 1,
            "region": REGION,
            "user_pool": {"id": POOL},
            "identity_pool": {"id": IDENTITY_POOL, "role_resolution": "token"},
            "apis": [{"id": a, "stage": "prod"} for a in api_ids],
            "public_routes": ["GET /svc0/r0/{id}", "GET /svc1/r0/{id}"],
            "routes": {
                "all_users": ["GET /svc0/r1", "GET /svc1/r1"],
                "default": _declared(0, api_ids, routes),
            },
            "groups": {
                g.name: {
                    "precedence": g.precedence,
                    "role": g.role_arn,
                    "routes": _declared(g.precedence or 0, api_ids, routes),
                }
                for g in group_list
            },
            "claims": {
                f"{r.claim} {r.match_type} {r.value}": {
                    "role": r.role_arn,
                    "routes": _declared(k, api_ids, routes),
                }
                for mapping in mappings.values()
                for k, r in enumerate(mapping.rules)
            },
        }
    )
    return snapshot, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="CI smoke size")
    parser.add_argument(
        "--wildcards",
        action="store_true",
        help="adversarially broad policies (a * early in every grant)",
    )
    parser.add_argument(
        "--paths",
        action="store_true",
        help=f"3 app clients (two agree, one does not) and {CLAIM_RULES} claim rules",
    )
    args = parser.parse_args()
    groups, routes = (20, 40) if args.small else (1000, 250)

    started = time.perf_counter()
    snapshot, baseline = synthetic(groups, routes, wildcards=args.wildcards, paths=args.paths)
    built = time.perf_counter()
    report = audit(snapshot, baseline)
    audited = time.perf_counter()
    audit_peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = report.to_json()
    rendered = time.perf_counter()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    cells = len(report.access_matrix)
    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    print(f"policies: {'wildcard-heavy' if args.wildcards else 'realistic'}")
    if args.paths:
        print(f"sign-in: 3 app clients (one disagrees with the others), {CLAIM_RULES} claim rules")
    print(
        f"size: {groups} groups, {len(snapshot.roles)} roles, 2 APIs x {routes} routes, "
        f"{cells} matrix cells, {report.summary.findings} findings"
    )
    print(f"build snapshot: {built - started:.2f} s")
    print(f"audit (resolve + matrix + checks): {audited - built:.2f} s")
    print(f"JSON report: {rendered - audited:.2f} s, {len(text) / 2**20:.1f} MiB")
    print(
        f"peak RSS: {audit_peak_mib:.0f} MiB after the audit, {peak_mib:.0f} MiB with the "
        "JSON report in memory"
    )
    if not args.small:
        ok = audited - built < 10 and audit_peak_mib < 1024
        print(f"target < 10 s and < 1 GiB: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
