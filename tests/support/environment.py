"""The seed thread's app with every legal but odd shape the collector must read faithfully.

On top of the app (`auditor.emulator.app`): a second app client whose provider carries a
Rules mapping, guest access and the classic flow, a group with no role and one whose role
was deleted, a role off the root path with a boundary, NotAction/NotResource policies, a
trust policy that is not Cognito's, policies nobody uses, every authorizer type, ANY and
$default routes, two stages per API and a public resource policy.
"""

from __future__ import annotations

from auditor.emulator.app import App, seed_thread_app
from auditor.emulator.seed import (
    ClientSpec,
    EnvironmentSpec,
    GroupSpec,
    HttpApiSpec,
    ManagedPolicySpec,
    RoleMappingSpec,
    RoleSpec,
    RuleSpec,
)

REST, HTTP = "shop", "orders"
# Legal but odd shapes, to be stored exactly as written.
ODD = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Deny",
        "NotAction": "execute-api:Invoke",
        "NotResource": ["arn:aws:execute-api:*:*:*/prod/*"],
    },
}
BOUNDARY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["execute-api:*"], "Resource": "*"}],
}
SHARED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Me",
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:*:*:*/*/GET/me/${cognito-identity.amazonaws.com:sub}",
        }
    ],
}
PUBLIC_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
        }
    ],
}
NOT_COGNITO_TRUST = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
}
GHOST_ROLE = "arn:aws:iam::123456789012:role/deleted-long-ago"


def odd_app() -> App:
    """The app's routes, with every authorization type and route shape beside them."""
    app = seed_thread_app("app", rest_api=REST)
    shop = app.rest_api(REST)
    shop.stages = ["prod", "dev"]
    shop.policy = PUBLIC_POLICY
    shop.routes |= {
        "GET /profile": "COGNITO_USER_POOLS",
        "GET /legacy": "CUSTOM",
        "ANY /files/{proxy+}": "AWS_IAM",
        "GET /": "NONE",
    }
    orders = {
        "$default": "NONE",
        "ANY /{proxy+}": "AWS_IAM",
        "GET /orders": "JWT",
        "POST /orders": "CUSTOM",
        "GET /orders/{id}": "AWS_IAM",
    }
    app.http_apis.append(HttpApiSpec(HTTP, routes=orders, stages=["$default", "beta"]))
    return app


def full_spec() -> EnvironmentSpec:
    spec = odd_app().spec()
    spec.managed_policies += [
        ManagedPolicySpec("shared-invoke", SHARED),
        ManagedPolicySpec("odd-shapes", ODD, path="/app/"),
        ManagedPolicySpec("boundary", BOUNDARY),
        ManagedPolicySpec("unused", BOUNDARY),
    ]
    spec.role("app-default").managed.append("shared-invoke")
    admin = spec.role("app-admin")
    admin.inline["odd"] = ODD
    admin.managed += ["shared-invoke", "odd-shapes"]
    admin.boundary, admin.path = "boundary", "/groups/"
    spec.role("app-editors").managed.append("odd-shapes")
    spec.roles += [
        RoleSpec("app-guest", trust_amr="unauthenticated"),
        RoleSpec("app-rules-only", trust=NOT_COGNITO_TRUST),
        RoleSpec("unrelated", inline={"x": BOUNDARY}),
    ]

    assert spec.user_pool is not None and spec.identity_pool is not None
    spec.user_pool.clients = [ClientSpec("web"), ClientSpec("mobile")]
    spec.group("admin").description = "admins"
    spec.user_pool.groups += [
        GroupSpec("readers"),
        GroupSpec("ghosts", role=GHOST_ROLE, precedence=10),
    ]
    pool = spec.identity_pool
    pool.allow_unauthenticated = pool.allow_classic_flow = True
    pool.unauthenticated_role = "app-guest"
    pool.mappings = [
        RoleMappingSpec(
            type="Rules",
            ambiguous_role_resolution="Deny",
            client="mobile",
            rules=[
                RuleSpec("cognito:groups", "Contains", "admin", "app-admin"),
                RuleSpec("custom:tier", "Equals", "gold", "app-rules-only"),
            ],
        )
    ]
    return spec
