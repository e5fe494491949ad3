"""collect_snapshot against the emulator: what was seeded is what the snapshot says."""

from __future__ import annotations

import pytest

from auditor.collect import AwsOptions, collect_snapshot
from auditor.emulator.app import ALL_USERS_POLICY
from auditor.emulator.documents import cognito_trust_policy
from auditor.emulator.seed import (
    EnvironmentSpec,
    RoleMappingSpec,
    Seeded,
    fill_placeholders,
    seed,
)
from auditor.model.snapshot import (
    ApiRef,
    AppClient,
    PoolRef,
    Snapshot,
    TargetRef,
    UserAttribute,
)
from tests.support.aws import Aws
from tests.support.environment import (
    BOUNDARY,
    DEFINITION_CHANGES,
    GHOST_ROLE,
    HTTP,
    ODD,
    PUBLIC_POLICY,
    REST,
    SHARED,
    WRITABLE,
    full_spec,
)


def _target(seeded: Seeded, **api_stage: str) -> TargetRef:
    return TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=[
            ApiRef(id=seeded.api_ids[name], stage=api_stage.get(name)) for name in seeded.api_ids
        ],
    )


@pytest.fixture
def seeded(aws: Aws) -> Seeded:
    return seed(full_spec(), aws.session, endpoint_url=aws.url)


def test_snapshot_matches_seeded_environment(aws: Aws, seeded: Seeded) -> None:
    spec = full_spec()
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    assert snap.errors == [] and snap.complete
    assert (snap.region, snap.account_id, snap.partition) == ("us-east-1", seeded.account_id, "aws")

    pool = snap.user_pool
    assert pool is not None
    assert (pool.id, pool.name, pool.arn) == (
        seeded.user_pool_id,
        "app-users",
        seeded.user_pool_arn,
    )
    assert [(g.name, g.role_arn, g.precedence, g.description) for g in pool.groups] == [
        ("admin", seeded.role_arns["app-admin"], 0, "admins"),
        ("editors", seeded.role_arns["app-editors"], 10, None),
        ("ghosts", GHOST_ROLE, 10, None),
        ("readers", None, None, None),
    ]
    # Clients by id, their WriteAttributes as set (None: never set); self sign-up is off.
    assert pool.clients == sorted(
        [
            AppClient(id=seeded.client_ids["web"], name="web", write_attributes=WRITABLE),
            AppClient(id=seeded.client_ids["mobile"], name="mobile", write_attributes=None),
        ],
        key=lambda c: c.id,
    )
    assert pool.self_sign_up is False
    assert pool.attributes is not None
    custom = [a for a in pool.attributes if a.name.startswith("custom:")]
    assert custom == [
        UserAttribute(name="custom:org", mutable=False),
        UserAttribute(name="custom:tier", mutable=True),
    ]
    assert UserAttribute(name="email") in pool.attributes

    ids = snap.identity_pool
    assert ids is not None
    assert (ids.id, ids.name) == (seeded.identity_pool_id, "app_identities")
    assert ids.allow_unauthenticated and ids.allow_classic_flow
    assert ids.authenticated_role == seeded.role_arns["app-default"]
    assert ids.unauthenticated_role == seeded.role_arns["app-guest"]
    provider = f"cognito-idp.us-east-1.amazonaws.com/{seeded.user_pool_id}"
    assert [(p.provider_name, p.client_id) for p in ids.providers] == sorted(
        (provider, cid) for cid in seeded.client_ids.values()
    )
    assert list(ids.role_mappings) == [seeded.provider_name("mobile")]
    mapping = ids.role_mappings[seeded.provider_name("mobile")]
    assert (mapping.type, mapping.ambiguous_role_resolution) == ("Rules", "Deny")
    assert [(r.claim, r.match_type, r.value, r.role_arn) for r in mapping.rules] == [
        ("cognito:groups", "Contains", "admin", seeded.role_arns["app-admin"]),
        ("custom:tier", "Equals", "gold", seeded.role_arns["app-rules-only"]),
    ]

    # Exactly the roles handed out (the ghost does not exist, "unrelated" is not handed out).
    wanted = ["app-admin", "app-default", "app-editors", "app-guest", "app-rules-only"]
    assert sorted(snap.roles) == sorted(seeded.role_arns[n] for n in wanted)
    admin = snap.roles[seeded.role_arns["app-admin"]]
    assert (admin.name, admin.path) == ("app-admin", "/groups/")
    assert admin.trust_policy == cognito_trust_policy(seeded.identity_pool_id or "")
    # The app's own grant, its placeholders (region, account, API id) filled in.
    admin_grant = fill_placeholders(spec.role("app-admin").inline["admin"], seeded)
    assert [(p.name, p.document) for p in admin.inline_policies] == [
        ("admin", admin_grant),
        ("odd", ODD),
    ]
    prefix = f"arn:aws:execute-api:us-east-1:{seeded.account_id}:{seeded.api_ids[REST]}/prod"
    assert admin_grant["Statement"][0]["Resource"] == [
        f"{prefix}/*/admin/*",
        f"{prefix}/DELETE/items/*",
    ]
    assert admin.attached_policy_arns == sorted(
        seeded.policy_arns[name] for name in (ALL_USERS_POLICY, "shared-invoke", "odd-shapes")
    )
    assert admin.permissions_boundary_arn == seeded.policy_arns["boundary"]
    guest = snap.roles[seeded.role_arns["app-guest"]]
    assert guest.trust_policy == cognito_trust_policy(
        seeded.identity_pool_id or "", "unauthenticated"
    )
    assert (guest.inline_policies, guest.attached_policy_arns) == ([], [])
    odd_trust = snap.roles[seeded.role_arns["app-rules-only"]].trust_policy
    assert odd_trust["Statement"] == {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "sts:AssumeRole",
    }

    # Managed policies: attached ones and the boundary, not the unused one.
    all_users = fill_placeholders(spec.managed_policy(ALL_USERS_POLICY).document, seeded)
    assert {
        arn: (p.name, p.document, p.default_version_id) for arn, p in snap.managed_policies.items()
    } == {
        seeded.policy_arns[ALL_USERS_POLICY]: (ALL_USERS_POLICY, all_users, "v1"),
        seeded.policy_arns["shared-invoke"]: ("shared-invoke", SHARED, "v1"),
        seeded.policy_arns["odd-shapes"]: ("odd-shapes", ODD, "v1"),
        seeded.policy_arns["boundary"]: ("boundary", BOUNDARY, "v1"),
    }

    assert [a.id for a in snap.apis] == sorted(seeded.api_ids.values())
    shop = snap.api(seeded.api_ids[REST])
    assert shop is not None
    assert (shop.name, shop.kind, shop.stages) == ("shop", "REST", ["dev", "prod"])
    assert shop.resource_policy == PUBLIC_POLICY
    # The definition has the changes made after the deployments; each stage serves its own
    # deployment, made before them (the summary names no authorizer).
    seeded_routes = spec.rest_api(REST).routes
    assert {r.key: r.authorization_type for r in shop.routes} == seeded_routes | DEFINITION_CHANGES
    assert sorted(shop.deployments) == ["dev", "prod"]
    assert len({d.id for d in shop.deployments.values()}) == 2
    for deployment in shop.deployments.values():
        assert {r.key: r.authorization_type for r in deployment.routes} == seeded_routes
        assert all(r.authorizer_id is None for r in deployment.routes)
    assert shop.served_routes("prod") == shop.deployments["prod"].routes
    assert [(r.path, r.method) for r in shop.routes] == sorted(
        (r.path, r.method) for r in shop.routes
    )
    by_key = {r.key: r for r in shop.routes}
    assert by_key["GET /profile"].authorizer_id and by_key["GET /legacy"].authorizer_id
    assert by_key["GET /items"].authorizer_id is None

    orders = snap.api(seeded.api_ids[HTTP])
    assert orders is not None
    assert (orders.name, orders.kind, orders.stages) == ("orders", "HTTP", ["$default", "beta"])
    assert orders.resource_policy is None
    http_spec = spec.http_api(HTTP)
    assert {r.key: r.authorization_type for r in orders.routes} == (
        http_spec.routes | http_spec.changed_after_deploy
    )
    default = next(r for r in orders.routes if r.key == "$default")
    assert (default.method, default.path) == ("ANY", "$default")
    # Both stages serve the one seed-time deployment, read from the export of one of them.
    beta = orders.deployments["beta"]
    assert orders.deployments == {"$default": beta, "beta": beta} and beta.id
    assert {(r.method, r.path, r.authorization_type) for r in beta.routes} == {
        ("ANY", "$default", "NONE"),
        ("ANY", "/{proxy+}", "AWS_IAM"),
        ("GET", "/orders", "JWT"),
        ("POST", "/orders", "CUSTOM"),
        ("GET", "/orders/{id}", "AWS_IAM"),
    }


def test_json_round_trip_is_exact(aws: Aws, seeded: Seeded) -> None:
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    text = snap.to_json()
    again = Snapshot.from_json(text)
    assert again == snap
    assert again.to_json() == text


def test_two_collections_have_the_same_digest(aws: Aws, seeded: Seeded) -> None:
    options = AwsOptions(endpoint_url=aws.url)
    assert (
        collect_snapshot(_target(seeded), options).digest()
        == collect_snapshot(_target(seeded), options).digest()
    )


def test_aws_endpoint_url_env_works_without_option(aws: Aws, seeded: Seeded) -> None:
    # The aws fixture sets AWS_ENDPOINT_URL; boto3 must pick it up untouched.
    snap = collect_snapshot(_target(seeded), AwsOptions())
    assert snap.complete and snap.user_pool is not None


def test_lookup_by_name(aws: Aws, seeded: Seeded) -> None:
    by_name = TargetRef(
        user_pool=PoolRef(name="app-users"),
        identity_pool=PoolRef(name="app_identities"),
        apis=[ApiRef(name="shop", stage="prod"), ApiRef(name="orders")],
    )
    snap = collect_snapshot(by_name, AwsOptions(endpoint_url=aws.url))
    by_id = collect_snapshot(_target(seeded, shop="prod"), AwsOptions(endpoint_url=aws.url))
    assert snap.complete
    assert snap.target == by_name
    assert snap.user_pool == by_id.user_pool
    assert snap.identity_pool == by_id.identity_pool
    assert snap.apis == by_id.apis
    assert snap.roles == by_id.roles


def test_token_mapping_and_no_mapping(aws: Aws) -> None:
    spec = full_spec()
    assert spec.identity_pool is not None
    spec.identity_pool.mappings = [RoleMappingSpec(type="Token")]
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    assert snap.identity_pool is not None
    mapping = snap.identity_pool.role_mappings[seeded.provider_name()]
    assert (mapping.type, mapping.ambiguous_role_resolution, mapping.rules) == (
        "Token",
        "AuthenticatedRole",
        [],
    )

    aws.emulator.reset()
    spec.identity_pool.mappings = []
    spec.identity_pool.allow_classic_flow = False
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    assert snap.identity_pool is not None
    assert snap.identity_pool.role_mappings == {}
    assert snap.identity_pool.allow_classic_flow is False
    # Without rules, the rules-only role is no longer handed out.
    assert seeded.role_arns["app-rules-only"] not in snap.roles


def test_empty_pools_and_no_apis(aws: Aws) -> None:
    seeded = seed(EnvironmentSpec(), aws.session, endpoint_url=aws.url)
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    assert snap.complete
    assert snap.user_pool is not None and snap.user_pool.groups == []
    assert snap.identity_pool is not None and snap.identity_pool.authenticated_role is None
    assert (snap.roles, snap.managed_policies, snap.apis) == ({}, {}, [])
    assert aws.emulator.operations()["iam:GetAccountAuthorizationDetails"] == 0


@pytest.mark.parametrize("name", ["shop", "orders"])
def test_single_api_by_id_reads_it_directly(aws: Aws, seeded: Seeded, name: str) -> None:
    target = _target(seeded).model_copy(update={"apis": [ApiRef(id=seeded.api_ids[name])]})
    both = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    aws.emulator.clear_operations()
    snap = collect_snapshot(target, AwsOptions(endpoint_url=aws.url))
    assert snap.complete
    assert snap.apis == [both.api(seeded.api_ids[name])]
    calls = aws.emulator.operations()
    assert calls["apigateway:GetRestApis"] == calls["apigatewayv2:GetApis"] == 0
    assert calls["apigatewayv2:GetApi"] == (1 if name == "orders" else 0)


def test_collector_calls_only_what_it_declares(aws: Aws, seeded: Seeded) -> None:
    from auditor.collect import CALLS, OPERATIONS

    aws.emulator.clear_operations()
    collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    made = set(aws.emulator.operations())
    assert made <= set(CALLS)
    # Every call maps to a declared IAM action (API Gateway reads are all apigateway:GET).
    for call in made:
        service = call.split(":")[0]
        action = "apigateway:GET" if service.startswith("apigateway") else call
        assert action in OPERATIONS


def test_aws_managed_policies_are_read_one_by_one(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The emulator runs in this process: loading AWS managed policies is an env switch.
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    aws.emulator.reset()
    invoke = "arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess"
    from auditor.emulator.seed import IdentityPoolSpec, RoleSpec

    spec = EnvironmentSpec(
        roles=[RoleSpec("app-default", managed=[invoke], boundary=invoke)],
        identity_pool=IdentityPoolSpec(authenticated_role="app-default"),
    )
    seeded = seed(spec, aws.session, endpoint_url=aws.url)
    aws.emulator.clear_operations()
    snap = collect_snapshot(_target(seeded), AwsOptions(endpoint_url=aws.url))
    calls = aws.emulator.operations()
    assert snap.complete
    policy = snap.managed_policies[invoke]
    iam = aws.client("iam")
    version = iam.get_policy(PolicyArn=invoke)["Policy"]["DefaultVersionId"]
    expected = iam.get_policy_version(PolicyArn=invoke, VersionId=version)["PolicyVersion"]
    assert (policy.name, policy.default_version_id, policy.document) == (
        "AmazonAPIGatewayInvokeFullAccess",
        version,
        expected["Document"],
    )
    role = snap.roles[seeded.role_arns["app-default"]]
    assert role.attached_policy_arns == [invoke] and role.permissions_boundary_arn == invoke
    # GAAD skipped the ~1,300 AWS managed policies; the one in use was read directly, once.
    assert calls["iam:GetAccountAuthorizationDetails"] == 1
    assert calls["iam:GetPolicy"] == calls["iam:GetPolicyVersion"] == 1
