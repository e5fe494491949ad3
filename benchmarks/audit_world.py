"""The synthetic world of benchmarks/audit.py: a user pool of N groups, their roles and 2
APIs x R routes, as the snapshot a collection would give and the baseline that declares it."""

from __future__ import annotations

from typing import Any

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
    groups: int,
    routes: int,
    *,
    wildcards: bool = False,
    paths: bool = False,
    shared_roles: int | None = None,
) -> tuple[Snapshot, Baseline]:
    """`groups` groups over 2 APIs x `routes` routes; each group with its own role, or with
    one of `shared_roles` roles dealt round-robin (group i gets role (i - 1) % K + 1)."""
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
    role_count = groups if shared_roles is None else min(shared_roles, groups)
    for i in range(role_count + 1):
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
    for i in range(1, groups + 1):
        role_index = (i - 1) % role_count + 1
        arn = f"arn:aws:iam::{ACCOUNT}:role/role{role_index:04d}"
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
                    "routes": _declared(_role_index(g), api_ids, routes),
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


def _role_index(group: Group) -> int:
    """The index of a group's role (role0042 -> 42): its declared routes are that role's."""
    assert group.role_arn is not None
    return int(group.role_arn.rsplit("role", 1)[1])
