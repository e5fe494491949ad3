"""The seed thread's app with every legal but odd shape the collector must read faithfully.

On top of the app (`auditor.emulator.app`): a second app client whose provider carries a
Rules mapping, guest access and the classic flow, a group with no role and one whose role
was deleted, a role off the root path with a boundary, NotAction/NotResource policies, a
trust policy that is not Cognito's, policies nobody uses, every authorizer type, ANY and
$default routes, two stages per API and a public resource policy. App clients that let users
write attributes (one never set, one with a secret), custom attributes, self sign-up off;
stages that serve what was deployed before the definition changed (REST stages, and HTTP
stages without auto-deploy sharing one deployment).
"""

from __future__ import annotations

from auditor.emulator.app import App, seed_thread_app
from auditor.emulator.seed import (
    ClientSpec,
    CustomAttributeSpec,
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
DEFINITION_CHANGES = {"GET /": "AWS_IAM", "GET /reports": "NONE"}
WRITABLE = ["email", "custom:tier"]


def odd_app() -> App:
    """The app's routes, with every authorization type and route shape beside them."""
    app = seed_thread_app("app", rest_api=REST)
    shop = app.rest_api(REST)
    shop.stages = ["prod", "dev"]
    shop.policy = PUBLIC_POLICY
    # After the deployments: the root locked down, a new public route, neither deployed.
    shop.changed_after_deploy = DEFINITION_CHANGES
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
    app.http_apis.append(
        HttpApiSpec(
            HTTP,
            routes=orders,
            stages=["$default", "beta"],
            auto_deploy=False,
            changed_after_deploy={"GET /orders": "AWS_IAM"},
        )
    )
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
    spec.user_pool.clients = [
        ClientSpec("web", write_attributes=WRITABLE),
        ClientSpec("mobile", secret=True),
    ]
    spec.user_pool.custom_attributes = [
        CustomAttributeSpec("tier"),
        CustomAttributeSpec("org", mutable=False),
    ]
    spec.user_pool.self_sign_up = False
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
